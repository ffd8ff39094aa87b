#include "core/cases.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "core/validate.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

using absl::StatusCode;

constexpr int kMaxUseConditions = 20;
constexpr size_t kMaxJustification = 4000;
constexpr size_t kMaxOutcomeText = 1000;

std::string Day(absl::Time t) { return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone()); }

absl::Time StartOfDay(absl::Time t) {
  return absl::FromCivil(absl::ToCivilDay(t, absl::UTCTimeZone()), absl::UTCTimeZone());
}

std::string FlowText(const v1::Flow& f) { return absl::StrCat(f.from(), " -> ", f.to()); }

bool SameFlow(const v1::Flow& a, const v1::Flow& b) { return a.from() == b.from() && a.to() == b.to(); }

absl::Status ValidateUseConditions(const google::protobuf::RepeatedPtrField<std::string>& conditions,
                                   absl::string_view field) {
  if (conditions.size() > kMaxUseConditions) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", conditions.size(), " conditions, at most ", kMaxUseConditions));
  }
  for (int i = 0; i < conditions.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    if (conditions[i].empty()) return absl::InvalidArgumentError(f + ": empty");
  }
  return absl::OkStatus();
}

// The casustafel's decision, checked against the signal and the convenant.
absl::Status ValidateDecision(const v1::CaseDecision& d, const v1::Signal& signal,
                              const policy::Policy& policy, const policy::Purpose& purpose,
                              absl::Time now) {
  if (!d.has_meeting()) return absl::InvalidArgumentError("decision.meeting: required (the date of the casustafel)");
  const absl::Time meeting = StartOfDay(FromProtoTime(d.meeting()));
  if (meeting > now) {
    return absl::InvalidArgumentError(absl::StrCat(
        "decision.meeting: ", Day(meeting), " is in the future; record the decision after the casustafel"));
  }
  if (meeting < StartOfDay(FromProtoTime(signal.created()))) {
    return absl::InvalidArgumentError(absl::StrCat("decision.meeting: ", Day(meeting),
                                                   " is before signal ", signal.id(),
                                                   " was registered (", Day(FromProtoTime(signal.created())), ")"));
  }

  if (d.present_size() == 0) {
    return absl::InvalidArgumentError("decision.present: required (the partners at the casustafel)");
  }
  std::set<std::string> consenting, present;
  for (int i = 0; i < d.present_size(); ++i) {
    const std::string field = absl::StrCat("decision.present[", i, "].partner");
    const std::string& p = d.present(i).partner();
    if (policy.FindPartner(p) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": '", p, "' is not a partner of convenant ", policy.Describe()));
    }
    if (!purpose.HasParticipant(p)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": partner '", p, "' does not take part in purpose '", purpose.id, "'"));
    }
    if (!present.insert(p).second) return absl::InvalidArgumentError(field + ": listed twice");
    if (d.present(i).consent()) consenting.insert(p);
  }

  RETURN_IF_ERROR(ValidateBatchSize(d.subjects_size(), "decision.subjects",
                                    static_cast<size_t>(signal.subjects_size())));
  std::set<std::string> in_signal, seen;
  for (const auto& s : signal.subjects()) in_signal.insert(SubjectKey(s));
  for (int i = 0; i < d.subjects_size(); ++i) {
    const std::string field = absl::StrCat("decision.subjects[", i, "]");
    RETURN_IF_ERROR(ValidateSubject(d.subjects(i), field));
    if (!in_signal.count(SubjectKey(d.subjects(i)))) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": not a subject of signal ", signal.id(), "; a case covers only its signal's subjects"));
    }
    if (!seen.insert(SubjectKey(d.subjects(i))).second) {
      return absl::InvalidArgumentError(field + ": listed twice");
    }
  }

  RETURN_IF_ERROR(ValidateBatchSize(d.flows_size(), "decision.flows", 1000));
  for (int i = 0; i < d.flows_size(); ++i) {
    const v1::Flow& f = d.flows(i);
    const std::string field = absl::StrCat("decision.flows[", i, "]");
    for (const auto& [end, partner] : {std::pair<const char*, std::string>{"from", f.from()},
                                       std::pair<const char*, std::string>{"to", f.to()}}) {
      const policy::Partner* p = policy.FindPartner(partner);
      if (p == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".", end, ": '", partner,
                                                       "' is not a partner of convenant ", policy.Describe()));
      }
      if (!consenting.count(partner)) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".", end, ": partner '", partner,
            "' was not present with consent at the casustafel (decision.present)"));
      }
      if (std::string(end) == "from" && p->participation == policy::Participation::kSignalOnly) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".from: partner '", partner, "' takes part signal-only and holds nothing to provide"));
      }
      if (std::string(end) == "to" && p->participation == policy::Participation::kRespondOnly) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".to: partner '", partner, "' takes part respond-only and does not request content"));
      }
    }
    if (f.from() == f.to()) return absl::InvalidArgumentError(field + ": from and to are the same partner");
    for (int j = 0; j < i; ++j) {
      if (SameFlow(d.flows(j), f)) return absl::InvalidArgumentError(field + ": listed twice");
    }
  }

  std::set<std::string> categories;
  for (int i = 0; i < d.categories_size(); ++i) {
    const std::string field = absl::StrCat("decision.categories[", i, "]");
    if (d.categories(i).empty()) return absl::InvalidArgumentError(field + ": empty");
    RETURN_IF_ERROR(ValidateCategory(d.categories(i), field, policy));
    if (!categories.insert(d.categories(i)).second) return absl::InvalidArgumentError(field + ": listed twice");
  }

  RETURN_IF_ERROR(ValidateRequiredText(d.justification().noodzaak(),
                                       "decision.justification.noodzaak", kMaxJustification));
  RETURN_IF_ERROR(ValidateRequiredText(d.justification().proportionaliteit(),
                                       "decision.justification.proportionaliteit", kMaxJustification));
  RETURN_IF_ERROR(ValidateRequiredText(d.justification().subsidiariteit(),
                                       "decision.justification.subsidiariteit", kMaxJustification));
  RETURN_IF_ERROR(ValidateUseConditions(d.use_conditions(), "decision.use_conditions"));

  if (!d.has_ends()) return absl::InvalidArgumentError("decision.ends: required (when the case ends)");
  const absl::Time ends = FromProtoTime(d.ends());
  if (ends <= now) {
    return absl::InvalidArgumentError(absl::StrCat("decision.ends: ", Rfc3339(ends), " is not in the future"));
  }
  if (ends > now + purpose.max_case_duration) {
    return absl::InvalidArgumentError(absl::StrCat(
        "decision.ends: ", Rfc3339(ends), " is past the max_case_duration of purpose '", purpose.id,
        "' (", policy::DurationText(purpose.max_case_duration), "): at most ",
        Rfc3339(now + purpose.max_case_duration)));
  }
  return absl::OkStatus();
}

// The decision with only the fields this broker knows.
v1::CaseDecision CleanDecision(const v1::CaseDecision& d) {
  v1::CaseDecision out = d;
  out.DiscardUnknownFields();
  // A case is about subjects, never their match keys (docs/pseudonyms.md §6).
  for (auto& s : *out.mutable_subjects()) s.clear_match_keys();
  return out;
}

v1::Event CaseEvent(v1::EventKind kind, const v1::Case& c, absl::Time now, std::string text) {
  v1::Event e;
  e.set_kind(kind);
  *e.mutable_time() = ToProtoTime(now);
  e.set_partner(c.chair_partner());
  e.set_case_id(c.id());
  e.set_signal_id(c.signal_id());
  e.set_purpose(c.purpose());
  e.set_text(std::move(text));
  return e;
}

// The case's partners concerned and its signal's owner (their partner
// systems), and its chair.
void ToCase(const v1::Case& c, const v1::Event& e, std::vector<Outgoing>* out) {
  std::set<std::string> partners;
  for (const auto& p : Cases::Concerned(c)) partners.insert(p);
  partners.insert(c.signal_owner());
  for (const auto& p : partners) out->push_back({p, std::string(kRolePartnerSystem), e});
  out->push_back({c.chair_partner(), std::string(kRoleChair), e});
}

std::string ChairText(const v1::Case& c) {
  return absl::StrCat(c.chair_partner(), "/chair", c.chair_name().empty() ? "" : "/" + c.chair_name());
}

// Besides the partners concerned: the signal's owner and the partners that
// were present at the casustafel and consented. Present without consent is
// not enough.
bool MayRead(const v1::Case& c, const std::string& partner) {
  if (partner == c.signal_owner()) return true;
  for (const auto& a : c.decision().present()) {
    if (a.partner() == partner && a.consent()) return true;
  }
  return false;
}

std::string NotSeen(absl::string_view id) {
  return absl::StrCat("case_id: no case '", id, "' that you may see");
}

}  // namespace

std::vector<std::string> Cases::Concerned(const v1::Case& c) {
  std::set<std::string> out;
  for (const auto& f : c.decision().flows()) {
    out.insert(f.from());
    out.insert(f.to());
  }
  return {out.begin(), out.end()};
}

v1::CaseState Cases::EffectiveState(const v1::Case& c, absl::Time now) {
  if ((c.state() == v1::CASE_STATE_PROPOSED || c.state() == v1::CASE_STATE_UNLOCKED) &&
      now >= FromProtoTime(c.decision().ends())) {
    return v1::CASE_STATE_EXPIRED;
  }
  return c.state();
}

policy::CaseFacts Cases::Facts(const v1::Case& c, const Identity& who) {
  policy::CaseFacts f;
  f.id = c.id();
  f.state = c.state();
  f.chair_partner = c.chair_partner();
  f.chair_name = c.chair_name();
  const auto concerned = Concerned(c);
  f.caller_concerned = std::find(concerned.begin(), concerned.end(), who.partner) != concerned.end();
  return f;
}

absl::StatusOr<std::optional<v1::Case>> Cases::Load(absl::string_view id, absl::Time now) const {
  ASSIGN_OR_RETURN(auto c, storage::CaseTable(env_.store).Get(id));
  if (c) c->set_state(EffectiveState(*c, now));
  return c;
}

void Cases::EvaluateUnlock(v1::Case& c, const policy::Policy& policy, absl::Time now,
                           std::vector<Outgoing>& events) const {
  const policy::Purpose* purpose = policy.FindPurpose(c.purpose());
  if (purpose == nullptr) {
    c.set_unlock_needs(absl::StrCat("purpose '", c.purpose(), "' is no longer in convenant ",
                                    policy.Describe(), "; the case cannot be unlocked"));
    return;
  }
  c.set_unlock_rule(purpose->unlock.Describe());
  policy::UnlockFacts facts;
  facts.chair_asked = c.chair_asked_unlock();
  facts.partners_concerned = Concerned(c);
  for (const auto& k : c.confirmations()) {
    if (k.role() == kRolePrivacyOfficer) facts.privacy_officer_confirmations.push_back(k.partner());
    facts.partner_confirmations.push_back(k.partner());
  }
  const policy::Decision d = policy.DecideUnlock(*purpose, facts, c.id());
  if (!d.allowed) {
    c.set_unlock_needs(d.explanation);
    return;
  }
  c.set_unlock_needs("");
  c.set_state(v1::CASE_STATE_UNLOCKED);
  *c.mutable_unlocked() = ToProtoTime(now);
  ToCase(c,
         CaseEvent(v1::CASE_UNLOCKED, c, now,
                   absl::StrCat("case ", c.id(), " is unlocked (rule ", c.unlock_rule(),
                                "): stage 2 is open within its decision until ",
                                Day(FromProtoTime(c.decision().ends())))),
         &events);
}

absl::StatusOr<v1::CaseResponse> Cases::Propose(RequestContext& ctx,
                                                const v1::ProposeCaseRequest& request) {
  const Identity& who = ctx.who();
  RETURN_IF_ERROR(ValidateSignalId(request.signal_id(), "signal_id"));
  // The signal becomes a case at most once.
  absl::MutexLock signal_lock(&signals_->state_mu());
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(auto signal, signals_->Load(request.signal_id(), ctx.now()));
  if (!signal) {
    return ctx.RefuseUnseen("signal.scope", absl::StrCat("signal_id: no signal '", request.signal_id(),
                                                         "' that you may see"));
  }
  ctx.SetSignal(signal->id(), signal->purpose());
  policy::Request q = ctx.Question();
  q.purpose = signal->purpose();
  ASSIGN_OR_RETURN(policy::Decision d, ctx.Decide(q));
  if (signal->state() != v1::OPEN) {
    return ctx.Refuse(Denial(StatusCode::kFailedPrecondition, "signal.open",
                             absl::StrCat("signal ", signal->id(), " is ",
                                          signal->state() == v1::CLOSED ? "closed" : "expired",
                                          "; a case is made of an open signal")));
  }
  if (!signal->case_id().empty()) {
    return ctx.Refuse(Denial(StatusCode::kFailedPrecondition, "signal.case",
                             absl::StrCat("signal ", signal->id(), " is already case ",
                                          signal->case_id())));
  }
  const policy::Policy& policy = ctx.policy();
  const policy::Purpose& purpose = *policy.FindPurpose(signal->purpose());
  RETURN_IF_ERROR(ValidateDecision(request.decision(), *signal, policy, purpose, ctx.now()));

  v1::Case c;
  c.set_id(NewId('C'));
  c.set_signal_id(signal->id());
  c.set_signal_owner(signal->owner());
  c.set_purpose(signal->purpose());
  c.set_state(v1::CASE_STATE_PROPOSED);
  *c.mutable_decision() = CleanDecision(request.decision());
  *c.mutable_decision()->mutable_meeting() =
      ToProtoTime(StartOfDay(FromProtoTime(request.decision().meeting())));
  c.set_chair_partner(who.partner);
  c.set_chair_name(who.name);
  *c.mutable_proposed() = ToProtoTime(ctx.now());
  ctx.SetCase(c.id(), signal->id(), signal->purpose());

  std::vector<Outgoing> events;
  ToCase(c,
         CaseEvent(v1::CASE_OPENED, c, ctx.now(),
                   absl::StrCat("the casustafel of ", Day(FromProtoTime(c.decision().meeting())),
                                " decided case ", c.id(), " on signal ", signal->id(), " (",
                                c.decision().subjects_size(), " subjects, ends ",
                                Day(FromProtoTime(c.decision().ends())), "); unlock rule ",
                                purpose.unlock.Describe(), " (riec case show ", c.id(), ")")),
         &events);
  const v1::Event ask = CaseEvent(
      v1::CONFIRMATION_REQUESTED, c, ctx.now(),
      absl::StrCat("case ", c.id(), " needs confirmations before it is unlocked (rule ",
                   purpose.unlock.Describe(), "): riec case confirm ", c.id()));
  if (purpose.unlock.kind == policy::UnlockRule::Kind::kFourEyes) {
    std::vector<std::string> to = {policy.secretariat()};
    if (policy.secretariat().empty()) to = Concerned(c);
    for (const auto& p : to) events.push_back({p, std::string(kRolePrivacyOfficer), ask});
  } else if (purpose.unlock.kind == policy::UnlockRule::Kind::kQuorum) {
    for (const auto& p : Concerned(c)) events.push_back({p, std::string(kRolePartnerSystem), ask});
  }
  EvaluateUnlock(c, policy, ctx.now(), events);

  signal->set_case_id(c.id());
  v1::LogRecord record = ctx.Record(v1::CASE_PROPOSED, d);
  *record.mutable_case_decision() = c.decision();
  record.set_case_state(c.state());
  for (const auto& s : c.decision().subjects()) {
    v1::LoggedSubject* ls = record.add_subjects();
    ls->set_kind(s.kind());
    ls->set_pseudonym(s.pseudonym());
  }
  storage::Batch batch;
  storage::CaseTable::Put(&batch, c);
  storage::SignalTable::Put(&batch, *signal, /*created=*/false);
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, std::move(batch), std::move(events)));
  v1::CaseResponse response;
  *response.mutable_case_() = std::move(c);
  response.set_log_index(index);
  return response;
}

absl::StatusOr<std::pair<v1::Case, policy::Decision>> Cases::Scope(RequestContext& ctx,
                                                                    absl::string_view id,
                                                                    bool closing) {
  RETURN_IF_ERROR(ValidateId(id, 'C', "case_id", "case"));
  ASSIGN_OR_RETURN(auto c, Load(id, ctx.now()));
  if (!c) return ctx.RefuseUnseen("case.scope", NotSeen(id));
  policy::Request q = ctx.Question();
  q.purpose = c->purpose();
  q.case_facts = Facts(*c, ctx.who());
  q.case_facts->closing = closing;
  // The signal's owner reads the case made of its signal, and so does a
  // partner that consented to the decision at the casustafel.
  if (ctx.action() == policy::Action::kReadCase && MayRead(*c, ctx.partner())) {
    q.case_facts->caller_concerned = true;
  }
  // Whether the caller may see the case at all comes before every other
  // rule (its state, the chair, ...).
  if (!ctx.policy().CaseVisible(ctx.who(), *q.case_facts)) return ctx.RefuseUnseen("case.scope", NotSeen(id));
  ctx.SetCase(c->id(), c->signal_id(), c->purpose());
  const policy::Decision d = ctx.policy().Decide(q);
  if (!d.allowed) return ctx.Refuse(d);
  return std::make_pair(*std::move(c), d);
}

absl::StatusOr<v1::CaseResponse> Cases::Step(RequestContext& ctx, const std::string& case_id,
                                             v1::RecordKind kind, const Change& change,
                                             bool closing) {
  RETURN_IF_ERROR(ValidateId(case_id, 'C', "case_id", "case"));
  absl::MutexLock lock(&mu_);
  absl::MutexLock requests(&requests_->CaseMutex(case_id));  // a step may lapse requests
  ASSIGN_OR_RETURN(auto scoped, Scope(ctx, case_id, closing));
  v1::Case& c = scoped.first;
  const policy::Decision& d = scoped.second;
  v1::LogRecord record = ctx.Record(kind, d);
  std::vector<Outgoing> events;
  storage::Batch batch;
  StepContext step{c, ctx.policy(), ctx.now(), record, events, batch, std::nullopt};
  RETURN_IF_ERROR(change(step));
  if (step.refusal) return ctx.Refuse(*step.refusal);

  *record.mutable_case_decision() = c.decision();
  record.set_case_state(c.state());
  storage::CaseTable::Put(&batch, c);
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, std::move(batch), std::move(events)));
  v1::CaseResponse response;
  *response.mutable_case_() = std::move(c);
  response.set_log_index(index);
  return response;
}

absl::StatusOr<v1::CaseResponse> Cases::Unlock(RequestContext& ctx, const v1::CaseRequest& request) {
  return Step(ctx, request.case_id(), v1::CASE_UNLOCK,
              [&](StepContext& s) -> absl::Status {
                if (s.c.state() == v1::CASE_STATE_UNLOCKED) {
                  s.refusal = Denial(StatusCode::kFailedPrecondition, "case.state",
                                     absl::StrCat("case ", s.c.id(), " is already unlocked"));
                  return absl::OkStatus();
                }
                s.c.set_chair_asked_unlock(true);
                EvaluateUnlock(s.c, s.policy, s.now, s.events);
                if (s.c.state() != v1::CASE_STATE_UNLOCKED) {
                  s.record.mutable_decision()->set_explanation(absl::StrCat(
                      "the chair asked for the unlock; ", s.c.unlock_needs()));
                }
                return absl::OkStatus();
              });
}

absl::StatusOr<v1::CaseResponse> Cases::Confirm(RequestContext& ctx, const v1::CaseRequest& request) {
  const Identity& who = ctx.who();
  return Step(ctx, request.case_id(), v1::CASE_CONFIRMED,
      [&](StepContext& s) -> absl::Status {
        v1::Case& c = s.c;
        const policy::Purpose* purpose = s.policy.FindPurpose(c.purpose());
        if (c.state() != v1::CASE_STATE_PROPOSED) {
          s.refusal = Denial(StatusCode::kFailedPrecondition, "case.state",
                             absl::StrCat("case ", c.id(), " is ",
                                          c.state() == v1::CASE_STATE_UNLOCKED ? "already unlocked"
                                          : c.state() == v1::CASE_STATE_CLOSED ? "closed"
                                                                               : "past its end date",
                                          "; there is nothing to confirm"));
          return absl::OkStatus();
        }
        if (purpose == nullptr || purpose->unlock.kind == policy::UnlockRule::Kind::kChair) {
          s.refusal = Denial(StatusCode::kFailedPrecondition, "purpose.unlock",
                             absl::StrCat("the unlock rule of purpose '", c.purpose(),
                                          "' is chair: case ", c.id(), " needs no confirmation"));
          return absl::OkStatus();
        }
        const auto concerned = Concerned(c);
        const bool is_concerned =
            std::find(concerned.begin(), concerned.end(), who.partner) != concerned.end();
        if (purpose->unlock.kind == policy::UnlockRule::Kind::kFourEyes &&
            who.role != kRolePrivacyOfficer) {
          s.refusal = Denial(StatusCode::kPermissionDenied, "purpose.unlock",
                             absl::StrCat("under unlock rule four-eyes of purpose '", c.purpose(),
                                          "' a privacy officer confirms, not role '", who.role, "'"));
          return absl::OkStatus();
        }
        if (purpose->unlock.kind == policy::UnlockRule::Kind::kQuorum && !is_concerned) {
          s.refusal = Denial(StatusCode::kPermissionDenied, "purpose.unlock",
                             absl::StrCat("under unlock rule ", purpose->unlock.Describe(),
                                          " of purpose '", c.purpose(), "' the partners concerned confirm (",
                                          absl::StrJoin(concerned, ", "), "); partner '", who.partner,
                                          "' is not one of them"));
          return absl::OkStatus();
        }
        for (const auto& k : c.confirmations()) {
          if (k.partner() == who.partner &&
              (purpose->unlock.kind == policy::UnlockRule::Kind::kQuorum || k.role() == who.role)) {
            s.refusal = Denial(StatusCode::kAlreadyExists, "case.confirmations",
                               absl::StrCat("partner '", who.partner, "' (", k.role(),
                                            ") already confirmed case ", c.id()));
            return absl::OkStatus();
          }
        }
        v1::Confirmation* k = c.add_confirmations();
        k->set_partner(who.partner);
        k->set_role(who.role);
        k->set_name(who.name);
        *k->mutable_time() = ToProtoTime(s.now);
        EvaluateUnlock(c, s.policy, s.now, s.events);
        if (c.state() != v1::CASE_STATE_UNLOCKED) {
          s.record.mutable_decision()->set_explanation(
              absl::StrCat("confirmation recorded; ", c.unlock_needs()));
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::CaseResponse> Cases::Extend(RequestContext& ctx, const v1::ExtendCaseRequest& request) {
  return Step(ctx, request.case_id(), v1::CASE_CHANGED,
              [&](StepContext& s) -> absl::Status {
                v1::Case& c = s.c;
                if (!request.has_ends()) return absl::InvalidArgumentError("ends: required");
                const absl::Time ends = FromProtoTime(request.ends());
                const absl::Time current = FromProtoTime(c.decision().ends());
                if (ends <= current) {
                  return absl::InvalidArgumentError(absl::StrCat(
                      "ends: ", Rfc3339(ends), " is not after the current end ", Rfc3339(current),
                      " (narrow or close the case to shorten it)"));
                }
                const policy::Purpose* purpose = s.policy.FindPurpose(c.purpose());
                const absl::Time limit = FromProtoTime(c.proposed()) +
                                         (purpose ? purpose->max_case_duration : absl::ZeroDuration());
                if (ends > limit) {
                  return absl::InvalidArgumentError(absl::StrCat(
                      "ends: ", Rfc3339(ends), " is past the max_case_duration of purpose '",
                      c.purpose(), "' from the case's proposal: at most ", Rfc3339(limit)));
                }
                *c.mutable_decision()->mutable_ends() = request.ends();
                const std::string text =
                    absl::StrCat("case ", c.id(), " extended to ", Day(ends));
                s.record.mutable_decision()->set_explanation(text);
                ToCase(c, CaseEvent(v1::CASE_EXTENDED, c, s.now, text), &s.events);
                return absl::OkStatus();
              });
}

absl::StatusOr<v1::CaseResponse> Cases::Narrow(RequestContext& ctx, const v1::NarrowCaseRequest& request) {
  return Step(ctx, request.case_id(), v1::CASE_CHANGED,
      [&](StepContext& s) -> absl::Status {
        v1::Case& c = s.c;
        v1::CaseDecision* d = c.mutable_decision();
        if (request.remove_subjects_size() + request.remove_flows_size() +
                request.remove_categories_size() == 0) {
          return absl::InvalidArgumentError(
              "remove_subjects, remove_flows, remove_categories: name at least one thing to take out of the scope");
        }
        std::set<std::string> subjects, categories;
        for (int i = 0; i < request.remove_subjects_size(); ++i) {
          const std::string field = absl::StrCat("remove_subjects[", i, "]");
          RETURN_IF_ERROR(ValidateSubject(request.remove_subjects(i), field));
          const std::string key = SubjectKey(request.remove_subjects(i));
          bool found = false;
          for (const auto& x : d->subjects()) found |= SubjectKey(x) == key;
          if (!found) return absl::InvalidArgumentError(field + ": not in the scope of case " + c.id());
          subjects.insert(key);
        }
        std::vector<v1::Flow> flows;
        for (int i = 0; i < request.remove_flows_size(); ++i) {
          const v1::Flow& f = request.remove_flows(i);
          bool found = false;
          for (const auto& x : d->flows()) found |= SameFlow(x, f);
          if (!found) {
            return absl::InvalidArgumentError(absl::StrCat("remove_flows[", i, "]: ", FlowText(f),
                                                           " is not a flow of case ", c.id()));
          }
          flows.push_back(f);
        }
        for (int i = 0; i < request.remove_categories_size(); ++i) {
          const std::string& cat = request.remove_categories(i);
          if (std::find(d->categories().begin(), d->categories().end(), cat) == d->categories().end()) {
            return absl::InvalidArgumentError(absl::StrCat("remove_categories[", i, "]: '", cat,
                                                           "' is not a category of case ", c.id()));
          }
          categories.insert(cat);
        }
        auto removed_flow = [&](const v1::Flow& f) {
          for (const auto& x : flows) {
            if (SameFlow(x, f)) return true;
          }
          return false;
        };
        v1::CaseDecision next = *d;
        next.clear_subjects();
        next.clear_flows();
        next.clear_categories();
        for (const auto& x : d->subjects()) {
          if (!subjects.count(SubjectKey(x))) *next.add_subjects() = x;
        }
        for (const auto& x : d->flows()) {
          if (!removed_flow(x)) *next.add_flows() = x;
        }
        for (const auto& x : d->categories()) {
          if (!categories.count(x)) next.add_categories(x);
        }
        if (next.subjects_size() == 0) {
          return absl::InvalidArgumentError("remove_subjects: would leave no subject in scope; close the case instead");
        }
        if (next.flows_size() == 0) {
          return absl::InvalidArgumentError("remove_flows: would leave no flow; close the case instead");
        }
        if (d->categories_size() > 0 && next.categories_size() == 0) {
          return absl::InvalidArgumentError(
              "remove_categories: would leave no category, which means any category; close the case instead");
        }
        *d = std::move(next);
        // Requests that fall outside the narrower scope lapse now.
        std::vector<std::string> lapsed;
        auto out_of_scope = [&](const v1::ContentRequest& r) {
          v1::Flow f;
          f.set_from(r.holder());
          f.set_to(r.requester());
          const std::string& cat = r.provided_category().empty() ? r.category() : r.provided_category();
          return subjects.count(SubjectKey(r.subject())) > 0 || removed_flow(f) ||
                 (!cat.empty() && categories.count(cat) > 0);
        };
        ASSIGN_OR_RETURN(uint64_t payloads,
                         requests_->Lapse(c.id(), out_of_scope, &s.mutations, &lapsed));
        const std::string text = absl::StrCat(
            "case ", c.id(), " narrowed: ", subjects.size(), " subjects, ", flows.size(), " flows and ",
            categories.size(), " categories taken out of scope; ", lapsed.size(),
            " content requests lapsed (", payloads, " payloads deleted)");
        s.record.mutable_decision()->set_explanation(text);
        s.record.set_count(lapsed.size());
        ToCase(c, CaseEvent(v1::CASE_NARROWED, c, s.now, text), &s.events);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::CaseResponse> Cases::Close(RequestContext& ctx, const v1::CloseCaseRequest& request) {
  return Step(ctx, request.case_id(), v1::CASE_ENDED,
      [&](StepContext& s) -> absl::Status {
        v1::Case& c = s.c;
        const v1::Outcome& outcome = request.outcome();
        if (outcome.code() == v1::OUTCOME_CODE_UNSPECIFIED || !v1::OutcomeCode_IsValid(outcome.code())) {
          return absl::InvalidArgumentError(
              "outcome.code: required (administrative-measure, criminal-investigation, "
              "tax-or-benefit-measure, care-or-support, no-action, other)");
        }
        if (!outcome.text().empty()) {
          RETURN_IF_ERROR(ValidateRequiredText(outcome.text(), "outcome.text", kMaxOutcomeText));
        }
        // Who contributed: the holders that assessed, provided or refused.
        std::set<std::string> contributors;
        ASSIGN_OR_RETURN(auto assessments, assessments_->Of(c.signal_id()));
        for (const auto& a : assessments) contributors.insert(a.holder());
        ASSIGN_OR_RETURN(auto answered, requests_->AnsweringHolders(c.id()));
        contributors.insert(answered.begin(), answered.end());
        c.clear_contributors();
        for (const auto& p : contributors) c.add_contributors(p);

        std::vector<std::string> lapsed;
        ASSIGN_OR_RETURN(uint64_t payloads,
                         requests_->Lapse(c.id(), [](const v1::ContentRequest&) { return true; },
                                          &s.mutations, &lapsed));
        c.set_state(v1::CASE_STATE_CLOSED);
        *c.mutable_closed() = ToProtoTime(s.now);
        *c.mutable_outcome() = outcome;
        *s.record.mutable_outcome() = outcome;
        for (const auto& p : contributors) s.record.add_recipients(p);
        s.record.set_count(lapsed.size());
        const std::string code = v1::OutcomeCode_Name(outcome.code());
        s.record.mutable_decision()->set_explanation(
            absl::StrCat("case ", c.id(), " closed with outcome ", code, "; ", lapsed.size(),
                         " open content requests lapsed (", payloads, " payloads deleted)"));
        ToCase(c,
               CaseEvent(v1::CASE_CLOSED, c, s.now,
                         absl::StrCat("case ", c.id(), " is closed (outcome ", code, ")")),
               &s.events);
        for (const auto& p : contributors) {
          v1::Event e = CaseEvent(v1::OUTCOME, c, s.now,
                                  absl::StrCat("outcome of case ", c.id(), " that you contributed to: ",
                                               code, outcome.text().empty() ? "" : ": " + outcome.text()));
          s.events.push_back({p, std::string(kRolePartnerSystem), std::move(e)});
        }
        return absl::OkStatus();
      },
      /*closing=*/true);
}

absl::StatusOr<v1::CaseResponse> Cases::HandOver(RequestContext& ctx, const v1::HandOverCaseRequest& request) {
  return Step(ctx, request.case_id(), v1::CASE_CHANGED,
              [&](StepContext& s) -> absl::Status {
                v1::Case& c = s.c;
                const policy::Partner* p = s.policy.FindPartner(request.partner());
                if (request.partner().empty()) return absl::InvalidArgumentError("partner: required");
                if (p == nullptr || std::find(p->roles.begin(), p->roles.end(), kRoleChair) == p->roles.end()) {
                  return absl::InvalidArgumentError(absl::StrCat(
                      "partner: '", request.partner(), "' has no chair role under convenant ",
                      s.policy.Describe()));
                }
                if (!request.name().empty()) {
                  Identity probe{s.policy.convenant_id(), request.partner(), std::string(kRoleChair),
                                 request.name()};
                  if (!ParseIdentityUri(IdentityUri(probe)).ok()) {
                    return absl::InvalidArgumentError(
                        "name: a certificate holder-name is 1 to 64 of A-Z a-z 0-9 . _ -");
                  }
                }
                if (request.partner() == c.chair_partner() && request.name() == c.chair_name()) {
                  return absl::InvalidArgumentError("partner, name: that is the case's chair already");
                }
                const std::string before = ChairText(c);
                c.set_chair_partner(request.partner());
                c.set_chair_name(request.name());
                const std::string text = absl::StrCat("the chair of case ", c.id(), " was handed from ",
                                                      before, " to ", ChairText(c));
                s.record.mutable_decision()->set_explanation(text);
                s.record.add_recipients(request.partner());
                s.events.push_back({request.partner(), std::string(kRoleChair),
                                    CaseEvent(v1::CASE_HANDED_OVER, c, s.now, text)});
                return absl::OkStatus();
              });
}

absl::StatusOr<v1::Case> Cases::Get(RequestContext& ctx, const v1::CaseRequest& request) {
  ASSIGN_OR_RETURN(auto scoped, Scope(ctx, request.case_id(), /*closing=*/false));
  return std::move(scoped.first);
}

absl::StatusOr<v1::ListCasesResponse> Cases::List(RequestContext& ctx,
                                                  const v1::ListCasesRequest& request) {
  const Identity& who = ctx.who();
  if (!v1::CaseState_IsValid(request.state())) return absl::InvalidArgumentError("state: unknown value");
  const bool all = who.role == kRoleChair || who.role == kRoleCoordinator ||
                   (who.role == kRolePrivacyOfficer && who.partner == ctx.policy().secretariat());
  std::vector<v1::Case> found;
  RETURN_IF_ERROR(storage::CaseTable(env_.store).ScanAll([&](const v1::Case& stored) {
    v1::Case c = stored;
    c.set_state(EffectiveState(c, ctx.now()));
    if (request.state() != v1::CASE_STATE_UNSPECIFIED && c.state() != request.state()) return true;
    if (!all && !Facts(c, who).caller_concerned && !MayRead(c, who.partner)) return true;
    found.push_back(std::move(c));
    return true;
  }));
  std::sort(found.begin(), found.end(), [](const v1::Case& a, const v1::Case& b) {
    if (a.proposed().seconds() != b.proposed().seconds()) return a.proposed().seconds() > b.proposed().seconds();
    return a.id() < b.id();
  });
  if (found.size() > 500) found.resize(500);
  v1::ListCasesResponse response;
  for (auto& c : found) *response.add_cases() = std::move(c);
  return response;
}

absl::Status Cases::SweepExpired(absl::Time now, absl::Duration keep, size_t batch_size,
                                 const SweepCommit& commit) {
  absl::MutexLock signal_lock(&signals_->state_mu());
  absl::MutexLock lock(&mu_);
  std::vector<v1::Case> ended;
  RETURN_IF_ERROR(storage::CaseTable(env_.store).ScanAll([&](const v1::Case& c) {
    const v1::CaseState state = EffectiveState(c, now);
    absl::Time at;
    if (state == v1::CASE_STATE_CLOSED) {
      at = FromProtoTime(c.closed());
    } else if (state == v1::CASE_STATE_EXPIRED) {
      at = FromProtoTime(c.decision().ends());
    } else {
      return true;
    }
    if (now >= at + keep) ended.push_back(c);
    return true;
  }));
  SweepBatch batch;
  for (const v1::Case& c : ended) {
    storage::CaseTable::Erase(&batch.deletes, c.id());
    ++batch.counts["cases"];
    ASSIGN_OR_RETURN(auto signal, storage::SignalTable(env_.store).Get(c.signal_id()));
    if (signal) RETURN_IF_ERROR(Signals::EraseSignal(*env_.store, *signal, &batch));
    ASSIGN_OR_RETURN(uint64_t requests, requests_->EraseOfCase(c.id(), &batch.deletes));
    if (requests > 0) batch.counts["content-requests"] += requests;
    RETURN_IF_ERROR(CommitIfFull(batch, batch_size, commit));
  }
  return commit(std::move(batch));
}

}  // namespace riec::core
