#include "core/inquiry.h"

#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/late_hits.h"
#include "core/validate.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "storage/tables.h"

namespace riec::core {

namespace {

void AddCategory(std::vector<std::string>* categories, std::string category) {
  if (!category.empty() && categories->size() < kMaxCategoriesPerHolder &&
      std::find(categories->begin(), categories->end(), category) == categories->end()) {
    categories->push_back(std::move(category));
  }
}

}  // namespace

absl::StatusOr<std::vector<SubjectFindings>> Stage1Findings(
    const Index& index, const policy::Purpose& purpose, const std::string& requester,
    const google::protobuf::RepeatedPtrField<v1::Subject>& subjects, absl::Time now) {
  std::vector<SubjectFindings> out;
  out.reserve(subjects.size());
  for (const v1::Subject& subject : subjects) {
    SubjectFindings f;
    f.subject = CleanSubject(subject);
    // Shelters and postal addresses on the purpose's list never match.
    if (subject.kind() == v1::ADDRESS && purpose.stage1.Excluded(subject.pseudonym())) {
      f.excluded = true;
      out.push_back(std::move(f));
      continue;
    }
    std::set<std::string> silent;
    // The entries on the subject itself that count: participating, not the
    // requester's own.
    ASSIGN_OR_RETURN(auto holdings, index.Lookup(subject, now));
    for (Holding& h : holdings) {
      if (!purpose.HasParticipant(h.holder)) continue;
      if (h.holder == requester) {
        f.held_by_requester = true;
        continue;
      }
      if (h.silent) {
        silent.insert(h.holder);
        continue;
      }
      AddCategory(&f.holders[h.holder], std::move(h.category));
    }
    if (purpose.stage1.probable_matches && subject.kind() == v1::PERSON_NAME_DOB &&
        !subject.match_keys().empty()) {
      // The other participants' entries that carry enough of the keys; a
      // holder found exactly (or silently exactly) is not also probable.
      std::vector<std::string> others;
      for (const auto& p : purpose.participants) {
        if (p != requester && !f.holders.count(p) && !silent.count(p)) others.push_back(p);
      }
      ASSIGN_OR_RETURN(auto candidates, index.ProbableMatches(subject, others));
      for (const auto& c : candidates) {
        ASSIGN_OR_RETURN(auto more, index.Lookup(c.subject, now));
        for (Holding& h : more) {
          if (h.holder != c.holder || !c.categories.count(h.category)) continue;
          auto& p = (h.silent ? f.silent_probable : f.probable)[h.holder];
          p.keys |= c.keys;
          if (p.subject.pseudonym().empty()) p.subject = CleanSubject(c.subject);
          if (!h.silent) AddCategory(&p.categories, std::move(h.category));
        }
      }
      for (const auto& [holder, p] : f.probable) f.silent_probable.erase(holder);
    }
    // A partner with a silent entry and an ordinary one is a holder; its
    // silence covers only what it keeps silent.
    for (const auto& s : silent) {
      if (!f.holders.count(s)) f.silent.push_back(s);
    }
    out.push_back(std::move(f));
  }
  return out;
}

absl::Status ConsumeQuestion(RequestContext& ctx, QuotaCounter* quota, storage::Batch* batch) {
  const uint64_t limit = ctx.policy().QuotasFor(ctx.partner()).questions_per_hour;
  auto usage = quota->Consume(kQuestionsQuota, ctx.partner(), 1, limit, ctx.now(),
                              QuotaCounter::Period::kHour, batch);
  if (usage.ok()) return absl::OkStatus();
  if (usage.status().code() != absl::StatusCode::kResourceExhausted) return usage.status();
  return ctx.RefuseOverQuota(kQuestionsQuota, usage.status().message());
}

absl::StatusOr<v1::CheckSubjectsResponse> Inquiry::CheckSubjects(
    RequestContext& ctx, const v1::CheckSubjectsRequest& request) {
  RETURN_IF_ERROR(ValidateSignalId(request.signal_id(), "signal_id"));
  RETURN_IF_ERROR(ValidateSubjects(request.subjects(), "subjects"));
  for (const auto& s : request.subjects()) ctx.AddSubject(s);
  ASSIGN_OR_RETURN(auto scoped, signals_->Scope(ctx, request.signal_id(), "signal_id"));
  const v1::Signal& signal = scoped.first;
  policy::Decision d = scoped.second;

  // An empty list asks about the signal's own subjects; otherwise each must
  // be one of them (kind byte + pseudonym identifies a subject). Either way
  // the signal's copy is looked up: its match keys are the ones registered.
  const bool all = request.subjects().empty();
  absl::flat_hash_map<std::string, const v1::Subject*> in_signal;
  google::protobuf::RepeatedPtrField<v1::Subject> listed;
  if (!all) {
    in_signal.reserve(signal.subjects_size());
    for (const auto& s : signal.subjects()) in_signal.emplace(SubjectKey(s), &s);
    for (const auto& s : request.subjects()) {
      auto it = in_signal.find(SubjectKey(s));
      *listed.Add() = it != in_signal.end() ? *it->second : s;
    }
  }
  const auto& asked = all ? signal.subjects() : listed;
  policy::Request q = ctx.Question();
  q.purpose = signal.purpose();
  q.signal_id = signal.id();
  q.signal_owner = signal.owner();
  std::set<v1::SubjectKind> kinds;
  for (int i = 0; i < asked.size(); ++i) {
    if (kinds.insert(asked[i].kind()).second) {
      q.subject_kind = asked[i].kind();
      policy::Decision k = ctx.policy().Decide(q);
      if (!k.allowed) {
        k.explanation = absl::StrCat("subjects[", i, "].kind: ", k.explanation);
        return ctx.Refuse(k);
      }
    }
    if (!all && !in_signal.contains(SubjectKey(asked[i]))) {
      return ctx.Refuse(Denial(absl::StatusCode::kFailedPrecondition, "signal.subjects",
                               absl::StrCat("subjects[", i, "]: not a subject of signal ", signal.id(),
                                            "; register a signal for it first")));
    }
  }
  if (signal.state() != v1::OPEN) {
    return ctx.Refuse(Denial(absl::StatusCode::kFailedPrecondition, "signal.open",
                             absl::StrCat("signal ", signal.id(), " is ",
                                          signal.state() == v1::CLOSED ? "closed" : "expired",
                                          "; questions are only answered inside an open signal")));
  }

  storage::Batch batch;
  RETURN_IF_ERROR(ConsumeQuestion(ctx, quota_, &batch));

  const policy::Purpose* purpose = ctx.policy().FindPurpose(signal.purpose());
  const v1::Stage1Level level = purpose->stage1.level;
  const std::string& requester = ctx.partner();
  // Marked with the lookup, so that a publication after it is a late hit.
  std::vector<SubjectFindings> findings;
  auto lookup = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(findings, Stage1Findings(*index_, *purpose, requester, asked, ctx.now()));
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(late_hits_ != nullptr ? late_hits_->Watch(ctx, signal, asked, lookup) : lookup());

  v1::CheckSubjectsResponse response;
  response.set_signal_id(signal.id());
  response.set_purpose(signal.purpose());
  response.set_level(level);
  v1::LogRecord record = ctx.Record(v1::STAGE1_ANSWERED, d);
  record.set_stage1_level(level);
  record.add_recipients(requester);

  std::vector<Outgoing> events;
  auto event = [&](v1::EventKind kind, const std::string& to, const std::string& role,
                   const v1::Subject& subject, const std::string& about, std::string text) {
    v1::Event e;
    e.set_kind(kind);
    *e.mutable_time() = ToProtoTime(ctx.now());
    e.set_partner(about);
    e.set_purpose(signal.purpose());
    *e.mutable_subject() = subject;
    e.set_text(std::move(text));
    events.push_back({to, role, std::move(e)});
  };
  const std::string secretariat = ctx.policy().secretariat();
  for (const SubjectFindings& f : findings) {
    v1::SubjectAnswer* answer = response.add_answers();
    *answer->mutable_subject() = f.subject;
    v1::LoggedSubject* logged = record.add_subjects();
    logged->set_kind(f.subject.kind());
    logged->set_pseudonym(f.subject.pseudonym());
    if (f.excluded) {
      logged->set_excluded(true);
      continue;
    }
    const bool hit = !f.holders.empty() || !f.probable.empty();
    answer->set_hit(hit);
    answer->set_held_by_requester(f.held_by_requester);
    logged->set_hit(hit);
    logged->set_held_by_requester(f.held_by_requester);
    if (hit) {
      answer->set_match(f.holders.empty() ? v1::MATCH_PROBABLE : v1::MATCH_EXACT);
      logged->set_match(answer->match());
    }
    for (const auto& [holder, categories] : f.holders) {
      v1::LoggedHolder* lh = logged->add_holders();
      lh->set_partner(holder);
      for (const auto& c : categories) lh->add_categories(c);
      if (purpose->stage1.notify_holders) {
        event(v1::MATCH, holder, std::string(kRolePartnerSystem), f.subject, requester,
              absl::StrCat("your entry matched a question of partner '", requester, "' in signal ",
                           signal.id(), " for purpose '", signal.purpose(), "'"));
        events.back().event.set_signal_id(signal.id());
      }
      if (level == v1::HIT_ONLY) continue;
      v1::Holder* out = answer->add_holders();
      out->set_partner(holder);
      out->set_match(v1::MATCH_EXACT);
      if (level == v1::HOLDERS_AND_CATEGORY) {
        for (const auto& c : categories) out->add_categories(c);
      }
    }
    // Probable holders: the same rules, marked as probable with the keys in
    // common (at every level: the asker must know a hit is only probable).
    MatchKeySet all_keys = 0;
    for (const auto& [holder, p] : f.probable) {
      all_keys |= p.keys;
      v1::LoggedHolder* lh = logged->add_holders();
      lh->set_partner(holder);
      for (const auto& c : p.categories) lh->add_categories(c);
      lh->set_match(v1::MATCH_PROBABLE);
      AddMatchKeyKinds(p.keys, lh->mutable_matched_keys());
      lh->set_matched_pseudonym(p.subject.pseudonym());
      if (purpose->stage1.notify_holders) {
        // About the holder's own entry, whose pseudonym it knows.
        event(v1::MATCH, holder, std::string(kRolePartnerSystem), p.subject, requester,
              absl::StrCat("your entry on a person probably matched (match keys ",
                           MatchKeyNames(p.keys), ") a question of partner '", requester,
                           "' in signal ", signal.id(), " for purpose '", signal.purpose(), "'"));
        events.back().event.set_signal_id(signal.id());
      }
      if (level == v1::HIT_ONLY) continue;
      v1::Holder* out = answer->add_holders();
      out->set_partner(holder);
      out->set_match(v1::MATCH_PROBABLE);
      AddMatchKeyKinds(p.keys, out->mutable_matched_keys());
      if (level == v1::HOLDERS_AND_CATEGORY) {
        for (const auto& c : p.categories) out->add_categories(c);
      }
    }
    if (f.holders.empty() && all_keys != 0) AddMatchKeyKinds(all_keys, answer->mutable_matched_keys());
    // A silent entry is never disclosed. Where the purpose lets its holder
    // keep entries silent, the holder learns who asked for which purpose
    // (not in which signal), and so do the RIEC's privacy officers.
    for (const auto& holder : f.silent) {
      logged->add_silent_holders(holder);
      if (!purpose->AllowsSilent(holder)) continue;
      const std::string text = absl::StrCat(
          "a silent entry of partner '", holder, "' would have matched a question of partner '",
          requester, "' for purpose '", signal.purpose(), "'; it was not disclosed");
      event(v1::SILENT_MATCH, holder, std::string(kRolePartnerSystem), f.subject, requester, text);
      if (!secretariat.empty()) {
        event(v1::SILENT_MATCH, secretariat, std::string(kRolePrivacyOfficer), f.subject, requester,
              text);
      }
    }
    // A silent entry that only probably matched: likewise, about the
    // holder's own subject.
    for (const auto& [holder, p] : f.silent_probable) {
      logged->add_silent_holders(holder);
      v1::LoggedHolder* lh = logged->add_silent_probable_holders();
      lh->set_partner(holder);
      lh->set_match(v1::MATCH_PROBABLE);
      AddMatchKeyKinds(p.keys, lh->mutable_matched_keys());
      lh->set_matched_pseudonym(p.subject.pseudonym());
      if (!purpose->AllowsSilent(holder)) continue;
      const std::string text = absl::StrCat(
          "a silent entry of partner '", holder, "' would probably have matched (match keys ",
          MatchKeyNames(p.keys), ") a question of partner '", requester, "' for purpose '",
          signal.purpose(), "'; it was not disclosed");
      event(v1::SILENT_MATCH, holder, std::string(kRolePartnerSystem), p.subject, requester, text);
      if (!secretariat.empty()) {
        event(v1::SILENT_MATCH, secretariat, std::string(kRolePrivacyOfficer), p.subject, requester, text);
      }
    }
    if (purpose->stage1.deconfliction) {
      RETURN_IF_ERROR(Deconflict(ctx, f.subject, signal, &batch, &events));
    }
  }
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, std::move(batch), std::move(events)));
  response.set_log_index(index);
  return response;
}

absl::Status Inquiry::Deconflict(RequestContext& ctx, const v1::Subject& subject,
                                 const v1::Signal& signal, storage::Batch* batch,
                                 std::vector<Outgoing>* events) const {
  const std::string& requester = ctx.partner();
  const int64_t now_us = absl::ToUnixMicros(ctx.now());
  ASSIGN_OR_RETURN(auto marks, storage::AskedTable(env_.store).Of(subject, signal.purpose()));
  bool asked_before = false;
  std::vector<storage::AskedTable::Mark> others;
  for (auto& m : marks) {
    if (m.mark.until_micros <= now_us) continue;  // its signal has ended
    if (m.partner == requester) {
      asked_before = true;
    } else {
      others.push_back(std::move(m));
    }
  }
  auto notice = [&](const std::string& to, const std::string& role, std::string text) {
    v1::Event e;
    e.set_kind(v1::DECONFLICTION);
    *e.mutable_time() = ToProtoTime(ctx.now());
    e.set_purpose(signal.purpose());
    *e.mutable_subject() = subject;
    e.set_text(std::move(text));
    events->push_back({to, role, std::move(e)});
  };
  if (!asked_before && !others.empty()) {
    const std::string text = absl::StrCat(
        "another partner asked about this subject for purpose '", signal.purpose(),
        "' in a signal that is still open; the RIEC coordinates: contact it before you act");
    notice(requester, std::string(kRolePartnerSystem), text);
    const std::string& secretariat = ctx.policy().secretariat();
    for (const auto& other : others) {
      notice(other.partner, std::string(kRolePartnerSystem), text);
      if (!secretariat.empty()) {
        notice(secretariat, std::string(kRoleCoordinator),
               absl::StrCat("partners '", requester, "' (signal ", signal.id(), ") and '",
                            other.partner, "' (signal ", other.mark.signal_id,
                            ") asked about the same subject for purpose '", signal.purpose(),
                            "': coordinate their actions"));
      }
    }
  }
  storage::AskedTable::Put(batch, subject, signal.purpose(), requester,
                           absl::ToUnixMicros(FromProtoTime(signal.expires())), signal.id());
  return absl::OkStatus();
}

}  // namespace riec::core
