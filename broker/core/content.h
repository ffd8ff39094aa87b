// Stage 2: encryption keys, content requests and the sealed content that
// answers them, inside the scope of an unlocked case
// (proto/riec/v1/content.proto; DESIGN.md §6; docs/two-stage.md).
//
// The broker relays ciphertext only: content is sealed by the holder's
// system to the requester's registered X25519 key (crypto_box_seal) and
// opened by the requester's system. A payload is handed to the requester
// once — only to a requester that proves it holds the private key it is
// sealed to — and deleted then, or when the case ends or narrows it out of
// scope, or when retention.payloads passes.
//
// A request is seen only by its holder and its requester; to anyone else it
// is NOT_FOUND, whether it exists or not (logged).
//
// Thread-safety: safe for concurrent use; changes of a request hold its
// case's stripe of ContentRequests, so a payload is handed out at most once.
// Ownership: Cases and ContentRequests are not owned.
#ifndef RIEC_BROKER_CORE_CONTENT_H_
#define RIEC_BROKER_CORE_CONTENT_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "core/cases.h"
#include "core/content_requests.h"
#include "core/pipeline.h"
#include "riec/v1/content.pb.h"

namespace riec::core {

// Most content one request may carry, before sealing.
inline constexpr uint64_t kMaxContentSize = 16u << 20;

class Content {
 public:
  Content(const Env& env, Cases* cases, ContentRequests* requests)
      : env_(env), cases_(cases), requests_(requests) {}

  absl::StatusOr<v1::EncryptionKey> RegisterKey(RequestContext& ctx,
                                                const v1::RegisterKeyRequest& request);
  absl::StatusOr<v1::EncryptionKey> GetKey(RequestContext& ctx, const v1::GetKeyRequest& request);
  absl::StatusOr<v1::ContentRequest> RequestContent(RequestContext& ctx,
                                                    const v1::RequestContentRequest& request);
  absl::StatusOr<v1::ListRequestsResponse> ListRequests(RequestContext& ctx,
                                                        const v1::ListRequestsRequest& request);
  absl::StatusOr<v1::ContentRequest> GetRequest(RequestContext& ctx,
                                                const v1::GetRequestRequest& request);
  absl::StatusOr<v1::ContentRequest> ProvideContent(RequestContext& ctx,
                                                    const v1::ProvideContentRequest& request);
  absl::StatusOr<v1::ContentRequest> RefuseRequest(RequestContext& ctx,
                                                   const v1::RefuseRequestRequest& request);
  absl::StatusOr<v1::FetchContentResponse> FetchContent(RequestContext& ctx,
                                                        const v1::FetchContentRequest& request);

  // Retention: lapses payloads provided more than `keep` ago and not
  // fetched, and those of cases that ended; hands `commit` the batches (one
  // per case, written while the case's requests are locked).
  absl::Status SweepPayloads(absl::Time now, absl::Duration keep, const SweepCommit& commit);

 private:
  // The request as its holder or requester sees it: LAPSED if its case
  // ended while it was pending or provided.
  absl::StatusOr<v1::ContentRequest> Effective(v1::ContentRequest r, absl::Time now) const;
  // The decision on the context's content action in `c` for `r`.
  policy::Decision DecideOn(RequestContext& ctx, const v1::Case& c,
                            const v1::ContentRequest& r) const;
  // Sets the context to request `r` of case `c` (what its records carry).
  static void About(RequestContext& ctx, const v1::Case& c, const v1::ContentRequest& r);
  // Loads a request for an answer or a fetch by the caller as holder or
  // requester and decides; a refusal is logged; a request that is not the
  // caller's to act on is NOT_FOUND. Requires the case's stripe held.
  using Check = std::function<std::optional<policy::Decision>(const v1::ContentRequest&)>;
  absl::StatusOr<std::tuple<v1::ContentRequest, v1::Case, policy::Decision>> Admit(
      RequestContext& ctx, const v1::ContentRequest& r, bool as_holder, const Check& extra);
  // The request `id` and the stripe of its case (locked by the caller).
  absl::StatusOr<v1::ContentRequest> LoadFor(RequestContext& ctx, absl::string_view id);

  Env env_;
  Cases* cases_;
  ContentRequests* requests_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_CONTENT_H_
