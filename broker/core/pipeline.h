// The one request pipeline every route into the broker goes through (gRPC
// and console alike; core/routes.h lists the routes):
//
//   1. identify   the transport establishes the Caller from the verified
//                 client certificate (a call without one is refused and
//                 logged by RefuseUnidentified);
//   2. snapshot   one policy version decides everything in the request;
//   3. admit      the identity exists in the convenant, the convenant is in
//                 force, the role may take the route's action, and the
//                 partner is within its request rate; a refusal is logged;
//   4. validate   the request's fields are within the limits the contract
//                 declares (core/request_limits.h; INVALID_ARGUMENT, not
//                 logged: it discloses and decides nothing);
//   5. scope      the operation loads the object (signal, case, request) the
//                 call is about; an object the caller may not see is
//                 NOT_FOUND, logged, whether or not it exists;
//   6. decide     the policy decides on the facts; a refusal is logged with
//                 what the request was about;
//   7. record and commit
//                 the disclosure-log record, the state change and the events
//                 are written in one durable batch before the answer leaves.
//
// An operation is a function of a RequestContext, which only the pipeline
// creates: a route cannot skip admission, and every refusal an operation
// makes is written by the context, with the context the request was about,
// through the per-certificate refusal limits (core/traffic.h).
//
// Thread-safety: a Pipeline is safe for concurrent use; a RequestContext
// belongs to one request.
#ifndef RIEC_BROKER_CORE_PIPELINE_H_
#define RIEC_BROKER_CORE_PIPELINE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env.h"
#include "core/outgoing.h"
#include "riec/v1/log.pb.h"
#include "storage/store.h"

namespace riec::core {

class RequestContext {
 public:
  RequestContext(const RequestContext&) = delete;
  RequestContext& operator=(const RequestContext&) = delete;

  const Call& call() const { return call_; }
  const Identity& who() const { return call_.caller.identity; }
  const std::string& partner() const { return call_.caller.identity.partner; }
  const policy::Policy& policy() const { return *policy_; }
  std::shared_ptr<const policy::Policy> policy_ptr() const { return policy_; }
  absl::Time now() const { return now_; }
  policy::Action action() const { return action_; }
  const Env& env() const { return env_; }
  const storage::Store& store() const { return *env_.store; }

  // What the request is about: carried by every record it writes (its
  // refusals included). Set as soon as the operation knows.
  void SetPurpose(const std::string& purpose) { purpose_ = purpose; }
  void SetSignal(const std::string& signal_id, const std::string& purpose);
  void SetCase(const std::string& case_id, const std::string& signal_id,
               const std::string& purpose);
  void AddSubject(const v1::Subject& s);
  void SetCount(uint64_t n) { count_ = n; }
  void SetContent(const v1::LoggedContent& c) { content_ = c; }

  // A policy question for this request's action, by the caller, now.
  policy::Request Question() const;
  // The policy's decision on `q`: allowed, or the refusal (logged).
  absl::StatusOr<policy::Decision> Decide(const policy::Request& q);

  // Writes the refusal's record (REQUEST_DENIED, with what the request was
  // about) and returns its status. If the record cannot be written the
  // caller still gets a refusal, UNAVAILABLE, saying so.
  absl::Status Refuse(const policy::Decision& d, std::vector<Outgoing> events = {});
  // A refusal about an object that does not exist or that the caller may
  // not see: NOT_FOUND with `message`, the same either way. The record says
  // no more than the caller sent (`message` and the subjects it named): the
  // object's signal, case, purpose and parties stay out of it, so that the
  // caller's own privacy officer cannot tell the two cases apart either.
  absl::Status RefuseUnseen(absl::string_view rule, const std::string& message);
  // RESOURCE_EXHAUSTED for an exceeded quota, logged, with an event for the
  // privacy officers of the partner and of the RIEC.
  absl::Status RefuseOverQuota(absl::string_view quota, absl::string_view message);

  // A record of `kind` with the actor, method, time, policy version,
  // decision and what the request is about.
  v1::LogRecord Record(v1::RecordKind kind, const policy::Decision& d) const;
  // Writes `record`, `batch` and `events` in one durable group commit;
  // returns the record's index.
  absl::StatusOr<uint64_t> Commit(const v1::LogRecord& record, storage::Batch batch = {},
                                  std::vector<Outgoing> events = {});
  // One record of CommitAll: its record, state changes and events, and
  // state changes that need the record's index (called with it).
  struct Part {
    v1::LogRecord record;
    storage::Batch batch;
    std::vector<Outgoing> events;
    std::function<void(uint64_t index, storage::Batch*)> indexed;
  };
  // Writes every part, in order at consecutive indices, in one durable
  // group commit: all or nothing. Returns the index of the first.
  absl::StatusOr<uint64_t> CommitAll(std::vector<Part> parts);

 private:
  friend class Pipeline;
  RequestContext(const Env& env, const Call& call, policy::Action action)
      : env_(env), call_(call), action_(action), policy_(env.policy->Current()),
        now_(env.clock->Now()) {}

  const Env& env_;
  const Call& call_;
  const policy::Action action_;
  const std::shared_ptr<const policy::Policy> policy_;
  const absl::Time now_;
  std::string purpose_, signal_id_, case_id_;
  std::vector<v1::Subject> subjects_;
  std::optional<uint64_t> count_;
  std::optional<v1::LoggedContent> content_;
};

class Pipeline {
 public:
  explicit Pipeline(const Env& env);

  // Runs `op` for `call` as `action` through steps 2 and 3 of the pipeline;
  // `validate` (step 4) runs after admission, so that a caller who may not
  // take the action learns nothing from validation errors.
  template <typename R>
  absl::StatusOr<R> Run(const Call& call, policy::Action action,
                        const std::function<absl::Status()>& validate,
                        const std::function<absl::StatusOr<R>(RequestContext&)>& op) {
    RequestContext ctx(env_, call, action);
    if (absl::Status s = Admit(ctx); !s.ok()) return s;
    if (validate) {
      if (absl::Status s = validate(); !s.ok()) return s;
    }
    return op(ctx);
  }

  // Runs `op` on the broker's own initiative (the retention schedule, a
  // reload the host asked for with SIGHUP): no admission, the call names the
  // broker as actor.
  template <typename R>
  absl::StatusOr<R> RunTrusted(const Call& call, policy::Action action,
                               const std::function<absl::StatusOr<R>(RequestContext&)>& op) {
    RequestContext ctx(env_, call, action);
    return op(ctx);
  }

  // Refuses a call whose certificate establishes no usable identity (step
  // 1): logged like every refusal (rule identity.certificate), through the
  // refusal limits.
  absl::Status RefuseUnidentified(const Call& call, const absl::Status& why);
  // For a stream that stays open: whether its caller is still admitted for
  // `action` under the policy in force now (a partner that left, a
  // convenant that ended, a role taken away end the stream). The refusal
  // is logged like any other.
  absl::Status Readmit(const Call& call, policy::Action action);

  // Writes the summary records of refusals that were counted rather than
  // logged one by one (core/traffic.h), for certificates quiet for
  // `quiet_for` (zero: all). Called by the broker's maintenance.
  absl::Status FlushSuppressedRefusals(absl::Duration quiet_for);

 private:
  absl::Status Admit(RequestContext& ctx);
  Env env_;
};

// A refusing decision on facts the policy engine does not see (a state, a
// duplicate): `rule` names what forbids it.
policy::Decision Denial(absl::StatusCode code, std::string rule, std::string explanation);

// A subject as one string for sets and maps (the store's 33 subject bytes).
std::string SubjectKey(const v1::Subject& s);

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_PIPELINE_H_
