// Holder assessments of a signal's subjects (DOMAIN.md item 2): can the
// holder provide information, does the signal suit a casusaanpak.
// (proto/riec/v1/signals.proto: RequestAssessments, Assess,
// ListAssessments.)
//
// Thread-safety: safe for concurrent use.
// Ownership: the Index and Signals are not owned.
#ifndef RIEC_BROKER_CORE_ASSESSMENTS_H_
#define RIEC_BROKER_CORE_ASSESSMENTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env.h"
#include "core/index.h"
#include "core/signals.h"

namespace riec::core {

class Assessments {
 public:
  Assessments(const Env& env, const Index* index, const Signals* signals)
      : env_(env), index_(index), signals_(signals) {}

  absl::StatusOr<v1::RequestAssessmentsResponse> Request(
      const Call& call, const v1::RequestAssessmentsRequest& request);
  absl::StatusOr<v1::AssessResponse> Assess(const Call& call, const v1::AssessRequest& request);
  absl::StatusOr<v1::ListAssessmentsResponse> List(const Call& call,
                                                   const v1::ListAssessmentsRequest& request);

  // Every assessment of a signal (for the cases it becomes).
  absl::StatusOr<std::vector<v1::Assessment>> Of(const std::string& signal_id) const;

 private:
  Env env_;
  const Index* index_;
  const Signals* signals_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_ASSESSMENTS_H_
