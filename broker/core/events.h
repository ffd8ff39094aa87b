// Events: notices for a partner (or one of its roles), stored with the log
// record of the decision that caused them and delivered live or later
// (proto/riec/v1/events.proto).
//
// An event's sequence number is (its record's log index + 1) times 65536
// plus its position among that record's events, so events are ordered exactly as
// their records were committed, and a subscriber that resumes after the
// last sequence it saw misses nothing.
//
// Thread-safety: safe for concurrent use.
#ifndef RIEC_BROKER_CORE_EVENTS_H_
#define RIEC_BROKER_CORE_EVENTS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env.h"
#include "riec/v1/events.pb.h"

namespace riec::core {

// An event to be written with a log record: for `recipient` (a partner id),
// and only its `role` if that is not empty.
struct Outgoing {
  std::string recipient;
  std::string role;
  v1::Event event;
};

// The log-append hook that stores `events` under the record's index.
log::DisclosureLog::IndexedMutations StoreEvents(std::vector<Outgoing> events);

// The privacy officers of `partner` and of the RIEC itself (the policy's
// secretariat), each once.
std::vector<Outgoing> ForPrivacyOfficers(const policy::Policy& policy,
                                         const std::string& partner, const v1::Event& event);

class Events {
 public:
  explicit Events(const Env& env) : env_(env) {}

  absl::StatusOr<v1::ListEventsResponse> List(const Call& call,
                                              const v1::ListEventsRequest& request);

  // Calls `send` for each of the caller's events after `after_sequence`,
  // stored and new, until `send` returns false or `stop` returns true
  // (checked at least every second). OK when it ends that way.
  absl::Status Subscribe(const Call& call, uint64_t after_sequence,
                         const std::function<bool(const v1::Event&)>& send,
                         const std::function<bool()>& stop);

 private:
  // The caller's events after `after`, at most `limit`.
  absl::StatusOr<std::vector<v1::Event>> Read(const Identity& who, uint64_t after,
                                              size_t limit, bool* more) const;
  Env env_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_EVENTS_H_
