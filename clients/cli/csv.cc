#include "cli/csv.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "riec/common/file.h"

namespace riec::cli {

std::optional<size_t> CsvTable::Column(std::initializer_list<const char*> names) const {
  for (const char* n : names) {
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == n) return i;
    }
  }
  return std::nullopt;
}

absl::StatusOr<CsvTable> ParseCsv(const std::string& input) {
  std::string text = input;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 BOM
  CsvTable table;
  const size_t eol = text.find('\n');
  const std::string first = text.substr(0, eol);
  size_t commas = 0, semicolons = 0;
  for (char c : first) {
    commas += c == ',';
    semicolons += c == ';';
  }
  table.delimiter = semicolons > commas ? ';' : ',';

  std::vector<CsvRow> records;
  CsvRow row;
  std::string field;
  bool quoted = false, field_started = false;
  int line = 1;
  row.line = 1;
  int quote_line = 0;
  auto end_field = [&] {
    row.fields.push_back(field);
    field.clear();
    field_started = false;
  };
  auto end_row = [&] {
    end_field();
    bool blank = row.fields.size() == 1 && absl::StripAsciiWhitespace(row.fields[0]).empty();
    if (!blank) records.push_back(row);
    row = CsvRow();
    row.line = line;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
    } else if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
      quote_line = line;
    } else if (c == table.delimiter) {
      end_field();
    } else if (c == '\n') {
      ++line;
      end_row();
    } else if (c == '\r') {
      // CRLF: the \n ends the row.
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", quote_line, ": a quoted field is not closed"));
  }
  if (!field.empty() || !row.fields.empty()) end_row();
  if (records.empty()) return absl::InvalidArgumentError("line 1: no header line");
  for (const auto& h : records[0].fields) {
    table.header.push_back(absl::AsciiStrToLower(absl::StripAsciiWhitespace(h)));
  }
  records.erase(records.begin());
  table.rows = std::move(records);
  return table;
}

absl::StatusOr<CsvTable> ReadCsv(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  auto t = ParseCsv(*text);
  if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", t.status().message()));
  return t;
}

}  // namespace riec::cli
