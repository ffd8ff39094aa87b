#include "core/pseudonymiser.h"

#include "absl/strings/str_cat.h"
#include "core/validate.h"
#include "riec/crypto/voprf.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"

namespace riec::core {
namespace {
constexpr char kEvaluations[] = "riec_oprf_evaluations_total";
constexpr char kEvaluationsHelp[] = "Blinded elements evaluated, per partner.";
}  // namespace

Pseudonymiser::Pseudonymiser(const Env& env, const crypto::OprfKey* key, const OprfShare* share,
                             QuotaCounter* quota)
    : env_(env), key_(key), share_(share), quota_(quota) {
  if (env_.metrics != nullptr) {
    env_.metrics->Declare(kEvaluations, kEvaluationsHelp, metrics::Registry::Type::kCounter);
  }
}

absl::StatusOr<v1::EvaluateResponse> Pseudonymiser::Evaluate(RequestContext& ctx,
                                                             const v1::EvaluateRequest& request) {
  const int n = request.blinded_elements_size();
  RETURN_IF_ERROR(ValidateBatchSize(n, "blinded_elements", kMaxEvaluateBatch));
  ctx.SetCount(n);
  RETURN_IF_ERROR(ctx.Decide(ctx.Question()).status());
  const std::vector<std::string> blinded(request.blinded_elements().begin(),
                                         request.blinded_elements().end());
  ASSIGN_OR_RETURN(crypto::BatchEvaluation evaluation, crypto::EvaluateWithProof(*key_, blinded));
  v1::EvaluateResponse response;
  response.mutable_evaluated_elements()->Reserve(n);
  for (auto& e : evaluation.evaluated) response.add_evaluated_elements(std::move(e));
  response.set_proof(std::move(evaluation.proof));
  // Counted only once the whole batch is known to be valid. An evaluation
  // writes no record, so its count is written on its own, not synced: a
  // crash of the machine may forget the last moments' count.
  storage::Batch count;
  const uint64_t limit = ctx.policy().QuotasFor(ctx.partner()).oprf_evaluations_per_day;
  auto usage = quota_->Consume(kOprfQuota, ctx.partner(), n, limit, ctx.now(),
                               QuotaCounter::Period::kDay, &count);
  if (!usage.ok()) {
    if (usage.status().code() != absl::StatusCode::kResourceExhausted) return usage.status();
    return ctx.RefuseOverQuota(kOprfQuota, usage.status().message());
  }
  RETURN_IF_ERROR(env_.store->Apply(count, /*sync=*/false));
  if (env_.metrics != nullptr) {
    env_.metrics->GetCounter(kEvaluations, kEvaluationsHelp, {{"partner", ctx.partner()}}).Add(n);
  }
  response.set_key_id(key_->KeyId());
  response.set_quota_remaining(usage->remaining);
  return response;
}

absl::StatusOr<v1::KeyInfo> Pseudonymiser::GetKeyInfo(RequestContext& ctx,
                                                      const v1::GetKeyInfoRequest&) {
  RETURN_IF_ERROR(ctx.Decide(ctx.Question()).status());
  const uint64_t limit = ctx.policy().QuotasFor(ctx.partner()).oprf_evaluations_per_day;
  ASSIGN_OR_RETURN(auto usage, quota_->Peek(kOprfQuota, ctx.partner(), limit, ctx.now(),
                                            QuotaCounter::Period::kDay));
  v1::KeyInfo info;
  info.set_suite(std::string(crypto::kOprfSuiteName));
  info.set_mode(static_cast<uint32_t>(crypto::OprfMode::kVoprf));
  info.set_key_id(key_->KeyId());
  info.set_public_key(key_->public_key());
  info.set_max_batch_size(kMaxEvaluateBatch);
  info.set_daily_quota(limit);
  info.set_quota_remaining(usage.remaining);
  *info.mutable_quota_resets() = ToProtoTime(usage.resets);
  if (share_ != nullptr) {
    info.set_share_index(share_->index);
    info.set_threshold(share_->threshold);
    info.set_group_public_key(share_->group_public_key);
  }
  return info;
}

}  // namespace riec::core
