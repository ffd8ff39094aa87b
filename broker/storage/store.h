// The broker's storage seam: a small transactional key-value interface that
// the log and the core write through, and that every backend implements
// (RocksDB, in memory, later PostgreSQL). Nothing above this module sees a
// backend type; every key layout is built by storage/keys.h and read through
// storage/tables.h (docs/storage.md is the specification of both).
//
// The model: named tables of byte-string keys and values, ordered by key
// (unsigned bytewise), read by point lookups and prefix scans, and written
// by atomic batches that are optionally made durable (fsynced) before Apply
// returns.
//
// Thread-safety: implementations are safe for concurrent use. A scan sees a
// consistent snapshot of its table; a batch is applied atomically: readers
// see all of it or none of it.
// Ownership: Store objects are owned by whoever opened them.
#ifndef RIEC_BROKER_STORAGE_STORE_H_
#define RIEC_BROKER_STORAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riec::storage {

// Every table of the store (docs/storage.md gives each layout).
enum class Table {
  kMeta = 0,           // store format, log size
  kIndex,              // who holds a subject
  kIndexByHolder,      // a holder's entries
  kSignals,            // signals
  kSignalsByOwner,     // a partner's signals
  kLog,                // log leaves (the Merkle leaf bytes)
  kQuota,              // quota counters
  kEvents,             // events per recipient
  kLogTree,            // the log's Merkle nodes
  kLogByPartner,       // audit index: partner
  kLogByPseudonym,     // audit index: pseudonym
  kLogBySignal,        // audit index: signal
  kLogByTime,          // audit index: time
  kTreeHeads,          // signed tree heads
  kLogByCase,          // audit index: case
  kAsked,              // deconfliction marks
  kAssessments,        // holder assessments
  kCases,              // cases
  kKeys,               // partners' encryption keys
  kRequests,           // content requests
  kRequestsByParty,    // content requests per holder, requester and case
  kPayloads,           // sealed content
  kLogRecords,         // log record bytes (erased at the end of retention)
  kAssessmentAsks,     // who was asked to assess what
  kIndexStats,         // per-holder index counters
  kIndexExpiry,        // a holder's entries by end of validity
  kFetchChallenges,    // the broker's secret of each request's fetch challenge
  kLateHitWatches,     // subjects asked about in open signals, for late hits
  kLateHits,           // the late hits of each signal
  kMatchKeys,          // index entries by the match keys of their subject
};
inline constexpr int kTableCount = 30;

// The table's name in the store ("index", "log", ...), as docs/storage.md
// lists it.
const char* TableName(Table t);

// One change of an atomic batch.
struct Mutation {
  enum class Op {
    kPut,     // set key to value
    kDelete,  // remove key
    kAdd,     // add a signed 64-bit delta (value: 8 bytes big-endian) to the
              // counter at key (8 bytes big-endian, absent = 0)
  };
  Op op = Op::kPut;
  Table table = Table::kMeta;
  std::string key;
  std::string value;
};
using Batch = std::vector<Mutation>;

void Put(Batch* b, Table t, std::string key, std::string value);
void Delete(Batch* b, Table t, std::string key);
void Add(Batch* b, Table t, std::string key, int64_t delta);

// Called for each key and value of a scan, in key order; return false to
// stop. The views are valid during the call only.
using ScanVisitor = std::function<bool(absl::string_view key, absl::string_view value)>;

// One backup of a store (docs/operations.md, "Backup and restore").
struct BackupInfo {
  uint32_t id = 0;
  int64_t unix_seconds = 0;  // when it was taken
  uint64_t bytes = 0;        // its files' size (files shared with older backups counted)
  uint32_t files = 0;
  std::string metadata;      // what the taker wrote with it
};

class Store {
 public:
  virtual ~Store() = default;

  // The value of `key`, or nullopt if absent. Reads fail with UNAVAILABLE
  // when the backend cannot be read for now, DATA_LOSS when what is stored
  // is corrupt, INTERNAL otherwise.
  virtual absl::StatusOr<std::optional<std::string>> Get(Table t, absl::string_view key) const = 0;

  // Visits the keys of `t` that begin with `prefix`, starting at the first
  // key >= max(prefix, start), in ascending order, until `visit` returns
  // false or the prefix ends.
  virtual absl::Status Scan(Table t, absl::string_view prefix, absl::string_view start,
                            const ScanVisitor& visit) const = 0;

  // The last key of `t` and its value (nullopt if the table is empty).
  virtual absl::StatusOr<std::optional<std::pair<std::string, std::string>>> Last(
      Table t) const = 0;

  // Applies `batch` atomically. With `sync` it is durable (write-ahead log
  // fsynced) when this returns. RESOURCE_EXHAUSTED when the store is out of
  // space (nothing of the batch is applied; writes resume by themselves
  // once space is freed); UNAVAILABLE when the backend cannot be written
  // for another reason. A failed batch is never applied later: retrying is
  // the caller's decision. kAdd mutations are only for the counter tables
  // (kIndexStats, kQuota).
  virtual absl::Status Apply(const Batch& batch, bool sync) = 0;

  // Several point lookups at once; the result has one entry per key.
  virtual absl::StatusOr<std::vector<std::optional<std::string>>> MultiGet(
      Table t, const std::vector<std::string>& keys) const;

  // Compacts the table's storage (a maintenance step; benchmarks use it for
  // a best-case ceiling). No-op where the backend has nothing to do.
  virtual absl::Status Compact(Table t) { return absl::OkStatus(); }

  // Figures an operator watches (metrics): names to values. Empty by
  // default.
  virtual std::map<std::string, double> Properties() const { return {}; }

  // OK while the store accepts writes; otherwise why not (e.g. the disk is
  // full: RESOURCE_EXHAUSTED). Tries to resume a stopped store first.
  virtual absl::Status Writable() const { return absl::OkStatus(); }

  // A consistent backup of the whole store, taken while it serves, added
  // to the backup directory `dir` (created if missing; files unchanged
  // since an earlier backup there are shared), with `metadata` kept beside
  // it. Everything applied before the call is in it. UNIMPLEMENTED where
  // the backend has no backup of its own.
  virtual absl::StatusOr<BackupInfo> Backup(const std::string& dir, const std::string& metadata) {
    return absl::UnimplementedError("this store has no backup");
  }

  // Stops a backup in progress (it fails with CANCELLED) and refuses new
  // ones: for closing. No-op where there is no backup.
  virtual void StopBackups() {}
};

// Scans the whole prefix (from its start).
inline absl::Status ScanPrefix(const Store& store, Table t, absl::string_view prefix,
                               const ScanVisitor& visit) {
  return store.Scan(t, prefix, prefix, visit);
}

}  // namespace riec::storage

#endif  // RIEC_BROKER_STORAGE_STORE_H_
