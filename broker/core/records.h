// Building disclosure-log records and refusing requests with a record.
//
// Thread-safety: pure functions, except Refuse which appends to the log
// (itself thread-safe).
#ifndef RIEC_BROKER_CORE_RECORDS_H_
#define RIEC_BROKER_CORE_RECORDS_H_

#include "absl/status/status.h"
#include "core/env.h"
#include "core/events.h"
#include "riec/v1/log.pb.h"

namespace riec::core {

// A record of `kind` with the actor, method, time, policy version and
// decision filled in.
v1::LogRecord NewRecord(v1::RecordKind kind, const Call& call,
                        const policy::Policy& policy, absl::Time now,
                        const policy::Decision& decision);

// Writes a REQUEST_DENIED record for a refused request, then returns the
// refusal's status (the decision's code and explanation). If the record
// cannot be written the caller still gets a refusal, UNAVAILABLE, saying so.
// `record` must come from NewRecord with the refusing decision; `events` are
// stored with it.
absl::Status Refuse(log::DisclosureLog* log, v1::LogRecord record,
                    std::vector<Outgoing> events = {});

// A refusal for an exceeded quota: RESOURCE_EXHAUSTED with `message` (which
// names the quota and when it resets), logged, and an event for the
// privacy officers of the partner and of the RIEC.
absl::Status RefuseOverQuota(log::DisclosureLog* log, const Call& call,
                             const policy::Policy& policy, absl::Time now,
                             absl::string_view quota, absl::string_view message,
                             v1::LogRecord* context = nullptr);

// Checks the caller-level rules (identity known, convenant in force, role
// allowed for `action`) before a request is looked at. OK, or the refusal
// after its log record is written.
absl::Status AdmitCaller(log::DisclosureLog* log, const Call& call,
                         const policy::Policy& policy, policy::Action action, absl::Time now);

// Appends a subject (kind and pseudonym) to a record.
v1::LoggedSubject* AddSubject(v1::LogRecord* record, const v1::Subject& s);

// A subject as one string (pseudonym, then kind), for sets and keys.
std::string SubjectKey(const v1::Subject& s);

// A refusing decision that the core makes on facts the policy engine does
// not see (a state, a duplicate): `rule` names what forbids it.
policy::Decision Denial(absl::StatusCode code, std::string rule, std::string explanation);

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_RECORDS_H_
