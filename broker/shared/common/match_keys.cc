#include "riec/common/match_keys.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"

namespace riec {
namespace {

struct KeyKind {
  v1::MatchKeyKind kind;
  absl::string_view tag;  // "person-name-dob/" + name
  bool strong;
};
constexpr std::array<KeyKind, 4> kKeys = {{
    {v1::MATCH_KEY_CORE_INITIAL_DOB, "person-name-dob/core-initial-dob", true},
    {v1::MATCH_KEY_PHONETIC_INITIAL_DOB, "person-name-dob/phonetic-initial-dob", true},
    {v1::MATCH_KEY_CORE_INITIAL_YEAR, "person-name-dob/core-initial-year", false},
    {v1::MATCH_KEY_CORE_INITIAL_DOB_DIGITS, "person-name-dob/core-initial-dob-digits", false},
}};
constexpr std::array<v1::MatchKeyKind, 4> kKinds = {
    v1::MATCH_KEY_CORE_INITIAL_DOB, v1::MATCH_KEY_PHONETIC_INITIAL_DOB,
    v1::MATCH_KEY_CORE_INITIAL_YEAR, v1::MATCH_KEY_CORE_INITIAL_DOB_DIGITS};
constexpr absl::string_view kTagPrefix = "person-name-dob/";

const KeyKind* Find(v1::MatchKeyKind kind) {
  for (const auto& k : kKeys) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

}  // namespace

absl::string_view MatchKeyTag(v1::MatchKeyKind kind) {
  const KeyKind* k = Find(kind);
  return k ? k->tag : "";
}

absl::string_view MatchKeyName(v1::MatchKeyKind kind) {
  absl::string_view tag = MatchKeyTag(kind);
  tag.remove_prefix(std::min(tag.size(), kTagPrefix.size()));
  return tag;
}

std::span<const v1::MatchKeyKind> AllMatchKeyKinds() { return kKinds; }

bool IsStrongMatchKey(v1::MatchKeyKind kind) {
  const KeyKind* k = Find(kind);
  return k != nullptr && k->strong;
}

bool IsProbableMatch(MatchKeySet matched) {
  MatchKeySet weak = 0, all_weak = 0;
  for (const auto& k : kKeys) {
    if (!(matched & MatchKeyBit(k.kind))) {
      if (!k.strong) all_weak |= MatchKeyBit(k.kind);
      continue;
    }
    if (k.strong) return true;
    weak |= MatchKeyBit(k.kind);
    all_weak |= MatchKeyBit(k.kind);
  }
  return weak != 0 && weak == all_weak;
}

void AddMatchKeyKinds(MatchKeySet matched, google::protobuf::RepeatedField<int>* out) {
  for (v1::MatchKeyKind kind : kKinds) {
    if (matched & MatchKeyBit(kind)) out->Add(kind);
  }
}

std::string MatchKeyNames(MatchKeySet matched) {
  std::string out;
  for (const auto& k : kKeys) {
    if (!(matched & MatchKeyBit(k.kind))) continue;
    absl::StrAppend(&out, out.empty() ? "" : ", ", MatchKeyName(k.kind));
  }
  return out;
}

}  // namespace riec
