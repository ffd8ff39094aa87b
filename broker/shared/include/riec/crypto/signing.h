// Ed25519 signatures (RFC 8032) over libsodium, for signed tree heads.
//
// Thread-safety: a SigningKey is immutable and may be shared; functions are
// pure.
// Security: the secret key is wiped when the SigningKey is destroyed.
#ifndef RIEC_BROKER_CRYPTO_SIGNING_H_
#define RIEC_BROKER_CRYPTO_SIGNING_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "riec/crypto/secret_bytes.h"

namespace riec::crypto {

class SigningKey {
 public:
  // From the 32-byte seed (RFC 8032's private key). INVALID_ARGUMENT if not
  // 32 bytes.
  static absl::StatusOr<SigningKey> FromSeed(absl::string_view seed);
  static SigningKey Generate();

  SigningKey(SigningKey&& other) noexcept = default;
  SigningKey& operator=(SigningKey&& other) noexcept = default;

  // The 64-byte signature of `message`.
  std::string Sign(absl::string_view message) const;
  const std::string& public_key() const { return public_key_; }
  // The seed, for writing the key file.
  SecretBytes ExportSeed() const;

 private:
  SigningKey() = default;
  SecretBytes secret_;  // libsodium's 64-byte secret key (seed || public key)
  std::string public_key_;
};

// True if `signature` is a valid Ed25519 signature of `message` by
// `public_key` (32 bytes); false for any malformed input.
bool VerifySignature(absl::string_view public_key, absl::string_view message,
                     absl::string_view signature);

}  // namespace riec::crypto

#endif  // RIEC_BROKER_CRYPTO_SIGNING_H_
