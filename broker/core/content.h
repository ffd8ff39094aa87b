// Stage 2: encryption keys, content requests and the sealed content that
// answers them, inside the scope of an unlocked case
// (proto/riec/v1/content.proto; DESIGN.md §6).
//
// The broker relays ciphertext only: content is sealed by the holder's
// system to the requester's registered X25519 key (crypto_box_seal) and
// opened by the requester's system. A payload is handed to the requester
// once and deleted then, or when the case ends or narrows it out of scope,
// or when retention.payloads passes.
//
// Storage (docs/storage.md): requests in kRequests; kRequestsByPartner holds
// "<partner>\0<request id>" for the holder and for the requester, and
// "<case id>\0<request id>" for the case (case ids start with "C-", which no
// partner id can); sealed content in kPayloads.
//
// Thread-safety: safe for concurrent use; state changes of requests are
// serialised by LockRequests(), so a payload is handed out at most once.
// Ownership: Cases is not owned.
#ifndef RIEC_BROKER_CORE_CONTENT_H_
#define RIEC_BROKER_CORE_CONTENT_H_

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/cases.h"
#include "core/env.h"
#include "riec/v1/content.pb.h"

namespace riec::core {

// Most content one request may carry, before sealing.
inline constexpr uint64_t kMaxContentSize = 16u << 20;

// The lock that serialises every change of a content request's state: the
// Content operations, and the case steps that lapse requests (held until
// their write is done, so that no provision slips in between). Lock order:
// signals, cases, then this one.
std::unique_lock<std::mutex> LockRequests();

// Which of a case's requests to lapse.
using RequestFilter = std::function<bool(const v1::ContentRequest&)>;

// Lapses the case's requests that are pending or provided and match
// `filter`: their state becomes LAPSED and their payloads are deleted, by
// mutations added to `out`. Returns how many payloads were deleted; adds the
// lapsed request ids to `lapsed` if it is not null.
absl::StatusOr<uint64_t> LapseRequests(const storage::Store* store, const std::string& case_id,
                                       const RequestFilter& filter,
                                       std::vector<storage::Mutation>* out,
                                       std::vector<std::string>* lapsed = nullptr);

// The partners that answered a request in the case (provided or refused).
absl::StatusOr<std::vector<std::string>> AnsweringHolders(const storage::Store* store,
                                                          const std::string& case_id);

// Erasure of everything stage 2 kept for a case (requests, their index
// entries and payloads), added to `out`; returns the number of requests.
absl::StatusOr<uint64_t> EraseRequests(const storage::Store* store, const std::string& case_id,
                                       std::vector<storage::Mutation>* out);

class Content {
 public:
  Content(const Env& env, const Cases* cases) : env_(env), cases_(cases) {}

  absl::StatusOr<v1::EncryptionKey> RegisterKey(const Call& call,
                                                const v1::RegisterKeyRequest& request);
  absl::StatusOr<v1::EncryptionKey> GetKey(const Call& call, const v1::GetKeyRequest& request);
  absl::StatusOr<v1::ContentRequest> Request(const Call& call,
                                             const v1::RequestContentRequest& request);
  absl::StatusOr<v1::ListRequestsResponse> List(const Call& call,
                                                const v1::ListRequestsRequest& request);
  absl::StatusOr<v1::ContentRequest> Get(const Call& call, const v1::GetRequestRequest& request);
  absl::StatusOr<v1::ContentRequest> Provide(const Call& call,
                                             const v1::ProvideContentRequest& request);
  absl::StatusOr<v1::ContentRequest> Refuse(const Call& call,
                                            const v1::RefuseRequestRequest& request);
  absl::StatusOr<v1::FetchContentResponse> Fetch(const Call& call,
                                                 const v1::FetchContentRequest& request);

  // Retention: lapses payloads provided more than `keep` ago and not
  // fetched, and those of cases that ended; hands `commit` the batches.
  absl::Status SweepPayloads(absl::Time now, absl::Duration keep, size_t batch,
                             const SweepCommit& commit);

  // A partner's current key; NOT_FOUND if it registered none.
  absl::StatusOr<v1::EncryptionKey> CurrentKey(const std::string& partner) const;

 private:
  // The stored request (state as stored). NOT_FOUND if there is none.
  absl::StatusOr<v1::ContentRequest> Load(const std::string& id) const;
  // The request as its holder or requester sees it: LAPSED if its case
  // ended while it was pending or provided.
  v1::ContentRequest Effective(v1::ContentRequest r, absl::Time now) const;
  // The decision on a content action in a request's case.
  policy::Decision DecideOn(const Call& call, const policy::Policy& policy, policy::Action action,
                            const v1::Case& c, const v1::ContentRequest& r, absl::Time now) const;
  // A record of `kind` about request `r` in case `c`.
  v1::LogRecord RecordOf(v1::RecordKind kind, const Call& call, const policy::Policy& policy,
                         absl::Time now, const policy::Decision& d, const v1::Case& c,
                         const v1::ContentRequest& r) const;
  // Loads a request for an answer or a fetch by `call`'s partner as
  // `party` (holder or requester) and decides; the refusal is logged.
  absl::StatusOr<std::pair<v1::ContentRequest, v1::Case>> Admit(
      const Call& call, const policy::Policy& policy, policy::Action action,
      const std::string& request_id, bool as_holder, absl::Time now,
      const std::function<std::optional<policy::Decision>(const v1::ContentRequest&)>& extra);

  Env env_;
  const Cases* cases_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_CONTENT_H_
