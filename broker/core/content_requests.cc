#include "core/content_requests.h"

#include <set>

#include "absl/hash/hash.h"

#include "riec/common/status_macros.h"
#include "storage/tables.h"

namespace riec::core {

absl::Mutex& ContentRequests::CaseMutex(absl::string_view case_id) {
  return stripes_[absl::Hash<absl::string_view>()(case_id) % stripes_.size()];
}

absl::StatusOr<std::optional<v1::ContentRequest>> ContentRequests::Load(absl::string_view id) const {
  return storage::RequestTable(store_).Get(id);
}

absl::StatusOr<std::vector<v1::ContentRequest>> ContentRequests::OfCase(
    absl::string_view case_id) const {
  return OfPartner(case_id);  // the case's entries share the party table
}

absl::StatusOr<std::vector<v1::ContentRequest>> ContentRequests::OfPartner(
    absl::string_view party) const {
  storage::RequestTable table(store_);
  ASSIGN_OR_RETURN(auto ids, table.IdsOf(party));
  std::vector<v1::ContentRequest> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    ASSIGN_OR_RETURN(auto r, table.Get(id));
    if (r) out.push_back(*std::move(r));
  }
  return out;
}

void ContentRequests::LapseOne(v1::ContentRequest* r, storage::Batch* batch) {
  const bool had_payload = r->state() == v1::REQUEST_PROVIDED;
  r->set_state(v1::REQUEST_LAPSED);
  storage::RequestTable::Put(batch, *r, /*created=*/false);
  storage::RequestTable::DeletePayload(batch, r->id());  // and its fetch challenge
}

absl::StatusOr<uint64_t> ContentRequests::Lapse(absl::string_view case_id, const Filter& filter,
                                                storage::Batch* batch,
                                                std::vector<std::string>* lapsed) {
  ASSIGN_OR_RETURN(auto requests, OfCase(case_id));
  uint64_t payloads = 0;
  for (auto& r : requests) {
    if (!IsOpen(r.state()) || !filter(r)) continue;
    if (r.state() == v1::REQUEST_PROVIDED) ++payloads;
    LapseOne(&r, batch);
    if (lapsed != nullptr) lapsed->push_back(r.id());
  }
  return payloads;
}

absl::StatusOr<std::vector<std::string>> ContentRequests::AnsweringHolders(
    absl::string_view case_id) const {
  ASSIGN_OR_RETURN(auto requests, OfCase(case_id));
  std::set<std::string> out;
  for (const auto& r : requests) {
    if (r.has_answered()) out.insert(r.holder());
  }
  return std::vector<std::string>(out.begin(), out.end());
}

absl::StatusOr<uint64_t> ContentRequests::EraseOfCase(absl::string_view case_id,
                                                      storage::Batch* batch) const {
  ASSIGN_OR_RETURN(auto requests, OfCase(case_id));
  for (const auto& r : requests) storage::RequestTable::Erase(batch, r);
  return requests.size();
}

}  // namespace riec::core
