// Conversions between absl::Time and google.protobuf.Timestamp, and the
// RFC 3339 text form used in messages and on the command line.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_COMMON_TIME_UTIL_H_
#define RIEC_BROKER_COMMON_TIME_UTIL_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace riec {

google::protobuf::Timestamp ToProtoTime(absl::Time t);
absl::Time FromProtoTime(const google::protobuf::Timestamp& ts);

// "2026-11-24T13:05:00Z" (UTC, whole seconds).
std::string Rfc3339(absl::Time t);

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_TIME_UTIL_H_
