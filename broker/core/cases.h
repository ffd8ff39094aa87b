// Cases: the casustafel's decision on a signal, its unlock under the
// purpose's rule, and its changes until it is closed with its outcome
// (proto/riec/v1/cases.proto; DESIGN.md §6).
//
// Thread-safety: safe for concurrent use; state changes of cases are
// serialised by one mutex.
// Ownership: Signals and Assessments are not owned.
#ifndef RIEC_BROKER_CORE_CASES_H_
#define RIEC_BROKER_CORE_CASES_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/assessments.h"
#include "core/env.h"
#include "core/events.h"
#include "core/signals.h"
#include "core/sweep_batch.h"
#include "riec/v1/cases.pb.h"

namespace riec::core {

class Cases {
 public:
  Cases(const Env& env, Signals* signals, const Assessments* assessments)
      : env_(env), signals_(signals), assessments_(assessments) {}

  absl::StatusOr<v1::CaseResponse> Propose(const Call& call, const v1::ProposeCaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Unlock(const Call& call, const v1::CaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Confirm(const Call& call, const v1::CaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Extend(const Call& call, const v1::ExtendCaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Narrow(const Call& call, const v1::NarrowCaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Close(const Call& call, const v1::CloseCaseRequest& request);
  absl::StatusOr<v1::CaseResponse> HandOver(const Call& call, const v1::HandOverCaseRequest& request);
  absl::StatusOr<v1::Case> Get(const Call& call, const v1::CaseRequest& request);
  absl::StatusOr<v1::ListCasesResponse> List(const Call& call, const v1::ListCasesRequest& request);

  // The stored case with its effective state (EXPIRED past its end).
  // NOT_FOUND if there is none.
  absl::StatusOr<v1::Case> Load(absl::string_view id, absl::Time now) const;

  // The partners concerned: those in the decision's flows (in id order).
  static std::vector<std::string> Concerned(const v1::Case& c);
  // What the policy engine needs to decide on `c` for `who`; the caller is
  // concerned if its partner is in a flow.
  static policy::CaseFacts Facts(const v1::Case& c, const Identity& who);
  // The state at `now`: EXPIRED once the end date of a proposed or unlocked
  // case has passed.
  static v1::CaseState EffectiveState(const v1::Case& c, absl::Time now);

  // Retention: hands `commit` the erasure of cases closed or expired more
  // than `keep` ago, with their signals, assessments and content requests.
  absl::Status SweepExpired(absl::Time now, absl::Duration keep, size_t batch,
                            const SweepCommit& commit);

 private:
  // What a step changes: the case, its record, events and further writes.
  // A step that the facts forbid sets `refusal`; it is logged and returned.
  struct StepContext {
    v1::Case& c;
    const policy::Policy& policy;
    absl::Time now;
    v1::LogRecord& record;
    std::vector<Outgoing>& events;
    std::vector<storage::Mutation>& mutations;
    std::optional<policy::Decision> refusal;
  };
  using Change = std::function<absl::Status(StepContext&)>;
  // Loads the case under the lock, decides `action` on it, applies `change`,
  // and writes the case and a record of `kind` with the events.
  absl::StatusOr<v1::CaseResponse> Step(const Call& call, const std::string& case_id,
                                        policy::Action action, v1::RecordKind kind,
                                        const Change& change, bool closing = false);
  // Unlocks the case if the purpose's rule now holds; otherwise records in
  // the case what it still needs.
  void EvaluateUnlock(v1::Case& c, const policy::Policy& policy, absl::Time now,
                      std::vector<Outgoing>& events) const;

  Env env_;
  Signals* signals_;
  const Assessments* assessments_;
  std::mutex mu_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_CASES_H_
