#include "core/events.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "riec/common/status_macros.h"
#include "storage/tables.h"

namespace riec::core {

absl::StatusOr<std::vector<v1::Event>> Events::Read(const storage::Store& store,
                                                    const Identity& who, uint64_t after,
                                                    size_t limit, bool* more) {
  std::vector<v1::Event> out;
  *more = false;
  RETURN_IF_ERROR(storage::EventTable(&store).Read(who.partner, after, [&](const v1::Event& e) {
    if (e.recipient_role() != who.role) return true;
    if (out.size() == limit) {
      *more = true;
      return false;
    }
    out.push_back(e);
    return true;
  }));
  return out;
}

absl::StatusOr<std::vector<v1::Event>> Subscription::Next(size_t limit) {
  bool more = false;
  ASSIGN_OR_RETURN(auto events, Events::Read(*store_, who_, cursor_.load(), limit, &more));
  if (!events.empty()) cursor_.store(events.back().sequence());
  return events;
}

absl::StatusOr<uint64_t> Subscription::Waiting(uint64_t cap) const {
  uint64_t n = 0;
  RETURN_IF_ERROR(storage::EventTable(store_).Read(who_.partner, cursor_.load(), [&](const v1::Event& e) {
    n += e.recipient_role() == who_.role;
    return n < cap;
  }));
  return n;
}

absl::StatusOr<v1::ListEventsResponse> Events::List(RequestContext& ctx,
                                                    const v1::ListEventsRequest& request) {
  const size_t limit = request.limit() == 0 ? 1000 : std::min<size_t>(request.limit(), 1000);
  bool more = false;
  ASSIGN_OR_RETURN(auto events, Read(*env_.store, ctx.who(), request.after_sequence(), limit, &more));
  v1::ListEventsResponse response;
  for (auto& e : events) *response.add_events() = std::move(e);
  response.set_more(more);
  return response;
}

absl::StatusOr<std::shared_ptr<Subscription>> Events::Subscribe(RequestContext& ctx,
                                                                const v1::SubscribeRequest& request) {
  const uint64_t max = ctx.policy().QuotasFor(ctx.partner()).event_streams;
  auto ticket = env_.limits->OpenStream(ctx.partner(), max);
  if (!ticket.ok()) return ctx.RefuseOverQuota("event_streams", ticket.status().message());
  return std::make_shared<Subscription>(env_.store, ctx.who(), request.after_sequence(),
                                        *std::move(ticket));
}

}  // namespace riec::core
