// The one owner of stage-2 content requests' state: reading them, lapsing
// them (a case narrows or ends), erasing them with their case, and the
// locks that serialise their changes. Built before Cases and Content, which
// both use it, so neither depends on the other for it.
//
// Locks are striped per case: every change of a request (provide, refuse,
// fetch, lapse) holds its case's stripe from the read of the request until
// its write is durable, so a payload is handed out at most once and no
// provision slips in between a case's closing and its write. Lock order:
// signals, cases, then a request stripe; at most one stripe at a time.
//
// Thread-safety: safe for concurrent use.
// Ownership: the Store is not owned.
#ifndef RIEC_BROKER_CORE_CONTENT_REQUESTS_H_
#define RIEC_BROKER_CORE_CONTENT_REQUESTS_H_

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "riec/v1/content.pb.h"
#include "storage/store.h"

namespace riec::core {

class ContentRequests {
 public:
  explicit ContentRequests(const storage::Store* store) : store_(store) {}

  // The stripe that serialises changes of `case_id`'s requests.
  absl::Mutex& CaseMutex(absl::string_view case_id);

  absl::StatusOr<std::optional<v1::ContentRequest>> Load(absl::string_view id) const;
  // The requests of a case, as stored.
  absl::StatusOr<std::vector<v1::ContentRequest>> OfCase(absl::string_view case_id) const;
  // The requests of a holder or requester, as stored.
  absl::StatusOr<std::vector<v1::ContentRequest>> OfPartner(absl::string_view partner) const;

  // Lapses the case's requests that are pending or provided and match
  // `filter`: their state becomes LAPSED and their payloads are deleted, by
  // mutations added to `batch`. Returns how many payloads were deleted; adds
  // the lapsed request ids to `lapsed` if it is not null. The caller holds
  // CaseMutex(case_id) until the batch is written.
  using Filter = std::function<bool(const v1::ContentRequest&)>;
  absl::StatusOr<uint64_t> Lapse(absl::string_view case_id, const Filter& filter,
                                 storage::Batch* batch, std::vector<std::string>* lapsed = nullptr);

  // The partners that answered a request in the case (provided or refused).
  absl::StatusOr<std::vector<std::string>> AnsweringHolders(absl::string_view case_id) const;

  // Erasure of everything stage 2 kept for a case (requests, their index
  // entries and payloads), added to `batch`; returns the number of requests.
  absl::StatusOr<uint64_t> EraseOfCase(absl::string_view case_id, storage::Batch* batch) const;

  // Marks `r` lapsed in `batch`, deleting its payload if it had one.
  static void LapseOne(v1::ContentRequest* r, storage::Batch* batch);
  // Pending or provided: a request that can still change.
  static bool IsOpen(v1::RequestState s) {
    return s == v1::REQUEST_PENDING || s == v1::REQUEST_PROVIDED;
  }

 private:
  const storage::Store* store_;
  std::array<absl::Mutex, 32> stripes_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_CONTENT_REQUESTS_H_
