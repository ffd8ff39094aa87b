// The riec commands against a fake sdk::Api: parsing, tables, JSON and
// failures, without a broker.
#include <algorithm>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cli/command_group.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "riec/common/hex.h"
#include "riec/common/time_util.h"

namespace riec::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Answers the few calls the tests make from canned values; every other
// call is UNIMPLEMENTED.
class FakeApi : public sdk::Api {
 public:
  absl::StatusOr<v1::IndexStatistics> index_statistics = absl::UnimplementedError("GetIndexStatistics");
  std::vector<v1::Signal> signals;
  std::vector<v1::ListSignalsRequest> list_signals_requests;
  absl::StatusOr<v1::CheckSubjectsResponse> check = absl::UnimplementedError("CheckSubjects");
  std::vector<v1::CheckSubjectsRequest> check_requests;
  v1::ListLateHitsResponse late_hits;
  std::vector<v1::Event> events;
  v1::ListRecordsResponse records;

  // Pseudonym of a value: its first 32 bytes, padded with '.'.
  static std::string PseudonymOf(const std::string& value) {
    std::string p = value.substr(0, 32);
    p.resize(32, '.');
    return p;
  }

  absl::StatusOr<std::vector<v1::Subject>> Subjects(const std::vector<sdk::SubjectValue>& values) override {
    std::vector<v1::Subject> out;
    for (const auto& v : values) {
      v1::Subject s;
      s.set_kind(v.kind);
      s.set_pseudonym(PseudonymOf(v.value));
      out.push_back(s);
    }
    return out;
  }
  absl::StatusOr<v1::IndexStatistics> GetIndexStatistics() override { return index_statistics; }
  absl::StatusOr<v1::ListSignalsResponse> ListSignals(const v1::ListSignalsRequest& request) override {
    list_signals_requests.push_back(request);
    v1::ListSignalsResponse r;
    for (const auto& s : signals) {
      if (request.state() == v1::SIGNAL_STATE_UNSPECIFIED || s.state() == request.state()) *r.add_signals() = s;
    }
    return r;
  }
  absl::StatusOr<v1::CheckSubjectsResponse> CheckSubjects(const v1::CheckSubjectsRequest& request) override {
    check_requests.push_back(request);
    return check;
  }
  absl::StatusOr<v1::ListLateHitsResponse> ListLateHits(const std::string& signal_id) override {
    v1::ListLateHitsResponse r = late_hits;
    r.set_signal_id(signal_id);
    return r;
  }
  absl::StatusOr<v1::ListEventsResponse> ListEvents(uint64_t after_sequence, uint32_t) override {
    v1::ListEventsResponse r;
    for (const auto& e : events) {
      if (e.sequence() > after_sequence) *r.add_events() = e;
    }
    return r;
  }
  absl::StatusOr<v1::KeyInfo> GetKeyInfo() override {
    v1::KeyInfo k;
    k.set_key_id("0123456789abcdef");
    return k;
  }
  // The pseudonym of an input is PseudonymOf what follows its tag.
  absl::StatusOr<std::vector<std::string>> PseudonymiseInputs(const std::vector<std::string>& inputs,
                                                             const sdk::Progress&) override {
    std::vector<std::string> out;
    for (const auto& in : inputs) out.push_back(PseudonymOf(in.substr(in.find('\0') + 1)));
    return out;
  }

  absl::StatusOr<v1::ListRecordsResponse> ListRecords(const v1::ListRecordsRequest&) override { return records; }

  // Not used by these tests.
  absl::StatusOr<bool> Healthy() override { return absl::UnimplementedError("Healthy"); }
  absl::StatusOr<v1::PublishResponse> PublishStream(const std::vector<v1::PublishRequest>&,
                                                    const sdk::Progress&) override {
    return absl::UnimplementedError("PublishStream");
  }
  absl::StatusOr<v1::WithdrawResponse> Withdraw(const v1::WithdrawRequest&) override {
    return absl::UnimplementedError("Withdraw");
  }
  absl::StatusOr<v1::RegisterSignalResponse> RegisterSignal(const v1::RegisterSignalRequest&) override {
    return absl::UnimplementedError("RegisterSignal");
  }
  absl::StatusOr<v1::Signal> GetSignal(const std::string&) override { return absl::UnimplementedError("GetSignal"); }
  absl::StatusOr<v1::CloseSignalResponse> CloseSignal(const std::string&) override {
    return absl::UnimplementedError("CloseSignal");
  }
  absl::StatusOr<v1::RequestAssessmentsResponse> RequestAssessments(const std::string&) override {
    return absl::UnimplementedError("RequestAssessments");
  }
  absl::StatusOr<v1::AssessResponse> Assess(const v1::AssessRequest&) override {
    return absl::UnimplementedError("Assess");
  }
  absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(const std::string&) override {
    return absl::UnimplementedError("ListAssessments");
  }
  absl::StatusOr<v1::CaseResponse> ProposeCase(const v1::ProposeCaseRequest&) override {
    return absl::UnimplementedError("ProposeCase");
  }
  absl::StatusOr<v1::CaseResponse> UnlockCase(const std::string&) override {
    return absl::UnimplementedError("UnlockCase");
  }
  absl::StatusOr<v1::CaseResponse> ConfirmCase(const std::string&) override {
    return absl::UnimplementedError("ConfirmCase");
  }
  absl::StatusOr<v1::CaseResponse> ExtendCase(const v1::ExtendCaseRequest&) override {
    return absl::UnimplementedError("ExtendCase");
  }
  absl::StatusOr<v1::CaseResponse> NarrowCase(const v1::NarrowCaseRequest&) override {
    return absl::UnimplementedError("NarrowCase");
  }
  absl::StatusOr<v1::CaseResponse> CloseCase(const v1::CloseCaseRequest&) override {
    return absl::UnimplementedError("CloseCase");
  }
  absl::StatusOr<v1::CaseResponse> HandOverCase(const v1::HandOverCaseRequest&) override {
    return absl::UnimplementedError("HandOverCase");
  }
  absl::StatusOr<v1::Case> GetCase(const std::string&) override { return absl::UnimplementedError("GetCase"); }
  absl::StatusOr<v1::ListCasesResponse> ListCases(v1::CaseState) override {
    return absl::UnimplementedError("ListCases");
  }
  absl::StatusOr<v1::EncryptionKey> RegisterKey(const std::string&) override {
    return absl::UnimplementedError("RegisterKey");
  }
  absl::StatusOr<v1::EncryptionKey> GetKey(const std::string&) override { return absl::UnimplementedError("GetKey"); }
  absl::StatusOr<v1::ContentRequest> RequestContent(const v1::RequestContentRequest&) override {
    return absl::UnimplementedError("RequestContent");
  }
  absl::StatusOr<v1::ListRequestsResponse> ListRequests(v1::RequestState) override {
    return absl::UnimplementedError("ListRequests");
  }
  absl::StatusOr<v1::ContentRequest> GetRequest(const std::string&) override {
    return absl::UnimplementedError("GetRequest");
  }
  absl::StatusOr<v1::ContentRequest> ProvideContent(const v1::ProvideContentRequest&) override {
    return absl::UnimplementedError("ProvideContent");
  }
  absl::StatusOr<v1::ContentRequest> RefuseRequest(const v1::RefuseRequestRequest&) override {
    return absl::UnimplementedError("RefuseRequest");
  }
  absl::StatusOr<v1::FetchContentResponse> FetchContent(const std::string&, const std::string&) override {
    return absl::UnimplementedError("FetchContent");
  }
  absl::Status Subscribe(uint64_t, const std::function<bool(const v1::Event&)>&) override {
    return absl::UnimplementedError("Subscribe");
  }
  absl::StatusOr<v1::PolicyInfo> GetPolicy() override { return absl::UnimplementedError("GetPolicy"); }
  absl::StatusOr<v1::ReloadPolicyResponse> ReloadPolicy() override { return absl::UnimplementedError("ReloadPolicy"); }
  absl::StatusOr<v1::SweepNowResponse> SweepNow() override { return absl::UnimplementedError("SweepNow"); }
  absl::StatusOr<v1::LogInfo> GetLogInfo() override { return absl::UnimplementedError("GetLogInfo"); }
  absl::StatusOr<v1::SignedTreeHead> GetLatestTreeHead(bool) override {
    return absl::UnimplementedError("GetLatestTreeHead");
  }
  absl::StatusOr<v1::SignedTreeHead> GetCosignedTreeHead() override {
    return absl::UnimplementedError("GetCosignedTreeHead");
  }
  absl::StatusOr<v1::InclusionProofResponse> GetInclusionProof(uint64_t, uint64_t) override {
    return absl::UnimplementedError("GetInclusionProof");
  }
  absl::StatusOr<v1::ConsistencyProofResponse> GetConsistencyProof(uint64_t, uint64_t) override {
    return absl::UnimplementedError("GetConsistencyProof");
  }
  absl::StatusOr<v1::GetRecordsResponse> GetRecords(uint64_t, uint32_t) override {
    return absl::UnimplementedError("GetRecords");
  }

  absl::StatusOr<v1::AuditStatistics> GetAuditStatistics(const v1::AuditStatisticsRequest&) override {
    return absl::UnimplementedError("GetAuditStatistics");
  }
  absl::StatusOr<v1::RiecStatistics> GetRiecStatistics(const v1::RiecStatisticsRequest& r) override {
    stats_requests.push_back(r);
    return riec_statistics;
  }
  std::vector<v1::RiecStatisticsRequest> stats_requests;
  v1::RiecStatistics riec_statistics;
};

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// Parses `args` (what follows "riec") as main() does and runs the command
// chosen against `api`, capturing stdout and stderr.
Result Riec(sdk::Api& api, std::vector<std::string> args) {
  Dispatch d;
  CLI::App app{"riec"};
  app.require_subcommand(1);
  RegisterIndexCommands(app, d);
  RegisterSignalCommands(app, d);
  RegisterPseudonymCommands(app, d);
  RegisterEventsCommands(app, d);
  RegisterStage2Commands(app, d);
  RegisterAuditCommands(app, d);
  RegisterPolicyCommands(app, d);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  app.parse(args);
  std::ostringstream out, err;
  std::streambuf* old_out = std::cout.rdbuf(out.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(err.rdbuf());
  Result r;
  r.exit_code = d.offline ? d.offline() : d.online(api);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// `json` parsed as a T; fails the test if it is not one.
template <typename T>
T Parse(const std::string& json) {
  T m;
  auto s = google::protobuf::util::JsonStringToMessage(json, &m);
  EXPECT_TRUE(s.ok()) << s.ToString() << "\n" << json;
  return m;
}

MATCHER_P(EqualsProto, want, "") {
  return google::protobuf::util::MessageDifferencer::Equals(arg, want);
}

google::protobuf::Timestamp At(int day, int hour) {
  return ToProtoTime(absl::FromCivil(absl::CivilSecond(2026, 11, day, hour, 30, 0), absl::UTCTimeZone()));
}

v1::IndexStatistics Statistics() {
  v1::IndexStatistics s;
  s.set_entries(12345);
  s.set_expired(2);
  auto* k = s.add_by_kind();
  k->set_kind(v1::PERSON_BSN);
  k->set_entries(12000);
  k = s.add_by_kind();
  k->set_kind(v1::ADDRESS);
  k->set_entries(345);
  auto* c = s.add_by_category();
  c->set_entries(5);
  c = s.add_by_category();
  c->set_category("uitkering");
  c->set_entries(12340);
  return s;
}

TEST(IndexStatsTest, Table) {
  FakeApi api;
  api.index_statistics = Statistics();
  Result r = Riec(api, {"index", "stats"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "entries: 12 345 (2 expired, never matching)\n"
            "BY        VALUE       ENTRIES\n"
            "kind      person-bsn  12 000\n"
            "kind      address     345\n"
            "category  (none)      5\n"
            "category  uitkering   12 340\n");
  EXPECT_EQ(r.err, "");
}

TEST(IndexStatsTest, JsonIsTheIndexStatisticsMapping) {
  FakeApi api;
  api.index_statistics = Statistics();
  Result r = Riec(api, {"index", "stats", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Proto field names, enums by name, 64-bit counts as strings, defaults
  // (the empty category) left out; one line.
  EXPECT_EQ(r.out,
            "{\"entries\":\"12345\",\"expired\":\"2\","
            "\"by_kind\":[{\"kind\":\"PERSON_BSN\",\"entries\":\"12000\"},{\"kind\":\"ADDRESS\",\"entries\":\"345\"}],"
            "\"by_category\":[{\"entries\":\"5\"},{\"category\":\"uitkering\",\"entries\":\"12340\"}]}\n");
  EXPECT_THAT(Parse<v1::IndexStatistics>(r.out), EqualsProto(Statistics()));
}

TEST(IndexStatsTest, ARefusalIsOneLineAndExitCodeOne) {
  FakeApi api;
  api.index_statistics = absl::PermissionDeniedError("role operator may not read-own-index (rule roles.operator)");
  for (bool json : {false, true}) {
    std::vector<std::string> args = {"index", "stats"};
    if (json) args.push_back("--json");
    Result r = Riec(api, args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "riec: permission denied: role operator may not read-own-index (rule roles.operator)\n");
  }
}

v1::Signal MakeSignal(const std::string& id, v1::SignalState state, int day) {
  v1::Signal s;
  s.set_id(id);
  s.set_purpose("ondermijning");
  s.set_theme("drugs");
  s.set_owner("gemeente-eindhoven");
  s.set_state(state);
  *s.mutable_created() = At(day, 9);
  *s.mutable_expires() = At(day + 1, 9);
  s.set_reference("casus " + id);
  auto* subject = s.add_subjects();
  subject->set_kind(v1::PERSON_BSN);
  subject->set_pseudonym(FakeApi::PseudonymOf("111222333"));
  return s;
}

class SignalListTest : public ::testing::Test {
 protected:
  SignalListTest() {
    api_.signals = {MakeSignal("S-OPEN000001", v1::OPEN, 1), MakeSignal("S-CLOSED0001", v1::CLOSED, 2),
                    MakeSignal("S-EXPIRED001", v1::EXPIRED, 3)};
  }
  FakeApi api_;
};

TEST_F(SignalListTest, StateFiltersTheList) {
  Result open = Riec(api_, {"signal", "list", "--state", "open"});
  EXPECT_EQ(open.exit_code, 0) << open.err;
  ASSERT_EQ(api_.list_signals_requests.size(), 1u);
  EXPECT_EQ(api_.list_signals_requests[0].state(), v1::OPEN);
  EXPECT_EQ(open.out,
            "SIGNAL        PURPOSE       THEME  SUBJECTS  STATE  OWNER               CREATED (UTC)     "
            "EXPIRES (UTC)     REFERENCE\n"
            "S-OPEN000001  ondermijning  drugs  1         open   gemeente-eindhoven  2026-11-01 09:30  "
            "2026-11-02 09:30  casus S-OPEN000001\n");

  Result expired = Riec(api_, {"signal", "list", "--state", "expired"});
  EXPECT_THAT(expired.out, HasSubstr("S-EXPIRED001"));
  EXPECT_THAT(expired.out, Not(HasSubstr("S-OPEN000001")));
  EXPECT_THAT(expired.out, Not(HasSubstr("S-CLOSED0001")));

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"signal", "list"}, std::vector<std::string>{"signal", "list", "--state", "all"}}) {
    Result all = Riec(api_, args);
    EXPECT_EQ(all.exit_code, 0) << all.err;
    EXPECT_EQ(api_.list_signals_requests.back().state(), v1::SIGNAL_STATE_UNSPECIFIED);
    const std::vector<std::string> lines = absl::StrSplit(all.out, '\n', absl::SkipEmpty());
    EXPECT_EQ(lines.size(), 4u) << all.out;
  }
}

TEST_F(SignalListTest, JsonIsTheListSignalsResponse) {
  Result r = Riec(api_, {"signal", "list", "--state", "closed", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"state\":\"CLOSED\""));
  EXPECT_THAT(r.out, HasSubstr("\"created\":\"2026-11-02T09:30:00Z\""));
  v1::ListSignalsResponse want;
  *want.add_signals() = api_.signals[1];
  EXPECT_THAT(Parse<v1::ListSignalsResponse>(r.out), EqualsProto(want));
}

TEST_F(SignalListTest, AnUnknownStateIsRefusedBeforeAnyCall) {
  Result r = Riec(api_, {"signal", "list", "--state", "shut"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "riec: invalid argument: --state 'shut': want open, closed, expired or all\n");
  EXPECT_THAT(api_.list_signals_requests, IsEmpty());
}

// The answer of the broker at `level` about the subjects asked: the first a
// hit held by uwv and politie, the second no hit but held by the asker.
v1::CheckSubjectsResponse Answer(v1::Stage1Level level, const std::vector<v1::Subject>& asked) {
  v1::CheckSubjectsResponse r;
  r.set_signal_id("S-7KQ2M9XD4F");
  r.set_purpose("ondermijning");
  r.set_level(level);
  r.set_log_index(42);
  auto* hit = r.add_answers();
  *hit->mutable_subject() = asked[0];
  hit->set_hit(true);
  if (level != v1::HIT_ONLY) {
    for (const std::string partner : {"politie", "uwv"}) {
      auto* h = hit->add_holders();
      h->set_partner(partner);
      if (level == v1::HOLDERS_AND_CATEGORY && partner == "uwv") h->add_categories("uitkering");
    }
  }
  auto* miss = r.add_answers();
  *miss->mutable_subject() = asked[1];
  miss->set_held_by_requester(true);
  return r;
}

class QueryTest : public ::testing::TestWithParam<v1::Stage1Level> {
 protected:
  Result Ask(bool json) {
    auto asked = api_.Subjects({{v1::PERSON_BSN, "111222333"}, {v1::ADDRESS, "9999 ZX 12"}});
    api_.check = Answer(GetParam(), *asked);
    std::vector<std::string> args = {"query", "--signal", "S-7KQ2M9XD4F", "--subject", "person-bsn:111222333",
                                     "--subject", "address:9999 ZX 12"};
    if (json) args.push_back("--json");
    return Riec(api_, args);
  }
  FakeApi api_;
};

TEST_P(QueryTest, Table) {
  Result r = Ask(false);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(api_.check_requests.size(), 1u);
  EXPECT_EQ(api_.check_requests[0].signal_id(), "S-7KQ2M9XD4F");
  EXPECT_EQ(api_.check_requests[0].subjects_size(), 2);
  const std::string level = GetParam() == v1::HIT_ONLY  ? "hit-only"
                            : GetParam() == v1::HOLDERS ? "holders"
                                                        : "holders-and-category";
  const std::string holders = GetParam() == v1::HIT_ONLY  ? "(not disclosed at this level)"
                              : GetParam() == v1::HOLDERS ? "politie, uwv"
                                                          : "politie, uwv (uitkering)";
  EXPECT_EQ(r.out, absl::StrCat("signal S-7KQ2M9XD4F · purpose ondermijning · level ", level,
                                " · log record 42\n\n"
                                "SUBJECT               ANSWER  YOURS  HOLDERS\n"
                                "person-bsn 111222333  hit            ",
                                holders,
                                "\n"
                                "address 9999 ZX 12    no hit  yes    \n"
                                "\n1 of 2 subjects held by another partner\n"));
}

TEST_P(QueryTest, JsonIsTheCheckSubjectsResponse) {
  Result r = Ask(true);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr(absl::StrCat("\"level\":\"", v1::Stage1Level_Name(GetParam()), "\"")));
  EXPECT_THAT(r.out, HasSubstr("\"log_index\":\"42\""));
  EXPECT_THAT(r.out, HasSubstr("\"held_by_requester\":true"));
  EXPECT_THAT(Parse<v1::CheckSubjectsResponse>(r.out), EqualsProto(*api_.check));
}

INSTANTIATE_TEST_SUITE_P(Levels, QueryTest, ::testing::Values(v1::HIT_ONLY, v1::HOLDERS, v1::HOLDERS_AND_CATEGORY),
                         [](const auto& info) { return v1::Stage1Level_Name(info.param); });

// A partner that published after the question: `riec query` marks it as a
// late hit, with when it arrived, below the answer.
TEST(QueryLateHitsTest, AreListedBelowTheAnswerWithTheirArrival) {
  FakeApi api;
  auto asked = api.Subjects({{v1::PERSON_BSN, "111222333"}, {v1::ADDRESS, "9999 ZX 12"}});
  api.check = Answer(v1::HOLDERS_AND_CATEGORY, *asked);
  api.late_hits.set_max_late_hits(25);
  v1::LateHit* h = api.late_hits.add_late_hits();
  *h->mutable_subject() = (*asked)[0];
  h->set_level(v1::HOLDERS_AND_CATEGORY);
  h->mutable_holder()->set_partner("uwv");
  h->mutable_holder()->add_categories("uitkering");
  h->mutable_time()->set_seconds(1795000000);  // 2026-11-18 11:06:40 UTC
  h->set_log_index(57);
  Result r = Riec(api, {"query", "--signal", "S-7KQ2M9XD4F", "--subject", "person-bsn:111222333",
                        "--subject", "address:9999 ZX 12"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("\nLate hits in this signal (entries published after an earlier "
                               "question):\n"
                               "SUBJECT               ARRIVED (UTC)        HOLDER  CATEGORIES  "
                               "LOG RECORD\n"
                               "person-bsn 111222333  2026-11-18 11:06:40  uwv     uitkering   57\n"))
      << r.out;

  Result listed = Riec(api, {"signal", "late-hits", "S-7KQ2M9XD4F"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("1 late hits (at most 25)"));
  EXPECT_THAT(listed.out, HasSubstr("uwv     uitkering   57"));
}

TEST(QueryRefusalTest, IsOneLineAndExitCodeOne) {
  FakeApi api;
  api.check = absl::FailedPreconditionError("signal S-7KQ2M9XD4F is closed");
  for (bool json : {false, true}) {
    std::vector<std::string> args = {"query", "--signal", "S-7KQ2M9XD4F"};
    if (json) args.push_back("--json");
    Result r = Riec(api, args);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "riec: failed precondition: signal S-7KQ2M9XD4F is closed\n");
  }
}

TEST(UnimplementedTest, ACallTheFakeDoesNotAnswerFailsAsOneLine) {
  FakeApi api;
  Result r = Riec(api, {"policy", "show"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "riec: unimplemented: GetPolicy\n");
}

TEST(EventsTest, JsonIsOneEventPerLine) {
  FakeApi api;
  for (int i = 1; i <= 2; ++i) {
    v1::Event e;
    e.set_sequence(65536 * i);
    e.set_kind(i == 1 ? v1::SILENT_MATCH : v1::QUOTA_EXCEEDED);
    *e.mutable_time() = At(i, 12);
    e.set_text(absl::StrCat("event ", i));
    api.events.push_back(e);
  }
  Result r = Riec(api, {"events", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_THAT(lines[0], HasSubstr("\"kind\":\"SILENT_MATCH\""));
  EXPECT_THAT(lines[1], HasSubstr("\"kind\":\"QUOTA_EXCEEDED\""));
  EXPECT_THAT(Parse<v1::Event>(lines[0]), EqualsProto(api.events[0]));
  EXPECT_THAT(Parse<v1::Event>(lines[1]), EqualsProto(api.events[1]));

  Result text = Riec(api, {"events", "--after", "65536"});
  EXPECT_EQ(text.out, "131072  2026-11-02 12:30:00  quota-exceeded  event 2\n");
}

TEST(AuditListTest, JsonIsOneAuditedRecordPerLine) {
  FakeApi api;
  for (int i = 0; i < 2; ++i) {
    v1::AuditedRecord* r = api.records.add_records();
    r->set_index(7 + i);
    r->set_leaf_hash(std::string(32, static_cast<char>('a' + i)));
    r->set_status(v1::PRESENT);
    r->mutable_record()->set_kind(i == 0 ? v1::SIGNAL_REGISTERED : v1::STAGE1_ANSWERED);
    r->mutable_record()->set_signal_id("S-7KQ2M9XD4F");
  }
  Result r = Riec(api, {"audit", "list", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = absl::StrSplit(r.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_THAT(lines[0], HasSubstr("\"index\":\"7\""));
  EXPECT_THAT(lines[1], HasSubstr("\"kind\":\"STAGE1_ANSWERED\""));
  EXPECT_THAT(Parse<v1::AuditedRecord>(lines[0]), EqualsProto(api.records.records(0)));
  EXPECT_THAT(Parse<v1::AuditedRecord>(lines[1]), EqualsProto(api.records.records(1)));
}

TEST(RiecStatsTest, SuppressedCountsAreNeverPrintedAsNumbers) {
  FakeApi api;
  api.riec_statistics.set_min_count(5);
  api.riec_statistics.add_months("2026-11");
  v1::StatisticsCell* shown = api.riec_statistics.add_cells();
  shown->set_month("2026-11");
  shown->set_purpose("ondermijning");
  shown->set_measure("signals");
  shown->set_label("huisvesting, arbeidsmigranten");
  shown->set_count(12);
  v1::StatisticsCell* hidden = api.riec_statistics.add_cells();
  hidden->set_month("2026-11");
  hidden->set_purpose("ondermijning");
  hidden->set_measure("decisions_timed");
  hidden->set_suppressed(true);
  Result csv = Riec(api, {"stats", "--from", "2026-11", "--format", "csv"});
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out,
            "month,purpose,measure,label,count,days_median\n"
            "2026-11,ondermijning,signals,\"huisvesting, arbeidsmigranten\",12,\n"
            "2026-11,ondermijning,decisions_timed,,< 5,\n");
  ASSERT_EQ(api.stats_requests.size(), 1u);
  EXPECT_EQ(api.stats_requests[0].from_month(), "2026-11");
  EXPECT_EQ(api.stats_requests[0].to_month(), "2026-11") << "--to defaults to --from";
  Result table = Riec(api, {"stats", "--from", "2026-10", "--to", "2026-11"});
  EXPECT_THAT(table.out, HasSubstr("counts below 5 are shown as '< 5'"));
  EXPECT_THAT(table.out, HasSubstr("< 5"));
  Result json = Riec(api, {"stats", "--from", "2026-11", "--format", "json"});
  EXPECT_THAT(Parse<v1::RiecStatistics>(json.out), EqualsProto(api.riec_statistics));
  Result bad = Riec(api, {"stats", "--from", "2026-11", "--format", "xml"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("--format"));
}

TEST(PseudonymTest, JsonKeepsItsKeys) {
  FakeApi api;
  Result r = Riec(api, {"pseudonym", "--kind", "person-bsn", "--json", "111 222 333"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto s = Parse<google::protobuf::Struct>(r.out);
  EXPECT_EQ(s.fields().at("kind").string_value(), "person-bsn");
  EXPECT_EQ(s.fields().at("canonical").string_value(), "111222333");
  EXPECT_EQ(s.fields().at("pseudonym").string_value(), ToHex(FakeApi::PseudonymOf("111222333")));
  EXPECT_EQ(s.fields().at("key_id").string_value(), "0123456789abcdef");
}

}  // namespace
}  // namespace riec::cli
