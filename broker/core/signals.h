// Signals: the context that binds stage-1 questions to a purpose
// (proto/riec/v1/signals.proto).
//
// Who sees a signal: its owner, the coordinators and (to read it) the
// chairs. To anyone else a signal is NOT_FOUND, whether it exists or not.
//
// Thread-safety: safe for concurrent use; changes of a signal's state are
// serialised by state_mu() so that a signal is closed exactly once. Lock
// order: signals, cases, content requests.
#ifndef RIEC_BROKER_CORE_SIGNALS_H_
#define RIEC_BROKER_CORE_SIGNALS_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/pipeline.h"
#include "core/sweep_batch.h"
#include "riec/v1/signals.pb.h"

namespace riec::core {

class Signals {
 public:
  explicit Signals(const Env& env) : env_(env) {}

  absl::StatusOr<v1::RegisterSignalResponse> Register(RequestContext& ctx,
                                                      const v1::RegisterSignalRequest& request);
  absl::StatusOr<v1::Signal> Get(RequestContext& ctx, const v1::GetSignalRequest& request);
  absl::StatusOr<v1::ListSignalsResponse> List(RequestContext& ctx,
                                               const v1::ListSignalsRequest& request);
  absl::StatusOr<v1::CloseSignalResponse> Close(RequestContext& ctx,
                                                const v1::CloseSignalRequest& request);

  // The stored signal with its effective state at `now` (EXPIRED once its
  // lifetime has passed); nullopt if there is none.
  absl::StatusOr<std::optional<v1::Signal>> Load(absl::string_view id, absl::Time now) const;

  // The signal `id` for `ctx`'s action: validated id, loaded, and decided
  // with its facts (extra fields of `q` set by the caller, e.g. a subject
  // kind). A signal the caller may not see is NOT_FOUND (logged). Sets the
  // context's signal and purpose.
  absl::StatusOr<std::pair<v1::Signal, policy::Decision>> Scope(RequestContext& ctx,
                                                                 absl::string_view id,
                                                                 absl::string_view field);

  // Retention: hands `commit` batches of at most `batch` erasures of the
  // signals closed or expired more than `keep` before `now` that did not
  // become a case (a case's signal goes with the case).
  absl::Status SweepExpired(absl::Time now, absl::Duration keep, size_t batch,
                            const SweepCommit& commit);

  // Adds the erasure of a signal and its assessments to `batch` (counted as
  // "signals" and "assessments").
  static absl::Status EraseSignal(const storage::Store& store, const v1::Signal& s,
                                  SweepBatch* batch);

  // The owner's signals that are open at `now`.
  absl::StatusOr<std::vector<v1::Signal>> OpenSignalsOf(const std::string& owner,
                                                       absl::Time now) const;

  // Serialises changes of signals' state (see the header comment).
  absl::Mutex& state_mu() ABSL_LOCK_RETURNED(state_mu_) { return state_mu_; }

 private:
  Env env_;
  absl::Mutex state_mu_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_SIGNALS_H_
