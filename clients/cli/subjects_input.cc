#include "cli/subjects_input.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "riec/common/subject_kind.h"
#include "riec/sdk/normalise.h"

namespace riec::cli {
namespace {

std::string Field(const CsvRow& row, std::optional<size_t> col) {
  if (!col || *col >= row.fields.size()) return "";
  return std::string(absl::StripAsciiWhitespace(row.fields[*col]));
}

}  // namespace

absl::StatusOr<v1::SubjectKind> ParseKind(const std::string& tag) {
  auto k = KindFromTag(tag);
  if (!k) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown subject kind '", tag, "' (kinds: ", AllKindTags(), ")"));
  }
  return *k;
}

absl::StatusOr<sdk::SubjectValue> ParseSubjectArg(const std::string& arg) {
  const size_t colon = arg.find(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("--subject wants kind:value, e.g. person-bsn:111222333 (kinds: ",
                     AllKindTags(), ")"));
  }
  auto kind = ParseKind(arg.substr(0, colon));
  if (!kind.ok()) return kind.status();
  return sdk::SubjectValue{*kind, arg.substr(colon + 1)};
}

absl::StatusOr<absl::Time> ParseValidUntil(const std::string& text) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) {
    return t + absl::Hours(24);
  }
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(
      "valid-until '", text, "': want a date (YYYY-MM-DD) or an RFC 3339 time"));
}

absl::StatusOr<std::vector<RowResult>> RowsForKind(const CsvTable& table,
                                                   v1::SubjectKind kind, absl::Time today) {
  const auto value = table.Column({"value", "waarde"});
  const auto category = table.Column({"category", "categorie"});
  const auto valid_until = table.Column({"valid_until", "geldig_tot"});
  // The columns per kind, English names first, Dutch ones accepted.
  std::function<absl::StatusOr<std::string>(const CsvRow&, std::string*)> read;
  std::string wanted;
  switch (kind) {
    case v1::PERSON_BSN: {
      auto c = table.Column({"bsn"});
      wanted = "'bsn'";
      if (c) read = [=](const CsvRow& r, std::string* d) { *d = Field(r, c); return sdk::NormaliseBsn(*d); };
      break;
    }
    case v1::PERSON_NAME_DOB: {
      auto s = table.Column({"surname", "achternaam", "geslachtsnaam"});
      auto tv = table.Column({"tussenvoegsel", "tussenvoegsels", "voorvoegsel", "voorvoegsels"});
      auto g = table.Column({"given_names", "initials", "voornamen", "voorletters"});
      auto n = table.Column({"name", "full_name", "naam", "volledige_naam"});
      auto d = table.Column({"date_of_birth", "geboortedatum"});
      wanted = "'surname' (and 'tussenvoegsel'), 'given_names' and 'date_of_birth', "
               "or 'name' and 'date_of_birth'";
      if (s && g && d) {
        // Separate columns; the tussenvoegsel in a column of its own or not.
        read = [=](const CsvRow& r, std::string* disp) {
          const std::string surname = Field(r, tv).empty() ? Field(r, s)
                                                           : absl::StrCat(Field(r, tv), " ", Field(r, s));
          *disp = absl::StrCat(surname, "|", Field(r, g), "|", Field(r, d));
          return sdk::NormaliseNameDob(surname, Field(r, g), Field(r, d), today);
        };
      } else if (n && d) {
        // One column: "Vries, J.P. de" or "J.P. de Vries".
        read = [=](const CsvRow& r, std::string* disp) -> absl::StatusOr<std::string> {
          auto split = sdk::SplitCombinedName(Field(r, n));
          if (!split.ok()) return split.status();
          *disp = absl::StrCat(split->surname, "|", split->given, "|", Field(r, d));
          return sdk::NormaliseNameDob(split->surname, split->given, Field(r, d), today);
        };
      }
      break;
    }
    case v1::ORGANISATION_KVK: {
      auto c = table.Column({"kvk", "kvk_nummer", "kvknummer", "vestigingsnummer"});
      wanted = "'kvk' or 'vestigingsnummer'";
      if (c) read = [=](const CsvRow& r, std::string* d) { *d = Field(r, c); return sdk::NormaliseKvk(*d); };
      break;
    }
    case v1::ADDRESS: {
      auto bag = table.Column({"bag_id", "nummeraanduiding_id"});
      auto pc = table.Column({"postcode"});
      auto nr = table.Column({"huisnummer"});
      auto letter = table.Column({"huisletter"});
      auto extra = table.Column({"toevoeging", "huisnummertoevoeging"});
      wanted = "'bag_id', or 'postcode' and 'huisnummer'";
      if (pc && nr) {
        read = [=](const CsvRow& r, std::string* d) -> absl::StatusOr<std::string> {
          if (bag && !Field(r, bag).empty()) {
            *d = Field(r, bag);
            return sdk::NormaliseBagId(*d);
          }
          *d = absl::StrCat(Field(r, pc), " ", Field(r, nr), Field(r, letter),
                            Field(r, extra).empty() ? "" : "-", Field(r, extra));
          return sdk::NormaliseAddress(Field(r, pc), Field(r, nr), Field(r, letter), Field(r, extra));
        };
      } else if (bag) {
        read = [=](const CsvRow& r, std::string* d) { *d = Field(r, bag); return sdk::NormaliseBagId(*d); };
      }
      break;
    }
    case v1::VEHICLE: {
      auto c = table.Column({"kenteken", "registration"});
      wanted = "'kenteken'";
      if (c) read = [=](const CsvRow& r, std::string* d) { *d = Field(r, c); return sdk::NormaliseKenteken(*d); };
      break;
    }
    case v1::BANK_ACCOUNT: {
      auto c = table.Column({"iban", "rekeningnummer"});
      wanted = "'iban'";
      if (c) read = [=](const CsvRow& r, std::string* d) { *d = Field(r, c); return sdk::NormaliseIban(*d); };
      break;
    }
    default:
      return absl::InvalidArgumentError("unknown subject kind");
  }
  if (!read && value) {
    read = [=](const CsvRow& r, std::string* d) {
      *d = Field(r, value);
      return sdk::Normalise(kind, *d, today);
    };
  }
  if (!read) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line 1: no column for ", KindTag(kind), " (want ", wanted,
        ", or 'value'; the header has: ", absl::StrJoin(table.header, ", "), ")"));
  }
  std::vector<RowResult> out;
  out.reserve(table.rows.size());
  for (const CsvRow& row : table.rows) {
    RowResult r;
    r.line = row.line;
    r.category = Field(row, category);
    r.valid_until = Field(row, valid_until);
    auto c = read(row, &r.display);
    if (c.ok()) {
      r.canonical = *std::move(c);
    } else {
      r.error = std::string(c.status().message());
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace riec::cli
