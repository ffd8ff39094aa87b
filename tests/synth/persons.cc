#include "synth/persons.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "riec/common/match_keys.h"
#include "riec/sdk/normalise.h"
#include "synth/synth.h"

namespace riec::synth {
namespace {

// Surnames with a weight close to their frequency in the Netherlands (per
// 10 000 persons, rounded), and names of the larger migrant groups.
const std::vector<std::pair<const char*, int>> kSurnames = {
    {"de Jong", 86}, {"Jansen", 73}, {"de Vries", 72}, {"van den Berg", 61}, {"van Dijk", 58},
    {"Bakker", 57}, {"Janssen", 56}, {"Visser", 50}, {"Smit", 47}, {"Meijer", 44},
    {"de Boer", 43}, {"Mulder", 40}, {"de Groot", 40}, {"Bos", 39}, {"Vos", 34},
    {"Peters", 33}, {"Hendriks", 33}, {"van Leeuwen", 32}, {"Dekker", 31}, {"Brouwer", 30},
    {"de Wit", 29}, {"Dijkstra", 29}, {"Smits", 28}, {"de Graaf", 28}, {"van der Meer", 27},
    {"van der Linden", 25}, {"Kok", 25}, {"Jacobs", 24}, {"de Haan", 24}, {"Vermeulen", 24},
    {"van den Heuvel", 23}, {"van der Veen", 23}, {"van den Broek", 22}, {"de Bruijn", 22},
    {"de Bruin", 21}, {"van der Heijden", 21}, {"Schouten", 21}, {"van Beek", 20},
    {"Willems", 20}, {"van Vliet", 20}, {"van de Ven", 19}, {"Hoekstra", 19}, {"Maas", 19},
    {"Verhoeven", 19}, {"Koster", 18}, {"van Dam", 18}, {"van der Wal", 18}, {"Prins", 18},
    {"Blom", 17}, {"Huisman", 17}, {"Peeters", 17}, {"de Jonge", 17}, {"Kuipers", 16},
    {"van Veen", 16}, {"Post", 16}, {"Kuiper", 16}, {"Veenstra", 16}, {"Kramer", 15},
    {"van den Brink", 15}, {"Scholten", 15}, {"van Wijk", 15}, {"Postma", 15}, {"Martens", 14},
    {"Vink", 14}, {"de Ruiter", 14}, {"Timmermans", 14}, {"Groen", 14}, {"Gerritsen", 13},
    {"Jonker", 13}, {"van Loon", 13}, {"Boer", 13}, {"van der Velde", 13}, {"Willemsen", 12},
    {"Smeets", 12}, {"de Lange", 12}, {"de Vos", 12}, {"Bosch", 12}, {"van Dongen", 12},
    {"Schipper", 12}, {"de Koning", 12}, {"van der Laan", 12}, {"Koning", 12},
    {"van der Veer", 11}, {"Driessen", 11}, {"van Doorn", 11}, {"Hermans", 11}, {"Evers", 11},
    {"van den Bosch", 11}, {"van der Meulen", 11}, {"Hofman", 11}, {"Bosman", 11},
    {"Wolters", 11}, {"Sanders", 11}, {"van der Horst", 10}, {"Mol", 10}, {"Kuijpers", 10},
    {"Molenaar", 10}, {"van de Pol", 10}, {"de Leeuw", 10}, {"Verbeek", 10}, {"'t Hart", 4},
    {"van 't Hof", 3}, {"IJzerman", 2}, {"van IJzendoorn", 1}, {"Yılmaz", 12}, {"Kaya", 8},
    {"Demir", 8}, {"Şahin", 7}, {"Çelik", 7}, {"Yıldız", 6}, {"Öztürk", 6}, {"Aydın", 6},
    {"Özdemir", 6}, {"Arslan", 5}, {"Doğan", 5}, {"Kılıç", 5}, {"Aslan", 4}, {"Çetin", 4},
    {"Koç", 4}, {"Kurt", 4}, {"Özkan", 4}, {"Şimşek", 3}, {"Güler", 3}, {"Ünal", 3},
    {"El Amrani", 4}, {"Bouzid", 3}, {"El Idrissi", 4}, {"Benali", 3}, {"Boukhari", 3},
    {"El Haddaoui", 2}, {"Ouali", 2}, {"Mohammadi", 2}, {"Nowak", 6}, {"Kowalski", 5},
    {"Wiśniewski", 4}, {"Wójcik", 4}, {"Kowalczyk", 3}, {"Kamiński", 3}, {"Lewandowski", 3},
    {"Zieliński", 3}, {"Woźniak", 3}, {"Dąbrowski", 3}, {"Popescu", 4}, {"Ionescu", 3},
    {"Popa", 3}, {"Dumitru", 3}, {"Petrov", 3}, {"Ivanov", 3}, {"Georgiev", 2},
    {"Horváth", 3}, {"Nagy", 3}, {"Kovács", 3}, {"Tóth", 2}, {"Szabó", 2}, {"Ramdin", 2},
    {"Sewnath", 1}};

const std::vector<const char*> kGivenNames = {
    "Jan", "Pieter", "Johannes", "Cornelis", "Hendrik", "Willem", "Gerrit", "Daan", "Sem",
    "Lucas", "Levi", "Thomas", "Bram", "Ruben", "Mehmet", "Mustafa", "Ahmet", "Mohamed",
    "Youssef", "Tomasz", "Piotr", "Andrei", "Bogdan", "Maria", "Anna", "Johanna", "Elisabeth",
    "Cornelia", "Emma", "Julia", "Sanne", "Lotte", "Sophie", "Fleur", "Ayşe", "Fatma", "Zeynep",
    "Fatima", "Khadija", "Agnieszka", "Katarzyna", "Ioana", "Élodie", "Zsófia", "IJsbrand",
    "Karim", "Noor", "Eva", "Sara", "Femke"};

const std::vector<std::string> kTussenvoegsels = {"van", "de", "den", "der", "het", "'t", "ter", "ten", "te"};

// The variants, each with the share of records drawn for it; a variant that
// does not apply to a person (no tussenvoegsel, no diacritic, ...) leaves the
// record as registered.
const std::vector<VariantRate> kVariants = {
    {"initials for given names", 0.20},
    {"first given name only", 0.06},
    {"date in another notation", 0.08},
    {"capitals and spaces", 0.03},
    {"tussenvoegsel after the name", 0.06},
    {"tussenvoegsel left out", 0.03},
    {"diacritics left out", 0.05},
    {"transliterated", 0.03},
    {"IJ written as Y", 0.04},
    {"married name", 0.04},
    {"spelling variant", 0.06},
    {"two digits of the date swapped", 0.04},
    {"typing error in the surname", 0.015},
    {"called by a second given name", 0.01},
};

struct Person {
  std::string surname, spouse, given, dob;
  absl::CivilDay day;
};

std::string Replace(const std::string& s, const std::vector<std::pair<std::string, std::string>>& table) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    for (const auto& [from, to] : table) {
      if (s.compare(i, from.size(), from) == 0) {
        out += to;
        i += from.size();
        done = true;
        break;
      }
    }
    if (!done) out.push_back(s[i++]);
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>> kDropDiacritics = {
    {"ı", "i"}, {"İ", "I"}, {"ö", "o"}, {"Ö", "O"}, {"ü", "u"}, {"Ü", "U"}, {"ş", "s"},
    {"Ş", "S"}, {"ç", "c"}, {"Ç", "C"}, {"ğ", "g"}, {"ś", "s"}, {"ń", "n"}, {"ł", "l"},
    {"ó", "o"}, {"ą", "a"}, {"ę", "e"}, {"ź", "z"}, {"ż", "z"}, {"á", "a"}, {"é", "e"}};
const std::vector<std::pair<std::string, std::string>> kTransliterate = {
    {"ö", "oe"}, {"Ö", "Oe"}, {"ü", "ue"}, {"Ü", "Ue"}, {"ş", "sch"}, {"Ş", "Sch"},
    {"ı", "i"}, {"ç", "c"}, {"Ç", "C"}, {"ğ", "g"}, {"ś", "s"}, {"ń", "n"}, {"ł", "l"},
    {"ó", "o"}, {"ą", "a"}, {"ę", "e"}, {"ź", "z"}, {"ż", "z"}, {"á", "a"}, {"é", "e"}};

// Leading tussenvoegsels and the rest: "van den Berg" -> {"van den", "Berg"}.
std::pair<std::string, std::string> SplitTussenvoegsels(const std::string& surname) {
  std::vector<std::string> words = absl::StrSplit(surname, ' ');
  size_t n = 0;
  while (n + 1 < words.size() &&
         std::find(kTussenvoegsels.begin(), kTussenvoegsels.end(), words[n]) != kTussenvoegsels.end()) {
    ++n;
  }
  return {absl::StrJoin(words.begin(), words.begin() + n, " "),
          absl::StrJoin(words.begin() + n, words.end(), " ")};
}

// One spelling variant of a surname, as another registration writes it:
// a doubled consonant single, ij/ei, c/k, s/z, ph/f, x/ks, and a final d as
// dt. Letters inside "ch" and "sch" stay: nobody writes Bosch as Boskh.
std::string SpellingVariant(Rng& rng, const std::string& s) {
  static const std::vector<std::pair<std::string, std::string>> kRules = {
      {"kk", "k"}, {"ss", "s"}, {"tt", "t"}, {"ll", "l"}, {"nn", "n"}, {"dt", "d"},
      {"ij", "ei"}, {"ei", "ij"}, {"c", "k"}, {"k", "c"}, {"z", "s"}, {"s", "z"},
      {"d", "dt"}, {"ph", "f"}, {"f", "ph"}, {"ks", "x"}};
  auto fits = [&](const std::string& from, size_t at) {
    const size_t end = at + from.size();
    if (from == "d") return end == s.size();                                  // Smid -> Smidt
    if (from == "c" || from == "s") return s.compare(end, 1, "h") != 0 && s.compare(end, 2, "ch") != 0;
    if (from == "k") return at == 0 || s[at - 1] != 'c';
    return true;
  };
  const size_t start = rng.Below(kRules.size());
  for (size_t i = 0; i < kRules.size(); ++i) {
    const auto& [from, to] = kRules[(start + i) % kRules.size()];
    for (size_t at = s.find(from, 1); at != std::string::npos; at = s.find(from, at + 1)) {  // never the first letter
      if (fits(from, at)) return s.substr(0, at) + to + s.substr(at + from.size());
    }
  }
  return s;
}

std::string Date(absl::CivilDay d, bool dutch) {
  return dutch ? absl::StrFormat("%02d-%02d-%04d", d.day(), d.month(), d.year())
               : absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

PersonRecord Write(Rng& rng, int id, const Person& p) {
  PersonRecord r{id, p.surname, p.given, p.dob, ""};
  double x = static_cast<double>(rng.Below(1'000'000)) / 1'000'000;
  const VariantRate* drawn = nullptr;
  for (const auto& v : kVariants) {
    if (x < v.rate) {
      drawn = &v;
      break;
    }
    x -= v.rate;
  }
  if (drawn == nullptr) return r;
  const std::string name = drawn->name;
  std::vector<std::string> given = absl::StrSplit(p.given, ' ');
  std::string applied;
  if (name == "initials for given names") {
    r.given.clear();
    for (const auto& g : given) {
      // The first letter (a whole UTF-8 character; IJ is one letter).
      size_t n = g.rfind("IJ", 0) == 0 ? 2 : 1;
      while (n < g.size() && (static_cast<unsigned char>(g[n]) & 0xC0) == 0x80) ++n;
      r.given += g.substr(0, n);
      r.given += ".";
    }
    applied = name;
  } else if (name == "first given name only" && given.size() > 1) {
    r.given = given[0];
    applied = name;
  } else if (name == "called by a second given name" && given.size() > 1) {
    r.given = given[1];
    applied = name;
  } else if (name == "date in another notation") {
    r.dob = Date(p.day, true);
    applied = name;
  } else if (name == "capitals and spaces") {
    r.surname = " " + absl::AsciiStrToUpper(p.surname) + "  ";
    applied = name;
  } else if (name == "tussenvoegsel after the name" || name == "tussenvoegsel left out") {
    auto [tv, rest] = SplitTussenvoegsels(p.surname);
    if (!tv.empty()) {
      r.surname = name == "tussenvoegsel left out" ? rest : absl::StrCat(rest, ", ", tv);
      applied = name;
    }
  } else if (name == "diacritics left out" || name == "transliterated") {
    const std::string out = Replace(p.surname, name == "transliterated" ? kTransliterate : kDropDiacritics);
    if (out != p.surname) {
      r.surname = out;
      applied = name;
    }
  } else if (name == "IJ written as Y") {
    const std::string out = Replace(p.surname, {{"ij", "y"}, {"IJ", "Y"}});
    if (out != p.surname) {
      r.surname = out;
      applied = name;
    }
  } else if (name == "married name" && !p.spouse.empty()) {
    r.surname = absl::StrCat(p.spouse, "-", p.surname);
    applied = name;
  } else if (name == "spelling variant") {
    const std::string out = SpellingVariant(rng, p.surname);
    if (out != p.surname) {
      r.surname = out;
      applied = name;
    }
  } else if (name == "typing error in the surname") {
    // One ASCII letter after the first replaced by another.
    std::vector<size_t> letters;
    for (size_t i = 1; i < p.surname.size(); ++i) {
      if (absl::ascii_islower(static_cast<unsigned char>(p.surname[i]))) letters.push_back(i);
    }
    if (!letters.empty()) {
      const size_t at = letters[rng.Below(letters.size())];
      char c = static_cast<char>('a' + rng.Below(26));
      if (c == p.surname[at]) c = c == 'z' ? 'a' : static_cast<char>(c + 1);
      r.surname[at] = c;
      applied = name;
    }
  } else if (name == "two digits of the date swapped") {
    // Day and month swapped, or the two digits of the day or of the month.
    const absl::CivilDay d = p.day;
    const int dd = d.day(), mm = d.month();
    std::vector<absl::CivilDay> options;
    auto add = [&](int month, int day) {
      const absl::CivilDay o(d.year(), month, day);
      if (o.month() == month && o.day() == day && o != d) options.push_back(o);  // a real date
    };
    if (dd <= 12) add(dd, mm);
    if (dd % 10 != 0) add(mm, (dd % 10) * 10 + dd / 10);
    if (mm % 10 != 0) add((mm % 10) * 10 + mm / 10, dd);
    if (!options.empty()) {
      r.dob = Date(options[rng.Below(options.size())], false);
      applied = name;
    }
  }
  r.variant = applied;
  return r;
}

}  // namespace

std::vector<VariantRate> PersonVariants() { return kVariants; }

PersonPopulation GeneratePersons(const PersonOptions& o) {
  Rng rng(o.seed);
  int total_weight = 0;
  for (const auto& [name, w] : kSurnames) total_weight += w;
  auto surname = [&]() -> std::string {
    int x = static_cast<int>(rng.Below(total_weight));
    for (const auto& [name, w] : kSurnames) {
      if (x < w) return name;
      x -= w;
    }
    return kSurnames.back().first;
  };
  const absl::CivilDay first(1940, 1, 1), last(2006, 12, 31);
  PersonPopulation pop;
  for (int id = 0; id < o.persons; ++id) {
    Person p;
    p.surname = surname();
    if (rng.Chance(0.2)) {
      do {
        p.spouse = surname();
      } while (p.spouse == p.surname);
    }
    const int names = 1 + static_cast<int>(rng.Below(3));
    for (int i = 0; i < names; ++i) {
      absl::StrAppend(&p.given, i ? " " : "", kGivenNames[rng.Below(kGivenNames.size())]);
    }
    p.day = first + static_cast<int>(rng.Below(static_cast<uint64_t>(last - first + 1)));
    p.dob = Date(p.day, false);
    const bool at_a = rng.Chance(o.known_to_each), at_b = rng.Chance(o.known_to_each);
    if (at_a) pop.a.push_back(Write(rng, id, p));
    if (at_b) pop.b.push_back(Write(rng, id, p));
    pop.in_both += at_a && at_b;
  }
  return pop;
}

MatchEvaluation EvaluateMatching(const PersonPopulation& pop) {
  const absl::Time today = absl::FromCivil(absl::CivilDay(2026, 12, 1), absl::UTCTimeZone());
  struct Normal {
    std::string canonical;
    std::vector<sdk::MatchProjection> keys;
  };
  MatchEvaluation ev;
  auto normalise = [&](const std::vector<PersonRecord>& records) {
    std::vector<std::optional<Normal>> out;
    for (const auto& r : records) {
      auto c = sdk::NormaliseNameDob(r.surname, r.given, r.dob, today);
      if (!c.ok()) {
        ++ev.rejected;
        out.emplace_back();
        continue;
      }
      auto keys = sdk::PersonMatchProjections(*c);
      out.push_back(Normal{*c, keys.ok() ? *keys : std::vector<sdk::MatchProjection>()});
    }
    return out;
  };
  const auto a = normalise(pop.a), b = normalise(pop.b);
  absl::flat_hash_map<std::string, std::vector<int>> by_canonical, by_key;
  auto key_of = [](const sdk::MatchProjection& p) { return absl::StrCat(static_cast<int>(p.kind), ":", p.value); };
  for (size_t j = 0; j < b.size(); ++j) {
    if (!b[j]) continue;
    by_canonical[b[j]->canonical].push_back(static_cast<int>(j));
    for (const auto& k : b[j]->keys) by_key[key_of(k)].push_back(static_cast<int>(j));
  }
  std::map<std::string, MatchEvaluation::PerVariant> per;
  std::map<int, int> b_of_person;
  for (size_t j = 0; j < pop.b.size(); ++j) b_of_person[pop.b[j].person] = static_cast<int>(j);
  for (size_t i = 0; i < a.size(); ++i) {
    std::set<int> exact;
    std::map<int, MatchKeySet> keys;
    if (a[i]) {
      if (auto it = by_canonical.find(a[i]->canonical); it != by_canonical.end()) exact.insert(it->second.begin(), it->second.end());
      for (const auto& k : a[i]->keys) {
        if (auto it = by_key.find(key_of(k)); it != by_key.end()) {
          for (int j : it->second) keys[j] |= MatchKeyBit(k.kind);
        }
      }
    }
    std::set<int> found = exact;
    for (const auto& [j, set] : keys) {
      if (IsProbableMatch(set)) found.insert(j);
    }
    const int person = pop.a[i].person;
    for (int j : exact) {
      ++ev.exact.found;
      ev.exact.correct += pop.b[j].person == person;
    }
    for (int j : found) {
      ++ev.match_keys.found;
      ev.match_keys.correct += pop.b[j].person == person;
    }
    auto partner = b_of_person.find(person);
    if (partner == b_of_person.end()) continue;
    const int j = partner->second;
    ++ev.exact.true_pairs;
    ++ev.match_keys.true_pairs;
    const std::string& va = pop.a[i].variant;
    const std::string& vb = pop.b[j].variant;
    const std::string row = va.empty() && vb.empty() ? "as registered (both)"
                            : va.empty()              ? vb
                            : vb.empty()              ? va
                                                      : "two variants";
    auto& pv = per[row];
    pv.variant = row;
    ++pv.true_pairs;
    pv.exact += exact.count(j) > 0;
    pv.match_keys += found.count(j) > 0;
  }
  // Table order: as registered, the variants in kVariants order, two variants.
  auto take = [&](const std::string& name) {
    if (auto it = per.find(name); it != per.end()) ev.by_variant.push_back(it->second);
  };
  take("as registered (both)");
  for (const auto& v : kVariants) take(v.name);
  take("two variants");
  return ev;
}

}  // namespace riec::synth
