// A CSV reader for partner exports: RFC 4180 quoting, ',' or ';' (Dutch
// spreadsheet exports) detected from the header, UTF-8 byte-order mark
// skipped, CRLF or LF. Rows carry their line number for error reports.
//
// Thread-safety: not thread-safe; one reader per file.
#ifndef RIEC_CLI_CSV_H_
#define RIEC_CLI_CSV_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace riec::cli {

struct CsvRow {
  int line = 0;  // 1-based line where the row starts
  std::vector<std::string> fields;
};

struct CsvTable {
  std::vector<std::string> header;  // trimmed, lower-cased
  std::vector<CsvRow> rows;
  char delimiter = ',';
  // Index of the first header name in `names` that exists, if any.
  std::optional<size_t> Column(std::initializer_list<const char*> names) const;
};

// Parses a whole CSV text with a header line. INVALID_ARGUMENT with the line
// of an unterminated quote or an empty header.
absl::StatusOr<CsvTable> ParseCsv(const std::string& text);

// Reads and parses a file.
absl::StatusOr<CsvTable> ReadCsv(const std::string& path);

}  // namespace riec::cli

#endif  // RIEC_CLI_CSV_H_
