#include "core/index.h"

#include <functional>
#include <map>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/validate.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "storage/tables.h"

namespace riec::core {

using storage::IndexTable;
using storage::IndexValue;

absl::Mutex& Index::HolderMutex(const std::string& holder) {
  return holder_mu_[std::hash<std::string>()(holder) % holder_mu_.size()];
}

absl::StatusOr<v1::PublishResponse> Index::Publish(RequestContext& ctx,
                                                   const v1::PublishRequest& request) {
  const std::string& holder = ctx.partner();
  RETURN_IF_ERROR(ValidateBatchSize(request.entries_size(), "entries", kMaxBatch));
  std::set<v1::SubjectKind> kinds;
  bool any_silent = false;
  for (int i = 0; i < request.entries_size(); ++i) {
    const v1::IndexEntry& e = request.entries(i);
    const std::string field = absl::StrCat("entries[", i, "]");
    if (!e.has_subject()) return absl::InvalidArgumentError(field + ".subject: required");
    RETURN_IF_ERROR(ValidateSubject(e.subject(), field + ".subject"));
    RETURN_IF_ERROR(ValidateCategory(e.category(), field + ".category", ctx.policy()));
    if (e.has_valid_until() && FromProtoTime(e.valid_until()) <= ctx.now()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".valid_until: ",
                                                     Rfc3339(FromProtoTime(e.valid_until())),
                                                     " is not in the future"));
    }
    if (e.silent() && e.silent_reason() == v1::SILENT_REASON_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".silent_reason: required for a silent entry (running-investigation, "
                 "person-protection, source-protection)"));
    }
    if (!e.silent() && e.silent_reason() != v1::SILENT_REASON_UNSPECIFIED) {
      return absl::InvalidArgumentError(field + ".silent_reason: only for a silent entry");
    }
    kinds.insert(e.subject().kind());
    any_silent |= e.silent();
  }
  ctx.SetCount(request.entries_size());
  policy::Request q = ctx.Question();
  q.silent = any_silent;
  ASSIGN_OR_RETURN(policy::Decision d, ctx.Decide(q));
  for (v1::SubjectKind kind : kinds) {
    q.subject_kind = kind;
    ASSIGN_OR_RETURN(d, ctx.Decide(q));
  }

  // The entries, each once (the last of duplicates wins).
  absl::flat_hash_set<std::string> distinct;
  std::vector<const v1::IndexEntry*> entries;
  for (int i = request.entries_size() - 1; i >= 0; --i) {
    const v1::IndexEntry& e = request.entries(i);
    if (distinct.insert(storage::keys::Index(e.subject(), holder, e.category())).second) {
      entries.push_back(&e);
    }
  }
  std::reverse(entries.begin(), entries.end());

  absl::ReaderMutexLock writing(&write_mu_);
  absl::MutexLock holder_lock(&HolderMutex(holder));
  std::vector<IndexTable::EntryRef> refs;
  refs.reserve(entries.size());
  for (const auto* e : entries) refs.push_back({&e->subject(), holder, e->category()});
  ASSIGN_OR_RETURN(auto previous, IndexTable(env_.store).Get(refs));

  const int64_t published = absl::ToUnixMicros(ctx.now());
  storage::Batch batch;
  batch.reserve(4 * entries.size() + 16);
  v1::LogRecord record = ctx.Record(v1::INDEX_PUBLISHED, d);
  IndexTable::CountDelta counts;
  for (size_t i = 0; i < entries.size(); ++i) {
    const v1::IndexEntry& e = *entries[i];
    const int64_t until = e.has_valid_until() ? absl::ToUnixMicros(FromProtoTime(e.valid_until())) : 0;
    IndexValue value{until, published, e.silent(), {}};
    for (const auto& k : e.subject().match_keys()) value.match_keys.push_back(storage::keys::MatchKeyBytes(k));
    IndexTable::Put(&batch, e.subject(), holder, e.category(), value, previous[i], &counts);
    v1::LoggedSubject* ls = record.add_subjects();
    ls->set_kind(e.subject().kind());
    ls->set_pseudonym(e.subject().pseudonym());
    ls->set_category(e.category());
    ls->set_valid_until_unix_micros(until);
    if (e.silent()) {
      ls->set_silent(true);
      ls->set_silent_reason(e.silent_reason());
    }
  }
  counts.WriteTo(&batch, holder);
  record.set_count(entries.size());
  uint64_t index = 0;
  if (hook_) {
    RequestContext::Part publication;
    publication.record = std::move(record);
    publication.batch = std::move(batch);
    ASSIGN_OR_RETURN(index, hook_->CommitPublication(ctx, entries, std::move(publication)));
  } else {
    ASSIGN_OR_RETURN(index, ctx.Commit(record, std::move(batch)));
  }
  v1::PublishResponse response;
  response.set_stored(entries.size());
  response.set_log_index(index);
  return response;
}

absl::StatusOr<v1::WithdrawResponse> Index::Withdraw(RequestContext& ctx,
                                                     const v1::WithdrawRequest& request) {
  const std::string& holder = ctx.partner();
  RETURN_IF_ERROR(ValidateBatchSize(request.entries_size(), "entries", kMaxBatch));
  for (int i = 0; i < request.entries_size(); ++i) {
    const std::string field = absl::StrCat("entries[", i, "]");
    const v1::WithdrawEntry& e = request.entries(i);
    if (!e.has_subject()) return absl::InvalidArgumentError(field + ".subject: required");
    RETURN_IF_ERROR(ValidateSubject(e.subject(), field + ".subject"));
    if (!e.category().empty()) {
      RETURN_IF_ERROR(ValidateCategory(e.category(), field + ".category", ctx.policy()));
    }
  }
  ASSIGN_OR_RETURN(policy::Decision d, ctx.Decide(ctx.Question()));

  absl::ReaderMutexLock writing(&write_mu_);
  absl::MutexLock holder_lock(&HolderMutex(holder));
  IndexTable table(env_.store);
  storage::Batch batch;
  absl::flat_hash_set<std::string> removed;
  IndexTable::CountDelta counts;
  v1::LogRecord record = ctx.Record(v1::INDEX_WITHDRAWN, d);
  auto remove = [&](const v1::Subject& subject, const std::string& category, const IndexValue& v) {
    if (!removed.insert(storage::keys::Index(subject, holder, category)).second) return;
    IndexTable::Remove(&batch, subject, holder, category, v, &counts);
    v1::LoggedSubject* ls = record.add_subjects();
    ls->set_kind(subject.kind());
    ls->set_pseudonym(subject.pseudonym());
    ls->set_category(category);
  };
  for (const v1::WithdrawEntry& e : request.entries()) {
    if (!e.category().empty()) {
      ASSIGN_OR_RETURN(auto v, table.Get({{&e.subject(), holder, e.category()}}));
      if (v[0]) remove(e.subject(), e.category(), *v[0]);
      continue;
    }
    // Every category of the caller's entries on this subject.
    ASSIGN_OR_RETURN(auto held, table.OfHolder(e.subject(), holder));
    for (const auto& h : held) remove(e.subject(), h.category, h.value);
  }
  counts.WriteTo(&batch, holder);
  record.set_count(removed.size());
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, std::move(batch)));
  v1::WithdrawResponse response;
  response.set_removed(removed.size());
  response.set_log_index(index);
  return response;
}

absl::StatusOr<v1::IndexStatistics> Index::Statistics(RequestContext& ctx,
                                                      const v1::GetStatisticsRequest&) {
  RETURN_IF_ERROR(ctx.Decide(ctx.Question()).status());
  IndexTable table(env_.store);
  ASSIGN_OR_RETURN(auto counters, table.Stats(ctx.partner()));
  ASSIGN_OR_RETURN(uint64_t ended, table.CountEnded(ctx.partner(), absl::ToUnixMicros(ctx.now())));
  v1::IndexStatistics stats;
  stats.set_entries(counters.entries);
  stats.set_expired(ended);
  for (const auto& [kind, n] : counters.by_kind) {
    auto* k = stats.add_by_kind();
    k->set_kind(static_cast<v1::SubjectKind>(kind));
    k->set_entries(n);
  }
  for (const auto& [category, n] : counters.by_category) {
    auto* c = stats.add_by_category();
    c->set_category(category);
    c->set_entries(n);
  }
  return stats;
}

absl::Status Index::SweepExpired(absl::Time now, absl::Duration max_age, size_t batch_size,
                                 const SweepCommit& commit) {
  const int64_t now_us = absl::ToUnixMicros(now);
  const int64_t max_age_us = absl::ToInt64Microseconds(max_age);
  auto expired = [&](const IndexValue& v) {
    return v.EndedAt(now_us) || now_us >= v.published_micros + max_age_us;
  };
  IndexTable table(env_.store);
  // Candidates from a scan without the lock; each batch is confirmed and
  // written under it.
  std::vector<storage::keys::HolderEntry> candidates;
  auto flush = [&]() -> absl::Status {
    absl::WriterMutexLock exclusive(&write_mu_);
    std::vector<IndexTable::EntryRef> refs;
    for (const auto& c : candidates) refs.push_back({&c.subject, c.holder, c.category});
    ASSIGN_OR_RETURN(auto values, table.Get(refs));
    SweepBatch batch;
    std::map<std::string, IndexTable::CountDelta> counts;
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (!values[i] || !expired(*values[i])) continue;
      IndexTable::Remove(&batch.deletes, candidates[i].subject, candidates[i].holder,
                         candidates[i].category, *values[i], &counts[candidates[i].holder]);
      ++batch.counts["index-entries"];
    }
    for (const auto& [holder, delta] : counts) delta.WriteTo(&batch.deletes, holder);
    candidates.clear();
    return commit(std::move(batch));
  };
  absl::Status flushed = absl::OkStatus();
  RETURN_IF_ERROR(table.ScanAll([&](const storage::keys::HolderEntry& e, const IndexValue& v) {
    if (!expired(v)) return true;
    candidates.push_back(e);
    if (candidates.size() == batch_size) flushed = flush();
    return flushed.ok();
  }));
  RETURN_IF_ERROR(flushed);
  return candidates.empty() ? absl::OkStatus() : flush();
}

absl::StatusOr<std::vector<Index::Candidate>> Index::ProbableMatches(
    const v1::Subject& subject, const std::vector<std::string>& holders) const {
  IndexTable table(env_.store);
  const std::string self = storage::SubjectBytes(subject);
  const v1::MatchKey* year = nullptr;
  for (const v1::MatchKey& key : subject.match_keys()) {
    if (key.kind() == v1::MATCH_KEY_CORE_INITIAL_YEAR) year = &key;
  }
  std::vector<Candidate> out;
  for (const std::string& holder : holders) {
    std::map<std::string, Candidate> found;  // by subject bytes: a stable order
    for (const v1::MatchKey& key : subject.match_keys()) {
      if (key.kind() == v1::MATCH_KEY_CORE_INITIAL_YEAR) continue;  // confirmed below
      ASSIGN_OR_RETURN(auto rows, table.ByMatchKey(key, holder, kMaxCandidatesPerMatchKey));
      for (auto& row : rows) {
        std::string bytes = storage::SubjectBytes(row.subject);
        if (bytes == self) continue;
        Candidate& c = found[std::move(bytes)];
        if (c.subject.pseudonym().empty()) {
          c.subject = std::move(row.subject);
          c.holder = holder;
        }
        c.keys |= MatchKeyBit(key.kind());
        c.categories.insert(std::move(row.category));
      }
    }
    for (auto& [bytes, c] : found) {
      if (year != nullptr && c.keys == MatchKeyBit(v1::MATCH_KEY_CORE_INITIAL_DOB_DIGITS)) {
        ASSIGN_OR_RETURN(const bool has_year, table.HasMatchKey(*year, holder, c.subject));
        if (has_year) c.keys |= MatchKeyBit(v1::MATCH_KEY_CORE_INITIAL_YEAR);
      }
      if (IsProbableMatch(c.keys)) out.push_back(std::move(c));
    }
  }
  return out;
}

absl::StatusOr<std::vector<Holding>> Index::Lookup(const v1::Subject& subject,
                                                   absl::Time now) const {
  ASSIGN_OR_RETURN(auto held, IndexTable(env_.store).Lookup(subject));
  const int64_t now_us = absl::ToUnixMicros(now);
  std::vector<Holding> out;
  out.reserve(held.size());
  for (auto& h : held) {
    if (h.value.EndedAt(now_us)) continue;
    out.push_back({std::move(h.holder), std::move(h.category), h.value.silent});
  }
  return out;
}

}  // namespace riec::core
