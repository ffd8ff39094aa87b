// The call metadata a client sends besides its certificate
// (docs/api.md, "Call metadata"), encoded and decoded in one place for the
// SDK and the broker:
//
//   riec-on-behalf-of  the official the call is made for: percent-encoded
//                      UTF-8 (bytes outside printable ASCII, and '%', as
//                      %XX); at most 128 characters, no control characters.
//   traceparent        a W3C trace context (version 00), so that a partner's
//                      own processing log links to the broker's records.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_COMMON_CALL_METADATA_H_
#define RIEC_BROKER_COMMON_CALL_METADATA_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riec {

inline constexpr char kOnBehalfOfKey[] = "riec-on-behalf-of";
inline constexpr char kTraceParentKey[] = "traceparent";
inline constexpr size_t kMaxOnBehalfOf = 128;

// The decoded on-behalf-of value. INVALID_ARGUMENT naming the metadata key
// and the rule.
absl::StatusOr<std::string> DecodeOnBehalfOf(absl::string_view encoded);

// Percent-encodes a name for riec-on-behalf-of.
std::string EncodeOnBehalfOf(absl::string_view name);

// A W3C traceparent "00-<trace id>-<parent id>-<flags>": the trace id and
// the caller's span id (empty for an empty value). INVALID_ARGUMENT if it
// is malformed.
struct TraceContext {
  std::string trace_id, span_id;
};
absl::StatusOr<TraceContext> ParseTraceParent(absl::string_view value);

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_CALL_METADATA_H_
