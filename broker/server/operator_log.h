// The operator's log: one line per event on stderr (journald keeps it under
// the unit), as JSON (the default) or logfmt, with a time, a level and a
// message, and for requests the request id, RPC, status code, latency and
// partner (docs/operations.md, "Logs").
//
// What a line may hold: the broker's own words, names from the config and
// policy (partners, roles, files), counts, codes and durations. Never an
// identifier, pseudonym or free text from a request: a request's status
// message can repeat what the caller sent, so request lines carry only its
// code. What was disclosed is the disclosure log's business, not this one's.
//
// Thread-safety: Write is safe for concurrent use; each line is written
// whole. SetFormat is called once at start.
#ifndef RIEC_BROKER_SERVER_OPERATOR_LOG_H_
#define RIEC_BROKER_SERVER_OPERATOR_LOG_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace riec::server {

enum class LogLevel { kInfo, kWarning, kError };
enum class LogFormat { kJson, kLogfmt };

// One key and value of a line. Numbers are written unquoted.
struct LogField {
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(v) {}
  LogField(std::string k, double v);
  LogField(std::string k, int64_t v);
  LogField(std::string k, uint64_t v);
  LogField(std::string k, int v) : LogField(std::move(k), static_cast<int64_t>(v)) {}
  std::string key, value;
  bool number = false;
};

// Appends `s` as a JSON string; bytes that are not UTF-8 become U+FFFD, so
// the result is valid JSON whatever `s` holds.
void AppendJsonString(std::string* out, absl::string_view s);

// "json" or "logfmt".
absl::Status SetLogFormat(absl::string_view name);

// The line as it is written (without the newline), at `time_text`.
std::string FormatLogLine(LogFormat format, absl::string_view time_text, LogLevel level,
                          absl::string_view message, const std::vector<LogField>& fields);

void LogInfo(absl::string_view message, const std::vector<LogField>& fields = {});
void LogWarning(absl::string_view message, const std::vector<LogField>& fields = {});
void LogError(absl::string_view message, const std::vector<LogField>& fields = {});

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_OPERATOR_LOG_H_
