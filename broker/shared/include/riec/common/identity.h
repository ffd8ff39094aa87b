// Who is calling: the identity the broker derives from a client certificate's
// URI SAN riec://<convenant-id>/<partner-id>/<role>[/<holder-name>]
// (DESIGN.md §3). A client is never trusted for its own role or partner id:
// the identity comes from the verified certificate only.
//
// Thread-safety: value types and pure functions.
#ifndef RIEC_BROKER_COMMON_IDENTITY_H_
#define RIEC_BROKER_COMMON_IDENTITY_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace riec {

// The roles of DESIGN.md §3, as they appear in a certificate.
inline constexpr absl::string_view kRolePartnerSystem = "partner-system";
inline constexpr absl::string_view kRoleChair = "chair";
inline constexpr absl::string_view kRoleCoordinator = "coordinator";
inline constexpr absl::string_view kRolePrivacyOfficer = "privacy-officer";
inline constexpr absl::string_view kRoleOperator = "operator";

// True for one of the five roles above.
bool IsKnownRole(absl::string_view role);

struct Identity {
  std::string convenant;
  std::string partner;
  std::string role;
  std::string name;  // optional holder-name; empty if absent
};

// A caller: the certificate identity plus what the call adds.
struct Caller {
  Identity identity;
  std::string certificate_sha256;  // raw 32 bytes; empty in unit tests
  std::string on_behalf_of;        // "riec-on-behalf-of" metadata, may be empty
};

// Parses the URI. INVALID_ARGUMENT with the rule that is broken: scheme,
// number of path segments, or an id that is not [a-z0-9][a-z0-9-]{0,62}
// (holder-name: [A-Za-z0-9._-]{1,64}). The role is not checked against the
// known roles here; the policy decides which roles a partner has.
absl::StatusOr<Identity> ParseIdentityUri(absl::string_view uri);

// The inverse of ParseIdentityUri.
std::string IdentityUri(const Identity& id);

// True if `id` is a valid convenant, partner, purpose or role id:
// [a-z0-9][a-z0-9-]{0,62}.
bool IsValidId(absl::string_view id);

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_IDENTITY_H_
