#include "core/log_access.h"

#include <map>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "riec/common/hex.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "core/records.h"
#include "core/validate.h"
#include "log/record_index.h"

namespace riec::core {
namespace {

using storage::Family;

absl::StatusOr<v1::SignedTreeHead> HeadCovering(log::TreeHeadSigner* signer, uint64_t size) {
  auto head = signer->Latest(false);
  if (head.ok() && head->tree_size() >= size) return head;
  return signer->Latest(true);
}

// "2026-W48": the ISO 8601 week of a time (UTC).
std::string IsoWeek(absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, absl::UTCTimeZone());
  const int from_monday = (static_cast<int>(absl::GetWeekday(day)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
  const absl::CivilDay thursday = day - from_monday + 3;
  const int week = static_cast<int>((thursday - absl::CivilDay(thursday.year(), 1, 1)) / 7) + 1;
  return absl::StrFormat("%04d-W%02d", thursday.year(), week);
}

struct Filter {
  std::optional<int64_t> from_us, to_us;
  std::string partner, purpose, signal, case_id, pseudonym;
  std::vector<v1::RecordKind> kinds;

  bool Matches(const v1::LogRecord& r) const {
    if (from_us && r.time_unix_micros() < *from_us) return false;
    if (to_us && r.time_unix_micros() >= *to_us) return false;
    if (!purpose.empty() && r.purpose() != purpose) return false;
    if (!signal.empty() && r.signal_id() != signal) return false;
    if (!case_id.empty() && r.case_id() != case_id) return false;
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), r.kind()) == kinds.end()) {
      return false;
    }
    if (!partner.empty() && !log::PartnersOf(r).count(partner)) return false;
    if (!pseudonym.empty()) {
      bool found = false;
      for (const auto& s : r.subjects()) found |= s.pseudonym() == pseudonym;
      if (!found || r.kind() == v1::INDEX_PUBLISHED || r.kind() == v1::INDEX_WITHDRAWN) return false;
    }
    return true;
  }

  std::string Describe() const {
    std::vector<std::string> parts;
    if (from_us) parts.push_back("from=" + Rfc3339(absl::FromUnixMicros(*from_us)));
    if (to_us) parts.push_back("to=" + Rfc3339(absl::FromUnixMicros(*to_us)));
    if (!partner.empty()) parts.push_back("partner=" + partner);
    if (!purpose.empty()) parts.push_back("purpose=" + purpose);
    if (!signal.empty()) parts.push_back("signal=" + signal);
    if (!case_id.empty()) parts.push_back("case=" + case_id);
    for (auto k : kinds) parts.push_back("kind=" + v1::RecordKind_Name(k));
    if (!pseudonym.empty()) parts.push_back("pseudonym=(see subjects)");
    return parts.empty() ? "all records" : absl::StrJoin(parts, " ");
  }
};

absl::StatusOr<Filter> ParseFilter(const v1::RecordFilter& f) {
  Filter out;
  if (f.has_from()) out.from_us = absl::ToUnixMicros(FromProtoTime(f.from()));
  if (f.has_to()) out.to_us = absl::ToUnixMicros(FromProtoTime(f.to()));
  if (out.from_us && out.to_us && *out.to_us <= *out.from_us) {
    return absl::InvalidArgumentError("filter.to: must be after filter.from");
  }
  if (!f.partner().empty() && !IsValidId(f.partner())) {
    return absl::InvalidArgumentError(absl::StrCat("filter.partner: '", f.partner(), "' is not a partner id"));
  }
  if (!f.pseudonym().empty() && f.pseudonym().size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("filter.pseudonym: ", f.pseudonym().size(), " bytes, want 32"));
  }
  if (!f.case_id().empty()) {
    if (absl::Status s = ValidateId(f.case_id(), 'C', "filter.case_id", "case"); !s.ok()) return s;
  }
  for (int i = 0; i < f.kinds_size(); ++i) {
    if (!v1::RecordKind_IsValid(f.kinds(i)) || f.kinds(i) == v1::RECORD_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("filter.kinds[", i, "]: unknown record kind"));
    }
    out.kinds.push_back(static_cast<v1::RecordKind>(f.kinds(i)));
  }
  out.partner = f.partner();
  out.purpose = f.purpose();
  out.signal = f.signal_id();
  out.case_id = f.case_id();
  out.pseudonym = f.pseudonym();
  return out;
}

// Candidate record indices in ascending order, from the most selective index
// the filter allows.
class Candidates {
 public:
  Candidates(const storage::Store* store, const Filter& f, const std::string& scope_partner,
             uint64_t start) {
    if (!f.pseudonym.empty()) {
      Prefix(store, Family::kLogByPseudonym, f.pseudonym, start);
    } else if (!f.case_id.empty()) {
      Prefix(store, Family::kLogByCase, log::CasePrefix(f.case_id), start);
    } else if (!f.signal.empty()) {
      Prefix(store, Family::kLogBySignal, log::SignalPrefix(f.signal), start);
    } else if (!f.partner.empty() || !scope_partner.empty()) {
      Prefix(store, Family::kLogByPartner,
             log::PartnerPrefix(f.partner.empty() ? scope_partner : f.partner), start);
    } else {
      // By record order; a time filter only moves the start.
      if (f.from_us) {
        auto t = store->NewIterator(Family::kLogByTime);
        t->Seek(storage::EncodeBE64(static_cast<uint64_t>(*f.from_us)));
        if (t->Valid()) {
          start = std::max(start, log::IndexOfKey(absl::string_view(t->key().data(), t->key().size())));
        }
      }
      it_ = store->NewIterator(Family::kLog);
      it_->Seek(storage::EncodeBE64(start));
    }
  }

  std::optional<uint64_t> Next() {
    if (!it_->Valid()) return std::nullopt;
    if (!prefix_.empty() && !it_->key().starts_with(prefix_)) return std::nullopt;
    const uint64_t index = log::IndexOfKey(absl::string_view(it_->key().data(), it_->key().size()));
    it_->Next();
    return index;
  }

 private:
  void Prefix(const storage::Store* store, Family f, const std::string& prefix, uint64_t start) {
    prefix_ = prefix;
    it_ = store->NewIterator(f);
    it_->Seek(prefix + storage::EncodeBE64(start));
  }
  std::string prefix_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

bool LogAccess::Scope::Covers(const v1::LogRecord& r) const {
  return all || log::PartnersOf(r).count(partner) > 0;
}

absl::StatusOr<LogAccess::Scope> LogAccess::AdmitAuditor(const Call& call,
                                                         const policy::Policy& policy,
                                                         absl::Time now) {
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, policy, policy::Action::kAudit, now));
  Scope scope;
  scope.all = !policy.secretariat().empty() && call.caller.identity.partner == policy.secretariat();
  scope.partner = call.caller.identity.partner;
  return scope;
}

absl::StatusOr<uint64_t> LogAccess::LogRead(const Call& call, const policy::Policy& policy,
                                            absl::Time now, std::string query, uint64_t count,
                                            absl::string_view pseudonym) {
  policy::Decision d{true, absl::StatusCode::kOk, "role.audit",
                     absl::StrCat("privacy officer of '", call.caller.identity.partner,
                                  "' reads the disclosure log"),
                     ""};
  v1::LogRecord r = NewRecord(v1::LOG_READ, call, policy, now, d);
  r.set_audit_query(std::move(query));
  r.set_count(count);
  if (!pseudonym.empty()) {
    auto* s = r.add_subjects();
    s->set_pseudonym(std::string(pseudonym));
  }
  return env_.log->Append(r);
}

absl::StatusOr<v1::LogInfo> LogAccess::Info(const Call& call) {
  const auto policy = env_.policy->Current();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kVerifyLog, env_.clock->Now()));
  v1::LogInfo info;
  info.set_log_id(signer_->log_id());
  info.set_public_key(signer_->public_key());
  info.set_hash_algorithm("RFC 6962 SHA-256");
  info.set_signature_algorithm("Ed25519");
  return info;
}

absl::StatusOr<v1::SignedTreeHead> LogAccess::LatestTreeHead(
    const Call& call, const v1::GetLatestTreeHeadRequest& request) {
  const auto policy = env_.policy->Current();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kVerifyLog, env_.clock->Now()));
  return signer_->Latest(request.fresh());
}

absl::StatusOr<v1::InclusionProofResponse> LogAccess::InclusionProof(
    const Call& call, const v1::GetInclusionProofRequest& request) {
  const auto policy = env_.policy->Current();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kVerifyLog, env_.clock->Now()));
  if (request.tree_size() == 0 || request.leaf_index() >= request.tree_size()) {
    return absl::InvalidArgumentError(absl::StrCat("leaf_index: ", request.leaf_index(),
                                                   " is not in a tree of ", request.tree_size(),
                                                   " records"));
  }
  v1::InclusionProofResponse response;
  ASSIGN_OR_RETURN(auto proof, env_.log->InclusionProof(request.leaf_index(), request.tree_size()));
  ASSIGN_OR_RETURN(auto leaf, env_.log->LeafHash(request.leaf_index()));
  ASSIGN_OR_RETURN(auto head, HeadCovering(signer_, request.tree_size()));
  response.set_leaf_index(request.leaf_index());
  response.set_tree_size(request.tree_size());
  response.set_leaf_hash(leaf);
  for (auto& h : proof) response.add_hashes(std::move(h));
  *response.mutable_tree_head() = std::move(head);
  return response;
}

absl::StatusOr<v1::ConsistencyProofResponse> LogAccess::ConsistencyProof(
    const Call& call, const v1::GetConsistencyProofRequest& request) {
  const auto policy = env_.policy->Current();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kVerifyLog, env_.clock->Now()));
  if (request.first_size() > request.second_size()) {
    return absl::InvalidArgumentError(absl::StrCat("first_size: ", request.first_size(),
                                                   " is larger than second_size ",
                                                   request.second_size()));
  }
  ASSIGN_OR_RETURN(auto proof, env_.log->ConsistencyProof(request.first_size(), request.second_size()));
  ASSIGN_OR_RETURN(auto head, HeadCovering(signer_, request.second_size()));
  v1::ConsistencyProofResponse response;
  response.set_first_size(request.first_size());
  response.set_second_size(request.second_size());
  for (auto& h : proof) response.add_hashes(std::move(h));
  *response.mutable_tree_head() = std::move(head);
  return response;
}

absl::StatusOr<v1::GetRecordsResponse> LogAccess::Records(const Call& call,
                                                          const v1::GetRecordsRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  ASSIGN_OR_RETURN(const Scope scope, AdmitAuditor(call, *policy, now));
  if (request.count() == 0 || request.count() > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("count: ", request.count(), "; want 1 to 1000"));
  }
  const uint64_t size = env_.log->Size();
  if (request.start() >= size) {
    return absl::OutOfRangeError(absl::StrCat("start: ", request.start(), "; the log has ", size, " records"));
  }
  const uint64_t end = std::min<uint64_t>(size, request.start() + request.count());
  v1::GetRecordsResponse response;
  uint64_t present = 0;
  for (uint64_t i = request.start(); i < end; ++i) {
    v1::LogEntry* e = response.add_entries();
    e->set_index(i);
    ASSIGN_OR_RETURN(auto leaf, env_.log->LeafHash(i));
    e->set_leaf_hash(leaf);
    ASSIGN_OR_RETURN(auto bytes, env_.log->ReadRecord(i));
    if (bytes.empty()) {
      e->set_status(v1::REDACTED);
      continue;
    }
    v1::LogRecord r;
    if (!r.ParseFromString(bytes)) return absl::DataLossError(absl::StrCat("record ", i, " unreadable"));
    if (scope.Covers(r)) {
      e->set_status(v1::PRESENT);
      e->set_record(std::move(bytes));
      ++present;
    } else {
      e->set_status(v1::WITHHELD);
    }
  }
  ASSIGN_OR_RETURN(uint64_t read, LogRead(call, *policy, now,
                                          absl::StrCat("records ", request.start(), "..", end - 1),
                                          present, ""));
  ASSIGN_OR_RETURN(auto head, HeadCovering(signer_, read + 1));
  *response.mutable_tree_head() = std::move(head);
  return response;
}

absl::StatusOr<v1::ListRecordsResponse> LogAccess::ListRecords(
    const Call& call, const v1::ListRecordsRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  ASSIGN_OR_RETURN(const Scope scope, AdmitAuditor(call, *policy, now));
  ASSIGN_OR_RETURN(const Filter filter, ParseFilter(request.filter()));
  const uint32_t page_size = request.page_size() == 0 ? 100 : request.page_size();
  if (page_size > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: ", page_size, "; at most 1000"));
  }
  uint64_t start = 0;
  if (!request.page_token().empty()) {
    if (!absl::SimpleAtoi(request.page_token(), &start)) {
      return absl::InvalidArgumentError("page_token: not a token from a previous response");
    }
    ++start;
  }

  v1::ListRecordsResponse response;
  Candidates candidates(env_.store, filter, scope.all ? "" : scope.partner, start);
  size_t examined = 0;
  std::optional<uint64_t> last;
  bool more = false;
  while (auto index = candidates.Next()) {
    if (static_cast<int>(page_size) == response.records_size() || examined == kScanLimit) {
      more = true;
      break;
    }
    ++examined;
    last = *index;
    ASSIGN_OR_RETURN(auto bytes, env_.log->ReadRecord(*index));
    if (bytes.empty()) continue;  // erased at the end of its retention
    v1::LogRecord r;
    if (!r.ParseFromString(bytes)) return absl::DataLossError(absl::StrCat("record ", *index, " unreadable"));
    if (filter.to_us && r.time_unix_micros() >= *filter.to_us + 60'000'000 &&
        filter.partner.empty() && filter.pseudonym.empty() && filter.signal.empty() && scope.all) {
      break;  // past the period (records are in time order, give or take a little)
    }
    if (!scope.Covers(r) || !filter.Matches(r)) continue;
    v1::AuditedRecord* out = response.add_records();
    out->set_index(*index);
    ASSIGN_OR_RETURN(auto leaf, env_.log->LeafHash(*index));
    out->set_leaf_hash(leaf);
    out->set_record_bytes(std::move(bytes));
    *out->mutable_record() = std::move(r);
  }
  if (more && last) response.set_next_page_token(absl::StrCat(*last));
  ASSIGN_OR_RETURN(uint64_t read,
                   LogRead(call, *policy, now,
                           absl::StrCat("list ", filter.Describe(), " page_size=", page_size,
                                        request.page_token().empty() ? "" : " after=" + request.page_token()),
                           response.records_size(), filter.pseudonym));
  response.set_log_index(read);
  ASSIGN_OR_RETURN(auto head, HeadCovering(signer_, read + 1));
  *response.mutable_tree_head() = std::move(head);
  return response;
}

absl::StatusOr<v1::AuditStatistics> LogAccess::Statistics(const Call& call,
                                                          const v1::AuditStatisticsRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  ASSIGN_OR_RETURN(const Scope scope, AdmitAuditor(call, *policy, now));
  ASSIGN_OR_RETURN(const Filter filter, ParseFilter(request.filter()));
  v1::AuditStatistics stats;
  std::map<std::tuple<std::string, std::string, std::string>, v1::DisclosureCount> disclosures;
  std::map<std::string, uint64_t> denials;
  Candidates candidates(env_.store, filter, scope.all ? "" : scope.partner, 0);
  while (auto index = candidates.Next()) {
    ASSIGN_OR_RETURN(auto bytes, env_.log->ReadRecord(*index));
    if (bytes.empty()) {
      if (scope.all) stats.set_redacted(stats.redacted() + 1);
      continue;
    }
    v1::LogRecord r;
    if (!r.ParseFromString(bytes)) return absl::DataLossError(absl::StrCat("record ", *index, " unreadable"));
    if (!scope.Covers(r) || !filter.Matches(r)) continue;
    stats.set_records(stats.records() + 1);
    if (r.kind() == v1::REQUEST_DENIED) ++denials[r.decision().rule()];
    if (r.kind() != v1::STAGE1_ANSWERED) continue;
    const std::string recipient = r.recipients().empty() ? r.actor().partner() : r.recipients(0);
    v1::DisclosureCount& c = disclosures[{recipient, r.purpose(),
                                          IsoWeek(absl::FromUnixMicros(r.time_unix_micros()))}];
    c.set_answers(c.answers() + 1);
    for (const auto& s : r.subjects()) {
      c.set_subjects(c.subjects() + 1);
      c.set_hits(c.hits() + s.hit());
    }
  }
  for (auto& [key, c] : disclosures) {
    c.set_partner(std::get<0>(key));
    c.set_purpose(std::get<1>(key));
    c.set_week(std::get<2>(key));
    stats.set_subjects_answered(stats.subjects_answered() + c.subjects());
    stats.set_hits(stats.hits() + c.hits());
    *stats.add_disclosures() = c;
  }
  for (const auto& [rule, n] : denials) {
    auto* d = stats.add_denials();
    d->set_rule(rule);
    d->set_count(n);
  }
  ASSIGN_OR_RETURN(uint64_t read, LogRead(call, *policy, now, "statistics " + filter.Describe(),
                                          stats.records(), filter.pseudonym));
  stats.set_log_index(read);
  return stats;
}

}  // namespace riec::core
