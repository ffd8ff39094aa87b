#include "core/pipeline.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/traffic.h"
#include "riec/common/time_util.h"
#include "storage/keys.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

constexpr char kQuotaRefusals[] = "riec_quota_refusals_total";
constexpr char kQuotaRefusalsHelp[] = "Requests refused for an exceeded quota, per quota.";

v1::LogRecord BaseRecord(v1::RecordKind kind, const Call& call, const policy::Policy& policy,
                         absl::Time now, const policy::Decision& decision) {
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
  r.set_trace_id(call.trace_id);
  r.set_span_id(call.span_id);
  v1::Decision* d = r.mutable_decision();
  d->set_allowed(decision.allowed);
  d->set_rule(decision.rule);
  d->set_explanation(decision.explanation);
  d->set_legal_basis(decision.legal_basis);
  d->set_status_code(static_cast<int32_t>(decision.code));
  return r;
}

// Writes a refusal record unless the certificate's refusals are being
// counted instead; then returns `refusal`.
absl::Status WriteRefusal(const Env& env, const Call& call, const v1::LogRecord& record,
                          const absl::Status& refusal, std::vector<Outgoing> events,
                          absl::Time now) {
  if (!env.limits->AdmitRefusalRecord(call, record.decision().rule(), now)) return refusal;
  auto appended = env.log->Append(record, {}, StoreEvents(std::move(events)));
  if (!appended.ok()) {
    return absl::UnavailableError(absl::StrCat(refusal.message(),
                                               " (and the refusal could not be logged: ",
                                               appended.status().message(), ")"));
  }
  return refusal;
}

}  // namespace

policy::Decision Denial(absl::StatusCode code, std::string rule, std::string explanation) {
  return policy::Decision{false, code, std::move(rule), std::move(explanation), ""};
}

std::string SubjectKey(const v1::Subject& s) { return storage::SubjectBytes(s); }

void RequestContext::SetSignal(const std::string& signal_id, const std::string& purpose) {
  signal_id_ = signal_id;
  if (!purpose.empty()) purpose_ = purpose;
}

void RequestContext::SetCase(const std::string& case_id, const std::string& signal_id,
                             const std::string& purpose) {
  case_id_ = case_id;
  SetSignal(signal_id, purpose);
}

void RequestContext::AddSubject(const v1::Subject& s) {
  v1::Subject copy;  // only the validated fields travel on
  copy.set_kind(s.kind());
  copy.set_pseudonym(s.pseudonym());
  subjects_.push_back(std::move(copy));
}

policy::Request RequestContext::Question() const {
  policy::Request q;
  q.action = action_;
  q.who = who();
  q.now = now_;
  q.purpose = purpose_;
  return q;
}

absl::StatusOr<policy::Decision> RequestContext::Decide(const policy::Request& q) {
  policy::Decision d = policy_->Decide(q);
  if (!d.allowed) return Refuse(d);
  return d;
}

v1::LogRecord RequestContext::Record(v1::RecordKind kind, const policy::Decision& d) const {
  v1::LogRecord r = BaseRecord(kind, call_, *policy_, now_, d);
  r.set_purpose(purpose_);
  r.set_signal_id(signal_id_);
  r.set_case_id(case_id_);
  if (kind == v1::REQUEST_DENIED) {
    for (const auto& s : subjects_) {
      v1::LoggedSubject* ls = r.add_subjects();
      ls->set_kind(s.kind());
      ls->set_pseudonym(s.pseudonym());
    }
    if (count_) r.set_count(*count_);
    if (content_) *r.mutable_content() = *content_;
  }
  return r;
}

absl::Status RequestContext::Refuse(const policy::Decision& d, std::vector<Outgoing> events) {
  return WriteRefusal(env_, call_, Record(v1::REQUEST_DENIED, d), absl::Status(d.code, d.explanation),
                      std::move(events), now_);
}

absl::Status RequestContext::RefuseUnseen(absl::string_view rule, const std::string& message) {
  purpose_.clear();
  signal_id_.clear();
  case_id_.clear();
  content_.reset();
  const absl::Status logged = Refuse(Denial(absl::StatusCode::kNotFound, std::string(rule), message));
  if (logged.code() == absl::StatusCode::kUnavailable) return logged;
  return absl::NotFoundError(message);
}

absl::Status RequestContext::RefuseOverQuota(absl::string_view quota, absl::string_view message) {
  const policy::Decision over = Denial(absl::StatusCode::kResourceExhausted,
                                       absl::StrCat("quotas.", quota), std::string(message));
  v1::Event e;
  e.set_kind(v1::QUOTA_EXCEEDED);
  *e.mutable_time() = ToProtoTime(now_);
  e.set_partner(partner());
  e.set_quota(std::string(quota));
  e.set_signal_id(signal_id_);
  e.set_purpose(purpose_);
  e.set_text(std::string(message));
  if (env_.metrics != nullptr) {
    env_.metrics->GetCounter(kQuotaRefusals, kQuotaRefusalsHelp, {{"quota", std::string(quota)}}).Add();
  }
  return Refuse(over, ForPrivacyOfficers(*policy_, partner(), e));
}

absl::StatusOr<uint64_t> RequestContext::Commit(const v1::LogRecord& record, storage::Batch batch,
                                                std::vector<Outgoing> events) {
  if (events.size() > storage::keys::kMaxEventsPerRecord + 1) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this request would cause ", events.size(), " events, more than one record may carry (",
        storage::keys::kMaxEventsPerRecord + 1, "); ask about fewer subjects at once"));
  }
  return env_.log->Append(record, std::move(batch), StoreEvents(std::move(events)));
}

absl::StatusOr<uint64_t> RequestContext::CommitAll(std::vector<Part> parts) {
  std::vector<log::DisclosureLog::Entry> entries;
  entries.reserve(parts.size());
  for (Part& p : parts) {
    if (p.events.size() > storage::keys::kMaxEventsPerRecord + 1) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "this request would cause ", p.events.size(), " events, more than one record may carry (",
          storage::keys::kMaxEventsPerRecord + 1, "); send fewer entries at once"));
    }
    auto events = StoreEvents(std::move(p.events));
    auto own = std::move(p.indexed);
    log::DisclosureLog::IndexedMutations indexed = nullptr;
    if (events || own) {
      indexed = [events = std::move(events), own = std::move(own)](uint64_t index,
                                                                    storage::Batch* out) {
        if (own) own(index, out);
        if (events) events(index, out);
      };
    }
    entries.push_back({std::move(p.record), std::move(p.batch), std::move(indexed)});
  }
  return env_.log->AppendAll(std::move(entries));
}

Pipeline::Pipeline(const Env& env) : env_(env) {
  if (env_.metrics != nullptr) {
    env_.metrics->Declare(kQuotaRefusals, kQuotaRefusalsHelp, metrics::Registry::Type::kCounter);
  }
}

absl::Status Pipeline::Admit(RequestContext& ctx) {
  const policy::Decision d = ctx.policy().DecideCaller(ctx.Question());
  if (!d.allowed) return ctx.Refuse(d);
  const uint64_t rate = ctx.policy().QuotasFor(ctx.partner()).requests_per_second;
  if (absl::Status s = env_.limits->AdmitRequest(ctx.partner(), rate, ctx.now()); !s.ok()) {
    return ctx.RefuseOverQuota("requests_per_second", s.message());
  }
  return absl::OkStatus();
}

absl::Status Pipeline::Readmit(const Call& call, policy::Action action) {
  RequestContext ctx(env_, call, action);
  const policy::Decision d = ctx.policy().DecideCaller(ctx.Question());
  return d.allowed ? absl::OkStatus() : ctx.Refuse(d);
}

absl::Status Pipeline::RefuseUnidentified(const Call& call, const absl::Status& why) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  const policy::Decision d =
      Denial(absl::StatusCode::kUnauthenticated, "identity.certificate", std::string(why.message()));
  return WriteRefusal(env_, call, BaseRecord(v1::REQUEST_DENIED, call, *policy, now, d),
                      absl::UnauthenticatedError(why.message()), {}, now);
}

absl::Status Pipeline::FlushSuppressedRefusals(absl::Duration quiet_for) {
  const absl::Time now = env_.clock->Now();
  const auto policy = env_.policy->Current();
  for (const auto& s : env_.limits->TakeSuppressed(now, quiet_for)) {
    std::vector<std::string> rules;
    for (const auto& [rule, n] : s.by_rule) rules.push_back(absl::StrCat(rule, " ", n));
    const policy::Decision d = Denial(
        absl::StatusCode::kResourceExhausted, "refusals.aggregated",
        absl::StrCat(s.total(), " further refusals of this certificate from ", Rfc3339(s.first),
                     " to ", Rfc3339(s.last),
                     " were counted, not logged one by one (by rule: ", absl::StrJoin(rules, ", "),
                     ")"));
    v1::LogRecord r = BaseRecord(v1::REQUEST_DENIED, s.call, *policy, now, d);
    r.set_count(s.total());
    if (auto appended = env_.log->Append(r); !appended.ok()) return appended.status();
  }
  return absl::OkStatus();
}

// ---- events ----

log::DisclosureLog::IndexedMutations StoreEvents(std::vector<Outgoing> events) {
  if (events.empty()) return nullptr;
  return [events = std::move(events)](uint64_t index, storage::Batch* out) {
    for (size_t i = 0; i < events.size(); ++i) {
      v1::Event e = events[i].event;
      // Never 0: "after 0" means from the start. The pipeline bounds the
      // number of events of a record (RequestContext::Commit).
      e.set_sequence(storage::keys::EventSequence(index, i).value_or(0));
      e.set_log_index(index);
      e.set_recipient_role(events[i].role);
      storage::EventTable::Put(out, events[i].recipient, e);
    }
  };
}

std::vector<Outgoing> ForPrivacyOfficers(const policy::Policy& policy, const std::string& partner,
                                         const v1::Event& event) {
  std::vector<Outgoing> out = {{partner, std::string(kRolePrivacyOfficer), event}};
  if (!policy.secretariat().empty() && policy.secretariat() != partner) {
    out.push_back({policy.secretariat(), std::string(kRolePrivacyOfficer), event});
  }
  return out;
}

}  // namespace riec::core
