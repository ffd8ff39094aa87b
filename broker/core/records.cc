#include "core/records.h"

#include "absl/strings/str_cat.h"
#include "riec/common/time_util.h"

namespace riec::core {

v1::LogRecord NewRecord(v1::RecordKind kind, const Call& call,
                        const policy::Policy& policy, absl::Time now,
                        const policy::Decision& decision) {
  v1::LogRecord r;
  r.set_format(1);
  r.set_kind(kind);
  r.set_time_unix_micros(absl::ToUnixMicros(now));
  v1::Actor* actor = r.mutable_actor();
  actor->set_partner(call.caller.identity.partner);
  actor->set_role(call.caller.identity.role);
  actor->set_name(call.caller.identity.name);
  actor->set_certificate_sha256(call.caller.certificate_sha256);
  actor->set_on_behalf_of(call.caller.on_behalf_of);
  r.set_method(call.method);
  r.set_convenant_id(policy.convenant_id());
  r.set_policy_version(policy.version());
  r.set_policy_sha256(policy.sha256());
  v1::Decision* d = r.mutable_decision();
  d->set_allowed(decision.allowed);
  d->set_rule(decision.rule);
  d->set_explanation(decision.explanation);
  d->set_legal_basis(decision.legal_basis);
  d->set_status_code(static_cast<int32_t>(decision.code));
  return r;
}

absl::Status Refuse(log::DisclosureLog* log, v1::LogRecord record,
                    std::vector<Outgoing> events) {
  record.set_kind(v1::REQUEST_DENIED);
  const absl::Status refusal(static_cast<absl::StatusCode>(record.decision().status_code()),
                             record.decision().explanation());
  auto appended = log->Append(record, {}, StoreEvents(std::move(events)));
  if (!appended.ok()) {
    return absl::UnavailableError(absl::StrCat(
        refusal.message(), " (and the refusal could not be logged: ",
        appended.status().message(), ")"));
  }
  return refusal;
}

absl::Status AdmitCaller(log::DisclosureLog* log, const Call& call,
                         const policy::Policy& policy, policy::Action action, absl::Time now) {
  policy::Request q;
  q.action = action;
  q.who = call.caller.identity;
  q.now = now;
  const policy::Decision d = policy.DecideCaller(q);
  if (d.allowed) return absl::OkStatus();
  return Refuse(log, NewRecord(v1::REQUEST_DENIED, call, policy, now, d));
}

absl::Status RefuseOverQuota(log::DisclosureLog* log, const Call& call,
                             const policy::Policy& policy, absl::Time now,
                             absl::string_view quota, absl::string_view message,
                             v1::LogRecord* context) {
  const policy::Decision over{false, absl::StatusCode::kResourceExhausted,
                              absl::StrCat("quotas.", quota), std::string(message), ""};
  v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, policy, now, over);
  if (context != nullptr) {
    r.set_purpose(context->purpose());
    r.set_signal_id(context->signal_id());
    r.set_count(context->count());
  }
  v1::Event e;
  e.set_kind(v1::QUOTA_EXCEEDED);
  *e.mutable_time() = ToProtoTime(now);
  e.set_partner(call.caller.identity.partner);
  e.set_quota(std::string(quota));
  e.set_signal_id(r.signal_id());
  e.set_purpose(r.purpose());
  e.set_text(std::string(message));
  return Refuse(log, std::move(r), ForPrivacyOfficers(policy, call.caller.identity.partner, e));
}

v1::LoggedSubject* AddSubject(v1::LogRecord* record, const v1::Subject& s) {
  v1::LoggedSubject* out = record->add_subjects();
  out->set_kind(s.kind());
  out->set_pseudonym(s.pseudonym());
  return out;
}

std::string SubjectKey(const v1::Subject& s) {
  return absl::StrCat(s.pseudonym(), std::string(1, static_cast<char>(s.kind())));
}

policy::Decision Denial(absl::StatusCode code, std::string rule, std::string explanation) {
  return policy::Decision{false, code, std::move(rule), std::move(explanation), ""};
}

}  // namespace riec::core
