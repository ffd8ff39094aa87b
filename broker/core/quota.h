// Per-partner usage counters for the convenant's quotas, per UTC day or
// hour. A consumption is reserved in memory at once (so concurrent calls
// cannot together exceed a limit) and persisted as a counter increment in
// the batch the caller commits, usually with its log record, so that counts
// survive a restart at no write of their own.
//
// A limit of 0 means unlimited, as everywhere in the policy.
//
// Thread-safety: safe for concurrent use.
// Ownership: the Store is not owned.
#ifndef RIEC_BROKER_CORE_QUOTA_H_
#define RIEC_BROKER_CORE_QUOTA_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace riec::core {

class QuotaCounter {
 public:
  explicit QuotaCounter(const storage::Store* store) : store_(store) {}

  enum class Period { kDay, kHour };

  struct Usage {
    uint64_t used = 0;
    uint64_t remaining = 0;  // UINT64_MAX when unlimited
    absl::Time resets;       // the start of the next period (UTC)
  };

  // Adds `n` to the current period's count of `quota` for `partner` if the
  // sum stays within `limit` (0: unlimited), and the increment to `batch`.
  // RESOURCE_EXHAUSTED (naming the quota, the partner, the limit and when it
  // resets) if it would not; nothing is counted then.
  absl::StatusOr<Usage> Consume(absl::string_view quota, absl::string_view partner, uint64_t n,
                                uint64_t limit, absl::Time now, Period period,
                                storage::Batch* batch);

  // The current period's usage without changing it.
  absl::StatusOr<Usage> Peek(absl::string_view quota, absl::string_view partner, uint64_t limit,
                             absl::Time now, Period period);

  // Drops cached counts of periods before `cutoff` (after the sweeper
  // erased them).
  void ForgetBefore(absl::Time cutoff);

  // The period part of quota keys older than `cutoff` ("YYYY-MM-DDTHH").
  static std::string PeriodText(absl::Time t);

 private:
  absl::StatusOr<uint64_t> LoadLocked(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const storage::Store* const store_;
  absl::Mutex mu_;
  std::map<std::string, uint64_t> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_QUOTA_H_
