// Terminal output of the riec command: aligned tables, JSON (the one path
// every --json and --format json takes), and a progress bar that appears
// only when stderr is a terminal.
//
// Thread-safety: ProgressBar is used from one thread at a time.
#ifndef RIEC_CLI_OUTPUT_H_
#define RIEC_CLI_OUTPUT_H_

#include <chrono>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace riec::cli {

// Prints rows with columns padded to the widest cell (UTF-8 aware).
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// Prints `message` in the protobuf JSON mapping (docs/api.md, "JSON output
// of riec"): field names exactly as in proto/ (preserve_proto_field_names),
// enums by name, 64-bit integers as strings, bytes as base64, timestamps in
// RFC 3339, fields at their default value left out; one object on one line.
// Map keys are sorted. INTERNAL if the message cannot be printed.
[[nodiscard]] absl::Status PrintJson(const google::protobuf::Message& message, std::ostream& out);

// A google.protobuf.Struct of string values, for output that is not a
// message of the contract (riec pseudonym, riec oprf vector).
google::protobuf::Struct StringStruct(const std::vector<std::pair<std::string, std::string>>& fields);

// "12 345" style grouping for counts people read.
std::string Count(uint64_t n);

class ProgressBar {
 public:
  // `enabled` is normally isatty(stderr); when false nothing is drawn.
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();
  // total 0: unknown (shows the count only).
  void Update(size_t done, size_t total);
  void Finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace riec::cli

#endif  // RIEC_CLI_OUTPUT_H_
