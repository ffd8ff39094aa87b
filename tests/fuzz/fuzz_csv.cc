// The CSV reader of `riec index publish` on any bytes. Properties: it never
// crashes; a table it accepts has a non-empty header, line numbers that
// grow, and no row is longer than the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto table = riec::cli::ParseCsv(text);
  if (!table.ok()) return 0;
  if (table->header.empty()) __builtin_trap();
  int last = 0;
  for (const auto& row : table->rows) {
    if (row.line <= last) __builtin_trap();
    last = row.line;
    size_t bytes = 0;
    for (const auto& f : row.fields) bytes += f.size();
    if (bytes > size) __builtin_trap();
  }
  return 0;
}
