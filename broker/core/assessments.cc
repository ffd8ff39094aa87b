#include "core/assessments.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "core/inquiry.h"
#include "core/validate.h"
#include "riec/common/identity.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

// Whether the signal's owner may learn which partners hold what (the
// purpose's stage-1 level names holders).
bool NamesHolders(const policy::Policy& policy, const v1::Signal& signal) {
  const policy::Purpose* purpose = policy.FindPurpose(signal.purpose());
  return purpose != nullptr && purpose->stage1.level != v1::HIT_ONLY;
}

}  // namespace

absl::StatusOr<v1::RequestAssessmentsResponse> Assessments::Request(
    RequestContext& ctx, const v1::RequestAssessmentsRequest& request) {
  ASSIGN_OR_RETURN(auto scoped, signals_->Scope(ctx, request.signal_id(), "signal_id"));
  const v1::Signal& signal = scoped.first;
  const policy::Decision& d = scoped.second;
  if (signal.state() != v1::OPEN) {
    return ctx.Refuse(Denial(absl::StatusCode::kFailedPrecondition, "signal.open",
                             absl::StrCat("signal ", signal.id(), " is not open; assessments are "
                                          "asked only inside an open signal")));
  }
  policy::Request q = ctx.Question();
  q.purpose = signal.purpose();
  q.signal_id = signal.id();
  q.signal_owner = signal.owner();
  std::set<v1::SubjectKind> kinds;
  for (const auto& s : signal.subjects()) {
    if (!kinds.insert(s.kind()).second) continue;
    q.subject_kind = s.kind();
    RETURN_IF_ERROR(ctx.Decide(q).status());
  }
  storage::Batch batch;
  RETURN_IF_ERROR(ConsumeQuestion(ctx, quota_, &batch));

  const policy::Purpose* purpose = ctx.policy().FindPurpose(signal.purpose());
  // Assessments are of exact matches only: the subjects without their keys.
  google::protobuf::RepeatedPtrField<v1::Subject> subjects;
  for (const auto& s : signal.subjects()) *subjects.Add() = CleanSubject(s);
  ASSIGN_OR_RETURN(auto findings, Stage1Findings(*index_, *purpose, ctx.partner(), subjects, ctx.now()));
  v1::LogRecord record = ctx.Record(v1::ASSESSMENTS_REQUESTED, d);
  record.set_stage1_level(purpose->stage1.level);
  std::vector<Outgoing> events;
  std::set<std::string> asked;
  for (const SubjectFindings& f : findings) {
    v1::LoggedSubject* logged = record.add_subjects();
    logged->set_kind(f.subject.kind());
    logged->set_pseudonym(f.subject.pseudonym());
    for (const auto& [holder, categories] : f.holders) {
      logged->add_holders()->set_partner(holder);
      asked.insert(holder);
      storage::AssessmentTable::PutAsk(&batch, signal.id(), holder, f.subject);
      v1::Event e;
      e.set_kind(v1::ASSESSMENT_REQUESTED);
      *e.mutable_time() = ToProtoTime(ctx.now());
      e.set_partner(signal.owner());
      e.set_signal_id(signal.id());
      e.set_purpose(signal.purpose());
      *e.mutable_subject() = f.subject;
      e.set_text(absl::StrCat("partner '", signal.owner(),
                              "' asks your assessment of a subject of signal ", signal.id(),
                              " that you hold: can you provide information, does it suit a "
                              "casusaanpak? (riec assess give)"));
      events.push_back({holder, std::string(kRolePartnerSystem), std::move(e)});
    }
  }
  record.set_count(asked.size());
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, std::move(batch), std::move(events)));
  v1::RequestAssessmentsResponse response;
  if (purpose->stage1.level != v1::HIT_ONLY) {
    for (const auto& h : asked) response.add_holders(h);
  }
  response.set_log_index(index);
  return response;
}

absl::StatusOr<v1::AssessResponse> Assessments::Assess(RequestContext& ctx,
                                                       const v1::AssessRequest& request) {
  const std::string& holder = ctx.partner();
  RETURN_IF_ERROR(ValidateSignalId(request.signal_id(), "signal_id"));
  RETURN_IF_ERROR(ValidateBatchSize(request.assessments_size(), "assessments", 1000));
  std::set<std::string> seen;
  for (int i = 0; i < request.assessments_size(); ++i) {
    const v1::Assessment& a = request.assessments(i);
    const std::string field = absl::StrCat("assessments[", i, "]");
    RETURN_IF_ERROR(ValidateSubject(a.subject(), field + ".subject"));
    if (a.can_provide() == v1::CAN_PROVIDE_UNSPECIFIED) {
      return absl::InvalidArgumentError(field + ".can_provide: want yes or no");
    }
    if (a.suits_casus() == v1::SUITS_CASUS_UNSPECIFIED) {
      return absl::InvalidArgumentError(field + ".suits_casus: want yes, no or unknown");
    }
    if (!a.reason().empty() && !IsValidId(a.reason())) {
      return absl::InvalidArgumentError(
          field + ".reason: a code of lower-case letters, digits and '-', at most 32");
    }
    if (!seen.insert(SubjectKey(a.subject())).second) {
      return absl::InvalidArgumentError(field + ".subject: assessed twice");
    }
    ctx.AddSubject(a.subject());
  }

  // Only what this partner was asked: any other signal, subject or partner
  // gets the same answer, whether the signal exists or not.
  const std::string unseen = absl::StrCat("signal_id: partner '", holder,
                                          "' was asked no assessment of these subjects in signal '",
                                          request.signal_id(), "'");
  ASSIGN_OR_RETURN(auto signal, signals_->Load(request.signal_id(), ctx.now()));
  storage::AssessmentTable table(env_.store);
  bool was_asked = signal.has_value();
  for (int i = 0; was_asked && i < request.assessments_size(); ++i) {
    ASSIGN_OR_RETURN(was_asked, table.WasAsked(signal->id(), holder, request.assessments(i).subject()));
  }
  if (!was_asked) {
    return ctx.RefuseUnseen("assess.asked", unseen);
  }
  ctx.SetSignal(signal->id(), signal->purpose());
  policy::Request q = ctx.Question();
  q.purpose = signal->purpose();
  ASSIGN_OR_RETURN(policy::Decision d, ctx.Decide(q));
  if (signal->state() != v1::OPEN) {
    return ctx.Refuse(Denial(absl::StatusCode::kFailedPrecondition, "signal.open",
                             absl::StrCat("signal ", signal->id(), " is ",
                                          signal->state() == v1::CLOSED ? "closed" : "expired",
                                          "; assessments are given while it is open")));
  }

  v1::LogRecord record = ctx.Record(v1::ASSESSMENT_GIVEN, d);
  record.add_recipients(signal->owner());
  if (const policy::Purpose* purpose = ctx.policy().FindPurpose(signal->purpose())) {
    record.set_stage1_level(purpose->stage1.level);  // whether the owner may learn who assessed
  }
  storage::Batch batch;
  for (const v1::Assessment& given : request.assessments()) {
    v1::Assessment a;  // only the validated fields are kept
    *a.mutable_subject() = CleanSubject(given.subject());
    a.set_holder(holder);
    a.set_can_provide(given.can_provide());
    a.set_suits_casus(given.suits_casus());
    a.set_reason(given.reason());
    *a.mutable_given() = ToProtoTime(ctx.now());
    storage::AssessmentTable::Put(&batch, signal->id(), a);
    *record.add_assessments() = std::move(a);
  }
  const bool named = NamesHolders(ctx.policy(), *signal);
  v1::Event e;
  e.set_kind(v1::ASSESSMENT_RECEIVED);
  *e.mutable_time() = ToProtoTime(ctx.now());
  if (named) e.set_partner(holder);
  e.set_signal_id(signal->id());
  e.set_purpose(signal->purpose());
  e.set_text(absl::StrCat(named ? absl::StrCat("partner '", holder, "'") : std::string("a holder"),
                          " assessed ", request.assessments_size(), " subjects of signal ",
                          signal->id(), " (riec assess list)"));
  std::vector<Outgoing> events = {{signal->owner(), std::string(kRolePartnerSystem), std::move(e)}};
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, std::move(batch), std::move(events)));
  v1::AssessResponse response;
  response.set_log_index(index);
  return response;
}

absl::StatusOr<std::vector<v1::Assessment>> Assessments::Of(const std::string& signal_id) const {
  return storage::AssessmentTable(env_.store).Of(signal_id);
}

absl::StatusOr<v1::ListAssessmentsResponse> Assessments::List(
    RequestContext& ctx, const v1::ListAssessmentsRequest& request) {
  ASSIGN_OR_RETURN(auto scoped, signals_->Scope(ctx, request.signal_id(), "signal_id"));
  const v1::Signal& signal = scoped.first;
  ASSIGN_OR_RETURN(auto all, Of(signal.id()));
  // The casustafel (chairs, coordinators) sees who assessed; the signal's
  // owner only where the purpose's level names holders.
  const bool named = ctx.who().role == kRoleChair || ctx.who().role == kRoleCoordinator ||
                     NamesHolders(ctx.policy(), signal);
  v1::ListAssessmentsResponse response;
  for (auto& a : all) {
    if (!named) a.clear_holder();
    *response.add_assessments() = std::move(a);
  }
  return response;
}

}  // namespace riec::core
