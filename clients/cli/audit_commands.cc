// riec audit: the privacy officer's tools over the verifiable log.
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/subject_kind.h"
#include "riec/common/time_util.h"
#include "riec/merkle/merkle.h"
#include "cli/command_group.h"
#include "cli/common.h"
#include "cli/ldv.h"
#include "cli/output.h"
#include "cli/subjects_input.h"
#include "riec/policy/policy.h"
#include "riec/sdk/log_verify.h"
#include "riec/sdk/normalise.h"

namespace riec::cli {
namespace {

// The flags of riec audit list and riec audit stats that select records.
struct AuditFilterArgs {
  std::string from, to, partner, purpose, signal, case_id, pseudonym_hex, subject;
  std::vector<std::string> kinds;
};

struct AuditListArgs {
  AuditFilterArgs filter;
  int limit = 100;
  std::string format = "table";  // table, csv, json
  bool verify = false;
};

struct AuditSubjectArgs {
  std::string kind, value, format = "table";
};

struct AuditStatsArgs {
  AuditFilterArgs filter;
  bool json = false;
};

struct AuditVerifyArgs {
  std::string state;    // trusted-head file (default per log)
  std::string log_key;  // pinned public key, hex
  std::string export_file;
  bool full = false;
  int sample = 64;
  std::vector<std::string> witnesses;  // verifier keys the auditor pins
  size_t quorum = 0;
  std::string checkpoint;  // a checkpoint shown elsewhere, to compare
};

constexpr int kAlert = 3;

int Alert(const std::string& what) {
  std::cerr << "riec: ALERT: " << what << "\n";
  return kAlert;
}

std::string Time(int64_t micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

std::string KindName(v1::RecordKind k) {
  std::string s = v1::RecordKind_Name(k);
  absl::AsciiStrToLower(&s);
  return absl::StrReplaceAll(s, {{"_", "-"}});
}

absl::StatusOr<v1::RecordKind> ParseRecordKind(std::string name) {
  absl::AsciiStrToUpper(&name);
  name = absl::StrReplaceAll(name, {{"-", "_"}});
  v1::RecordKind k;
  if (!v1::RecordKind_Parse(name, &k) || k == v1::RECORD_KIND_UNSPECIFIED) {
    std::vector<std::string> all;
    for (int i = 1; i < v1::RecordKind_descriptor()->value_count(); ++i) {
      all.push_back(KindName(static_cast<v1::RecordKind>(v1::RecordKind_descriptor()->value(i)->number())));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("--kind '", name, "' is not a record kind (", absl::StrJoin(all, ", "), ")"));
  }
  return k;
}

absl::StatusOr<absl::Time> ParseWhen(const std::string& text, const char* flag) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) return t;
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(flag, " '", text, "': want YYYY-MM-DD or an RFC 3339 time"));
}

// One line saying what a record records.
std::string Summary(const v1::LogRecord& r) {
  switch (r.kind()) {
    case v1::INDEX_PUBLISHED:
      return absl::StrCat("published ", r.count(), " index entries");
    case v1::INDEX_WITHDRAWN:
      return absl::StrCat("withdrew ", r.count(), " index entries");
    case v1::SIGNAL_REGISTERED:
      return absl::StrCat("registered a signal about ", r.subjects_size(), " subjects");
    case v1::SIGNAL_CLOSED:
      return "closed the signal";
    case v1::STAGE1_ANSWERED: {
      int hits = 0;
      for (const auto& s : r.subjects()) hits += s.hit();
      return absl::StrCat("stage-1 answer about ", r.subjects_size(), " subjects (", hits,
                          " hits) at level ", policy::Stage1LevelName(r.stage1_level()), " to ",
                          absl::StrJoin(r.recipients(), ", "));
    }
    case v1::REQUEST_DENIED:
      return absl::StrCat("refused (", r.decision().rule(), "): ", r.decision().explanation());
    case v1::POLICY_RELOADED:
      return absl::StrCat("policy v", r.policy_version(), " replaced v", r.previous_policy_version());
    case v1::RETENTION_SWEEP: {
      std::vector<std::string> parts;
      for (const auto& e : r.erased()) parts.push_back(absl::StrCat(e.count(), " ", e.kind()));
      return absl::StrCat("erased ", absl::StrJoin(parts, ", "));
    }
    case v1::LOG_READ:
      return absl::StrCat("read the log: ", r.audit_query(), " (", r.count(), " records)");
    case v1::ASSESSMENTS_REQUESTED:
      return absl::StrCat("asked ", r.count(), " holders for their assessment");
    case v1::ASSESSMENT_GIVEN:
      return absl::StrCat("assessed ", r.assessments_size(), " subjects for ", absl::StrJoin(r.recipients(), ", "));
    case v1::CASE_PROPOSED:
      return absl::StrCat("recorded the casustafel's decision on ", r.case_decision().subjects_size(),
                          " subjects, ", r.case_decision().flows_size(), " flows");
    case v1::CASE_CONFIRMED:
    case v1::CASE_UNLOCK:
    case v1::CASE_CHANGED:
    case v1::CASE_ENDED:
      return r.decision().explanation();
    case v1::KEY_REGISTERED:
      return absl::StrCat("registered encryption key ", r.content().key_id());
    case v1::CONTENT_REQUEST:
      return absl::StrCat("requested content from ", r.content().holder(), " (request ", r.content().request_id(), ")");
    case v1::CONTENT_PROVISION:
      return absl::StrCat("provided ", r.content().size(), " bytes of sealed content to ", r.content().requester(),
                          " (request ", r.content().request_id(), ")");
    case v1::CONTENT_REFUSAL:
      return absl::StrCat("refused request ", r.content().request_id(), ": ",
                          v1::RefusalReason_Name(r.content().refusal()));
    case v1::CONTENT_FETCH:
      return absl::StrCat("fetched the content of request ", r.content().request_id(), "; the broker deleted it");
    default:
      return "?";
  }
}

std::string Actor(const v1::LogRecord& r) {
  std::string a = r.actor().partner().empty() ? r.actor().role()
                                              : absl::StrCat(r.actor().partner(), "/", r.actor().role());
  if (!r.actor().on_behalf_of().empty()) absl::StrAppend(&a, " for ", r.actor().on_behalf_of());
  return a;
}

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  return "\"" + absl::StrReplaceAll(s, {{"\"", "\"\""}}) + "\"";
}

absl::StatusOr<v1::RecordFilter> BuildFilter(sdk::Api& client, const AuditFilterArgs& a) {
  v1::RecordFilter f;
  if (!a.from.empty()) {
    auto t = ParseWhen(a.from, "--from");
    if (!t.ok()) return t.status();
    *f.mutable_from() = ToProtoTime(*t);
  }
  if (!a.to.empty()) {
    auto t = ParseWhen(a.to, "--to");
    if (!t.ok()) return t.status();
    // A date means through that day.
    *f.mutable_to() = ToProtoTime(*t + (a.to.size() == 10 ? absl::Hours(24) : absl::ZeroDuration()));
  }
  f.set_partner(a.partner);
  f.set_purpose(a.purpose);
  f.set_signal_id(a.signal);
  f.set_case_id(a.case_id);
  for (const auto& k : a.kinds) {
    auto kind = ParseRecordKind(k);
    if (!kind.ok()) return kind.status();
    f.add_kinds(*kind);
  }
  if (!a.pseudonym_hex.empty()) {
    auto p = FromHex(a.pseudonym_hex);
    if (!p.ok() || p->size() != 32) return absl::InvalidArgumentError("--pseudonym: want 64 hex digits");
    f.set_pseudonym(*p);
  }
  if (!a.subject.empty()) {
    auto v = ParseSubjectArg(a.subject);
    if (!v.ok()) return v.status();
    auto s = client.SubjectsWithoutMatchKeys({*v});
    if (!s.ok()) return s.status();
    f.set_pseudonym((*s)[0].pseudonym());
  }
  return f;
}

// A listed record as a log entry (for the verifier).
v1::LogEntry EntryOf(const v1::AuditedRecord& r) {
  v1::LogEntry e;
  e.set_index(r.index());
  e.set_leaf_hash(r.leaf_hash());
  e.set_status(r.status());
  e.set_record(r.record_bytes());
  e.set_leaf(r.leaf());
  return e;
}

// The pages of a listing, each with what vouches for it.
struct Listing {
  std::vector<v1::AuditedRecord> records;
  std::vector<std::pair<v1::ScopeAttestation, google::protobuf::RepeatedPtrField<v1::LogEntry>>> pages;
  v1::SignedTreeHead head;
};

// Checks that each listed record is in the log: it matches its leaf, the
// page's attestation vouches for its status and view, and the leaf is in the
// signed head.
absl::Status VerifyListed(sdk::Api& client, const Listing& listing) {
  auto info = client.GetLogInfo();
  if (!info.ok()) return info.status();
  sdk::LogVerifier verifier(info->public_key(), std::nullopt);
  if (absl::Status s = verifier.Advance(listing.head, {}); !s.ok()) return s;
  for (const auto& [attestation, entries] : listing.pages) {
    for (const auto& e : entries) {
      if (absl::Status s = verifier.CheckEntry(e); !s.ok()) return s;
    }
    if (absl::Status s = verifier.CheckAttestation(attestation, entries, ""); !s.ok()) return s;
  }
  const v1::SignedTreeHead& head = listing.head;
  for (const auto& r : listing.records) {
    auto proof = client.GetInclusionProof(r.index(), head.tree_size());
    if (!proof.ok()) return proof.status();
    std::vector<std::string> hashes(proof->hashes().begin(), proof->hashes().end());
    if (!merkle::VerifyInclusion(r.index(), head.tree_size(), r.leaf_hash(), hashes, head.root_hash())) {
      return absl::DataLossError(absl::StrCat("record ", r.index(), " is not in the signed tree of size ",
                                              head.tree_size()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Listing> Fetch(sdk::Api& client, const v1::RecordFilter& f, int limit) {
  Listing out;
  v1::ListRecordsRequest req;
  *req.mutable_filter() = f;
  while (static_cast<int>(out.records.size()) < limit) {
    req.set_page_size(std::min(1000, limit - static_cast<int>(out.records.size())));
    auto page = client.ListRecords(req);
    if (!page.ok()) return page.status();
    google::protobuf::RepeatedPtrField<v1::LogEntry> entries;
    for (const auto& r : page->records()) {
      out.records.push_back(r);
      *entries.Add() = EntryOf(r);
    }
    out.pages.emplace_back(page->attestation(), std::move(entries));
    // Every page's head covers the records before it; the last is the
    // newest.
    out.head = page->tree_head();
    if (page->next_page_token().empty()) break;
    req.set_page_token(page->next_page_token());
  }
  return out;
}

std::string CertificateIdentity(const std::string& cert_file) {
  auto pem = ReadFile(cert_file);
  if (!pem.ok()) return "";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), &BIO_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) return "";
  std::string out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_URI) {
      out.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.uniformResourceIdentifier)),
                 ASN1_STRING_length(n->d.uniformResourceIdentifier));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

int AuditList(sdk::Api& client, const AuditListArgs& a, std::ostream& out) {
  auto filter = BuildFilter(client, a.filter);
  if (!filter.ok()) return Fail(filter.status());
  if (a.format != "table" && a.format != "csv" && a.format != "json") {
    return Fail(absl::InvalidArgumentError("--format: want table, csv or json"));
  }
  auto listing = Fetch(client, *filter, a.limit);
  if (!listing.ok()) return Fail(listing.status());
  if (a.verify) {
    if (absl::Status s = VerifyListed(client, *listing); !s.ok()) return Alert(std::string(s.message()));
  }
  const std::vector<v1::AuditedRecord>* records = &listing->records;
  const v1::SignedTreeHead& head = listing->head;
  if (a.format == "json") {
    for (const auto& r : *records) {
      if (absl::Status s = PrintJson(r, out); !s.ok()) return Fail(s);
    }
  } else if (a.format == "csv") {
    out << "index,time_utc,kind,actor,purpose,signal,summary,rule,legal_basis,policy_version\n";
    for (const auto& ar : *records) {
      const auto& r = ar.record();
      out << ar.index() << "," << Time(r.time_unix_micros()) << "," << KindName(r.kind()) << ","
          << CsvCell(Actor(r)) << "," << r.purpose() << "," << r.signal_id() << "," << CsvCell(Summary(r))
          << "," << r.decision().rule() << "," << CsvCell(r.decision().legal_basis()) << ","
          << CsvCell(r.policy_version()) << "\n";
    }
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& ar : *records) {
      const auto& r = ar.record();
      rows.push_back({absl::StrCat(ar.index()), Time(r.time_unix_micros()), KindName(r.kind()), Actor(r),
                      r.purpose(), r.signal_id(), Summary(r)});
    }
    PrintTable(out, {"INDEX", "TIME (UTC)", "KIND", "ACTOR", "PURPOSE", "SIGNAL", "WHAT"}, rows);
    out << "\n" << records->size() << " records; tree head of size " << head.tree_size() << " signed "
        << Rfc3339(absl::FromUnixMillis(head.timestamp_millis()))
        << (a.verify ? "; inclusion of every record verified" : "") << "\n";
  }
  return 0;
}

int AuditSubject(sdk::Api& client, const std::string& kind_tag, const std::string& value,
                 const std::string& format, std::ostream& out) {
  auto kind = ParseKind(kind_tag);
  if (!kind.ok()) return Fail(kind.status());
  auto subjects = client.SubjectsWithoutMatchKeys({{*kind, value}});
  if (!subjects.ok()) return Fail(subjects.status());
  const std::string pseudonym = (*subjects)[0].pseudonym();
  v1::RecordFilter f;
  f.set_pseudonym(pseudonym);
  auto listing = Fetch(client, f, 100000);
  if (!listing.ok()) return Fail(listing.status());
  if (absl::Status s = VerifyListed(client, *listing); !s.ok()) return Alert(std::string(s.message()));
  const std::vector<v1::AuditedRecord>* records = &listing->records;
  const v1::SignedTreeHead& head = listing->head;
  if (format == "json") {
    for (const auto& r : *records) {
      if (absl::Status s = PrintJson(r, out); !s.ok()) return Fail(s);
    }
    return 0;
  }
  out << "Disclosures concerning " << kind_tag << " " << value << " (pseudonym "
      << ToHex(pseudonym).substr(0, 16) << "…), from the disclosure log\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& ar : *records) {
    const auto& r = ar.record();
    std::string what = Summary(r);
    for (const auto& s : r.subjects()) {
      if (s.pseudonym() != pseudonym || r.kind() != v1::STAGE1_ANSWERED) continue;
      std::vector<std::string> holders;
      for (const auto& h : s.holders()) holders.push_back(h.partner());
      what = absl::StrCat("stage-1 answer to ", absl::StrJoin(r.recipients(), ", "), ": ",
                          s.hit() ? "hit" : "no hit",
                          holders.empty() ? "" : absl::StrCat(" (holders: ", absl::StrJoin(holders, ", "), ")"),
                          ", level ", policy::Stage1LevelName(r.stage1_level()));
    }
    rows.push_back({Time(r.time_unix_micros()), what, Actor(r), r.purpose(), r.signal_id(),
                    r.decision().legal_basis()});
  }
  PrintTable(out, {"TIME (UTC)", "WHAT", "BY", "PURPOSE", "SIGNAL", "LEGAL BASIS"}, rows);
  out << "\n" << records->size() << " records, each verified against the signed tree head of size "
      << head.tree_size() << ". This query is itself logged.\n";
  return 0;
}

int AuditStats(sdk::Api& client, const AuditFilterArgs& a, bool json, std::ostream& out) {
  auto filter = BuildFilter(client, a);
  if (!filter.ok()) return Fail(filter.status());
  v1::AuditStatisticsRequest req;
  *req.mutable_filter() = *filter;
  auto s = client.GetAuditStatistics(req);
  if (!s.ok()) return Fail(s.status());
  if (json) return ExitCode(PrintJson(*s, out));
  out << "records: " << Count(s->records()) << "; stage-1 subjects answered: " << Count(s->subjects_answered())
      << "; hits: " << Count(s->hits());
  if (s->subjects_answered() > 0) {
    out << absl::StrFormat(" (hit rate %.1f %%)", 100.0 * s->hits() / s->subjects_answered());
  }
  if (s->redacted() > 0) out << "; " << Count(s->redacted()) << " records erased at the end of retention";
  out << "\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : s->disclosures()) {
    rows.push_back({d.week(), d.partner(), d.purpose(), Count(d.answers()), Count(d.subjects()), Count(d.hits())});
  }
  if (rows.empty()) {
    out << "no stage-1 answers\n";
  } else {
    PrintTable(out, {"WEEK", "RECIPIENT", "PURPOSE", "ANSWERS", "SUBJECTS", "HITS"}, rows);
  }
  out << "\n";
  rows.clear();
  for (const auto& d : s->denials()) rows.push_back({d.rule(), Count(d.count())});
  if (rows.empty()) {
    out << "no refusals\n";
  } else {
    PrintTable(out, {"REFUSED BY RULE", "COUNT"}, rows);
  }
  return 0;
}

struct RiecStatsArgs {
  std::string from, to, purpose, format = "table";
};

// riec stats: the RIEC's statistics over ended months; a suppressed count
// is printed as "< min_count", never as a number.
int RiecStats(sdk::Api& client, const RiecStatsArgs& a, std::ostream& out) {
  if (a.format != "table" && a.format != "csv" && a.format != "json") {
    return Fail(absl::InvalidArgumentError("--format: want table, csv or json"));
  }
  v1::RiecStatisticsRequest req;
  req.set_from_month(a.from);
  req.set_to_month(a.to.empty() ? a.from : a.to);
  req.set_purpose(a.purpose);
  auto s = client.GetRiecStatistics(req);
  if (!s.ok()) return Fail(s.status());
  if (a.format == "json") return ExitCode(PrintJson(*s, out));
  const std::string hidden = absl::StrCat("< ", s->min_count());
  auto count = [&](const v1::StatisticsCell& c) { return c.suppressed() ? hidden : absl::StrCat(c.count()); };
  auto median = [&](const v1::StatisticsCell& c) {
    return c.measure() != "decisions_timed" || c.suppressed() ? std::string() : absl::StrFormat("%.1f", c.days_median());
  };
  if (a.format == "csv") {
    out << "month,purpose,measure,label,count,days_median\n";
    for (const auto& c : s->cells()) {
      out << c.month() << "," << c.purpose() << "," << c.measure() << "," << CsvCell(c.label()) << "," << count(c)
          << "," << median(c) << "\n";
    }
    return 0;
  }
  if (s->months().empty()) {
    out << "no ended month in " << req.from_month() << ".." << req.to_month()
        << " (a month is counted once it is over)\n";
    return 0;
  }
  out << "months " << s->months(0) << ".." << s->months(s->months_size() - 1) << "; counts below "
      << s->min_count() << " are shown as '" << hidden << "'\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : s->cells()) rows.push_back({c.month(), c.purpose(), c.measure(), c.label(), count(c), median(c)});
  if (rows.empty()) {
    out << "nothing was counted in these months\n";
  } else {
    PrintTable(out, {"MONTH", "PURPOSE", "MEASURE", "LABEL", "COUNT", "MEDIAN DAYS"}, rows);
  }
  return 0;
}

// Every page of records up to `head`, in order, with a progress bar.
absl::Status ForEachPage(sdk::Api& client, const v1::SignedTreeHead& head,
                         const std::function<absl::Status(const v1::GetRecordsResponse&, uint64_t start)>& take) {
  ProgressBar bar("exporting", ::isatty(2) == 1);
  for (uint64_t start = 0; start < head.tree_size();) {
    const uint32_t count = static_cast<uint32_t>(std::min<uint64_t>(1000, head.tree_size() - start));
    auto page = client.GetRecords(start, count);
    if (!page.ok()) return page.status();
    if (page->entries_size() == 0) return absl::InternalError("the broker returned an empty page");
    if (absl::Status s = take(*page, start); !s.ok()) return s;
    start += page->entries_size();
    bar.Update(start, head.tree_size());
  }
  bar.Finish();
  return absl::OkStatus();
}

int AuditExport(sdk::Api& client, const std::string& path, const std::string& cert_file,
                std::ostream& out) {
  auto info = client.GetLogInfo();
  if (!info.ok()) return Fail(info.status());
  auto head = client.GetLatestTreeHead(true);
  if (!head.ok()) return Fail(head.status());
  std::ofstream file(path);
  if (!file) return Fail(absl::InternalError(absl::StrCat("cannot write ", path)));
  v1::ExportHeader header;
  header.set_format("riec-log-export-2");
  header.set_public_key(info->public_key());
  *header.mutable_head() = *head;
  header.set_exported_by(CertificateIdentity(cert_file));
  header.set_exported_millis(absl::ToUnixMillis(absl::Now()));
  std::string body;
  std::string scope;
  sdk::LogVerifier::Counts counts;
  absl::Status paged = ForEachPage(client, *head, [&](const v1::GetRecordsResponse& page, uint64_t start) {
    for (const auto& e : page.entries()) {
      absl::StrAppend(&body, sdk::ExportEntryLine(e), "\n");
      counts.present += e.status() == v1::PRESENT;
      counts.partial += e.status() == v1::PARTIAL;
      counts.redacted += e.status() == v1::REDACTED;
      counts.withheld += e.status() == v1::WITHHELD;
      counts.unreadable += e.status() == v1::UNREADABLE;
    }
    scope = page.attestation().scope();
    absl::StrAppend(&body, sdk::ExportAttestationLine(page.attestation(), start, page.entries_size()), "\n");
    return absl::OkStatus();
  });
  if (!paged.ok()) return Fail(paged);
  header.set_scope(scope);
  file << sdk::ExportHeaderLine(header) << "\n" << body;
  file.close();
  if (!file) return Fail(absl::InternalError(absl::StrCat("cannot write ", path)));
  out << "exported " << Count(head->tree_size()) << " records to " << path << ": " << Count(counts.present)
      << " whole, " << Count(counts.partial) << " in part (what your scope covers), "
      << Count(counts.withheld) << " outside your scope (leaf hash only), " << Count(counts.redacted)
      << " erased at the end of retention";
  if (counts.unreadable > 0) out << ", " << Count(counts.unreadable) << " UNREADABLE";
  out << "; tree head of size " << head->tree_size() << ". Verify offline: riec audit verify --export "
      << path << " --log-key " << ToHex(info->public_key()) << "\n";
  return 0;
}

// The log in the caller's scope as Logboek Dataverwerkingen records (ldv.h).
int AuditExportLdv(sdk::Api& client, const std::string& path, const std::string& policy_file, std::ostream& out) {
  std::shared_ptr<const policy::Policy> policy;
  if (!policy_file.empty()) {
    auto loaded = policy::Policy::LoadFile(policy_file);
    if (!loaded.ok()) return Fail(loaded.status());
    policy = *loaded;
  }
  auto info = client.GetLogInfo();
  if (!info.ok()) return Fail(info.status());
  auto head = client.GetLatestTreeHead(true);
  if (!head.ok()) return Fail(head.status());
  std::ofstream file(path);
  if (!file) return Fail(absl::InternalError(absl::StrCat("cannot write ", path)));
  LdvContext context{info->public_key(), "", policy.get()};
  uint64_t records = 0, lines = 0, missing = 0, other_version = 0;
  absl::Status paged = ForEachPage(client, *head, [&](const v1::GetRecordsResponse& page, uint64_t) {
    // Whose records these are: the scope's partner; "all" is the RIEC's.
    if (context.partner.empty()) {
      const std::string& scope = page.attestation().scope();
      context.partner = scope != "all" ? scope : (policy != nullptr ? policy->secretariat() : "");
    }
    for (const auto& e : page.entries()) {
      if (e.status() != v1::PRESENT && e.status() != v1::PARTIAL) continue;
      v1::LogRecord r;
      if (!r.ParseFromString(e.record())) {
        return absl::DataLossError(absl::StrCat("record ", e.index(), " does not parse"));
      }
      LdvResult ldv = LdvRecords(r, e.index(), context);
      if (ldv.lines.empty()) continue;
      ++records;
      missing += ldv.missing_activity;
      other_version += policy != nullptr && r.policy_sha256() != policy->sha256();
      for (const auto& line : ldv.lines) file << line << "\n";
      lines += ldv.lines.size();
    }
    return absl::OkStatus();
  });
  if (!paged.ok()) return Fail(paged);
  file.close();
  if (!file) return Fail(absl::InternalError(absl::StrCat("cannot write ", path)));
  out << "wrote " << Count(lines) << " Logboek Dataverwerkingen records to " << path << " for " << Count(records)
      << " log records about data subjects (of " << Count(head->tree_size()) << "), as partner "
      << (context.partner.empty() ? "(unknown)" : context.partner) << "\n";
  if (missing > 0) {
    out << "warning: " << Count(missing) << " log records have no dpl.core.processing_activity_id: "
        << (policy == nullptr ? "give the convenant with --policy"
                              : absl::StrCat("their purposes have no processing_activities entry for ",
                                             context.partner.empty() ? "your partner" : context.partner))
        << " (docs/ldv.md)\n";
  }
  if (other_version > 0) {
    out << "note: " << Count(other_version) << " log records were decided under another policy version than "
        << policy_file << "; their processing activities are taken from this file\n";
  }
  return missing > 0 ? 1 : 0;
}

// A checkpoint of this log seen elsewhere must describe the same history as
// `head`: the same root at the same size, else a consistency proof between
// the two. A log key that signed two histories is a split view.
int CompareCheckpoint(sdk::Api& client, const std::string& path, const std::string& pinned,
                      const std::vector<std::string>& witnesses, const v1::SignedTreeHead& head, std::ostream& out) {
  auto text = ReadFile(path);
  if (!text.ok()) return Fail(text.status());
  auto c = sdk::VerifyCheckpoint(*text, pinned, witnesses);
  if (!c.ok()) {
    if (c.status().code() == absl::StatusCode::kDataLoss) return Alert(absl::StrCat(path, ": ", c.status().message()));
    return Fail(c.status());
  }
  const merkle::Checkpoint& cp = c->checkpoint;
  const auto split = [&](absl::string_view how) {
    return Alert(absl::StrCat("SPLIT VIEW: the log key signed two histories: the checkpoint in ", path, " (size ",
                              cp.size, ", root ", ToHex(cp.root).substr(0, 16), "…, cosigned by ",
                              c->cosigned.empty() ? "no witness you named" : absl::StrJoin(c->cosigned, ", "),
                              ") and the tree head of size ", head.tree_size(), " (root ",
                              ToHex(head.root_hash()).substr(0, 16), "…) ", how));
  };
  if (cp.size == head.tree_size()) {
    if (cp.root != head.root_hash()) return split("have different roots at the same size");
  } else {
    const bool older = cp.size < head.tree_size();
    auto proof = older ? client.GetConsistencyProof(cp.size, head.tree_size())
                       : client.GetConsistencyProof(head.tree_size(), cp.size);
    if (!proof.ok() && proof.status().code() != absl::StatusCode::kInvalidArgument &&
        proof.status().code() != absl::StatusCode::kOutOfRange) {
      return Fail(proof.status());
    }
    std::vector<std::string> hashes;
    if (proof.ok()) hashes.assign(proof->hashes().begin(), proof->hashes().end());
    const bool consistent =
        proof.ok() && (older ? merkle::VerifyConsistency(cp.size, head.tree_size(), cp.root, head.root_hash(), hashes)
                             : merkle::VerifyConsistency(head.tree_size(), cp.size, head.root_hash(), cp.root, hashes));
    if (!consistent) return split("are not one history (no consistency proof between them)");
  }
  out << "checkpoint " << path << " (size " << cp.size << ") is consistent with this log\n";
  return 0;
}

int AuditVerify(sdk::Api* client, const AuditVerifyArgs& a, std::ostream& out) {
  std::string pinned;
  if (!a.log_key.empty()) {
    auto k = FromHex(a.log_key);
    if (!k.ok() || k->size() != 32) return Fail(absl::InvalidArgumentError("--log-key: want 64 hex digits"));
    pinned = *k;
  }
  auto describe = [](const sdk::LogVerifier::Counts& c) {
    return absl::StrCat(Count(c.present), " whole and ", Count(c.partial),
                        " in part, each matching its leaf; ", Count(c.withheld),
                        " outside the scope; ", Count(c.redacted),
                        " erased at the end of retention, each by a sweep within the rules",
                        c.unreadable > 0 ? absl::StrCat("; ", Count(c.unreadable), " UNREADABLE") : "");
  };
  if (!a.export_file.empty()) {
    auto report = sdk::VerifyExportFile(a.export_file, pinned);
    if (!report.ok()) {
      if (report.status().code() == absl::StatusCode::kDataLoss) return Alert(std::string(report.status().message()));
      return Fail(report.status());
    }
    out << "export " << a.export_file << " verified: " << Count(report->records)
        << " records recompute the signed root of the tree head of size "
        << report->header.head().tree_size() << " (signed "
        << Rfc3339(absl::FromUnixMillis(report->header.head().timestamp_millis())) << "); "
        << describe(report->counts) << "; every page attested for scope '" << report->header.scope()
        << "' (exported by " << report->header.exported_by() << ")\n";
    if (report->key_from_file) {
      out << "note: the signature was checked with the key in the file itself ("
          << ToHex(report->header.public_key()) << "); pass --log-key with the key the RIEC publishes\n";
    }
    return 0;
  }

  auto info = client->GetLogInfo();
  if (!info.ok()) return Fail(info.status());
  const std::string state = a.state.empty() ? sdk::DefaultTrustedHeadPath(info->log_id()) : a.state;
  auto trusted = sdk::LoadTrustedHead(state);
  if (!trusted.ok()) return Fail(trusted.status());
  if (pinned.empty() && trusted->has_value()) pinned = (*trusted)->public_key();
  bool first_use = false;
  if (pinned.empty()) {
    pinned = info->public_key();
    first_use = true;
  }
  if (pinned != info->public_key()) {
    return Alert(absl::StrCat("the broker signs with log key ", ToHex(info->public_key()),
                              " but you trust ", ToHex(pinned), ": a different log"));
  }
  // Witnesses: those the auditor pins (--witness), else those the
  // convenant's policy names as the broker reports them. With witnesses,
  // only a head a quorum of them cosigned is accepted (docs/witness.md).
  std::vector<std::string> witnesses = a.witnesses;
  size_t quorum = a.quorum;
  const bool witnesses_from_broker = witnesses.empty() && info->witnesses_size() > 0;
  if (witnesses_from_broker) {
    witnesses.assign(info->witnesses().begin(), info->witnesses().end());
    if (quorum == 0) quorum = info->witness_quorum();
  }
  if (witnesses.empty() && a.quorum > 0) {
    return Fail(absl::InvalidArgumentError("--quorum: name the witnesses with --witness"));
  }
  if (!witnesses.empty() && quorum == 0) quorum = witnesses.size();
  if (quorum > witnesses.size()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--quorum: ", quorum, " of ", witnesses.size(), " witnesses cannot be met")));
  }
  // The witnesses a head was trusted with before are required from then on:
  // a host that stops reporting them (or an officer's typo) must not
  // quietly lower the bar.
  if (trusted->has_value()) {
    const v1::TrustedTreeHead& t = **trusted;
    std::vector<std::string> dropped;
    for (const auto& w : t.witnesses()) {
      if (std::find(witnesses.begin(), witnesses.end(), w) == witnesses.end()) dropped.push_back(w);
    }
    if (!dropped.empty() || quorum < t.witness_quorum()) {
      return Alert(absl::StrCat(
          "WITNESS DOWNGRADE: the head you trust was verified with ", t.witnesses_size(), " witnesses, quorum ",
          t.witness_quorum(), "; this run would require ", witnesses.size(), ", quorum ", quorum,
          dropped.empty() ? "" : absl::StrCat(" (dropped: ", absl::StrJoin(dropped, ", "), ")"),
          witnesses_from_broker || witnesses.empty() ? "; the broker reports these" : "",
          ". Pin them with --witness and --quorum, or start a new state file (--state) if the convenant "
          "really changed its witnesses"));
    }
  }
  absl::StatusOr<v1::SignedTreeHead> head;
  sdk::WitnessedCheckpoint witnessed;
  std::string unwitnessed_tail;
  if (witnesses.empty()) {
    head = client->GetLatestTreeHead(true);
    if (!head.ok()) return Fail(head.status());
  } else {
    // The newest head the broker has: if it lacks the quorum, say whose
    // cosignature is missing; verify no further than the newest witnessed.
    auto latest = client->GetLatestTreeHead(false);
    if (!latest.ok()) return Fail(latest.status());
    auto on_latest = sdk::CheckWitnesses(*latest, pinned, witnesses, quorum);
    if (on_latest.ok()) {
      head = *std::move(latest);
      witnessed = *std::move(on_latest);
    } else {
      if (on_latest.status().code() != absl::StatusCode::kDataLoss) return Fail(on_latest.status());
      if (!absl::StartsWith(on_latest.status().message(), "UNWITNESSED")) {
        return Alert(std::string(on_latest.status().message()));
      }
      head = client->GetCosignedTreeHead();
      if (!head.ok()) {
        if (head.status().code() != absl::StatusCode::kFailedPrecondition) return Fail(head.status());
        return Alert(absl::StrCat(on_latest.status().message(),
                                  "; no head of this log has the quorum yet, so nothing is verified"));
      }
      auto on_cosigned = sdk::CheckWitnesses(*head, pinned, witnesses, quorum);
      if (!on_cosigned.ok()) {
        if (on_cosigned.status().code() == absl::StatusCode::kDataLoss) {
          return Alert(std::string(on_cosigned.status().message()));
        }
        return Fail(on_cosigned.status());
      }
      witnessed = *std::move(on_cosigned);
      if (latest->tree_size() > head->tree_size()) {
        unwitnessed_tail = absl::StrCat("  NOT VERIFIED: records ", head->tree_size(), "..",
                                        latest->tree_size() - 1, " (", on_latest.status().message(), ")\n");
      }
    }
  }
  std::optional<v1::SignedTreeHead> old;
  if (trusted->has_value()) old = (*trusted)->head();
  // The newest witnessed head can be older than the head trusted before (a
  // run without witnesses, or a witness fell behind): then it must be a
  // prefix of that head, which stays the trusted one.
  std::optional<v1::SignedTreeHead> keep;
  if (old && !witnesses.empty() && head->tree_size() < old->tree_size()) {
    auto proof = client->GetConsistencyProof(head->tree_size(), old->tree_size());
    if (!proof.ok()) return Fail(proof.status());
    std::vector<std::string> hashes(proof->hashes().begin(), proof->hashes().end());
    if (!merkle::VerifyConsistency(head->tree_size(), old->tree_size(), head->root_hash(), old->root_hash(),
                                   hashes)) {
      return Alert(absl::StrCat("REWRITTEN HISTORY: the witnessed log of ", head->tree_size(),
                                " records is not a prefix of the ", old->tree_size(), " records you trusted on ",
                                Rfc3339(absl::FromUnixMillis(old->timestamp_millis()))));
    }
    keep = old;
    old.reset();
  }
  sdk::LogVerifier verifier(pinned, old);
  std::vector<std::string> consistency;
  if (old && head->tree_size() > old->tree_size()) {
    auto proof = client->GetConsistencyProof(old->tree_size(), head->tree_size());
    if (!proof.ok()) return Fail(proof.status());
    consistency.assign(proof->hashes().begin(), proof->hashes().end());
  }
  if (!witnesses.empty()) {
    if (absl::Status s = verifier.RequireWitnesses(witnesses, quorum); !s.ok()) return Fail(s);
  }
  if (absl::Status s = verifier.Advance(*head, consistency); !s.ok()) return Alert(std::string(s.message()));
  if (!a.checkpoint.empty()) {
    if (int rc = CompareCheckpoint(*client, a.checkpoint, pinned, witnesses, *head, out); rc != 0) return rc;
  }
  const std::string consistency_text =
      keep ? absl::StrCat("a prefix of the tree head of size ", keep->tree_size(), " you trusted since ",
                          Rfc3339(absl::FromUnixMillis(keep->timestamp_millis())), " (which stays trusted)")
      : old ? absl::StrCat("consistent with the tree head of size ", old->tree_size(), " you trusted since ",
                         Rfc3339(absl::FromUnixMillis(old->timestamp_millis())))
          : "first use: no earlier tree head to compare with";

  // What this run reads: every record (--full), or the newest ones and a
  // random block; each entry against its leaf, each page's attestation, and
  // the leaves against the signed head.
  const uint64_t size = head->tree_size();
  uint64_t checked = 0;
  auto check_block = [&](uint64_t start, uint64_t count, merkle::CompactRange* range) -> int {
    while (count > 0) {
      auto page = client->GetRecords(start, static_cast<uint32_t>(count));
      if (!page.ok()) {
        if (page.status().code() == absl::StatusCode::kDataLoss) {
          return Alert(absl::StrCat("the broker cannot produce records ", start, "..", start + count - 1,
                                    ": ", page.status().message()));
        }
        return Fail(page.status());
      }
      if (page->entries_size() == 0) return Fail(absl::InternalError("the broker returned an empty page"));
      for (const auto& e : page->entries()) {
        if (absl::Status s = verifier.CheckEntry(e); !s.ok()) return Alert(std::string(s.message()));
        if (range != nullptr) {
          std::vector<merkle::CompactRange::Node> ignored;
          range->Append(e.leaf_hash(), &ignored);
        } else {
          auto proof = client->GetInclusionProof(e.index(), size);
          if (!proof.ok()) return Fail(proof.status());
          std::vector<std::string> hashes(proof->hashes().begin(), proof->hashes().end());
          if (!merkle::VerifyInclusion(e.index(), size, e.leaf_hash(), hashes, head->root_hash())) {
            return Alert(absl::StrCat("record ", e.index(), " is not in the signed tree of size ", size));
          }
        }
        ++checked;
      }
      if (absl::Status s = verifier.CheckAttestation(page->attestation(), page->entries(), ""); !s.ok()) {
        return Alert(std::string(s.message()));
      }
      start += page->entries_size();
      count -= page->entries_size();
    }
    return 0;
  };
  if (a.full) {
    merkle::CompactRange range;
    ProgressBar bar("verifying", ::isatty(2) == 1);
    for (uint64_t start = 0; start < size; start += 1000) {
      if (int rc = check_block(start, std::min<uint64_t>(1000, size - start), &range); rc != 0) return rc;
      bar.Update(std::min<uint64_t>(size, start + 1000), size);
    }
    bar.Finish();
    if (range.Root() != head->root_hash()) {
      return Alert("the root recomputed from every leaf differs from the signed root");
    }
  } else if (size > 0) {
    const uint64_t n = std::min<uint64_t>(a.sample, size);
    if (int rc = check_block(size - n, n, nullptr); rc != 0) return rc;
    if (size > 2 * n) {
      std::mt19937_64 rng(std::random_device{}());
      const uint64_t start = std::uniform_int_distribution<uint64_t>(0, size - 2 * n)(rng);
      if (int rc = check_block(start, n, nullptr); rc != 0) return rc;
    }
  }
  if (absl::Status s = verifier.CheckErasures(head->timestamp_millis(), a.full); !s.ok()) {
    return Alert(std::string(s.message()));
  }

  v1::TrustedTreeHead next;
  next.set_public_key(pinned);
  *next.mutable_head() = keep ? *keep : *head;
  next.set_verified_millis(absl::ToUnixMillis(absl::Now()));
  for (const auto& w : witnesses) next.add_witnesses(w);
  next.set_witness_quorum(static_cast<uint32_t>(quorum));
  if (absl::Status s = sdk::SaveTrustedHead(state, next); !s.ok()) return Fail(s);
  out << "log " << ToHex(info->log_id()).substr(0, 16) << " verified: " << Count(size)
      << " records, tree head signed " << Rfc3339(absl::FromUnixMillis(head->timestamp_millis())) << "\n  "
      << consistency_text << "\n  " << (a.full ? "every leaf read and the root recomputed; " : "")
      << Count(checked) << " records read and checked against their leaves and the tree: "
      << describe(verifier.counts()) << "\n"
      << "  trusted tree head saved in " << state << "\n";
  if (!witnesses.empty()) {
    out << "  witnessed: cosigned by " << absl::StrJoin(witnessed.cosigned, ", ") << " (" << quorum << " of "
        << witnesses.size() << " required"
        << (witnessed.missing.empty() ? "" : absl::StrCat("; missing: ", absl::StrJoin(witnessed.missing, ", ")))
        << ")" << (witnesses_from_broker ? "; witness keys as the broker's policy names them (pin with --witness)" : "")
        << "\n";
  }
  out << unwitnessed_tail;
  if (witnesses.empty()) out << "  no witnesses: this head is trusted on the log key alone (docs/witness.md)\n";
  if (first_use) {
    out << "first use: trusting log key " << ToHex(pinned)
        << "; compare it with the key the RIEC publishes (or pass --log-key)\n";
  }
  return 0;
}

void AddFilter(CLI::App* cmd, AuditFilterArgs& f) {
  cmd->add_option("--from", f.from, "records at or after this date (YYYY-MM-DD) or time (RFC 3339)");
  cmd->add_option("--to", f.to, "records before this time, or through this date");
  cmd->add_option("--partner", f.partner, "records in which this partner is actor, holder or recipient");
  cmd->add_option("--purpose", f.purpose, "records of this purpose");
  cmd->add_option("--signal", f.signal, "records of this signal");
  cmd->add_option("--case", f.case_id, "records of this case (decision, unlock, content, outcome)");
  cmd->add_option("--kind", f.kinds, "record kinds (repeatable), e.g. stage1-answered, request-denied");
  cmd->add_option("--subject", f.subject, "records about this subject, kind:value (pseudonymised first)");
  cmd->add_option("--pseudonym", f.pseudonym_hex, "records about this pseudonym (hex)");
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, Dispatch& d) {
  auto* audit = app.add_subcommand("audit", "audit the disclosure log (privacy officers)");
  audit->require_subcommand(1);
  auto list = std::make_shared<AuditListArgs>();
  auto* alist = audit->add_subcommand("list", "records matching the filters, oldest first");
  AddFilter(alist, list->filter);
  alist->add_option("--limit", list->limit, "at most this many records (default 100)");
  alist->add_option("--format", list->format, "table (default), csv or json");
  alist->add_flag("--verify", list->verify, "check each record's inclusion in the signed tree head");
  d.Online(alist, [list](sdk::Api& c) { return AuditList(c, *list, std::cout); });

  auto subject = std::make_shared<AuditSubjectArgs>();
  auto* asubject = audit->add_subcommand(
      "subject", "every disclosure concerning a person, company, address or vehicle (access requests)");
  asubject->add_option("--kind", subject->kind, "subject kind")->required();
  asubject->add_option("value", subject->value, "the identifier")->required();
  asubject->add_option("--format", subject->format, "table (default) or json");
  d.Online(asubject, [subject](sdk::Api& c) {
    return AuditSubject(c, subject->kind, subject->value, subject->format, std::cout);
  });

  auto stats = std::make_shared<AuditStatsArgs>();
  auto* astats = audit->add_subcommand("stats", "disclosures per partner, purpose and week; refusals; hit rate");
  AddFilter(astats, stats->filter);
  astats->add_flag("--json", stats->json, "print JSON");
  d.Online(astats, [stats](sdk::Api& c) { return AuditStats(c, stats->filter, stats->json, std::cout); });

  auto riec_stats = std::make_shared<RiecStatsArgs>();
  auto* rstats = app.add_subcommand(
      "stats", "the RIEC's statistics per ended month (coordinators, privacy officers): signals per purpose and "
               "theme, hit rates, cases, stage-2 exchanges, refusals, outcomes; small counts suppressed");
  rstats->add_option("--from", riec_stats->from, "first month, YYYY-MM")->required();
  rstats->add_option("--to", riec_stats->to, "last month, YYYY-MM (default: --from)");
  rstats->add_option("--purpose", riec_stats->purpose, "only this purpose");
  rstats->add_option("--format", riec_stats->format, "table (default), csv or json");
  d.Online(rstats, [riec_stats](sdk::Api& c) { return RiecStats(c, *riec_stats, std::cout); });

  struct ExportArgs {
    std::string file, format = "riec", policy;
  };
  auto ex = std::make_shared<ExportArgs>();
  auto* aexport = audit->add_subcommand(
      "export", "write the log (in your scope) to a file an auditor verifies offline, or as Logboek "
                "Dataverwerkingen records (--format ldv)");
  aexport->add_option("--out", ex->file, "export file (JSON lines)")->required();
  aexport->add_option("--format", ex->format,
                      "riec: the verifiable export (default); ldv: Logboek Dataverwerkingen 1.0 records (docs/ldv.md)")
      ->check(CLI::IsMember({"riec", "ldv"}));
  aexport->add_option("--policy", ex->policy,
                      "with --format ldv: the convenant file, for each purpose's processing_activities");
  d.Online(aexport, [ex, &d](sdk::Api& c) {
    if (ex->format == "ldv") return AuditExportLdv(c, ex->file, ex->policy, std::cout);
    if (!ex->policy.empty()) return Fail(absl::InvalidArgumentError("--policy is for --format ldv only"));
    return AuditExport(c, ex->file, d.connection.cert_file, std::cout);
  });

  auto verify = std::make_shared<AuditVerifyArgs>();
  auto* averify = audit->add_subcommand(
      "verify", "check the log: signature, consistency with the head you trusted, inclusion of what it reads");
  averify->add_option("--state", verify->state, "file with the tree head this client trusts (default per log)");
  averify->add_option("--log-key", verify->log_key, "the log's public key (hex) as the RIEC publishes it");
  averify->add_option("--export", verify->export_file, "verify an export file offline instead");
  averify->add_option("--witness", verify->witnesses,
                      "a witness's verifier key (repeatable; default: the witnesses the convenant's policy names)");
  averify->add_option("--quorum", verify->quorum, "cosignatures required (default: the policy's, else all --witness)");
  averify->add_option("--checkpoint", verify->checkpoint,
                      "a checkpoint of this log shown elsewhere (another officer, a witness): must be consistent");
  averify->add_flag("--full", verify->full, "read every leaf and recompute the root");
  averify->add_option("--sample", verify->sample, "records to check for inclusion (default 64, newest and a random block)");
  // Online, or offline with --export: chosen once the flags are parsed.
  averify->callback([verify, &d] {
    if (!verify->export_file.empty()) {
      d.offline = [verify] { return AuditVerify(nullptr, *verify, std::cout); };
    } else {
      d.online = [verify](sdk::Api& c) { return AuditVerify(&c, *verify, std::cout); };
    }
  });
}

}  // namespace riec::cli
