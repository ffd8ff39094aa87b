#include "riec/common/call_metadata.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "riec/common/request_limits.h"
#include "riec/v1/options.pb.h"

namespace riec {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsLowerHex(absl::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> DecodeOnBehalfOf(absl::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '%') {
      out.push_back(encoded[i]);
      continue;
    }
    const int hi = i + 2 < encoded.size() ? HexValue(encoded[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(encoded[i + 2]) : -1;
    if (lo < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metadata ", kOnBehalfOfKey, ": '%' must start a %XX escape (percent-encoded UTF-8)"));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  if (absl::Status s = CheckText(out, absl::StrCat("metadata ", kOnBehalfOfKey), v1::TEXT_LINE,
                                 kMaxOnBehalfOf);
      !s.ok()) {
    return s;
  }
  return out;
}

std::string EncodeOnBehalfOf(absl::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<TraceContext> ParseTraceParent(absl::string_view value) {
  if (value.empty()) return TraceContext{};
  std::vector<absl::string_view> parts = absl::StrSplit(value, '-');
  // version 00: 2 + 32 + 16 + 2 hex digits; later versions may add fields.
  if (parts.size() < 4 || parts[0].size() != 2 || parts[1].size() != 32 || parts[2].size() != 16 ||
      parts[3].size() != 2 || !IsLowerHex(parts[0]) || !IsLowerHex(parts[1]) ||
      !IsLowerHex(parts[2]) || !IsLowerHex(parts[3]) || parts[0] == "ff" ||
      (parts[0] == "00" && parts.size() != 4) || parts[1] == std::string(32, '0') ||
      parts[2] == std::string(16, '0')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metadata ", kTraceParentKey,
        ": not a W3C traceparent (00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>)"));
  }
  return TraceContext{std::string(parts[1]), std::string(parts[2])};
}

}  // namespace riec
