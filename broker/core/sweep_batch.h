// One batch of retention erasures: the deletions and a count per kind. See
// retention.h.
//
// Thread-safety: a value type.
#ifndef RIEC_BROKER_CORE_SWEEP_BATCH_H_
#define RIEC_BROKER_CORE_SWEEP_BATCH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "storage/store.h"

namespace riec::core {

struct SweepBatch {
  storage::Batch deletes;
  std::map<std::string, uint64_t> counts;  // kind -> erased
  std::vector<uint64_t> log_records;       // log records whose content is erased
};

// Writes one batch atomically with its RETENTION_SWEEP record.
using SweepCommit = std::function<absl::Status(SweepBatch)>;

// Once `batch` holds `max` mutations or more, hands it to `commit` and
// starts an empty one.
inline absl::Status CommitIfFull(SweepBatch& batch, size_t max, const SweepCommit& commit) {
  if (batch.deletes.size() < max) return absl::OkStatus();
  absl::Status s = commit(std::move(batch));
  batch = SweepBatch();
  return s;
}

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_SWEEP_BATCH_H_
