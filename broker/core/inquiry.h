// Stage 1 (algemene informatie): CheckSubjects answers, per subject of an
// open signal, hit or no-hit and as much about the holders as the purpose's
// level allows (DESIGN.md §6; proto/riec/v1/inquiry.proto).
//
// Thread-safety: safe for concurrent use.
// Ownership: the Index and Signals are not owned.
#ifndef RIEC_BROKER_CORE_INQUIRY_H_
#define RIEC_BROKER_CORE_INQUIRY_H_

#include <functional>

#include "absl/status/statusor.h"
#include "core/env.h"
#include "core/index.h"
#include "core/quota.h"
#include "core/signals.h"
#include "riec/v1/events.pb.h"
#include "riec/v1/inquiry.pb.h"

namespace riec::core {

class Inquiry {
 public:
  Inquiry(const Env& env, const Index* index, const Signals* signals, QuotaCounter* quota)
      : env_(env), index_(index), signals_(signals), quota_(quota) {}

  // Errors: INVALID_ARGUMENT, NOT_FOUND (unknown signal), FAILED_PRECONDITION
  // (signal not open, subject not in the signal), PERMISSION_DENIED,
  // RESOURCE_EXHAUSTED (quota questions_per_hour). Every
  // refusal other than INVALID_ARGUMENT is logged, as is every answer.
  absl::StatusOr<v1::CheckSubjectsResponse> CheckSubjects(
      const Call& call, const v1::CheckSubjectsRequest& request);

 private:
  using EventSink = std::function<void(v1::EventKind, const std::string& to, const v1::Subject&,
                                       const std::string& about, std::string text)>;
  // Deconfliction (purpose switch): tells the requester and the other
  // partners that asked about `subject` in the same purpose, the first time
  // the requester asks; records that the requester asked.
  absl::Status Deconflict(const v1::Subject& subject, const v1::Signal& signal,
                          const std::string& requester, absl::Time now,
                          std::vector<storage::Mutation>* mutations, const EventSink& event) const;

  Env env_;
  const Index* index_;
  const Signals* signals_;
  QuotaCounter* quota_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_INQUIRY_H_
