// Persistent per-partner usage counters for the convenant's quotas, per UTC
// day or hour. Counts live in the store's quota family, so they survive a
// restart.
//
// Thread-safety: safe for concurrent use; one mutex serialises the
// check-and-add so that concurrent calls cannot together exceed a limit.
// Ownership: the Store is not owned.
#ifndef RIEC_BROKER_CORE_QUOTA_H_
#define RIEC_BROKER_CORE_QUOTA_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/store.h"

namespace riec::core {

class QuotaCounter {
 public:
  explicit QuotaCounter(storage::Store* store) : store_(store) {}

  enum class Period { kDay, kHour };

  struct Usage {
    uint64_t used = 0;
    uint64_t remaining = 0;
    absl::Time resets;  // the start of the next period (UTC)
  };

  // Adds `n` to today's count of `quota` for `partner` if the sum stays
  // within `limit`; returns the usage after. RESOURCE_EXHAUSTED (naming the
  // quota, the partner, the limit and when it resets) if it would not.
  absl::StatusOr<Usage> Consume(absl::string_view quota, absl::string_view partner,
                                uint64_t n, uint64_t limit, absl::Time now,
                                Period period = Period::kDay);

  // The current period's usage without changing it.
  absl::StatusOr<Usage> Peek(absl::string_view quota, absl::string_view partner,
                             uint64_t limit, absl::Time now, Period period = Period::kDay);

  // Drops cached counts of past periods (after the sweeper erased them).
  void ForgetBefore(absl::Time cutoff);

 private:
  absl::StatusOr<uint64_t> LoadLocked(const std::string& key);

  storage::Store* const store_;
  std::mutex mu_;
  std::map<std::string, uint64_t> counts_;  // guarded by mu_
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_QUOTA_H_
