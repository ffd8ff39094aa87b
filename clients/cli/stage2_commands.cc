// riec assess, riec case, riec content and riec keys: the two-stage workflow
// from the command line.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/subject_kind.h"
#include "riec/common/time_util.h"
#include "cli/command_group.h"
#include "cli/common.h"
#include "cli/output.h"
#include "riec/sdk/stage2.h"

namespace riec::cli {
namespace {

namespace pb = google::protobuf;

struct AssessGiveArgs {
  std::string signal;
  SubjectsInput input;
  std::string can_provide, suits, reason;
};

struct ProposeArgs {
  std::string signal, meeting, ends, noodzaak, proportionaliteit, subsidiariteit;
  std::vector<std::string> present;  // "partner" or "partner:no" (present, no consent)
  std::vector<std::string> flows;    // "from:to"
  std::vector<std::string> categories, use_conditions;
  SubjectsInput input;               // default: every subject of the signal
  bool json = false, quiet = false;
};

struct NarrowArgs {
  std::string id;
  SubjectsInput remove;
  std::vector<std::string> flows, categories;
};

struct ContentRequestArgs {
  std::string case_id, subject, holder, category;
  bool quiet = false;
};

struct ProvideArgs {
  std::string request_id, file, category, expect_key;
  std::vector<std::string> use_conditions;
  bool yes = false;
};

struct FetchArgs {
  std::string request_id, out_file, keyring;
};

// The flags of every stage-2 command; one parse fills those of one command.
struct Stage2Flags {
  std::string signal, case_id, request_id, state, ends, outcome, text, to, reason, note;
  std::string keyring, partner;
  bool json = false, all = false;
  AssessGiveArgs give;
  ProposeArgs propose;
  NarrowArgs narrow;
  ContentRequestArgs request;
  ProvideArgs provide;
  FetchArgs fetch;
};

// "CASE_STATE_UNLOCKED" -> "unlocked" (prefix and suffix removed, lower
// case, '-' for '_').
std::string Flag(absl::string_view name, absl::string_view prefix, absl::string_view suffix = "") {
  absl::ConsumePrefix(&name, prefix);
  absl::ConsumeSuffix(&name, suffix);
  std::string s(name);
  absl::AsciiStrToLower(&s);
  return absl::StrReplaceAll(s, {{"_", "-"}});
}

// The enum value whose Flag() is `text`; INVALID_ARGUMENT listing them.
absl::StatusOr<int> ParseEnum(const pb::EnumDescriptor* d, const std::string& text, absl::string_view prefix,
                              const std::string& flag, absl::string_view suffix = "") {
  std::vector<std::string> names;
  for (int i = 0; i < d->value_count(); ++i) {
    if (d->value(i)->number() == 0) continue;
    const std::string name = Flag(d->value(i)->name(), prefix, suffix);
    if (name == text) return d->value(i)->number();
    names.push_back(name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(flag, " '", text, "': want one of ", absl::StrJoin(names, ", ")));
}

std::string CaseStateText(v1::CaseState s) { return Flag(v1::CaseState_Name(s), "CASE_STATE_"); }
std::string RequestStateText(v1::RequestState s) { return Flag(v1::RequestState_Name(s), "REQUEST_"); }
std::string OutcomeText(v1::OutcomeCode c) { return Flag(v1::OutcomeCode_Name(c), ""); }
std::string ReasonText(v1::RefusalReason r) { return Flag(v1::RefusalReason_Name(r), "", "_REASON"); }

std::string Day(const pb::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d", FromProtoTime(t), absl::UTCTimeZone());
}
std::string Minute(const pb::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", FromProtoTime(t), absl::UTCTimeZone());
}

std::string SubjectText(const v1::Subject& s) {
  return absl::StrCat(KindTag(s.kind()), " ", ToHex(s.pseudonym()).substr(0, 16), "…");
}

// A date (YYYY-MM-DD) or RFC 3339 time. A date in `end_of_day` mode means
// the end of that day (UTC).
absl::StatusOr<absl::Time> ParseDate(const std::string& text, const std::string& flag, bool end_of_day) {
  absl::Time t;
  std::string err;
  if (absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) {
    return end_of_day ? t + absl::Hours(24) - absl::Seconds(1) : t;
  }
  if (absl::ParseTime(absl::RFC3339_full, text, &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(flag, " '", text, "': want YYYY-MM-DD or an RFC 3339 time"));
}

// "from:to" -> a flow.
absl::StatusOr<v1::Flow> ParseFlow(const std::string& text, const std::string& flag) {
  std::vector<std::string> parts = absl::StrSplit(text, absl::MaxSplits(':', 1));
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " '", text, "': want from-partner:to-partner"));
  }
  v1::Flow f;
  f.set_from(parts[0]);
  f.set_to(parts[1]);
  return f;
}

void PrintCase(const v1::Case& c, std::ostream& out) {
  const v1::CaseDecision& d = c.decision();
  auto line = [&out](absl::string_view label, const std::string& value) {
    out << label << std::string(label.size() < 19 ? 19 - label.size() : 1, ' ') << value << "\n";
  };
  line("case", absl::StrCat(c.id(), " (", CaseStateText(c.state()), ")"));
  line("signal", absl::StrCat(c.signal_id(), " of ", c.signal_owner(), ", purpose ", c.purpose()));
  line("chair", absl::StrCat(c.chair_partner(), "/chair", c.chair_name().empty() ? "" : "/" + c.chair_name()));
  std::vector<std::string> present;
  for (const auto& a : d.present()) present.push_back(a.partner() + (a.consent() ? "" : " (no consent)"));
  line("casustafel", absl::StrCat(Day(d.meeting()), "; present: ", absl::StrJoin(present, ", ")));
  line("subjects", absl::StrCat(d.subjects_size()));
  for (const auto& s : d.subjects()) line("", SubjectText(s));
  std::vector<std::string> flows;
  for (const auto& f : d.flows()) flows.push_back(f.from() + " -> " + f.to());
  line("flows", absl::StrJoin(flows, ", "));
  line("categories", d.categories().empty() ? "any" : absl::StrJoin(d.categories(), ", "));
  line("noodzaak", d.justification().noodzaak());
  line("proportionaliteit", d.justification().proportionaliteit());
  line("subsidiariteit", d.justification().subsidiariteit());
  for (const auto& u : d.use_conditions()) line("use condition", u);
  line("ends", Day(d.ends()));
  line("unlock rule", c.unlock_rule());
  if (c.state() == v1::CASE_STATE_PROPOSED) line("still needs", c.unlock_needs());
  for (const auto& k : c.confirmations()) {
    line("confirmed by", absl::StrCat(k.partner(), "/", k.role(), k.name().empty() ? "" : "/" + k.name(), " at ",
                                      Minute(k.time())));
  }
  if (c.has_unlocked()) line("unlocked", Minute(c.unlocked()));
  if (c.state() == v1::CASE_STATE_CLOSED) {
    line("closed", Minute(c.closed()));
    line("outcome", OutcomeText(c.outcome().code()) + (c.outcome().text().empty() ? "" : ": " + c.outcome().text()));
    line("told", c.contributors().empty() ? "nobody contributed" : absl::StrJoin(c.contributors(), ", "));
  }
}

// What an unlock still waits for, or that the case is unlocked.
std::string UnlockState(const v1::Case& c) {
  if (c.state() == v1::CASE_STATE_PROPOSED) return c.unlock_needs();
  return absl::StrCat("case ", c.id(), " is ", CaseStateText(c.state()));
}

int CaseResult(const absl::StatusOr<v1::CaseResponse>& r, const std::string& did, std::ostream& out) {
  if (!r.ok()) return Fail(r.status());
  out << "case " << r->case_().id() << " " << did << " (log record " << r->log_index() << ")\n"
      << UnlockState(r->case_()) << "\n";
  return 0;
}

std::vector<std::string> RequestRow(const v1::ContentRequest& r) {
  return {r.id(), r.case_id(), RequestStateText(r.state()), r.requester(), r.holder(), SubjectText(r.subject()),
          r.category().empty() ? "any" : r.category(), r.key_id(), Minute(r.requested())};
}

int AssessRequestCmd(sdk::Api& client, const std::string& signal, std::ostream& out) {
  auto r = client.RequestAssessments(signal);
  if (!r.ok()) return Fail(r.status());
  if (r->holders().empty()) {
    out << "no other partner holds a subject of signal " << signal << "; nobody was asked\n";
  } else {
    out << "asked " << r->holders_size() << " holders for their assessment of signal " << signal << ": "
        << absl::StrJoin(r->holders(), ", ") << " (log record " << r->log_index() << ")\n";
  }
  return 0;
}

int AssessGiveCmd(sdk::Api& client, const AssessGiveArgs& a, std::ostream& out) {
  auto can = ParseEnum(v1::CanProvide_descriptor(), a.can_provide, "CAN_PROVIDE_", "--can-provide");
  if (!can.ok()) return Fail(can.status());
  auto suits = ParseEnum(v1::SuitsCasus_descriptor(), a.suits, "SUITS_", "--suits");
  if (!suits.ok()) return Fail(suits.status());
  auto subjects = ResolveSubjects(client, a.input);
  if (!subjects.ok()) return Fail(subjects.status());
  if (subjects->subjects.empty()) return Fail(absl::InvalidArgumentError("--subject: name the subjects you assess"));
  v1::AssessRequest req;
  req.set_signal_id(a.signal);
  for (const auto& s : subjects->subjects) {
    auto* x = req.add_assessments();
    *x->mutable_subject() = s;
    x->set_can_provide(static_cast<v1::CanProvide>(*can));
    x->set_suits_casus(static_cast<v1::SuitsCasus>(*suits));
    x->set_reason(a.reason);
  }
  auto r = client.Assess(req);
  if (!r.ok()) return Fail(r.status());
  out << "assessed " << req.assessments_size() << " subjects of signal " << a.signal
      << "; its owner can see it (log record " << r->log_index() << ")\n";
  return 0;
}

int AssessListCmd(sdk::Api& client, const std::string& signal, bool json, std::ostream& out) {
  auto r = client.ListAssessments(signal);
  if (!r.ok()) return Fail(r.status());
  if (json) return ExitCode(PrintJson(*r, out));
  if (r->assessments().empty()) {
    out << "no assessments of signal " << signal << " yet\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : r->assessments()) {
    rows.push_back({SubjectText(x.subject()), x.holder(), Flag(v1::CanProvide_Name(x.can_provide()), "CAN_PROVIDE_"),
                    Flag(v1::SuitsCasus_Name(x.suits_casus()), "SUITS_"), x.reason(), Minute(x.given())});
  }
  PrintTable(out, {"SUBJECT", "HOLDER", "CAN PROVIDE", "SUITS CASUS", "REASON", "GIVEN (UTC)"}, rows);
  return 0;
}

int CasePropose(sdk::Api& client, const ProposeArgs& a, std::ostream& out) {
  v1::ProposeCaseRequest req;
  req.set_signal_id(a.signal);
  v1::CaseDecision* d = req.mutable_decision();
  auto meeting = ParseDate(a.meeting, "--meeting", false);
  if (!meeting.ok()) return Fail(meeting.status());
  *d->mutable_meeting() = ToProtoTime(*meeting);
  auto ends = ParseDate(a.ends, "--ends", true);
  if (!ends.ok()) return Fail(ends.status());
  *d->mutable_ends() = ToProtoTime(*ends);
  for (const auto& p : a.present) {
    auto* x = d->add_present();
    absl::string_view partner = p;
    x->set_consent(!absl::ConsumeSuffix(&partner, ":no"));
    x->set_partner(std::string(partner));
  }
  for (const auto& f : a.flows) {
    auto flow = ParseFlow(f, "--flow");
    if (!flow.ok()) return Fail(flow.status());
    *d->add_flows() = *flow;
  }
  for (const auto& c : a.categories) d->add_categories(c);
  d->mutable_justification()->set_noodzaak(a.noodzaak);
  d->mutable_justification()->set_proportionaliteit(a.proportionaliteit);
  d->mutable_justification()->set_subsidiariteit(a.subsidiariteit);
  for (const auto& u : a.use_conditions) d->add_use_conditions(u);
  auto subjects = ResolveSubjects(client, a.input);
  if (!subjects.ok()) return Fail(subjects.status());
  if (subjects->subjects.empty()) {
    // Default: every subject of the signal.
    auto signal = client.GetSignal(a.signal);
    if (!signal.ok()) return Fail(signal.status());
    for (const auto& s : signal->subjects()) *d->add_subjects() = s;
  } else {
    for (const auto& s : subjects->subjects) *d->add_subjects() = s;
  }
  auto r = client.ProposeCase(req);
  if (!r.ok()) return Fail(r.status());
  if (a.quiet) {
    out << r->case_().id() << "\n";
    return 0;
  }
  if (a.json) return ExitCode(PrintJson(r->case_(), out));
  out << "case " << r->case_().id() << " recorded for signal " << a.signal << " (log record " << r->log_index()
      << ")\n" << UnlockState(r->case_()) << "\n";
  return 0;
}

int CaseUnlock(sdk::Api& client, const std::string& id, std::ostream& out) {
  return CaseResult(client.UnlockCase(id), "unlock asked", out);
}

int CaseConfirm(sdk::Api& client, const std::string& id, std::ostream& out) {
  return CaseResult(client.ConfirmCase(id), "confirmed", out);
}

int CaseExtend(sdk::Api& client, const std::string& id, const std::string& ends, std::ostream& out) {
  auto t = ParseDate(ends, "--ends", true);
  if (!t.ok()) return Fail(t.status());
  v1::ExtendCaseRequest req;
  req.set_case_id(id);
  *req.mutable_ends() = ToProtoTime(*t);
  return CaseResult(client.ExtendCase(req), "extended to " + absl::FormatTime("%Y-%m-%d", *t, absl::UTCTimeZone()),
                    out);
}

int CaseNarrow(sdk::Api& client, const NarrowArgs& a, std::ostream& out) {
  v1::NarrowCaseRequest req;
  req.set_case_id(a.id);
  auto subjects = ResolveSubjects(client, a.remove);
  if (!subjects.ok()) return Fail(subjects.status());
  for (const auto& s : subjects->subjects) *req.add_remove_subjects() = s;
  for (const auto& f : a.flows) {
    auto flow = ParseFlow(f, "--remove-flow");
    if (!flow.ok()) return Fail(flow.status());
    *req.add_remove_flows() = *flow;
  }
  for (const auto& c : a.categories) req.add_remove_categories(c);
  return CaseResult(client.NarrowCase(req), "narrowed", out);
}

int CaseClose(sdk::Api& client, const std::string& id, const std::string& outcome, const std::string& text,
              std::ostream& out) {
  auto code = ParseEnum(v1::OutcomeCode_descriptor(), outcome, "", "--outcome");
  if (!code.ok()) return Fail(code.status());
  v1::CloseCaseRequest req;
  req.set_case_id(id);
  req.mutable_outcome()->set_code(static_cast<v1::OutcomeCode>(*code));
  req.mutable_outcome()->set_text(text);
  auto r = client.CloseCase(req);
  if (!r.ok()) return Fail(r.status());
  out << "case " << id << " closed with outcome " << outcome << "; told "
      << (r->case_().contributors().empty() ? "nobody (no partner contributed)"
                                            : absl::StrJoin(r->case_().contributors(), ", "))
      << " (log record " << r->log_index() << ")\n";
  return 0;
}

int CaseHandOver(sdk::Api& client, const std::string& id, const std::string& to, std::ostream& out) {
  std::vector<std::string> parts = absl::StrSplit(to, absl::MaxSplits('/', 1));
  v1::HandOverCaseRequest req;
  req.set_case_id(id);
  req.set_partner(parts[0]);
  if (parts.size() == 2) req.set_name(parts[1]);
  return CaseResult(client.HandOverCase(req), "handed over to " + to, out);
}

int CaseShow(sdk::Api& client, const std::string& id, bool json, std::ostream& out) {
  auto c = client.GetCase(id);
  if (!c.ok()) return Fail(c.status());
  if (json) return ExitCode(PrintJson(*c, out));
  PrintCase(*c, out);
  return 0;
}

int CaseList(sdk::Api& client, const std::string& state, bool json, std::ostream& out) {
  v1::CaseState s = v1::CASE_STATE_UNSPECIFIED;
  if (!state.empty() && state != "all") {
    auto parsed = ParseEnum(v1::CaseState_descriptor(), state, "CASE_STATE_", "--state");
    if (!parsed.ok()) return Fail(parsed.status());
    s = static_cast<v1::CaseState>(*parsed);
  }
  auto r = client.ListCases(s);
  if (!r.ok()) return Fail(r.status());
  if (json) return ExitCode(PrintJson(*r, out));
  if (r->cases().empty()) {
    out << "no cases\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : r->cases()) {
    rows.push_back({c.id(), CaseStateText(c.state()), c.signal_id(), c.purpose(), c.chair_partner(),
                    absl::StrCat(c.decision().subjects_size()), Day(c.decision().ends())});
  }
  PrintTable(out, {"CASE", "STATE", "SIGNAL", "PURPOSE", "CHAIR", "SUBJECTS", "ENDS"}, rows);
  return 0;
}

int ContentRequestCmd(sdk::Api& client, const ContentRequestArgs& a, std::ostream& out) {
  SubjectsInput in;
  in.subjects = {a.subject};
  auto subjects = ResolveSubjects(client, in);
  if (!subjects.ok()) return Fail(subjects.status());
  v1::RequestContentRequest req;
  req.set_case_id(a.case_id);
  *req.mutable_subject() = subjects->subjects[0];
  req.set_holder(a.holder);
  req.set_category(a.category);
  auto r = client.RequestContent(req);
  if (!r.ok()) return Fail(r.status());
  if (a.quiet) {
    out << r->id() << "\n";
    return 0;
  }
  out << "request " << r->id() << " sent to " << r->holder() << "; content will be sealed to your key "
      << r->key_id() << " (riec content fetch " << r->id() << " once it is provided)\n";
  return 0;
}

int ContentPending(sdk::Api& client, bool all, bool json, std::ostream& out) {
  auto r = client.ListRequests(all ? v1::REQUEST_STATE_UNSPECIFIED : v1::REQUEST_PENDING);
  if (!r.ok()) return Fail(r.status());
  if (json) return ExitCode(PrintJson(*r, out));
  if (r->requests().empty()) {
    out << (all ? "no content requests to or from you\n" : "no pending content requests\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : r->requests()) rows.push_back(RequestRow(x));
  PrintTable(out, {"REQUEST", "CASE", "STATE", "REQUESTER", "HOLDER", "SUBJECT", "CATEGORY", "REQUESTER KEY", "REQUESTED (UTC)"},
             rows);
  return 0;
}

// Shows the requester's key fingerprint first; provides only when it equals
// --expect-key, with --yes, or after "y" on `in` when `interactive`.
int ContentProvide(sdk::Api& client, const ProvideArgs& a, std::istream& in, bool interactive,
                   std::ostream& out) {
  auto request = client.GetRequest(a.request_id);
  if (!request.ok()) return Fail(request.status());
  auto content = ReadFile(a.file);
  if (!content.ok()) return Fail(content.status());
  if (content->size() > sdk::kMaxContentSize) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(a.file, ": ", content->size(), " bytes; at most 16 MiB per request")));
  }
  // The holder checks whom it seals to before anything leaves its system.
  std::cerr << "request " << request->id() << " of partner '" << request->requester() << "' in case "
            << request->case_id() << "\nthe content will be sealed to its key " << request->key_id() << "\n";
  if (!a.expect_key.empty()) {
    if (a.expect_key != request->key_id()) {
      return Fail(absl::FailedPreconditionError(absl::StrCat("the requester's key is ", request->key_id(),
                                                             ", not the expected ", a.expect_key,
                                                             "; nothing was provided")));
    }
  } else if (!a.yes) {
    if (!interactive) {
      return Fail(absl::FailedPreconditionError(absl::StrCat(
          "confirm the requester's key: --expect-key ", request->key_id(),
          " (after checking the fingerprint with the requester) or --yes")));
    }
    std::cerr << "is this the key partner '" << request->requester() << "' told you? [y/N] ";
    std::string answer;
    std::getline(in, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::cerr << "nothing was provided\n";
      return 1;
    }
  }
  auto r = sdk::ProvideSealed(client, *request, *content, a.category, a.use_conditions);
  if (!r.ok()) return Fail(r.status());
  out << "provided " << content->size() << " bytes (sealed to key " << r->key_id() << ") for request " << r->id()
      << "; the requester can fetch it once\n";
  return 0;
}

int ContentRefuse(sdk::Api& client, const std::string& id, const std::string& reason, const std::string& note,
                  std::ostream& out) {
  auto code = ParseEnum(v1::RefusalReason_descriptor(), reason, "", "--reason", "_REASON");
  if (!code.ok()) return Fail(code.status());
  v1::RefuseRequestRequest req;
  req.set_request_id(id);
  req.set_reason(static_cast<v1::RefusalReason>(*code));
  req.set_note(note);
  auto r = client.RefuseRequest(req);
  if (!r.ok()) return Fail(r.status());
  out << "request " << id << " refused (" << ReasonText(r->refusal()) << "); the requester is told\n";
  return 0;
}

int ContentFetch(sdk::Api& client, const FetchArgs& a, std::ostream& out) {
  sdk::Keyring keyring(a.keyring.empty() ? sdk::Keyring::DefaultDir() : a.keyring);
  auto opened = sdk::FetchAndOpen(client, keyring, a.request_id);
  if (!opened.ok()) return Fail(opened.status());
  std::ostream& info = a.out_file == "-" ? std::cerr : out;
  if (a.out_file == "-") {
    out.write(opened->content.data(), static_cast<std::streamsize>(opened->content.size()));
    out.flush();
  } else if (absl::Status s = WriteFileAtomically(a.out_file, opened->content, 0600); !s.ok()) {
    return Fail(absl::Status(s.code(), absl::StrCat(s.message(),
                                                    " (the broker has deleted the content; ask the holder again)")));
  }
  const v1::ContentRequest& r = opened->request;
  info << "content of request " << r.id() << " from " << r.holder() << ": " << r.size()
       << " bytes, SHA-256 verified" << (r.provided_category().empty() ? "" : ", category " + r.provided_category())
       << (a.out_file == "-" ? "" : ", written to " + a.out_file) << "\n";
  if (!opened->use_conditions.empty()) {
    info << "use conditions (they bind you):\n";
    for (const auto& u : opened->use_conditions) info << "  - " << u << "\n";
  }
  return 0;
}

int KeysRegister(sdk::Api& client, const std::string& dir, bool rotate, std::ostream& out) {
  sdk::Keyring keyring(dir.empty() ? sdk::Keyring::DefaultDir() : dir);
  auto before = keyring.Current();
  auto key = sdk::RegisterKeyringKey(client, keyring, rotate);
  if (!key.ok()) return Fail(key.status());
  if (rotate && before.ok()) {
    out << "rotated: key " << key->key_id() << " replaces " << *before
        << " (kept in the keyring for content already sealed to it)\n";
  } else {
    out << "registered key " << key->key_id() << " of partner '" << key->partner() << "'; the secret key stays in "
        << keyring.dir() << "\n";
  }
  out << "tell partners that provide to you this fingerprint: " << key->key_id() << "\n";
  return 0;
}

int KeysList(const std::string& dir, std::ostream& out) {
  sdk::Keyring keyring(dir.empty() ? sdk::Keyring::DefaultDir() : dir);
  auto ids = keyring.List();
  if (!ids.ok()) return Fail(ids.status());
  auto current = keyring.Current();
  if (ids->empty()) {
    out << "keyring " << keyring.dir() << " holds no keys (riec keys register)\n";
    return 0;
  }
  for (const auto& id : *ids) out << id << (current.ok() && *current == id ? "  (current)" : "") << "\n";
  return 0;
}

int KeysShow(sdk::Api& client, const std::string& partner, std::ostream& out) {
  auto key = client.GetKey(partner);
  if (!key.ok()) return Fail(key.status());
  out << "partner " << key->partner() << ": key " << key->key_id() << ", registered " << Minute(key->registered())
      << " UTC\n";
  return 0;
}

}  // namespace

void RegisterStage2Commands(CLI::App& app, Dispatch& d) {
  auto f = std::make_shared<Stage2Flags>();

  // riec assess
  auto* assess = app.add_subcommand("assess", "holder assessments of a signal's subjects");
  assess->require_subcommand(1);
  auto* areq = assess->add_subcommand("request", "ask the holders of a signal's subjects for their assessment (signal owner)");
  areq->add_option("--signal", f->signal, "your open signal (S-...)")->required();
  d.Online(areq, [f](sdk::Api& c) { return AssessRequestCmd(c, f->signal, std::cout); });

  auto* agive = assess->add_subcommand("give", "assess subjects you hold: can you provide, does it suit a casusaanpak");
  agive->add_option("--signal", f->give.signal, "the signal (S-...)")->required();
  agive->add_option("--subject", f->give.input.subjects, "a subject you assess, kind:value (repeatable)")->required();
  agive->add_option("--can-provide", f->give.can_provide, "yes or no")->required();
  agive->add_option("--suits", f->give.suits, "does it suit a casusaanpak: yes, no or unknown")->required();
  agive->add_option("--reason", f->give.reason, "optional reason code, e.g. lopend-onderzoek, verouderd");
  d.Online(agive, [f](sdk::Api& c) { return AssessGiveCmd(c, f->give, std::cout); });

  auto* alist = assess->add_subcommand("list", "the assessments given on a signal (owner, coordinator, chair)");
  alist->add_option("--signal", f->signal, "the signal (S-...)")->required();
  alist->add_flag("--json", f->json, "print JSON");
  d.Online(alist, [f](sdk::Api& c) { return AssessListCmd(c, f->signal, f->json, std::cout); });

  // riec case
  auto* cs = app.add_subcommand("case", "the casustafel's decision: propose, unlock, confirm, change, close");
  cs->require_subcommand(1);
  auto* prop = cs->add_subcommand("propose", "record the casustafel's decision on a signal (chair)");
  ProposeArgs& p = f->propose;
  prop->add_option("--signal", p.signal, "the open signal (S-...)")->required();
  prop->add_option("--meeting", p.meeting, "date of the casustafel, YYYY-MM-DD")->required();
  prop->add_option("--present", p.present,
                   "a partner present (repeatable); partner:no if it did not consent")->required();
  prop->add_option("--subject", p.input.subjects,
                   "a subject in scope, kind:value (repeatable; default: every subject of the signal)");
  prop->add_option("--flow", p.flows, "from:to — the holder 'from' may provide to 'to' (repeatable)")->required();
  prop->add_option("--category", p.categories, "a category concerned (repeatable; default: any)");
  prop->add_option("--noodzaak", p.noodzaak, "justification: necessity")->required();
  prop->add_option("--proportionaliteit", p.proportionaliteit, "justification: proportionality")->required();
  prop->add_option("--subsidiariteit", p.subsidiariteit, "justification: subsidiarity")->required();
  prop->add_option("--use-condition", p.use_conditions, "a use condition for all content of the case (repeatable)");
  prop->add_option("--ends", p.ends, "the case's end date, YYYY-MM-DD (inclusive)")->required();
  prop->add_flag("--json", p.json, "print the case as JSON");
  prop->add_flag("--quiet,-q", p.quiet, "print only the case id");
  d.Online(prop, [f](sdk::Api& c) { return CasePropose(c, f->propose, std::cout); });

  auto* unlock = cs->add_subcommand("unlock", "ask for the unlock; it takes effect when the purpose's rule holds (chair)");
  unlock->add_option("case", f->case_id, "case id (C-...)")->required();
  d.Online(unlock, [f](sdk::Api& c) { return CaseUnlock(c, f->case_id, std::cout); });

  auto* confirm = cs->add_subcommand(
      "confirm", "confirm a case (four-eyes: privacy officer; quorum: a partner concerned)");
  confirm->add_option("case", f->case_id, "case id (C-...)")->required();
  d.Online(confirm, [f](sdk::Api& c) { return CaseConfirm(c, f->case_id, std::cout); });

  auto* extend = cs->add_subcommand("extend", "a later end date, within the purpose's maximum (chair)");
  extend->add_option("case", f->case_id, "case id (C-...)")->required();
  extend->add_option("--ends", f->ends, "new end date, YYYY-MM-DD")->required();
  d.Online(extend, [f](sdk::Api& c) { return CaseExtend(c, f->case_id, f->ends, std::cout); });

  auto* narrow = cs->add_subcommand("narrow", "take subjects, flows or categories out of scope (chair)");
  narrow->add_option("case", f->narrow.id, "case id (C-...)")->required();
  narrow->add_option("--remove-subject", f->narrow.remove.subjects, "kind:value (repeatable)");
  narrow->add_option("--remove-flow", f->narrow.flows, "from:to (repeatable)");
  narrow->add_option("--remove-category", f->narrow.categories, "category (repeatable)");
  d.Online(narrow, [f](sdk::Api& c) { return CaseNarrow(c, f->narrow, std::cout); });

  auto* close = cs->add_subcommand("close", "close the case with its outcome; contributors are told (chair)");
  close->add_option("case", f->case_id, "case id (C-...)")->required();
  close->add_option("--outcome", f->outcome,
                    "administrative-measure, criminal-investigation, tax-or-benefit-measure, "
                    "care-or-support, no-action or other")->required();
  close->add_option("--text", f->text, "a short account for the contributing partners (no personal data)");
  d.Online(close, [f](sdk::Api& c) { return CaseClose(c, f->case_id, f->outcome, f->text, std::cout); });

  auto* hand = cs->add_subcommand("handover", "hand the chair of a case to a deputy chair certificate (chair)");
  hand->add_option("case", f->case_id, "case id (C-...)")->required();
  hand->add_option("--to", f->to, "partner[/holder-name] of the deputy's chair certificate")->required();
  d.Online(hand, [f](sdk::Api& c) { return CaseHandOver(c, f->case_id, f->to, std::cout); });

  auto* show = cs->add_subcommand("show", "one case with its decision and state");
  show->add_option("case", f->case_id, "case id (C-...)")->required();
  show->add_flag("--json", f->json, "print JSON");
  d.Online(show, [f](sdk::Api& c) { return CaseShow(c, f->case_id, f->json, std::cout); });

  auto* list = cs->add_subcommand("list", "cases (chairs and coordinators: all; others: theirs)");
  list->add_option("--state", f->state, "proposed, unlocked, closed, expired or all (default all)");
  list->add_flag("--json", f->json, "print JSON");
  d.Online(list, [f](sdk::Api& c) { return CaseList(c, f->state, f->json, std::cout); });

  // riec content
  auto* content = app.add_subcommand("content", "stage 2: request, provide, refuse and fetch sealed content");
  content->require_subcommand(1);
  auto* creq = content->add_subcommand("request", "request content on a subject of an unlocked case from a holder");
  creq->add_option("--case", f->request.case_id, "the case (C-...)")->required();
  creq->add_option("--subject", f->request.subject, "kind:value, a subject in the case's scope")->required();
  creq->add_option("--holder", f->request.holder, "the partner the decision lets provide to you")->required();
  creq->add_option("--category", f->request.category, "only this category (default: any in scope)");
  creq->add_flag("--quiet,-q", f->request.quiet, "print only the request id");
  d.Online(creq, [f](sdk::Api& c) { return ContentRequestCmd(c, f->request, std::cout); });

  auto* pending = content->add_subcommand("pending", "requests waiting for your answer (--all: every request to or from you)");
  pending->add_flag("--all", f->all, "every request to or from you, in any state");
  pending->add_flag("--json", f->json, "print JSON");
  d.Online(pending, [f](sdk::Api& c) { return ContentPending(c, f->all, f->json, std::cout); });

  auto* provide = content->add_subcommand(
      "provide", "seal a file to the requester's key and provide it (shows the key's fingerprint first)");
  provide->add_option("request", f->provide.request_id, "request id (R-...)")->required();
  provide->add_option("--file", f->provide.file, "the content to provide (at most 16 MiB)")->required()->check(CLI::ExistingFile);
  provide->add_option("--category", f->provide.category, "the content's category");
  provide->add_option("--use-condition", f->provide.use_conditions,
                      "a condition on its use, e.g. \"niet verder verstrekken\" (repeatable)");
  provide->add_option("--expect-key", f->provide.expect_key,
                      "the requester's key fingerprint as the requester told you; refuse to seal to another");
  provide->add_flag("--yes,-y", f->provide.yes, "do not ask to confirm the requester's key");
  d.Online(provide, [f](sdk::Api& c) {
    return ContentProvide(c, f->provide, std::cin, ::isatty(STDIN_FILENO) == 1, std::cout);
  });

  auto* refuse = content->add_subcommand("refuse", "refuse a request, with the reason");
  refuse->add_option("request", f->request_id, "request id (R-...)")->required();
  refuse->add_option("--reason", f->reason,
                     "no-legal-basis, professional-secrecy, running-investigation or other")->required();
  refuse->add_option("--note", f->note, "optional, at most 200 characters, no personal data");
  d.Online(refuse, [f](sdk::Api& c) {
    return ContentRefuse(c, f->request_id, f->reason, f->note, std::cout);
  });

  auto* fetch = content->add_subcommand(
      "fetch", "fetch provided content (once), decrypt it with your keyring, show its use conditions");
  fetch->add_option("request", f->fetch.request_id, "request id (R-...)")->required();
  fetch->add_option("--out", f->fetch.out_file, "file to write the content to (mode 0600), or - for stdout")->required();
  fetch->add_option("--keyring", f->fetch.keyring, "keyring directory (default $RIEC_KEYRING, else ~/.local/share/riec/keyring)");
  d.Online(fetch, [f](sdk::Api& c) { return ContentFetch(c, f->fetch, std::cout); });

  // riec keys
  auto* keys = app.add_subcommand("keys", "your partner's X25519 encryption keys for stage 2");
  keys->require_subcommand(1);
  auto add_keyring = [f](CLI::App* cmd) {
    cmd->add_option("--keyring", f->keyring, "keyring directory (default $RIEC_KEYRING, else ~/.local/share/riec/keyring)");
  };
  auto* kreg = keys->add_subcommand("register", "register your keyring's key (a new one if it has none)");
  add_keyring(kreg);
  d.Online(kreg, [f](sdk::Api& c) { return KeysRegister(c, f->keyring, false, std::cout); });
  auto* krot = keys->add_subcommand("rotate", "generate and register a new key; earlier keys stay to open older content");
  add_keyring(krot);
  d.Online(krot, [f](sdk::Api& c) { return KeysRegister(c, f->keyring, true, std::cout); });
  auto* klist = keys->add_subcommand("list", "the keys in your keyring (offline)");
  add_keyring(klist);
  d.Offline(klist, [f] { return KeysList(f->keyring, std::cout); });
  auto* kshow = keys->add_subcommand("show", "a partner's registered key fingerprint (default: your own)");
  kshow->add_option("--partner", f->partner, "partner id");
  d.Online(kshow, [f](sdk::Api& c) { return KeysShow(c, f->partner, std::cout); });
}

}  // namespace riec::cli
