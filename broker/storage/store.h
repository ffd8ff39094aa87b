// The broker's embedded RocksDB store: one database directory, one column
// family per kind of record (docs/storage.md gives every key layout).
//
// Ownership: Store owns the rocksdb::DB and its column-family handles; the
// raw pointers it hands out stay valid for the Store's lifetime.
// Thread-safety: all methods are safe for concurrent use (RocksDB is).
#ifndef RIEC_BROKER_STORAGE_STORE_H_
#define RIEC_BROKER_STORAGE_STORE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace riec::storage {

enum class Family {
  kMeta = 0,        // store format, log size, ...
  kIndex,           // pseudonym|kind|holder|0|category -> IndexValue
  kIndexByHolder,   // holder|0|pseudonym|kind|category -> IndexValue
  kSignals,         // signal id -> riec.v1.Signal
  kSignalsByOwner,  // owner|0|created(be64)|id -> ""
  kLog,             // leaf index (be64) -> log record bytes
  kQuota,           // quota name|0|partner|0|period -> be64 count
  kEvents,          // recipient partner|0|sequence(be64) -> riec.v1.Event
  kLogTree,         // level(1)|index(be64) -> 32-byte hash of a perfect subtree
  kLogByPartner,    // partner|0|record index(be64) -> ""
  kLogByPseudonym,  // pseudonym(32)|record index(be64) -> ""
  kLogBySignal,     // signal id|0|record index(be64) -> ""
  kLogByTime,       // time µs(be64)|record index(be64) -> ""
  kTreeHeads,       // tree size(be64) -> riec.v1.SignedTreeHead
  kLogByCase,       // case id|0|record index(be64) -> ""
  kAsked,           // pseudonym(32)|kind(1)|purpose|0|partner -> asked (deconfliction)
  kAssessments,     // signal id|0|pseudonym(32)|kind(1)|holder -> riec.v1.Assessment
  kCases,           // case id -> riec.v1.Case
  kKeys,            // partner|0|key id -> riec.v1.EncryptionKey ("" key id: current)
  kRequests,        // request id -> riec.v1.ContentRequest
  kRequestsByPartner,  // partner|0|request id -> "" (holder and requester)
  kPayloads,        // request id -> sealed content
};
inline constexpr int kFamilyCount = 22;

// The RocksDB name of a family ("index", ...).
const char* FamilyName(Family f);

// Converts a RocksDB status: NotFound -> NOT_FOUND, Corruption -> DATA_LOSS,
// IOError/Busy -> UNAVAILABLE, others -> INTERNAL.
absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what);

// One change that goes into an atomic write batch.
struct Mutation {
  Family family;
  std::string key;
  std::optional<std::string> value;  // nullopt deletes the key
};

class Store {
 public:
  struct Options {
    // One memory budget for the block cache (index working set, index and
    // filter blocks) and the memtables of every column family together:
    // memtables are charged to the cache, so the store's memory stays within
    // this figure whatever the index size.
    size_t memory_budget_bytes = 256 << 20;
    // The part of the budget that memtables may take before they are flushed.
    size_t memtable_bytes = 96 << 20;
  };

  // Opens (creating if missing) the store in `dir`. FAILED_PRECONDITION if
  // `dir` holds a store of another format version; UNAVAILABLE if another
  // process holds its lock.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     const Options& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Family f) const {
    return handles_[static_cast<int>(f)];
  }

  // Applies `mutations` atomically. With `sync` the write-ahead log is
  // fsynced before returning (durable across power loss).
  absl::Status Apply(const std::vector<Mutation>& mutations, bool sync);
  absl::Status Write(rocksdb::WriteBatch* batch, bool sync);

  // The value of `key`, or nullopt if absent.
  absl::StatusOr<std::optional<std::string>> Get(Family f,
                                                 absl::string_view key) const;

  // An iterator over `f`. With `prefix_same_as_start` the iterator may skip
  // keys not sharing the seek key's prefix (index family only: 33 bytes).
  std::unique_ptr<rocksdb::Iterator> NewIterator(
      Family f, bool prefix_same_as_start = false) const;

  // Adds one mutation to a batch.
  void AddTo(rocksdb::WriteBatch* batch, const Mutation& m) const;

 private:
  Store() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kFamilyCount> handles_{};
};

// Big-endian fixed-width integers, so that keys sort numerically.
std::string EncodeBE64(uint64_t v);
uint64_t DecodeBE64(absl::string_view bytes);  // requires size() >= 8

}  // namespace riec::storage

#endif  // RIEC_BROKER_STORAGE_STORE_H_
