// riec assess, riec case, riec content and riec keys: the two-stage workflow
// from the command line.
#include <unistd.h>

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/subject_kind.h"
#include "riec/common/time_util.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "google/protobuf/util/json_util.h"
#include "riec/sdk/stage2.h"

namespace riec::cli {
namespace {

namespace pb = google::protobuf;

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

std::string Json(const pb::Message& m) {
  std::string out;
  pb::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  (void)pb::util::MessageToJsonString(m, &out, o);
  return out;
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

}  // namespace

int AssessRequestCmd(sdk::Client& client, const std::string& signal, std::ostream& out) {
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

int AssessGiveCmd(sdk::Client& client, const AssessGiveArgs& a, std::ostream& out) {
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

int AssessListCmd(sdk::Client& client, const std::string& signal, bool json, std::ostream& out) {
  auto r = client.ListAssessments(signal);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    out << Json(*r) << "\n";
    return 0;
  }
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

int CasePropose(sdk::Client& client, const ProposeArgs& a, std::ostream& out) {
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
  if (a.json) {
    out << Json(r->case_()) << "\n";
    return 0;
  }
  out << "case " << r->case_().id() << " recorded for signal " << a.signal << " (log record " << r->log_index()
      << ")\n" << UnlockState(r->case_()) << "\n";
  return 0;
}

int CaseUnlock(sdk::Client& client, const std::string& id, std::ostream& out) {
  return CaseResult(client.UnlockCase(id), "unlock asked", out);
}

int CaseConfirm(sdk::Client& client, const std::string& id, std::ostream& out) {
  return CaseResult(client.ConfirmCase(id), "confirmed", out);
}

int CaseExtend(sdk::Client& client, const std::string& id, const std::string& ends, std::ostream& out) {
  auto t = ParseDate(ends, "--ends", true);
  if (!t.ok()) return Fail(t.status());
  v1::ExtendCaseRequest req;
  req.set_case_id(id);
  *req.mutable_ends() = ToProtoTime(*t);
  return CaseResult(client.ExtendCase(req), "extended to " + absl::FormatTime("%Y-%m-%d", *t, absl::UTCTimeZone()),
                    out);
}

int CaseNarrow(sdk::Client& client, const NarrowArgs& a, std::ostream& out) {
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

int CaseClose(sdk::Client& client, const std::string& id, const std::string& outcome, const std::string& text,
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

int CaseHandOver(sdk::Client& client, const std::string& id, const std::string& to, std::ostream& out) {
  std::vector<std::string> parts = absl::StrSplit(to, absl::MaxSplits('/', 1));
  v1::HandOverCaseRequest req;
  req.set_case_id(id);
  req.set_partner(parts[0]);
  if (parts.size() == 2) req.set_name(parts[1]);
  return CaseResult(client.HandOverCase(req), "handed over to " + to, out);
}

int CaseShow(sdk::Client& client, const std::string& id, bool json, std::ostream& out) {
  auto c = client.GetCase(id);
  if (!c.ok()) return Fail(c.status());
  if (json) {
    out << Json(*c) << "\n";
  } else {
    PrintCase(*c, out);
  }
  return 0;
}

int CaseList(sdk::Client& client, const std::string& state, bool json, std::ostream& out) {
  v1::CaseState s = v1::CASE_STATE_UNSPECIFIED;
  if (!state.empty() && state != "all") {
    auto parsed = ParseEnum(v1::CaseState_descriptor(), state, "CASE_STATE_", "--state");
    if (!parsed.ok()) return Fail(parsed.status());
    s = static_cast<v1::CaseState>(*parsed);
  }
  auto r = client.ListCases(s);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    out << Json(*r) << "\n";
    return 0;
  }
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

int ContentRequestCmd(sdk::Client& client, const ContentRequestArgs& a, std::ostream& out) {
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

int ContentPending(sdk::Client& client, bool all, bool json, std::ostream& out) {
  auto r = client.ListRequests(all ? v1::REQUEST_STATE_UNSPECIFIED : v1::REQUEST_PENDING);
  if (!r.ok()) return Fail(r.status());
  if (json) {
    out << Json(*r) << "\n";
    return 0;
  }
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

int ContentProvide(sdk::Client& client, const ProvideArgs& a, std::istream& in, bool interactive,
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

int ContentRefuse(sdk::Client& client, const std::string& id, const std::string& reason, const std::string& note,
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

int ContentFetch(sdk::Client& client, const FetchArgs& a, std::ostream& out) {
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

int KeysRegister(sdk::Client& client, const std::string& dir, bool rotate, std::ostream& out) {
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

int KeysShow(sdk::Client& client, const std::string& partner, std::ostream& out) {
  auto key = client.GetKey(partner);
  if (!key.ok()) return Fail(key.status());
  out << "partner " << key->partner() << ": key " << key->key_id() << ", registered " << Minute(key->registered())
      << " UTC\n";
  return 0;
}

}  // namespace riec::cli
