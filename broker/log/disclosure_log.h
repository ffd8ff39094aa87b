// The disclosure log: an append-only sequence of records (docs/log-format.md),
// each written durably, together with the state change it accounts for,
// before the broker answers ("no answer without its log record"). The
// records are the leaves of an RFC 6962 Merkle tree whose nodes are written
// in the same batch, so proofs for any size up to Size() need only stored
// nodes (O(log n) reads).
//
// Appends from many threads are group-committed: one thread at a time (the
// leader) takes every queued append, gives the records consecutive indices,
// writes them and their mutations in one RocksDB batch and fsyncs once. So
// indices have no gaps, a record and its state change are atomic, and the
// cost of an fsync is shared by all requests that arrived meanwhile.
//
// Thread-safety: Append and the readers are safe for concurrent use.
// Ownership: the Store is not owned and must outlive the log.
#ifndef RIEC_BROKER_LOG_DISCLOSURE_LOG_H_
#define RIEC_BROKER_LOG_DISCLOSURE_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/record_index.h"
#include "riec/merkle/merkle.h"
#include "storage/store.h"
#include "riec/v1/log.pb.h"

namespace riec::log {

// The record bytes that become a Merkle leaf: the protobuf encoding of
// `record`. Fields are written in field-number order and LogRecord has no
// map fields, so equal records give equal bytes with this library.
std::string EncodeRecord(const v1::LogRecord& record);

class DisclosureLog {
 public:
  // Opens the log kept in `store`. DATA_LOSS if the stored size and the
  // records disagree.
  static absl::StatusOr<std::unique_ptr<DisclosureLog>> Open(storage::Store* store);

  // Mutations that depend on the index the record gets (e.g. events keyed
  // by it): called once, by the committing thread, with that index.
  using IndexedMutations = std::function<void(uint64_t index, std::vector<storage::Mutation>*)>;

  // Appends `record` and applies `mutations` (and those `indexed` produces)
  // in one atomic, fsynced batch. Returns the record's index (0-based). On
  // error nothing is written.
  absl::StatusOr<uint64_t> Append(const v1::LogRecord& record,
                                  std::vector<storage::Mutation> mutations = {},
                                  IndexedMutations indexed = nullptr);

  // Appends several records at once (bulk loads, benchmarks): one group,
  // one fsync. Returns the index of the first.
  absl::StatusOr<uint64_t> AppendBatch(const std::vector<v1::LogRecord>& records);

  // Blocks until the log has more than `size` records, `timeout` passes, or
  // Interrupt() is called; returns the size then.
  uint64_t WaitForGrowth(uint64_t size, absl::Duration timeout);
  // Wakes every WaitForGrowth (e.g. at shutdown).
  void Interrupt();

  // Number of records.
  uint64_t Size() const;

  // The stored bytes of record `index`; empty if its content was erased at
  // the end of its retention (its leaf hash stays). OUT_OF_RANGE past the
  // end.
  absl::StatusOr<std::string> ReadRecord(uint64_t index) const;

  // The leaf hash of record `index`.
  absl::StatusOr<std::string> LeafHash(uint64_t index) const;
  // The tree's root at `size` (<= Size()), and RFC 6962 proofs.
  absl::StatusOr<std::string> RootAt(uint64_t size) const;
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size) const;
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first, uint64_t size) const;
  merkle::NodeReader Nodes() const;

  // The mutations that erase record `index`'s content and its audit index
  // entries, keeping its leaf hash (retention). Empty if already erased.
  absl::StatusOr<std::vector<storage::Mutation>> RedactionOf(uint64_t index) const;

 private:
  struct Pending {
    std::string bytes;
    std::vector<storage::Mutation> mutations;
    IndexedMutations indexed;
    IndexPrefixes audit;
    bool done = false;
    absl::Status status;
    uint64_t index = 0;
  };

  // Queues `pending` and waits until they are committed (leading the
  // commit if no other thread does).
  absl::Status Commit(const std::vector<Pending*>& pending);

  DisclosureLog(storage::Store* store, uint64_t size, merkle::CompactRange range)
      : store_(store), size_(size), range_(std::move(range)) {}

  storage::Store* const store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;  // guarded by mu_
  bool leader_active_ = false;  // guarded by mu_
  uint64_t size_;               // guarded by mu_
  uint64_t interrupts_ = 0;     // guarded by mu_
  merkle::CompactRange range_;  // the tree's right border; used by the leader only
  std::condition_variable grown_;
};

}  // namespace riec::log

#endif  // RIEC_BROKER_LOG_DISCLOSURE_LOG_H_
