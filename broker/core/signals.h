// Signals: the context that binds stage-1 questions to a purpose
// (proto/riec/v1/signals.proto).
//
// Thread-safety: safe for concurrent use; state changes of signals are
// serialised by one mutex so that a signal is closed exactly once.
#ifndef RIEC_BROKER_CORE_SIGNALS_H_
#define RIEC_BROKER_CORE_SIGNALS_H_

#include <functional>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env.h"
#include "core/sweep_batch.h"
#include "riec/v1/signals.pb.h"

namespace riec::core {

class Signals {
 public:
  explicit Signals(const Env& env) : env_(env) {}

  absl::StatusOr<v1::RegisterSignalResponse> Register(
      const Call& call, const v1::RegisterSignalRequest& request);
  absl::StatusOr<v1::Signal> Get(const Call& call, const v1::GetSignalRequest& request);
  absl::StatusOr<v1::ListSignalsResponse> List(const Call& call,
                                               const v1::ListSignalsRequest& request);
  absl::StatusOr<v1::CloseSignalResponse> Close(const Call& call,
                                                const v1::CloseSignalRequest& request);

  // The stored signal with its effective state at `now` (EXPIRED once its
  // lifetime has passed). NOT_FOUND if there is none.
  absl::StatusOr<v1::Signal> Load(absl::string_view id, absl::Time now) const;

  // Retention: hands `commit` batches of at most `batch` erasures of the
  // signals closed or expired more than `keep` before `now` that did not
  // become a case (a case's signal goes with the case).
  absl::Status SweepExpired(absl::Time now, absl::Duration keep, size_t batch,
                            const SweepCommit& commit);

  // Holds the lock that serialises changes of signals' state, for an
  // operation elsewhere (a case made of a signal) that rewrites one.
  std::unique_lock<std::mutex> LockState() { return std::unique_lock<std::mutex>(state_mu_); }

  // Storage keys of a signal (for writers and erasers elsewhere): its entry
  // in kSignalsByOwner, and the prefix of its assessments in kAssessments.
  static std::string OwnerKey(const v1::Signal& s);
  static std::string AssessmentsPrefix(const std::string& signal_id);
  // Adds the erasure of a signal and its assessments to `batch` (counted as
  // "signals" and "assessments").
  static absl::Status EraseSignal(const storage::Store* store, const v1::Signal& s,
                                  SweepBatch* batch);

  // The owner's signals that are open at `now`.
  absl::StatusOr<std::vector<v1::Signal>> OpenSignalsOf(const std::string& owner,
                                                       absl::Time now) const;

 private:
  Env env_;
  // Serialises registration (open-signal quota) and read-modify-write of a
  // signal's state, so that a signal is closed exactly once.
  std::mutex state_mu_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_SIGNALS_H_
