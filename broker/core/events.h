// Events: notices for a partner's role, stored with the log record of the
// decision that caused them and delivered live or later
// (proto/riec/v1/events.proto).
//
// An event's sequence number is (its record's log index + 1) << 24 plus its
// position among that record's events (storage/keys.h), so events are
// ordered exactly as their records were committed, no two collide, and a
// subscriber that resumes after the last sequence it saw misses nothing.
//
// Thread-safety: safe for concurrent use; a Subscription belongs to one
// stream.
#ifndef RIEC_BROKER_CORE_EVENTS_H_
#define RIEC_BROKER_CORE_EVENTS_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/pipeline.h"
#include "core/traffic.h"
#include "riec/v1/events.pb.h"

namespace riec::core {

// One open stream of a caller's events (Events.Subscribe): it reads on from
// its cursor. Counted against the partner's quotas.event_streams while it
// lives.
class Subscription {
 public:
  Subscription(const storage::Store* store, Identity who, uint64_t after,
               TrafficLimits::Stream ticket)
      : store_(store), who_(std::move(who)), cursor_(after), ticket_(std::move(ticket)) {}

  // The caller's next events, at most `limit`, in order; the cursor moves
  // past them.
  absl::StatusOr<std::vector<v1::Event>> Next(size_t limit);
  uint64_t cursor() const { return cursor_.load(); }
  const Identity& who() const { return who_; }
  // How many of the caller's events are stored past the cursor (not read
  // by the stream yet), counted up to `cap`. Safe to call from another
  // thread than the stream's (the operator's metrics).
  absl::StatusOr<uint64_t> Waiting(uint64_t cap) const;

 private:
  const storage::Store* store_;
  const Identity who_;
  std::atomic<uint64_t> cursor_;
  TrafficLimits::Stream ticket_;
};

class Events {
 public:
  explicit Events(const Env& env) : env_(env) {}

  absl::StatusOr<v1::ListEventsResponse> List(RequestContext& ctx,
                                              const v1::ListEventsRequest& request);
  // Opens a stream of the caller's events after `request.after_sequence`.
  // RESOURCE_EXHAUSTED (logged) when the partner has its maximum of streams
  // open.
  absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(RequestContext& ctx,
                                                          const v1::SubscribeRequest& request);

  // The events of `who` after `after`, at most `limit`; `more` says whether
  // there are more. Only the events for `who`'s role.
  static absl::StatusOr<std::vector<v1::Event>> Read(const storage::Store& store,
                                                     const Identity& who, uint64_t after,
                                                     size_t limit, bool* more);

 private:
  Env env_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_EVENTS_H_
