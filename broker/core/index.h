// The pseudonymised index: "partner P holds information on subject S"
// (proto/riec/v1/index.proto; key layout in docs/storage.md).
//
// Thread-safety: safe for concurrent use. Two concurrent calls of the same
// partner on the same entry are applied in some order, each atomically.
#ifndef RIEC_BROKER_CORE_INDEX_H_
#define RIEC_BROKER_CORE_INDEX_H_

#include <functional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env.h"
#include "core/sweep_batch.h"
#include "riec/v1/index.pb.h"

namespace riec::core {

// One valid entry on a subject.
struct Holding {
  std::string holder;    // partner id
  std::string category;  // may be empty
  bool silent = false;   // never disclosed; its holder is notified instead
};

class Index {
 public:
  explicit Index(const Env& env) : env_(env) {}

  absl::StatusOr<v1::PublishResponse> Publish(const Call& call,
                                              const v1::PublishRequest& request);
  absl::StatusOr<v1::WithdrawResponse> Withdraw(const Call& call,
                                                const v1::WithdrawRequest& request);
  absl::StatusOr<v1::IndexStatistics> Statistics(const Call& call);

  // Every entry on `subject` whose validity has not ended at `now`, in key
  // order (by holder, then category). One prefix seek.
  absl::StatusOr<std::vector<Holding>> Lookup(const v1::Subject& subject,
                                              absl::Time now) const;

  // Retention: hands `commit` batches of at most `batch` erasures of the
  // entries whose valid_until has passed or that were not published again
  // within `max_age`. Each batch is re-checked under an exclusive lock, so an
  // entry published again meanwhile is kept.
  absl::Status SweepExpired(absl::Time now, absl::Duration max_age, size_t batch,
                            const SweepCommit& commit);

 private:
  Env env_;
  // Publications and withdrawals hold it shared; a sweep batch exclusively.
  std::shared_mutex write_mu_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_INDEX_H_
