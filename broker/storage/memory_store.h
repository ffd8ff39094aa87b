// An in-memory Store for unit tests of the layers above storage: the same
// contract as the RocksDB store (ordered tables, prefix scans, atomic
// batches, counters), nothing durable. Optionally refuses writes as if the
// disk were full, so that callers' handling of that can be tested.
//
// Thread-safety: safe for concurrent use (one mutex).
#ifndef RIEC_BROKER_STORAGE_MEMORY_STORE_H_
#define RIEC_BROKER_STORAGE_MEMORY_STORE_H_

#include <array>
#include <atomic>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "storage/store.h"

namespace riec::storage {

class MemoryStore final : public Store {
 public:
  MemoryStore();

  absl::StatusOr<std::optional<std::string>> Get(Table t, absl::string_view key) const override;
  absl::Status Scan(Table t, absl::string_view prefix, absl::string_view start,
                    const ScanVisitor& visit) const override;
  absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Last(
      Table t) const override;
  absl::Status Apply(const Batch& batch, bool sync) override;
  absl::Status Writable() const override;

  // From now on writes fail with RESOURCE_EXHAUSTED (true) or succeed.
  void SetFull(bool full) { full_.store(full); }
  // How many batches were applied with sync.
  uint64_t synced_batches() const { return synced_.load(); }

 private:
  mutable absl::Mutex mu_;
  std::array<std::map<std::string, std::string, std::less<>>, kTableCount> tables_
      ABSL_GUARDED_BY(mu_);
  std::atomic<bool> full_{false};
  std::atomic<uint64_t> synced_{0};
};

}  // namespace riec::storage

#endif  // RIEC_BROKER_STORAGE_MEMORY_STORE_H_
