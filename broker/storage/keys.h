// Every key layout of the store, in one place: one codec per table,
// mirroring docs/storage.md line for line (keys_test.cc holds a golden
// vector per layout). Code elsewhere never builds or takes apart a key.
//
// Conventions: integers are 8 bytes big-endian so that keys sort
// numerically; partner, purpose, signal and case ids never contain a zero
// byte, which therefore ends them; a subject is its 32-byte pseudonym and
// its kind as one byte.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_STORAGE_KEYS_H_
#define RIEC_BROKER_STORAGE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "riec/v1/common.pb.h"

namespace riec::storage {

std::string EncodeBE64(uint64_t v);
// Requires bytes.size() >= 8; reads the first 8.
uint64_t DecodeBE64(absl::string_view bytes);

// The store's format version (meta table, key "store/format").
inline constexpr absl::string_view kStoreFormat = "riec-store-5";
inline constexpr absl::string_view kFormatKey = "store/format";
inline constexpr absl::string_view kLogSizeKey = "log/size";

// pseudonym (32) | kind (1): the prefix of everything kept per subject.
std::string SubjectBytes(const v1::Subject& s);
inline constexpr size_t kSubjectBytes = 33;
// The subject of 33 subject bytes.
v1::Subject SubjectOf(absl::string_view subject_bytes);

namespace keys {

// index: subject (33) | holder | \0 | category
std::string Index(const v1::Subject& s, absl::string_view holder, absl::string_view category);
// The part after the subject: holder and category; nullopt if malformed.
struct HolderCategory {
  std::string holder, category;
};
std::optional<HolderCategory> IndexSuffix(absl::string_view key_after_subject);
// The prefix of a holder's entries on a subject: subject | holder | \0
std::string IndexOfHolder(const v1::Subject& s, absl::string_view holder);

// index_by_holder: holder | \0 | subject (33) | category
std::string ByHolder(absl::string_view holder, const v1::Subject& s, absl::string_view category);
std::string HolderPrefix(absl::string_view holder);  // holder | \0
struct HolderEntry {
  std::string holder;
  v1::Subject subject;
  std::string category;
};
std::optional<HolderEntry> ParseByHolder(absl::string_view key);

// index_stats: holder | \0 | 'k' | kind (1)      -> count of entries of the kind
//              holder | \0 | 'c' | category      -> count of entries of the category
std::string StatsKind(absl::string_view holder, v1::SubjectKind kind);
std::string StatsCategory(absl::string_view holder, absl::string_view category);

// index_expiry: holder | \0 | valid_until µs (8) | subject (33) | category
std::string Expiry(absl::string_view holder, int64_t valid_until_micros, const v1::Subject& s,
                   absl::string_view category);
struct ExpiryEntry {
  std::string holder;
  int64_t valid_until_micros = 0;
  v1::Subject subject;
  std::string category;
};
std::optional<ExpiryEntry> ParseExpiry(absl::string_view key);

// signals_by_owner: owner | \0 | created seconds (8) | signal id
std::string SignalOfOwner(absl::string_view owner, int64_t created_seconds,
                          absl::string_view signal_id);
// The signal id at the end of a signals_by_owner key.
std::string SignalIdOfOwnerKey(absl::string_view key, size_t owner_prefix_size);

// log, log_records, tree_heads: index or size (8)
std::string LogIndex(uint64_t index);

// log_tree: level (1) | index (8)
std::string TreeNode(int level, uint64_t index);

// Audit indexes, each ending in the record's index (8):
//   log_by_time       time µs (8) | index
//   log_by_partner    partner | \0 | index
//   log_by_pseudonym  pseudonym (32) | index
//   log_by_signal     signal id | \0 | index
//   log_by_case       case id | \0 | index
std::string ByTime(int64_t time_micros, uint64_t index);
std::string IdPrefix(absl::string_view id);  // id | \0: partner, signal, case, party
uint64_t IndexAtEnd(absl::string_view key);   // the last 8 bytes
int64_t TimeOfByTimeKey(absl::string_view key);

// quota: quota | \0 | partner | \0 | period start "YYYY-MM-DDTHH" (UTC)
std::string Quota(absl::string_view quota, absl::string_view partner, absl::string_view period);
// The period part of a quota key.
std::string QuotaPeriod(absl::string_view key);

// events: recipient partner | \0 | sequence (8)
std::string Event(absl::string_view recipient, uint64_t sequence);

// An event's sequence: (log index of the record that caused it + 1) << 24 |
// its position among that record's events. nullopt past kMaxEventsPerRecord.
inline constexpr uint64_t kMaxEventsPerRecord = (uint64_t{1} << 24) - 1;
std::optional<uint64_t> EventSequence(uint64_t log_index, uint64_t position);

// asked: subject (33) | purpose | \0 | partner  -> until µs (8) | signal id
std::string Asked(const v1::Subject& s, absl::string_view purpose, absl::string_view partner);
std::string AskedPrefix(const v1::Subject& s, absl::string_view purpose);
std::string AskedValue(int64_t until_micros, absl::string_view signal_id);
struct AskedMark {
  int64_t until_micros = 0;
  std::string signal_id;
};
std::optional<AskedMark> ParseAskedValue(absl::string_view value);

// late_hit_watches: subject (33) | signal id  -> until µs (8)
std::string LateHitWatch(const v1::Subject& s, absl::string_view signal_id);

// match_keys: match key (33) | holder | \0 | subject (33) | category  -> ""
// A match key is its 32-byte pseudonym and its kind as one byte. By holder
// before subject: a question reads each participating holder's rows apart,
// so no holder's entries crowd out another's.
std::string MatchKeyBytes(const v1::MatchKey& k);
std::string MatchKeyEntry(absl::string_view match_key_bytes, absl::string_view holder,
                          const v1::Subject& s, absl::string_view category);
// The prefix of one holder's rows under a match key.
std::string MatchKeyOfHolder(absl::string_view match_key_bytes, absl::string_view holder);
// The subject and category of one of `holder`'s match_keys keys; nullopt
// if malformed.
struct MatchKeyRow {
  v1::Subject subject;
  std::string category;
};
std::optional<MatchKeyRow> ParseMatchKeyEntry(absl::string_view key, absl::string_view holder);

// late_hits: signal id | \0 | log index (8)  -> LateHit (protobuf)
std::string LateHit(absl::string_view signal_id, uint64_t log_index);

// assessments: signal id | \0 | subject (33) | holder
std::string Assessment(absl::string_view signal_id, const v1::Subject& s,
                       absl::string_view holder);

// assessment_asks: signal id | \0 | holder | \0 | subject (33)
std::string AssessmentAsk(absl::string_view signal_id, absl::string_view holder,
                          const v1::Subject& s);
std::string AssessmentAsksOf(absl::string_view signal_id, absl::string_view holder);

// encryption_keys: partner | \0 (the partner's current key)
std::string EncryptionKey(absl::string_view partner);

// content_requests_by_party: holder, requester or case id | \0 | request id
std::string Party(absl::string_view party, absl::string_view request_id);

}  // namespace keys
}  // namespace riec::storage

#endif  // RIEC_BROKER_STORAGE_KEYS_H_
