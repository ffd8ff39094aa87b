#include "core/content.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "core/records.h"
#include "core/validate.h"
#include "riec/crypto/sealed_box.h"

namespace riec::core {
namespace {

using absl::StatusCode;
using storage::Family;

constexpr int kMaxUseConditions = 20;
constexpr size_t kMaxUseCondition = 200;
constexpr size_t kMaxRefusalNote = 200;

std::string Serialize(const google::protobuf::Message& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

std::string PartyKey(absl::string_view party, absl::string_view request_id) {
  return absl::StrCat(party, std::string(1, '\0'), request_id);
}

std::string KeyKey(absl::string_view partner, absl::string_view key_id) {
  return absl::StrCat(partner, std::string(1, '\0'), key_id);
}

// The requests of a case, as stored.
absl::StatusOr<std::vector<v1::ContentRequest>> RequestsOfCase(const storage::Store* store,
                                                               const std::string& case_id) {
  std::vector<v1::ContentRequest> out;
  const std::string prefix = PartyKey(case_id, "");
  auto it = store->NewIterator(Family::kRequestsByPartner);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string id = it->key().ToString().substr(prefix.size());
    ASSIGN_OR_RETURN(auto stored, store->Get(Family::kRequests, id));
    v1::ContentRequest r;
    if (stored.has_value() && r.ParseFromString(*stored)) out.push_back(std::move(r));
  }
  RETURN_IF_ERROR(storage::FromRocks(it->status(), "content request scan"));
  return out;
}

bool Open(v1::RequestState s) { return s == v1::REQUEST_PENDING || s == v1::REQUEST_PROVIDED; }

absl::string_view StateText(v1::RequestState s) {
  switch (s) {
    case v1::REQUEST_PENDING: return "pending";
    case v1::REQUEST_PROVIDED: return "provided";
    case v1::REQUEST_REFUSED: return "refused";
    case v1::REQUEST_FETCHED: return "fetched (content is handed over once)";
    case v1::REQUEST_LAPSED: return "lapsed (its case ended or left it out of scope; the content was deleted)";
    default: return "unknown";
  }
}

// An event about request `r` of case `c`, for the other party; `about` is
// the partner that acted.
Outgoing RequestEvent(v1::EventKind kind, const v1::Case& c, const v1::ContentRequest& r, absl::Time now,
                      const std::string& about, std::string text) {
  v1::Event e;
  e.set_kind(kind);
  *e.mutable_time() = ToProtoTime(now);
  e.set_partner(about);
  e.set_case_id(c.id());
  e.set_signal_id(c.signal_id());
  e.set_purpose(c.purpose());
  e.set_request_id(r.id());
  e.set_key_id(r.key_id());
  *e.mutable_subject() = r.subject();
  e.set_text(std::move(text));
  const std::string& to = about == r.holder() ? r.requester() : r.holder();
  return {to, std::string(kRolePartnerSystem), std::move(e)};
}

// A request is answered once: refused unless it is pending.
std::optional<policy::Decision> UnlessPending(const v1::ContentRequest& r) {
  if (r.state() == v1::REQUEST_PENDING) return std::nullopt;
  return Denial(absl::StatusCode::kFailedPrecondition, "content.state",
                absl::StrCat("request ", r.id(), " is ", StateText(r.state())));
}

void Lapse(v1::ContentRequest* r, std::vector<storage::Mutation>* out) {
  const bool had_payload = r->state() == v1::REQUEST_PROVIDED;
  r->set_state(v1::REQUEST_LAPSED);
  out->push_back({Family::kRequests, r->id(), Serialize(*r)});
  if (had_payload) out->push_back({Family::kPayloads, r->id(), std::nullopt});
}

}  // namespace

std::unique_lock<std::mutex> LockRequests() {
  static std::mutex* mu = new std::mutex;
  return std::unique_lock<std::mutex>(*mu);
}

absl::StatusOr<uint64_t> LapseRequests(const storage::Store* store, const std::string& case_id,
                                       const RequestFilter& filter,
                                       std::vector<storage::Mutation>* out,
                                       std::vector<std::string>* lapsed) {
  ASSIGN_OR_RETURN(auto requests, RequestsOfCase(store, case_id));
  uint64_t payloads = 0;
  for (auto& r : requests) {
    if (!Open(r.state()) || !filter(r)) continue;
    if (r.state() == v1::REQUEST_PROVIDED) ++payloads;
    Lapse(&r, out);
    if (lapsed != nullptr) lapsed->push_back(r.id());
  }
  return payloads;
}

absl::StatusOr<std::vector<std::string>> AnsweringHolders(const storage::Store* store,
                                                          const std::string& case_id) {
  ASSIGN_OR_RETURN(auto requests, RequestsOfCase(store, case_id));
  std::set<std::string> out;
  for (const auto& r : requests) {
    if (r.has_answered()) out.insert(r.holder());
  }
  return std::vector<std::string>(out.begin(), out.end());
}

absl::StatusOr<uint64_t> EraseRequests(const storage::Store* store, const std::string& case_id,
                                       std::vector<storage::Mutation>* out) {
  ASSIGN_OR_RETURN(auto requests, RequestsOfCase(store, case_id));
  for (const auto& r : requests) {
    out->push_back({Family::kRequests, r.id(), std::nullopt});
    out->push_back({Family::kPayloads, r.id(), std::nullopt});
    out->push_back({Family::kRequestsByPartner, PartyKey(r.holder(), r.id()), std::nullopt});
    out->push_back({Family::kRequestsByPartner, PartyKey(r.requester(), r.id()), std::nullopt});
    out->push_back({Family::kRequestsByPartner, PartyKey(case_id, r.id()), std::nullopt});
  }
  return requests.size();
}

absl::StatusOr<v1::EncryptionKey> Content::CurrentKey(const std::string& partner) const {
  ASSIGN_OR_RETURN(auto stored, env_.store->Get(Family::kKeys, KeyKey(partner, "")));
  v1::EncryptionKey key;
  if (!stored.has_value() || !key.ParseFromString(*stored)) {
    return absl::NotFoundError(absl::StrCat("partner '", partner,
                                            "' has registered no encryption key (riec keys register)"));
  }
  return key;
}

absl::StatusOr<v1::EncryptionKey> Content::RegisterKey(const Call& call,
                                                       const v1::RegisterKeyRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  const std::string& partner = call.caller.identity.partner;
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kRegisterKey, now));
  if (request.public_key().size() != crypto::kBoxPublicKeySize) {
    return absl::InvalidArgumentError(absl::StrCat("public_key: ", request.public_key().size(),
                                                   " bytes, want a 32-byte X25519 public key"));
  }
  // A key nothing can be sealed to (all zero, a low-order point) is refused.
  if (!crypto::Seal(request.public_key(), "probe").ok()) {
    return absl::InvalidArgumentError("public_key: not a usable X25519 public key (low-order point)");
  }
  policy::Request q{policy::Action::kRegisterKey, call.caller.identity, now};
  const policy::Decision d = policy->Decide(q);
  if (!d.allowed) return core::Refuse(env_.log, NewRecord(v1::REQUEST_DENIED, call, *policy, now, d));

  v1::EncryptionKey key;
  key.set_partner(partner);
  key.set_public_key(request.public_key());
  key.set_key_id(crypto::BoxKeyId(request.public_key()));
  *key.mutable_registered() = ToProtoTime(now);
  auto lock = LockRequests();
  v1::LogRecord record = NewRecord(v1::KEY_REGISTERED, call, *policy, now, d);
  record.mutable_content()->set_key_id(key.key_id());
  auto previous = CurrentKey(partner);
  if (previous.ok()) {
    record.mutable_decision()->set_explanation(absl::StrCat(
        "partner '", partner, "' rotated its encryption key from ", previous->key_id(), " to ",
        key.key_id(), "; content sealed to the earlier key can still be opened with it"));
  }
  const std::string bytes = Serialize(key);
  RETURN_IF_ERROR(env_.log->Append(record, {{Family::kKeys, KeyKey(partner, ""), bytes},
                                             {Family::kKeys, KeyKey(partner, key.key_id()), bytes}}).status());
  return key;
}

absl::StatusOr<v1::EncryptionKey> Content::GetKey(const Call& call, const v1::GetKeyRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kConnect, now));
  const std::string partner =
      request.partner().empty() ? call.caller.identity.partner : request.partner();
  if (!IsValidId(partner)) {
    return absl::InvalidArgumentError(absl::StrCat("partner: '", partner, "' is not a partner id"));
  }
  return CurrentKey(partner);
}

absl::StatusOr<v1::ContentRequest> Content::Load(const std::string& id) const {
  ASSIGN_OR_RETURN(auto stored, env_.store->Get(Family::kRequests, id));
  v1::ContentRequest r;
  if (!stored.has_value()) return absl::NotFoundError(absl::StrCat("request_id: no request '", id, "'"));
  if (!r.ParseFromString(*stored)) {
    return absl::DataLossError(absl::StrCat("request ", id, ": stored record unreadable"));
  }
  return r;
}

v1::ContentRequest Content::Effective(v1::ContentRequest r, absl::Time now) const {
  if (!Open(r.state())) return r;
  auto c = cases_->Load(r.case_id(), now);
  if (!c.ok() || c->state() == v1::CASE_STATE_CLOSED || c->state() == v1::CASE_STATE_EXPIRED) {
    r.set_state(v1::REQUEST_LAPSED);
  }
  return r;
}

policy::Decision Content::DecideOn(const Call& call, const policy::Policy& policy,
                                   policy::Action action, const v1::Case& c,
                                   const v1::ContentRequest& r, absl::Time now) const {
  policy::Request q{action, call.caller.identity, now};
  q.purpose = c.purpose();
  policy::CaseFacts f = Cases::Facts(c, call.caller.identity);
  f.holder = r.holder();
  f.requester = r.requester();
  f.category = r.provided_category().empty() ? r.category() : r.provided_category();
  const std::string subject = SubjectKey(r.subject());
  f.subject_in_scope = false;
  for (const auto& s : c.decision().subjects()) f.subject_in_scope |= SubjectKey(s) == subject;
  f.flow_allowed = false;
  for (const auto& flow : c.decision().flows()) {
    f.flow_allowed |= flow.from() == r.holder() && flow.to() == r.requester();
  }
  const auto& cats = c.decision().categories();
  f.category_in_scope =
      f.category.empty() || cats.empty() || std::find(cats.begin(), cats.end(), f.category) != cats.end();
  q.case_facts = f;
  return policy.Decide(q);
}

v1::LogRecord Content::RecordOf(v1::RecordKind kind, const Call& call, const policy::Policy& policy,
                                absl::Time now, const policy::Decision& d, const v1::Case& c,
                                const v1::ContentRequest& r) const {
  v1::LogRecord record = NewRecord(kind, call, policy, now, d);
  record.set_case_id(c.id());
  record.set_signal_id(c.signal_id());
  record.set_purpose(c.purpose());
  if (r.has_subject()) AddSubject(&record, r.subject());
  v1::LoggedContent* lc = record.mutable_content();
  lc->set_request_id(r.id());
  lc->set_holder(r.holder());
  lc->set_requester(r.requester());
  lc->set_key_id(r.key_id());
  lc->set_category(r.provided_category().empty() ? r.category() : r.provided_category());
  return record;
}

absl::StatusOr<v1::ContentRequest> Content::Request(const Call& call,
                                                    const v1::RequestContentRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  const std::string& requester = call.caller.identity.partner;
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kRequestContent, now));
  RETURN_IF_ERROR(ValidateId(request.case_id(), 'C', "case_id", "case"));
  RETURN_IF_ERROR(ValidateSubject(request.subject(), "subject"));
  if (!IsValidId(request.holder())) {
    return absl::InvalidArgumentError(absl::StrCat("holder: '", request.holder(), "' is not a partner id"));
  }
  RETURN_IF_ERROR(ValidateCategory(request.category(), "category", *policy));
  if (request.holder() == requester) {
    return absl::InvalidArgumentError("holder: a partner does not request content from itself");
  }
  auto lock = LockRequests();  // the case cannot close meanwhile
  ASSIGN_OR_RETURN(v1::Case c, cases_->Load(request.case_id(), now));

  v1::ContentRequest r;
  r.set_id(NewId('R'));
  r.set_case_id(c.id());
  *r.mutable_subject() = request.subject();
  r.set_holder(request.holder());
  r.set_requester(requester);
  r.set_category(request.category());
  r.set_state(v1::REQUEST_PENDING);
  *r.mutable_requested() = ToProtoTime(now);
  policy::Decision d = DecideOn(call, *policy, policy::Action::kRequestContent, c, r, now);
  absl::StatusOr<v1::EncryptionKey> key = CurrentKey(requester);
  if (d.allowed && !key.ok()) {
    d = Denial(StatusCode::kFailedPrecondition, "content.key",
               absl::StrCat("partner '", requester,
                            "' has registered no encryption key; content can only be sealed to a "
                            "registered key (riec keys register)"));
  }
  if (!d.allowed) return core::Refuse(env_.log, RecordOf(v1::REQUEST_DENIED, call, *policy, now, d, c, r));
  r.set_key_id(key->key_id());
  r.set_requester_public_key(key->public_key());

  v1::LogRecord record = RecordOf(v1::CONTENT_REQUEST, call, *policy, now, d, c, r);
  record.add_recipients(r.holder());
  Outgoing event = RequestEvent(
      v1::CONTENT_REQUESTED, c, r, now, requester,
      absl::StrCat("partner '", requester, "' requests content",
                   r.category().empty() ? "" : " of category '" + r.category() + "'", " on a subject of case ",
                   c.id(), " (request ", r.id(), ", key ", r.key_id(), "): riec content provide or refuse"));
  const std::string bytes = Serialize(r);
  RETURN_IF_ERROR(env_.log->Append(record,
                                    {{Family::kRequests, r.id(), bytes},
                                     {Family::kRequestsByPartner, PartyKey(r.holder(), r.id()), ""},
                                     {Family::kRequestsByPartner, PartyKey(requester, r.id()), ""},
                                     {Family::kRequestsByPartner, PartyKey(c.id(), r.id()), ""}},
                                    StoreEvents({std::move(event)})).status());
  return r;
}

absl::StatusOr<v1::ListRequestsResponse> Content::List(const Call& call,
                                                       const v1::ListRequestsRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kFetchContent, now));
  if (!v1::RequestState_IsValid(request.state())) return absl::InvalidArgumentError("state: unknown value");
  const std::string prefix = PartyKey(call.caller.identity.partner, "");
  std::vector<v1::ContentRequest> found;
  auto it = env_.store->NewIterator(Family::kRequestsByPartner);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto r = Load(it->key().ToString().substr(prefix.size()));
    if (!r.ok()) continue;
    v1::ContentRequest e = Effective(*std::move(r), now);
    if (request.state() != v1::REQUEST_STATE_UNSPECIFIED && e.state() != request.state()) continue;
    found.push_back(std::move(e));
  }
  RETURN_IF_ERROR(storage::FromRocks(it->status(), "content request scan"));
  std::sort(found.begin(), found.end(), [](const v1::ContentRequest& a, const v1::ContentRequest& b) {
    if (a.requested().seconds() != b.requested().seconds()) return a.requested().seconds() < b.requested().seconds();
    return a.id() < b.id();
  });
  if (found.size() > 1000) found.resize(1000);
  v1::ListRequestsResponse response;
  for (auto& r : found) *response.add_requests() = std::move(r);
  return response;
}

absl::StatusOr<v1::ContentRequest> Content::Get(const Call& call,
                                                const v1::GetRequestRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kFetchContent, now));
  RETURN_IF_ERROR(ValidateId(request.request_id(), 'R', "request_id", "content request"));
  auto r = Load(request.request_id());
  const std::string& partner = call.caller.identity.partner;
  if (r.ok() && r->holder() != partner && r->requester() != partner) {
    return absl::NotFoundError(
        absl::StrCat("request_id: no request '", request.request_id(), "' to or from partner '", partner, "'"));
  }
  if (!r.ok()) return r.status();
  return Effective(*std::move(r), now);
}

absl::StatusOr<std::pair<v1::ContentRequest, v1::Case>> Content::Admit(
    const Call& call, const policy::Policy& policy, policy::Action action,
    const std::string& request_id, bool as_holder, absl::Time now,
    const std::function<std::optional<policy::Decision>(const v1::ContentRequest&)>& extra) {
  ASSIGN_OR_RETURN(v1::ContentRequest r, Load(request_id));
  ASSIGN_OR_RETURN(v1::Case c, cases_->Load(r.case_id(), now));
  const std::string& partner = call.caller.identity.partner;
  policy::Decision d = DecideOn(call, policy, action, c, r, now);
  if (d.allowed && as_holder && partner != r.holder()) {
    d = Denial(StatusCode::kPermissionDenied, "content.holder",
               absl::StrCat("request ", r.id(), " is addressed to partner '", r.holder(),
                            "'; only it answers the request"));
  }
  if (d.allowed && !as_holder && partner != r.requester()) {
    d = Denial(StatusCode::kPermissionDenied, "content.requester",
               absl::StrCat("request ", r.id(), " was made by partner '", r.requester(),
                            "'; only it fetches the content"));
  }
  if (d.allowed) {
    if (auto refusal = extra(r)) d = *refusal;
  }
  if (!d.allowed) {
    return core::Refuse(env_.log, RecordOf(v1::REQUEST_DENIED, call, policy, now, d, c, r));
  }
  return std::make_pair(std::move(r), std::move(c));
}

absl::StatusOr<v1::ContentRequest> Content::Provide(const Call& call,
                                                    const v1::ProvideContentRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kProvideContent, now));
  RETURN_IF_ERROR(ValidateId(request.request_id(), 'R', "request_id", "content request"));
  if (request.size() > kMaxContentSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("size: ", request.size(), " bytes; at most ", kMaxContentSize, " (16 MiB) per request"));
  }
  if (request.sealed().size() != request.size() + crypto::kSealOverhead) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sealed: ", request.sealed().size(), " bytes; a sealed box of ", request.size(),
        " bytes of content is ", request.size() + crypto::kSealOverhead, " (content + 48)"));
  }
  if (request.sha256().size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("sha256: ", request.sha256().size(), " bytes, want the 32-byte SHA-256 of the content"));
  }
  RETURN_IF_ERROR(ValidateCategory(request.category(), "category", *policy));
  if (request.use_conditions_size() > kMaxUseConditions) {
    return absl::InvalidArgumentError(absl::StrCat("use_conditions: at most ", kMaxUseConditions));
  }
  for (int i = 0; i < request.use_conditions_size(); ++i) {
    const std::string field = absl::StrCat("use_conditions[", i, "]");
    if (request.use_conditions(i).empty()) return absl::InvalidArgumentError(field + ": empty");
    RETURN_IF_ERROR(ValidateShortText(request.use_conditions(i), field, kMaxUseCondition));
  }
  if (request.key_id().empty()) {
    return absl::InvalidArgumentError("key_id: required (the requester key the content was sealed to)");
  }

  auto lock = LockRequests();
  auto admitted = Admit(call, *policy, policy::Action::kProvideContent, request.request_id(),
                        /*as_holder=*/true, now,
                        [&](const v1::ContentRequest& r) -> std::optional<policy::Decision> {
                          if (auto refusal = UnlessPending(r)) return refusal;
                          if (request.key_id() != r.key_id()) {
                            return Denial(StatusCode::kFailedPrecondition, "content.key",
                                          absl::StrCat("the content is sealed to key ", request.key_id(),
                                                       " but request ", r.id(), " names the requester's key ",
                                                       r.key_id(), "; seal it to that key"));
                          }
                          if (!r.category().empty() && !request.category().empty() &&
                              request.category() != r.category()) {
                            return Denial(StatusCode::kPermissionDenied, "content.category",
                                          absl::StrCat("request ", r.id(), " asks for category '", r.category(),
                                                       "', not '", request.category(), "'"));
                          }
                          return std::nullopt;
                        });
  if (!admitted.ok()) return admitted.status();
  auto& [r, c] = *admitted;
  r.set_state(v1::REQUEST_PROVIDED);
  *r.mutable_answered() = ToProtoTime(now);
  r.set_sha256(request.sha256());
  r.set_size(request.size());
  r.set_provided_category(request.category().empty() ? r.category() : request.category());
  *r.mutable_use_conditions() = request.use_conditions();
  // The provided category must be in the case's scope too.
  const policy::Decision d = DecideOn(call, *policy, policy::Action::kProvideContent, c, r, now);
  if (!d.allowed) return core::Refuse(env_.log, RecordOf(v1::REQUEST_DENIED, call, *policy, now, d, c, r));

  v1::LogRecord record = RecordOf(v1::CONTENT_PROVISION, call, *policy, now, d, c, r);
  record.add_recipients(r.requester());
  v1::LoggedContent* lc = record.mutable_content();
  lc->set_sha256(r.sha256());
  lc->set_size(r.size());
  *lc->mutable_use_conditions() = r.use_conditions();
  Outgoing event = RequestEvent(v1::CONTENT_PROVIDED, c, r, now, r.holder(),
                                absl::StrCat("partner '", r.holder(), "' provided content for request ", r.id(),
                                             " (", r.size(), " bytes): riec content fetch ", r.id()));
  RETURN_IF_ERROR(env_.log->Append(record,
                                    {{Family::kRequests, r.id(), Serialize(r)},
                                     {Family::kPayloads, r.id(), request.sealed()}},
                                    StoreEvents({std::move(event)})).status());
  return r;
}

absl::StatusOr<v1::ContentRequest> Content::Refuse(const Call& call,
                                                   const v1::RefuseRequestRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kProvideContent, now));
  RETURN_IF_ERROR(ValidateId(request.request_id(), 'R', "request_id", "content request"));
  if (request.reason() == v1::REFUSAL_REASON_UNSPECIFIED || !v1::RefusalReason_IsValid(request.reason())) {
    return absl::InvalidArgumentError(
        "reason: required (no-legal-basis, professional-secrecy, running-investigation, other)");
  }
  RETURN_IF_ERROR(ValidateShortText(request.note(), "note", kMaxRefusalNote));

  auto lock = LockRequests();
  auto admitted = Admit(call, *policy, policy::Action::kProvideContent, request.request_id(),
                        /*as_holder=*/true, now,
                        UnlessPending);
  if (!admitted.ok()) return admitted.status();
  auto& [r, c] = *admitted;
  r.set_state(v1::REQUEST_REFUSED);
  *r.mutable_answered() = ToProtoTime(now);
  r.set_refusal(request.reason());
  r.set_refusal_note(request.note());
  policy::Decision d{true, StatusCode::kOk, "content.refusal",
                     absl::StrCat("partner '", r.holder(), "' refused request ", r.id(), ": ",
                                  v1::RefusalReason_Name(request.reason())),
                     ""};
  v1::LogRecord record = RecordOf(v1::CONTENT_REFUSAL, call, *policy, now, d, c, r);
  record.add_recipients(r.requester());
  record.mutable_content()->set_refusal(request.reason());
  Outgoing event = RequestEvent(v1::CONTENT_REFUSED, c, r, now, r.holder(),
                                absl::StrCat("partner '", r.holder(), "' refused request ", r.id(), ": ",
                                             v1::RefusalReason_Name(request.reason()),
                                             request.note().empty() ? "" : " (" + request.note() + ")"));
  RETURN_IF_ERROR(env_.log->Append(record, {{Family::kRequests, r.id(), Serialize(r)}},
                                    StoreEvents({std::move(event)})).status());
  return r;
}

absl::StatusOr<v1::FetchContentResponse> Content::Fetch(const Call& call,
                                                        const v1::FetchContentRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kFetchContent, now));
  RETURN_IF_ERROR(ValidateId(request.request_id(), 'R', "request_id", "content request"));
  auto lock = LockRequests();
  auto admitted = Admit(call, *policy, policy::Action::kFetchContent, request.request_id(),
                        /*as_holder=*/false, now,
                        [&](const v1::ContentRequest& r) -> std::optional<policy::Decision> {
                          if (r.state() != v1::REQUEST_PROVIDED) {
                            return Denial(StatusCode::kFailedPrecondition, "content.state",
                                          absl::StrCat("request ", r.id(), " is ", StateText(r.state()),
                                                       r.state() == v1::REQUEST_PENDING
                                                           ? "; its holder has not answered yet" : ""));
                          }
                          return std::nullopt;
                        });
  if (!admitted.ok()) return admitted.status();
  auto& [r, c] = *admitted;
  ASSIGN_OR_RETURN(auto sealed, env_.store->Get(Family::kPayloads, r.id()));
  if (!sealed.has_value()) {
    return absl::DataLossError(absl::StrCat("request ", r.id(), ": the content is missing from the store"));
  }
  r.set_state(v1::REQUEST_FETCHED);
  policy::Decision d{true, StatusCode::kOk, "content.fetch",
                     absl::StrCat("partner '", r.requester(), "' fetched the content of request ", r.id(),
                                  "; the broker deleted it"),
                     ""};
  v1::LogRecord record = RecordOf(v1::CONTENT_FETCH, call, *policy, now, d, c, r);
  record.add_recipients(r.requester());
  v1::LoggedContent* lc = record.mutable_content();
  lc->set_sha256(r.sha256());
  lc->set_size(r.size());
  RETURN_IF_ERROR(env_.log->Append(record, {{Family::kRequests, r.id(), Serialize(r)},
                                             {Family::kPayloads, r.id(), std::nullopt}}).status());
  v1::FetchContentResponse response;
  std::vector<std::string> conditions(c.decision().use_conditions().begin(),
                                      c.decision().use_conditions().end());
  for (const auto& u : r.use_conditions()) {
    if (std::find(conditions.begin(), conditions.end(), u) == conditions.end()) conditions.push_back(u);
  }
  for (auto& u : conditions) response.add_use_conditions(std::move(u));
  *response.mutable_request() = std::move(r);
  response.set_sealed(*std::move(sealed));
  return response;
}

absl::Status Content::SweepPayloads(absl::Time now, absl::Duration keep, size_t batch_size,
                                    const SweepCommit& commit) {
  auto lock = LockRequests();
  SweepBatch batch;
  std::map<std::string, bool> case_ended;
  auto it = env_.store->NewIterator(Family::kRequests);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::ContentRequest r;
    if (!r.ParseFromArray(it->value().data(), static_cast<int>(it->value().size())) || !Open(r.state())) {
      continue;
    }
    auto known = case_ended.find(r.case_id());
    if (known == case_ended.end()) {
      auto c = cases_->Load(r.case_id(), now);
      const bool ended = !c.ok() || c->state() == v1::CASE_STATE_CLOSED || c->state() == v1::CASE_STATE_EXPIRED;
      known = case_ended.emplace(r.case_id(), ended).first;
    }
    const bool stale = r.state() == v1::REQUEST_PROVIDED && now >= FromProtoTime(r.answered()) + keep;
    if (!known->second && !stale) continue;
    if (r.state() == v1::REQUEST_PROVIDED) ++batch.counts["payloads"];
    ++batch.counts["content-requests-lapsed"];
    Lapse(&r, &batch.deletes);
    RETURN_IF_ERROR(CommitIfFull(batch, batch_size, commit));
  }
  RETURN_IF_ERROR(storage::FromRocks(it->status(), "content request scan"));
  return commit(std::move(batch));
}

}  // namespace riec::core
