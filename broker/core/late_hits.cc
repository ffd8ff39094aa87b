#include "core/late_hits.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "core/inquiry.h"
#include "core/validate.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

uint64_t WatchHash(absl::string_view subject_bytes) {
  return absl::Hash<absl::string_view>()(subject_bytes);
}

}  // namespace

LateHits::LateHits(const Env& env, const Index* index, Signals* signals)
    : env_(env), index_(index), signals_(signals) {
  std::vector<uint64_t> hashes;
  absl::Status loaded = storage::LateHitTable(env_.store).ScanWatches([&](absl::string_view key, int64_t) {
    if (key.size() >= storage::kSubjectBytes) {
      hashes.push_back(WatchHash(key.substr(0, storage::kSubjectBytes)));
    }
    return true;
  });
  absl::MutexLock lock(&mu_);
  loaded_ = std::move(loaded);
  watched_.insert(hashes.begin(), hashes.end());
}

absl::Status LateHits::Watch(const RequestContext& ctx, const v1::Signal& signal,
                             const google::protobuf::RepeatedPtrField<v1::Subject>& asked,
                             const std::function<absl::Status()>& lookup) {
  const policy::Purpose* purpose = ctx.policy().FindPurpose(signal.purpose());
  // Late hits go to the signal's owner, for what it asked itself: a
  // coordinator asking in another partner's signal marks nothing.
  if (purpose == nullptr || purpose->stage1.late_hits_per_signal == 0 ||
      ctx.partner() != signal.owner()) {
    return lookup();
  }
  const int64_t until = absl::ToUnixMicros(FromProtoTime(signal.expires()));
  storage::Batch batch;
  std::vector<uint64_t> hashes;
  for (const v1::Subject& s : asked) {
    // An excluded address never matches, now or later.
    if (s.kind() == v1::ADDRESS && purpose->stage1.Excluded(s.pseudonym())) continue;
    storage::LateHitTable::PutWatch(&batch, s, signal.id(), until);
    hashes.push_back(WatchHash(storage::SubjectBytes(s)));
  }
  // The marks and the lookup under the exclusive lock: a publication
  // committed before it is in the answer and saw no mark; one after it sees
  // the mark and is not in the answer. Each is reported once.
  absl::MutexLock marking(&mu_);
  RETURN_IF_ERROR(loaded_);
  // Not synced on its own: the answer's record, committed after it, is.
  RETURN_IF_ERROR(env_.store->Apply(batch, /*sync=*/false));
  watched_.insert(hashes.begin(), hashes.end());
  return lookup();
}

absl::StatusOr<uint64_t> LateHits::CommitPublication(
    RequestContext& ctx, const std::vector<const v1::IndexEntry*>& entries,
    RequestContext::Part publication) {
  absl::ReaderMutexLock publishing(&mu_);
  RETURN_IF_ERROR(loaded_);
  std::vector<RequestContext::Part> parts;
  parts.push_back(std::move(publication));

  // The entries on watched subjects, per subject (one entry per category),
  // in subject order so that the records come out the same way every time.
  std::map<std::string, std::vector<const v1::IndexEntry*>> by_subject;
  for (const v1::IndexEntry* e : entries) {
    std::string key = SubjectKey(e->subject());
    if (!watched_.contains(WatchHash(key))) continue;
    by_subject[std::move(key)].push_back(e);
  }
  if (by_subject.empty()) return ctx.CommitAll(std::move(parts));
  // Publications on watched subjects are checked and committed one at a
  // time, so that two holders publishing at once see each other (at
  // hit-only only the first is a late hit) and the cap holds.
  absl::MutexLock checking(&check_mu_);

  const storage::LateHitTable table(env_.store);
  const int64_t now_us = absl::ToUnixMicros(ctx.now());
  std::map<std::string, std::optional<v1::Signal>> signals;
  std::map<std::string, uint64_t> told;  // late hits of each signal so far
  for (const auto& [key, group] : by_subject) {
    const v1::Subject& subject = group.front()->subject();
    ASSIGN_OR_RETURN(auto watches, table.WatchesOf(subject));
    for (const auto& w : watches) {
      if (w.until_micros <= now_us) continue;  // the signal has expired
      auto s = signals.find(w.signal_id);
      if (s == signals.end()) {
        ASSIGN_OR_RETURN(auto loaded, signals_->Load(w.signal_id, ctx.now()));
        s = signals.emplace(w.signal_id, std::move(loaded)).first;
      }
      if (!s->second || s->second->state() != v1::OPEN) continue;
      auto t = told.find(w.signal_id);
      if (t == told.end()) {
        ASSIGN_OR_RETURN(uint64_t n, table.Count(w.signal_id, policy::kMaxLateHitsPerSignal));
        t = told.emplace(w.signal_id, n).first;
      }
      RETURN_IF_ERROR(Check(ctx, *s->second, subject, group, &t->second, &parts));
    }
  }
  return ctx.CommitAll(std::move(parts));
}

absl::Status LateHits::Check(RequestContext& ctx, const v1::Signal& signal,
                             const v1::Subject& subject,
                             const std::vector<const v1::IndexEntry*>& entries, uint64_t* told,
                             std::vector<RequestContext::Part>* parts) const {
  const std::string& holder = ctx.partner();
  const std::string& owner = signal.owner();
  if (holder == owner) return absl::OkStatus();  // the owner's own entries are no news
  const policy::Policy& policy = ctx.policy();
  const policy::Purpose* purpose = policy.FindPurpose(signal.purpose());
  if (purpose == nullptr || purpose->stage1.late_hits_per_signal == 0) return absl::OkStatus();
  if (!purpose->HasParticipant(holder)) return absl::OkStatus();

  // The owner must still be one that may ask this, in this signal, now:
  // the question's own rules (participation, role, the subject's kind, the
  // convenant in force) under the policy in force.
  policy::Request q;
  q.action = policy::Action::kAsk;
  q.who.convenant = policy.convenant_id();
  q.who.partner = owner;
  q.who.role = signal.registered_by_role();
  q.now = ctx.now();
  q.purpose = signal.purpose();
  q.subject_kind = subject.kind();
  q.signal_id = signal.id();
  q.signal_owner = owner;
  const policy::Decision asked = policy.Decide(q);
  if (!asked.allowed) return absl::OkStatus();

  // What a question now would answer, before this publication.
  google::protobuf::RepeatedPtrField<v1::Subject> one;
  *one.Add() = CleanSubject(subject);  // late hits are exact matches only
  ASSIGN_OR_RETURN(auto findings, Stage1Findings(*index_, *purpose, owner, one, ctx.now()));
  const SubjectFindings& before = findings.front();
  if (before.excluded) return absl::OkStatus();

  const auto known = before.holders.find(holder);
  bool open = false, silent = false;
  std::vector<std::string> added;  // categories the answer did not name yet
  for (const v1::IndexEntry* e : entries) {
    if (e->silent()) {
      silent = true;
      continue;
    }
    open = true;
    const std::string& c = e->category();
    if (c.empty() || Has(added, c) || added.size() >= kMaxCategoriesPerHolder) continue;
    if (known != before.holders.end() && Has(known->second, c)) continue;
    added.push_back(c);
  }
  const v1::Stage1Level level = purpose->stage1.level;
  const std::string secretariat = policy.secretariat();
  const absl::Time now = ctx.now();

  auto base = [&](const policy::Decision& d) {
    v1::LogRecord r = ctx.Record(v1::STAGE1_LATE_HIT, d);
    r.set_purpose(signal.purpose());
    r.set_signal_id(signal.id());
    r.set_stage1_level(level);
    return r;
  };
  auto event = [&](v1::EventKind kind, std::string text) {
    v1::Event e;
    e.set_kind(kind);
    *e.mutable_time() = ToProtoTime(now);
    e.set_purpose(signal.purpose());
    *e.mutable_subject() = CleanSubject(subject);
    e.set_text(std::move(text));
    return e;
  };

  if (!open) {
    // A silent entry is never disclosed, late or not; where the purpose
    // lets its holder keep entries silent, the holder (and the RIEC's
    // privacy officers) learn that it would have matched, as for a question.
    if (!silent || known != before.holders.end() || Has(before.silent, holder)) {
      return absl::OkStatus();
    }
    RequestContext::Part part;
    part.record = base(policy::Decision{
        true, absl::StatusCode::kOk, "stage1.silent_entries",
        "a silent entry published after a question in an open signal was not disclosed", ""});
    v1::LoggedSubject* ls = part.record.add_subjects();
    ls->set_kind(subject.kind());
    ls->set_pseudonym(subject.pseudonym());
    ls->add_silent_holders(holder);
    if (purpose->AllowsSilent(holder)) {
      const std::string text = absl::StrCat(
          "a silent entry of partner '", holder, "' would have matched an earlier question of partner '",
          owner, "' for purpose '", signal.purpose(), "'; it was not disclosed");
      v1::Event e = event(v1::SILENT_MATCH, text);
      e.set_partner(owner);
      part.events.push_back({holder, std::string(kRolePartnerSystem), e});
      if (!secretariat.empty()) {
        part.events.push_back({secretariat, std::string(kRolePrivacyOfficer), e});
      }
    }
    parts->push_back(std::move(part));
    return absl::OkStatus();
  }

  bool adds = false;
  switch (level) {
    case v1::HIT_ONLY: adds = before.holders.empty(); break;
    case v1::HOLDERS: adds = known == before.holders.end(); break;
    default: adds = known == before.holders.end() || !added.empty(); break;
  }
  if (!adds) return absl::OkStatus();
  const uint32_t cap = purpose->stage1.late_hits_per_signal;
  if (*told >= cap) return absl::OkStatus();  // ListLateHits says it is capped
  ++*told;

  RequestContext::Part part;
  part.record = base(policy::Decision{
      true, absl::StatusCode::kOk, "stage1.late_hits",
      absl::StrCat("a publication after the question added to the answer on a subject of signal ",
                   signal.id(), " (a late hit; at most ", cap, " per signal)"),
      asked.legal_basis});
  part.record.add_recipients(owner);
  v1::LoggedSubject* ls = part.record.add_subjects();
  ls->set_kind(subject.kind());
  ls->set_pseudonym(subject.pseudonym());
  ls->set_hit(true);
  ls->set_held_by_requester(before.held_by_requester);
  v1::LoggedHolder* lh = ls->add_holders();
  lh->set_partner(holder);
  for (const auto& c : added) lh->add_categories(c);

  // What the owner learns, at the purpose's level.
  v1::LateHit hit;
  *hit.mutable_subject() = CleanSubject(subject);
  hit.set_level(level);
  *hit.mutable_time() = ToProtoTime(now);
  v1::Event told_owner = event(
      v1::LATE_HIT,
      absl::StrCat("late hit in signal ", signal.id(), ": ",
                   level == v1::HIT_ONLY ? "a partner" : absl::StrCat("partner '", holder, "'"),
                   " published an entry on this subject after you asked"));
  told_owner.set_signal_id(signal.id());
  if (level != v1::HIT_ONLY) {
    told_owner.set_partner(holder);
    hit.mutable_holder()->set_partner(holder);
    if (level == v1::HOLDERS_AND_CATEGORY) {
      for (const auto& c : added) {
        told_owner.add_categories(c);
        hit.mutable_holder()->add_categories(c);
      }
    }
  }
  part.events.push_back({owner, signal.registered_by_role(), std::move(told_owner)});
  if (purpose->stage1.notify_holders) {
    v1::Event match = event(
        v1::MATCH, absl::StrCat("your entry matched an earlier question of partner '", owner,
                                "' in signal ", signal.id(), " for purpose '", signal.purpose(),
                                "' (a late hit)"));
    match.set_partner(owner);
    match.set_signal_id(signal.id());
    part.events.push_back({holder, std::string(kRolePartnerSystem), std::move(match)});
  }
  part.indexed = [hit = std::move(hit), id = signal.id()](uint64_t index, storage::Batch* out) {
    v1::LateHit stored = hit;
    stored.set_log_index(index);
    storage::LateHitTable::Put(out, id, stored);
  };
  parts->push_back(std::move(part));
  return absl::OkStatus();
}

absl::StatusOr<v1::ListLateHitsResponse> LateHits::List(
    RequestContext& ctx, const v1::ListLateHitsRequest& request) const {
  ASSIGN_OR_RETURN(auto scoped, signals_->Scope(ctx, request.signal_id(), "signal_id"));
  const v1::Signal& signal = scoped.first;
  // The late hits were disclosed to the owner; a coordinator or chair of
  // another partner was never told them.
  if (ctx.partner() != signal.owner()) {
    return ctx.Refuse(Denial(absl::StatusCode::kPermissionDenied, "late_hits.owner",
                             absl::StrCat("the late hits of signal ", signal.id(),
                                          " are disclosed to its owner, partner '", signal.owner(),
                                          "', only")));
  }
  v1::ListLateHitsResponse response;
  response.set_signal_id(signal.id());
  response.set_purpose(signal.purpose());
  const policy::Purpose* purpose = ctx.policy().FindPurpose(signal.purpose());
  const uint32_t cap = purpose == nullptr ? 0 : purpose->stage1.late_hits_per_signal;
  response.set_max_late_hits(cap);
  ASSIGN_OR_RETURN(auto hits, storage::LateHitTable(env_.store).Of(signal.id()));
  response.set_capped(cap > 0 && hits.size() >= cap);
  for (auto& h : hits) *response.add_late_hits() = std::move(h);
  return response;
}

}  // namespace riec::core
