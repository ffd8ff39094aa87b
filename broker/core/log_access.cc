#include "core/log_access.h"

#include <sodium.h>

#include <map>
#include <optional>
#include <tuple>

#include "absl/time/civil_time.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/validate.h"
#include "riec/merkle/checkpoint.h"
#include "riec/common/hex.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "riec/crypto/sodium.h"
#include "riec/merkle/attestation.h"
#include "storage/keys.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

using storage::Table;
namespace keys = storage::keys;

absl::StatusOr<v1::SignedTreeHead> HeadCovering(log::TreeHeadSigner* signer, uint64_t size) {
  auto head = signer->Latest(false);
  if (head.ok() && head->tree_size() >= size) return head;
  return signer->Latest(true);
}

// "2026-W48": the ISO 8601 week of a time (UTC).
std::string IsoWeek(absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, absl::UTCTimeZone());
  const int from_monday =
      (static_cast<int>(absl::GetWeekday(day)) - static_cast<int>(absl::Weekday::monday) + 7) % 7;
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
      for (const auto& s : r.subjects()) {
        found |= s.pseudonym() == pseudonym;
        // A probable holder's own subject (in the views that show it).
        for (const auto* holders : {&s.holders(), &s.silent_probable_holders()}) {
          for (const auto& h : *holders) found |= h.matched_pseudonym() == pseudonym;
        }
      }
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
  if (!f.case_id().empty()) RETURN_IF_ERROR(ValidateId(f.case_id(), 'C', "filter.case_id", "case"));
  if (!f.signal_id().empty()) RETURN_IF_ERROR(ValidateSignalId(f.signal_id(), "filter.signal_id"));
  for (int i = 0; i < f.kinds_size(); ++i) {
    if (f.kinds(i) == v1::RECORD_KIND_UNSPECIFIED) {
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

// Visits candidate record indices >= `start` in ascending order, from the
// most selective audit index the filter allows, until `visit` returns false.
absl::Status ScanCandidates(const storage::Store& store, const Filter& f,
                            const std::string& scope_partner, uint64_t start,
                            const std::function<bool(uint64_t)>& visit) {
  auto by_prefix = [&](Table t, const std::string& prefix) {
    return store.Scan(t, prefix, prefix + keys::LogIndex(start),
                      [&](absl::string_view k, absl::string_view) { return visit(keys::IndexAtEnd(k)); });
  };
  if (!f.pseudonym.empty()) return by_prefix(Table::kLogByPseudonym, f.pseudonym);
  if (!f.case_id.empty()) return by_prefix(Table::kLogByCase, keys::IdPrefix(f.case_id));
  if (!f.signal.empty()) return by_prefix(Table::kLogBySignal, keys::IdPrefix(f.signal));
  // A partner's records; the records of the convenant as a whole
  // (policy reloads, retention sweeps) name no partner and come from the
  // log's order when the filter asks only for them.
  const std::string partner = f.partner.empty() ? scope_partner : f.partner;
  const bool whole_convenant =
      !f.kinds.empty() && std::all_of(f.kinds.begin(), f.kinds.end(), [](v1::RecordKind k) {
        return k == v1::POLICY_RELOADED || k == v1::RETENTION_SWEEP;
      });
  if (!partner.empty() && !whole_convenant) return by_prefix(Table::kLogByPartner, keys::IdPrefix(partner));
  // By record order; a time filter only moves the start.
  if (f.from_us) {
    RETURN_IF_ERROR(store.Scan(Table::kLogByTime, "", keys::ByTime(*f.from_us, 0),
                               [&](absl::string_view k, absl::string_view) {
                                 start = std::max(start, keys::IndexAtEnd(k));
                                 return false;
                               }));
  }
  return store.Scan(Table::kLog, "", keys::LogIndex(start),
                    [&](absl::string_view k, absl::string_view) { return visit(storage::DecodeBE64(k)); });
}

}  // namespace

LogAccess::LogAccess(const Env& env, log::TreeHeadSigner* signer)
    : env_(env), signer_(signer), token_key_(crypto::RandomBytes(crypto_secretbox_KEYBYTES)) {}

std::string LogAccess::SealToken(uint64_t index) const {
  std::string nonce = crypto::RandomBytes(crypto_secretbox_NONCEBYTES);
  const std::string plain = storage::EncodeBE64(index);
  std::string sealed(crypto_secretbox_MACBYTES + plain.size(), '\0');
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(sealed.data()),
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                        reinterpret_cast<const unsigned char*>(nonce.data()),
                        reinterpret_cast<const unsigned char*>(token_key_.data()));
  return ToHex(nonce + sealed);
}

absl::StatusOr<uint64_t> LogAccess::OpenToken(absl::string_view token) const {
  const absl::Status bad = absl::InvalidArgumentError(
      "page_token: not a token from a previous response of this broker (tokens end with a restart)");
  auto raw = FromHex(token);
  if (!raw.ok() || raw->size() != crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 8) return bad;
  std::string plain(8, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plain.data()),
          reinterpret_cast<const unsigned char*>(raw->data()) + crypto_secretbox_NONCEBYTES,
          raw->size() - crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(raw->data()),
          reinterpret_cast<const unsigned char*>(token_key_.data())) != 0) {
    return bad;
  }
  return storage::DecodeBE64(plain);
}

LogScope LogAccess::ScopeOf(const RequestContext& ctx) const {
  LogScope scope;
  scope.all = !ctx.policy().secretariat().empty() && ctx.partner() == ctx.policy().secretariat();
  scope.partner = ctx.partner();
  return scope;
}

absl::StatusOr<LogAccess::Entry> LogAccess::Read(uint64_t index, const LogScope& scope) const {
  ASSIGN_OR_RETURN(log::StoredEntry stored, env_.log->Read(index));
  Entry e;
  e.index = index;
  ASSIGN_OR_RETURN(e.leaf_hash, env_.log->LeafHash(index));
  if (stored.erased()) {
    e.status = v1::REDACTED;
    e.leaf = std::move(stored.leaf);
    return e;
  }
  v1::LogRecord r;
  if (!r.ParseFromString(stored.record)) {
    e.status = v1::UNREADABLE;
    e.leaf = std::move(stored.leaf);
    return e;
  }
  RecordView view = ViewOf(r, scope);
  switch (view.kind) {
    case ViewKind::kNothing:
      e.status = v1::WITHHELD;
      return e;
    case ViewKind::kWhole:
      e.status = v1::PRESENT;
      e.bytes = std::move(stored.record);
      break;
    case ViewKind::kPart:
      e.status = v1::PARTIAL;
      e.bytes = log::EncodeRecord(view.record);
      break;
  }
  e.leaf = std::move(stored.leaf);
  e.record = std::move(view.record);
  return e;
}

absl::StatusOr<uint64_t> LogAccess::LogRead(RequestContext& ctx, std::string query, uint64_t count,
                                            absl::string_view pseudonym) {
  const bool statistics = ctx.action() == policy::Action::kReadStatistics;
  const policy::Decision d{true, absl::StatusCode::kOk, statistics ? "role.read-statistics" : "role.audit",
                           statistics ? absl::StrCat(ctx.who().role, " of '", ctx.partner(),
                                                     "' reads the RIEC's statistics")
                                      : absl::StrCat("privacy officer of '", ctx.partner(), "' reads the disclosure log"),
                           ""};
  v1::LogRecord r = ctx.Record(v1::LOG_READ, d);
  r.set_audit_query(std::move(query));
  r.set_count(count);
  if (!pseudonym.empty()) r.add_subjects()->set_pseudonym(std::string(pseudonym));
  return ctx.Commit(r);
}

absl::StatusOr<v1::LogInfo> LogAccess::Info(RequestContext& ctx, const v1::GetLogInfoRequest&) {
  v1::LogInfo info;
  info.set_log_id(signer_->log_id());
  info.set_public_key(signer_->public_key());
  info.set_hash_algorithm("RFC 6962 SHA-256");
  info.set_signature_algorithm("Ed25519");
  info.set_checkpoint_origin(signer_->origin());
  info.set_vkey(signer_->Vkey());
  for (const auto& w : ctx.policy().witnesses()) info.add_witnesses(w.vkey);
  info.set_witness_quorum(ctx.policy().witness_quorum());
  return info;
}

absl::StatusOr<v1::SignedTreeHead> LogAccess::LatestTreeHead(
    RequestContext& ctx, const v1::GetLatestTreeHeadRequest& request) {
  if (!request.cosigned()) return signer_->Latest(request.fresh());
  if (ctx.policy().witnesses().empty()) {
    return absl::FailedPreconditionError("cosigned: the convenant names no witnesses (docs/witness.md)");
  }
  auto head = signer_->LatestCosigned();
  // Counted again under the policy in force: a reload may have replaced
  // witnesses or raised the quorum since the head was cosigned.
  if (head) {
    uint32_t valid = 0;
    auto note = merkle::ParseNote(head->checkpoint());
    for (const auto& w : ctx.policy().witnesses()) {
      auto v = merkle::ParseVkey(w.vkey);
      if (!note.ok() || !v.ok()) continue;
      auto r = merkle::VerifyNote(*note, *v);
      if (r.ok() && r->has_value()) ++valid;
    }
    if (valid < ctx.policy().witness_quorum()) head.reset();
  }
  if (!head) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cosigned: no tree head has the cosignatures of ", ctx.policy().witness_quorum(),
        " of the convenant's witnesses yet; the broker keeps asking them"));
  }
  return *std::move(head);
}

absl::StatusOr<v1::InclusionProofResponse> LogAccess::InclusionProof(
    RequestContext&, const v1::GetInclusionProofRequest& request) {
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
    RequestContext&, const v1::GetConsistencyProofRequest& request) {
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

absl::StatusOr<v1::GetRecordsResponse> LogAccess::Records(RequestContext& ctx,
                                                          const v1::GetRecordsRequest& request) {
  const LogScope scope = ScopeOf(ctx);
  if (request.count() == 0 || request.count() > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("count: ", request.count(), "; want 1 to 1000"));
  }
  const uint64_t size = env_.log->Size();
  if (request.start() >= size) {
    return absl::OutOfRangeError(absl::StrCat("start: ", request.start(), "; the log has ", size, " records"));
  }
  const uint64_t end = std::min<uint64_t>(size, request.start() + request.count());
  std::vector<Entry> entries;
  uint64_t present = 0;
  size_t bytes = 0;
  for (uint64_t i = request.start(); i < end && bytes < kMaxPageBytes; ++i) {
    ASSIGN_OR_RETURN(Entry e, Read(i, scope));
    bytes += e.bytes.size() + e.leaf.size() + 64;
    present += e.status == v1::PRESENT || e.status == v1::PARTIAL;
    entries.push_back(std::move(e));
  }
  ASSIGN_OR_RETURN(uint64_t read,
                   LogRead(ctx, absl::StrCat("records ", request.start(), "..",
                                             request.start() + entries.size() - 1),
                           present, ""));
  ASSIGN_OR_RETURN(auto head, HeadCovering(signer_, read + 1));
  v1::GetRecordsResponse response;
  merkle::AttestationBuilder attestation(scope.Name(), signer_->log_id(), head.tree_size());
  for (Entry& e : entries) {
    attestation.Add(e.index, e.status, e.leaf_hash, e.bytes);
    v1::LogEntry* out = response.add_entries();
    out->set_index(e.index);
    out->set_leaf_hash(std::move(e.leaf_hash));
    out->set_status(e.status);
    out->set_record(std::move(e.bytes));
    out->set_leaf(std::move(e.leaf));
  }
  v1::ScopeAttestation* a = response.mutable_attestation();
  a->set_scope(scope.Name());
  a->set_tree_size(head.tree_size());
  a->set_signature(signer_->Sign(attestation.bytes()));
  *response.mutable_tree_head() = std::move(head);
  return response;
}

absl::StatusOr<v1::ListRecordsResponse> LogAccess::ListRecords(
    RequestContext& ctx, const v1::ListRecordsRequest& request) {
  const LogScope scope = ScopeOf(ctx);
  ASSIGN_OR_RETURN(const Filter filter, ParseFilter(request.filter()));
  const uint32_t page_size = request.page_size() == 0 ? 100 : request.page_size();
  if (page_size > 1000) {
    return absl::InvalidArgumentError(absl::StrCat("page_size: ", page_size, "; at most 1000"));
  }
  uint64_t start = 0;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(start, OpenToken(request.page_token()));
    ++start;
  }

  // A next page is announced only when a further record the reader may see
  // matches (a token after the page's last record), or when the scan limit
  // ends the page early (a token after the last candidate examined): never
  // because some record the reader may not see exists.
  std::vector<Entry> found;
  size_t examined = 0, bytes = 0;
  std::optional<uint64_t> last, resume;
  bool full = false;
  absl::Status failed = absl::OkStatus();
  RETURN_IF_ERROR(ScanCandidates(*env_.store, filter, scope.all ? "" : scope.partner, start,
                                 [&](uint64_t index) {
    if (examined == kScanLimit) {
      resume = full ? found.back().index : *last;
      return false;
    }
    ++examined;
    last = index;
    auto e = Read(index, scope);
    if (!e.ok()) {
      failed = e.status();
      return false;
    }
    if (e->status != v1::PRESENT && e->status != v1::PARTIAL) return true;
    if (filter.to_us && e->record.time_unix_micros() >= *filter.to_us + 60'000'000 &&
        filter.partner.empty() && filter.pseudonym.empty() && filter.signal.empty() &&
        filter.case_id.empty()) {
      return false;  // past the period (records are in time order, give or take a little)
    }
    if (!filter.Matches(e->record)) return true;
    if (full) {  // a further record to show: there is a next page
      resume = found.back().index;
      return false;
    }
    // The record travels twice (its bytes and parsed).
    bytes += 2 * e->bytes.size() + e->leaf.size() + 64;
    found.push_back(*std::move(e));
    full = found.size() == page_size || bytes >= kMaxPageBytes;
    return true;
  }));
  RETURN_IF_ERROR(failed);
  v1::ListRecordsResponse response;
  if (resume) response.set_next_page_token(SealToken(*resume));
  ASSIGN_OR_RETURN(uint64_t read,
                   LogRead(ctx,
                           absl::StrCat("list ", filter.Describe(), " page_size=", page_size,
                                        request.page_token().empty() ? "" : " after=" + request.page_token()),
                           found.size(), filter.pseudonym));
  response.set_log_index(read);
  ASSIGN_OR_RETURN(auto head, HeadCovering(signer_, read + 1));
  merkle::AttestationBuilder attestation(scope.Name(), signer_->log_id(), head.tree_size());
  for (Entry& e : found) {
    attestation.Add(e.index, e.status, e.leaf_hash, e.bytes);
    v1::AuditedRecord* out = response.add_records();
    out->set_index(e.index);
    out->set_leaf_hash(std::move(e.leaf_hash));
    out->set_record_bytes(std::move(e.bytes));
    *out->mutable_record() = std::move(e.record);
    out->set_status(e.status);
    out->set_leaf(std::move(e.leaf));
  }
  v1::ScopeAttestation* a = response.mutable_attestation();
  a->set_scope(scope.Name());
  a->set_tree_size(head.tree_size());
  a->set_signature(signer_->Sign(attestation.bytes()));
  *response.mutable_tree_head() = std::move(head);
  return response;
}

absl::StatusOr<v1::AuditStatistics> LogAccess::Statistics(RequestContext& ctx,
                                                          const v1::AuditStatisticsRequest& request) {
  const LogScope scope = ScopeOf(ctx);
  ASSIGN_OR_RETURN(const Filter filter, ParseFilter(request.filter()));
  v1::AuditStatistics stats;
  std::map<std::tuple<std::string, std::string, std::string>, v1::DisclosureCount> disclosures;
  std::map<std::string, uint64_t> denials;
  absl::Status failed = absl::OkStatus();
  RETURN_IF_ERROR(ScanCandidates(*env_.store, filter, scope.all ? "" : scope.partner, 0,
                                 [&](uint64_t index) {
    auto e = Read(index, scope);
    if (!e.ok()) {
      failed = e.status();
      return false;
    }
    if (e->status == v1::REDACTED || e->status == v1::UNREADABLE) {
      if (scope.all) stats.set_redacted(stats.redacted() + 1);
      return true;
    }
    if (e->status == v1::WITHHELD || !filter.Matches(e->record)) return true;
    const v1::LogRecord& r = e->record;
    stats.set_records(stats.records() + 1);
    if (r.kind() == v1::REQUEST_DENIED) ++denials[r.decision().rule()];
    if (r.kind() != v1::STAGE1_ANSWERED && r.kind() != v1::STAGE1_LATE_HIT) return true;
    if (r.kind() == v1::STAGE1_LATE_HIT && r.recipients().empty()) return true;  // silent
    const std::string recipient = r.recipients().empty() ? r.actor().partner() : r.recipients(0);
    v1::DisclosureCount& c =
        disclosures[{recipient, r.purpose(), IsoWeek(absl::FromUnixMicros(r.time_unix_micros()))}];
    c.set_answers(c.answers() + 1);
    for (const auto& s : r.subjects()) {
      c.set_subjects(c.subjects() + 1);
      c.set_hits(c.hits() + s.hit());
    }
    return true;
  }));
  RETURN_IF_ERROR(failed);
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
  ASSIGN_OR_RETURN(uint64_t read,
                   LogRead(ctx, "statistics " + filter.Describe(), stats.records(), filter.pseudonym));
  stats.set_log_index(read);
  return stats;
}

namespace {

absl::StatusOr<absl::CivilMonth> ParseMonth(const std::string& text, absl::string_view field) {
  absl::CivilMonth m;
  if (text.size() != 7 || text[4] != '-' || !absl::ParseCivilTime(text, &m)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": '", text, "' is not a month (YYYY-MM)"));
  }
  return m;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

absl::StatusOr<v1::RiecStatistics> LogAccess::RiecStatistics(RequestContext& ctx,
                                                             const v1::RiecStatisticsRequest& request) {
  ASSIGN_OR_RETURN(const absl::CivilMonth first, ParseMonth(request.from_month(), "from_month"));
  ASSIGN_OR_RETURN(const absl::CivilMonth last, ParseMonth(request.to_month(), "to_month"));
  if (last < first) return absl::InvalidArgumentError("to_month: must not be before from_month");
  if (last - first >= 36) return absl::InvalidArgumentError("to_month: at most 36 months from from_month");
  if (!request.purpose().empty() && ctx.policy().FindPurpose(request.purpose()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("purpose: '", request.purpose(), "' is not a purpose of the convenant"));
  }
  const uint32_t k = ctx.policy().statistics_min_count();
  v1::RiecStatistics out;
  out.set_min_count(k);
  // Only months that have ended: a month's counts do not change while
  // someone watches, so two requests at different times do not tell apart
  // what happened in between.
  const absl::CivilMonth now_month(absl::ToCivilSecond(ctx.now(), absl::UTCTimeZone()));
  const absl::CivilMonth end = std::min(last + 1, now_month);
  for (absl::CivilMonth m = first; m < end; ++m) out.add_months(absl::FormatCivilTime(m));
  if (first < end) {
    v1::RecordFilter rf;
    *rf.mutable_from() = ToProtoTime(absl::FromCivil(first, absl::UTCTimeZone()));
    *rf.mutable_to() = ToProtoTime(absl::FromCivil(end, absl::UTCTimeZone()));
    rf.set_purpose(request.purpose());
    ASSIGN_OR_RETURN(const Filter filter, ParseFilter(rf));
    const LogScope all{.all = true};
    using Key = std::tuple<std::string, std::string, std::string, std::string>;  // month, purpose, measure, label
    std::map<Key, uint64_t> counts;
    std::map<std::pair<std::string, std::string>, std::vector<double>> days;  // month, purpose
    std::map<std::string, std::string> themes;                                // signal -> theme
    std::map<std::string, int64_t> registered;                                // signal -> time (us)
    const storage::SignalTable signals(env_.store);
    auto theme_of = [&](const std::string& id) {
      auto it = themes.find(id);
      if (it != themes.end()) return it->second;
      auto s = signals.Get(id);
      std::string theme = s.ok() && s->has_value() ? (*s)->theme() : "";
      if (s.ok() && s->has_value() && (*s)->has_created()) {
        registered.emplace(id, absl::ToUnixMicros(FromProtoTime((*s)->created())));
      }
      return themes[id] = theme;
    };
    absl::Status failed = absl::OkStatus();
    RETURN_IF_ERROR(ScanCandidates(*env_.store, filter, "", 0, [&](uint64_t index) {
      auto e = Read(index, all);
      if (!e.ok()) {
        failed = e.status();
        return false;
      }
      if (e->status != v1::PRESENT && e->status != v1::PARTIAL) return true;
      const v1::LogRecord& r = e->record;
      if (!filter.Matches(r)) return true;
      const std::string month = absl::FormatCivilTime(
          absl::CivilMonth(absl::ToCivilSecond(absl::FromUnixMicros(r.time_unix_micros()), absl::UTCTimeZone())));
      auto add = [&](const std::string& measure, const std::string& label = "", uint64_t n = 1) {
        counts[{month, r.purpose(), measure, label}] += n;
      };
      switch (r.kind()) {
        case v1::SIGNAL_REGISTERED:
          add("signals", theme_of(r.signal_id()));
          registered.emplace(r.signal_id(), r.time_unix_micros());
          break;
        case v1::STAGE1_ANSWERED:
          for (const auto& s : r.subjects()) {
            add("subjects_asked");
            if (s.hit()) add("subjects_hit");
          }
          break;
        case v1::CASE_PROPOSED: {
          add("cases_proposed");
          theme_of(r.signal_id());
          if (auto it = registered.find(r.signal_id()); it != registered.end() && it->second <= r.time_unix_micros()) {
            days[{month, r.purpose()}].push_back(static_cast<double>(r.time_unix_micros() - it->second) / 86400e6);
          }
          break;
        }
        case v1::CASE_UNLOCK:
        case v1::CASE_CONFIRMED:
          if (r.case_state() == v1::CASE_STATE_UNLOCKED) add("cases_unlocked");
          break;
        case v1::CASE_ENDED:
          add("cases_closed");
          if (r.outcome().code() != v1::OUTCOME_CODE_UNSPECIFIED) add("outcomes", v1::OutcomeCode_Name(r.outcome().code()));
          break;
        case v1::CONTENT_PROVISION:
          add("stage2_exchanges");
          break;
        case v1::REQUEST_DENIED: {
          const std::string& rule = r.decision().rule();
          if (absl::StartsWith(rule, "quotas.")) {
            add("quota_refusals", rule.substr(7));
          } else {
            add("refusals", rule);
          }
          break;
        }
        default:
          break;
      }
      return true;
    }));
    RETURN_IF_ERROR(failed);
    for (const auto& [key, times] : days) counts[{key.first, key.second, "decisions_timed", ""}] = times.size();
    for (const auto& [key, n] : counts) {
      v1::StatisticsCell* c = out.add_cells();
      c->set_month(std::get<0>(key));
      c->set_purpose(std::get<1>(key));
      c->set_measure(std::get<2>(key));
      c->set_label(std::get<3>(key));
      if (n < k) {
        c->set_suppressed(true);
        continue;
      }
      c->set_count(n);
      if (c->measure() == "decisions_timed") c->set_days_median(Median(days[{c->month(), c->purpose()}]));
    }
  }
  ASSIGN_OR_RETURN(uint64_t read,
                   LogRead(ctx,
                           absl::StrCat("riec statistics ", request.from_month(), "..", request.to_month(),
                                        request.purpose().empty() ? "" : " purpose=" + request.purpose()),
                           out.cells_size(), ""));
  out.set_log_index(read);
  return out;
}

}  // namespace riec::core
