// Holder assessments of a signal's subjects (DOMAIN.md item 2): can the
// holder provide information, does the signal suit a casusaanpak
// (proto/riec/v1/signals.proto: RequestAssessments, Assess,
// ListAssessments).
//
// Asking for assessments reveals holders, so it follows the stage-1 rules
// (core/inquiry.h): only in an open signal, only partners whose entries
// count at stage 1 are asked (never a silent holder), the holders are named
// to the signal's owner only where the purpose's level names holders, and
// each request counts as a question against the hourly quota. A holder
// assesses only what it was asked; to anyone else a signal has no
// assessments to give, whether it exists or not (NOT_FOUND, logged).
//
// Thread-safety: safe for concurrent use.
// Ownership: the Index, Signals and QuotaCounter are not owned.
#ifndef RIEC_BROKER_CORE_ASSESSMENTS_H_
#define RIEC_BROKER_CORE_ASSESSMENTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/index.h"
#include "core/pipeline.h"
#include "core/quota.h"
#include "core/signals.h"

namespace riec::core {

class Assessments {
 public:
  Assessments(const Env& env, const Index* index, Signals* signals, QuotaCounter* quota)
      : env_(env), index_(index), signals_(signals), quota_(quota) {}

  absl::StatusOr<v1::RequestAssessmentsResponse> Request(
      RequestContext& ctx, const v1::RequestAssessmentsRequest& request);
  absl::StatusOr<v1::AssessResponse> Assess(RequestContext& ctx, const v1::AssessRequest& request);
  absl::StatusOr<v1::ListAssessmentsResponse> List(RequestContext& ctx,
                                                   const v1::ListAssessmentsRequest& request);

  // Every assessment of a signal (for the cases it becomes).
  absl::StatusOr<std::vector<v1::Assessment>> Of(const std::string& signal_id) const;

 private:
  Env env_;
  const Index* index_;
  Signals* signals_;
  QuotaCounter* quota_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_ASSESSMENTS_H_
