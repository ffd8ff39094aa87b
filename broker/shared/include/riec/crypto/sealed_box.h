// End-to-end encryption of stage-2 content: libsodium sealed boxes
// (crypto_box_seal: X25519 + XSalsa20-Poly1305, an ephemeral sender key per
// message). The broker only relays what Seal produces; it never holds a
// secret key that opens it.
//
// Thread-safety: pure functions.
// Security: secret keys are returned in strings the caller must wipe.
#ifndef RIEC_BROKER_CRYPTO_SEALED_BOX_H_
#define RIEC_BROKER_CRYPTO_SEALED_BOX_H_

#include <string>

#include "riec/crypto/secret_bytes.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riec::crypto {

inline constexpr size_t kBoxPublicKeySize = 32;
inline constexpr size_t kBoxSecretKeySize = 32;
inline constexpr size_t kSealOverhead = 48;

struct BoxKeyPair {
  std::string public_key;
  SecretBytes secret_key;
};

BoxKeyPair GenerateBoxKeyPair();

// The fingerprint of a public key: lower-case hex of the first 8 bytes of
// its SHA-256.
std::string BoxKeyId(absl::string_view public_key);

// INVALID_ARGUMENT if the public key is not 32 bytes.
absl::StatusOr<std::string> Seal(absl::string_view public_key, absl::string_view message);

// DATA_LOSS if the box does not open with this key pair (wrong key, or the
// ciphertext was altered).
absl::StatusOr<std::string> OpenSealed(absl::string_view public_key,
                                       absl::string_view secret_key,
                                       absl::string_view sealed);

// The proof that a party holds an X25519 secret key (docs/two-stage.md,
// "Fetching"): SHA-256("riec-fetch-proof-v1" || request_id ||
// X25519(secret_key, peer_public_key)). The requester computes it with its
// secret key and the broker's challenge; the broker with the challenge's
// secret and the requester's public key: both give the same 32 bytes.
// INVALID_ARGUMENT for a key of the wrong size or a low-order point.
absl::StatusOr<std::string> KeyProof(absl::string_view secret_key, absl::string_view peer_public_key,
                                     absl::string_view request_id);

}  // namespace riec::crypto

#endif  // RIEC_BROKER_CRYPTO_SEALED_BOX_H_
