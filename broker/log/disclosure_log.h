// The disclosure log: an append-only sequence of records
// (docs/log-format.md), each written durably, together with the state change
// it accounts for, before the broker answers ("no answer without its log
// record"). Each record's leaf in the RFC 6962 Merkle tree is a small
// envelope (riec.v1.LogLeaf: kind, time, SHA-256 of the record), so that
// when a record's retention ends its content can be erased while the leaf,
// its kind and its time stay verifiable. The tree's nodes are written in the
// same batch, so proofs for any size up to Size() need only stored nodes.
//
// Appends from many threads are group-committed: one thread at a time (the
// leader) takes every queued append, gives the records consecutive indices,
// writes them and their mutations in one atomic batch and makes it durable
// once. So indices have no gaps, a record and its state change are atomic,
// and the cost of an fsync is shared by all requests that arrived meanwhile.
//
// Thread-safety: Append and the readers are safe for concurrent use.
// Ownership: the Store is not owned and must outlive the log.
#ifndef RIEC_BROKER_LOG_DISCLOSURE_LOG_H_
#define RIEC_BROKER_LOG_DISCLOSURE_LOG_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "log/record_index.h"
#include "riec/merkle/merkle.h"
#include "riec/v1/log.pb.h"
#include "storage/store.h"

namespace riec::log {

// The record bytes: the protobuf encoding of `record`. Fields are written in
// field-number order and LogRecord has no map fields, so equal records give
// equal bytes with this library.
std::string EncodeRecord(const v1::LogRecord& record);

// The leaf envelope of record bytes (docs/log-format.md §3).
std::string EncodeLeaf(const v1::LogRecord& record, absl::string_view record_bytes);

// One entry of the log as stored.
struct StoredEntry {
  std::string leaf;    // the envelope: what the Merkle leaf hashes
  std::string record;  // the record bytes; empty once erased
  bool erased() const { return record.empty(); }
};

class DisclosureLog {
 public:
  // No record is larger: so that every record fits a page, and a page a
  // gRPC message, for every reader (docs/log-format.md §1). Append refuses
  // a larger one with RESOURCE_EXHAUSTED and writes nothing.
  static constexpr size_t kMaxRecordBytes = 8 << 20;

  // Opens the log kept in `store`. DATA_LOSS if the stored size and the
  // leaves disagree, or the last leaf does not hash to its tree node.
  static absl::StatusOr<std::unique_ptr<DisclosureLog>> Open(storage::Store* store);

  // Mutations that depend on the index the record gets (e.g. events keyed
  // by it): called once, by the committing thread, with that index.
  using IndexedMutations = std::function<void(uint64_t index, storage::Batch*)>;

  // Appends `record` and applies `mutations` (and those `indexed` produces)
  // in one atomic, durable batch. Returns the record's index (0-based). On
  // error nothing is written: RESOURCE_EXHAUSTED when the store is full,
  // UNAVAILABLE when it cannot be written.
  absl::StatusOr<uint64_t> Append(const v1::LogRecord& record, storage::Batch mutations = {},
                                  IndexedMutations indexed = nullptr);

  // One record of AppendAll with what is written with it.
  struct Entry {
    v1::LogRecord record;
    storage::Batch mutations;
    IndexedMutations indexed;
  };
  // Appends `entries`, in order, at consecutive indices, with all their
  // mutations in one atomic, durable batch: all of them or none. Returns
  // the index of the first. Errors as Append.
  absl::StatusOr<uint64_t> AppendAll(std::vector<Entry> entries);

  // Appends several records at once (bulk loads, benchmarks): one group,
  // one fsync. Returns the index of the first.
  absl::StatusOr<uint64_t> AppendBatch(const std::vector<v1::LogRecord>& records);

  // Blocks until the log has more than `size` records, `timeout` passes, or
  // Interrupt() is called; returns the size then.
  uint64_t WaitForGrowth(uint64_t size, absl::Duration timeout);
  // Wakes every WaitForGrowth (e.g. at shutdown).
  void Interrupt();
  // Calls `listener` (from the committing thread, without locks held) after
  // each commit with the new size. For event delivery; must not block.
  void OnGrowth(std::function<void(uint64_t size)> listener);

  // What commits take, for the operator's metrics. Set once, before the
  // log is shared between threads.
  struct CommitObserver {
    // One successful group commit: how many records, how long its durable write
    // (the store's synced batch: the fsync) took.
    std::function<void(size_t records, absl::Duration write)> group;
    // One successful append: from the call to its durable commit.
    std::function<void(absl::Duration)> append;
  };
  void SetObserver(CommitObserver observer) { observer_ = std::move(observer); }

  // Number of records.
  uint64_t Size() const;

  // The stored entry `index`. OUT_OF_RANGE past the end.
  absl::StatusOr<StoredEntry> Read(uint64_t index) const;
  // The record bytes of `index`; empty if erased.
  absl::StatusOr<std::string> ReadRecord(uint64_t index) const;

  // The leaf hash of record `index`.
  absl::StatusOr<std::string> LeafHash(uint64_t index) const;
  // The tree's root at `size` (<= Size()), and RFC 6962 proofs.
  absl::StatusOr<std::string> RootAt(uint64_t size) const;
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size) const;
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first, uint64_t size) const;
  merkle::NodeReader Nodes() const;

  // The mutations that erase record `index`'s content and its audit index
  // entries, keeping its leaf (retention). Empty if already erased.
  absl::StatusOr<storage::Batch> RedactionOf(uint64_t index) const;

 private:
  struct Pending {
    std::string record;
    std::string leaf;
    storage::Batch mutations;
    IndexedMutations indexed;
    IndexPrefixes audit;
    bool done = false;
    absl::Status status;
    uint64_t index = 0;
  };

  // Queues `pending` and waits until they are committed (leading the
  // commit if no other thread does).
  absl::Status Commit(const std::vector<Pending*>& pending);
  absl::Status CommitGroup(const std::vector<Pending*>& pending);

  DisclosureLog(storage::Store* store, uint64_t size, merkle::CompactRange range)
      : store_(store), size_(size), range_(std::move(range)) {}

  storage::Store* const store_;
  mutable absl::Mutex mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool leader_active_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t size_ ABSL_GUARDED_BY(mu_);
  uint64_t interrupts_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::function<void(uint64_t)>> listeners_ ABSL_GUARDED_BY(mu_);
  // The tree's right border; read and replaced by the leader only (while
  // leader_active_), so it needs no lock of its own.
  merkle::CompactRange range_;
  CommitObserver observer_;
};

}  // namespace riec::log

#endif  // RIEC_BROKER_LOG_DISCLOSURE_LOG_H_
