#include "core/validate.h"

#include <map>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "riec/common/identity.h"
#include "riec/common/subject_kind.h"
#include "riec/crypto/sodium.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "riec/common/match_keys.h"
#include "riec/common/request_limits.h"
#include "riec/v1/options.pb.h"
#include "storage/keys.h"

namespace riec::core {

absl::Status ValidateSubject(const v1::Subject& s, absl::string_view field) {
  if (KindTag(s.kind()).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".kind: ", s.kind() == v1::SUBJECT_KIND_UNSPECIFIED ? "missing" : "unknown value",
        "; want one of ", AllKindTags()));
  }
  if (s.pseudonym().size() != kPseudonymSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".pseudonym: ", s.pseudonym().size(), " bytes, want 32"));
  }
  if (s.match_keys().empty()) return absl::OkStatus();
  if (s.kind() != v1::PERSON_NAME_DOB) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".match_keys: only a person-name-dob subject has match keys"));
  }
  if (s.match_keys_size() > kMaxMatchKeys) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".match_keys: ", s.match_keys_size(),
                                                   " keys; at most ", kMaxMatchKeys));
  }
  absl::flat_hash_set<std::string> seen;
  std::map<v1::MatchKeyKind, int> per_kind;
  for (int i = 0; i < s.match_keys_size(); ++i) {
    const v1::MatchKey& k = s.match_keys(i);
    const std::string f = absl::StrCat(field, ".match_keys[", i, "]");
    if (MatchKeyTag(k.kind()).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          f, ".kind: ", k.kind() == v1::MATCH_KEY_KIND_UNSPECIFIED ? "missing" : "unknown value",
          "; want one of ", MatchKeyNames(~MatchKeySet{0})));
    }
    if (k.pseudonym().size() != kPseudonymSize) {
      return absl::InvalidArgumentError(
          absl::StrCat(f, ".pseudonym: ", k.pseudonym().size(), " bytes, want 32"));
    }
    if (!seen.insert(absl::StrCat(static_cast<int>(k.kind()), ":", k.pseudonym())).second) {
      return absl::InvalidArgumentError(absl::StrCat(f, ": the same key as an earlier one; name each once"));
    }
    // The shape the projections give (docs/pseudonyms.md §6.1): a strong
    // kind for the surname core and each of its at most 4 words, a weak
    // kind once.
    const int most = IsStrongMatchKey(k.kind()) ? kMaxStrongKeysPerKind : 1;
    if (++per_kind[k.kind()] > most) {
      return absl::InvalidArgumentError(absl::StrCat(f, ".kind: more than ", most, " key",
                                                     most == 1 ? "" : "s", " of kind ", MatchKeyName(k.kind())));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateBatchSize(size_t n, absl::string_view field, size_t max) {
  if (n == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": empty; send 1 to ", max));
  }
  if (n > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", n, " items; at most ", max, " per call"));
  }
  return absl::OkStatus();
}

absl::Status ValidateCategory(absl::string_view category, absl::string_view field,
                              const policy::Policy& policy) {
  if (category.empty()) return absl::OkStatus();
  if (category.size() > 32 || !IsValidId(category)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": '", category,
        "' is not a category (lower-case letters, digits and '-', at most 32)"));
  }
  const auto& known = policy.categories();
  if (!known.empty() && std::find(known.begin(), known.end(), category) == known.end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": '", category, "' is not a category of convenant ",
        policy.Describe(), " (categories: ", absl::StrJoin(known, ", "), ")"));
  }
  return absl::OkStatus();
}

namespace {
constexpr absl::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}  // namespace

std::string NewId(char prefix) {
  const std::string r = crypto::RandomBytes(8);
  uint64_t bits = 0;
  for (char c : r) bits = (bits << 8) | static_cast<unsigned char>(c);
  std::string id = {prefix, '-'};
  for (int i = 0; i < 10; ++i) {
    id.push_back(kCrockford[bits & 31]);
    bits >>= 5;
  }
  return id;
}

absl::Status ValidateId(absl::string_view id, char prefix, absl::string_view field,
                        absl::string_view noun) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  bool ok = id.size() == 12 && id[0] == prefix && id[1] == '-';
  for (size_t i = 2; ok && i < id.size(); ++i) {
    ok = kCrockford.find(id[i]) != absl::string_view::npos;
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": '", id.substr(0, 40), "' is not a ", noun, " id (", std::string(1, prefix),
        "- and 10 characters of 0-9 A-Z without I, L, O, U)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateSignalId(absl::string_view id, absl::string_view field) {
  return ValidateId(id, 'S', field, "signal");
}

absl::Status ValidateRequiredText(absl::string_view text, absl::string_view field, size_t max) {
  if (text.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  return CheckText(text, field, v1::TEXT_FREE, max);
}

absl::Status ValidateSubjects(const google::protobuf::RepeatedPtrField<v1::Subject>& subjects,
                              absl::string_view field) {
  absl::flat_hash_map<std::string, int> seen;
  seen.reserve(subjects.size());
  for (int i = 0; i < subjects.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    if (absl::Status s = ValidateSubject(subjects[i], f); !s.ok()) return s;
    auto [it, fresh] = seen.emplace(storage::SubjectBytes(subjects[i]), i);
    if (!fresh) {
      return absl::InvalidArgumentError(
          absl::StrCat(f, ": the same subject as ", field, "[", it->second, "]; name each once"));
    }
  }
  return absl::OkStatus();
}

v1::Subject CleanSubject(const v1::Subject& s) {
  v1::Subject out;
  out.set_kind(s.kind());
  out.set_pseudonym(s.pseudonym());
  return out;
}

v1::Subject SubjectWithMatchKeys(const v1::Subject& s) {
  v1::Subject out = CleanSubject(s);
  for (const auto& k : s.match_keys()) {
    v1::MatchKey* key = out.add_match_keys();
    key->set_kind(k.kind());
    key->set_pseudonym(k.pseudonym());
  }
  return out;
}

}  // namespace riec::core
