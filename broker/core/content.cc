#include "core/content.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "core/validate.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "riec/crypto/sealed_box.h"
#include "riec/crypto/sodium.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

using absl::StatusCode;

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
Outgoing RequestEvent(v1::EventKind kind, const v1::Case& c, const v1::ContentRequest& r,
                      absl::Time now, const std::string& about, std::string text) {
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
  return Denial(StatusCode::kFailedPrecondition, "content.state",
                absl::StrCat("request ", r.id(), " is ", StateText(r.state())));
}

std::string NotSeen(absl::string_view id, absl::string_view partner) {
  return absl::StrCat("request_id: no request '", id, "' to or from partner '", partner, "'");
}

}  // namespace

void Content::About(RequestContext& ctx, const v1::Case& c, const v1::ContentRequest& r) {
  ctx.SetCase(c.id(), c.signal_id(), c.purpose());
  if (r.has_subject()) ctx.AddSubject(r.subject());
  v1::LoggedContent lc;
  lc.set_request_id(r.id());
  lc.set_holder(r.holder());
  lc.set_requester(r.requester());
  lc.set_key_id(r.key_id());
  lc.set_category(r.provided_category().empty() ? r.category() : r.provided_category());
  ctx.SetContent(lc);
}

absl::StatusOr<v1::EncryptionKey> Content::RegisterKey(RequestContext& ctx,
                                                       const v1::RegisterKeyRequest& request) {
  const std::string& partner = ctx.partner();
  if (request.public_key().size() != crypto::kBoxPublicKeySize) {
    return absl::InvalidArgumentError(absl::StrCat("public_key: ", request.public_key().size(),
                                                   " bytes, want a 32-byte X25519 public key"));
  }
  // A key nothing can be sealed to (all zero, a low-order point) is refused.
  if (!crypto::KeyProof(std::string(32, '\1'), request.public_key(), "R-0000000000").ok()) {
    return absl::InvalidArgumentError("public_key: not a usable X25519 public key (low-order point)");
  }
  ASSIGN_OR_RETURN(policy::Decision d, ctx.Decide(ctx.Question()));

  v1::EncryptionKey key;
  key.set_partner(partner);
  key.set_public_key(request.public_key());
  key.set_key_id(crypto::BoxKeyId(request.public_key()));
  *key.mutable_registered() = ToProtoTime(ctx.now());
  v1::LogRecord record = ctx.Record(v1::KEY_REGISTERED, d);
  record.mutable_content()->set_key_id(key.key_id());
  ASSIGN_OR_RETURN(auto previous, storage::KeyTable(env_.store).Current(partner));
  std::string text = absl::StrCat("partner '", partner, "' registered encryption key ",
                                  key.key_id(), " for stage 2");
  if (previous) {
    text = absl::StrCat("partner '", partner, "' rotated its encryption key from ",
                        previous->key_id(), " to ", key.key_id(),
                        "; content sealed to the earlier key can still be opened with it");
    record.mutable_decision()->set_explanation(text);
  }
  // The partner's privacy officers (and the RIEC's) hear of every key: one
  // they did not expect may mean a stolen certificate.
  v1::Event e;
  e.set_kind(v1::ENCRYPTION_KEY_REGISTERED);
  *e.mutable_time() = ToProtoTime(ctx.now());
  e.set_partner(partner);
  e.set_key_id(key.key_id());
  e.set_text(absl::StrCat(text, ", by certificate ",
                          crypto::BoxKeyId(ctx.call().caller.certificate_sha256),
                          ctx.call().caller.on_behalf_of.empty()
                              ? std::string()
                              : absl::StrCat(" on behalf of ", ctx.call().caller.on_behalf_of),
                          "; if you did not expect this, revoke the certificate"));
  storage::Batch batch;
  storage::KeyTable::Put(&batch, key);
  RETURN_IF_ERROR(ctx.Commit(record, std::move(batch),
                             ForPrivacyOfficers(ctx.policy(), partner, e)).status());
  return key;
}

absl::StatusOr<v1::EncryptionKey> Content::GetKey(RequestContext& ctx,
                                                  const v1::GetKeyRequest& request) {
  const std::string partner = request.partner().empty() ? ctx.partner() : request.partner();
  if (!IsValidId(partner)) {
    return absl::InvalidArgumentError(absl::StrCat("partner: '", partner, "' is not a partner id"));
  }
  ASSIGN_OR_RETURN(auto key, storage::KeyTable(env_.store).Current(partner));
  if (!key) {
    return absl::NotFoundError(absl::StrCat(
        "partner '", partner, "' has registered no encryption key (riec keys register)"));
  }
  return *std::move(key);
}

absl::StatusOr<v1::ContentRequest> Content::Effective(v1::ContentRequest r, absl::Time now) const {
  if (!ContentRequests::IsOpen(r.state())) return r;
  ASSIGN_OR_RETURN(auto c, cases_->Load(r.case_id(), now));
  if (!c || c->state() == v1::CASE_STATE_CLOSED || c->state() == v1::CASE_STATE_EXPIRED) {
    r.set_state(v1::REQUEST_LAPSED);
  }
  return r;
}

policy::Decision Content::DecideOn(RequestContext& ctx, const v1::Case& c,
                                   const v1::ContentRequest& r) const {
  policy::Request q = ctx.Question();
  q.purpose = c.purpose();
  policy::CaseFacts f = Cases::Facts(c, ctx.who());
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
  f.category_in_scope = f.category.empty() || cats.empty() ||
                        std::find(cats.begin(), cats.end(), f.category) != cats.end();
  q.case_facts = f;
  return ctx.policy().Decide(q);
}

absl::StatusOr<v1::ContentRequest> Content::RequestContent(
    RequestContext& ctx, const v1::RequestContentRequest& request) {
  const std::string& requester = ctx.partner();
  RETURN_IF_ERROR(ValidateId(request.case_id(), 'C', "case_id", "case"));
  RETURN_IF_ERROR(ValidateSubject(request.subject(), "subject"));
  if (!IsValidId(request.holder())) {
    return absl::InvalidArgumentError(absl::StrCat("holder: '", request.holder(), "' is not a partner id"));
  }
  RETURN_IF_ERROR(ValidateCategory(request.category(), "category", ctx.policy()));
  if (request.holder() == requester) {
    return absl::InvalidArgumentError("holder: a partner does not request content from itself");
  }
  absl::MutexLock lock(&requests_->CaseMutex(request.case_id()));  // the case cannot close meanwhile
  ASSIGN_OR_RETURN(auto c, cases_->Load(request.case_id(), ctx.now()));
  const std::string unseen = absl::StrCat("case_id: no case '", request.case_id(), "' that you may see");
  if (!c) {
    return ctx.RefuseUnseen("case.scope", unseen);
  }
  v1::ContentRequest r;
  r.set_id(NewId('R'));
  r.set_case_id(c->id());
  *r.mutable_subject() = CleanSubject(request.subject());
  r.set_holder(request.holder());
  r.set_requester(requester);
  r.set_category(request.category());
  r.set_state(v1::REQUEST_PENDING);
  *r.mutable_requested() = ToProtoTime(ctx.now());
  // A case the requester is not concerned in is not found, whatever its
  // state; nothing of it goes into the record.
  if (!Cases::Facts(*c, ctx.who()).caller_concerned) return ctx.RefuseUnseen("case.scope", unseen);
  About(ctx, *c, r);
  const policy::Decision d = DecideOn(ctx, *c, r);
  if (!d.allowed) return ctx.Refuse(d);
  ASSIGN_OR_RETURN(auto key, storage::KeyTable(env_.store).Current(requester));
  if (!key) {
    return ctx.Refuse(Denial(StatusCode::kFailedPrecondition, "content.key",
                             absl::StrCat("partner '", requester,
                                          "' has registered no encryption key; content can only be "
                                          "sealed to a registered key (riec keys register)")));
  }
  r.set_key_id(key->key_id());
  r.set_requester_public_key(key->public_key());
  const crypto::BoxKeyPair challenge = crypto::GenerateBoxKeyPair();
  r.set_fetch_challenge(challenge.public_key);
  About(ctx, *c, r);

  v1::LogRecord record = ctx.Record(v1::CONTENT_REQUEST, d);
  v1::LoggedSubject* ls = record.add_subjects();
  ls->set_kind(r.subject().kind());
  ls->set_pseudonym(r.subject().pseudonym());
  record.add_recipients(r.holder());
  *record.mutable_content() = [&] {
    v1::LoggedContent lc;
    lc.set_request_id(r.id());
    lc.set_holder(r.holder());
    lc.set_requester(r.requester());
    lc.set_key_id(r.key_id());
    lc.set_category(r.category());
    return lc;
  }();
  Outgoing event = RequestEvent(
      v1::CONTENT_REQUESTED, *c, r, ctx.now(), requester,
      absl::StrCat("partner '", requester, "' requests content",
                   r.category().empty() ? "" : " of category '" + r.category() + "'",
                   " on a subject of case ", c->id(), " (request ", r.id(), ", key ", r.key_id(),
                   "): riec content provide or refuse"));
  storage::Batch batch;
  storage::RequestTable::Put(&batch, r, /*created=*/true);
  storage::RequestTable::PutChallengeSecret(&batch, r.id(), std::string(challenge.secret_key.view()));
  RETURN_IF_ERROR(ctx.Commit(record, std::move(batch), {std::move(event)}).status());
  return r;
}

absl::StatusOr<v1::ListRequestsResponse> Content::ListRequests(
    RequestContext& ctx, const v1::ListRequestsRequest& request) {
  if (!v1::RequestState_IsValid(request.state())) return absl::InvalidArgumentError("state: unknown value");
  ASSIGN_OR_RETURN(auto mine, requests_->OfPartner(ctx.partner()));
  std::vector<v1::ContentRequest> found;
  for (auto& stored : mine) {
    ASSIGN_OR_RETURN(v1::ContentRequest e, Effective(std::move(stored), ctx.now()));
    if (request.state() != v1::REQUEST_STATE_UNSPECIFIED && e.state() != request.state()) continue;
    found.push_back(std::move(e));
  }
  std::sort(found.begin(), found.end(), [](const v1::ContentRequest& a, const v1::ContentRequest& b) {
    if (a.requested().seconds() != b.requested().seconds()) return a.requested().seconds() < b.requested().seconds();
    return a.id() < b.id();
  });
  if (found.size() > 1000) found.resize(1000);
  v1::ListRequestsResponse response;
  for (auto& r : found) *response.add_requests() = std::move(r);
  return response;
}

absl::StatusOr<v1::ContentRequest> Content::LoadFor(RequestContext& ctx, absl::string_view id) {
  RETURN_IF_ERROR(ValidateId(id, 'R', "request_id", "content request"));
  ASSIGN_OR_RETURN(auto r, requests_->Load(id));
  if (!r || (r->holder() != ctx.partner() && r->requester() != ctx.partner())) {
    return ctx.RefuseUnseen("request.scope", NotSeen(id, ctx.partner()));
  }
  return *std::move(r);
}

absl::StatusOr<v1::ContentRequest> Content::GetRequest(RequestContext& ctx,
                                                       const v1::GetRequestRequest& request) {
  ASSIGN_OR_RETURN(v1::ContentRequest r, LoadFor(ctx, request.request_id()));
  return Effective(std::move(r), ctx.now());
}

absl::StatusOr<std::tuple<v1::ContentRequest, v1::Case, policy::Decision>> Content::Admit(
    RequestContext& ctx, const v1::ContentRequest& loaded, bool as_holder, const Check& extra) {
  // Read again under the case's stripe: the state may have moved on.
  ASSIGN_OR_RETURN(auto r, requests_->Load(loaded.id()));
  if (!r) return absl::NotFoundError(NotSeen(loaded.id(), ctx.partner()));
  ASSIGN_OR_RETURN(auto c, cases_->Load(r->case_id(), ctx.now()));
  if (!c) return absl::DataLossError(absl::StrCat("request ", r->id(), ": its case is missing"));
  About(ctx, *c, *r);
  const std::string& partner = ctx.partner();
  policy::Decision d = DecideOn(ctx, *c, *r);
  if (d.allowed && as_holder && partner != r->holder()) {
    d = Denial(StatusCode::kPermissionDenied, "content.holder",
               absl::StrCat("request ", r->id(), " is addressed to partner '", r->holder(),
                            "'; only it answers the request"));
  }
  if (d.allowed && !as_holder && partner != r->requester()) {
    d = Denial(StatusCode::kPermissionDenied, "content.requester",
               absl::StrCat("request ", r->id(), " was made by partner '", r->requester(),
                            "'; only it fetches the content"));
  }
  if (d.allowed) {
    if (auto refusal = extra(*r)) d = *refusal;
  }
  if (!d.allowed) return ctx.Refuse(d);
  return std::make_tuple(*std::move(r), *std::move(c), d);
}

absl::StatusOr<v1::ContentRequest> Content::ProvideContent(
    RequestContext& ctx, const v1::ProvideContentRequest& request) {
  if (request.size() > kMaxContentSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "size: ", request.size(), " bytes; at most ", kMaxContentSize, " (16 MiB) per request"));
  }
  if (request.sealed().size() != request.size() + crypto::kSealOverhead) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sealed: ", request.sealed().size(), " bytes; a sealed box of ", request.size(),
        " bytes of content is ", request.size() + crypto::kSealOverhead, " (content + 48)"));
  }
  if (request.sha256().size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sha256: ", request.sha256().size(), " bytes, want the 32-byte SHA-256 of the content"));
  }
  RETURN_IF_ERROR(ValidateCategory(request.category(), "category", ctx.policy()));
  for (int i = 0; i < request.use_conditions_size(); ++i) {
    if (request.use_conditions(i).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("use_conditions[", i, "]: empty"));
    }
  }
  if (request.key_id().empty()) {
    return absl::InvalidArgumentError("key_id: required (the requester key the content was sealed to)");
  }
  ASSIGN_OR_RETURN(v1::ContentRequest loaded, LoadFor(ctx, request.request_id()));
  absl::MutexLock lock(&requests_->CaseMutex(loaded.case_id()));
  ASSIGN_OR_RETURN(auto admitted,
                   Admit(ctx, loaded, /*as_holder=*/true,
                         [&](const v1::ContentRequest& r) -> std::optional<policy::Decision> {
                           if (auto refusal = UnlessPending(r)) return refusal;
                           if (request.key_id() != r.key_id()) {
                             return Denial(StatusCode::kFailedPrecondition, "content.key",
                                           absl::StrCat("the content is sealed to key ", request.key_id(),
                                                        " but request ", r.id(),
                                                        " names the requester's key ", r.key_id(),
                                                        "; seal it to that key"));
                           }
                           if (!r.category().empty() && !request.category().empty() &&
                               request.category() != r.category()) {
                             return Denial(StatusCode::kPermissionDenied, "content.category",
                                           absl::StrCat("request ", r.id(), " asks for category '",
                                                        r.category(), "', not '", request.category(), "'"));
                           }
                           return std::nullopt;
                         }));
  auto& [r, c, admitted_decision] = admitted;
  r.set_state(v1::REQUEST_PROVIDED);
  *r.mutable_answered() = ToProtoTime(ctx.now());
  r.set_sha256(request.sha256());
  r.set_size(request.size());
  r.set_provided_category(request.category().empty() ? r.category() : request.category());
  *r.mutable_use_conditions() = request.use_conditions();
  About(ctx, c, r);
  // The provided category must be in the case's scope too.
  const policy::Decision d = DecideOn(ctx, c, r);
  if (!d.allowed) return ctx.Refuse(d);

  v1::LogRecord record = ctx.Record(v1::CONTENT_PROVISION, d);
  v1::LoggedSubject* ls = record.add_subjects();
  ls->set_kind(r.subject().kind());
  ls->set_pseudonym(r.subject().pseudonym());
  record.add_recipients(r.requester());
  v1::LoggedContent* lc = record.mutable_content();
  lc->set_request_id(r.id());
  lc->set_holder(r.holder());
  lc->set_requester(r.requester());
  lc->set_key_id(r.key_id());
  lc->set_category(r.provided_category());
  lc->set_sha256(r.sha256());
  lc->set_size(r.size());
  *lc->mutable_use_conditions() = r.use_conditions();
  Outgoing event = RequestEvent(v1::CONTENT_PROVIDED, c, r, ctx.now(), r.holder(),
                                absl::StrCat("partner '", r.holder(), "' provided content for request ",
                                             r.id(), " (", r.size(), " bytes): riec content fetch ", r.id()));
  storage::Batch batch;
  storage::RequestTable::Put(&batch, r, /*created=*/false);
  storage::RequestTable::PutPayload(&batch, r.id(), request.sealed());
  RETURN_IF_ERROR(ctx.Commit(record, std::move(batch), {std::move(event)}).status());
  return r;
}

absl::StatusOr<v1::ContentRequest> Content::RefuseRequest(RequestContext& ctx,
                                                          const v1::RefuseRequestRequest& request) {
  if (request.reason() == v1::REFUSAL_REASON_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "reason: required (no-legal-basis, professional-secrecy, running-investigation, other)");
  }
  ASSIGN_OR_RETURN(v1::ContentRequest loaded, LoadFor(ctx, request.request_id()));
  absl::MutexLock lock(&requests_->CaseMutex(loaded.case_id()));
  ASSIGN_OR_RETURN(auto admitted, Admit(ctx, loaded, /*as_holder=*/true, UnlessPending));
  auto& [r, c, admitted_decision] = admitted;
  r.set_state(v1::REQUEST_REFUSED);
  *r.mutable_answered() = ToProtoTime(ctx.now());
  r.set_refusal(request.reason());
  r.set_refusal_note(request.note());
  const policy::Decision d{true, StatusCode::kOk, "content.refusal",
                           absl::StrCat("partner '", r.holder(), "' refused request ", r.id(), ": ",
                                        v1::RefusalReason_Name(request.reason())),
                           ""};
  v1::LogRecord record = ctx.Record(v1::CONTENT_REFUSAL, d);
  v1::LoggedSubject* ls = record.add_subjects();
  ls->set_kind(r.subject().kind());
  ls->set_pseudonym(r.subject().pseudonym());
  record.add_recipients(r.requester());
  v1::LoggedContent* lc = record.mutable_content();
  lc->set_request_id(r.id());
  lc->set_holder(r.holder());
  lc->set_requester(r.requester());
  lc->set_key_id(r.key_id());
  lc->set_category(r.category());
  lc->set_refusal(request.reason());
  Outgoing event = RequestEvent(v1::CONTENT_REFUSED, c, r, ctx.now(), r.holder(),
                                absl::StrCat("partner '", r.holder(), "' refused request ", r.id(), ": ",
                                             v1::RefusalReason_Name(request.reason()),
                                             request.note().empty() ? "" : " (" + request.note() + ")"));
  storage::Batch batch;
  storage::RequestTable::Put(&batch, r, /*created=*/false);
  storage::RequestTable::DeletePayload(&batch, r.id());  // its fetch challenge
  RETURN_IF_ERROR(ctx.Commit(record, std::move(batch), {std::move(event)}).status());
  return r;
}

absl::StatusOr<v1::FetchContentResponse> Content::FetchContent(
    RequestContext& ctx, const v1::FetchContentRequest& request) {
  if (request.key_proof().size() != 32) {
    return absl::InvalidArgumentError(
        "key_proof: required: prove that you hold the private key the content is sealed to "
        "(SHA-256 of the shared secret with fetch_challenge; the SDK computes it from your keyring)");
  }
  ASSIGN_OR_RETURN(v1::ContentRequest loaded, LoadFor(ctx, request.request_id()));
  absl::MutexLock lock(&requests_->CaseMutex(loaded.case_id()));
  storage::RequestTable table(env_.store);
  ASSIGN_OR_RETURN(
      auto admitted,
      Admit(ctx, loaded, /*as_holder=*/false,
            [&](const v1::ContentRequest& r) -> std::optional<policy::Decision> {
              if (r.state() != v1::REQUEST_PROVIDED) {
                return Denial(StatusCode::kFailedPrecondition, "content.state",
                              absl::StrCat("request ", r.id(), " is ", StateText(r.state()),
                                           r.state() == v1::REQUEST_PENDING ? "; its holder has not answered yet" : ""));
              }
              auto secret = table.ChallengeSecret(r.id());
              auto expected = secret.ok() && secret->has_value()
                                  ? crypto::KeyProof(**secret, r.requester_public_key(), r.id())
                                  : absl::StatusOr<std::string>(absl::NotFoundError("no challenge"));
              if (secret.ok() && secret->has_value()) crypto::Wipe(**secret);
              if (!expected.ok() || !crypto::ConstantTimeEquals(*expected, request.key_proof())) {
                return Denial(StatusCode::kPermissionDenied, "content.key_proof",
                              absl::StrCat("key_proof: does not prove possession of the private key ",
                                           r.key_id(), " that the content of request ", r.id(),
                                           " is sealed to; nothing was handed over"));
              }
              return std::nullopt;
            }));
  auto& [r, c, admitted_decision] = admitted;
  ASSIGN_OR_RETURN(auto sealed, table.Payload(r.id()));
  if (!sealed) {
    return absl::DataLossError(absl::StrCat("request ", r.id(), ": the content is missing from the store"));
  }
  r.set_state(v1::REQUEST_FETCHED);
  const policy::Decision d{true, StatusCode::kOk, "content.fetch",
                           absl::StrCat("partner '", r.requester(), "' fetched the content of request ",
                                        r.id(), "; the broker deleted it"),
                           ""};
  v1::LogRecord record = ctx.Record(v1::CONTENT_FETCH, d);
  v1::LoggedSubject* ls = record.add_subjects();
  ls->set_kind(r.subject().kind());
  ls->set_pseudonym(r.subject().pseudonym());
  record.add_recipients(r.requester());
  v1::LoggedContent* lc = record.mutable_content();
  lc->set_request_id(r.id());
  lc->set_holder(r.holder());
  lc->set_requester(r.requester());
  lc->set_key_id(r.key_id());
  lc->set_category(r.provided_category());
  lc->set_sha256(r.sha256());
  lc->set_size(r.size());
  storage::Batch batch;
  storage::RequestTable::Put(&batch, r, /*created=*/false);
  storage::RequestTable::DeletePayload(&batch, r.id());
  RETURN_IF_ERROR(ctx.Commit(record, std::move(batch)).status());
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

absl::Status Content::SweepPayloads(absl::Time now, absl::Duration keep, const SweepCommit& commit) {
  // Candidates from a scan; each case's are confirmed and written under its
  // stripe.
  std::map<std::string, std::vector<std::string>> by_case;
  RETURN_IF_ERROR(storage::RequestTable(env_.store).ScanAll([&](const v1::ContentRequest& r) {
    if (ContentRequests::IsOpen(r.state())) by_case[r.case_id()].push_back(r.id());
    return true;
  }));
  for (const auto& [case_id, ids] : by_case) {
    absl::MutexLock lock(&requests_->CaseMutex(case_id));
    ASSIGN_OR_RETURN(auto c, cases_->Load(case_id, now));
    const bool ended = !c || c->state() == v1::CASE_STATE_CLOSED || c->state() == v1::CASE_STATE_EXPIRED;
    SweepBatch batch;
    for (const auto& id : ids) {
      ASSIGN_OR_RETURN(auto r, requests_->Load(id));
      if (!r || !ContentRequests::IsOpen(r->state())) continue;
      const bool stale = r->state() == v1::REQUEST_PROVIDED && now >= FromProtoTime(r->answered()) + keep;
      if (!ended && !stale) continue;
      if (r->state() == v1::REQUEST_PROVIDED) ++batch.counts["payloads"];
      ++batch.counts["content-requests-lapsed"];
      ContentRequests::LapseOne(&*r, &batch.deletes);
    }
    RETURN_IF_ERROR(commit(std::move(batch)));
  }
  return absl::OkStatus();
}

}  // namespace riec::core
