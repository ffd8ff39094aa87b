#include "core/pseudonymiser.h"

#include "absl/strings/str_cat.h"
#include "riec/common/time_util.h"
#include "core/records.h"
#include "core/validate.h"

namespace riec::core {

absl::StatusOr<v1::EvaluateResponse> Pseudonymiser::Evaluate(
    const Call& call, const v1::EvaluateRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  policy::Request q{policy::Action::kEvaluateOprf, call.caller.identity, now};
  policy::Decision d = policy->Decide(q);
  if (!d.allowed) {
    return Refuse(env_.log, NewRecord(v1::REQUEST_DENIED, call, *policy, now, d));
  }
  const int n = request.blinded_elements_size();
  if (absl::Status s = ValidateBatchSize(n, "blinded_elements", kMaxEvaluateBatch); !s.ok()) {
    return s;
  }
  v1::EvaluateResponse response;
  response.mutable_evaluated_elements()->Reserve(n);
  for (int i = 0; i < n; ++i) {
    auto e = key_->Evaluate(request.blinded_elements(i));
    if (!e.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("blinded_elements[", i, "]: ", e.status().message()));
    }
    response.add_evaluated_elements(*std::move(e));
  }
  // Counted only once the whole batch is known to be valid.
  uint64_t limit = policy->QuotasFor(call.caller.identity.partner).oprf_evaluations_per_day;
  if (limit == 0) limit = UINT64_MAX;  // unlimited
  auto usage = quota_->Consume(kOprfQuota, call.caller.identity.partner, n, limit, now);
  if (!usage.ok()) {
    if (usage.status().code() != absl::StatusCode::kResourceExhausted) return usage.status();
    v1::LogRecord context;
    context.set_count(n);
    return RefuseOverQuota(env_.log, call, *policy, now, kOprfQuota, usage.status().message(),
                           &context);
  }
  response.set_key_id(key_->KeyId());
  response.set_quota_remaining(usage->remaining);
  return response;
}

absl::StatusOr<v1::KeyInfo> Pseudonymiser::GetKeyInfo(const Call& call) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  policy::Decision d =
      policy->Decide({policy::Action::kEvaluateOprf, call.caller.identity, now});
  if (!d.allowed) {
    return Refuse(env_.log, NewRecord(v1::REQUEST_DENIED, call, *policy, now, d));
  }
  const uint64_t configured =
      policy->QuotasFor(call.caller.identity.partner).oprf_evaluations_per_day;
  const uint64_t limit = configured == 0 ? UINT64_MAX : configured;  // 0: unlimited
  auto usage = quota_->Peek(kOprfQuota, call.caller.identity.partner, limit, now);
  if (!usage.ok()) return usage.status();
  v1::KeyInfo info;
  info.set_suite(std::string(crypto::kOprfSuiteName));
  info.set_mode(0);
  info.set_key_id(key_->KeyId());
  info.set_public_key(key_->public_key());
  info.set_max_batch_size(kMaxEvaluateBatch);
  info.set_daily_quota(configured);
  info.set_quota_remaining(usage->remaining);
  *info.mutable_quota_resets() = ToProtoTime(usage->resets);
  return info;
}

}  // namespace riec::core
