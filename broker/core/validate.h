// Input validation shared by the core's operations. Every error is
// INVALID_ARGUMENT and names the field and the rule, e.g.
// "subjects[3].pseudonym: 31 bytes, want 32".
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_CORE_VALIDATE_H_
#define RIEC_BROKER_CORE_VALIDATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "riec/policy/policy.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "riec/v1/common.pb.h"

namespace riec::core {

inline constexpr size_t kMaxBatch = 10000;

// `field` is e.g. "subjects[3]".
absl::Status ValidateSubject(const v1::Subject& s, absl::string_view field);

// A batch of `n` items in `field`: 1 to `max`.
absl::Status ValidateBatchSize(size_t n, absl::string_view field, size_t max);

// A category: empty, or [a-z0-9][a-z0-9-]{0,31} and, if the convenant lists
// categories, one of them.
absl::Status ValidateCategory(absl::string_view category, absl::string_view field,
                              const policy::Policy& policy);

// A new random id: `prefix`, '-' and 10 Crockford base32 characters (50
// random bits): "S-..." signals, "C-..." cases, "R-..." content requests.
std::string NewId(char prefix);

// An id made by NewId(prefix); `noun` names it in the error ("case").
absl::Status ValidateId(absl::string_view id, char prefix, absl::string_view field,
                        absl::string_view noun);
// A signal id: "S-" and 10 Crockford base32 characters.
absl::Status ValidateSignalId(absl::string_view id, absl::string_view field);

// Free text of a decision (justification): required, at most `max`
// characters; the field's Text rule (options.proto) was checked with the
// request's limits.
absl::Status ValidateRequiredText(absl::string_view text, absl::string_view field, size_t max);

// Subjects of a request: each valid, none twice ("subjects[4]: the same
// subject as subjects[1]").
absl::Status ValidateSubjects(const google::protobuf::RepeatedPtrField<v1::Subject>& subjects,
                              absl::string_view field);

// A copy of a subject with only its kind and pseudonym: what answers,
// events and log records carry.
v1::Subject CleanSubject(const v1::Subject& s);

// CleanSubject and its match keys: what a signal keeps of its subjects.
v1::Subject SubjectWithMatchKeys(const v1::Subject& s);

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_VALIDATE_H_
