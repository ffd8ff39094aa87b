#include "core/inquiry.h"

#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"

#include "absl/strings/str_cat.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "core/records.h"
#include "core/validate.h"

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

  const policy::Stage1Options& options = purpose->stage1;
  std::vector<Outgoing> events;
  std::vector<storage::Mutation> mutations;
  auto event = [&](v1::EventKind kind, const std::string& to, const v1::Subject& subject,
                   const std::string& about, std::string text) {
    v1::Event e;
    e.set_kind(kind);
    *e.mutable_time() = ToProtoTime(now);
    e.set_partner(about);
    e.set_signal_id(signal->id());
    e.set_purpose(signal->purpose());
    *e.mutable_subject() = subject;
    e.set_text(std::move(text));
    events.push_back({to, "", std::move(e)});
  };
  for (const v1::Subject& subject : asked) {
    v1::SubjectAnswer* answer = response.add_answers();
    *answer->mutable_subject() = subject;
    v1::LoggedSubject* logged = AddSubject(&record, subject);
    // Shelters and postal addresses on the purpose's list never match.
    if (subject.kind() == v1::ADDRESS && options.Excluded(subject.pseudonym())) {
      logged->set_excluded(true);
      continue;
    }
    auto holdings = index_->Lookup(subject, now);
    if (!holdings.ok()) return holdings.status();
    // Holders in partner order (the index key order), each with its
    // categories; only partners that take part in the purpose count.
    std::map<std::string, std::vector<std::string>> holders;
    std::set<std::string> silent;
    bool own = false;
    for (const Holding& h : *holdings) {
      if (!purpose->HasParticipant(h.holder)) continue;
      if (h.holder == requester) {
        own = true;
        continue;
      }
      if (h.silent) {
        silent.insert(h.holder);
        continue;
      }
      auto& categories = holders[h.holder];
      if (!h.category.empty()) categories.push_back(h.category);
    }
    answer->set_hit(!holders.empty());
    answer->set_held_by_requester(own);
    logged->set_hit(!holders.empty());
    logged->set_held_by_requester(own);
    for (const auto& [holder, categories] : holders) {
      v1::LoggedHolder* lh = logged->add_holders();
      lh->set_partner(holder);
      for (const auto& c : categories) lh->add_categories(c);
      if (options.notify_holders) {
        event(v1::MATCH, holder, subject, requester,
              absl::StrCat("your entry matched a question of partner '", requester, "' in signal ",
                           signal->id(), " for purpose '", signal->purpose(), "'"));
      }
      if (level == v1::HIT_ONLY) continue;
      v1::Holder* out = answer->add_holders();
      out->set_partner(holder);
      if (level == v1::HOLDERS_AND_CATEGORY) {
        for (const auto& c : categories) out->add_categories(c);
      }
    }
    // A silent entry is never disclosed; its holder learns of the question.
    for (const auto& holder : silent) {
      logged->add_silent_holders(holder);
      event(v1::SILENT_MATCH, holder, subject, requester,
            absl::StrCat("your silent entry would have matched a question of partner '", requester,
                         "' in signal ", signal->id(), " for purpose '", signal->purpose(),
                         "'; it was not disclosed"));
    }
    if (options.deconfliction) {
      RETURN_IF_ERROR(Deconflict(subject, *signal, requester, now, &mutations, event));
    }
  }
  auto index = env_.log->Append(record, std::move(mutations), StoreEvents(std::move(events)));
  if (!index.ok()) return index.status();
  response.set_log_index(*index);
  return response;
}

absl::Status Inquiry::Deconflict(const v1::Subject& subject, const v1::Signal& signal,
                                 const std::string& requester, absl::Time now,
                                 std::vector<storage::Mutation>* mutations,
                                 const EventSink& event) const {
  // Other partners that asked about this subject in the same purpose, in a
  // signal that is still open (purposes stay separated).
  const std::string prefix = absl::StrCat(subject.pseudonym(), std::string(1, static_cast<char>(subject.kind())),
                                          signal.purpose(), std::string(1, '\0'));
  const int64_t now_us = absl::ToUnixMicros(now);
  bool asked_before = false;
  std::vector<std::pair<std::string, std::string>> others;  // partner, signal
  auto it = env_.store->NewIterator(storage::Family::kAsked);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string partner = it->key().ToString().substr(prefix.size());
    absl::string_view value(it->value().data(), it->value().size());
    if (value.size() < 8 || static_cast<int64_t>(storage::DecodeBE64(value.substr(0, 8))) <= now_us) continue;
    if (partner == requester) {
      asked_before = true;
    } else {
      others.emplace_back(partner, std::string(value.substr(8)));
    }
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "asked scan");
  if (!asked_before) {
    for (const auto& [partner, other_signal] : others) {
      event(v1::DECONFLICTION, requester, subject, partner,
            absl::StrCat("partner '", partner, "' asked about this subject too (its signal ",
                         other_signal, ", purpose '", signal.purpose(), "'): coordinate before you act"));
      event(v1::DECONFLICTION, partner, subject, requester,
            absl::StrCat("partner '", requester, "' asks about this subject too (signal ", signal.id(),
                         ", purpose '", signal.purpose(), "'): coordinate before you act"));
    }
  }
  mutations->push_back({storage::Family::kAsked, prefix + requester,
                        storage::EncodeBE64(static_cast<uint64_t>(absl::ToUnixMicros(FromProtoTime(signal.expires())))) +
                            signal.id()});
  return absl::OkStatus();
}

}  // namespace riec::core
