#include "core/index.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "riec/common/time_util.h"
#include "core/records.h"
#include "core/validate.h"

namespace riec::core {
namespace {

using storage::Family;

// Index value (docs/storage.md): version 1, flags, valid_until and
// published_at as big-endian microseconds since the epoch (0: none).
constexpr char kValueVersion = 1;
constexpr size_t kValueSize = 18;

constexpr char kSilent = 1;  // flag bit: a silent entry

std::string EncodeValue(int64_t valid_until_micros, int64_t published_micros, bool silent) {
  std::string v;
  v.reserve(kValueSize);
  v.push_back(kValueVersion);
  v.push_back(silent ? kSilent : 0);
  v += storage::EncodeBE64(static_cast<uint64_t>(valid_until_micros));
  v += storage::EncodeBE64(static_cast<uint64_t>(published_micros));
  return v;
}

int64_t ValidUntil(absl::string_view value) {
  if (value.size() < kValueSize) return 0;
  return static_cast<int64_t>(storage::DecodeBE64(value.substr(2, 8)));
}

bool Silent(absl::string_view value) { return value.size() >= 2 && (value[1] & kSilent) != 0; }

int64_t PublishedAt(absl::string_view value) {
  if (value.size() < kValueSize) return 0;
  return static_cast<int64_t>(storage::DecodeBE64(value.substr(10, 8)));
}

bool Expired(absl::string_view value, absl::Time now) {
  const int64_t until = ValidUntil(value);
  return until != 0 && absl::ToUnixMicros(now) >= until;
}

// pseudonym (32) | kind (1)
std::string SubjectPrefix(const v1::Subject& s) {
  std::string k = s.pseudonym();
  k.push_back(static_cast<char>(s.kind()));
  return k;
}

std::string IndexKey(const v1::Subject& s, absl::string_view holder,
                     absl::string_view category) {
  return absl::StrCat(SubjectPrefix(s), holder, std::string(1, '\0'), category);
}

std::string HolderPrefix(absl::string_view holder) {
  return absl::StrCat(holder, std::string(1, '\0'));
}

std::string ByHolderKey(const v1::Subject& s, absl::string_view holder,
                        absl::string_view category) {
  return absl::StrCat(HolderPrefix(holder), SubjectPrefix(s), category);
}

}  // namespace

absl::StatusOr<v1::PublishResponse> Index::Publish(const Call& call,
                                                   const v1::PublishRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  const std::string& holder = call.caller.identity.partner;

  policy::Request q{policy::Action::kPublish, call.caller.identity, now};
  policy::Decision d = policy->Decide(q);
  if (!d.allowed) {
    return Refuse(env_.log, NewRecord(v1::REQUEST_DENIED, call, *policy, now, d));
  }
  if (absl::Status s = ValidateBatchSize(request.entries_size(), "entries", kMaxBatch); !s.ok()) {
    return s;
  }
  std::set<v1::SubjectKind> kinds;
  bool any_silent = false;
  for (int i = 0; i < request.entries_size(); ++i) {
    const v1::IndexEntry& e = request.entries(i);
    const std::string field = absl::StrCat("entries[", i, "]");
    if (!e.has_subject()) return absl::InvalidArgumentError(field + ".subject: required");
    if (absl::Status s = ValidateSubject(e.subject(), field + ".subject"); !s.ok()) return s;
    if (absl::Status s = ValidateCategory(e.category(), field + ".category", *policy); !s.ok()) {
      return s;
    }
    if (e.has_valid_until() && FromProtoTime(e.valid_until()) <= now) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ".valid_until: ", Rfc3339(FromProtoTime(e.valid_until())),
          " is not in the future"));
    }
    kinds.insert(e.subject().kind());
    any_silent |= e.silent();
  }
  q.silent = any_silent;
  for (v1::SubjectKind kind : kinds) {
    q.subject_kind = kind;
    d = policy->Decide(q);
    if (!d.allowed) {
      v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, *policy, now, d);
      r.set_count(request.entries_size());
      return Refuse(env_.log, std::move(r));
    }
  }

  const int64_t published = absl::ToUnixMicros(now);
  std::vector<storage::Mutation> mutations;
  mutations.reserve(2 * request.entries_size());
  std::set<std::string> distinct;
  v1::LogRecord record = NewRecord(v1::INDEX_PUBLISHED, call, *policy, now, d);
  for (const v1::IndexEntry& e : request.entries()) {
    std::string key = IndexKey(e.subject(), holder, e.category());
    if (!distinct.insert(key).second) continue;
    const int64_t until =
        e.has_valid_until() ? absl::ToUnixMicros(FromProtoTime(e.valid_until())) : 0;
    const std::string value = EncodeValue(until, published, e.silent());
    mutations.push_back({Family::kIndexByHolder, ByHolderKey(e.subject(), holder, e.category()), value});
    mutations.push_back({Family::kIndex, std::move(key), value});
    v1::LoggedSubject* ls = AddSubject(&record, e.subject());
    ls->set_category(e.category());
    ls->set_valid_until_unix_micros(until);
  }
  record.set_count(distinct.size());
  std::shared_lock<std::shared_mutex> writing(write_mu_);
  auto index = env_.log->Append(record, std::move(mutations));
  if (!index.ok()) return index.status();
  v1::PublishResponse response;
  response.set_stored(distinct.size());
  response.set_log_index(*index);
  return response;
}

absl::StatusOr<v1::WithdrawResponse> Index::Withdraw(const Call& call,
                                                     const v1::WithdrawRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  const std::string& holder = call.caller.identity.partner;
  policy::Decision d =
      policy->Decide({policy::Action::kWithdraw, call.caller.identity, now});
  if (!d.allowed) {
    return Refuse(env_.log, NewRecord(v1::REQUEST_DENIED, call, *policy, now, d));
  }
  if (absl::Status s = ValidateBatchSize(request.entries_size(), "entries", kMaxBatch); !s.ok()) {
    return s;
  }
  for (int i = 0; i < request.entries_size(); ++i) {
    const std::string field = absl::StrCat("entries[", i, "]");
    const v1::WithdrawEntry& e = request.entries(i);
    if (!e.has_subject()) return absl::InvalidArgumentError(field + ".subject: required");
    if (absl::Status s = ValidateSubject(e.subject(), field + ".subject"); !s.ok()) return s;
    if (!e.category().empty()) {
      if (absl::Status s = ValidateCategory(e.category(), field + ".category", *policy); !s.ok()) {
        return s;
      }
    }
  }

  std::vector<storage::Mutation> mutations;
  std::set<std::string> removed;
  v1::LogRecord record = NewRecord(v1::INDEX_WITHDRAWN, call, *policy, now, d);
  auto remove = [&](const v1::Subject& subject, std::string key, std::string category) {
    if (!removed.insert(key).second) return;
    mutations.push_back({Family::kIndexByHolder, ByHolderKey(subject, holder, category), std::nullopt});
    mutations.push_back({Family::kIndex, std::move(key), std::nullopt});
    AddSubject(&record, subject)->set_category(std::move(category));
  };
  for (const v1::WithdrawEntry& e : request.entries()) {
    if (!e.category().empty()) {
      std::string key = IndexKey(e.subject(), holder, e.category());
      auto existing = env_.store->Get(Family::kIndex, key);
      if (!existing.ok()) return existing.status();
      if (existing->has_value()) remove(e.subject(), std::move(key), e.category());
      continue;
    }
    // Every category of the caller's entries on this subject.
    const std::string prefix = absl::StrCat(SubjectPrefix(e.subject()), HolderPrefix(holder));
    auto it = env_.store->NewIterator(Family::kIndex, /*prefix_same_as_start=*/true);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      std::string key = it->key().ToString();
      std::string category = key.substr(prefix.size());
      remove(e.subject(), std::move(key), std::move(category));
    }
    if (!it->status().ok()) return storage::FromRocks(it->status(), "index scan");
  }
  record.set_count(removed.size());
  std::shared_lock<std::shared_mutex> writing(write_mu_);
  auto index = env_.log->Append(record, std::move(mutations));
  if (!index.ok()) return index.status();
  v1::WithdrawResponse response;
  response.set_removed(removed.size());
  response.set_log_index(*index);
  return response;
}

absl::StatusOr<v1::IndexStatistics> Index::Statistics(const Call& call) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  policy::Decision d =
      policy->Decide({policy::Action::kReadOwnIndex, call.caller.identity, now});
  if (!d.allowed) {
    return Refuse(env_.log, NewRecord(v1::REQUEST_DENIED, call, *policy, now, d));
  }
  const std::string prefix = HolderPrefix(call.caller.identity.partner);
  std::map<int, uint64_t> by_kind;
  std::map<std::string, uint64_t> by_category;
  v1::IndexStatistics stats;
  auto it = env_.store->NewIterator(Family::kIndexByHolder);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    key.remove_prefix(prefix.size());
    if (key.size() < 33) continue;
    stats.set_entries(stats.entries() + 1);
    if (Expired(absl::string_view(it->value().data(), it->value().size()), now)) {
      stats.set_expired(stats.expired() + 1);
    }
    ++by_kind[static_cast<unsigned char>(key[32])];
    ++by_category[std::string(key.substr(33))];
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "index scan");
  for (const auto& [kind, n] : by_kind) {
    auto* k = stats.add_by_kind();
    k->set_kind(static_cast<v1::SubjectKind>(kind));
    k->set_entries(n);
  }
  for (const auto& [category, n] : by_category) {
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
  auto expired = [&](absl::string_view value) {
    const int64_t until = ValidUntil(value);
    return (until != 0 && now_us >= until) || now_us >= PublishedAt(value) + max_age_us;
  };
  // Candidates from a scan without the lock; each batch is confirmed and
  // written under it.
  std::vector<std::string> candidates;
  auto flush = [&]() -> absl::Status {
    std::unique_lock<std::shared_mutex> exclusive(write_mu_);
    SweepBatch batch;
    for (const std::string& by_holder : candidates) {
      auto value = env_.store->Get(Family::kIndexByHolder, by_holder);
      if (!value.ok()) return value.status();
      if (!value->has_value() || !expired(**value)) continue;
      // holder \0 pseudonym(32) kind(1) category  ->  pseudonym kind holder \0 category
      const size_t nul = by_holder.find('\0');
      const std::string holder = by_holder.substr(0, nul);
      const std::string subject = by_holder.substr(nul + 1, 33);
      const std::string category = by_holder.substr(nul + 34);
      batch.deletes.push_back({Family::kIndexByHolder, by_holder, std::nullopt});
      batch.deletes.push_back({Family::kIndex,
                               absl::StrCat(subject, holder, std::string(1, '\0'), category),
                               std::nullopt});
      ++batch.counts["index-entries"];
    }
    candidates.clear();
    return commit(std::move(batch));
  };
  auto it = env_.store->NewIterator(Family::kIndexByHolder);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!expired(absl::string_view(it->value().data(), it->value().size()))) continue;
    candidates.push_back(it->key().ToString());
    if (candidates.size() == batch_size) {
      if (absl::Status s = flush(); !s.ok()) return s;
    }
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "index scan");
  return candidates.empty() ? absl::OkStatus() : flush();
}

absl::StatusOr<std::vector<Holding>> Index::Lookup(const v1::Subject& subject,
                                                   absl::Time now) const {
  const std::string prefix = SubjectPrefix(subject);
  std::vector<Holding> out;
  auto it = env_.store->NewIterator(Family::kIndex, /*prefix_same_as_start=*/true);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (Expired(absl::string_view(it->value().data(), it->value().size()), now)) continue;
    absl::string_view rest(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    const size_t nul = rest.find('\0');
    if (nul == absl::string_view::npos) continue;
    out.push_back({std::string(rest.substr(0, nul)), std::string(rest.substr(nul + 1)),
                   Silent(absl::string_view(it->value().data(), it->value().size()))});
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "index lookup");
  return out;
}

}  // namespace riec::core
