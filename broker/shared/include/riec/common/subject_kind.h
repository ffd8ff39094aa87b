// Subject kinds and their tags. The tag is the kind's name in policy files,
// on the command line, and the first part of the pseudonym input
// (docs/pseudonyms.md); it never changes once published.
//
// Thread-safety: pure functions over constant tables.
#ifndef RIEC_BROKER_COMMON_SUBJECT_KIND_H_
#define RIEC_BROKER_COMMON_SUBJECT_KIND_H_

#include <optional>
#include <span>
#include <string>
#include "absl/strings/string_view.h"

#include "riec/v1/common.pb.h"

namespace riec {

using SubjectKind = ::riec::v1::SubjectKind;

// The tag of a kind ("person-bsn", ...); "" for SUBJECT_KIND_UNSPECIFIED and
// values out of range.
absl::string_view KindTag(SubjectKind kind);

// The kind of a tag; nullopt if the tag is unknown.
std::optional<SubjectKind> KindFromTag(absl::string_view tag);

// Every real kind, in enum order.
std::span<const SubjectKind> AllKinds();

// "person-bsn, person-name-dob, ..." for error messages.
std::string AllKindTags();

// Pseudonyms are the first 32 bytes of the OPRF output.
inline constexpr size_t kPseudonymSize = 32;

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_SUBJECT_KIND_H_
