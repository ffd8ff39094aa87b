#include "core/assessments.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "riec/common/identity.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "core/records.h"
#include "core/validate.h"

namespace riec::core {
namespace {
using storage::Family;
}  // namespace

absl::StatusOr<v1::RequestAssessmentsResponse> Assessments::Request(
    const Call& call, const v1::RequestAssessmentsRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kRequestAssessments, now));
  RETURN_IF_ERROR(ValidateSignalId(request.signal_id(), "signal_id"));
  ASSIGN_OR_RETURN(v1::Signal signal, signals_->Load(request.signal_id(), now));
  policy::Request q{policy::Action::kRequestAssessments, call.caller.identity, now};
  q.signal_id = signal.id();
  q.signal_owner = signal.owner();
  policy::Decision d = policy->Decide(q);
  if (d.allowed && signal.state() != v1::OPEN) {
    d = Denial(absl::StatusCode::kFailedPrecondition, "signal.open",
               absl::StrCat("signal ", signal.id(), " is not open"));
  }
  if (!d.allowed) {
    v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, *policy, now, d);
    r.set_signal_id(signal.id());
    return Refuse(env_.log, std::move(r));
  }
  const policy::Purpose* purpose = policy->FindPurpose(signal.purpose());
  v1::LogRecord record = NewRecord(v1::ASSESSMENTS_REQUESTED, call, *policy, now, d);
  record.set_signal_id(signal.id());
  record.set_purpose(signal.purpose());
  std::vector<Outgoing> events;
  std::set<std::string> asked;
  for (const auto& subject : signal.subjects()) {
    ASSIGN_OR_RETURN(auto holdings, index_->Lookup(subject, now));
    v1::LoggedSubject* logged = AddSubject(&record, subject);
    std::set<std::string> holders;
    for (const Holding& h : holdings) {
      if (h.silent || h.holder == signal.owner() || purpose == nullptr ||
          !purpose->HasParticipant(h.holder) || !holders.insert(h.holder).second) {
        continue;
      }
      logged->add_holders()->set_partner(h.holder);
      asked.insert(h.holder);
      v1::Event e;
      e.set_kind(v1::ASSESSMENT_REQUESTED);
      *e.mutable_time() = ToProtoTime(now);
      e.set_partner(signal.owner());
      e.set_signal_id(signal.id());
      e.set_purpose(signal.purpose());
      *e.mutable_subject() = subject;
      e.set_text(absl::StrCat("partner '", signal.owner(), "' asks your assessment of a subject of signal ",
                              signal.id(), " that you hold: can you provide information, does it suit a "
                              "casusaanpak? (riec assess)"));
      events.push_back({h.holder, std::string(kRolePartnerSystem), std::move(e)});
    }
  }
  record.set_count(asked.size());
  ASSIGN_OR_RETURN(uint64_t index, env_.log->Append(record, {}, StoreEvents(std::move(events))));
  v1::RequestAssessmentsResponse response;
  for (const auto& h : asked) response.add_holders(h);
  response.set_log_index(index);
  return response;
}

absl::StatusOr<v1::AssessResponse> Assessments::Assess(const Call& call,
                                                       const v1::AssessRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  const std::string& holder = call.caller.identity.partner;
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kAssess, now));
  RETURN_IF_ERROR(ValidateSignalId(request.signal_id(), "signal_id"));
  RETURN_IF_ERROR(ValidateBatchSize(request.assessments_size(), "assessments", 1000));
  ASSIGN_OR_RETURN(v1::Signal signal, signals_->Load(request.signal_id(), now));
  std::set<std::string> in_signal, seen;
  for (const auto& s : signal.subjects()) in_signal.insert(SubjectKey(s));
  for (int i = 0; i < request.assessments_size(); ++i) {
    const v1::Assessment& a = request.assessments(i);
    const std::string field = absl::StrCat("assessments[", i, "]");
    RETURN_IF_ERROR(ValidateSubject(a.subject(), field + ".subject"));
    if (a.can_provide() == v1::CAN_PROVIDE_UNSPECIFIED || !v1::CanProvide_IsValid(a.can_provide())) {
      return absl::InvalidArgumentError(field + ".can_provide: want yes or no");
    }
    if (a.suits_casus() == v1::SUITS_CASUS_UNSPECIFIED || !v1::SuitsCasus_IsValid(a.suits_casus())) {
      return absl::InvalidArgumentError(field + ".suits_casus: want yes, no or unknown");
    }
    if (!a.reason().empty() && (a.reason().size() > 32 || !IsValidId(a.reason()))) {
      return absl::InvalidArgumentError(
          field + ".reason: a code of lower-case letters, digits and '-', at most 32");
    }
    if (!in_signal.count(SubjectKey(a.subject()))) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".subject: not a subject of signal ", signal.id()));
    }
    if (!seen.insert(SubjectKey(a.subject())).second) {
      return absl::InvalidArgumentError(field + ".subject: assessed twice");
    }
  }

  policy::Request q{policy::Action::kAssess, call.caller.identity, now};
  q.purpose = signal.purpose();
  policy::Decision d = policy->Decide(q);
  // Only a holder assesses: a valid entry of its own on each subject.
  for (int i = 0; d.allowed && i < request.assessments_size(); ++i) {
    ASSIGN_OR_RETURN(auto holdings, index_->Lookup(request.assessments(i).subject(), now));
    bool holds = false;
    for (const Holding& h : holdings) holds |= h.holder == holder;
    if (!holds) {
      d = Denial(absl::StatusCode::kPermissionDenied, "assess.holder",
                 absl::StrCat("assessments[", i, "].subject: partner '", holder,
                              "' holds no entry on this subject and cannot assess it"));
    }
  }
  if (d.allowed && signal.state() == v1::EXPIRED) {
    d = Denial(absl::StatusCode::kFailedPrecondition, "signal.open",
               absl::StrCat("signal ", signal.id(), " has expired"));
  }
  if (!d.allowed) {
    v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, *policy, now, d);
    r.set_signal_id(signal.id());
    r.set_purpose(signal.purpose());
    for (const auto& a : request.assessments()) AddSubject(&r, a.subject());
    return Refuse(env_.log, std::move(r));
  }

  v1::LogRecord record = NewRecord(v1::ASSESSMENT_GIVEN, call, *policy, now, d);
  record.set_signal_id(signal.id());
  record.set_purpose(signal.purpose());
  record.add_recipients(signal.owner());
  std::vector<storage::Mutation> mutations;
  for (v1::Assessment a : request.assessments()) {
    a.set_holder(holder);
    *a.mutable_given() = ToProtoTime(now);
    std::string bytes;
    a.SerializeToString(&bytes);
    mutations.push_back({Family::kAssessments, Signals::AssessmentsPrefix(signal.id()) + SubjectKey(a.subject()) + holder, bytes});
    *record.add_assessments() = std::move(a);
  }
  v1::Event e;
  e.set_kind(v1::ASSESSMENT_RECEIVED);
  *e.mutable_time() = ToProtoTime(now);
  e.set_partner(holder);
  e.set_signal_id(signal.id());
  e.set_purpose(signal.purpose());
  e.set_text(absl::StrCat("partner '", holder, "' assessed ", request.assessments_size(),
                          " subjects of signal ", signal.id(), " (riec assess list)"));
  std::vector<Outgoing> events = {{signal.owner(), "", std::move(e)}};
  ASSIGN_OR_RETURN(uint64_t index,
                   env_.log->Append(record, std::move(mutations), StoreEvents(std::move(events))));
  v1::AssessResponse response;
  response.set_log_index(index);
  return response;
}

absl::StatusOr<std::vector<v1::Assessment>> Assessments::Of(const std::string& signal_id) const {
  std::vector<v1::Assessment> out;
  const std::string prefix = Signals::AssessmentsPrefix(signal_id);
  auto it = env_.store->NewIterator(Family::kAssessments);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    v1::Assessment a;
    if (a.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) out.push_back(std::move(a));
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "assessment scan");
  return out;
}

absl::StatusOr<v1::ListAssessmentsResponse> Assessments::List(
    const Call& call, const v1::ListAssessmentsRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kReadSignal, now));
  RETURN_IF_ERROR(ValidateSignalId(request.signal_id(), "signal_id"));
  ASSIGN_OR_RETURN(v1::Signal signal, signals_->Load(request.signal_id(), now));
  policy::Request q{policy::Action::kReadSignal, call.caller.identity, now};
  q.signal_id = signal.id();
  q.signal_owner = signal.owner();
  policy::Decision d = policy->Decide(q);
  if (!d.allowed) {
    v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, *policy, now, d);
    r.set_signal_id(signal.id());
    return Refuse(env_.log, std::move(r));
  }
  ASSIGN_OR_RETURN(auto all, Of(signal.id()));
  v1::ListAssessmentsResponse response;
  for (auto& a : all) *response.add_assessments() = std::move(a);
  return response;
}

}  // namespace riec::core
