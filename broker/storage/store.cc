#include "storage/store.h"

#include "storage/keys.h"

namespace riec::storage {

const char* TableName(Table t) {
  switch (t) {
    case Table::kMeta: return "default";
    case Table::kIndex: return "index";
    case Table::kIndexByHolder: return "index_by_holder";
    case Table::kSignals: return "signals";
    case Table::kSignalsByOwner: return "signals_by_owner";
    case Table::kLog: return "log";
    case Table::kQuota: return "quota";
    case Table::kEvents: return "events";
    case Table::kLogTree: return "log_tree";
    case Table::kLogByPartner: return "log_by_partner";
    case Table::kLogByPseudonym: return "log_by_pseudonym";
    case Table::kLogBySignal: return "log_by_signal";
    case Table::kLogByTime: return "log_by_time";
    case Table::kTreeHeads: return "tree_heads";
    case Table::kLogByCase: return "log_by_case";
    case Table::kAsked: return "asked";
    case Table::kAssessments: return "assessments";
    case Table::kCases: return "cases";
    case Table::kKeys: return "encryption_keys";
    case Table::kRequests: return "content_requests";
    case Table::kRequestsByParty: return "content_requests_by_party";
    case Table::kPayloads: return "payloads";
    case Table::kLogRecords: return "log_records";
    case Table::kAssessmentAsks: return "assessment_asks";
    case Table::kIndexStats: return "index_stats";
    case Table::kIndexExpiry: return "index_expiry";
    case Table::kFetchChallenges: return "fetch_challenges";
    case Table::kLateHitWatches: return "late_hit_watches";
    case Table::kLateHits: return "late_hits";
    case Table::kMatchKeys: return "match_keys";
  }
  return "?";
}

void Put(Batch* b, Table t, std::string key, std::string value) {
  b->push_back({Mutation::Op::kPut, t, std::move(key), std::move(value)});
}

void Delete(Batch* b, Table t, std::string key) {
  b->push_back({Mutation::Op::kDelete, t, std::move(key), {}});
}

void Add(Batch* b, Table t, std::string key, int64_t delta) {
  b->push_back({Mutation::Op::kAdd, t, std::move(key), EncodeBE64(static_cast<uint64_t>(delta))});
}

void DeleteKey(Batch* b, Table t, absl::string_view key) { Delete(b, t, std::string(key)); }

absl::StatusOr<std::vector<std::optional<std::string>>> Store::MultiGet(
    Table t, const std::vector<std::string>& keys) const {
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    auto v = Get(t, k);
    if (!v.ok()) return v.status();
    out.push_back(*std::move(v));
  }
  return out;
}

}  // namespace riec::storage
