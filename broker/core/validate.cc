#include "broker/core/validate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "broker/common/identity.h"
#include "broker/common/subject_kind.h"

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

absl::Status ValidateSignalId(absl::string_view id, absl::string_view field) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  static constexpr absl::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  bool ok = id.size() == 12 && id[0] == 'S' && id[1] == '-';
  for (size_t i = 2; ok && i < id.size(); ++i) {
    ok = kAlphabet.find(id[i]) != absl::string_view::npos;
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": '", id.substr(0, 40),
        "' is not a signal id (S- and 10 characters of 0-9 A-Z without I, L, O, U)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateShortText(absl::string_view text, absl::string_view field,
                               size_t max) {
  if (text.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", text.size(), " bytes, at most ", max));
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": control characters are not allowed"));
    }
  }
  return absl::OkStatus();
}

}  // namespace riec::core
