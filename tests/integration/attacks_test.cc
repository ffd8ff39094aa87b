// The attacks of issue 8, each tried again through the real broker: what a
// hostile partner, a stolen certificate and bad input could do, and what
// they get now. One test per item of the issue.
#include <sys/types.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/time_util.h"
#include "riec/crypto/sodium.h"
#include "gmock/gmock.h"
#include "integration/integration.h"
#include "log/disclosure_log.h"
#include "storage/keys.h"
#include "storage/rocksdb_store.h"

namespace riec::testing {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The example convenant with what the attacks need: a signal-only partner
// in ondermijning, small quotas for three partners, optionally an excluded
// address.
std::string AttackPolicy(const std::string& excluded_address_hex = "") {
  std::string text = *ReadFile(ExamplePolicy());
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    if (at == std::string::npos) {
      ADD_FAILURE() << "the example policy has no '" << from << "'";
      return;
    }
    text.replace(at, from.size(), to);
  };
  replace("  - {id: uwv, name: UWV, kind: uwv, roles: [partner-system, privacy-officer]}",
          "  - {id: uwv, name: UWV, kind: uwv, roles: [partner-system, privacy-officer]}\n"
          "  - {id: woningcorporatie, name: Woonbedrijf, participation: signal-only,\n"
          "     roles: [partner-system, privacy-officer]}");
  replace("kmar, ind, uwv]", "kmar, ind, uwv, woningcorporatie]");
  replace("    politie: {oprf_evaluations_per_day: 1000000}",
          "    politie: {oprf_evaluations_per_day: 1000000}\n"
          "    gemeente-helmond: {questions_per_hour: 2}\n"
          "    gemeente-oss: {requests_per_second: 2}\n"
          "    gemeente-meierijstad: {event_streams: 1}");
  if (!excluded_address_hex.empty()) {
    replace("      # excluded_addresses: pseudonyms",
            absl::StrCat("      excluded_addresses: [", excluded_address_hex, "]\n",
                         "      # excluded_addresses: pseudonyms"));
  }
  return text;
}

class AttackTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    ASSERT_TRUE(crypto::InitCrypto().ok());
    // The broker runs on the attack policy from the start.
    ASSERT_EQ(broker_->Stop(), 0);
    policy_file_ = *dir_ / "convenant.yaml";
    std::ofstream(policy_file_) << AttackPolicy();
    StartBroker(policy_file_);
    gemeente_ = As("gemeente-eindhoven");
    politie_ = As("politie");
    uwv_ = As("uwv");
    ASSERT_TRUE(gemeente_ && politie_ && uwv_);
  }

  v1::Subject Subject(v1::SubjectKind kind, const std::string& value) {
    auto s = gemeente_->Subjects({{kind, value}});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? (*s)[0] : v1::Subject();
  }
  v1::Subject Person(int n) { return Subject(v1::PERSON_BSN, FakeBsn(n)); }

  void Publish(sdk::Client& client, const std::vector<v1::Subject>& subjects,
               v1::SilentReason silent = v1::SILENT_REASON_UNSPECIFIED) {
    v1::PublishRequest req;
    for (const auto& s : subjects) {
      auto* e = req.add_entries();
      *e->mutable_subject() = s;
      if (silent != v1::SILENT_REASON_UNSPECIFIED) {
        e->set_silent(true);
        e->set_silent_reason(silent);
      }
    }
    auto r = client.Publish(req);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::string Register(sdk::Client& client, const std::string& purpose, const std::string& theme,
                       const std::vector<v1::Subject>& subjects) {
    v1::RegisterSignalRequest req;
    req.set_purpose(purpose);
    req.set_theme(theme);
    for (const auto& s : subjects) *req.add_subjects() = s;
    auto r = client.RegisterSignal(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->signal().id() : "";
  }

  absl::StatusOr<v1::CheckSubjectsResponse> Ask(sdk::Client& client, const std::string& signal) {
    v1::CheckSubjectsRequest req;
    req.set_signal_id(signal);
    return client.CheckSubjects(req);
  }

  // Every record a privacy officer gets for a filter (all pages).
  std::vector<v1::AuditedRecord> Audit(const std::string& partner, const v1::RecordFilter& filter) {
    auto po = As(partner, "privacy-officer");
    std::vector<v1::AuditedRecord> out;
    v1::ListRecordsRequest req;
    *req.mutable_filter() = filter;
    req.set_page_size(1000);
    do {
      auto page = po->ListRecords(req);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const auto& r : page->records()) out.push_back(r);
      req.set_page_token(page->next_page_token());
    } while (!req.page_token().empty());
    return out;
  }

  absl::StatusOr<std::string> Raw(const std::string& partner, const std::string& method,
                                  const google::protobuf::Message& request,
                                  const std::vector<std::pair<std::string, std::string>>& md = {}) {
    return RawCall(TestPki(), broker_->address(), partner, "partner-system", method,
                   request.SerializeAsString(), md);
  }

  std::vector<v1::Event> Events(const std::string& partner, const std::string& role) {
    auto r = As(partner, role)->ListEvents(0);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::vector<v1::Event>(r->events().begin(), r->events().end())
                  : std::vector<v1::Event>{};
  }
  static std::vector<v1::EventKind> Kinds(const std::vector<v1::Event>& events) {
    std::vector<v1::EventKind> out;
    for (const auto& e : events) out.push_back(e.kind());
    return out;
  }

  std::string policy_file_;
  std::unique_ptr<sdk::Client> gemeente_, politie_, uwv_;
};

// 1. A privacy officer sees only what its own partner was told or holds;
// silent holders only themselves and the RIEC.
TEST_F(AttackTest, PrivacyOfficersSeeOnlyTheirOwnPartOfAnAnswer) {
  const v1::Subject shared = Person(1), watched = Person(2);
  Publish(*uwv_, {shared});
  Publish(*politie_, {shared, watched}, v1::SILENT_RUNNING_INVESTIGATION);
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {shared, watched});
  ASSERT_TRUE(Ask(*gemeente_, signal).ok());

  v1::RecordFilter answers;
  answers.add_kinds(v1::STAGE1_ANSWERED);
  // uwv's officer: the answer, with only the subject uwv holds and only
  // uwv's entry; nothing of politie.
  auto uwv = Audit("uwv", answers);
  ASSERT_EQ(uwv.size(), 1u);
  EXPECT_EQ(uwv[0].status(), v1::PARTIAL);
  ASSERT_EQ(uwv[0].record().subjects_size(), 1);
  EXPECT_EQ(uwv[0].record().subjects(0).pseudonym(), shared.pseudonym());
  EXPECT_THAT(uwv[0].record().subjects(0).silent_holders(), IsEmpty());
  EXPECT_EQ(uwv[0].record().subjects(0).holders_size(), 1);
  // Searching by the subject it does not hold finds nothing.
  v1::RecordFilter by_watched;
  *by_watched.mutable_pseudonym() = watched.pseudonym();
  for (const auto& r : Audit("uwv", by_watched)) {
    EXPECT_NE(r.status(), v1::PRESENT) << r.index();
    EXPECT_NE(r.record().kind(), v1::STAGE1_ANSWERED) << r.index();
  }
  // The asker's officer: what the asker was told; no silent holder.
  auto asker = Audit("gemeente-eindhoven", answers);
  ASSERT_EQ(asker.size(), 1u);
  for (const auto& s : asker[0].record().subjects()) {
    EXPECT_THAT(s.silent_holders(), IsEmpty());
    for (const auto& h : s.holders()) EXPECT_EQ(h.partner(), "uwv");
  }
  // politie's officer: its own silent entries, not the signal.
  auto police = Audit("politie", answers);
  ASSERT_EQ(police.size(), 1u);
  EXPECT_EQ(police[0].record().subjects_size(), 2);
  EXPECT_EQ(police[0].record().signal_id(), "");
  for (const auto& s : police[0].record().subjects()) {
    EXPECT_THAT(s.silent_holders(), ElementsAre("politie"));
    EXPECT_THAT(s.holders(), IsEmpty());
  }
  // The RIEC's officer: everything.
  auto riec = Audit("riec", answers);
  ASSERT_EQ(riec.size(), 1u);
  EXPECT_EQ(riec[0].status(), v1::PRESENT);
  EXPECT_EQ(riec[0].record().signal_id(), signal);

  // An export relabelled after the broker served it does not verify: uwv's
  // view of the answer shown as withheld.
  CommandResult exported = Cli("uwv", "privacy-officer", {"audit", "export", "--out", *dir_ / "uwv.jsonl"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  std::string text = *ReadFile(*dir_ / "uwv.jsonl");
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  bool relabelled = false;
  for (auto& line : lines) {
    if (line.find("\"status\":\"partial\"") == std::string::npos) continue;
    line = line.substr(0, line.find(",\"status\"")) + ",\"status\":\"withheld\"}";
    relabelled = true;
    break;
  }
  ASSERT_TRUE(relabelled);
  std::ofstream(*dir_ / "relabelled.jsonl") << absl::StrJoin(lines, "\n") << "\n";
  CommandResult verify = Cli("uwv", "privacy-officer",
                             {"audit", "verify", "--export", *dir_ / "relabelled.jsonl"});
  EXPECT_EQ(verify.exit_code, 3) << verify.out << verify.err;
  EXPECT_THAT(verify.err, HasSubstr("SCOPE ATTESTATION"));
  CommandResult original = Cli("uwv", "privacy-officer", {"audit", "verify", "--export", *dir_ / "uwv.jsonl"});
  EXPECT_EQ(original.exit_code, 0) << original.err;
}

// 2. RequestAssessments reveals no more than the question would.
TEST_F(AttackTest, AssessmentRequestsFollowTheStageOneRules) {
  // Hit-only: the holders are asked but not named to the owner.
  const v1::Subject company = Subject(v1::ORGANISATION_KVK, "90004760");
  Publish(*uwv_, {company});
  const std::string knelpunt = Register(*gemeente_, "handhavingsknelpunten", "handhaving", {company});
  auto hit_only = gemeente_->RequestAssessments(knelpunt);
  ASSERT_TRUE(hit_only.ok()) << hit_only.status();
  EXPECT_THAT(hit_only->holders(), IsEmpty());
  EXPECT_THAT(Kinds(Events("uwv", "partner-system")), Contains(v1::ASSESSMENT_REQUESTED));

  // A signal-only partner cannot ask for assessments.
  const v1::Subject person = Person(3);
  Publish(*uwv_, {person});
  auto woning = As("woningcorporatie");
  const std::string own = Register(*woning, "ondermijning", "drugs", {person});
  auto signal_only = woning->RequestAssessments(own);
  EXPECT_EQ(signal_only.status().code(), absl::StatusCode::kPermissionDenied) << signal_only.status();

  // The hourly question quota covers assessment requests (gemeente-helmond
  // may ask twice an hour).
  auto helmond = As("gemeente-helmond");
  const std::string h = Register(*helmond, "ondermijning", "drugs", {person});
  ASSERT_TRUE(Ask(*helmond, h).ok());
  ASSERT_TRUE(helmond->RequestAssessments(h).ok());
  auto over = helmond->RequestAssessments(h);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted) << over.status();
  EXPECT_THAT(over.status().message(), HasSubstr("questions_per_hour"));

  // An excluded address is never asked about.
  const v1::Subject shelter = Subject(v1::ADDRESS, "5611 AB|1||");
  Publish(*uwv_, {shelter});
  std::ofstream(policy_file_) << AttackPolicy(ToHex(shelter.pseudonym()));
  CommandResult reload = Cli("riec", "operator", {"policy", "reload"});
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  const std::string about_shelter = Register(*gemeente_, "ondermijning", "drugs", {shelter});
  auto excluded = gemeente_->RequestAssessments(about_shelter);
  ASSERT_TRUE(excluded.ok()) << excluded.status();
  EXPECT_THAT(excluded->holders(), IsEmpty());
}

// 3. Oversized or unreadable input never reaches a record, and the audit
// keeps working for everyone.
TEST_F(AttackTest, OversizedAndUnreadableInputNeverBreaksTheAudit) {
  v1::RegisterSignalRequest huge;
  huge.set_purpose(std::string(16'500'000, 'p'));
  huge.set_theme("drugs");
  *huge.add_subjects() = Person(4);
  // The SDK refuses it before sending...
  auto sdk = gemeente_->RegisterSignal(huge);
  EXPECT_EQ(sdk.status().code(), absl::StatusCode::kInvalidArgument);
  // ...and the broker, sent by another client.
  auto raw = Raw("gemeente-eindhoven", "/riec.v1.Signals/RegisterSignal", huge);
  EXPECT_EQ(raw.status().code(), absl::StatusCode::kInvalidArgument) << raw.status().message().substr(0, 200);
  EXPECT_THAT(raw.status().message(), HasSubstr("purpose: 16500000 characters, at most"));
  EXPECT_LT(raw.status().message().size(), 1100u);

  // An on-behalf-of that is not UTF-8 once decoded, and one with a tab.
  v1::GetStatisticsRequest stats;
  auto bad_name = Raw("gemeente-eindhoven", "/riec.v1.Index/GetStatistics", stats,
                      {{"riec-on-behalf-of", "J. %FF%FEJansen"}});
  EXPECT_EQ(bad_name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_name.status().message(), HasSubstr("riec-on-behalf-of"));
  auto tab = Raw("gemeente-eindhoven", "/riec.v1.Index/GetStatistics", stats,
                 {{"riec-on-behalf-of", "J.%09Jansen"}});
  EXPECT_EQ(tab.status().code(), absl::StatusCode::kInvalidArgument);

  // Every privacy officer can still list, export and verify everything.
  for (const char* partner : {"riec", "gemeente-eindhoven"}) {
    CommandResult verify = Cli(partner, "privacy-officer", {"audit", "verify", "--full"});
    EXPECT_EQ(verify.exit_code, 0) << partner << ": " << verify.err;
    CommandResult list = Cli(partner, "privacy-officer", {"audit", "list", "--format", "csv"});
    EXPECT_EQ(list.exit_code, 0) << partner << ": " << list.err;
    CommandResult exported =
        Cli(partner, "privacy-officer", {"audit", "export", "--out", *dir_ / (std::string(partner) + ".jsonl")});
    EXPECT_EQ(exported.exit_code, 0) << partner << ": " << exported.err;
  }
  // No record holds the oversized input.
  for (const auto& r : StopAndReadLog()) EXPECT_LT(r.ByteSizeLong(), 64u << 10) << r.kind();
}

// 4. Assess is no oracle: whoever was not asked gets the same answer, and
// every attempt is logged.
TEST_F(AttackTest, AssessGivesTheSameAnswerToEveryoneNotAsked) {
  const v1::Subject person = Person(5);
  Publish(*uwv_, {person});
  Publish(*politie_, {person}, v1::SILENT_RUNNING_INVESTIGATION);
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {person});
  ASSERT_TRUE(gemeente_->RequestAssessments(signal).ok());
  v1::AssessRequest assess;
  assess.set_signal_id(signal);
  v1::Assessment* a = assess.add_assessments();
  *a->mutable_subject() = person;
  a->set_can_provide(v1::CAN_PROVIDE_YES);
  a->set_suits_casus(v1::SUITS_UNKNOWN);

  auto outsider = As("nla")->Assess(assess);       // holds nothing, not asked
  auto silent = politie_->Assess(assess);          // a silent holder revealing itself
  auto bibob = As("om")->Assess(assess);           // a participant, not asked
  for (const auto* r : {&outsider, &silent, &bibob}) {
    EXPECT_EQ(r->status().code(), absl::StatusCode::kNotFound) << r->status();
  }
  // The same sentence, but for the caller's own name.
  auto anonymous = [](const absl::Status& s, const std::string& self) {
    return absl::StrReplaceAll(s.message(), {{"'" + self + "'", "'X'"}});
  };
  EXPECT_EQ(anonymous(outsider.status(), "nla"), anonymous(silent.status(), "politie"));
  EXPECT_EQ(anonymous(outsider.status(), "nla"), anonymous(bibob.status(), "om"));
  // The asked holder may.
  ASSERT_TRUE(uwv_->Assess(assess).ok());
  // Not once the signal is closed.
  ASSERT_TRUE(gemeente_->CloseSignal(signal).ok());
  EXPECT_FALSE(uwv_->Assess(assess).ok());

  int logged = 0;
  for (const auto& r : StopAndReadLog()) {
    if (r.kind() == v1::REQUEST_DENIED && r.decision().rule() == "assess.asked") ++logged;
  }
  EXPECT_EQ(logged, 3);
}

// 5. Fields the contract does not define are dropped, never stored,
// forwarded or logged.
TEST_F(AttackTest, UnknownFieldsAreNeverKept) {
  const std::string smuggled = "BSN 111222333 J. Jansen";
  v1::Subject person = Person(6);
  person.GetReflection()->MutableUnknownFields(&person)->AddLengthDelimited(99, smuggled);
  Publish(*uwv_, {Person(6)});
  v1::RegisterSignalRequest req;
  req.set_purpose("ondermijning");
  req.set_theme("drugs");
  *req.add_subjects() = person;
  req.GetReflection()->MutableUnknownFields(&req)->AddLengthDelimited(77, smuggled);
  auto registered = Raw("gemeente-eindhoven", "/riec.v1.Signals/RegisterSignal", req);
  ASSERT_TRUE(registered.ok()) << registered.status();
  v1::RegisterSignalResponse response;
  ASSERT_TRUE(response.ParseFromString(*registered));
  auto signal = As("riec", "coordinator")->GetSignal(response.signal().id());
  ASSERT_TRUE(signal.ok()) << signal.status();
  EXPECT_EQ(signal->SerializeAsString().find(smuggled), std::string::npos);
  ASSERT_TRUE(Ask(*gemeente_, response.signal().id()).ok());
  for (const auto& e : Events("uwv", "partner-system")) {
    EXPECT_EQ(e.SerializeAsString().find(smuggled), std::string::npos);
  }
  ASSERT_EQ(broker_->Stop(), 0);
  auto dump = DumpStore(*dir_ / "data");
  ASSERT_TRUE(dump.ok()) << dump.status();
  EXPECT_EQ(dump->find(smuggled), std::string::npos) << "the smuggled text is in the store";
}

// 6. A subject repeated in one request is refused, not answered 10 000
// times.
TEST_F(AttackTest, RepeatedSubjectsAreRefused) {
  const v1::Subject person = Person(7);
  v1::RegisterSignalRequest reg;
  reg.set_purpose("ondermijning");
  reg.set_theme("drugs");
  *reg.add_subjects() = person;
  *reg.add_subjects() = person;
  auto twice = Raw("gemeente-eindhoven", "/riec.v1.Signals/RegisterSignal", reg);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.status().message(), HasSubstr("subjects[1]"));

  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {person});
  v1::CheckSubjectsRequest ask;
  ask.set_signal_id(signal);
  for (int i = 0; i < 1000; ++i) *ask.add_subjects() = person;
  auto many = Raw("gemeente-eindhoven", "/riec.v1.Inquiry/CheckSubjects", ask);
  EXPECT_EQ(many.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(many.status().message(), HasSubstr("subjects[1]"));
}

// 7. A revoked certificate stops working without a restart: on SIGHUP, and
// within the reload interval, also on a connection it already has.
TEST_F(AttackTest, RevocationTakesEffectWithoutARestart) {
  ASSERT_EQ(broker_->Stop(), 0);
  BrokerProcess::Options o;
  o.policy = policy_file_;
  o.data_dir = *dir_ / "data";
  o.key_dir = *dir_ / "keys";
  o.work_dir = dir_->path();
  o.crl_dir = TestPki().ca_dir() + "/crl";
  o.extra_flags = {"--crl-reload-interval", "1s", "--tree-head-interval", "1s"};
  auto started = BrokerProcess::Start(TestPki(), o);
  ASSERT_TRUE(started.ok()) << started.status();
  broker_ = *std::move(started);

  auto connect = [&](const std::string& name) {
    Pki::Files f = TestPki().Client("politie", "partner-system", name);
    auto options = Connection(TestPki(), broker_->address(), "politie", "partner-system");
    options.cert_file = f.cert;
    options.key_file = f.key;
    options.timeout = absl::Seconds(10);
    return *sdk::Client::Connect(options);
  };
  auto revoke = [&](const std::string& name) {
    Pki::Files f = TestPki().Client("politie", "partner-system", name);
    CommandResult r = RunCommand({SourceDir() + "/certs/revoke.sh", "--ca", TestPki().ca_dir(),
                                  "--cert", f.cert, "--reason", "keyCompromise"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };

  // On SIGHUP.
  auto laptop = connect("stolen-laptop");
  ASSERT_TRUE(laptop->GetIndexStatistics().ok());
  revoke("stolen-laptop");
  ASSERT_EQ(kill(broker_->pid(), SIGHUP), 0);
  bool refused = false;
  for (int i = 0; i < 300 && !refused; ++i) {  // the broker takes the signal on its own thread
    refused = !laptop->GetIndexStatistics().ok();
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(refused) << "the revoked certificate still works after SIGHUP";
  EXPECT_THAT(broker_->Output(), HasSubstr("CRLs reloaded"));

  // Within the reload interval, without a signal.
  auto phone = connect("stolen-phone");
  ASSERT_TRUE(phone->GetIndexStatistics().ok());
  revoke("stolen-phone");
  refused = false;
  for (int i = 0; i < 300 && !refused; ++i) {
    auto r = phone->GetIndexStatistics();
    refused = !r.ok();
    if (refused) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kUnauthenticated) << r.status();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_TRUE(refused) << "the revoked certificate still works after the reload interval";
  // The partner's other certificates are unaffected.
  EXPECT_TRUE(As("politie")->GetIndexStatistics().ok());
}

// 8. The log cannot be emptied: no policy may set a short log retention,
// and an erasure before its time is reported.
TEST_F(AttackTest, TheLogCannotBeEmptiedAndEarlyErasureIsReported) {
  Publish(*uwv_, {Person(8)});
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {Person(8)});
  ASSERT_TRUE(Ask(*gemeente_, signal).ok());
  std::string text = AttackPolicy();
  text = absl::StrReplaceAll(text, {{"  payloads: 30d", "  payloads: 30d\n  log_records: 1s"}});
  std::ofstream(policy_file_) << text;
  CommandResult reload = Cli("riec", "operator", {"policy", "reload"});
  EXPECT_NE(reload.exit_code, 0);
  EXPECT_THAT(reload.err, HasSubstr("retention.log_records"));
  EXPECT_THAT(reload.err, HasSubstr("legal minimum"));
  ASSERT_EQ(Cli("riec", "privacy-officer", {"audit", "verify", "--full"}).exit_code, 0);

  // Someone with the stopped broker's store erases a young record.
  ASSERT_EQ(broker_->Stop(), 0);
  {
    auto store = storage::OpenRocksDbStore(*dir_ / "data");
    ASSERT_TRUE(store.ok()) << store.status();
    storage::Batch b;
    storage::Delete(&b, storage::Table::kLogRecords, storage::keys::LogIndex(1));
    ASSERT_TRUE((*store)->Apply(b, true).ok());
  }
  std::ofstream(policy_file_) << AttackPolicy();
  StartBroker(policy_file_);
  CommandResult verify = Cli("riec", "privacy-officer", {"audit", "verify", "--full"});
  EXPECT_EQ(verify.exit_code, 3) << verify.out << verify.err;
  EXPECT_THAT(verify.err, HasSubstr("PREMATURE ERASURE: record 1"));
}

// 10. Least privilege: an unknown identity gets health only; operators get
// no events with pseudonyms; presence without consent reads no case.
TEST_F(AttackTest, EveryIdentityGetsOnlyWhatItsRoleNeeds) {
  auto stranger = As("onbekend");
  auto healthy = stranger->Healthy();
  EXPECT_TRUE(healthy.ok() && *healthy) << healthy.status();
  EXPECT_EQ(stranger->GetPolicy().status().code(), absl::StatusCode::kPermissionDenied);
  auto reflection = RawCall(TestPki(), broker_->address(), "politie", "partner-system",
                            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "");
  EXPECT_EQ(reflection.status().code(), absl::StatusCode::kUnimplemented) << reflection.status();

  // Deconfliction: two partners ask about one subject.
  const v1::Subject person = Person(9);
  const std::string first = Register(*gemeente_, "ondermijning", "drugs", {person});
  ASSERT_TRUE(Ask(*gemeente_, first).ok());
  auto helmond = As("gemeente-helmond");
  const std::string second = Register(*helmond, "ondermijning", "drugs", {person});
  ASSERT_TRUE(Ask(*helmond, second).ok());
  EXPECT_THAT(Kinds(Events("riec", "operator")), Not(Contains(v1::DECONFLICTION)));
  auto notices = Events("gemeente-eindhoven", "partner-system");
  ASSERT_THAT(Kinds(notices), Contains(v1::DECONFLICTION));
  for (const auto& e : notices) {
    if (e.kind() != v1::DECONFLICTION) continue;
    EXPECT_EQ(e.SerializeAsString().find(second), std::string::npos) << "the other's signal id";
    EXPECT_EQ(e.SerializeAsString().find("gemeente-helmond"), std::string::npos) << "the other partner";
  }
  auto coordinator = Events("riec", "coordinator");
  bool both = false;
  for (const auto& e : coordinator) {
    if (e.kind() == v1::DECONFLICTION) {
      both |= e.text().find(first) != std::string::npos && e.text().find(second) != std::string::npos;
    }
  }
  EXPECT_TRUE(both) << "the RIEC's coordinators bring the two together";

  // A partner present at the casustafel, without consent, outside every
  // flow, reads nothing of the case.
  Publish(*politie_, {person});
  const std::string bibob = Register(*gemeente_, "bibob", "vergunning", {person});
  v1::ProposeCaseRequest propose;
  propose.set_signal_id(bibob);
  v1::CaseDecision* d = propose.mutable_decision();
  *d->mutable_meeting() = ToProtoTime(absl::Now());
  for (auto [p, consent] : {std::pair{"politie", true}, std::pair{"gemeente-eindhoven", true},
                            std::pair{"belastingdienst", false}}) {
    auto* a = d->add_present();
    a->set_partner(p);
    a->set_consent(consent);
  }
  auto* f = d->add_flows();
  f->set_from("politie");
  f->set_to("gemeente-eindhoven");
  *d->add_subjects() = person;
  d->mutable_justification()->set_noodzaak("Noodzakelijk.");
  d->mutable_justification()->set_proportionaliteit("Beperkt.");
  d->mutable_justification()->set_subsidiariteit("Geen lichter middel.");
  *d->mutable_ends() = ToProtoTime(absl::Now() + absl::Hours(24 * 30));
  auto proposed = As("riec", "chair")->ProposeCase(propose);
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  auto read = As("belastingdienst")->GetCase(proposed->case_().id());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound) << read.status();
}

// 11. Bad input gets INVALID_ARGUMENT naming the field, short messages;
// officials' names in any script.
TEST_F(AttackTest, BadInputIsNamedAndNamesOfOfficialsAreUtf8) {
  v1::PublishRequest early;
  auto* e = early.add_entries();
  *e->mutable_subject() = Person(10);
  e->mutable_valid_until()->set_seconds(absl::ToUnixSeconds(absl::Now()) + 3600);
  e->mutable_valid_until()->set_nanos(-1);
  auto nanos = Raw("politie", "/riec.v1.Index/Publish", early);
  EXPECT_EQ(nanos.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(nanos.status().message(), HasSubstr("entries[0].valid_until"));
  e->mutable_valid_until()->set_nanos(2'000'000'000);
  EXPECT_EQ(Raw("politie", "/riec.v1.Index/Publish", early).status().code(),
            absl::StatusCode::kInvalidArgument);

  v1::PublishRequest big;
  auto* b = big.add_entries();
  *b->mutable_subject() = Person(10);
  b->set_category(std::string(1 << 20, 'c'));
  auto category = Raw("politie", "/riec.v1.Index/Publish", big);
  EXPECT_EQ(category.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(category.status().message(), HasSubstr("entries[0].category"));
  EXPECT_LT(category.status().message().size(), 1100u);

  v1::PublishRequest latin1;
  auto* l = latin1.add_entries();
  *l->mutable_subject() = Person(10);
  l->set_category("caf\xe9");
  auto utf8 = Raw("politie", "/riec.v1.Index/Publish", latin1);
  EXPECT_EQ(utf8.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(utf8.status().message(), HasSubstr("entries[0].category"));

  // The CLI with a name that is not ASCII, and with a tab.
  CommandResult named = Cli("gemeente-eindhoven", "privacy-officer",
                            {"--on-behalf-of", "J. Öztürk", "audit", "list"});
  EXPECT_EQ(named.exit_code, 0) << named.err;
  CommandResult tabbed = Cli("gemeente-eindhoven", "partner-system",
                             {"--on-behalf-of", "J.\tJansen", "index", "stats"});
  EXPECT_EQ(tabbed.exit_code, 1) << tabbed.err;
  EXPECT_THAT(tabbed.err, HasSubstr("on-behalf-of"));
  bool recorded = false;
  for (const auto& r : StopAndReadLog()) recorded |= r.actor().on_behalf_of() == "J. Öztürk";
  EXPECT_TRUE(recorded);
}

// 11c. An export verifies only if any JSON reader reads it the same way.
TEST_F(AttackTest, ExportsWithDuplicateKeysOrGarbageDoNotVerify) {
  Publish(*uwv_, {Person(11)});
  CommandResult exported = Cli("riec", "privacy-officer", {"audit", "export", "--out", *dir_ / "e.jsonl"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::string text = *ReadFile(*dir_ / "e.jsonl");
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 3u);
  auto verify = [&](const std::vector<std::string>& edited) {
    std::ofstream(*dir_ / "edited.jsonl") << absl::StrJoin(edited, "\n") << "\n";
    return Cli("riec", "privacy-officer", {"audit", "verify", "--export", *dir_ / "edited.jsonl"});
  };
  // A second "record" key after the real one.
  std::vector<std::string> duplicate = lines;
  for (auto& line : duplicate) {
    if (line.find("\"record\":") != std::string::npos) {
      line.insert(line.size() - 1, ",\"record\":\"AAAA\"");
      break;
    }
  }
  CommandResult dup = verify(duplicate);
  EXPECT_NE(dup.exit_code, 0);
  EXPECT_THAT(dup.err, HasSubstr("appears twice"));
  std::vector<std::string> garbage = lines;
  garbage[1] += " trailing";
  EXPECT_NE(verify(garbage).exit_code, 0);
  std::vector<std::string> not_json = lines;
  not_json.insert(not_json.begin() + 1, "this is not json");
  EXPECT_NE(verify(not_json).exit_code, 0);
  EXPECT_EQ(verify(lines).exit_code, 0);
}

// 12. Floods: refusals are summarised, requests rate-limited, streams
// capped, a new key announced, and content cannot be fetched with the
// certificate alone.
TEST_F(AttackTest, FloodsAreBounded) {
  // A certificate of a partner that left: 200 refused calls.
  auto gone = As("vertrokken");
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(gone->GetKeyInfo().ok());

  // requests_per_second: gemeente-oss has 2 (bursts of 4).
  auto oss = As("gemeente-oss");
  int limited = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = oss->GetIndexStatistics();
    if (r.status().code() == absl::StatusCode::kResourceExhausted) {
      ++limited;
      EXPECT_THAT(r.status().message(), HasSubstr("requests_per_second"));
    }
  }
  EXPECT_GT(limited, 0);

  // event_streams: gemeente-meierijstad may have one open.
  auto meierijstad = As("gemeente-meierijstad");
  Publish(*meierijstad, {Person(12)});
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {Person(12)});
  ASSERT_TRUE(Ask(*gemeente_, signal).ok());  // a MATCH event for it
  std::atomic<bool> streaming{false}, stop{false};
  std::thread first([&] {
    auto c = As("gemeente-meierijstad");
    (void)c->Subscribe(0, [&](const v1::Event&) {
      streaming = true;
      return !stop.load();
    });
  });
  for (int i = 0; i < 300 && !streaming; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(streaming);
  auto second = meierijstad->Subscribe(0, [](const v1::Event&) { return false; });
  EXPECT_EQ(second.code(), absl::StatusCode::kResourceExhausted) << second;
  EXPECT_THAT(second.message(), HasSubstr("event_streams"));
  stop = true;
  // Another match for it, so that the first stream sees an event and ends.
  const std::string again = Register(*gemeente_, "ondermijning", "witwassen", {Person(12)});
  ASSERT_TRUE(Ask(*gemeente_, again).ok());
  first.join();

  // A new key is announced to the partner's privacy officers.
  ASSERT_TRUE(politie_->RegisterKey(crypto::RandomBytes(32)).ok());
  EXPECT_THAT(Kinds(Events("politie", "privacy-officer")), Contains(v1::ENCRYPTION_KEY_REGISTERED));

  int single = 0, summaries = 0;
  uint64_t summarised = 0;
  for (const auto& r : StopAndReadLog()) {
    if (r.kind() != v1::REQUEST_DENIED || r.actor().partner() != "vertrokken") continue;
    if (r.decision().rule() == "refusals.aggregated") {
      ++summaries;
      summarised += r.count();
    } else {
      ++single;
    }
  }
  EXPECT_LE(single, 30) << "refusal records of one certificate are limited";
  EXPECT_GE(summaries, 1);
  EXPECT_EQ(single + summarised, 200u) << "every refusal is counted";
}

// 13. Free text carries no identifiers: the SDK refuses before sending,
// the broker refuses what another client sends.
TEST_F(AttackTest, IdentifiersInFreeTextAreRefusedAtBothEnds) {
  v1::RegisterSignalRequest req;
  req.set_purpose("ondermijning");
  req.set_theme("drugs");
  *req.add_subjects() = Person(13);
  for (const std::string& reference :
       {std::string("BSN 111222333 J. Jansen"), std::string("rek. NL91ABNA0417164300"),
        std::string("auto 12-ABC-3"), std::string("woont 5611 AB 12")}) {
    req.set_reference(reference);
    auto sdk = gemeente_->RegisterSignal(req);
    EXPECT_EQ(sdk.status().code(), absl::StatusCode::kInvalidArgument) << reference;
    EXPECT_THAT(sdk.status().message(), AllOf(HasSubstr("reference"), HasSubstr("looks like it contains")));
    EXPECT_THAT(sdk.status().message(), Not(HasSubstr(reference)));
    auto raw = Raw("gemeente-eindhoven", "/riec.v1.Signals/RegisterSignal", req);
    EXPECT_EQ(raw.status().code(), absl::StatusCode::kInvalidArgument) << reference;
    EXPECT_THAT(raw.status().message(), HasSubstr("reference"));
  }
  req.set_reference("dossier 2026-0417 team Oost");
  EXPECT_TRUE(gemeente_->RegisterSignal(req).ok());
  for (const auto& r : StopAndReadLog()) {
    EXPECT_EQ(r.SerializeAsString().find("111222333"), std::string::npos);
  }
}

}  // namespace
}  // namespace riec::testing
