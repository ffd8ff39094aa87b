// Retention: erasing what the policy's periods say has expired (DESIGN.md
// §5; docs/policy.md "retention"). Each batch of erasures is one atomic
// write with its RETENTION_SWEEP log record, which counts per kind and
// names no pseudonym.
//
// What is erased, and from when its period runs:
//   index-entries   entries whose valid_until has passed, or not published
//                   again within retention.index_entries
//   signals         signals closed or expired more than
//                   retention.signals_without_case ago (and no case), with
//                   their assessments
//   cases           cases closed or expired more than
//                   retention.cases_after_closing ago, with their signal,
//                   assessments and content requests
//   payloads        sealed content not fetched: provided more than
//                   retention.payloads ago, or its case ended (the request
//                   becomes LAPSED)
//   deconfliction-marks  who asked about a subject, once the signal they
//                   asked in has expired
//   events          events older than retention.events
//   quota-counters  counters of periods that ended more than two days ago
//   log-records     the content of log records older than
//                   retention.log_records (the leaf stays, with the
//                   record's kind and time, so the tree still verifies;
//                   the sweep's record lists them and the period in force:
//                   docs/log-format.md §8)
//
// Thread-safety: Sweep may run concurrently with every other operation; a
// second concurrent Sweep waits for the first.
#ifndef RIEC_BROKER_CORE_RETENTION_H_
#define RIEC_BROKER_CORE_RETENTION_H_

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/cases.h"
#include "core/content.h"
#include "core/index.h"
#include "core/pipeline.h"
#include "core/quota.h"
#include "core/signals.h"
#include "riec/v1/operations.pb.h"

namespace riec::core {

class Sweeper {
 public:
  // Ownership: none of the pointers is owned.
  Sweeper(const Env& env, Index* index, Signals* signals, Cases* cases, Content* content,
          QuotaCounter* quota);

  // Erases what has expired at the context's now: asked by an operator
  // (SweepNow) or the broker's own schedule.
  absl::StatusOr<v1::SweepNowResponse> Sweep(RequestContext& ctx, const v1::SweepNowRequest& request);

  // Erasures per log record.
  static constexpr size_t kBatch = 10000;

 private:
  absl::StatusOr<v1::SweepNowResponse> SweepLocked(RequestContext& ctx,
                                                   const v1::SweepNowRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Env env_;
  Index* index_;
  Signals* signals_;
  Cases* cases_;
  Content* content_;
  QuotaCounter* quota_;
  absl::Mutex mu_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_RETENTION_H_
