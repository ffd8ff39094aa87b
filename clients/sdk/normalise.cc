#include "riec/sdk/normalise.h"

#include <algorithm>
#include <array>
#include <map>
#include <regex>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "riec/common/identifiers.h"
#include "riec/common/match_keys.h"
#include "riec/common/subject_kind.h"

namespace riec::sdk {
namespace {

absl::Status Invalid(absl::string_view what, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

// Removes spaces and, if `dots`, '.' and '-' too.
std::string StripSeparators(absl::string_view v, absl::string_view drop) {
  std::string out;
  for (char c : v) {
    if (drop.find(c) == absl::string_view::npos) out.push_back(c);
  }
  return out;
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Folding of Latin letters to lower-case ASCII (docs/pseudonyms.md).
// Index = code point - 0xC0, for U+00C0 .. U+017F; nullptr = not a letter.
const char* FoldLatin(uint32_t cp) {
  static const char* const kLatin1[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
      "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
      "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
      "d", "n", "o", "o", "o", "o", "o", nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};
  struct Range {
    uint32_t first, last;
    const char* folded;
  };
  static constexpr Range kExtendedA[] = {
      {0x100, 0x105, "a"}, {0x106, 0x10D, "c"}, {0x10E, 0x111, "d"}, {0x112, 0x11B, "e"},
      {0x11C, 0x123, "g"}, {0x124, 0x127, "h"}, {0x128, 0x131, "i"}, {0x132, 0x133, "ij"},
      {0x134, 0x135, "j"}, {0x136, 0x138, "k"}, {0x139, 0x142, "l"}, {0x143, 0x14B, "n"},
      {0x14C, 0x151, "o"}, {0x152, 0x153, "oe"}, {0x154, 0x159, "r"}, {0x15A, 0x161, "s"},
      {0x162, 0x167, "t"}, {0x168, 0x173, "u"}, {0x174, 0x175, "w"}, {0x176, 0x178, "y"},
      {0x179, 0x17E, "z"}, {0x17F, 0x17F, "s"}};
  if (cp >= 0xC0 && cp < 0x100) return kLatin1[cp - 0xC0];
  for (const auto& r : kExtendedA) {
    if (cp >= r.first && cp <= r.last) return r.folded;
  }
  return nullptr;
}

// Folds a name to lower-case ASCII letters and single spaces. Hyphens and
// (for given names) dots separate words; apostrophes and other punctuation
// are dropped; digits and characters outside the Latin letters are errors.
absl::StatusOr<std::string> FoldName(absl::string_view value, absl::string_view field,
                                     bool dots_separate) {
  std::string out;
  size_t i = 0;
  while (i < value.size()) {
    uint32_t cp = 0;
    if (!NextCodePoint(value, &i, &cp)) return Invalid(field, "not valid UTF-8");
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      if (absl::ascii_isalpha(c)) {
        out.push_back(absl::ascii_tolower(c));
      } else if (absl::ascii_isspace(c) || c == '-' || (dots_separate && c == '.')) {
        out.push_back(' ');
      } else if (absl::ascii_isdigit(c)) {
        return Invalid(field, "digits are not allowed in a name");
      } else if (!absl::ascii_ispunct(c)) {
        return Invalid(field, "control characters are not allowed");
      }  // other punctuation: dropped
    } else if (cp >= 0x300 && cp <= 0x36F) {
      // combining accent (decomposed input): dropped, the base letter stays
    } else if (cp == 0x2018 || cp == 0x2019 || cp == 0xB4 || cp == 0x60) {
      // typographic apostrophes: dropped like '
    } else if (cp == 0xA0 || cp == 0x2010 || cp == 0x2011 || cp == 0x2013) {
      out.push_back(' ');  // no-break space, typographic hyphens
    } else if (const char* f = FoldLatin(cp)) {
      out.append(f);
    } else {
      return Invalid(field, absl::StrCat("character U+", absl::Hex(cp, absl::kZeroPad4),
                                         " is not a Latin letter"));
    }
  }
  // Collapse whitespace.
  std::vector<absl::string_view> words = absl::StrSplit(out, ' ', absl::SkipEmpty());
  std::string collapsed = absl::StrJoin(words, " ");
  if (collapsed.empty()) return Invalid(field, "no letters");
  return collapsed;
}

bool HasVowel(absl::string_view w) {
  return w.find_first_of("aeiouy") != absl::string_view::npos;
}

absl::StatusOr<std::string> Initials(absl::string_view given) {
  // A run of 2-3 capitals without vowels ("JP") is initials written without
  // dots: reading it as one name would give the wrong initial, silently.
  for (absl::string_view word : absl::StrSplit(given, absl::ByAnyChar(" .-"), absl::SkipEmpty())) {
    bool caps = word.size() >= 2 && word.size() <= 3;
    for (char c : word) caps = caps && absl::ascii_isupper(static_cast<unsigned char>(c));
    if (caps && !HasVowel(absl::AsciiStrToLower(word))) {
      return Invalid("given names",
                     "a group of capitals without vowels looks like initials without dots; "
                     "write initials with dots (J.P.) or the names in full");
    }
  }
  auto folded = FoldName(given, "given names", /*dots_separate=*/true);
  if (!folded.ok()) return folded.status();
  // Each initial with its dot, so that the canonical form reads back as the
  // same initials ("jp" would read back as one name, "j").
  std::string initials;
  for (absl::string_view word : absl::StrSplit(*folded, ' ', absl::SkipEmpty())) {
    initials.push_back(word[0]);
    initials.push_back('.');
  }
  return initials;
}

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view value, absl::Time today) {
  static const std::regex kIso(R"(^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$)");
  static const std::regex kDutch(R"(^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$)");
  std::cmatch m;
  const std::string v(value);
  int y = 0, mo = 0, d = 0;
  if (std::regex_match(v.c_str(), m, kIso)) {
    y = std::stoi(m[1]);
    mo = std::stoi(m[2]);
    d = std::stoi(m[3]);
  } else if (std::regex_match(v.c_str(), m, kDutch)) {
    d = std::stoi(m[1]);
    mo = std::stoi(m[2]);
    y = std::stoi(m[3]);
  } else {
    return Invalid("date of birth", "want YYYY-MM-DD or DD-MM-YYYY");
  }
  const absl::CivilDay day(y, mo, d);
  if (day.year() != y || day.month() != mo || day.day() != d) {
    return Invalid("date of birth", "not a calendar date");
  }
  if (y < 1900) return Invalid("date of birth", "before 1900");
  if (day > absl::ToCivilDay(today, absl::UTCTimeZone())) {
    return Invalid("date of birth", "in the future");
  }
  return day;
}

// Voorvoegsels as the BRP knows them (Dutch, and the common foreign ones),
// folded: 't and d' lose their apostrophe.
bool IsTussenvoegsel(absl::string_view folded_word) {
  static const absl::flat_hash_set<absl::string_view> kTussenvoegsels = {
      "van", "de", "den", "der", "het", "t", "ter", "ten", "te", "in", "op", "aan", "onder",
      "over", "bij", "uit", "voor", "vd", "von", "zu", "vom", "zum", "la", "le", "les", "du",
      "da", "di", "des", "del", "della", "dos", "das", "do", "d", "l", "el", "al", "ben", "bin",
      "mac", "mc", "o", "st", "y"};
  return kTussenvoegsels.contains(folded_word);
}

}  // namespace

absl::StatusOr<std::string> NormaliseBsn(absl::string_view value) {
  std::string digits = StripSeparators(value, " .");
  if (!AllDigits(digits)) return Invalid("BSN", "only digits, spaces and dots are allowed");
  if (digits.size() != 8 && digits.size() != 9) {
    return Invalid("BSN", absl::StrCat(digits.size(), " digits, want 8 or 9"));
  }
  if (digits.size() == 8) digits.insert(digits.begin(), '0');
  if (!PassesElfproef(digits)) {
    return Invalid("BSN", "fails the elfproef (11-test)");
  }
  return digits;
}

absl::StatusOr<std::string> NormaliseNameDob(absl::string_view surname,
                                             absl::string_view given_names,
                                             absl::string_view date_of_birth,
                                             absl::Time today) {
  auto s = FoldName(surname, "surname", /*dots_separate=*/false);
  if (!s.ok()) return s.status();
  auto g = Initials(given_names);
  if (!g.ok()) return g.status();
  auto d = ParseDate(date_of_birth, today);
  if (!d.ok()) return d.status();
  return absl::StrCat(*s, "|", *g, "|", absl::FormatCivilTime(*d));
}

absl::StatusOr<SplitName> SplitCombinedName(absl::string_view name) {
  auto tussenvoegsel = [](absl::string_view w) {
    return IsTussenvoegsel(absl::StrReplaceAll(absl::AsciiStrToLower(w), {{"'", ""}, {"\u2019", ""}}));
  };
  SplitName out;
  const size_t comma = name.find(',');
  if (comma != absl::string_view::npos) {
    // "Surname, Given [tussenvoegsels]"
    const absl::string_view surname = absl::StripAsciiWhitespace(name.substr(0, comma));
    std::vector<absl::string_view> rest = absl::StrSplit(name.substr(comma + 1), ' ', absl::SkipEmpty());
    size_t given_end = rest.size();
    while (given_end > 0 && tussenvoegsel(rest[given_end - 1])) --given_end;
    std::vector<absl::string_view> tv(rest.begin() + given_end, rest.end());
    out.given = absl::StrJoin(rest.begin(), rest.begin() + given_end, " ");
    out.surname = tv.empty() ? std::string(surname) : absl::StrCat(absl::StrJoin(tv, " "), " ", surname);
  } else {
    std::vector<absl::string_view> words = absl::StrSplit(name, ' ', absl::SkipEmpty());
    size_t split = 0;
    for (size_t i = 1; i < words.size() && split == 0; ++i) {
      if (tussenvoegsel(words[i]) && i + 1 < words.size()) split = i;
    }
    if (split == 0) {
      for (size_t i = 0; i + 1 < words.size(); ++i) {
        if (absl::EndsWith(words[i], ".")) split = i + 1;
      }
    }
    if (split == 0 && words.size() > 1) split = words.size() - 1;
    // "de Vries", "van den Berg": a surname alone, not given name "de".
    if (std::all_of(words.begin(), words.begin() + split, tussenvoegsel)) split = 0;
    out.given = absl::StrJoin(words.begin(), words.begin() + split, " ");
    out.surname = absl::StrJoin(words.begin() + split, words.end(), " ");
  }
  if (out.surname.empty()) return Invalid("name", "no surname; write 'Surname, Initials' or 'Initials Surname'");
  if (out.given.empty()) {
    return Invalid("name", "no given names or initials; write 'Surname, Initials' or 'Initials Surname'");
  }
  return out;
}

absl::StatusOr<std::string> NormaliseKvk(absl::string_view value) {
  std::string digits = StripSeparators(value, " .");
  if (!AllDigits(digits)) return Invalid("KvK-nummer", "only digits, spaces and dots are allowed");
  if (digits.size() != 8 && digits.size() != 12) {
    return Invalid("KvK-nummer", absl::StrCat(digits.size(),
                                              " digits, want 8 (KvK-nummer) or 12 (vestigingsnummer)"));
  }
  return digits;
}

absl::StatusOr<std::string> NormaliseBagId(absl::string_view value) {
  std::string digits = StripSeparators(value, " .");
  if (!AllDigits(digits) || digits.size() != 16) {
    return Invalid("BAG nummeraanduiding-id", "want 16 digits");
  }
  if (digits.substr(4, 2) != "20") {
    return Invalid("BAG nummeraanduiding-id",
                   "digits 5 and 6 must be 20 (the object type of a nummeraanduiding)");
  }
  return digits;
}

absl::StatusOr<std::string> NormaliseAddress(absl::string_view postcode,
                                             absl::string_view huisnummer,
                                             absl::string_view huisletter,
                                             absl::string_view toevoeging) {
  std::string pc = absl::AsciiStrToUpper(StripSeparators(postcode, " "));
  if (pc.size() != 6 || !AllDigits(pc.substr(0, 4)) || pc[0] == '0' ||
      !absl::ascii_isalpha(static_cast<unsigned char>(pc[4])) ||
      !absl::ascii_isalpha(static_cast<unsigned char>(pc[5]))) {
    return Invalid("postcode", "want 4 digits (not starting with 0) and 2 letters, e.g. 1234 AB");
  }
  if (!IsPostcode(pc)) {
    return Invalid("postcode", "the letter combinations SA, SD and SS are not used");
  }
  std::string nr(absl::StripAsciiWhitespace(huisnummer));
  if (!AllDigits(nr)) return Invalid("huisnummer", "want a whole number");
  nr.erase(0, std::min(nr.find_first_not_of('0'), nr.size()));
  if (nr.empty() || nr.size() > 5) return Invalid("huisnummer", "want 1 to 99999");
  std::string letter = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(huisletter));
  if (letter.size() > 1 ||
      (letter.size() == 1 && !absl::ascii_isalpha(static_cast<unsigned char>(letter[0])))) {
    return Invalid("huisletter", "want one letter");
  }
  std::string extra = absl::AsciiStrToUpper(StripSeparators(toevoeging, " -"));
  if (extra.size() > 4) return Invalid("huisnummertoevoeging", "at most 4 characters");
  for (char c : extra) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return Invalid("huisnummertoevoeging", "only letters and digits");
    }
  }
  return absl::StrCat(pc, "|", nr, "|", letter, "|", extra);
}

absl::StatusOr<std::string> NormaliseKenteken(absl::string_view value) {
  std::string k = absl::AsciiStrToUpper(StripSeparators(value, " -"));
  if (k.size() != 6) {
    return Invalid("kenteken", absl::StrCat(k.size(), " letters and digits, want 6"));
  }
  for (char c : k) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return Invalid("kenteken", "only letters, digits, spaces and '-' are allowed");
    }
  }
  if (IsKentekenLayout(k)) return k;
  return Invalid("kenteken", "not a Dutch layout (sidecodes 1-14, e.g. 12-ABC-3 or AB-123-C)");
}

absl::StatusOr<std::string> NormaliseIban(absl::string_view value) {
  std::string iban = absl::AsciiStrToUpper(StripSeparators(value, " "));
  if (iban.size() < 4 || !absl::ascii_isalpha(static_cast<unsigned char>(iban[0])) ||
      !absl::ascii_isalpha(static_cast<unsigned char>(iban[1])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(iban[2])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(iban[3]))) {
    return Invalid("IBAN", "want a country code, two check digits and the account (e.g. NL91 ABNA 0417 1643 00)");
  }
  for (char c : iban) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      return Invalid("IBAN", "only letters, digits and spaces are allowed");
    }
  }
  auto len = IbanLengths().find(iban.substr(0, 2));
  if (len == IbanLengths().end()) {
    return Invalid("IBAN", absl::StrCat("country ", iban.substr(0, 2), " is not an IBAN country known here"));
  }
  if (static_cast<int>(iban.size()) != len->second) {
    return Invalid("IBAN", absl::StrCat(iban.size(), " characters, an IBAN of ", len->first,
                                        " has ", len->second));
  }
  if (len->first == "NL" && (!AllDigits(iban.substr(8)) || !absl::ascii_isalpha(static_cast<unsigned char>(iban[4])))) {
    return Invalid("IBAN", "a Dutch IBAN has a 4-letter bank code and 10 digits");
  }
  if (!PassesIbanCheck(iban)) return Invalid("IBAN", "fails the mod-97 check (a typing error?)");
  return iban;
}

absl::StatusOr<std::string> Normalise(v1::SubjectKind kind, absl::string_view value,
                                      absl::Time today) {
  auto fields = [&](size_t min, size_t max) -> absl::StatusOr<std::vector<std::string>> {
    const char sep = value.find('|') != absl::string_view::npos ? '|' : ',';
    std::vector<std::string> parts;
    for (absl::string_view p : absl::StrSplit(value, sep)) {
      parts.emplace_back(absl::StripAsciiWhitespace(p));
    }
    if (parts.size() < min || parts.size() > max) {
      return Invalid(KindTag(kind), absl::StrCat(parts.size(), " fields, want ", min,
                                                 min == max ? "" : absl::StrCat(" to ", max),
                                                 " separated by '|' or ','"));
    }
    parts.resize(max);
    return parts;
  };
  switch (kind) {
    case v1::PERSON_BSN:
      return NormaliseBsn(value);
    case v1::PERSON_NAME_DOB: {
      auto f = fields(3, 3);
      if (!f.ok()) return f.status();
      return NormaliseNameDob((*f)[0], (*f)[1], (*f)[2], today);
    }
    case v1::ORGANISATION_KVK:
      return NormaliseKvk(value);
    case v1::ADDRESS: {
      const std::string compact = StripSeparators(value, " .");
      if (AllDigits(compact) && compact.size() == 16) return NormaliseBagId(compact);
      if (value.find('|') != absl::string_view::npos || value.find(',') != absl::string_view::npos) {
        auto f = fields(2, 4);
        if (!f.ok()) return f.status();
        return NormaliseAddress((*f)[0], (*f)[1], (*f)[2], (*f)[3]);
      }
      // Free form: "1234 AB 12", "1234AB 12A", "1234AB 12-2hg", "1234AB 12A 2".
      // A letter right after the number is the huisletter; what follows a
      // space or '-' is the toevoeging.
      static const std::regex kFree(
          R"(^\s*(\d{4}\s*[A-Za-z]{2})\s+(\d{1,5})([A-Za-z])?(?:[\s-]+([A-Za-z0-9]{1,4}))?\s*$)");
      std::cmatch m;
      const std::string v(value);
      if (!std::regex_match(v.c_str(), m, kFree)) {
        return Invalid("address",
                       "want a 16-digit BAG id, 'postcode|huisnummer|huisletter|toevoeging', "
                       "or '1234 AB 12A-2'");
      }
      return NormaliseAddress(m[1].str(), m[2].str(), m[3].str(), m[4].str());
    }
    case v1::VEHICLE:
      return NormaliseKenteken(value);
    case v1::BANK_ACCOUNT:
      return NormaliseIban(value);
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown subject kind (kinds: ", AllKindTags(), ")"));
  }
}

namespace {

// The OPRF input of a value under a tag: tag | \0 | value (docs/pseudonyms.md).
std::string TaggedInput(absl::string_view tag, absl::string_view value) {
  return absl::StrCat(tag, absl::string_view("\0", 1), value);
}

}  // namespace

std::string PseudonymInput(v1::SubjectKind kind, absl::string_view canonical) {
  return TaggedInput(KindTag(kind), canonical);
}

std::vector<std::string> SurnameCoreWords(absl::string_view folded_surname) {
  std::vector<std::string> all, core;
  for (absl::string_view w : absl::StrSplit(folded_surname, ' ', absl::SkipEmpty())) {
    all.emplace_back(w);
    if (!IsTussenvoegsel(w)) core.emplace_back(w);
  }
  return core.empty() ? all : core;
}

std::string DutchPhonetic(absl::string_view word) {
  // Letter groups first, longest first, left to right.
  static constexpr std::pair<absl::string_view, absl::string_view> kGroups[] = {
      {"sch", "s"}, {"eij", "y"}, {"ij", "y"}, {"ei", "y"}, {"ey", "y"}, {"ch", "g"}, {"ph", "f"},
      {"ck", "k"}, {"th", "t"}, {"dt", "t"}, {"qu", "kv"}, {"c", "k"}, {"q", "k"},
      {"z", "s"}, {"w", "v"}, {"x", "ks"}};
  std::string s;
  for (size_t i = 0; i < word.size();) {
    bool replaced = false;
    for (const auto& [from, to] : kGroups) {
      if (word.substr(i, from.size()) == from) {
        s.append(to.data(), to.size());
        i += from.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) s.push_back(word[i++]);
  }
  if (s.size() > 1 && s.back() == 'd') s.back() = 't';
  auto vowel = [](char c) { return absl::string_view("aeiouy").find(c) != absl::string_view::npos; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 0) {
      out.push_back(vowel(c) ? 'a' : c);
    } else if (!vowel(c) && c != 'h' && c != s[i - 1]) {
      out.push_back(c);
    }
  }
  return out;
}

std::string MatchKeyInput(v1::MatchKeyKind kind, absl::string_view projection) {
  return TaggedInput(MatchKeyTag(kind), projection);
}

absl::StatusOr<std::vector<MatchProjection>> PersonMatchProjections(absl::string_view canonical) {
  std::vector<absl::string_view> f = absl::StrSplit(canonical, '|');
  static const std::regex kDob(R"(^\d{4}-\d{2}-\d{2}$)");
  if (f.size() != 3 || f[0].empty() || f[1].size() < 2 || f[1][1] != '.' ||
      !std::regex_match(std::string(f[2]), kDob)) {
    return Invalid("person-name-dob", "not a canonical value (surname|initials|YYYY-MM-DD)");
  }
  const std::vector<std::string> words = SurnameCoreWords(f[0]);
  const std::string core = absl::StrJoin(words, "");
  const std::string initial(1, f[1][0]);
  const absl::string_view dob = f[2];
  std::string digits = StripSeparators(dob, "-");
  std::sort(digits.begin(), digits.end());

  std::vector<std::string> surnames = {core};
  // Each word of a core of 2 to 4 words (married and hyphenated names);
  // at most 2 * 5 + 2 keys.
  if (words.size() > 1 && words.size() <= 4) surnames.insert(surnames.end(), words.begin(), words.end());
  std::vector<MatchProjection> out;
  auto add = [&](v1::MatchKeyKind kind, absl::string_view name, absl::string_view date) {
    MatchProjection p{kind, absl::StrCat(name, "|", initial, "|", date)};
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  };
  for (const auto& s : surnames) add(v1::MATCH_KEY_CORE_INITIAL_DOB, s, dob);
  for (const auto& s : surnames) add(v1::MATCH_KEY_PHONETIC_INITIAL_DOB, DutchPhonetic(s), dob);
  add(v1::MATCH_KEY_CORE_INITIAL_YEAR, core, dob.substr(0, 4));
  add(v1::MATCH_KEY_CORE_INITIAL_DOB_DIGITS, core, digits);
  return out;
}

}  // namespace riec::sdk
