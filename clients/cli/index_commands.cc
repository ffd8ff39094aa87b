// riec index: publish, withdraw and count the caller's index entries.
#include <unistd.h>

#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/command_group.h"
#include "cli/common.h"
#include "cli/csv.h"
#include "cli/output.h"
#include "cli/subjects_input.h"
#include "riec/common/subject_kind.h"
#include "riec/common/time_util.h"

namespace riec::cli {
namespace {

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

struct PublishArgs {
  std::string kind, csv, category, valid_until;
  size_t batch = 5000;
  // Silent entries (never disclosed; the partner is told of matches), and
  // why: "running-investigation", "person-protection", "source-protection".
  std::string silent_reason;
};

struct WithdrawArgs {
  SubjectsInput input;
  std::string category;
};

int IndexPublish(sdk::Api& client, const PublishArgs& args, std::ostream& out) {
  auto kind = ParseKind(args.kind);
  if (!kind.ok()) return Fail(kind.status());
  v1::SilentReason silent_reason = v1::SILENT_REASON_UNSPECIFIED;
  if (!args.silent_reason.empty()) {
    static const std::map<std::string, v1::SilentReason> kReasons = {
        {"running-investigation", v1::SILENT_RUNNING_INVESTIGATION},
        {"person-protection", v1::SILENT_PERSON_PROTECTION},
        {"source-protection", v1::SILENT_SOURCE_PROTECTION}};
    auto it = kReasons.find(args.silent_reason);
    if (it == kReasons.end()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--silent '", args.silent_reason,
          "': want running-investigation, person-protection or source-protection")));
    }
    silent_reason = it->second;
  }
  std::optional<absl::Time> default_until;
  if (!args.valid_until.empty()) {
    auto t = ParseValidUntil(args.valid_until);
    if (!t.ok()) return Fail(t.status());
    default_until = *t;
  }
  auto table = ReadCsv(args.csv);
  if (!table.ok()) return Fail(table.status());
  auto rows = RowsForKind(*table, *kind, absl::Now());
  if (!rows.ok()) {
    return Fail(absl::Status(rows.status().code(), absl::StrCat(args.csv, ":", rows.status().message())));
  }

  // Rows that cannot be published are reported; the good ones still go.
  std::vector<std::string> errors;
  std::vector<const RowResult*> good;
  std::vector<std::optional<absl::Time>> until;
  const absl::Time now = absl::Now();
  for (const RowResult& r : *rows) {
    std::string error = r.error;
    std::optional<absl::Time> u = default_until;
    if (error.empty() && !r.valid_until.empty()) {
      auto t = ParseValidUntil(r.valid_until);
      if (t.ok()) {
        u = *t;
      } else {
        error = std::string(t.status().message());
      }
    }
    if (error.empty() && u && *u <= now) error = "valid_until is in the past";
    if (!error.empty()) {
      errors.push_back(absl::StrCat(args.csv, ":", r.line, ": ", error));
      continue;
    }
    good.push_back(&r);
    until.push_back(u);
  }

  uint64_t stored = 0, log_index = 0;
  if (!good.empty()) {
    std::vector<std::string> canonical;
    canonical.reserve(good.size());
    for (const RowResult* r : good) canonical.push_back(r->canonical);
    ProgressBar pseudonymising("pseudonymising", StderrIsTerminal());
    auto subjects = client.SubjectsFromCanonical(
        *kind, canonical, [&](size_t d, size_t t) { pseudonymising.Update(d, t); });
    pseudonymising.Finish();
    if (!subjects.ok()) return Fail(subjects.status());

    std::vector<v1::PublishRequest> batches;
    for (size_t i = 0; i < good.size(); ++i) {
      if (i % args.batch == 0) batches.emplace_back();
      v1::IndexEntry* e = batches.back().add_entries();
      *e->mutable_subject() = std::move((*subjects)[i]);
      e->set_category(good[i]->category.empty() ? args.category : good[i]->category);
      if (until[i]) *e->mutable_valid_until() = ToProtoTime(*until[i]);
      if (silent_reason != v1::SILENT_REASON_UNSPECIFIED) {
        e->set_silent(true);
        e->set_silent_reason(silent_reason);
      }
    }
    ProgressBar publishing("publishing    ", StderrIsTerminal());
    auto resp = client.PublishStream(batches, [&](size_t d, size_t) { publishing.Update(d, good.size()); });
    publishing.Finish();
    if (!resp.ok()) {
      for (const auto& e : errors) std::cerr << e << "\n";
      return Fail(resp.status());
    }
    stored = resp->stored();
    log_index = resp->log_index();
  }

  for (const auto& e : errors) std::cerr << e << "\n";
  out << "published " << Count(stored) << " " << args.kind << " entries from " << args.csv
      << ": " << Count(rows->size()) << " rows, " << Count(good.size()) << " good, "
      << Count(errors.size()) << " rejected";
  if (stored < good.size()) out << " (" << Count(good.size() - stored) << " duplicate rows merged)";
  if (!good.empty()) out << "; last log record " << log_index;
  out << "\n";
  return errors.empty() ? 0 : 1;
}

int IndexWithdraw(sdk::Api& client, const WithdrawArgs& args, std::ostream& out) {
  auto resolved = ResolveSubjects(client, args.input);
  if (!resolved.ok()) return Fail(resolved.status());
  if (resolved->subjects.empty()) {
    return Fail(absl::InvalidArgumentError("name subjects with --subject or --csv/--kind"));
  }
  uint64_t removed = 0, log_index = 0;
  for (size_t start = 0; start < resolved->subjects.size(); start += 10000) {
    v1::WithdrawRequest req;
    for (size_t i = start; i < std::min(start + 10000, resolved->subjects.size()); ++i) {
      auto* e = req.add_entries();
      *e->mutable_subject() = resolved->subjects[i];
      e->set_category(args.category);
    }
    auto r = client.Withdraw(req);
    if (!r.ok()) return Fail(r.status());
    removed += r->removed();
    log_index = r->log_index();
  }
  out << "withdrew " << Count(removed) << " entries for " << Count(resolved->subjects.size())
      << " subjects; log record " << log_index << "\n";
  return 0;
}

int IndexStats(sdk::Api& client, bool json, std::ostream& out) {
  auto s = client.GetIndexStatistics();
  if (!s.ok()) return Fail(s.status());
  if (json) return ExitCode(PrintJson(*s, out));
  out << "entries: " << Count(s->entries()) << " (" << Count(s->expired())
      << " expired, never matching)\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& k : s->by_kind()) rows.push_back({"kind", std::string(KindTag(k.kind())), Count(k.entries())});
  for (const auto& c : s->by_category()) {
    rows.push_back({"category", c.category().empty() ? "(none)" : c.category(), Count(c.entries())});
  }
  PrintTable(out, {"BY", "VALUE", "ENTRIES"}, rows);
  return 0;
}

}  // namespace

void RegisterIndexCommands(CLI::App& app, Dispatch& d) {
  auto* index = app.add_subcommand("index", "publish, withdraw and count your index entries");
  index->require_subcommand(1);

  auto publish = std::make_shared<PublishArgs>();
  auto* pub = index->add_subcommand("publish", "publish the subjects of a CSV export");
  pub->add_option("--kind", publish->kind, "subject kind of the file's rows")->required();
  pub->add_option("--csv", publish->csv, "CSV file (header line; ',' or ';')")->required()->check(CLI::ExistingFile);
  pub->add_option("--category", publish->category, "category of every entry, unless a 'category' column says otherwise");
  pub->add_option("--valid-until", publish->valid_until,
                  "entries stop matching after this date (YYYY-MM-DD, inclusive) unless a 'valid_until' column says otherwise");
  pub->add_option("--silent", publish->silent_reason,
                  "silent entries, and why: running-investigation, person-protection or "
                  "source-protection. Never disclosed in an answer; you and the RIEC's privacy "
                  "officers are told of matches instead. Only partners the purpose names may.");
  pub->add_option("--batch", publish->batch, "entries per batch (default 5000, at most 10000)")->check(CLI::Range(1, 10000));
  d.Online(pub, [publish](sdk::Api& c) { return IndexPublish(c, *publish, std::cout); });

  auto withdraw = std::make_shared<WithdrawArgs>();
  auto* wd = index->add_subcommand("withdraw", "withdraw your entries on subjects");
  AddSubjectInput(wd, withdraw->input, "subject to withdraw");
  wd->add_option("--category", withdraw->category, "withdraw only entries of this category");
  d.Online(wd, [withdraw](sdk::Api& c) { return IndexWithdraw(c, *withdraw, std::cout); });

  auto json = std::make_shared<bool>(false);
  auto* stats = index->add_subcommand("stats", "count your own entries");
  stats->add_flag("--json", *json, "print JSON");
  d.Online(stats, [json](sdk::Api& c) { return IndexStats(c, *json, std::cout); });
}

}  // namespace riec::cli
