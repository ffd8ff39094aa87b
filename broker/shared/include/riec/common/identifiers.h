// The checks that make an identifier an identifier — the BSN elfproef, the
// IBAN registry and mod-97, the Dutch kenteken layouts, the postcode — and
// the detector that finds such identifiers in free text. Shared by the SDK
// (which normalises identifiers and refuses free text that carries one
// before it leaves the partner) and the broker (which refuses the same
// again: identifiers belong in subjects, as pseudonyms).
//
// docs/pseudonyms.md lists the IBAN countries and lengths and the kenteken
// layouts; docs/api.md ("Free text") says what the detector finds.
//
// Thread-safety: pure functions over constant tables.
#ifndef RIEC_BROKER_COMMON_IDENTIFIERS_H_
#define RIEC_BROKER_COMMON_IDENTIFIERS_H_

#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace riec {

// 9 digits passing the BSN elfproef (11-test), not all zero.
bool PassesElfproef(absl::string_view nine_digits);

// Upper-case letters and digits, no spaces: a known country, its length,
// and ISO 7064 mod 97-10 leaving 1.
bool PassesIbanCheck(absl::string_view compact_iban);
// The IBAN countries the SDK accepts and the length of each one's IBAN
// (ISO 13616 registry, SEPA countries and a few others).
const std::map<std::string, int>& IbanLengths();

// 6 upper-case letters and digits in one of the layouts of sidecodes 1-14.
bool IsKentekenLayout(absl::string_view six);
// The layouts, L a letter and D a digit, sidecode 1 first.
const char* const* KentekenLayouts();  // 14 entries
inline constexpr int kKentekenLayoutCount = 14;

// 4 digits not starting with 0 and 2 letters other than SA, SD and SS.
bool IsPostcode(absl::string_view compact_upper);

// The first personal identifier in free text: "a BSN", "an IBAN", "a
// kenteken" or "a postcode with house number"; nullopt if none. Never
// returns the identifier itself.
std::optional<std::string> FindPersonalIdentifier(absl::string_view text);

// Decodes one UTF-8 code point at `*i` and advances `*i`; false on
// malformed input (overlong forms, surrogates and values past U+10FFFF
// included).
bool NextCodePoint(absl::string_view s, size_t* i, uint32_t* cp);

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_IDENTIFIERS_H_
