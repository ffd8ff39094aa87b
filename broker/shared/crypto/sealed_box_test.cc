#include "riec/crypto/sealed_box.h"

#include "riec/crypto/sodium.h"
#include "gtest/gtest.h"

namespace riec::crypto {
namespace {

TEST(SealedBoxTest, OnlyTheRecipientOpens) {
  ASSERT_TRUE(InitCrypto().ok());
  BoxKeyPair alice = GenerateBoxKeyPair();
  BoxKeyPair mallory = GenerateBoxKeyPair();
  auto sealed = Seal(alice.public_key, "rapport huisvesting");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), 19 + kSealOverhead);
  EXPECT_EQ(sealed->find("rapport"), std::string::npos);
  EXPECT_EQ(*OpenSealed(alice.public_key, alice.secret_key, *sealed), "rapport huisvesting");
  EXPECT_EQ(OpenSealed(mallory.public_key, mallory.secret_key, *sealed).status().code(),
            absl::StatusCode::kDataLoss);
  std::string altered = *sealed;
  altered[50] ^= 1;
  EXPECT_EQ(OpenSealed(alice.public_key, alice.secret_key, altered).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(BoxKeyId(alice.public_key).size(), 16u);
  EXPECT_NE(BoxKeyId(alice.public_key), BoxKeyId(mallory.public_key));
  EXPECT_FALSE(Seal("short", "x").ok());
}

}  // namespace
}  // namespace riec::crypto
