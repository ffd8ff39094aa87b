// Terminal output of the riec command: aligned tables, JSON strings, and a
// progress bar that appears only when stderr is a terminal.
//
// Thread-safety: ProgressBar is used from one thread at a time.
#ifndef RIEC_CLI_OUTPUT_H_
#define RIEC_CLI_OUTPUT_H_

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace riec::cli {

// Prints rows with columns padded to the widest cell (UTF-8 aware).
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

// A JSON string literal, quotes included.
std::string JsonString(absl::string_view s);

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
