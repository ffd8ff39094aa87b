#include "core/retention.h"

#include "absl/strings/str_cat.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "storage/keys.h"
#include "storage/tables.h"

namespace riec::core {
namespace {
constexpr char kRuns[] = "riec_sweep_runs_total";
constexpr char kRunsHelp[] = "Retention sweeps, by result.";
constexpr char kErasures[] = "riec_sweep_erasures_total";
constexpr char kErasuresHelp[] = "What retention sweeps erased, per kind.";
}  // namespace

Sweeper::Sweeper(const Env& env, Index* index, Signals* signals, Cases* cases, Content* content,
                 QuotaCounter* quota)
    : env_(env), index_(index), signals_(signals), cases_(cases), content_(content), quota_(quota) {
  if (env_.metrics == nullptr) return;
  // Both results from the start (at 0), so that a rate over them is
  // defined before the first failure.
  for (const char* result : {"ok", "failed"}) env_.metrics->GetCounter(kRuns, kRunsHelp, {{"result", result}});
  env_.metrics->Declare(kErasures, kErasuresHelp, metrics::Registry::Type::kCounter);
}

absl::StatusOr<v1::SweepNowResponse> Sweeper::Sweep(RequestContext& ctx,
                                                    const v1::SweepNowRequest& request) {
  absl::MutexLock lock(&mu_);
  auto swept = SweepLocked(ctx, request);
  if (env_.metrics != nullptr) {
    env_.metrics->GetCounter(kRuns, kRunsHelp, {{"result", swept.ok() ? "ok" : "failed"}}).Add();
  }
  return swept;
}

absl::StatusOr<v1::SweepNowResponse> Sweeper::SweepLocked(RequestContext& ctx,
                                                          const v1::SweepNowRequest&) {
  const absl::Time now = ctx.now();
  const policy::Retention& r = ctx.policy().retention();
  v1::SweepNowResponse response;
  std::map<std::string, uint64_t> totals;

  // Writes one batch with its record.
  SweepCommit commit = [&](SweepBatch batch) -> absl::Status {
    if (batch.deletes.empty()) return absl::OkStatus();
    const policy::Decision d{true, absl::StatusCode::kOk, "retention",
                             "erased what the retention periods of the policy say has expired", ""};
    v1::LogRecord record = ctx.Record(v1::RETENTION_SWEEP, d);
    for (const auto& [kind, n] : batch.counts) {
      auto* e = record.add_erased();
      e->set_kind(kind);
      e->set_count(n);
      totals[kind] += n;
    }
    record.set_log_retention_seconds(absl::ToInt64Seconds(r.log_records));
    for (uint64_t i : batch.log_records) record.add_erased_records(i);
    ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, std::move(batch.deletes)));
    response.add_log_indices(index);
    if (env_.metrics != nullptr) {
      for (const auto& [kind, n] : batch.counts) {
        env_.metrics->GetCounter(kErasures, kErasuresHelp, {{"kind", kind}}).Add(static_cast<double>(n));
      }
    }
    return absl::OkStatus();
  };

  RETURN_IF_ERROR(index_->SweepExpired(now, r.index_entries, kBatch, commit));
  RETURN_IF_ERROR(signals_->SweepExpired(now, r.signals_without_case, kBatch, commit));
  RETURN_IF_ERROR(content_->SweepPayloads(now, r.payloads, commit));
  RETURN_IF_ERROR(cases_->SweepExpired(now, r.cases_after_closing, kBatch, commit));

  // Events, deconfliction and late-hit marks and quota counters: nobody changes them
  // after they are written.
  SweepBatch batch;
  absl::Status failed = absl::OkStatus();
  auto add = [&](storage::Table t, absl::string_view key, const char* kind) {
    storage::DeleteKey(&batch.deletes, t, key);
    ++batch.counts[kind];
    failed = CommitIfFull(batch, kBatch, commit);
    return failed.ok();
  };
  RETURN_IF_ERROR(storage::EventTable(env_.store).ScanAll([&](absl::string_view key, const v1::Event& e) {
    if (e.has_time() && now < FromProtoTime(e.time()) + r.events) return true;
    return add(storage::Table::kEvents, key, "events");
  }));
  RETURN_IF_ERROR(failed);
  const int64_t now_us = absl::ToUnixMicros(now);
  RETURN_IF_ERROR(storage::AskedTable(env_.store).ScanAll(
      [&](absl::string_view key, const storage::keys::AskedMark& m) {
        if (m.until_micros > now_us) return true;
        return add(storage::Table::kAsked, key, "deconfliction-marks");
      }));
  RETURN_IF_ERROR(failed);
  RETURN_IF_ERROR(storage::LateHitTable(env_.store).ScanWatches(
      [&](absl::string_view key, int64_t until_micros) {
        if (until_micros > now_us) return true;
        return add(storage::Table::kLateHitWatches, key, "late-hit-marks");
      }));
  RETURN_IF_ERROR(failed);
  const absl::Time quota_cutoff = now - absl::Hours(48);
  const std::string before = QuotaCounter::PeriodText(quota_cutoff);
  RETURN_IF_ERROR(storage::QuotaTable(env_.store).ScanAll([&](absl::string_view key) {
    if (storage::keys::QuotaPeriod(key) >= before) return true;
    return add(storage::Table::kQuota, key, "quota-counters");
  }));
  RETURN_IF_ERROR(failed);

  // Log records: content erased, leaf kept, audit indexes removed. The time
  // index is in time order; stop at the first record still kept. The policy
  // cannot set a period below the legal minimum; the floor holds here too.
  const absl::Duration keep_log = std::max(r.log_records, policy::kMinLogRetention);
  const int64_t keep_after = absl::ToUnixMicros(now - keep_log);
  RETURN_IF_ERROR(env_.store->Scan(storage::Table::kLogByTime, "", "",
                                   [&](absl::string_view key, absl::string_view) {
    if (storage::keys::TimeOfByTimeKey(key) >= keep_after) return false;
    const uint64_t index = storage::keys::IndexAtEnd(key);
    auto erase = env_.log->RedactionOf(index);
    if (!erase.ok()) {
      failed = erase.status();
      return false;
    }
    if (erase->empty()) return true;
    for (auto& m : *erase) batch.deletes.push_back(std::move(m));
    batch.log_records.push_back(index);
    ++batch.counts["log-records"];
    failed = CommitIfFull(batch, kBatch, commit);
    return failed.ok();
  }));
  RETURN_IF_ERROR(failed);
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
