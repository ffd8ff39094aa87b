#include "cli/commands.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/subject_kind.h"
#include "riec/common/time_util.h"
#include "riec/crypto/oprf.h"
#include "riec/crypto/sodium.h"
#include "cli/csv.h"
#include "cli/output.h"
#include "cli/subjects_input.h"
#include "riec/policy/policy.h"
#include "riec/sdk/normalise.h"

namespace riec::cli {
namespace {

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

std::string CodeName(absl::StatusCode code) {
  std::string s = absl::StatusCodeToString(code);
  absl::AsciiStrToLower(&s);
  return absl::StrReplaceAll(s, {{"_", " "}});
}

std::string LevelName(v1::Stage1Level level) { return std::string(policy::Stage1LevelName(level)); }

std::string StateName(v1::SignalState s) {
  switch (s) {
    case v1::OPEN: return "open";
    case v1::CLOSED: return "closed";
    case v1::EXPIRED: return "expired";
    default: return "?";
  }
}

std::string Date(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", FromProtoTime(t), absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<ResolvedSubjects> ResolveSubjects(sdk::Client& client, const SubjectsInput& in) {
  std::vector<sdk::SubjectValue> values;
  ResolvedSubjects out;
  for (const auto& arg : in.subjects) {
    auto v = ParseSubjectArg(arg);
    if (!v.ok()) return v.status();
    out.display.push_back(absl::StrCat(KindTag(v->kind), " ", v->value));
    values.push_back(*std::move(v));
  }
  if (!in.csv.empty()) {
    if (in.kind.empty()) return absl::InvalidArgumentError("--csv needs --kind");
    auto kind = ParseKind(in.kind);
    if (!kind.ok()) return kind.status();
    auto table = ReadCsv(in.csv);
    if (!table.ok()) return table.status();
    auto rows = RowsForKind(*table, *kind, absl::Now());
    if (!rows.ok()) return absl::InvalidArgumentError(absl::StrCat(in.csv, ":", rows.status().message()));
    for (const auto& r : *rows) {
      if (!r.error.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(in.csv, ":", r.line, ": ", r.error));
      }
      out.display.push_back(absl::StrCat(in.kind, " ", r.display));
      values.push_back({*kind, r.display});
    }
  }
  if (values.empty()) return out;
  auto subjects = client.Subjects(values);
  if (!subjects.ok()) return subjects.status();
  out.subjects = *std::move(subjects);
  return out;
}

int Fail(const absl::Status& status) {
  std::cerr << "riec: " << CodeName(status.code()) << ": " << status.message() << "\n";
  return 1;
}

absl::StatusOr<sdk::ConnectionOptions> ResolveConnection(const ConnectionFlags& f) {
  std::string path = f.config;
  if (path.empty()) {
    if (const char* env = std::getenv("RIEC_CONFIG"); env != nullptr && *env != '\0') {
      path = env;
    } else if (const char* home = std::getenv("HOME"); home != nullptr) {
      const std::string def = absl::StrCat(home, "/.config/riec/client.yaml");
      if (std::filesystem::exists(def)) path = def;
    }
  }
  sdk::ConnectionOptions o;
  if (!path.empty()) {
    auto loaded = sdk::LoadClientConfig(path);
    if (!loaded.ok()) return loaded.status();
    o = *loaded;
  }
  auto set = [](std::string& target, const std::string& flag) {
    if (!flag.empty()) target = flag;
  };
  set(o.broker, f.broker);
  set(o.pseudonymiser, f.pseudonymiser);
  set(o.ca_file, f.ca);
  set(o.cert_file, f.cert);
  set(o.key_file, f.key);
  set(o.server_name, f.server_name);
  set(o.on_behalf_of, f.on_behalf_of);
  if (f.timeout_seconds > 0) o.timeout = absl::Seconds(f.timeout_seconds);
  if (o.broker.empty()) {
    return absl::InvalidArgumentError(
        "no broker address: pass --broker host:port, or a client config with --config FILE, "
        "$RIEC_CONFIG or ~/.config/riec/client.yaml");
  }
  return o;
}

int IndexPublish(sdk::Client& client, const PublishArgs& args, std::ostream& out) {
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
    auto pseudonyms = client.PseudonymiseCanonical(
        *kind, canonical, [&](size_t d, size_t t) { pseudonymising.Update(d, t); });
    pseudonymising.Finish();
    if (!pseudonyms.ok()) return Fail(pseudonyms.status());

    std::vector<v1::PublishRequest> batches;
    for (size_t i = 0; i < good.size(); ++i) {
      if (i % args.batch == 0) batches.emplace_back();
      v1::IndexEntry* e = batches.back().add_entries();
      e->mutable_subject()->set_kind(*kind);
      e->mutable_subject()->set_pseudonym((*pseudonyms)[i]);
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

int IndexWithdraw(sdk::Client& client, const WithdrawArgs& args, std::ostream& out) {
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

int IndexStats(sdk::Client& client, bool json, std::ostream& out) {
  auto s = client.GetIndexStatistics();
  if (!s.ok()) return Fail(s.status());
  if (json) {
    out << "{\"entries\":" << s->entries() << ",\"expired\":" << s->expired() << ",\"by_kind\":{";
    for (int i = 0; i < s->by_kind_size(); ++i) {
      out << (i ? "," : "") << JsonString(KindTag(s->by_kind(i).kind())) << ":" << s->by_kind(i).entries();
    }
    out << "},\"by_category\":{";
    for (int i = 0; i < s->by_category_size(); ++i) {
      out << (i ? "," : "") << JsonString(s->by_category(i).category()) << ":"
          << s->by_category(i).entries();
    }
    out << "}}\n";
    return 0;
  }
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

int SignalRegister(sdk::Client& client, const RegisterArgs& args, std::ostream& out) {
  auto resolved = ResolveSubjects(client, args.input);
  if (!resolved.ok()) return Fail(resolved.status());
  v1::RegisterSignalRequest req;
  req.set_purpose(args.purpose);
  req.set_theme(args.theme);
  req.set_reference(args.reference);
  for (auto& s : resolved->subjects) *req.add_subjects() = s;
  auto r = client.RegisterSignal(req);
  if (!r.ok()) return Fail(r.status());
  if (args.quiet) {
    out << r->signal().id() << "\n";
    return 0;
  }
  out << "signal " << r->signal().id() << " registered: purpose " << r->signal().purpose();
  if (!r->signal().theme().empty()) out << ", theme " << r->signal().theme();
  out << ", " << r->signal().subjects_size() << " subjects, open until "
      << Date(r->signal().expires()) << " UTC; log record " << r->log_index() << "\n";
  return 0;
}

namespace {
std::string SignalJson(const v1::Signal& s) {
  std::vector<std::string> subjects;
  for (const auto& sub : s.subjects()) {
    subjects.push_back(absl::StrCat("{\"kind\":", JsonString(KindTag(sub.kind())),
                                    ",\"pseudonym\":", JsonString(ToHex(sub.pseudonym())), "}"));
  }
  return absl::StrCat("{\"id\":", JsonString(s.id()), ",\"purpose\":", JsonString(s.purpose()),
                      ",\"theme\":", JsonString(s.theme()), ",\"owner\":", JsonString(s.owner()),
                      ",\"state\":", JsonString(StateName(s.state())),
                      ",\"created\":", JsonString(Rfc3339(FromProtoTime(s.created()))),
                      ",\"expires\":", JsonString(Rfc3339(FromProtoTime(s.expires()))),
                      ",\"reference\":", JsonString(s.reference()), ",\"subjects\":[",
                      absl::StrJoin(subjects, ","), "]}");
}
}  // namespace

int SignalList(sdk::Client& client, const std::string& state, bool json, std::ostream& out) {
  v1::ListSignalsRequest req;
  if (state == "open") {
    req.set_state(v1::OPEN);
  } else if (state == "closed") {
    req.set_state(v1::CLOSED);
  } else if (state == "expired") {
    req.set_state(v1::EXPIRED);
  } else if (!state.empty() && state != "all") {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--state '", state, "': want open, closed, expired or all")));
  }
  auto r = client.ListSignals(req);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    std::vector<std::string> items;
    for (const auto& s : r->signals()) items.push_back(SignalJson(s));
    out << "[" << absl::StrJoin(items, ",") << "]\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : r->signals()) {
    rows.push_back({s.id(), s.purpose(), s.theme(), absl::StrCat(s.subjects_size()), StateName(s.state()),
                    s.owner(), Date(s.created()), Date(s.expires()), s.reference()});
  }
  PrintTable(out, {"SIGNAL", "PURPOSE", "THEME", "SUBJECTS", "STATE", "OWNER", "CREATED (UTC)",
                   "EXPIRES (UTC)", "REFERENCE"},
             rows);
  return 0;
}

int SignalShow(sdk::Client& client, const std::string& id, bool json, std::ostream& out) {
  auto s = client.GetSignal(id);
  if (!s.ok()) return Fail(s.status());
  if (json) {
    out << SignalJson(*s) << "\n";
    return 0;
  }
  out << "signal     " << s->id() << "\npurpose    " << s->purpose() << "\ntheme      " << s->theme()
      << "\nowner      " << s->owner() << " (" << s->registered_by_role() << ")\nstate      "
      << StateName(s->state()) << "\ncreated    " << Date(s->created()) << " UTC\nexpires    "
      << Date(s->expires()) << " UTC\n";
  if (!s->reference().empty()) out << "reference  " << s->reference() << "\n";
  out << "subjects   " << s->subjects_size() << "\n";
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < s->subjects_size(); ++i) {
    rows.push_back({absl::StrCat("#", i + 1), std::string(KindTag(s->subjects(i).kind())),
                    ToHex(s->subjects(i).pseudonym()).substr(0, 16) + "…"});
  }
  PrintTable(out, {"  ", "KIND", "PSEUDONYM"}, rows);
  return 0;
}

int SignalClose(sdk::Client& client, const std::string& id, std::ostream& out) {
  auto r = client.CloseSignal(id);
  if (!r.ok()) return Fail(r.status());
  out << "signal " << r->signal().id() << " closed; log record " << r->log_index() << "\n";
  return 0;
}

int Query(sdk::Client& client, const QueryArgs& args, std::ostream& out) {
  auto resolved = ResolveSubjects(client, args.input);
  if (!resolved.ok()) return Fail(resolved.status());
  v1::CheckSubjectsRequest req;
  req.set_signal_id(args.signal);
  for (auto& s : resolved->subjects) *req.add_subjects() = s;
  auto r = client.CheckSubjects(req);
  if (!r.ok()) return Fail(r.status());

  auto shown = [&](int i) {
    if (i < static_cast<int>(resolved->display.size())) return resolved->display[i];
    const auto& s = r->answers(i).subject();
    return absl::StrCat("#", i + 1, " ", KindTag(s.kind()), " (", ToHex(s.pseudonym()).substr(0, 12), "…)");
  };
  if (args.json) {
    std::vector<std::string> answers;
    for (int i = 0; i < r->answers_size(); ++i) {
      const auto& a = r->answers(i);
      std::vector<std::string> holders;
      for (const auto& h : a.holders()) {
        std::vector<std::string> cats;
        for (const auto& c : h.categories()) cats.push_back(JsonString(c));
        holders.push_back(absl::StrCat("{\"partner\":", JsonString(h.partner()), ",\"categories\":[",
                                       absl::StrJoin(cats, ","), "]}"));
      }
      std::string value = i < static_cast<int>(resolved->display.size())
                              ? resolved->display[i].substr(KindTag(a.subject().kind()).size() + 1)
                              : "";
      answers.push_back(absl::StrCat(
          "{\"kind\":", JsonString(KindTag(a.subject().kind())), ",\"value\":", JsonString(value),
          ",\"pseudonym\":", JsonString(ToHex(a.subject().pseudonym())),
          ",\"hit\":", a.hit() ? "true" : "false",
          ",\"held_by_you\":", a.held_by_requester() ? "true" : "false", ",\"holders\":[",
          absl::StrJoin(holders, ","), "]}"));
    }
    out << "{\"signal_id\":" << JsonString(r->signal_id()) << ",\"purpose\":" << JsonString(r->purpose())
        << ",\"level\":" << JsonString(LevelName(r->level())) << ",\"log_index\":" << r->log_index()
        << ",\"answers\":[" << absl::StrJoin(answers, ",") << "]}\n";
    return 0;
  }
  out << "signal " << r->signal_id() << " · purpose " << r->purpose() << " · level "
      << LevelName(r->level()) << " · log record " << r->log_index() << "\n\n";
  std::vector<std::vector<std::string>> rows;
  int hits = 0;
  for (int i = 0; i < r->answers_size(); ++i) {
    const auto& a = r->answers(i);
    hits += a.hit();
    std::vector<std::string> holders;
    for (const auto& h : a.holders()) {
      holders.push_back(h.categories().empty()
                            ? h.partner()
                            : absl::StrCat(h.partner(), " (", absl::StrJoin(h.categories(), ", "), ")"));
    }
    std::string holder_text = absl::StrJoin(holders, ", ");
    if (a.hit() && holders.empty()) holder_text = "(not disclosed at this level)";
    rows.push_back({shown(i), a.hit() ? "hit" : "no hit", a.held_by_requester() ? "yes" : "",
                    holder_text});
  }
  PrintTable(out, {"SUBJECT", "ANSWER", "YOURS", "HOLDERS"}, rows);
  out << "\n" << hits << " of " << r->answers_size() << " subjects held by another partner\n";
  return 0;
}

int Pseudonym(sdk::Client& client, const std::string& kind_tag, const std::string& value,
              bool quiet, bool json, std::ostream& out) {
  auto kind = ParseKind(kind_tag);
  if (!kind.ok()) return Fail(kind.status());
  auto canonical = sdk::Normalise(*kind, value, absl::Now());
  if (!canonical.ok()) return Fail(canonical.status());
  auto info = client.GetKeyInfo();
  if (!info.ok()) return Fail(info.status());
  auto p = client.PseudonymiseCanonical(*kind, {*canonical});
  if (!p.ok()) return Fail(p.status());
  const std::string hex = ToHex((*p)[0]);
  if (quiet) {
    out << hex << "\n";
  } else if (json) {
    out << "{\"kind\":" << JsonString(kind_tag) << ",\"canonical\":" << JsonString(*canonical)
        << ",\"pseudonym\":" << JsonString(hex) << ",\"key_id\":" << JsonString(info->key_id()) << "}\n";
  } else {
    out << "kind       " << kind_tag << "\ncanonical  " << *canonical << "\npseudonym  " << hex
        << "\nkey        " << info->key_id() << "\n";
  }
  return 0;
}

int Health(sdk::Client& client, std::ostream& out) {
  auto h = client.Healthy();
  if (!h.ok()) return Fail(h.status());
  out << (*h ? "SERVING" : "NOT_SERVING") << "\n";
  return *h ? 0 : 1;
}

int OprfVector(const VectorArgs& a, std::ostream& out) {
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return Fail(s);
  auto hex = [](const std::string& h, const char* flag) -> absl::StatusOr<std::string> {
    auto b = FromHex(h);
    if (!b.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", b.status().message()));
    return b;
  };
  auto seed = hex(a.seed_hex, "--seed-hex");
  if (!seed.ok()) return Fail(seed.status());
  auto info = hex(a.info_hex, "--info-hex");
  if (!info.ok()) return Fail(info.status());
  auto input = hex(a.input_hex, "--input-hex");
  if (!input.ok()) return Fail(input.status());
  auto blind_bytes = hex(a.blind_hex, "--blind-hex");
  if (!blind_bytes.ok()) return Fail(blind_bytes.status());
  auto key = crypto::OprfKey::Derive(*seed, *info);
  if (!key.ok()) return Fail(absl::InvalidArgumentError(absl::StrCat("--seed-hex: ", key.status().message())));
  auto blind = crypto::Scalar::FromBytes(*blind_bytes);
  if (!blind.ok()) return Fail(absl::InvalidArgumentError(absl::StrCat("--blind-hex: ", blind.status().message())));
  auto blinded = crypto::BlindWith(*input, *std::move(blind));
  if (!blinded.ok()) return Fail(blinded.status());
  auto evaluated = key->Evaluate(blinded->blinded_element);
  if (!evaluated.ok()) return Fail(evaluated.status());
  auto output = crypto::Finalize(*input, blinded->blind, *evaluated);
  if (!output.ok()) return Fail(output.status());
  std::string sk = key->ExportSecret();
  const std::vector<std::pair<std::string, std::string>> fields = {
      {"skS", ToHex(sk)},
      {"pkS", ToHex(key->public_key())},
      {"blinded_element", ToHex(blinded->blinded_element)},
      {"evaluation_element", ToHex(*evaluated)},
      {"output", ToHex(*output)},
      {"pseudonym", ToHex(output->substr(0, 32))}};
  crypto::Wipe(sk);
  if (a.json) {
    std::vector<std::string> items;
    for (const auto& [k, v] : fields) items.push_back(absl::StrCat(JsonString(k), ":", JsonString(v)));
    out << "{" << absl::StrJoin(items, ",") << "}\n";
  } else {
    out << "suite               " << crypto::kOprfSuiteName << ", mode 0x00 (RFC 9497)\n";
    for (const auto& [k, v] : fields) out << k << std::string(20 - k.size(), ' ') << v << "\n";
  }
  return 0;
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

}  // namespace riec::cli

namespace riec::cli {

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

}  // namespace riec::cli

namespace riec::cli {
namespace {
std::string EventKindName(v1::EventKind k) {
  std::string s = v1::EventKind_Name(k);
  absl::AsciiStrToLower(&s);
  return absl::StrReplaceAll(s, {{"_", "-"}});
}

std::string EventJson(const v1::Event& e) {
  return absl::StrCat("{\"sequence\":", e.sequence(), ",\"kind\":", JsonString(EventKindName(e.kind())),
                      ",\"time\":", JsonString(Rfc3339(FromProtoTime(e.time()))),
                      ",\"log_index\":", e.log_index(), ",\"partner\":", JsonString(e.partner()),
                      ",\"quota\":", JsonString(e.quota()), ",\"signal_id\":", JsonString(e.signal_id()),
                      ",\"purpose\":", JsonString(e.purpose()), ",\"case_id\":", JsonString(e.case_id()),
                      ",\"request_id\":", JsonString(e.request_id()), ",\"key_id\":", JsonString(e.key_id()),
                      ",\"subject_kind\":", JsonString(e.has_subject() ? KindTag(e.subject().kind()) : ""),
                      ",\"pseudonym\":", JsonString(e.has_subject() ? ToHex(e.subject().pseudonym()) : ""),
                      ",\"text\":", JsonString(e.text()), "}");
}

void PrintEvent(const v1::Event& e, bool json, std::ostream& out) {
  if (json) {
    out << EventJson(e) << "\n";
  } else {
    out << e.sequence() << "  " << absl::FormatTime("%Y-%m-%d %H:%M:%S", FromProtoTime(e.time()),
                                                   absl::UTCTimeZone())
        << "  " << EventKindName(e.kind()) << "  " << e.text() << "\n";
  }
  out.flush();
}
}  // namespace

int EventsCommand(sdk::Client& client, const EventsArgs& a, std::ostream& out) {
  if (a.follow) {
    int seen = 0;
    absl::Status s = client.Subscribe(a.after, [&](const v1::Event& e) {
      PrintEvent(e, a.json, out);
      return a.count == 0 || ++seen < a.count;
    });
    return s.ok() ? 0 : Fail(s);
  }
  uint64_t after = a.after;
  size_t shown = 0;
  while (true) {
    auto r = client.ListEvents(after);
    if (!r.ok()) return Fail(r.status());
    for (const auto& e : r->events()) {
      PrintEvent(e, a.json, out);
      after = e.sequence();
      ++shown;
    }
    if (!r->more()) break;
  }
  if (!a.json && shown == 0) out << "no events after " << a.after << "\n";
  return 0;
}

int PolicyShow(sdk::Client& client, std::ostream& out) {
  auto p = client.GetPolicy();
  if (!p.ok()) return Fail(p.status());
  out << "convenant  " << p->convenant_id() << " v" << p->version();
  if (!p->title().empty()) out << " (" << p->title() << ")";
  out << "\nsha256     " << ToHex(p->sha256()) << "\nin force   since "
      << Rfc3339(FromProtoTime(p->loaded())) << "\n";
  return 0;
}

int PolicyReload(sdk::Client& client, std::ostream& out) {
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

int RetentionSweep(sdk::Client& client, std::ostream& out) {
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

}  // namespace riec::cli
