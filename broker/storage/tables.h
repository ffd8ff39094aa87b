// Typed tables over the store: what the core reads and writes, in the
// domain's words (an index lookup, a signal, an asked mark, a quota
// counter, an event), built on the codecs of keys.h. Readers take a const
// Store; writers add mutations to a Batch that the caller commits, usually
// together with its disclosure-log record.
//
// A stored protobuf value that does not parse is DATA_LOSS naming the
// table and key kind; a backend failure passes through unchanged.
//
// Thread-safety: stateless over a thread-safe Store.
// Ownership: the Store is not owned.
#ifndef RIEC_BROKER_STORAGE_TABLES_H_
#define RIEC_BROKER_STORAGE_TABLES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "riec/v1/cases.pb.h"
#include "riec/v1/content.pb.h"
#include "riec/v1/events.pb.h"
#include "riec/v1/inquiry.pb.h"
#include "riec/v1/log.pb.h"
#include "riec/v1/signals.pb.h"
#include "storage/keys.h"
#include "storage/store.h"

namespace riec::storage {

// Reads a protobuf value; nullopt if absent, DATA_LOSS if unreadable.
template <typename T>
absl::StatusOr<std::optional<T>> GetProto(const Store& store, Table t, absl::string_view key) {
  auto bytes = store.Get(t, key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::optional<T>();
  T m;
  if (!m.ParseFromString(**bytes)) {
    return absl::DataLossError(std::string("a stored value of table ") + TableName(t) +
                               " is unreadable");
  }
  return std::optional<T>(std::move(m));
}

std::string Serialize(const google::protobuf::MessageLite& m);

// The value of an index entry (docs/storage.md, 18 bytes).
struct IndexValue {
  int64_t valid_until_micros = 0;  // 0: no end
  int64_t published_micros = 0;
  bool silent = false;
  // The match keys of the entry's subject (keys::MatchKeyBytes each), so
  // that their match_keys rows go with the entry.
  std::vector<std::string> match_keys;

  std::string Encode() const;
  static std::optional<IndexValue> Decode(absl::string_view bytes);
  // The entry's validity has ended at `now_micros`.
  bool EndedAt(int64_t now_micros) const {
    return valid_until_micros != 0 && now_micros >= valid_until_micros;
  }
};

// index, index_by_holder, index_stats, index_expiry.
class IndexTable {
 public:
  explicit IndexTable(const Store* store) : store_(store) {}

  struct Holding {
    std::string holder;
    std::string category;
    IndexValue value;
  };
  // Every entry on `subject`, in key order (holder, then category): one
  // prefix scan.
  absl::StatusOr<std::vector<Holding>> Lookup(const v1::Subject& subject) const;
  // `holder`'s entries (subject and category) that carry the match key, on
  // at most `limit` distinct subjects (in key order); one prefix scan.
  absl::StatusOr<std::vector<keys::MatchKeyRow>> ByMatchKey(const v1::MatchKey& key, absl::string_view holder,
                                                            size_t limit) const;
  // Whether one of `holder`'s entries on `subject` carries the match key.
  absl::StatusOr<bool> HasMatchKey(const v1::MatchKey& key, absl::string_view holder,
                                   const v1::Subject& subject) const;
  // The holder's entries on `subject` (each category).
  absl::StatusOr<std::vector<Holding>> OfHolder(const v1::Subject& subject,
                                                absl::string_view holder) const;
  // The values of several entries at once (nullopt where absent).
  struct EntryRef {
    const v1::Subject* subject;
    absl::string_view holder;
    absl::string_view category;
  };
  absl::StatusOr<std::vector<std::optional<IndexValue>>> Get(
      const std::vector<EntryRef>& entries) const;

  // How a batch changes one holder's counters; written once per batch.
  struct CountDelta {
    std::map<int, int64_t> by_kind;
    std::map<std::string, int64_t> by_category;
    // Adds the counter increments to `b`.
    void WriteTo(Batch* b, absl::string_view holder) const;
  };

  // Writes an entry; `previous` is its value before (nullopt: new), so that
  // the holder's counters (in `delta`) and end-of-validity index stay exact.
  static void Put(Batch* b, const v1::Subject& s, absl::string_view holder,
                  absl::string_view category, const IndexValue& v,
                  const std::optional<IndexValue>& previous, CountDelta* delta);
  static void Remove(Batch* b, const v1::Subject& s, absl::string_view holder,
                     absl::string_view category, const IndexValue& previous, CountDelta* delta);

  struct HolderStats {
    std::map<int, uint64_t> by_kind;
    std::map<std::string, uint64_t> by_category;
    uint64_t entries = 0;
  };
  // The holder's counters: the same cost at any index size.
  absl::StatusOr<HolderStats> Stats(absl::string_view holder) const;
  // The holder's entries whose validity has ended at `now_micros` and that
  // the next sweep erases (a scan of those only).
  absl::StatusOr<uint64_t> CountEnded(absl::string_view holder, int64_t now_micros) const;

  // Visits every entry (for retention), in holder order.
  using EntryVisitor = std::function<bool(const keys::HolderEntry&, const IndexValue&)>;
  absl::Status ScanAll(const EntryVisitor& visit) const;

 private:
  const Store* store_;
};

// signals, signals_by_owner.
class SignalTable {
 public:
  explicit SignalTable(const Store* store) : store_(store) {}
  absl::StatusOr<std::optional<v1::Signal>> Get(absl::string_view id) const;
  // Writes the signal; `created` adds its owner entry.
  static void Put(Batch* b, const v1::Signal& s, bool created);
  static void Erase(Batch* b, const v1::Signal& s);
  // The ids of `owner`'s signals, oldest first.
  absl::StatusOr<std::vector<std::string>> IdsOf(absl::string_view owner) const;
  absl::Status ScanAll(const std::function<bool(const v1::Signal&)>& visit) const;

 private:
  const Store* store_;
};

// assessments, assessment_asks.
class AssessmentTable {
 public:
  explicit AssessmentTable(const Store* store) : store_(store) {}
  absl::StatusOr<std::vector<v1::Assessment>> Of(absl::string_view signal_id) const;
  static void Put(Batch* b, absl::string_view signal_id, const v1::Assessment& a);
  // Who was asked to assess which subject of a signal.
  static void PutAsk(Batch* b, absl::string_view signal_id, absl::string_view holder,
                     const v1::Subject& s);
  absl::StatusOr<bool> WasAsked(absl::string_view signal_id, absl::string_view holder,
                                const v1::Subject& s) const;
  // Adds the erasure of every assessment and ask of a signal; returns the
  // number of assessments.
  absl::StatusOr<uint64_t> EraseOf(Batch* b, absl::string_view signal_id) const;

 private:
  const Store* store_;
};

// cases.
class CaseTable {
 public:
  explicit CaseTable(const Store* store) : store_(store) {}
  absl::StatusOr<std::optional<v1::Case>> Get(absl::string_view id) const;
  static void Put(Batch* b, const v1::Case& c);
  static void Erase(Batch* b, absl::string_view id);
  absl::Status ScanAll(const std::function<bool(const v1::Case&)>& visit) const;

 private:
  const Store* store_;
};

// encryption_keys.
class KeyTable {
 public:
  explicit KeyTable(const Store* store) : store_(store) {}
  // The partner's current key (nullopt: none registered).
  absl::StatusOr<std::optional<v1::EncryptionKey>> Current(absl::string_view partner) const;
  // Makes `key` the partner's current key.
  static void Put(Batch* b, const v1::EncryptionKey& key);

 private:
  const Store* store_;
};

// content_requests, content_requests_by_party, payloads.
class RequestTable {
 public:
  explicit RequestTable(const Store* store) : store_(store) {}
  absl::StatusOr<std::optional<v1::ContentRequest>> Get(absl::string_view id) const;
  // Writes the request; `created` adds its holder, requester and case
  // entries.
  static void Put(Batch* b, const v1::ContentRequest& r, bool created);
  // The ids of the requests of a party (holder or requester partner id, or
  // case id).
  absl::StatusOr<std::vector<std::string>> IdsOf(absl::string_view party) const;
  absl::Status ScanAll(const std::function<bool(const v1::ContentRequest&)>& visit) const;

  absl::StatusOr<std::optional<std::string>> Payload(absl::string_view id) const;
  static void PutPayload(Batch* b, absl::string_view id, std::string sealed);
  // Deletes the request's sealed content and its fetch challenge's secret:
  // once a request is fetched, refused or lapsed, neither is needed.
  static void DeletePayload(Batch* b, absl::string_view id);
  // The secret of a request's fetch challenge (never sent to anyone).
  absl::StatusOr<std::optional<std::string>> ChallengeSecret(absl::string_view id) const;
  static void PutChallengeSecret(Batch* b, absl::string_view id, std::string secret);
  // Adds the erasure of the request, its party entries and payload.
  static void Erase(Batch* b, const v1::ContentRequest& r);

 private:
  const Store* store_;
};

// events.
class EventTable {
 public:
  explicit EventTable(const Store* store) : store_(store) {}
  static void Put(Batch* b, absl::string_view recipient, const v1::Event& e);
  // The recipient's events with a sequence above `after`, in order.
  absl::Status Read(absl::string_view recipient, uint64_t after,
                    const std::function<bool(const v1::Event&)>& visit) const;
  // Visits every stored event with its key (for retention).
  absl::Status ScanAll(
      const std::function<bool(absl::string_view key, const v1::Event&)>& visit) const;

 private:
  const Store* store_;
};

// asked (deconfliction).
class AskedTable {
 public:
  explicit AskedTable(const Store* store) : store_(store) {}
  struct Mark {
    std::string partner;
    keys::AskedMark mark;
  };
  absl::StatusOr<std::vector<Mark>> Of(const v1::Subject& s, absl::string_view purpose) const;
  static void Put(Batch* b, const v1::Subject& s, absl::string_view purpose,
                  absl::string_view partner, int64_t until_micros, absl::string_view signal_id);
  // Visits every mark with its key (for retention).
  absl::Status ScanAll(
      const std::function<bool(absl::string_view key, const keys::AskedMark&)>& visit) const;

 private:
  const Store* store_;
};

// late_hit_watches and late_hits (docs/two-stage.md, "Late hits").
class LateHitTable {
 public:
  explicit LateHitTable(const Store* store) : store_(store) {}
  struct Watch {
    std::string signal_id;
    int64_t until_micros = 0;  // the signal's expiry when the mark was made
  };
  // The open signals (as far as the marks know) that asked about `s`. One
  // prefix seek.
  absl::StatusOr<std::vector<Watch>> WatchesOf(const v1::Subject& s) const;
  static void PutWatch(Batch* b, const v1::Subject& s, absl::string_view signal_id,
                       int64_t until_micros);
  // Visits every watch with its key (for retention).
  absl::Status ScanWatches(
      const std::function<bool(absl::string_view key, int64_t until_micros)>& visit) const;

  // The late hits of a signal, oldest first.
  absl::StatusOr<std::vector<v1::LateHit>> Of(absl::string_view signal_id) const;
  // How many late hits the signal had (stops counting at `cap`).
  absl::StatusOr<uint64_t> Count(absl::string_view signal_id, uint64_t cap) const;
  static void Put(Batch* b, absl::string_view signal_id, const v1::LateHit& hit);
  // Adds the erasure of every late hit of a signal; returns their number.
  absl::StatusOr<uint64_t> EraseOf(Batch* b, absl::string_view signal_id) const;

 private:
  const Store* store_;
};

// quota.
class QuotaTable {
 public:
  explicit QuotaTable(const Store* store) : store_(store) {}
  absl::StatusOr<uint64_t> Get(absl::string_view key) const;
  // Adds `n` to the counter (committed with the caller's batch).
  static void Add(Batch* b, absl::string_view key, uint64_t n);
  absl::Status ScanAll(const std::function<bool(absl::string_view key)>& visit) const;

 private:
  const Store* store_;
};

// Deletes the key `key` of `t` (retention helpers that hold a raw key).
void DeleteKey(Batch* b, Table t, absl::string_view key);

}  // namespace riec::storage

#endif  // RIEC_BROKER_STORAGE_TABLES_H_
