#include "riec/common/subject_kind.h"

#include <array>
#include <utility>

#include "absl/strings/str_join.h"

namespace riec {
namespace {
constexpr std::array<std::pair<SubjectKind, absl::string_view>, 6> kTags = {{
    {v1::PERSON_BSN, "person-bsn"},
    {v1::PERSON_NAME_DOB, "person-name-dob"},
    {v1::ORGANISATION_KVK, "organisation-kvk"},
    {v1::ADDRESS, "address"},
    {v1::VEHICLE, "vehicle"},
    {v1::BANK_ACCOUNT, "bank-account"},
}};
constexpr std::array<SubjectKind, 6> kKinds = {
    v1::PERSON_BSN, v1::PERSON_NAME_DOB, v1::ORGANISATION_KVK,
    v1::ADDRESS,    v1::VEHICLE,         v1::BANK_ACCOUNT};
}  // namespace

absl::string_view KindTag(SubjectKind kind) {
  for (const auto& [k, tag] : kTags) {
    if (k == kind) return tag;
  }
  return "";
}

std::optional<SubjectKind> KindFromTag(absl::string_view tag) {
  for (const auto& [k, t] : kTags) {
    if (t == tag) return k;
  }
  return std::nullopt;
}

std::span<const SubjectKind> AllKinds() { return kKinds; }

std::string AllKindTags() {
  return absl::StrJoin(kTags, ", ", [](std::string* out, const auto& p) {
    out->append(p.second.data(), p.second.size());
  });
}

}  // namespace riec
