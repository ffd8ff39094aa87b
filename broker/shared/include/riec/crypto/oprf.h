// OPRF(ristretto255, SHA-512), RFC 9497, over libsodium: mode 0x01 (VOPRF)
// for pseudonyms, mode 0x00 (OPRF) for the RFC's test vectors and
// `riec oprf vector --mode oprf`. The proofs of VOPRF mode are in
// riec/crypto/voprf.h.
//
// Both halves live here: the client's Blind and Finalize (used by the SDK)
// and the server's BlindEvaluate (used by the Pseudonymiser). Inputs and
// outputs are raw byte strings; elements and scalars are 32 bytes, outputs 64.
//
// Thread-safety: free functions are thread-safe after crypto::InitCrypto().
// An OprfKey is immutable after creation and may be shared between threads.
//
// Security: secret scalars (the server key, the client's blind) are held in
// Scalar, which wipes its bytes when destroyed. Evaluate rejects elements
// that are not canonical ristretto255 encodings and the identity element.
// Scalar multiplication in libsodium is constant-time.
#ifndef RIEC_BROKER_CRYPTO_OPRF_H_
#define RIEC_BROKER_CRYPTO_OPRF_H_

#include <array>
#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "riec/crypto/secret_bytes.h"

namespace riec::crypto {

inline constexpr size_t kElementSize = 32;
inline constexpr size_t kScalarSize = 32;
inline constexpr size_t kOprfOutputSize = 64;
inline constexpr absl::string_view kOprfSuiteName = "OPRF(ristretto255, SHA-512)";

// RFC 9497 §3.1 modes. The mode is part of every hash's domain separation,
// so each mode gives other pseudonyms.
enum class OprfMode : uint8_t { kOprf = 0x00, kVoprf = 0x01 };
// The mode of pseudonyms (docs/pseudonyms.md, pseudonym version 2).
inline constexpr OprfMode kPseudonymMode = OprfMode::kVoprf;

// contextString = "OPRFV1-" || I2OSP(mode, 1) || "-ristretto255-SHA512".
std::string ContextString(OprfMode mode);

// A secret scalar modulo the group order. Non-copyable; wiped on destruction.
class Scalar {
 public:
  Scalar() { bytes_.fill(0); }
  ~Scalar();
  Scalar(const Scalar&) = delete;
  Scalar& operator=(const Scalar&) = delete;
  Scalar(Scalar&& other) noexcept;
  Scalar& operator=(Scalar&& other) noexcept;

  // INVALID_ARGUMENT unless `bytes` is 32 bytes encoding a scalar in [1, L).
  static absl::StatusOr<Scalar> FromBytes(absl::string_view bytes);
  // A uniformly random non-zero scalar.
  static Scalar Random();

  const unsigned char* data() const { return bytes_.data(); }
  unsigned char* mutable_data() { return bytes_.data(); }
  // A copy of the secret bytes; the caller must wipe it (crypto::Wipe).
  SecretBytes ExportBytes() const;

 private:
  std::array<unsigned char, kScalarSize> bytes_;
};

// expand_message_xmd with SHA-512 (RFC 9380 §5.3.1). `len` <= 255*64 and the
// DST at most 255 bytes (both hold for every caller here).
std::string ExpandMessageXmdSha512(absl::string_view msg, absl::string_view dst,
                                   size_t len);

// RFC 9497 §4.1 HashToGroup and HashToScalar for ristretto255-SHA512.
// HashToScalar takes its domain separation tag explicitly.
std::string HashToGroup(absl::string_view input, OprfMode mode = kPseudonymMode);
Scalar HashToScalar(absl::string_view input, absl::string_view dst);

// The server's secret key skS and its public key pkS = skS*G.
class OprfKey {
 public:
  // RFC 9497 §3.2.1 DeriveKeyPair. `seed` must be 32 bytes; INVALID_ARGUMENT
  // otherwise, INTERNAL in the (2^-8000 likely) case of no valid scalar.
  static absl::StatusOr<OprfKey> Derive(absl::string_view seed, absl::string_view info,
                                        OprfMode mode = kPseudonymMode);
  // From the 32 secret bytes stored in a key file.
  static absl::StatusOr<OprfKey> FromSecret(absl::string_view secret);
  // A fresh random key.
  static OprfKey Generate();

  OprfKey(OprfKey&&) = default;
  OprfKey& operator=(OprfKey&&) = default;

  // RFC 9497 BlindEvaluate: skS * blindedElement. INVALID_ARGUMENT if the
  // element is not 32 bytes, not a valid encoding, or the identity.
  absl::StatusOr<std::string> Evaluate(absl::string_view blinded_element) const;

  const std::string& public_key() const { return public_key_; }
  // Lower-case hex of the first 8 bytes of SHA-256(pkS).
  std::string KeyId() const;
  // The secret scalar, for writing the key file.
  SecretBytes ExportSecret() const { return secret_.ExportBytes(); }
  const Scalar& secret() const { return secret_; }

  // The whole PRF computed with the key in hand:
  // H(input, skS * HashToGroup(input)), equal to Finalize after Blind and
  // Evaluate. For tests and the benchmark's ceiling only; a partner never
  // holds the key.
  absl::StatusOr<std::string> Prf(absl::string_view input, OprfMode mode = kPseudonymMode) const;

 private:
  explicit OprfKey(Scalar secret);
  Scalar secret_;
  std::string public_key_;
};

// The client's state between Blind and Finalize.
struct BlindedInput {
  Scalar blind;
  std::string blinded_element;
};

// RFC 9497 Blind with a fresh random blind. INVALID_ARGUMENT if the input
// hashes to the identity (negligible probability).
absl::StatusOr<BlindedInput> Blind(absl::string_view input, OprfMode mode = kPseudonymMode);
// Blind with a given blind scalar (for test vectors and `riec oprf vector`).
absl::StatusOr<BlindedInput> BlindWith(absl::string_view input, Scalar blind,
                                       OprfMode mode = kPseudonymMode);

// RFC 9497 Finalize: the 64-byte PRF output. INVALID_ARGUMENT if the
// evaluated element is malformed or the identity.
absl::StatusOr<std::string> Finalize(absl::string_view input, const Scalar& blind,
                                     absl::string_view evaluated_element);

}  // namespace riec::crypto

#endif  // RIEC_BROKER_CRYPTO_OPRF_H_
