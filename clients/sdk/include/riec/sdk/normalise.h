// Normalisation of identifiers to the one canonical form per subject kind
// from which pseudonyms are computed (docs/pseudonyms.md). Two partners that
// hold the same person, company, address, vehicle or account must arrive at
// the same canonical string, whatever notation their systems use.
//
// Every function returns INVALID_ARGUMENT with a sentence that says what is
// wrong and what is expected. Messages never repeat the identifier itself,
// so they can go into logs and reports safely.
//
// Thread-safety: pure functions.
#ifndef RIEC_SDK_NORMALISE_H_
#define RIEC_SDK_NORMALISE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "riec/v1/common.pb.h"

namespace riec::sdk {

// BSN: 8 or 9 digits, spaces and dots allowed; left-padded to 9; elfproef.
absl::StatusOr<std::string> NormaliseBsn(absl::string_view value);

// Surname, initials or given names, date of birth ("YYYY-MM-DD" or
// "DD-MM-YYYY", '-', '/' or '.' between). Canonical
// "<surname>|<initials>|<YYYY-MM-DD>": letters folded to lower-case ASCII
// (é -> e, ß -> ss, ĳ -> ij), hyphens as spaces, other punctuation dropped,
// whitespace collapsed; given names reduced to their initials. `today`
// bounds the date of birth.
absl::StatusOr<std::string> NormaliseNameDob(absl::string_view surname,
                                             absl::string_view given_names,
                                             absl::string_view date_of_birth,
                                             absl::Time today);

// KvK-nummer (8 digits) or vestigingsnummer (12 digits); spaces and dots
// allowed.
absl::StatusOr<std::string> NormaliseKvk(absl::string_view value);

// BAG nummeraanduiding-id: 16 digits whose 5th and 6th are "20".
absl::StatusOr<std::string> NormaliseBagId(absl::string_view value);

// Postcode, huisnummer, huisletter, toevoeging. Canonical
// "1234AB|12|A|2HG" (empty letter or toevoeging left empty).
absl::StatusOr<std::string> NormaliseAddress(absl::string_view postcode,
                                             absl::string_view huisnummer,
                                             absl::string_view huisletter,
                                             absl::string_view toevoeging);

// Dutch kenteken in any notation; upper-case letters and digits only, in one
// of the sidecode layouts 1 to 14.
absl::StatusOr<std::string> NormaliseKenteken(absl::string_view value);

// IBAN: spaces allowed; country length and mod-97 check.
absl::StatusOr<std::string> NormaliseIban(absl::string_view value);

// The single-string notation used on the command line and in `value`
// columns:
//   person-bsn        "111222333"
//   person-name-dob   "Surname|Given names or initials|Date of birth"
//   organisation-kvk  "12345678" or "000012345678"
//   address           "1234 AB|12|a|2hg", "1234AB 12A-2hg", or a BAG id
//   vehicle           "12-ABC-3"
//   bank-account      "NL91 ABNA 0417 1643 00"
// ('|' or ',' separate fields of the composite kinds.)
absl::StatusOr<std::string> Normalise(v1::SubjectKind kind, absl::string_view value,
                                      absl::Time today);

// The OPRF input for a canonical value: kind tag, one zero byte, canonical.
std::string PseudonymInput(v1::SubjectKind kind, absl::string_view canonical);

}  // namespace riec::sdk

#endif  // RIEC_SDK_NORMALISE_H_
