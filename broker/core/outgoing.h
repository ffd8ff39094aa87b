// Events to be written with a disclosure-log record: who gets each (a
// partner and one of its roles: events go only to the roles that need them),
// and the log hook that stores them under the record's index with their
// sequence numbers (storage/keys.h: EventSequence).
//
// Thread-safety: value types and pure functions.
#ifndef RIEC_BROKER_CORE_OUTGOING_H_
#define RIEC_BROKER_CORE_OUTGOING_H_

#include <string>
#include <vector>

#include "log/disclosure_log.h"
#include "riec/policy/policy.h"
#include "riec/v1/events.pb.h"

namespace riec::core {

struct Outgoing {
  std::string recipient;  // partner id
  std::string role;       // the one role of that partner that receives it
  v1::Event event;
};

// The log-append hook that stores `events` under the record's index.
// Requires events.size() <= storage::keys::kMaxEventsPerRecord + 1 (the
// pipeline refuses more before it appends).
log::DisclosureLog::IndexedMutations StoreEvents(std::vector<Outgoing> events);

// The privacy officers of `partner` and of the RIEC itself (the policy's
// secretariat), each once.
std::vector<Outgoing> ForPrivacyOfficers(const policy::Policy& policy, const std::string& partner,
                                         const v1::Event& event);

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_OUTGOING_H_
