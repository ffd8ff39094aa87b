// RFC 9497 VOPRF mode (0x01) for ristretto255-SHA512: the batched DLEQ
// proof (§2.2) that every evaluated element of a batch was made with the
// key whose public key the client pinned; and t-of-n threshold evaluation:
// Shamir shares of the key scalar, each instance evaluating and proving with
// its share, the client combining t evaluations with Lagrange coefficients
// into exactly the single-key evaluation (docs/pseudonyms.md §5).
//
// Cost (scalar multiplications), for a batch of m elements:
//   BlindEvaluate with proof:  m (evaluations) + m (composite M) + 1 (Z=k*M)
//                              + 2 (t2, t3)                      = 2m + 3
//   VerifyProof:               2m (composites M, Z) + 4           = 2m + 4
//
// Thread-safety: pure functions after crypto::InitCrypto().
#ifndef RIEC_BROKER_CRYPTO_VOPRF_H_
#define RIEC_BROKER_CRYPTO_VOPRF_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "riec/crypto/oprf.h"

namespace riec::crypto {

inline constexpr size_t kProofSize = 64;  // c || s

// BlindEvaluate on a batch with a proof: `evaluated[i] = k * blinded[i]`
// and proof = GenerateProof(k, G, pkS, blinded, evaluated). `r` fixes the
// proof's random scalar (test vectors only); otherwise a fresh one.
struct BatchEvaluation {
  std::vector<std::string> evaluated;
  std::string proof;
};
absl::StatusOr<BatchEvaluation> EvaluateWithProof(const OprfKey& key,
                                                  const std::vector<std::string>& blinded,
                                                  const Scalar* r = nullptr);

// Whether `proof` shows that every evaluated[i] = k * blinded[i] for the k
// with k*G = public_key. False on any malformed input.
bool VerifyProof(absl::string_view public_key, const std::vector<std::string>& blinded,
                 const std::vector<std::string>& evaluated, absl::string_view proof);

// ---- threshold ----

// One share of a key: the share's index (1..n, the x of Shamir's
// polynomial), its secret scalar f(index), and its public share f(index)*G.
struct KeyShare {
  uint32_t index = 0;
  OprfKey key;
};

// Splits `key` into n shares of which any t recover it (2 <= t <= n <= 255):
// a random polynomial of degree t-1 with f(0) = the key's scalar. The key
// itself is not kept; the caller destroys its copy.
absl::StatusOr<std::vector<KeyShare>> SplitKey(const OprfKey& key, uint32_t threshold,
                                               uint32_t shares);

// The Lagrange coefficient at 0 of `index` within `indices` (distinct,
// non-zero): prod_{j != index} j / (j - index) mod L. INVALID_ARGUMENT for a
// repeated or zero index.
absl::StatusOr<Scalar> LagrangeAtZero(uint32_t index, const std::vector<uint32_t>& indices);

// sum_i coefficient_i * points_i, for combining evaluated elements (and
// public shares, to check them against the group's public key).
// INVALID_ARGUMENT on a malformed point or an identity result.
absl::StatusOr<std::string> CombineShares(const std::vector<uint32_t>& indices,
                                          const std::vector<std::string>& points);

}  // namespace riec::crypto

#endif  // RIEC_BROKER_CRYPTO_VOPRF_H_
