// riec: the command-line client of the RIEC broker for partner systems,
// chairs, coordinators and privacy officers. Run `riec --help`.
#include <iostream>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "cli/stage2_flags.h"

namespace {

void AddConnectionFlags(CLI::App& app, riec::cli::ConnectionFlags& f) {
  const char* group = "Connection (flags override the client config)";
  app.add_option("--config", f.config,
                 "client config file (default $RIEC_CONFIG, else ~/.config/riec/client.yaml)")
      ->group(group);
  app.add_option("--broker", f.broker, "broker address, host:port")->group(group);
  app.add_option("--pseudonymiser", f.pseudonymiser,
                 "Pseudonymiser address if it runs apart from the broker")->group(group);
  app.add_option("--ca", f.ca, "convenant CA certificate (PEM)")->group(group);
  app.add_option("--cert", f.cert, "your client certificate (PEM)")->group(group);
  app.add_option("--key", f.key, "your private key (PEM)")->group(group);
  app.add_option("--server-name", f.server_name, "name expected in the broker's certificate")
      ->group(group);
  app.add_option("--on-behalf-of", f.on_behalf_of,
                 "the official you act for; recorded in the disclosure log")->group(group);
  app.add_option("--timeout", f.timeout_seconds, "seconds per call (default 120)")->group(group);
}

void AddSubjectInput(CLI::App* cmd, riec::cli::SubjectsInput& in, const char* what) {
  cmd->add_option("--subject", in.subjects,
                  std::string(what) + ", as kind:value (repeatable), e.g. person-bsn:111222333");
  cmd->add_option("--csv", in.csv, "read subjects from a CSV file (with --kind; see docs/csv.md)");
  cmd->add_option("--kind", in.kind, "subject kind of the CSV file");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "riec — client of the RIEC information-sharing broker.\n\n"
      "Identifiers are normalised and pseudonymised on this machine (OPRF); the broker\n"
      "only ever sees pseudonyms. Every answer and every refusal is recorded in the\n"
      "broker's disclosure log. Exit status: 0 success, 1 failure, 2 wrong usage."};
  app.require_subcommand(1);
  app.fallthrough();
  riec::cli::ConnectionFlags conn;
  AddConnectionFlags(app, conn);
  std::function<int(riec::sdk::Client&)> online;
  std::function<int()> offline;
  riec::sdk::ConnectionOptions resolved;  // filled before `online` runs

  // riec index ...
  auto* index = app.add_subcommand("index", "publish, withdraw and count your index entries");
  index->require_subcommand(1);
  riec::cli::PublishArgs publish;
  auto* pub = index->add_subcommand("publish", "publish the subjects of a CSV export");
  pub->add_option("--kind", publish.kind, "subject kind of the file's rows")->required();
  pub->add_option("--csv", publish.csv, "CSV file (header line; ',' or ';')")->required()->check(CLI::ExistingFile);
  pub->add_option("--category", publish.category, "category of every entry, unless a 'category' column says otherwise");
  pub->add_option("--valid-until", publish.valid_until,
                  "entries stop matching after this date (YYYY-MM-DD, inclusive) unless a 'valid_until' column says otherwise");
  pub->add_option("--silent", publish.silent_reason,
                  "silent entries, and why: running-investigation, person-protection or "
                  "source-protection. Never disclosed in an answer; you and the RIEC's privacy "
                  "officers are told of matches instead. Only partners the purpose names may.");
  pub->add_option("--batch", publish.batch, "entries per batch (default 5000, at most 10000)")->check(CLI::Range(1, 10000));
  pub->callback([&] { online = [&](auto& c) { return riec::cli::IndexPublish(c, publish, std::cout); }; });

  riec::cli::WithdrawArgs withdraw;
  auto* wd = index->add_subcommand("withdraw", "withdraw your entries on subjects");
  AddSubjectInput(wd, withdraw.input, "subject to withdraw");
  wd->add_option("--category", withdraw.category, "withdraw only entries of this category");
  wd->callback([&] { online = [&](auto& c) { return riec::cli::IndexWithdraw(c, withdraw, std::cout); }; });

  bool stats_json = false;
  auto* stats = index->add_subcommand("stats", "count your own entries");
  stats->add_flag("--json", stats_json, "print JSON");
  stats->callback([&] { online = [&](auto& c) { return riec::cli::IndexStats(c, stats_json, std::cout); }; });

  // riec signal ...
  auto* signal = app.add_subcommand("signal", "register, list, show and close signals");
  signal->require_subcommand(1);
  riec::cli::RegisterArgs reg;
  auto* sreg = signal->add_subcommand("register", "register a signal about one or more subjects");
  sreg->add_option("--purpose", reg.purpose, "purpose of the convenant")->required();
  sreg->add_option("--theme", reg.theme, "theme of the purpose");
  sreg->add_option("--reference", reg.reference, "your own reference (no personal data)");
  sreg->add_flag("--quiet,-q", reg.quiet, "print only the signal id");
  AddSubjectInput(sreg, reg.input, "subject of the signal");
  sreg->callback([&] { online = [&](auto& c) { return riec::cli::SignalRegister(c, reg, std::cout); }; });

  std::string list_state;
  bool list_json = false;
  auto* slist = signal->add_subcommand("list", "list your signals (coordinators and chairs: all)");
  slist->add_option("--state", list_state, "open, closed, expired or all (default all)");
  slist->add_flag("--json", list_json, "print JSON");
  slist->callback([&] { online = [&](auto& c) { return riec::cli::SignalList(c, list_state, list_json, std::cout); }; });

  std::string show_id;
  bool show_json = false;
  auto* sshow = signal->add_subcommand("show", "show one signal");
  sshow->add_option("signal", show_id, "signal id (S-...)")->required();
  sshow->add_flag("--json", show_json, "print JSON");
  sshow->callback([&] { online = [&](auto& c) { return riec::cli::SignalShow(c, show_id, show_json, std::cout); }; });

  std::string close_id;
  auto* sclose = signal->add_subcommand("close", "close a signal: no further questions in it");
  sclose->add_option("signal", close_id, "signal id (S-...)")->required();
  sclose->callback([&] { online = [&](auto& c) { return riec::cli::SignalClose(c, close_id, std::cout); }; });

  // riec query
  riec::cli::QueryArgs query;
  auto* q = app.add_subcommand("query", "stage 1: who holds something on the subjects of a signal");
  q->add_option("--signal", query.signal, "an open signal (S-...)")->required();
  AddSubjectInput(q, query.input, "subject to ask about (default: every subject of the signal)");
  q->add_flag("--json", query.json, "print JSON instead of a table");
  q->callback([&] { online = [&](auto& c) { return riec::cli::Query(c, query, std::cout); }; });

  // riec pseudonym
  std::string p_kind, p_value;
  bool p_quiet = false, p_json = false;
  auto* pseud = app.add_subcommand("pseudonym", "the pseudonym of one identifier, through the Pseudonymiser");
  pseud->add_option("--kind", p_kind, "subject kind")->required();
  pseud->add_option("value", p_value, "the identifier (single-string notation, docs/pseudonyms.md)")->required();
  pseud->add_flag("--quiet,-q", p_quiet, "print only the pseudonym (hex)");
  pseud->add_flag("--json", p_json, "print JSON");
  pseud->callback([&] {
    online = [&](auto& c) { return riec::cli::Pseudonym(c, p_kind, p_value, p_quiet, p_json, std::cout); };
  });

  riec::cli::EventsArgs events;
  auto* ev = app.add_subcommand("events", "what concerns you: list what you missed, or --follow");
  ev->add_option("--after", events.after, "only events after this sequence number (default 0: all kept)");
  ev->add_flag("--follow,-f", events.follow, "keep the stream open and print new events as they come");
  ev->add_option("--count", events.count, "with --follow: stop after this many events");
  ev->add_flag("--json", events.json, "one JSON object per line");
  ev->callback([&] { online = [&](auto& c) { return riec::cli::EventsCommand(c, events, std::cout); }; });

  riec::cli::Stage2Flags stage2;
  stage2.Add(app, &online, &offline);

  auto* retention = app.add_subcommand("retention", "retention of what the broker holds (operator)");
  retention->require_subcommand(1);
  auto* sweep = retention->add_subcommand("sweep", "erase now what the policy's retention periods say has expired");
  sweep->callback([&] { online = [&](auto& c) { return riec::cli::RetentionSweep(c, std::cout); }; });

  // riec audit ... (privacy officers)
  auto* audit = app.add_subcommand("audit", "audit the disclosure log (privacy officers)");
  audit->require_subcommand(1);
  auto add_filter = [](CLI::App* cmd, riec::cli::AuditFilterArgs& f) {
    cmd->add_option("--from", f.from, "records at or after this date (YYYY-MM-DD) or time (RFC 3339)");
    cmd->add_option("--to", f.to, "records before this time, or through this date");
    cmd->add_option("--partner", f.partner, "records in which this partner is actor, holder or recipient");
    cmd->add_option("--purpose", f.purpose, "records of this purpose");
    cmd->add_option("--signal", f.signal, "records of this signal");
    cmd->add_option("--case", f.case_id, "records of this case (decision, unlock, content, outcome)");
    cmd->add_option("--kind", f.kinds, "record kinds (repeatable), e.g. stage1-answered, request-denied");
    cmd->add_option("--subject", f.subject, "records about this subject, kind:value (pseudonymised first)");
    cmd->add_option("--pseudonym", f.pseudonym_hex, "records about this pseudonym (hex)");
  };
  riec::cli::AuditListArgs audit_list;
  auto* alist = audit->add_subcommand("list", "records matching the filters, oldest first");
  add_filter(alist, audit_list.filter);
  alist->add_option("--limit", audit_list.limit, "at most this many records (default 100)");
  alist->add_option("--format", audit_list.format, "table (default), csv or json");
  alist->add_flag("--verify", audit_list.verify, "check each record's inclusion in the signed tree head");
  alist->callback([&] { online = [&](auto& c) { return riec::cli::AuditList(c, audit_list, std::cout); }; });

  std::string as_kind, as_value, as_format = "table";
  auto* asubject = audit->add_subcommand(
      "subject", "every disclosure concerning a person, company, address or vehicle (access requests)");
  asubject->add_option("--kind", as_kind, "subject kind")->required();
  asubject->add_option("value", as_value, "the identifier")->required();
  asubject->add_option("--format", as_format, "table (default) or json");
  asubject->callback([&] {
    online = [&](auto& c) { return riec::cli::AuditSubject(c, as_kind, as_value, as_format, std::cout); };
  });

  riec::cli::AuditFilterArgs stats_filter;
  bool astats_json = false;
  auto* astats = audit->add_subcommand("stats", "disclosures per partner, purpose and week; refusals; hit rate");
  add_filter(astats, stats_filter);
  astats->add_flag("--json", astats_json, "print JSON");
  astats->callback([&] {
    online = [&](auto& c) { return riec::cli::AuditStats(c, stats_filter, astats_json, std::cout); };
  });

  std::string export_file;
  auto* aexport = audit->add_subcommand("export", "write the log (in your scope) to a file an auditor verifies offline");
  aexport->add_option("--out", export_file, "export file (JSON lines)")->required();
  aexport->callback([&] {
    online = [&](auto& c) { return riec::cli::AuditExport(c, export_file, resolved.cert_file, std::cout); };
  });

  riec::cli::AuditVerifyArgs verify;
  auto* averify = audit->add_subcommand(
      "verify", "check the log: signature, consistency with the head you trusted, inclusion of what it reads");
  averify->add_option("--state", verify.state, "file with the tree head this client trusts (default per log)");
  averify->add_option("--log-key", verify.log_key, "the log's public key (hex) as the RIEC publishes it");
  averify->add_option("--export", verify.export_file, "verify an export file offline instead");
  averify->add_flag("--full", verify.full, "read every leaf and recompute the root");
  averify->add_option("--sample", verify.sample, "records to check for inclusion (default 64, newest and a random block)");
  averify->callback([&] {
    if (!verify.export_file.empty()) {
      offline = [&] { return riec::cli::AuditVerify(nullptr, verify, std::cout); };
    } else {
      online = [&](auto& c) { return riec::cli::AuditVerify(&c, verify, std::cout); };
    }
  });

  auto* health = app.add_subcommand("health", "ask the broker's health service");
  health->callback([&] { online = [&](auto& c) { return riec::cli::Health(c, std::cout); }; });

  // riec oprf vector (offline)
  auto* oprf = app.add_subcommand("oprf", "OPRF tools for implementers of other clients");
  oprf->require_subcommand(1);
  riec::cli::VectorArgs vec;
  auto* vector = oprf->add_subcommand(
      "vector", "derive a key (RFC 9497 DeriveKeyPair) and print Blind/Evaluate/Finalize values");
  vector->add_option("--seed-hex", vec.seed_hex, "32-byte seed")->required();
  vector->add_option("--info-hex", vec.info_hex, "key info")->required();
  vector->add_option("--input-hex", vec.input_hex, "OPRF input")->required();
  vector->add_option("--blind-hex", vec.blind_hex, "blind scalar (32 bytes, little-endian)")->required();
  vector->add_flag("--json", vec.json, "print JSON");
  vector->callback([&] { offline = [&] { return riec::cli::OprfVector(vec, std::cout); }; });

  // riec policy ... (offline)
  auto* pol = app.add_subcommand("policy", "check and question convenant policy files; the version in force");
  pol->require_subcommand(1);
  std::string policy_file;
  auto* check = pol->add_subcommand("check", "validate a policy file; list its purposes");
  check->add_option("file", policy_file, "policy file (YAML)")->required();
  check->callback([&] { offline = [&] { return riec::cli::PolicyCheck(policy_file, std::cout); }; });
  auto* ids = pol->add_subcommand("identities", "print 'convenant partner role' for every certificate the policy allows");
  ids->add_option("file", policy_file, "policy file (YAML)")->required();
  ids->callback([&] { offline = [&] { return riec::cli::PolicyIdentities(policy_file, std::cout); }; });

  auto* show = pol->add_subcommand("show", "the policy version in force at the broker");
  show->callback([&] { online = [&](auto& c) { return riec::cli::PolicyShow(c, std::cout); }; });
  auto* reload = pol->add_subcommand("reload", "make the broker re-read its policy file (operator)");
  reload->callback([&] { online = [&](auto& c) { return riec::cli::PolicyReload(c, std::cout); }; });

  riec::cli::ExplainArgs explain;
  auto* exp = pol->add_subcommand(
      "explain", "the decision the broker would take, with the rule, the reason and the legal basis");
  exp->add_option("file", explain.file, "policy file (YAML)")->required();
  exp->add_option("--as", explain.as, "partner/role, e.g. politie/partner-system")->required();
  exp->add_option("--action", explain.action,
                  "pseudonymise, publish, withdraw, read-own-index, register-signal, read-signal, "
                  "close-signal, ask, read-events, operate, verify-log, audit, request-assessments, "
                  "assess, propose-case, unlock-case, confirm-case, change-case, read-case, "
                  "register-key, request-content, provide-content, fetch-content, connect")->required();
  exp->add_option("--purpose", explain.purpose, "purpose of the convenant");
  exp->add_option("--subject-kind", explain.subject_kind, "subject kind concerned");
  exp->add_option("--theme", explain.theme, "theme of the signal (register-signal)");
  exp->add_option("--subjects", explain.subjects, "number of subjects of the signal (register-signal)");
  exp->add_option("--signal-owner", explain.signal_owner, "owner of the signal (default: the caller's partner)");
  exp->add_option("--at", explain.at, "the date to decide at, YYYY-MM-DD (default today)");
  exp->callback([&] { offline = [&] { return riec::cli::PolicyExplain(explain, std::cout); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (offline) return offline();
  auto options = riec::cli::ResolveConnection(conn);
  if (!options.ok()) return riec::cli::Fail(options.status());
  resolved = *options;
  auto client = riec::sdk::Client::Connect(resolved);
  if (!client.ok()) return riec::cli::Fail(client.status());
  return online(**client);
}
