#include "storage/tables.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "riec/common/status_macros.h"

namespace riec::storage {
namespace {

constexpr char kIndexValueVersion = 1;
constexpr size_t kIndexValueSize = 18;
constexpr char kSilentFlag = 1;

template <typename T>
absl::Status ScanProtos(const Store& store, Table t, absl::string_view prefix,
                        const std::function<bool(const T&)>& visit) {
  absl::Status bad = absl::OkStatus();
  absl::Status s = ScanPrefix(store, t, prefix, [&](absl::string_view, absl::string_view v) {
    T m;
    if (!m.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      bad = absl::DataLossError(absl::StrCat("a stored value of table ", TableName(t),
                                             " is unreadable"));
      return false;
    }
    return visit(m);
  });
  return s.ok() ? bad : s;
}

// The ids at the end of the keys of a prefix.
absl::StatusOr<std::vector<std::string>> SuffixesOf(const Store& store, Table t,
                                                    absl::string_view prefix) {
  std::vector<std::string> out;
  absl::Status s = ScanPrefix(store, t, prefix, [&](absl::string_view k, absl::string_view) {
    out.emplace_back(k.substr(prefix.size()));
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace

std::string Serialize(const google::protobuf::MessageLite& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

// ---- index ----

std::string IndexValue::Encode() const {
  std::string v;
  v.reserve(kIndexValueSize);
  v.push_back(kIndexValueVersion);
  v.push_back(silent ? kSilentFlag : 0);
  v += EncodeBE64(static_cast<uint64_t>(valid_until_micros));
  v += EncodeBE64(static_cast<uint64_t>(published_micros));
  for (const auto& k : match_keys) v += k;
  return v;
}

std::optional<IndexValue> IndexValue::Decode(absl::string_view b) {
  if (b.size() < kIndexValueSize || (b.size() - kIndexValueSize) % kSubjectBytes != 0 ||
      b[0] != kIndexValueVersion) {
    return std::nullopt;
  }
  IndexValue v;
  v.silent = (b[1] & kSilentFlag) != 0;
  v.valid_until_micros = static_cast<int64_t>(DecodeBE64(b.substr(2, 8)));
  v.published_micros = static_cast<int64_t>(DecodeBE64(b.substr(10, 8)));
  for (size_t at = kIndexValueSize; at < b.size(); at += kSubjectBytes) {
    v.match_keys.emplace_back(b.substr(at, kSubjectBytes));
  }
  return v;
}

absl::StatusOr<std::vector<IndexTable::Holding>> IndexTable::Lookup(
    const v1::Subject& subject) const {
  const std::string prefix = SubjectBytes(subject);
  std::vector<Holding> out;
  absl::Status s = ScanPrefix(*store_, Table::kIndex, prefix,
                              [&](absl::string_view k, absl::string_view v) {
                                auto hc = keys::IndexSuffix(k.substr(prefix.size()));
                                auto value = IndexValue::Decode(v);
                                if (hc && value) {
                                  out.push_back({std::move(hc->holder), std::move(hc->category), *value});
                                }
                                return true;
                              });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<keys::MatchKeyRow>> IndexTable::ByMatchKey(const v1::MatchKey& key,
                                                                     absl::string_view holder,
                                                                     size_t limit) const {
  std::vector<keys::MatchKeyRow> out;
  std::string last;
  size_t subjects = 0;
  absl::Status s = ScanPrefix(*store_, Table::kMatchKeys, keys::MatchKeyOfHolder(keys::MatchKeyBytes(key), holder),
                              [&](absl::string_view k, absl::string_view) {
                                auto row = keys::ParseMatchKeyEntry(k, holder);
                                if (!row) return true;
                                std::string bytes = SubjectBytes(row->subject);
                                if (bytes != last) {
                                  if (subjects == limit) return false;
                                  ++subjects;
                                  last = std::move(bytes);
                                }
                                out.push_back(*std::move(row));
                                return true;
                              });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<bool> IndexTable::HasMatchKey(const v1::MatchKey& key, absl::string_view holder,
                                             const v1::Subject& subject) const {
  bool found = false;
  const std::string prefix = absl::StrCat(keys::MatchKeyOfHolder(keys::MatchKeyBytes(key), holder),
                                          SubjectBytes(subject));
  RETURN_IF_ERROR(ScanPrefix(*store_, Table::kMatchKeys, prefix, [&](absl::string_view, absl::string_view) {
    found = true;
    return false;
  }));
  return found;
}

absl::StatusOr<std::vector<IndexTable::Holding>> IndexTable::OfHolder(
    const v1::Subject& subject, absl::string_view holder) const {
  const std::string prefix = keys::IndexOfHolder(subject, holder);
  std::vector<Holding> out;
  absl::Status s = ScanPrefix(*store_, Table::kIndex, prefix,
                              [&](absl::string_view k, absl::string_view v) {
                                if (auto value = IndexValue::Decode(v)) {
                                  out.push_back({std::string(holder),
                                                 std::string(k.substr(prefix.size())), *value});
                                }
                                return true;
                              });
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<std::optional<IndexValue>>> IndexTable::Get(
    const std::vector<EntryRef>& entries) const {
  std::vector<std::string> ks;
  ks.reserve(entries.size());
  for (const auto& e : entries) ks.push_back(keys::Index(*e.subject, e.holder, e.category));
  auto values = store_->MultiGet(Table::kIndex, ks);
  if (!values.ok()) return values.status();
  std::vector<std::optional<IndexValue>> out;
  out.reserve(values->size());
  for (const auto& v : *values) out.push_back(v ? IndexValue::Decode(*v) : std::nullopt);
  return out;
}

void IndexTable::CountDelta::WriteTo(Batch* b, absl::string_view holder) const {
  for (const auto& [kind, n] : by_kind) {
    if (n != 0) Add(b, Table::kIndexStats, keys::StatsKind(holder, static_cast<v1::SubjectKind>(kind)), n);
  }
  for (const auto& [category, n] : by_category) {
    if (n != 0) Add(b, Table::kIndexStats, keys::StatsCategory(holder, category), n);
  }
}

void IndexTable::Put(Batch* b, const v1::Subject& s, absl::string_view holder,
                     absl::string_view category, const IndexValue& v,
                     const std::optional<IndexValue>& previous, CountDelta* delta) {
  storage::Put(b, Table::kIndex, keys::Index(s, holder, category), v.Encode());
  // index_by_holder keeps the value without the match keys: removals read
  // the index's.
  IndexValue plain = v;
  plain.match_keys.clear();
  storage::Put(b, Table::kIndexByHolder, keys::ByHolder(holder, s, category), plain.Encode());
  if (previous && previous->valid_until_micros != 0 &&
      previous->valid_until_micros != v.valid_until_micros) {
    Delete(b, Table::kIndexExpiry, keys::Expiry(holder, previous->valid_until_micros, s, category));
  }
  if (v.valid_until_micros != 0) {
    storage::Put(b, Table::kIndexExpiry, keys::Expiry(holder, v.valid_until_micros, s, category), "");
  }
  if (previous) {
    for (const auto& k : previous->match_keys) {
      if (std::find(v.match_keys.begin(), v.match_keys.end(), k) == v.match_keys.end()) {
        Delete(b, Table::kMatchKeys, keys::MatchKeyEntry(k, holder, s, category));
      }
    }
  }
  for (const auto& k : v.match_keys) {
    storage::Put(b, Table::kMatchKeys, keys::MatchKeyEntry(k, holder, s, category), "");
  }
  if (!previous) {
    ++delta->by_kind[s.kind()];
    ++delta->by_category[std::string(category)];
  }
}

void IndexTable::Remove(Batch* b, const v1::Subject& s, absl::string_view holder,
                        absl::string_view category, const IndexValue& previous, CountDelta* delta) {
  Delete(b, Table::kIndex, keys::Index(s, holder, category));
  Delete(b, Table::kIndexByHolder, keys::ByHolder(holder, s, category));
  if (previous.valid_until_micros != 0) {
    Delete(b, Table::kIndexExpiry, keys::Expiry(holder, previous.valid_until_micros, s, category));
  }
  for (const auto& k : previous.match_keys) {
    Delete(b, Table::kMatchKeys, keys::MatchKeyEntry(k, holder, s, category));
  }
  --delta->by_kind[s.kind()];
  --delta->by_category[std::string(category)];
}

absl::StatusOr<IndexTable::HolderStats> IndexTable::Stats(absl::string_view holder) const {
  const std::string prefix = keys::HolderPrefix(holder);
  HolderStats stats;
  absl::Status s = ScanPrefix(*store_, Table::kIndexStats, prefix,
                              [&](absl::string_view k, absl::string_view v) {
                                const int64_t n = v.size() >= 8 ? static_cast<int64_t>(DecodeBE64(v)) : 0;
                                if (n <= 0 || k.size() <= prefix.size()) return true;
                                absl::string_view rest = k.substr(prefix.size());
                                if (rest[0] == 'k' && rest.size() == 2) {
                                  stats.by_kind[static_cast<unsigned char>(rest[1])] += n;
                                  stats.entries += n;
                                } else if (rest[0] == 'c') {
                                  stats.by_category[std::string(rest.substr(1))] += n;
                                }
                                return true;
                              });
  if (!s.ok()) return s;
  return stats;
}

absl::StatusOr<uint64_t> IndexTable::CountEnded(absl::string_view holder,
                                                int64_t now_micros) const {
  const std::string prefix = keys::HolderPrefix(holder);
  uint64_t n = 0;
  absl::Status s = ScanPrefix(*store_, Table::kIndexExpiry, prefix,
                              [&](absl::string_view k, absl::string_view) {
                                auto e = keys::ParseExpiry(k);
                                if (!e || e->valid_until_micros > now_micros) return false;
                                ++n;
                                return true;
                              });
  if (!s.ok()) return s;
  return n;
}

absl::Status IndexTable::ScanAll(const EntryVisitor& visit) const {
  return ScanPrefix(*store_, Table::kIndexByHolder, "",
                    [&](absl::string_view k, absl::string_view v) {
                      auto e = keys::ParseByHolder(k);
                      auto value = IndexValue::Decode(v);
                      if (!e || !value) return true;
                      return visit(*e, *value);
                    });
}

// ---- signals ----

absl::StatusOr<std::optional<v1::Signal>> SignalTable::Get(absl::string_view id) const {
  return GetProto<v1::Signal>(*store_, Table::kSignals, id);
}

void SignalTable::Put(Batch* b, const v1::Signal& s, bool created) {
  storage::Put(b, Table::kSignals, s.id(), Serialize(s));
  if (created) {
    storage::Put(b, Table::kSignalsByOwner, keys::SignalOfOwner(s.owner(), s.created().seconds(), s.id()), "");
  }
}

void SignalTable::Erase(Batch* b, const v1::Signal& s) {
  Delete(b, Table::kSignals, s.id());
  Delete(b, Table::kSignalsByOwner, keys::SignalOfOwner(s.owner(), s.created().seconds(), s.id()));
}

absl::StatusOr<std::vector<std::string>> SignalTable::IdsOf(absl::string_view owner) const {
  const std::string prefix = keys::IdPrefix(owner);
  std::vector<std::string> out;
  absl::Status s = ScanPrefix(*store_, Table::kSignalsByOwner, prefix,
                              [&](absl::string_view k, absl::string_view) {
                                out.push_back(keys::SignalIdOfOwnerKey(k, prefix.size()));
                                return true;
                              });
  if (!s.ok()) return s;
  return out;
}

absl::Status SignalTable::ScanAll(const std::function<bool(const v1::Signal&)>& visit) const {
  return ScanProtos<v1::Signal>(*store_, Table::kSignals, "", visit);
}

// ---- assessments ----

absl::StatusOr<std::vector<v1::Assessment>> AssessmentTable::Of(absl::string_view signal_id) const {
  std::vector<v1::Assessment> out;
  absl::Status s = ScanProtos<v1::Assessment>(*store_, Table::kAssessments,
                                              keys::IdPrefix(signal_id),
                                              [&](const v1::Assessment& a) {
                                                out.push_back(a);
                                                return true;
                                              });
  if (!s.ok()) return s;
  return out;
}

void AssessmentTable::Put(Batch* b, absl::string_view signal_id, const v1::Assessment& a) {
  storage::Put(b, Table::kAssessments, keys::Assessment(signal_id, a.subject(), a.holder()), Serialize(a));
}

void AssessmentTable::PutAsk(Batch* b, absl::string_view signal_id, absl::string_view holder,
                             const v1::Subject& s) {
  storage::Put(b, Table::kAssessmentAsks, keys::AssessmentAsk(signal_id, holder, s), "");
}

absl::StatusOr<bool> AssessmentTable::WasAsked(absl::string_view signal_id,
                                               absl::string_view holder,
                                               const v1::Subject& s) const {
  auto v = store_->Get(Table::kAssessmentAsks, keys::AssessmentAsk(signal_id, holder, s));
  if (!v.ok()) return v.status();
  return v->has_value();
}

absl::StatusOr<uint64_t> AssessmentTable::EraseOf(Batch* b, absl::string_view signal_id) const {
  const std::string prefix = keys::IdPrefix(signal_id);
  uint64_t n = 0;
  absl::Status s = ScanPrefix(*store_, Table::kAssessments, prefix,
                              [&](absl::string_view k, absl::string_view) {
                                DeleteKey(b, Table::kAssessments, k);
                                ++n;
                                return true;
                              });
  if (!s.ok()) return s;
  s = ScanPrefix(*store_, Table::kAssessmentAsks, prefix,
                 [&](absl::string_view k, absl::string_view) {
                   DeleteKey(b, Table::kAssessmentAsks, k);
                   return true;
                 });
  if (!s.ok()) return s;
  return n;
}

// ---- cases ----

absl::StatusOr<std::optional<v1::Case>> CaseTable::Get(absl::string_view id) const {
  return GetProto<v1::Case>(*store_, Table::kCases, id);
}

void CaseTable::Put(Batch* b, const v1::Case& c) {
  storage::Put(b, Table::kCases, c.id(), Serialize(c));
}

void CaseTable::Erase(Batch* b, absl::string_view id) { Delete(b, Table::kCases, std::string(id)); }

absl::Status CaseTable::ScanAll(const std::function<bool(const v1::Case&)>& visit) const {
  return ScanProtos<v1::Case>(*store_, Table::kCases, "", visit);
}

// ---- encryption keys ----

absl::StatusOr<std::optional<v1::EncryptionKey>> KeyTable::Current(
    absl::string_view partner) const {
  return GetProto<v1::EncryptionKey>(*store_, Table::kKeys, keys::EncryptionKey(partner));
}

void KeyTable::Put(Batch* b, const v1::EncryptionKey& key) {
  const std::string bytes = Serialize(key);
  storage::Put(b, Table::kKeys, keys::EncryptionKey(key.partner()), bytes);
}

// ---- content requests ----

absl::StatusOr<std::optional<v1::ContentRequest>> RequestTable::Get(absl::string_view id) const {
  return GetProto<v1::ContentRequest>(*store_, Table::kRequests, id);
}

void RequestTable::Put(Batch* b, const v1::ContentRequest& r, bool created) {
  storage::Put(b, Table::kRequests, r.id(), Serialize(r));
  if (created) {
    storage::Put(b, Table::kRequestsByParty, keys::Party(r.holder(), r.id()), "");
    storage::Put(b, Table::kRequestsByParty, keys::Party(r.requester(), r.id()), "");
    storage::Put(b, Table::kRequestsByParty, keys::Party(r.case_id(), r.id()), "");
  }
}

absl::StatusOr<std::vector<std::string>> RequestTable::IdsOf(absl::string_view party) const {
  return SuffixesOf(*store_, Table::kRequestsByParty, keys::IdPrefix(party));
}

absl::Status RequestTable::ScanAll(
    const std::function<bool(const v1::ContentRequest&)>& visit) const {
  return ScanProtos<v1::ContentRequest>(*store_, Table::kRequests, "", visit);
}

absl::StatusOr<std::optional<std::string>> RequestTable::Payload(absl::string_view id) const {
  return store_->Get(Table::kPayloads, id);
}

void RequestTable::PutPayload(Batch* b, absl::string_view id, std::string sealed) {
  storage::Put(b, Table::kPayloads, std::string(id), std::move(sealed));
}

void RequestTable::DeletePayload(Batch* b, absl::string_view id) {
  Delete(b, Table::kPayloads, std::string(id));
  Delete(b, Table::kFetchChallenges, std::string(id));
}

absl::StatusOr<std::optional<std::string>> RequestTable::ChallengeSecret(absl::string_view id) const {
  return store_->Get(Table::kFetchChallenges, id);
}

void RequestTable::PutChallengeSecret(Batch* b, absl::string_view id, std::string secret) {
  storage::Put(b, Table::kFetchChallenges, std::string(id), std::move(secret));
}

void RequestTable::Erase(Batch* b, const v1::ContentRequest& r) {
  Delete(b, Table::kRequests, r.id());
  Delete(b, Table::kFetchChallenges, r.id());
  Delete(b, Table::kPayloads, r.id());
  Delete(b, Table::kRequestsByParty, keys::Party(r.holder(), r.id()));
  Delete(b, Table::kRequestsByParty, keys::Party(r.requester(), r.id()));
  Delete(b, Table::kRequestsByParty, keys::Party(r.case_id(), r.id()));
}

// ---- events ----

void EventTable::Put(Batch* b, absl::string_view recipient, const v1::Event& e) {
  storage::Put(b, Table::kEvents, keys::Event(recipient, e.sequence()), Serialize(e));
}

absl::Status EventTable::Read(absl::string_view recipient, uint64_t after,
                              const std::function<bool(const v1::Event&)>& visit) const {
  absl::Status bad = absl::OkStatus();
  absl::Status s = store_->Scan(Table::kEvents, keys::IdPrefix(recipient),
                                keys::Event(recipient, after + 1),
                                [&](absl::string_view, absl::string_view v) {
                                  v1::Event e;
                                  if (!e.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
                                    bad = absl::DataLossError("a stored event is unreadable");
                                    return false;
                                  }
                                  return visit(e);
                                });
  return s.ok() ? bad : s;
}

absl::Status EventTable::ScanAll(
    const std::function<bool(absl::string_view, const v1::Event&)>& visit) const {
  return ScanPrefix(*store_, Table::kEvents, "", [&](absl::string_view k, absl::string_view v) {
    v1::Event e;
    e.ParseFromArray(v.data(), static_cast<int>(v.size()));  // unreadable: erased as old
    return visit(k, e);
  });
}

// ---- asked ----

absl::StatusOr<std::vector<AskedTable::Mark>> AskedTable::Of(const v1::Subject& s,
                                                             absl::string_view purpose) const {
  const std::string prefix = keys::AskedPrefix(s, purpose);
  std::vector<Mark> out;
  absl::Status st = ScanPrefix(*store_, Table::kAsked, prefix,
                               [&](absl::string_view k, absl::string_view v) {
                                 if (auto m = keys::ParseAskedValue(v)) {
                                   out.push_back({std::string(k.substr(prefix.size())), *m});
                                 }
                                 return true;
                               });
  if (!st.ok()) return st;
  return out;
}

void AskedTable::Put(Batch* b, const v1::Subject& s, absl::string_view purpose,
                     absl::string_view partner, int64_t until_micros,
                     absl::string_view signal_id) {
  storage::Put(b, Table::kAsked, keys::Asked(s, purpose, partner),
               keys::AskedValue(until_micros, signal_id));
}

absl::Status AskedTable::ScanAll(
    const std::function<bool(absl::string_view, const keys::AskedMark&)>& visit) const {
  return ScanPrefix(*store_, Table::kAsked, "", [&](absl::string_view k, absl::string_view v) {
    return visit(k, keys::ParseAskedValue(v).value_or(keys::AskedMark{}));
  });
}

// ---- late hits ----

absl::StatusOr<std::vector<LateHitTable::Watch>> LateHitTable::WatchesOf(
    const v1::Subject& s) const {
  const std::string prefix = SubjectBytes(s);
  std::vector<Watch> out;
  absl::Status st = ScanPrefix(*store_, Table::kLateHitWatches, prefix,
                               [&](absl::string_view k, absl::string_view v) {
                                 if (v.size() < 8) return true;  // unreadable: swept
                                 out.push_back({std::string(k.substr(prefix.size())),
                                                static_cast<int64_t>(DecodeBE64(v))});
                                 return true;
                               });
  if (!st.ok()) return st;
  return out;
}

void LateHitTable::PutWatch(Batch* b, const v1::Subject& s, absl::string_view signal_id,
                            int64_t until_micros) {
  storage::Put(b, Table::kLateHitWatches, keys::LateHitWatch(s, signal_id),
               EncodeBE64(static_cast<uint64_t>(until_micros)));
}

absl::Status LateHitTable::ScanWatches(
    const std::function<bool(absl::string_view, int64_t)>& visit) const {
  return ScanPrefix(*store_, Table::kLateHitWatches, "",
                    [&](absl::string_view k, absl::string_view v) {
                      return visit(k, v.size() < 8 ? 0 : static_cast<int64_t>(DecodeBE64(v)));
                    });
}

absl::StatusOr<std::vector<v1::LateHit>> LateHitTable::Of(absl::string_view signal_id) const {
  std::vector<v1::LateHit> out;
  RETURN_IF_ERROR(ScanProtos<v1::LateHit>(*store_, Table::kLateHits, keys::IdPrefix(signal_id),
                                          [&](const v1::LateHit& h) {
                                            out.push_back(h);
                                            return true;
                                          }));
  return out;
}

absl::StatusOr<uint64_t> LateHitTable::Count(absl::string_view signal_id, uint64_t cap) const {
  uint64_t n = 0;
  RETURN_IF_ERROR(ScanPrefix(*store_, Table::kLateHits, keys::IdPrefix(signal_id),
                             [&](absl::string_view, absl::string_view) { return ++n < cap; }));
  return n;
}

void LateHitTable::Put(Batch* b, absl::string_view signal_id, const v1::LateHit& hit) {
  storage::Put(b, Table::kLateHits, keys::LateHit(signal_id, hit.log_index()),
               hit.SerializeAsString());
}

absl::StatusOr<uint64_t> LateHitTable::EraseOf(Batch* b, absl::string_view signal_id) const {
  ASSIGN_OR_RETURN(auto suffixes, SuffixesOf(*store_, Table::kLateHits, keys::IdPrefix(signal_id)));
  for (const auto& suffix : suffixes) {
    Delete(b, Table::kLateHits, absl::StrCat(keys::IdPrefix(signal_id), suffix));
  }
  return suffixes.size();
}

// ---- quota ----

absl::StatusOr<uint64_t> QuotaTable::Get(absl::string_view key) const {
  auto v = store_->Get(Table::kQuota, key);
  if (!v.ok()) return v.status();
  return v->has_value() && (*v)->size() >= 8 ? DecodeBE64(**v) : 0;
}

void QuotaTable::Add(Batch* b, absl::string_view key, uint64_t n) {
  storage::Add(b, Table::kQuota, std::string(key), static_cast<int64_t>(n));
}

absl::Status QuotaTable::ScanAll(const std::function<bool(absl::string_view)>& visit) const {
  return ScanPrefix(*store_, Table::kQuota, "",
                    [&](absl::string_view k, absl::string_view) { return visit(k); });
}

}  // namespace riec::storage
