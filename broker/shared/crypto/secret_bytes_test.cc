#include "riec/crypto/secret_bytes.h"

#include <type_traits>

#include "gtest/gtest.h"
#include "riec/crypto/sealed_box.h"
#include "riec/crypto/signing.h"
#include "riec/crypto/sodium.h"

namespace riec::crypto {
namespace {

// Secrets cannot be copied by accident, only moved.
static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(!std::is_copy_constructible_v<BoxKeyPair>, "a key pair carries a secret");

TEST(SecretBytesTest, TakingAStringWipesIt) {
  std::string seed = RandomBytes(32);
  const std::string copy = seed;
  SecretBytes s(std::move(seed));
  EXPECT_EQ(s.view(), copy);
  EXPECT_EQ(seed, std::string(32, '\0')) << "the caller's bytes are zeroed, not left behind";
}

TEST(SecretBytesTest, MovedFromIsEmpty) {
  SecretBytes a = SecretBytes::Copy("0123456789abcdef0123456789abcdef");
  SecretBytes b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(b.size(), 32u);
  SecretBytes c = SecretBytes::Zeros(4);
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(c.view(), "0123456789abcdef0123456789abcdef");
}

TEST(SecretBytesTest, KeysExportSecrets) {
  ASSERT_TRUE(InitCrypto().ok());
  const SigningKey key = SigningKey::Generate();
  const SecretBytes seed = key.ExportSeed();
  ASSERT_EQ(seed.size(), 32u);
  EXPECT_EQ(SigningKey::FromSeed(seed)->public_key(), key.public_key());
}

TEST(SecretBytesTest, ReadSecretFileNamesTheSetting) {
  auto missing = ReadSecretSettingFile("/nonexistent/key.pem", "tls.key");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message().substr(0, 9), "tls.key: ");
  EXPECT_EQ(ReadSecretSettingFile("", "tls.key").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace riec::crypto
