#include "core/events.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "core/records.h"

namespace riec::core {
namespace {
std::string RecipientPrefix(absl::string_view partner) {
  return absl::StrCat(partner, std::string(1, '\0'));
}
}  // namespace

log::DisclosureLog::IndexedMutations StoreEvents(std::vector<Outgoing> events) {
  if (events.empty()) return nullptr;
  return [events = std::move(events)](uint64_t index, std::vector<storage::Mutation>* out) {
    for (size_t i = 0; i < events.size(); ++i) {
      v1::Event e = events[i].event;
      e.set_sequence(((index + 1) << 16) | i);  // never 0: "after 0" means from the start
      e.set_log_index(index);
      e.set_recipient_role(events[i].role);
      std::string bytes;
      e.SerializeToString(&bytes);
      out->push_back({storage::Family::kEvents,
                      RecipientPrefix(events[i].recipient) + storage::EncodeBE64(e.sequence()),
                      std::move(bytes)});
    }
  };
}

std::vector<Outgoing> ForPrivacyOfficers(const policy::Policy& policy,
                                         const std::string& partner, const v1::Event& event) {
  std::vector<Outgoing> out = {{partner, std::string(kRolePrivacyOfficer), event}};
  if (!policy.secretariat().empty() && policy.secretariat() != partner) {
    out.push_back({policy.secretariat(), std::string(kRolePrivacyOfficer), event});
  }
  return out;
}

absl::StatusOr<std::vector<v1::Event>> Events::Read(const Identity& who, uint64_t after,
                                                    size_t limit, bool* more) const {
  const std::string prefix = RecipientPrefix(who.partner);
  std::vector<v1::Event> out;
  *more = false;
  auto it = env_.store->NewIterator(storage::Family::kEvents);
  for (it->Seek(prefix + storage::EncodeBE64(after + 1));
       it->Valid() && it->key().starts_with(prefix); it->Next()) {
    v1::Event e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("stored event unreadable");
    }
    if (!e.recipient_role().empty() && e.recipient_role() != who.role) continue;
    if (out.size() == limit) {
      *more = true;
      break;
    }
    out.push_back(std::move(e));
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "event scan");
  return out;
}

absl::StatusOr<v1::ListEventsResponse> Events::List(const Call& call,
                                                    const v1::ListEventsRequest& request) {
  const auto policy = env_.policy->Current();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kReadEvents,
                              env_.clock->Now()));
  const size_t limit = request.limit() == 0 ? 1000 : std::min<size_t>(request.limit(), 1000);
  bool more = false;
  ASSIGN_OR_RETURN(auto events, Read(call.caller.identity, request.after_sequence(), limit, &more));
  v1::ListEventsResponse response;
  for (auto& e : events) *response.add_events() = std::move(e);
  response.set_more(more);
  return response;
}

absl::Status Events::Subscribe(const Call& call, uint64_t after_sequence,
                               const std::function<bool(const v1::Event&)>& send,
                               const std::function<bool()>& stop) {
  const auto policy = env_.policy->Current();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kReadEvents,
                              env_.clock->Now()));
  uint64_t cursor = after_sequence;
  while (!stop()) {
    const uint64_t seen = env_.log->Size();
    bool more = true;
    while (more) {
      ASSIGN_OR_RETURN(auto events, Read(call.caller.identity, cursor, 1000, &more));
      for (const auto& e : events) {
        if (!send(e)) return absl::OkStatus();
        cursor = e.sequence();
      }
    }
    env_.log->WaitForGrowth(seen, absl::Seconds(1));
  }
  return absl::OkStatus();
}

}  // namespace riec::core
