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
#include <vector>

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

// A person's name written in one field, as partner exports often do,
// split into surname (with its tussenvoegsels) and given names or initials:
//   "Vries, J.P. de"  "Vries, Jan Pieter de"  -> "de Vries", "J.P." / "Jan Pieter"
//   "J.P. de Vries"   "Jan Pieter de Vries"   -> "de Vries", ...
//   "Jan Jansen"      "J. Jansen"             -> "Jansen", "Jan" / "J."
// Without a comma, the given names are the words before the first
// tussenvoegsel, else up to the last word with a dot, else all but the last
// word; so "Jan Pieter Berg Jansen" reads as given names "Jan Pieter Berg":
// write such names as "Berg Jansen, Jan Pieter". INVALID_ARGUMENT ("name:
// ...") if it has no surname or no given name.
struct SplitName {
  std::string surname, given;
};
absl::StatusOr<SplitName> SplitCombinedName(absl::string_view name);

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

// ---- Match keys of persons (docs/pseudonyms.md §6) ----

// One projection of a person's canonical form; its pseudonym is a match key.
struct MatchProjection {
  v1::MatchKeyKind kind = v1::MATCH_KEY_KIND_UNSPECIFIED;
  std::string value;
  bool operator==(const MatchProjection&) const = default;
};

// The projections of a canonical person-name-dob value (what
// NormaliseNameDob returns), each once, in kind order:
//   core-initial-dob         "<core>|<initial>|<YYYY-MM-DD>", for the whole
//                            core and, if it has 2 to 4 words, each word
//   phonetic-initial-dob     "<phonetic>|<initial>|<YYYY-MM-DD>", likewise
//   core-initial-year        "<core>|<initial>|<YYYY>"
//   core-initial-dob-digits  "<core>|<initial>|<the 8 digits, sorted>"
// INVALID_ARGUMENT if `canonical` is not a canonical person-name-dob value.
absl::StatusOr<std::vector<MatchProjection>> PersonMatchProjections(absl::string_view canonical);

// The words of a folded surname without its tussenvoegsels ("van den berg
// jansen" -> {"berg", "jansen"}); all words if every word is one.
std::vector<std::string> SurnameCoreWords(absl::string_view folded_surname);

// A Dutch phonetic key of one folded word: ij/ei/ey as y, ch as g, ph as f,
// c/q as k, z as s, w as v, x as ks, th/dt and a final d as t; then the first
// letter (any vowel as "a") and the consonants after it, h dropped, a
// doubled letter once ("meijer", "meyer" and "maier" -> "mr").
std::string DutchPhonetic(absl::string_view word);

// The OPRF input of a match key: the key kind's tag
// ("person-name-dob/core-initial-dob"), one zero byte, the projection.
std::string MatchKeyInput(v1::MatchKeyKind kind, absl::string_view projection);

}  // namespace riec::sdk

#endif  // RIEC_SDK_NORMALISE_H_
