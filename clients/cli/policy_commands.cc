// riec policy (check, identities, explain offline; show, reload at the
// broker), riec retention sweep and riec health.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/command_group.h"
#include "cli/common.h"
#include "cli/output.h"
#include "cli/subjects_input.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/subject_kind.h"
#include "riec/common/time_util.h"
#include "riec/policy/policy.h"

namespace riec::cli {
namespace {

struct ExplainArgs {
  std::string file;
  std::string as;  // partner/role
  std::string action, purpose, subject_kind, theme, signal_owner, at;
  int subjects = 1;
};

int Health(sdk::Api& client, std::ostream& out) {
  auto h = client.Healthy();
  if (!h.ok()) return Fail(h.status());
  out << (*h ? "SERVING" : "NOT_SERVING") << "\n";
  return *h ? 0 : 1;
}

int PolicyCheck(const std::string& file, std::ostream& out) {
  std::vector<policy::ValidationError> errors;
  auto text = ReadFile(file);
  if (!text.ok()) return Fail(text.status());
  auto p = policy::Policy::Parse(*text, file, &errors);
  if (!p.ok()) {
    for (const auto& e : errors) std::cerr << e.Format(file) << "\n";
    std::cerr << "riec: " << file << " is not a valid policy (" << errors.size()
              << (errors.size() == 1 ? " problem)" : " problems)") << "\n";
    return 1;
  }
  const auto& pol = **p;
  out << file << ": valid. Convenant " << pol.Describe();
  if (!pol.title().empty()) out << " (" << pol.title() << ")";
  out << "\n  policy sha256 " << pol.sha256_hex() << "\n  " << pol.partners().size()
      << " partners, " << pol.purposes().size()
      << (pol.purposes().size() == 1 ? " purpose:\n" : " purposes:\n");
  for (const auto& purpose : pol.purposes()) {
    std::vector<std::string> kinds;
    for (auto k : purpose.subject_kinds) kinds.emplace_back(KindTag(k));
    out << "  - " << purpose.id << ": " << purpose.participants.size() << " participants, level "
        << policy::Stage1LevelName(purpose.stage1.level) << ", kinds " << absl::StrJoin(kinds, ", ")
        << ", at most " << purpose.max_subjects_per_signal << " subjects per signal, signals open "
        << policy::DurationText(purpose.signal_lifetime);
    if (!purpose.exclusions.empty()) out << ", " << purpose.exclusions.size() << " exclusions";
    std::vector<std::string> switches;
    if (purpose.stage1.notify_holders) switches.push_back("holders notified");
    if (!purpose.stage1.silent_partners.empty()) {
      switches.push_back(absl::StrCat("silent entries of ", absl::StrJoin(purpose.stage1.silent_partners, ", ")));
    }
    if (purpose.stage1.deconfliction) switches.push_back("deconfliction");
    if (!purpose.stage1.excluded_addresses.empty()) {
      switches.push_back(absl::StrCat(purpose.stage1.excluded_addresses.size(), " excluded addresses"));
    }
    if (!switches.empty()) out << ", " << absl::StrJoin(switches, ", ");
    out << "; cases: unlock " << purpose.unlock.Describe() << ", at most "
        << policy::DurationText(purpose.max_case_duration) << "\n";
  }
  std::vector<std::string> modes;
  for (const auto& partner : pol.partners()) {
    if (partner.participation != policy::Participation::kFull) {
      modes.push_back(absl::StrCat(partner.id, " ", policy::ParticipationName(partner.participation)));
    }
  }
  out << "  participation: " << (modes.empty() ? "all full" : absl::StrJoin(modes, ", ")) << "\n";
  out << "  secretariat (the RIEC itself): "
      << (pol.secretariat().empty() ? "none named" : pol.secretariat()) << "\n";
  const auto& r = pol.retention();
  out << "  retention: index entries " << policy::DurationText(r.index_entries)
      << ", signals without a case " << policy::DurationText(r.signals_without_case) << ", events "
      << policy::DurationText(r.events) << ", cases after closing "
      << policy::DurationText(r.cases_after_closing) << ", unfetched payloads "
      << policy::DurationText(r.payloads) << ", log records " << policy::DurationText(r.log_records) << "\n";
  auto quota = [](uint64_t v) { return v == 0 ? std::string("unlimited") : Count(v); };
  const policy::Quotas q = pol.QuotasFor("");
  out << "  default quotas: " << quota(q.oprf_evaluations_per_day) << " OPRF evaluations a day, "
      << quota(q.questions_per_hour) << " questions an hour, " << quota(q.subjects_per_signal)
      << " subjects per signal, " << quota(q.open_signals) << " open signals\n";
  return 0;
}

int PolicyIdentities(const std::string& file, std::ostream& out) {
  auto p = policy::Policy::LoadFile(file);
  if (!p.ok()) return Fail(p.status());
  for (const auto& partner : (*p)->partners()) {
    for (const auto& role : partner.roles) {
      out << (*p)->convenant_id() << " " << partner.id << " " << role << "\n";
    }
  }
  return 0;
}

int PolicyExplain(const ExplainArgs& a, std::ostream& out) {
  auto p = policy::Policy::LoadFile(a.file);
  if (!p.ok()) return Fail(p.status());
  const policy::Policy& pol = **p;
  const size_t slash = a.as.find('/');
  if (slash == std::string::npos) {
    std::cerr << "riec: --as wants partner/role, e.g. politie/partner-system\n";
    return 2;
  }
  auto action = policy::ActionFromName(a.action);
  if (!action) {
    std::vector<std::string> names;
    for (auto act : policy::AllActions()) names.emplace_back(policy::ActionName(act));
    std::cerr << "riec: --action '" << a.action << "' is not an action (" << absl::StrJoin(names, ", ")
              << ")\n";
    return 2;
  }
  policy::Request r;
  r.action = *action;
  r.who = Identity{pol.convenant_id(), a.as.substr(0, slash), a.as.substr(slash + 1), ""};
  r.now = absl::Now();
  if (!a.at.empty()) {
    std::string err;
    if (!absl::ParseTime("%Y-%m-%d", a.at, absl::UTCTimeZone(), &r.now, &err)) {
      std::cerr << "riec: --at '" << a.at << "': want YYYY-MM-DD\n";
      return 2;
    }
  }
  r.purpose = a.purpose;
  r.theme = a.theme;
  r.subject_count = a.subjects;
  r.signal_owner = a.signal_owner.empty() ? r.who.partner : a.signal_owner;
  r.signal_id = "(a signal of " + r.signal_owner + ")";
  if (!a.subject_kind.empty()) {
    auto kind = ParseKind(a.subject_kind);
    if (!kind.ok()) return Fail(kind.status());
    r.subject_kind = *kind;
  }
  const policy::Decision d = pol.Decide(r);
  out << (d.allowed ? "ALLOWED" : "DENIED") << "  " << a.as << " may" << (d.allowed ? "" : " not")
      << " " << a.action;
  if (!a.purpose.empty()) out << " in purpose " << a.purpose;
  if (!a.subject_kind.empty()) out << " about " << a.subject_kind;
  out << "\n  rule         " << d.rule << "\n  because      " << d.explanation;
  if (!d.allowed) out << "\n  answer code  " << CodeName(d.code);
  out << "\n  legal basis  " << (d.legal_basis.empty() ? "(none given in the convenant)" : d.legal_basis)
      << "\n  convenant    " << pol.Describe() << " (sha256 " << pol.sha256_hex().substr(0, 16) << ")\n";
  if (const policy::Purpose* purpose = pol.FindPurpose(a.purpose)) {
    if (!purpose->description.empty()) out << "  purpose      " << purpose->description << "\n";
    for (const auto& e : purpose->exclusions) out << "  not covered  " << e << "\n";
  }
  return d.allowed ? 0 : 1;
}

int PolicyShow(sdk::Api& client, std::ostream& out) {
  auto p = client.GetPolicy();
  if (!p.ok()) return Fail(p.status());
  out << "convenant  " << p->convenant_id() << " v" << p->version();
  if (!p->title().empty()) out << " (" << p->title() << ")";
  out << "\nsha256     " << ToHex(p->sha256()) << "\nin force   since "
      << Rfc3339(FromProtoTime(p->loaded())) << "\n";
  return 0;
}

int PolicyReload(sdk::Api& client, std::ostream& out) {
  auto r = client.ReloadPolicy();
  if (!r.ok()) return Fail(r.status());
  if (!r->changed()) {
    out << "the policy file has not changed; " << r->current().convenant_id() << " v"
        << r->current().version() << " stays in force\n";
  } else {
    out << "reloaded: " << r->current().convenant_id() << " v" << r->current().version() << " (sha256 "
        << ToHex(r->current().sha256()).substr(0, 16) << ") replaces v" << r->previous().version()
        << " (sha256 " << ToHex(r->previous().sha256()).substr(0, 16) << "); log record "
        << r->log_index() << "\n";
  }
  return 0;
}

int RetentionSweep(sdk::Api& client, std::ostream& out) {
  auto r = client.SweepNow();
  if (!r.ok()) return Fail(r.status());
  if (r->erased().empty()) {
    out << "nothing had expired\n";
    return 0;
  }
  std::vector<std::string> parts;
  for (const auto& e : r->erased()) parts.push_back(absl::StrCat(Count(e.count()), " ", e.kind()));
  out << "erased " << absl::StrJoin(parts, ", ") << "; " << r->log_indices_size() << " log record"
      << (r->log_indices_size() == 1 ? "" : "s") << "\n";
  return 0;
}

}  // namespace

void RegisterPolicyCommands(CLI::App& app, Dispatch& d) {
  auto* retention = app.add_subcommand("retention", "retention of what the broker holds (operator)");
  retention->require_subcommand(1);
  auto* sweep = retention->add_subcommand("sweep", "erase now what the policy's retention periods say has expired");
  d.Online(sweep, [](sdk::Api& c) { return RetentionSweep(c, std::cout); });

  auto* health = app.add_subcommand("health", "ask the broker's health service");
  d.Online(health, [](sdk::Api& c) { return Health(c, std::cout); });

  auto* pol = app.add_subcommand("policy", "check and question convenant policy files; the version in force");
  pol->require_subcommand(1);
  auto policy_file = std::make_shared<std::string>();
  auto* check = pol->add_subcommand("check", "validate a policy file; list its purposes");
  check->add_option("file", *policy_file, "policy file (YAML)")->required();
  d.Offline(check, [policy_file] { return PolicyCheck(*policy_file, std::cout); });
  auto* ids = pol->add_subcommand("identities", "print 'convenant partner role' for every certificate the policy allows");
  ids->add_option("file", *policy_file, "policy file (YAML)")->required();
  d.Offline(ids, [policy_file] { return PolicyIdentities(*policy_file, std::cout); });

  auto* show = pol->add_subcommand("show", "the policy version in force at the broker");
  d.Online(show, [](sdk::Api& c) { return PolicyShow(c, std::cout); });
  auto* reload = pol->add_subcommand("reload", "make the broker re-read its policy file (operator)");
  d.Online(reload, [](sdk::Api& c) { return PolicyReload(c, std::cout); });

  auto explain = std::make_shared<ExplainArgs>();
  auto* exp = pol->add_subcommand(
      "explain", "the decision the broker would take, with the rule, the reason and the legal basis");
  exp->add_option("file", explain->file, "policy file (YAML)")->required();
  exp->add_option("--as", explain->as, "partner/role, e.g. politie/partner-system")->required();
  exp->add_option("--action", explain->action,
                  "pseudonymise, publish, withdraw, read-own-index, register-signal, read-signal, "
                  "close-signal, ask, read-events, operate, verify-log, audit, request-assessments, "
                  "assess, propose-case, unlock-case, confirm-case, change-case, read-case, "
                  "register-key, request-content, provide-content, fetch-content, connect")->required();
  exp->add_option("--purpose", explain->purpose, "purpose of the convenant");
  exp->add_option("--subject-kind", explain->subject_kind, "subject kind concerned");
  exp->add_option("--theme", explain->theme, "theme of the signal (register-signal)");
  exp->add_option("--subjects", explain->subjects, "number of subjects of the signal (register-signal)");
  exp->add_option("--signal-owner", explain->signal_owner, "owner of the signal (default: the caller's partner)");
  exp->add_option("--at", explain->at, "the date to decide at, YYYY-MM-DD (default today)");
  d.Offline(exp, [explain] { return PolicyExplain(*explain, std::cout); });
}

}  // namespace riec::cli
