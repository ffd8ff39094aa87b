#include "server/operator_log.h"

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace riec::server {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kJson};

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0.
size_t Utf8Length(absl::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (n == 0 || n > s.size() || (n == 2 && c < 0xc2)) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xc0) != 0x80) return 0;
  }
  if (n == 3 && ((c == 0xe0 && b(1) < 0xa0) || (c == 0xed && b(1) >= 0xa0))) return 0;  // overlong, surrogate
  if (n == 4 && ((c == 0xf0 && b(1) < 0x90) || c > 0xf4 || (c == 0xf4 && b(1) >= 0x90))) return 0;
  return n;
}

// A JSON string; bytes that are not UTF-8 become U+FFFD, so that every
// line stays valid JSON whatever a file name or an error message holds.
}  // namespace

void AppendJsonString(std::string* out, absl::string_view s) {
  *out += '"';
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t n = Utf8Length(s.substr(i));
      if (n == 0) {
        *out += "\\ufffd";
        ++i;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          *out += buf;
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

namespace {

// logfmt: bare when the value has no space, quote, equals sign or control
// character; quoted with JSON escapes otherwise.
void AppendLogfmtValue(std::string* out, absl::string_view s) {
  bool bare = !s.empty();
  for (unsigned char c : s) bare &= c > 0x20 && c != '"' && c != '=' && c != '\\';
  if (bare) {
    out->append(s.data(), s.size());
  } else {
    AppendJsonString(out, s);
  }
}

void Write(LogLevel level, absl::string_view message, const std::vector<LogField>& fields) {
  const std::string time = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  std::string line = FormatLogLine(g_format.load(), time, level, message, fields);
  line += '\n';
  static absl::Mutex mu(absl::kConstInit);
  absl::MutexLock l(&mu);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) return;  // nowhere to write: the line is lost, the broker goes on
    done += static_cast<size_t>(n);
  }
}

}  // namespace

LogField::LogField(std::string k, double v) : key(std::move(k)), number(std::isfinite(v)) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;  // JSON has no NaN or infinity: those are written as strings
}
LogField::LogField(std::string k, int64_t v) : key(std::move(k)), value(absl::StrCat(v)), number(true) {}
LogField::LogField(std::string k, uint64_t v) : key(std::move(k)), value(absl::StrCat(v)), number(true) {}

absl::Status SetLogFormat(absl::string_view name) {
  if (name == "json") {
    g_format.store(LogFormat::kJson);
  } else if (name == "logfmt") {
    g_format.store(LogFormat::kLogfmt);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("log_format: unknown format '", name, "' (formats: json, logfmt)"));
  }
  return absl::OkStatus();
}

std::string FormatLogLine(LogFormat format, absl::string_view time_text, LogLevel level,
                          absl::string_view message, const std::vector<LogField>& fields) {
  std::string out;
  if (format == LogFormat::kJson) {
    absl::StrAppend(&out, "{\"time\":\"", time_text, "\",\"level\":\"", LevelName(level), "\",\"msg\":");
    AppendJsonString(&out, message);
    for (const LogField& f : fields) {
      out += ',';
      AppendJsonString(&out, f.key);
      out += ':';
      if (f.number) {
        out += f.value;
      } else {
        AppendJsonString(&out, f.value);
      }
    }
    out += '}';
    return out;
  }
  absl::StrAppend(&out, "time=", time_text, " level=", LevelName(level), " msg=");
  AppendLogfmtValue(&out, message);
  for (const LogField& f : fields) {
    absl::StrAppend(&out, " ", f.key, "=");
    AppendLogfmtValue(&out, f.value);
  }
  return out;
}

void LogInfo(absl::string_view message, const std::vector<LogField>& fields) {
  Write(LogLevel::kInfo, message, fields);
}
void LogWarning(absl::string_view message, const std::vector<LogField>& fields) {
  Write(LogLevel::kWarning, message, fields);
}
void LogError(absl::string_view message, const std::vector<LogField>& fields) {
  Write(LogLevel::kError, message, fields);
}

}  // namespace riec::server
