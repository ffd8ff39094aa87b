#include "riec/common/identity.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace riec {

bool IsKnownRole(absl::string_view role) {
  return role == kRolePartnerSystem || role == kRoleChair ||
         role == kRoleCoordinator || role == kRolePrivacyOfficer ||
         role == kRoleOperator;
}

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              (c == '-' && i > 0);
    if (!ok) return false;
  }
  return true;
}

namespace {
bool IsValidHolderName(absl::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' &&
        c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}
}  // namespace

absl::StatusOr<Identity> ParseIdentityUri(absl::string_view uri) {
  constexpr absl::string_view kScheme = "riec://";
  if (!absl::StartsWith(uri, kScheme)) {
    return absl::InvalidArgumentError(
        absl::StrCat("identity '", uri, "': must start with riec://"));
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(uri.substr(kScheme.size()), '/');
  if (parts.size() < 3 || parts.size() > 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "identity '", uri,
        "': want riec://<convenant>/<partner>/<role>[/<holder-name>]"));
  }
  static constexpr const char* kNames[] = {"convenant", "partner", "role"};
  for (int i = 0; i < 3; ++i) {
    if (!IsValidId(parts[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "identity '", uri, "': ", kNames[i], " '", parts[i],
          "' is not an id (lower-case letters, digits and '-', at most 63)"));
    }
  }
  Identity id{std::string(parts[0]), std::string(parts[1]),
              std::string(parts[2]), ""};
  if (parts.size() == 4) {
    if (!IsValidHolderName(parts[3])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "identity '", uri, "': holder-name '", parts[3],
          "' must be 1 to 64 letters, digits, '.', '_' or '-'"));
    }
    id.name = std::string(parts[3]);
  }
  return id;
}

std::string IdentityUri(const Identity& id) {
  std::string uri = absl::StrCat("riec://", id.convenant, "/", id.partner, "/",
                                 id.role);
  if (!id.name.empty()) absl::StrAppend(&uri, "/", id.name);
  return uri;
}

}  // namespace riec
