// From partner exports and command-line arguments to subjects: which CSV
// columns hold which kind (docs/csv.md), and "kind:value" arguments.
//
// Thread-safety: pure functions.
#ifndef RIEC_CLI_SUBJECTS_INPUT_H_
#define RIEC_CLI_SUBJECTS_INPUT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/csv.h"
#include "riec/sdk/client.h"

namespace riec::cli {

// A CSV row turned into a canonical value, or the reason it could not be.
struct RowResult {
  int line = 0;
  std::string canonical;  // empty if rejected
  std::string error;      // why the row is rejected
  std::string category;   // from a "category" column, if any
  std::string valid_until;  // from a "valid_until" column, if any
  std::string display;    // the value as written, for tables
};

// Finds the columns for `kind` and normalises every row. INVALID_ARGUMENT
// naming the columns looked for if the header has none of them.
absl::StatusOr<std::vector<RowResult>> RowsForKind(const CsvTable& table,
                                                   v1::SubjectKind kind, absl::Time today);

// Parses "kind:value", e.g. "person-bsn:111222333".
absl::StatusOr<sdk::SubjectValue> ParseSubjectArg(const std::string& arg);

// Parses a --kind value.
absl::StatusOr<v1::SubjectKind> ParseKind(const std::string& tag);

// "2026-12-31" -> the end of that day (UTC, exclusive: 2027-01-01T00:00Z);
// an RFC 3339 time is taken as is.
absl::StatusOr<absl::Time> ParseValidUntil(const std::string& text);

}  // namespace riec::cli

#endif  // RIEC_CLI_SUBJECTS_INPUT_H_
