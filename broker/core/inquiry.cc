#include "broker/core/inquiry.h"

#include <map>

#include "absl/container/flat_hash_set.h"

#include "absl/strings/str_cat.h"
#include "broker/common/status_macros.h"
#include "broker/core/records.h"
#include "broker/core/validate.h"

namespace riec::core {
namespace {
constexpr absl::string_view kQuestionsQuota = "questions_per_hour";
}  // namespace

absl::StatusOr<v1::CheckSubjectsResponse> Inquiry::CheckSubjects(
    const Call& call, const v1::CheckSubjectsRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  const std::string& requester = call.caller.identity.partner;
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kAsk, now));

  if (absl::Status s = ValidateSignalId(request.signal_id(), "signal_id"); !s.ok()) return s;
  if (request.subjects_size() > static_cast<int>(kMaxBatch)) {
    return ValidateBatchSize(request.subjects_size(), "subjects", kMaxBatch);
  }
  for (int i = 0; i < request.subjects_size(); ++i) {
    if (absl::Status s = ValidateSubject(request.subjects(i), absl::StrCat("subjects[", i, "]"));
        !s.ok()) {
      return s;
    }
  }

  // Every refusal from here on is a question outside what the convenant
  // allows, and is logged with the subjects it asked about.
  auto refuse = [&](const policy::Decision& d, const std::string& purpose) {
    v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, *policy, now, d);
    r.set_signal_id(request.signal_id());
    r.set_purpose(purpose);
    for (const auto& s : request.subjects()) AddSubject(&r, s);
    return Refuse(env_.log, std::move(r));
  };

  auto signal = signals_->Load(request.signal_id(), now);
  if (!signal.ok()) {
    if (signal.status().code() != absl::StatusCode::kNotFound) return signal.status();
    return refuse({false, absl::StatusCode::kNotFound, "signal.exists",
                   std::string(signal.status().message()), ""},
                  "");
  }
  policy::Request q{policy::Action::kAsk, call.caller.identity, now};
  q.purpose = signal->purpose();
  q.signal_id = signal->id();
  q.signal_owner = signal->owner();
  policy::Decision d = policy->Decide(q);
  if (!d.allowed) return refuse(d, signal->purpose());

  // An empty list asks about the signal's own subjects; otherwise each must
  // be one of them (kind byte + pseudonym identifies a subject).
  const bool all = request.subjects().empty();
  const auto& asked = all ? signal->subjects() : request.subjects();
  auto subject_key = [](const v1::Subject& s) {
    return absl::StrCat(std::string(1, static_cast<char>(s.kind())), s.pseudonym());
  };
  absl::flat_hash_set<std::string> in_signal;
  if (!all) {
    in_signal.reserve(signal->subjects_size());
    for (const auto& s : signal->subjects()) in_signal.insert(subject_key(s));
  }
  for (int i = 0; i < asked.size(); ++i) {
    q.subject_kind = asked[i].kind();
    policy::Decision k = policy->Decide(q);
    if (!k.allowed) {
      k.explanation = absl::StrCat("subjects[", i, "].kind: ", k.explanation);
      return refuse(k, signal->purpose());
    }
    if (!all && !in_signal.contains(subject_key(asked[i]))) {
      return refuse({false, absl::StatusCode::kFailedPrecondition, "signal.subjects",
                     absl::StrCat("subjects[", i, "]: not a subject of signal ", signal->id(),
                                  "; register a signal for it first"),
                     ""},
                    signal->purpose());
    }
  }
  if (signal->state() != v1::OPEN) {
    return refuse({false, absl::StatusCode::kFailedPrecondition, "signal.open",
                   absl::StrCat("signal ", signal->id(), " is ",
                                signal->state() == v1::CLOSED ? "closed" : "expired",
                                "; questions are only answered inside an open signal"),
                   ""},
                  signal->purpose());
  }

  // Each answered question counts against the partner's hourly quota.
  if (const uint64_t limit = policy->QuotasFor(requester).questions_per_hour; limit > 0) {
    auto usage = quota_->Consume(kQuestionsQuota, requester, 1, limit, now,
                                 QuotaCounter::Period::kHour);
    if (!usage.ok()) {
      if (usage.status().code() != absl::StatusCode::kResourceExhausted) return usage.status();
      v1::LogRecord context;
      context.set_signal_id(signal->id());
      context.set_purpose(signal->purpose());
      return RefuseOverQuota(env_.log, call, *policy, now, kQuestionsQuota,
                             usage.status().message(), &context);
    }
  }

  const policy::Purpose* purpose = policy->FindPurpose(signal->purpose());
  const v1::Stage1Level level = purpose->stage1.level;
  v1::CheckSubjectsResponse response;
  response.set_signal_id(signal->id());
  response.set_purpose(signal->purpose());
  response.set_level(level);
  v1::LogRecord record = NewRecord(v1::STAGE1_ANSWERED, call, *policy, now, d);
  record.set_signal_id(signal->id());
  record.set_purpose(signal->purpose());
  record.set_stage1_level(level);
  record.add_recipients(requester);

  for (const v1::Subject& subject : asked) {
    auto holdings = index_->Lookup(subject, now);
    if (!holdings.ok()) return holdings.status();
    // Holders in partner order (the index key order), each with its
    // categories; only partners that take part in the purpose count.
    std::map<std::string, std::vector<std::string>> holders;
    bool own = false;
    for (const Holding& h : *holdings) {
      if (!purpose->HasParticipant(h.holder)) continue;
      if (h.holder == requester) {
        own = true;
        continue;
      }
      auto& categories = holders[h.holder];
      if (!h.category.empty()) categories.push_back(h.category);
    }
    v1::SubjectAnswer* answer = response.add_answers();
    *answer->mutable_subject() = subject;
    answer->set_hit(!holders.empty());
    answer->set_held_by_requester(own);
    v1::LoggedSubject* logged = AddSubject(&record, subject);
    logged->set_hit(!holders.empty());
    logged->set_held_by_requester(own);
    for (const auto& [holder, categories] : holders) {
      v1::LoggedHolder* lh = logged->add_holders();
      lh->set_partner(holder);
      for (const auto& c : categories) lh->add_categories(c);
      if (level == v1::HIT_ONLY) continue;
      v1::Holder* out = answer->add_holders();
      out->set_partner(holder);
      if (level == v1::HOLDERS_AND_CATEGORY) {
        for (const auto& c : categories) out->add_categories(c);
      }
    }
  }
  auto index = env_.log->Append(record);
  if (!index.ok()) return index.status();
  response.set_log_index(*index);
  return response;
}

}  // namespace riec::core
