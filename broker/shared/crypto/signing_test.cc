#include "riec/crypto/signing.h"

#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"
#include "gtest/gtest.h"

namespace riec::crypto {
namespace {

// RFC 8032 §7.1, TEST 1 and TEST 2.
TEST(SigningTest, Rfc8032Vectors) {
  ASSERT_TRUE(InitCrypto().ok());
  struct V {
    const char *seed, *pub, *msg, *sig;
  };
  for (const V& v : {V{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
                       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
                     V{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
                       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"}}) {
    auto key = SigningKey::FromSeed(*FromHex(v.seed));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(ToHex(key->public_key()), v.pub);
    const std::string msg = *FromHex(v.msg);
    EXPECT_EQ(ToHex(key->Sign(msg)), v.sig);
    EXPECT_TRUE(VerifySignature(key->public_key(), msg, *FromHex(v.sig)));
    std::string bad = *FromHex(v.sig);
    bad[0] ^= 1;
    EXPECT_FALSE(VerifySignature(key->public_key(), msg, bad));
    EXPECT_FALSE(VerifySignature(key->public_key(), msg + "x", *FromHex(v.sig)));
    EXPECT_FALSE(VerifySignature(key->public_key().substr(1), msg, *FromHex(v.sig)));
  }
}

TEST(SigningTest, SeedRoundTrip) {
  ASSERT_TRUE(InitCrypto().ok());
  SigningKey a = SigningKey::Generate();
  const SecretBytes seed = a.ExportSeed();
  auto b = SigningKey::FromSeed(seed);
  EXPECT_EQ(a.public_key(), b->public_key());
  EXPECT_FALSE(SigningKey::FromSeed("short").ok());
}

}  // namespace
}  // namespace riec::crypto
