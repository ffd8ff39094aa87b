#include "core/retention.h"

#include "absl/strings/str_cat.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "core/records.h"
#include "log/record_index.h"

namespace riec::core {

absl::StatusOr<v1::SweepNowResponse> Sweeper::Sweep(const Call& call, bool trusted) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  if (!trusted) {
    RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kOperate, now));
  }
  v1::SweepNowResponse response;
  std::map<std::string, uint64_t> totals;

  // Writes one batch with its record.
  SweepCommit commit = [&](SweepBatch batch) -> absl::Status {
    if (batch.deletes.empty()) return absl::OkStatus();
    policy::Decision d{true, absl::StatusCode::kOk, "retention",
                       "erased what the retention periods of the policy say has expired", ""};
    v1::LogRecord record = NewRecord(v1::RETENTION_SWEEP, call, *policy, now, d);
    for (const auto& [kind, n] : batch.counts) {
      auto* e = record.add_erased();
      e->set_kind(kind);
      e->set_count(n);
      totals[kind] += n;
    }
    ASSIGN_OR_RETURN(uint64_t index, env_.log->Append(record, std::move(batch.deletes)));
    response.add_log_indices(index);
    return absl::OkStatus();
  };

  const policy::Retention& r = policy->retention();
  RETURN_IF_ERROR(index_->SweepExpired(now, r.index_entries, kBatch, commit));
  RETURN_IF_ERROR(signals_->SweepExpired(now, r.signals_without_case, kBatch, commit));
  RETURN_IF_ERROR(content_->SweepPayloads(now, r.payloads, kBatch, commit));
  RETURN_IF_ERROR(cases_->SweepExpired(now, r.cases_after_closing, kBatch, commit));

  // Events and quota counters: nobody changes them after they are written.
  SweepBatch batch;
  auto it = env_.store->NewIterator(storage::Family::kEvents);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::Event e;
    if (e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) &&
        now < FromProtoTime(e.time()) + r.events) {
      continue;
    }
    batch.deletes.push_back({storage::Family::kEvents, it->key().ToString(), std::nullopt});
    ++batch.counts["events"];
    RETURN_IF_ERROR(CommitIfFull(batch, kBatch, commit));
  }
  RETURN_IF_ERROR(storage::FromRocks(it->status(), "event scan"));

  // Deconfliction marks: the value begins with when the mark expires.
  const uint64_t now_us = static_cast<uint64_t>(absl::ToUnixMicros(now));
  auto a = env_.store->NewIterator(storage::Family::kAsked);
  for (a->SeekToFirst(); a->Valid(); a->Next()) {
    if (a->value().size() >= 8 && storage::DecodeBE64(absl::string_view(a->value().data(), 8)) > now_us) continue;
    batch.deletes.push_back({storage::Family::kAsked, a->key().ToString(), std::nullopt});
    ++batch.counts["deconfliction-marks"];
    RETURN_IF_ERROR(CommitIfFull(batch, kBatch, commit));
  }
  RETURN_IF_ERROR(storage::FromRocks(a->status(), "asked scan"));

  const absl::Time quota_cutoff = now - absl::Hours(48);
  const std::string before = absl::FormatTime("%Y-%m-%dT%H", quota_cutoff, absl::UTCTimeZone());
  auto q = env_.store->NewIterator(storage::Family::kQuota);
  for (q->SeekToFirst(); q->Valid(); q->Next()) {
    const std::string key = q->key().ToString();
    if (key.substr(key.rfind('\0') + 1) >= before) continue;
    batch.deletes.push_back({storage::Family::kQuota, key, std::nullopt});
    ++batch.counts["quota-counters"];
    RETURN_IF_ERROR(CommitIfFull(batch, kBatch, commit));
  }
  RETURN_IF_ERROR(storage::FromRocks(q->status(), "quota scan"));
  // Log records: content erased, leaf hash kept, audit indexes removed. The
  // time index is in time order; stop at the first record still kept.
  const uint64_t keep_after = static_cast<uint64_t>(absl::ToUnixMicros(now - r.log_records));
  auto t = env_.store->NewIterator(storage::Family::kLogByTime);
  for (t->SeekToFirst(); t->Valid(); t->Next()) {
    if (storage::DecodeBE64(absl::string_view(t->key().data(), 8)) >= keep_after) break;
    ASSIGN_OR_RETURN(auto erase, env_.log->RedactionOf(
                                     log::IndexOfKey(absl::string_view(t->key().data(), t->key().size()))));
    if (erase.empty()) continue;
    for (auto& m : erase) batch.deletes.push_back(std::move(m));
    ++batch.counts["log-records"];
    RETURN_IF_ERROR(CommitIfFull(batch, kBatch, commit));
  }
  RETURN_IF_ERROR(storage::FromRocks(t->status(), "log scan"));
  RETURN_IF_ERROR(commit(std::move(batch)));
  quota_->ForgetBefore(quota_cutoff);

  for (const auto& [kind, n] : totals) {
    auto* e = response.add_erased();
    e->set_kind(kind);
    e->set_count(n);
  }
  return response;
}

}  // namespace riec::core
