// Match keys of persons by name and date of birth (docs/pseudonyms.md §6):
// the tag of each key kind, and the rule that makes a set of keys in common
// a probable match. The SDK derives the keys (riec/sdk/normalise.h), the
// broker applies the rule; the evaluation program measures it
// (tests/synth).
//
// Thread-safety: pure functions over constant tables.
#ifndef RIEC_BROKER_COMMON_MATCH_KEYS_H_
#define RIEC_BROKER_COMMON_MATCH_KEYS_H_

#include <span>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "riec/v1/common.pb.h"

namespace riec {

// "person-name-dob/core-initial-dob", ...; "" for an unknown kind. The tag
// is the first part of the key's OPRF input and never changes.
absl::string_view MatchKeyTag(v1::MatchKeyKind kind);

// Short name for tables and messages: "core-initial-dob", ...
absl::string_view MatchKeyName(v1::MatchKeyKind kind);

// Every real key kind, in enum order.
std::span<const v1::MatchKeyKind> AllMatchKeyKinds();

// A strong key in common is enough for a probable match.
bool IsStrongMatchKey(v1::MatchKeyKind kind);

// Bit (1 << kind) per kind of key found in common.
using MatchKeySet = uint32_t;
inline MatchKeySet MatchKeyBit(v1::MatchKeyKind kind) { return MatchKeySet{1} << kind; }

// The rule: one strong key, or both weak keys, in common.
bool IsProbableMatch(MatchKeySet matched);

// "core-initial-dob, phonetic-initial-dob" for the kinds in `matched`.
std::string MatchKeyNames(MatchKeySet matched);

// The kinds in `matched`, in enum order, appended to a repeated
// MatchKeyKind field.
void AddMatchKeyKinds(MatchKeySet matched, google::protobuf::RepeatedField<int>* out);

// A subject carries at most this many match keys (the wire limit), and at
// most this many of one strong kind (the surname core and each of its 2 to
// 4 words) and one of each weak kind: 12 in all, as the SDK derives them.
inline constexpr int kMaxMatchKeys = 16;
inline constexpr int kMaxStrongKeysPerKind = 5;

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_MATCH_KEYS_H_
