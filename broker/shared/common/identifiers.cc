#include "riec/common/identifiers.h"

#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"

namespace riec {
namespace {

constexpr const char* kLayouts[kKentekenLayoutCount] = {
    "LLDDDD", "DDDDLL", "DDLLDD", "LLDDLL", "LLLLDD", "DDLLLL", "DDLLLD",
    "DLLLDD", "LLDDDL", "LDDDLL", "LLLDDL", "LDDLLL", "DLLDDD", "DDDLLD"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)); }
bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }

// Runs of `text` made of characters for which `part` holds, with single
// separators from `seps` allowed between them; the separators are dropped.
// Each run comes with whether it was bounded by non-alphanumerics.
struct Run {
  std::string compact;
  size_t begin = 0, end = 0;  // in text
};
std::vector<Run> Runs(absl::string_view text, bool (*part)(char), absl::string_view seps) {
  std::vector<Run> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!part(text[i])) {
      ++i;
      continue;
    }
    Run r;
    r.begin = i;
    while (i < text.size()) {
      if (part(text[i])) {
        r.compact.push_back(text[i]);
        ++i;
      } else if (seps.find(text[i]) != absl::string_view::npos && i + 1 < text.size() &&
                 part(text[i + 1])) {
        ++i;
      } else {
        break;
      }
    }
    r.end = i;
    out.push_back(std::move(r));
  }
  return out;
}

bool Bounded(absl::string_view text, const Run& r) {
  return (r.begin == 0 || !IsAlnum(text[r.begin - 1])) &&
         (r.end >= text.size() || !IsAlnum(text[r.end]));
}

bool HasBsn(absl::string_view text) {
  for (const Run& r : Runs(text, IsDigit, " .")) {
    if (!Bounded(text, r)) continue;
    if (r.compact.size() == 9 && PassesElfproef(r.compact)) return true;
    if (r.compact.size() == 8 && PassesElfproef("0" + r.compact)) return true;
  }
  return false;
}

bool HasIban(absl::string_view text) {
  for (const Run& r : Runs(text, IsAlnum, " ")) {
    const std::string upper = absl::AsciiStrToUpper(r.compact);
    // An IBAN may be followed by more words: try every start of a country
    // code and the registry length from there.
    for (size_t at = 0; at + 4 <= upper.size(); ++at) {
      if (!IsAlpha(upper[at]) || !IsAlpha(upper[at + 1]) || !IsDigit(upper[at + 2]) ||
          !IsDigit(upper[at + 3])) {
        continue;
      }
      auto len = IbanLengths().find(upper.substr(at, 2));
      if (len == IbanLengths().end() || at + len->second > upper.size()) continue;
      if (PassesIbanCheck(upper.substr(at, len->second))) return true;
    }
  }
  return false;
}

bool HasKenteken(absl::string_view text) {
  for (const Run& r : Runs(text, IsAlnum, "-")) {
    if (r.compact.size() != 6 || !Bounded(text, r)) continue;
    const bool dashed = r.end - r.begin > 6;
    bool upper = true;
    for (char c : r.compact) upper = upper && !absl::ascii_islower(static_cast<unsigned char>(c));
    // Written as plates are written: with dashes, or in capitals.
    if (!dashed && !upper) continue;
    if (IsKentekenLayout(absl::AsciiStrToUpper(r.compact))) return true;
  }
  return false;
}

bool HasPostcodeWithNumber(absl::string_view text) {
  // "1234 AB 12", "1234AB 12a", and "12, 1234 AB" (number before it).
  for (size_t i = 0; i + 6 <= text.size(); ++i) {
    if (i > 0 && IsAlnum(text[i - 1])) continue;
    size_t j = i;
    std::string pc;
    while (j < text.size() && pc.size() < 4 && IsDigit(text[j])) pc.push_back(text[j++]);
    if (pc.size() != 4) continue;
    if (j < text.size() && text[j] == ' ') ++j;
    while (j < text.size() && pc.size() < 6 && IsAlpha(text[j])) pc.push_back(text[j++]);
    if (pc.size() != 6 || (j < text.size() && IsAlnum(text[j]))) continue;
    if (!IsPostcode(absl::AsciiStrToUpper(pc))) continue;
    // A number after it...
    size_t k = j;
    while (k < text.size() && (text[k] == ' ' || text[k] == ',')) ++k;
    if (k > j && k < text.size() && IsDigit(text[k])) return true;
    // ...or before it.
    size_t b = i;
    while (b > 0 && (text[b - 1] == ' ' || text[b - 1] == ',')) --b;
    if (b < i && b > 0 && (IsDigit(text[b - 1]) || (IsAlpha(text[b - 1]) && b > 1 &&
                                                    IsDigit(text[b - 2])))) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool PassesElfproef(absl::string_view d) {
  if (d.size() != 9) return false;
  int sum = 0;
  bool nonzero = false;
  for (int i = 0; i < 9; ++i) {
    if (!IsDigit(d[i])) return false;
    nonzero |= d[i] != '0';
    sum += (i < 8 ? 9 - i : -1) * (d[i] - '0');
  }
  return nonzero && sum % 11 == 0;
}

const std::map<std::string, int>& IbanLengths() {
  static const auto* kLengths = new std::map<std::string, int>{
      {"AD", 24}, {"AE", 23}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28},
      {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FO", 18},
      {"FR", 27}, {"GB", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"HR", 21}, {"HU", 28},
      {"IE", 22}, {"IL", 23}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20},
      {"LV", 21}, {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25},
      {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27},
      {"TR", 26}, {"UA", 29}, {"VA", 22}, {"XK", 20}};
  return *kLengths;
}

bool PassesIbanCheck(absl::string_view iban) {
  if (iban.size() < 5) return false;
  auto len = IbanLengths().find(std::string(iban.substr(0, 2)));
  if (len == IbanLengths().end() || static_cast<int>(iban.size()) != len->second) return false;
  // ISO 7064 mod 97-10: the first four characters moved to the end, letters
  // as 10..35; the number must leave 1 modulo 97.
  const std::string rearranged = std::string(iban.substr(4)) + std::string(iban.substr(0, 4));
  int rest = 0;
  for (char c : rearranged) {
    if (!IsDigit(c) && !absl::ascii_isupper(static_cast<unsigned char>(c))) return false;
    const int v = IsDigit(c) ? c - '0' : c - 'A' + 10;
    rest = v >= 10 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest == 1;
}

const char* const* KentekenLayouts() { return kLayouts; }

bool IsKentekenLayout(absl::string_view six) {
  if (six.size() != 6) return false;
  char layout[7] = {};
  for (int i = 0; i < 6; ++i) {
    if (IsDigit(six[i])) {
      layout[i] = 'D';
    } else if (absl::ascii_isupper(static_cast<unsigned char>(six[i]))) {
      layout[i] = 'L';
    } else {
      return false;
    }
  }
  for (const char* l : kLayouts) {
    if (std::strcmp(l, layout) == 0) return true;
  }
  return false;
}

bool IsPostcode(absl::string_view pc) {
  if (pc.size() != 6 || pc[0] == '0') return false;
  for (int i = 0; i < 4; ++i) {
    if (!IsDigit(pc[i])) return false;
  }
  if (!absl::ascii_isupper(static_cast<unsigned char>(pc[4])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(pc[5]))) {
    return false;
  }
  const absl::string_view letters = pc.substr(4);
  return letters != "SA" && letters != "SD" && letters != "SS";
}

std::optional<std::string> FindPersonalIdentifier(absl::string_view text) {
  if (HasBsn(text)) return "a BSN";
  if (HasIban(text)) return "an IBAN";
  if (HasPostcodeWithNumber(text)) return "a postcode with house number";
  if (HasKenteken(text)) return "a kenteken";
  return std::nullopt;
}

bool NextCodePoint(absl::string_view s, size_t* i, uint32_t* cp) {
  const unsigned char c = s[*i];
  const int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || *i + len > s.size()) return false;
  uint32_t v = len == 1 ? c : c & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    const unsigned char cc = s[*i + k];
    if ((cc >> 6) != 2) return false;
    v = (v << 6) | (cc & 0x3f);
  }
  static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
  *i += len;
  *cp = v;
  return true;
}

}  // namespace riec
