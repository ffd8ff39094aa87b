// Checks a request message against the limits its contract declares on
// each field (proto/riec/v1/options.proto: riec.v1.limits) and the rules
// that hold for every field:
//   * strings are valid UTF-8 of at most `max` characters, without control
//     characters (line breaks and tabs only where the field's Text allows
//     them), and free-text fields carry no personal identifier;
//   * bytes have at most `max` bytes, exactly `exact` when not empty;
//   * repeated fields have at most `max_items` items;
//   * enum fields have a value the contract defines;
//   * google.protobuf.Timestamp values lie between the years 1 and 9999
//     with nanos in [0, 10^9).
// The broker runs it on every request before an operation sees it; the SDK
// runs it before it sends one, so that an identifier typed into free text
// never leaves the partner.
//
// Errors are INVALID_ARGUMENT naming the field path and the rule, e.g.
// "decision.use_conditions[2]: 230 characters, at most 200"; they never
// repeat the field's content.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_COMMON_REQUEST_LIMITS_H_
#define RIEC_BROKER_COMMON_REQUEST_LIMITS_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace riec {

absl::Status CheckRequestLimits(const google::protobuf::Message& request);

// Whether every string, bytes and repeated field of `type` and of the
// messages it contains declares its limits; the names of those that do not
// (fields of google.protobuf messages excepted). For the conformance test
// that keeps the contract bounded.
std::vector<std::string> FieldsWithoutLimits(const google::protobuf::Descriptor* type);

// Checks one text against a Text rule (options.proto) and a maximum number
// of characters; `field` names it in the error.
absl::Status CheckText(absl::string_view text, absl::string_view field, int rule, size_t max);

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_REQUEST_LIMITS_H_
