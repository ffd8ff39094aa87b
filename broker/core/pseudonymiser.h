// The Pseudonymiser's core: evaluates the VOPRF on blinded elements, with
// its proof, for partners within their daily quota
// (proto/riec/v1/pseudonymiser.proto). A share instance evaluates with its
// share and proves against its public share; each instance counts its own
// quota.
// It sees only blinded elements, never an identifier or a pseudonym.
//
// Thread-safety: safe for concurrent use.
// Ownership: the key and the quota counter are not owned.
#ifndef RIEC_BROKER_CORE_PSEUDONYMISER_H_
#define RIEC_BROKER_CORE_PSEUDONYMISER_H_

#include "absl/status/statusor.h"
#include "core/key_store.h"
#include "core/pipeline.h"
#include "core/quota.h"
#include "riec/crypto/oprf.h"
#include "riec/v1/pseudonymiser.pb.h"

namespace riec::core {

inline constexpr size_t kMaxEvaluateBatch = 4096;
inline constexpr absl::string_view kOprfQuota = "oprf_evaluations_per_day";

class Pseudonymiser {
 public:
  // `share`: set when this instance holds one share of the key.
  Pseudonymiser(const Env& env, const crypto::OprfKey* key, const OprfShare* share, QuotaCounter* quota);

  // Errors: INVALID_ARGUMENT (batch size, element i malformed),
  // PERMISSION_DENIED, RESOURCE_EXHAUSTED (logged, like every refusal).
  absl::StatusOr<v1::EvaluateResponse> Evaluate(RequestContext& ctx,
                                                const v1::EvaluateRequest& request);
  absl::StatusOr<v1::KeyInfo> GetKeyInfo(RequestContext& ctx, const v1::GetKeyInfoRequest& request);

 private:
  Env env_;
  const crypto::OprfKey* key_;
  const OprfShare* share_;
  QuotaCounter* quota_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_PSEUDONYMISER_H_
