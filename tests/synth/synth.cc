#include "synth/synth.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "riec/common/subject_kind.h"

namespace riec::synth {

uint64_t Rng::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t Rng::Below(uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
}

namespace {

template <typename T>
const T& Pick(Rng& rng, const std::vector<T>& v) {
  return v[rng.Below(v.size())];
}

const std::vector<std::string> kSurnames = {
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
    "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
    "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
    "Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Popescu", "Ionescu", "Dumitru",
    "Yılmaz", "Kaya", "Demir", "Çelik", "El Amrani", "Bouzid", "Petrov", "Horváth"};
const std::vector<std::string> kGivenNames = {
    "Jan", "Pieter", "Maria", "Anna", "Johannes", "Cornelis", "Sanne", "Lotte", "Daan",
    "Sem", "Emma", "Julia", "Tomasz", "Piotr", "Agnieszka", "Andrei", "Ioana", "Mehmet",
    "Ayşe", "Fatima", "Mohamed", "Élodie", "Lukas", "Zsófia"};

struct Person {
  std::string bsn, surname, given, dob;
  int address = -1;
};
struct Address {
  std::string postcode, letter, extra;
  int number = 0;
  int municipality = 0;
  bool migrant_housing = false;
};
struct Company {
  std::string kvk;
  int municipality = 0;
  std::string sector;
};

std::string Bsn(Rng& rng, std::set<std::string>& used) {
  while (true) {
    std::string d = absl::StrFormat("99%06d", static_cast<int>(rng.Below(1000000)));
    int sum = 0;
    for (int i = 0; i < 8; ++i) sum += (9 - i) * (d[i] - '0');
    const int check = sum % 11;  // d9 must equal sum mod 11, and be a digit
    if (check == 10) continue;
    d.push_back(static_cast<char>('0' + check));
    if (used.insert(d).second) return d;
  }
}

std::string Iban(Rng& rng, std::set<std::string>& used) {
  while (true) {
    const std::string account = absl::StrFormat("%010d", static_cast<int>(rng.Below(2000000000)));
    const std::string bban = "RIEC" + account;
    // Check digits: 98 - (bban + "NL00") mod 97, letters as 10..35.
    int rest = 0;
    for (char c : bban + "NL00") {
      const int v = c >= 'A' ? c - 'A' + 10 : c - '0';
      rest = v >= 10 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
    }
    const std::string iban = absl::StrFormat("NL%02d%s", 98 - rest, bban);
    if (used.insert(iban).second) return iban;
  }
}

std::string Kenteken(Rng& rng, std::set<std::string>& used) {
  static const std::vector<std::string> kLayouts = {"DDLLLD", "DLLLDD", "LLDDDL", "LDDDLL",
                                                    "LLLDDL", "DDDLLD"};
  static const std::string kLetters = "BDFGHJKLNPRSTVXZ";
  while (true) {
    const std::string& layout = Pick(rng, kLayouts);
    std::string k;
    bool first_letter = true;
    for (char c : layout) {
      if (c == 'D') {
        k.push_back(static_cast<char>('0' + rng.Below(10)));
      } else {
        k.push_back(first_letter ? 'Q' : kLetters[rng.Below(kLetters.size())]);
        first_letter = false;
      }
    }
    if (used.insert(k).second) return k;
  }
}

std::string Postcode(Rng& rng) {
  static const std::string kLetters = "ABCEGHJKLMNPRTVWXZ";
  return absl::StrFormat("%04d%c%c", 5000 + static_cast<int>(rng.Below(800)),
                         kLetters[rng.Below(kLetters.size())], kLetters[rng.Below(kLetters.size())]);
}

// Notations partner systems use for the same value.
std::string BsnAsWritten(Rng& rng, const std::string& bsn) {
  if (rng.Chance(0.3)) return absl::StrCat(bsn.substr(0, 4), ".", bsn.substr(4, 2), ".", bsn.substr(6));
  return bsn;
}
std::string IbanAsWritten(Rng& rng, const std::string& iban) {
  if (!rng.Chance(0.5)) return iban;
  std::string out;
  for (size_t i = 0; i < iban.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(iban[i]);
  }
  return out;
}
std::string KentekenAsWritten(Rng& rng, const std::string& k) {
  if (!rng.Chance(0.6)) return k;
  std::string out;
  for (size_t i = 0; i < k.size(); ++i) {
    if (i > 0 && (std::isdigit(k[i]) != 0) != (std::isdigit(k[i - 1]) != 0)) out.push_back('-');
    out.push_back(k[i]);
  }
  return out;
}

class Builder {
 public:
  explicit Builder(Dataset* d) : d_(d) {}

  // Records that `partner` holds `value` of `kind` and adds its export row.
  void Hold(const std::string& partner, v1::SubjectKind kind, const std::string& key,
            const std::string& value, const std::string& category,
            std::vector<std::string> row) {
    auto [it, fresh] = index_.try_emplace(absl::StrCat(KindTag(kind), ":", key), d_->truth.size());
    if (fresh) d_->truth.push_back({kind, value, {}});
    Truth& t = d_->truth[it->second];
    if (!t.holders.emplace(partner, category).second) return;  // one row per holder
    row.push_back(category);
    File(partner, kind).rows.push_back(std::move(row));
  }

  CsvFile& File(const std::string& partner, v1::SubjectKind kind) {
    CsvFile& f = d_->exports[partner][std::string(KindTag(kind))];
    if (f.header.empty()) {
      f.delimiter = partner.rfind("gemeente-", 0) == 0 ? ';' : ',';
      switch (kind) {
        case v1::PERSON_BSN: f.header = {"bsn"}; break;
        case v1::PERSON_NAME_DOB: f.header = {"surname", "given_names", "date_of_birth"}; break;
        case v1::ORGANISATION_KVK: f.header = {"kvk"}; break;
        case v1::ADDRESS: f.header = {"postcode", "huisnummer", "huisletter", "toevoeging"}; break;
        case v1::VEHICLE: f.header = {"kenteken"}; break;
        case v1::BANK_ACCOUNT: f.header = {"iban"}; break;
        default: break;
      }
      f.header.push_back("category");
    }
    return f;
  }

 private:
  Dataset* d_;
  std::map<std::string, size_t> index_;
};

}  // namespace

Dataset Generate(const Options& o) {
  Rng rng(o.seed);
  Dataset d;
  Builder b(&d);
  static const std::vector<std::string> kGemeenten = {"gemeente-eindhoven", "gemeente-helmond",
                                                      "gemeente-oss", "gemeente-meierijstad"};
  std::set<std::string> used_bsn, used_iban, used_kenteken, used_address;

  // Addresses: about one per 2.5 residents; 1 in 25 is housing for labour
  // migrants with 5-6 residents.
  std::vector<Address> addresses;
  const int n_addresses = std::max(10, o.persons * 2 / 5);
  while (static_cast<int>(addresses.size()) < n_addresses) {
    Address a;
    a.postcode = Postcode(rng);
    a.number = 1 + static_cast<int>(rng.Below(180));
    if (rng.Chance(0.08)) a.letter = std::string(1, "ABCD"[rng.Below(4)]);
    if (rng.Chance(0.05)) a.extra = Pick(rng, std::vector<std::string>{"1", "2", "BIS", "HS"});
    a.municipality = static_cast<int>(rng.Below(kGemeenten.size()));
    a.migrant_housing = rng.Chance(0.04);
    const std::string key = absl::StrCat(a.postcode, a.number, a.letter, a.extra);
    if (used_address.insert(key).second) addresses.push_back(a);
  }
  std::vector<Person> persons(o.persons);
  for (auto& p : persons) {
    p.bsn = Bsn(rng, used_bsn);
    p.surname = Pick(rng, kSurnames);
    p.given = Pick(rng, kGivenNames);
    if (rng.Chance(0.4)) p.given += " " + Pick(rng, kGivenNames);
    p.dob = absl::StrFormat("%04d-%02d-%02d", 1950 + static_cast<int>(rng.Below(55)),
                            1 + static_cast<int>(rng.Below(12)), 1 + static_cast<int>(rng.Below(28)));
  }
  // Residents: migrant housing gets 5-6, the rest is spread over the others.
  size_t next = 0;
  std::vector<int> ordinary;
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (!addresses[i].migrant_housing) {
      ordinary.push_back(static_cast<int>(i));
      continue;
    }
    const int residents = 5 + static_cast<int>(rng.Below(2));
    for (int r = 0; r < residents && next < persons.size(); ++r) persons[next++].address = static_cast<int>(i);
  }
  for (; next < persons.size(); ++next) persons[next].address = ordinary[rng.Below(ordinary.size())];

  std::vector<Company> companies(std::max(5, o.persons / 20));
  static const std::vector<std::string> kSectors = {"uitzendbureau", "garage", "kapsalon",
                                                    "shishalounge", "supermarkt", "bouw"};
  std::set<std::string> used_kvk;
  for (auto& c : companies) {
    do {
      c.kvk = absl::StrFormat("99%06d", static_cast<int>(rng.Below(1000000)));
    } while (!used_kvk.insert(c.kvk).second);
    c.municipality = static_cast<int>(rng.Below(kGemeenten.size()));
    c.sector = Pick(rng, kSectors);
  }

  auto address_value = [&](const Address& a) {
    return absl::StrCat(a.postcode, "|", a.number, "|", a.letter, "|", a.extra);
  };
  auto hold_address = [&](const std::string& partner, const Address& a, const std::string& cat) {
    const std::string pc = rng.Chance(0.5) ? absl::StrCat(a.postcode.substr(0, 4), " ", a.postcode.substr(4))
                                           : a.postcode;
    b.Hold(partner, v1::ADDRESS, address_value(a), address_value(a), cat,
           {pc, absl::StrCat(a.number), a.letter, a.extra});
  };
  auto hold_bsn = [&](const std::string& partner, const Person& p, const std::string& cat) {
    b.Hold(partner, v1::PERSON_BSN, p.bsn, p.bsn, cat, {BsnAsWritten(rng, p.bsn)});
  };

  for (const Person& p : persons) {
    const Address& home = addresses[p.address];
    const std::string& gemeente = kGemeenten[home.municipality];
    const bool migrant = home.migrant_housing;
    hold_bsn(gemeente, p, "brp");
    if (rng.Chance(0.10)) hold_bsn("politie", p, "strafrecht");
    if (rng.Chance(0.20)) hold_bsn("belastingdienst", p, "fiscaal");
    if (rng.Chance(migrant ? 0.05 : 0.15)) hold_bsn("toeslagen", p, "toeslagen");
    if (rng.Chance(migrant ? 0.5 : 0.15)) hold_bsn("uwv", p, "uitkering");
    if (rng.Chance(migrant ? 0.3 : 0.03)) hold_bsn("ind", p, "verblijf");
    if (migrant && rng.Chance(0.7)) {
      // Workers known to the labour inspectorate by name and date of birth.
      const std::string value = absl::StrCat(p.surname, "|", p.given, "|", p.dob);
      b.Hold("nla", v1::PERSON_NAME_DOB, value, value, "arbeid", {p.surname, p.given, p.dob});
    }
    if (rng.Chance(0.25)) {
      const std::string iban = Iban(rng, used_iban);
      b.Hold("belastingdienst", v1::BANK_ACCOUNT, iban, iban, "fiscaal", {IbanAsWritten(rng, iban)});
      if (rng.Chance(0.2)) b.Hold("toeslagen", v1::BANK_ACCOUNT, iban, iban, "toeslagen", {IbanAsWritten(rng, iban)});
      if (rng.Chance(0.05)) b.Hold("fiod", v1::BANK_ACCOUNT, iban, iban, "fiscaal", {IbanAsWritten(rng, iban)});
    }
    if (rng.Chance(0.2)) {
      const std::string k = Kenteken(rng, used_kenteken);
      if (rng.Chance(0.5)) b.Hold("politie", v1::VEHICLE, k, k, "voertuig", {KentekenAsWritten(rng, k)});
      if (rng.Chance(0.3)) b.Hold("belastingdienst", v1::VEHICLE, k, k, "fiscaal", {KentekenAsWritten(rng, k)});
    }
  }
  for (const Address& a : addresses) {
    const std::string& gemeente = kGemeenten[a.municipality];
    if (a.migrant_housing) {
      hold_address(gemeente, a, "huisvesting");
      if (rng.Chance(0.5)) hold_address("nla", a, "huisvesting");
      if (rng.Chance(0.3)) hold_address("politie", a, "handhaving");
    } else if (rng.Chance(0.03)) {
      hold_address(gemeente, a, "handhaving");
      if (rng.Chance(0.4)) hold_address("politie", a, "handhaving");
    }
  }
  for (const Company& c : companies) {
    const std::string& gemeente = kGemeenten[c.municipality];
    if (c.sector == "shishalounge" || c.sector == "supermarkt" || rng.Chance(0.2)) {
      b.Hold(gemeente, v1::ORGANISATION_KVK, c.kvk, c.kvk, "vergunning", {c.kvk});
    }
    if (rng.Chance(0.5)) b.Hold("belastingdienst", v1::ORGANISATION_KVK, c.kvk, c.kvk, "fiscaal", {c.kvk});
    if (c.sector == "uitzendbureau") {
      b.Hold("uwv", v1::ORGANISATION_KVK, c.kvk, c.kvk, "arbeid", {c.kvk});
      if (rng.Chance(0.6)) b.Hold("nla", v1::ORGANISATION_KVK, c.kvk, c.kvk, "arbeid", {c.kvk});
    }
    if (rng.Chance(0.05)) b.Hold("fiod", v1::ORGANISATION_KVK, c.kvk, c.kvk, "fiscaal", {c.kvk});
  }

  // Invalid rows (typing errors) that a publish must reject by line.
  if (o.bad_rows > 0) {
    for (auto& [partner, files] : d.exports) {
      auto it = files.find("person-bsn");
      if (it == files.end()) continue;
      auto& rows = it->second.rows;
      for (int i = 0; i < o.bad_rows && !rows.empty(); ++i) {
        std::string bsn = rows[rng.Below(rows.size())][0];
        bsn.erase(std::remove(bsn.begin(), bsn.end(), '.'), bsn.end());
        bsn.back() = bsn.back() == '9' ? '0' : static_cast<char>(bsn.back() + 1);  // breaks the elfproef
        rows.insert(rows.begin() + static_cast<long>(rng.Below(rows.size())), {bsn, "brp"});
      }
    }
  }
  return d;
}

namespace {
std::string CsvField(const std::string& s, char delimiter) {
  if (s.find(delimiter) == std::string::npos && s.find('"') == std::string::npos &&
      s.find('\n') == std::string::npos) {
    return s;
  }
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

void WriteRow(std::ofstream& out, const std::vector<std::string>& row, char delimiter) {
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) out << delimiter;
    out << CsvField(row[i], delimiter);
  }
  out << "\n";
}
}  // namespace

absl::Status WriteDataset(const Dataset& data, const std::string& dir) {
  std::error_code ec;
  for (const auto& [partner, files] : data.exports) {
    const std::filesystem::path pdir = std::filesystem::path(dir) / partner;
    std::filesystem::create_directories(pdir, ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot create ", pdir.string(), ": ", ec.message()));
    for (const auto& [kind, file] : files) {
      std::ofstream out(pdir / (kind + ".csv"));
      WriteRow(out, file.header, file.delimiter);
      for (const auto& row : file.rows) WriteRow(out, row, file.delimiter);
      if (!out) return absl::InternalError(absl::StrCat("cannot write ", (pdir / kind).string()));
    }
  }
  std::ofstream truth(std::filesystem::path(dir) / "ground-truth.csv");
  truth << "kind,value,holders\n";
  for (const Truth& t : data.truth) {
    std::vector<std::string> holders;
    for (const auto& [p, c] : t.holders) holders.push_back(absl::StrCat(p, ":", c));
    WriteRow(truth, {std::string(KindTag(t.kind)), t.value, absl::StrJoin(holders, ";")}, ',');
  }
  if (!truth) return absl::InternalError("cannot write ground-truth.csv");
  return absl::OkStatus();
}

}  // namespace riec::synth
