// riec signal (register, list, show, close) and riec query: stage 1.
#include <functional>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/command_group.h"
#include "cli/common.h"
#include "cli/output.h"
#include "riec/common/hex.h"
#include "riec/common/match_keys.h"
#include "riec/common/subject_kind.h"
#include "riec/common/time_util.h"
#include "riec/policy/policy.h"

namespace riec::cli {
namespace {

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

struct RegisterArgs {
  std::string purpose, theme, reference;
  SubjectsInput input;
  bool quiet = false;
};

struct ListArgs {
  std::string state;
  bool json = false;
};

struct ShowArgs {
  std::string id;
  bool json = false;
};

struct QueryArgs {
  std::string signal;
  SubjectsInput input;
  bool json = false;
};

int SignalRegister(sdk::Api& client, const RegisterArgs& args, std::ostream& out) {
  auto resolved = ResolveSubjects(client, args.input, /*match_keys=*/true);
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

int SignalList(sdk::Api& client, const std::string& state, bool json, std::ostream& out) {
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
  if (json) return ExitCode(PrintJson(*r, out));
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

int SignalShow(sdk::Api& client, const std::string& id, bool json, std::ostream& out) {
  auto s = client.GetSignal(id);
  if (!s.ok()) return Fail(s.status());
  if (json) return ExitCode(PrintJson(*s, out));
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

int SignalClose(sdk::Api& client, const std::string& id, std::ostream& out) {
  auto r = client.CloseSignal(id);
  if (!r.ok()) return Fail(r.status());
  out << "signal " << r->signal().id() << " closed; log record " << r->log_index() << "\n";
  return 0;
}

// The late hits of a signal as a table; `name` gives a subject's display
// name (empty: kind and pseudonym).
void PrintLateHits(const v1::ListLateHitsResponse& r,
                   const std::function<std::string(const v1::Subject&)>& name, std::ostream& out) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& h : r.late_hits()) {
    std::string shown = name(h.subject());
    if (shown.empty()) {
      shown = absl::StrCat(KindTag(h.subject().kind()), " (",
                           ToHex(h.subject().pseudonym()).substr(0, 12), "…)");
    }
    rows.push_back({shown,
                    absl::FormatTime("%Y-%m-%d %H:%M:%S", FromProtoTime(h.time()), absl::UTCTimeZone()),
                    h.level() == v1::HIT_ONLY ? "(not disclosed at this level)" : h.holder().partner(),
                    absl::StrJoin(h.holder().categories(), ", "), absl::StrCat(h.log_index())});
  }
  PrintTable(out, {"SUBJECT", "ARRIVED (UTC)", "HOLDER", "CATEGORIES", "LOG RECORD"}, rows);
  if (r.capped()) {
    out << "the purpose's cap of " << r.max_late_hits()
        << " late hits per signal is reached: later publications are not reported; ask again to "
           "see them\n";
  }
}

int SignalLateHits(sdk::Api& client, const ShowArgs& args, std::ostream& out) {
  auto r = client.ListLateHits(args.id);
  if (!r.ok()) return Fail(r.status());
  if (args.json) return ExitCode(PrintJson(*r, out));
  out << "signal " << r->signal_id() << " · purpose " << r->purpose() << " · ";
  if (r->max_late_hits() == 0) {
    out << "late hits are off for this purpose\n";
    return 0;
  }
  out << r->late_hits_size() << " late hits (at most " << r->max_late_hits() << ")\n";
  if (r->late_hits_size() == 0) return 0;
  out << "\n";
  PrintLateHits(*r, [](const v1::Subject&) { return std::string(); }, out);
  return 0;
}

int Query(sdk::Api& client, const QueryArgs& args, std::ostream& out) {
  auto resolved = ResolveSubjects(client, args.input);
  if (!resolved.ok()) return Fail(resolved.status());
  v1::CheckSubjectsRequest req;
  req.set_signal_id(args.signal);
  for (auto& s : resolved->subjects) *req.add_subjects() = s;
  auto r = client.CheckSubjects(req);
  if (!r.ok()) return Fail(r.status());
  if (args.json) return ExitCode(PrintJson(*r, out));

  auto shown = [&](int i) {
    if (i < static_cast<int>(resolved->display.size())) return resolved->display[i];
    const auto& s = r->answers(i).subject();
    return absl::StrCat("#", i + 1, " ", KindTag(s.kind()), " (", ToHex(s.pseudonym()).substr(0, 12), "…)");
  };
  out << "signal " << r->signal_id() << " · purpose " << r->purpose() << " · level "
      << LevelName(r->level()) << " · log record " << r->log_index() << "\n\n";
  // "[probable: core-initial-dob, ...]" for the match keys in common.
  auto probable = [](const google::protobuf::RepeatedField<int>& keys) {
    std::vector<absl::string_view> names;
    for (int k : keys) names.push_back(MatchKeyName(static_cast<v1::MatchKeyKind>(k)));
    return absl::StrCat("[probable: ", absl::StrJoin(names, ", "), "]");
  };
  std::vector<std::vector<std::string>> rows;
  int hits = 0;
  bool any_probable = false;
  for (int i = 0; i < r->answers_size(); ++i) {
    const auto& a = r->answers(i);
    hits += a.hit();
    const bool only_probable = a.hit() && a.match() == v1::MATCH_PROBABLE;
    any_probable |= only_probable;
    std::vector<std::string> holders;
    for (const auto& h : a.holders()) {
      std::string text = h.categories().empty()
                             ? h.partner()
                             : absl::StrCat(h.partner(), " (", absl::StrJoin(h.categories(), ", "), ")");
      if (h.match() == v1::MATCH_PROBABLE) {
        absl::StrAppend(&text, " ", probable(h.matched_keys()));
        any_probable = true;
      }
      holders.push_back(std::move(text));
    }
    std::string holder_text = absl::StrJoin(holders, ", ");
    if (a.hit() && holders.empty()) {
      holder_text = "(not disclosed at this level)";
      if (only_probable) absl::StrAppend(&holder_text, " ", probable(a.matched_keys()));
    }
    rows.push_back({shown(i), !a.hit() ? "no hit" : only_probable ? "probable hit" : "hit",
                    a.held_by_requester() ? "yes" : "", holder_text});
  }
  PrintTable(out, {"SUBJECT", "ANSWER", "YOURS", "HOLDERS"}, rows);
  out << "\n" << hits << " of " << r->answers_size() << " subjects held by another partner\n";
  if (any_probable) {
    out << "A probable hit is an entry on the same person written differently, found through\n"
           "match keys in common (docs/pseudonyms.md §6): check that it is the person before\n"
           "acting on it.\n";
  }

  // What arrived after earlier questions in this signal: marked as late
  // hits, with when they arrived.
  auto late = client.ListLateHits(args.signal);
  if (!late.ok()) {
    out << "\nlate hits could not be listed: " << late.status().message() << "\n";
    return 0;
  }
  if (late->late_hits_size() == 0) return 0;
  out << "\nLate hits in this signal (entries published after an earlier question):\n";
  PrintLateHits(*late, [&](const v1::Subject& s) {
    for (int i = 0; i < r->answers_size(); ++i) {
      const v1::Subject& a = r->answers(i).subject();
      if (a.kind() == s.kind() && a.pseudonym() == s.pseudonym()) return shown(i);
    }
    return std::string();
  }, out);
  return 0;
}

}  // namespace

void RegisterSignalCommands(CLI::App& app, Dispatch& d) {
  auto* signal = app.add_subcommand("signal", "register, list, show and close signals");
  signal->require_subcommand(1);
  auto reg = std::make_shared<RegisterArgs>();
  auto* sreg = signal->add_subcommand("register", "register a signal about one or more subjects");
  sreg->add_option("--purpose", reg->purpose, "purpose of the convenant")->required();
  sreg->add_option("--theme", reg->theme, "theme of the purpose");
  sreg->add_option("--reference", reg->reference, "your own reference (no personal data)");
  sreg->add_flag("--quiet,-q", reg->quiet, "print only the signal id");
  AddSubjectInput(sreg, reg->input, "subject of the signal");
  d.Online(sreg, [reg](sdk::Api& c) { return SignalRegister(c, *reg, std::cout); });

  auto list = std::make_shared<ListArgs>();
  auto* slist = signal->add_subcommand("list", "list your signals (coordinators and chairs: all)");
  slist->add_option("--state", list->state, "open, closed, expired or all (default all)");
  slist->add_flag("--json", list->json, "print JSON");
  d.Online(slist, [list](sdk::Api& c) { return SignalList(c, list->state, list->json, std::cout); });

  auto show = std::make_shared<ShowArgs>();
  auto* sshow = signal->add_subcommand("show", "show one signal");
  sshow->add_option("signal", show->id, "signal id (S-...)")->required();
  sshow->add_flag("--json", show->json, "print JSON");
  d.Online(sshow, [show](sdk::Api& c) { return SignalShow(c, show->id, show->json, std::cout); });

  auto late = std::make_shared<ShowArgs>();
  auto* slate = signal->add_subcommand(
      "late-hits", "entries published on the signal's subjects after you asked (late hits)");
  slate->add_option("signal", late->id, "signal id (S-...)")->required();
  slate->add_flag("--json", late->json, "print JSON (the ListLateHitsResponse)");
  d.Online(slate, [late](sdk::Api& c) { return SignalLateHits(c, *late, std::cout); });

  auto close = std::make_shared<std::string>();
  auto* sclose = signal->add_subcommand("close", "close a signal: no further questions in it");
  sclose->add_option("signal", *close, "signal id (S-...)")->required();
  d.Online(sclose, [close](sdk::Api& c) { return SignalClose(c, *close, std::cout); });

  auto query = std::make_shared<QueryArgs>();
  auto* q = app.add_subcommand("query", "stage 1: who holds something on the subjects of a signal");
  q->add_option("--signal", query->signal, "an open signal (S-...)")->required();
  AddSubjectInput(q, query->input, "subject to ask about (default: every subject of the signal)");
  q->add_flag("--json", query->json, "print JSON instead of a table");
  d.Online(q, [query](sdk::Api& c) { return Query(c, *query, std::cout); });
}

}  // namespace riec::cli
