// Cases: the casustafel's decision on a signal, its unlock under the
// purpose's rule, and its changes until it is closed with its outcome
// (proto/riec/v1/cases.proto; DESIGN.md §6).
//
// Who sees a case: its chair and the other chairs, the coordinators, the
// RIEC's privacy officers, the partners concerned (in a flow of the
// decision), the partners present at the casustafel with consent, and the
// signal's owner. To anyone else a case is NOT_FOUND, whether it exists or
// not; being present without consent and outside every flow gives no
// access.
//
// Thread-safety: safe for concurrent use; state changes of cases are
// serialised by one mutex. Lock order: signals, cases, content requests.
// Ownership: Signals, Assessments and ContentRequests are not owned.
#ifndef RIEC_BROKER_CORE_CASES_H_
#define RIEC_BROKER_CORE_CASES_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/assessments.h"
#include "core/content_requests.h"
#include "core/pipeline.h"
#include "core/signals.h"
#include "core/sweep_batch.h"
#include "riec/v1/cases.pb.h"

namespace riec::core {

class Cases {
 public:
  Cases(const Env& env, Signals* signals, const Assessments* assessments,
        ContentRequests* requests)
      : env_(env), signals_(signals), assessments_(assessments), requests_(requests) {}

  absl::StatusOr<v1::CaseResponse> Propose(RequestContext& ctx, const v1::ProposeCaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Unlock(RequestContext& ctx, const v1::CaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Confirm(RequestContext& ctx, const v1::CaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Extend(RequestContext& ctx, const v1::ExtendCaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Narrow(RequestContext& ctx, const v1::NarrowCaseRequest& request);
  absl::StatusOr<v1::CaseResponse> Close(RequestContext& ctx, const v1::CloseCaseRequest& request);
  absl::StatusOr<v1::CaseResponse> HandOver(RequestContext& ctx,
                                            const v1::HandOverCaseRequest& request);
  absl::StatusOr<v1::Case> Get(RequestContext& ctx, const v1::CaseRequest& request);
  absl::StatusOr<v1::ListCasesResponse> List(RequestContext& ctx, const v1::ListCasesRequest& request);

  // The stored case with its effective state (EXPIRED past its end);
  // nullopt if there is none.
  absl::StatusOr<std::optional<v1::Case>> Load(absl::string_view id, absl::Time now) const;

  // The case `id` for `ctx`'s action: validated, loaded and decided with its
  // facts. A case the caller may not see is NOT_FOUND (logged). Sets the
  // context's case, signal and purpose.
  absl::StatusOr<std::pair<v1::Case, policy::Decision>> Scope(RequestContext& ctx, absl::string_view id,
                                                              bool closing = false);

  // The partners concerned: those in the decision's flows (in id order).
  static std::vector<std::string> Concerned(const v1::Case& c);
  // What the policy engine needs to decide on `c` for `who`: the caller is
  // concerned if its partner is in a flow of the decision.
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
    storage::Batch& mutations;
    std::optional<policy::Decision> refusal;
  };
  using Change = std::function<absl::Status(StepContext&)>;
  // Loads the case under the locks, decides the context's action on it,
  // applies `change`, and writes the case and a record of `kind` with the
  // events.
  absl::StatusOr<v1::CaseResponse> Step(RequestContext& ctx, const std::string& case_id,
                                        v1::RecordKind kind, const Change& change,
                                        bool closing = false);
  // Unlocks the case if the purpose's rule now holds; otherwise records in
  // the case what it still needs.
  void EvaluateUnlock(v1::Case& c, const policy::Policy& policy, absl::Time now,
                      std::vector<Outgoing>& events) const;

  Env env_;
  Signals* signals_;
  const Assessments* assessments_;
  ContentRequests* requests_;
  absl::Mutex mu_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_CASES_H_
