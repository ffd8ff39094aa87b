// The convenant as the broker enforces it: participation modes, versioned
// reload under load (RPC and SIGHUP), quota events, the validity window,
// retention on request, and the tools for people who write convenants.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "gmock/gmock.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::HasSubstr;

std::string Interventieteam() {
  return SourceDir() + "/policy/convenants/interventieteam-peelland.yaml";
}

TEST(PolicyBrokerTest, ParticipationModesAreEnforced) {
  TempDir dir("interventieteam");
  Pki pki(dir / "pki", "interventieteam-peelland");
  ASSERT_TRUE(pki.Create().ok());
  BrokerProcess::Options o;
  o.policy = Interventieteam();
  o.data_dir = dir / "data";
  o.key_dir = dir / "keys";
  o.work_dir = dir.path();
  auto broker = BrokerProcess::Start(pki, o);
  ASSERT_TRUE(broker.ok()) << broker.status();
  auto as = [&](const std::string& partner, const std::string& role = "partner-system") {
    return Connect(pki, (*broker)->address(), partner, role);
  };
  auto vr = as("veiligheidsregio");
  auto corporatie = as("woningcorporatie");
  auto team = as("interventieteam", "coordinator");
  auto address = vr->Subjects({{v1::ADDRESS, "5701 AB|12||"}});
  ASSERT_TRUE(address.ok()) << address.status();

  // respond-only: holds and answers ...
  v1::PublishRequest pub;
  auto* e = pub.add_entries();
  *e->mutable_subject() = (*address)[0];
  e->set_category("brandveiligheid");
  ASSERT_TRUE(vr->Publish(pub).ok());
  // ... never asks.
  v1::RegisterSignalRequest reg;
  reg.set_purpose("huisvesting-arbeidsmigranten");
  reg.set_theme("overbewoning");
  *reg.add_subjects() = (*address)[0];
  auto r = vr->RegisterSignal(reg);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(),
            "partner 'veiligheidsregio' takes part respond-only under convenant "
            "interventieteam-peelland v2026-02: it holds and answers, but does not bring signals or ask");

  // signal-only: brings a signal, holds nothing, asks nothing.
  auto signal = corporatie->RegisterSignal(reg);
  ASSERT_TRUE(signal.ok()) << signal.status();
  EXPECT_EQ(corporatie->Publish(pub).status().code(), absl::StatusCode::kPermissionDenied);
  v1::CheckSubjectsRequest ask;
  ask.set_signal_id(signal->signal().id());
  auto own = corporatie->CheckSubjects(ask);
  EXPECT_EQ(own.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(own.status().message(), HasSubstr("takes part signal-only"));
  // The team's coordinator asks in the corporation's signal.
  auto answer = team->CheckSubjects(ask);
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_EQ(answer->answers_size(), 1);
  ASSERT_EQ(answer->answers(0).holders_size(), 1);
  EXPECT_EQ(answer->answers(0).holders(0).partner(), "veiligheidsregio");
  EXPECT_EQ(answer->answers(0).holders(0).categories(0), "brandveiligheid");
}

class ReloadTest : public BrokerTest {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("reload");
    // The example convenant without an hourly question limit, so that the
    // load below is never refused for its volume.
    std::string text = *ReadFile(ExamplePolicy());
    text = absl::StrReplaceAll(text, {{"questions_per_hour: 600", "questions_per_hour: unlimited"}});
    policy_ = *dir_ / "policy.yaml";
    std::ofstream(policy_) << text;
    original_ = text;
    StartBroker(policy_);
  }
  std::string original_;
};

TEST_F(ReloadTest, ReloadUnderLoadFailsNoRequest) {
  auto operator_client = As("riec", "operator");
  auto gemeente = As("gemeente-eindhoven");
  auto subjects = gemeente->Subjects({{v1::PERSON_BSN, "111222333"}});
  ASSERT_TRUE(subjects.ok());
  v1::PublishRequest pub;
  *pub.add_entries()->mutable_subject() = (*subjects)[0];
  ASSERT_TRUE(As("politie")->Publish(pub).ok());
  v1::RegisterSignalRequest reg;
  reg.set_purpose("ondermijning");
  reg.set_theme("drugs");
  *reg.add_subjects() = (*subjects)[0];
  auto signal = gemeente->RegisterSignal(reg);
  ASSERT_TRUE(signal.ok());

  // Load threads make requests as the test hands them turns: turns given
  // while a reload runs overlap it; turns given after it completes are
  // decided under the new version. No timing is assumed anywhere.
  absl::Mutex mu;
  int turns = 0, running = 0, failed = 0;
  bool stop = false;
  std::string first_failure;
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      auto client = As(t % 2 ? "gemeente-eindhoven" : "politie");
      v1::CheckSubjectsRequest ask;
      ask.set_signal_id(signal->signal().id());
      while (true) {
        {
          absl::MutexLock l(&mu);
          auto ready = [&] { return turns > 0 || stop; };
          mu.Await(absl::Condition(&ready));
          if (turns == 0) return;
          --turns;
          ++running;
        }
        absl::Status s = t % 2 ? client->CheckSubjects(ask).status() : client->Publish(pub).status();
        absl::MutexLock l(&mu);
        --running;
        if (!s.ok()) {
          ++failed;
          if (first_failure.empty()) first_failure = s.ToString();
        }
      }
    });
  }
  auto give_turns = [&](int n) {
    absl::MutexLock l(&mu);
    turns += n;
  };
  auto until_done = [&] {
    absl::MutexLock l(&mu);
    auto idle = [&] {
      mu.AssertHeld();
      return turns == 0 && running == 0;
    };
    mu.Await(absl::Condition(&idle));
  };
  // Waits for the POLICY_CHANGED event of the next reload (SIGHUP gives no
  // answer of its own).
  uint64_t seen_events = 0;
  auto policy_changed = [&] {
    absl::Status s = operator_client->Subscribe(seen_events, [&](const v1::Event& e) {
      seen_events = e.sequence();
      return e.kind() != v1::POLICY_CHANGED;
    });
    ASSERT_TRUE(s.ok()) << s;
  };

  std::string current = std::string(operator_client->GetPolicy()->sha256());
  std::set<std::string> versions = {current};
  give_turns(8);
  until_done();
  for (int i = 1; i <= 10; ++i) {
    std::ofstream(policy_) << original_ << "# reload " << i << "\n";
    give_turns(8);  // these overlap the reload
    if (i % 2) {
      auto r = operator_client->ReloadPolicy();
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_TRUE(r->changed());
    } else {
      kill(broker_->pid(), SIGHUP);
    }
    policy_changed();
    until_done();
    const std::string next = std::string(operator_client->GetPolicy()->sha256());
    EXPECT_NE(next, current) << "reload " << i << (i % 2 ? " (RPC)" : " (SIGHUP)");
    current = next;
    versions.insert(current);
    give_turns(4);  // decided under the new version
    until_done();
  }
  // An invalid file in the middle of it changes nothing.
  const std::string in_force = std::string(operator_client->GetPolicy()->sha256());
  std::ofstream(policy_) << "convenant: {id: riec-oost-brabant, version: broken\n";
  give_turns(8);
  auto invalid = operator_client->ReloadPolicy();
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(invalid.status().message(), HasSubstr("not valid YAML"));
  EXPECT_EQ(operator_client->GetPolicy()->sha256(), in_force);
  until_done();
  {
    absl::MutexLock l(&mu);
    stop = true;
  }
  for (auto& t : load) t.join();
  EXPECT_EQ(failed, 0) << first_failure;
  EXPECT_EQ(versions.size(), 11u) << "ten reloads, ten new versions";

  // The reloads and the requests around them are in the log, each request
  // under a version that was in force.
  int reloads = 0;
  std::set<std::string> deciding;
  for (const auto& rec : StopAndReadLog()) {
    if (rec.kind() == v1::POLICY_RELOADED) {
      ++reloads;
      EXPECT_TRUE(versions.count(rec.policy_sha256()));
      EXPECT_TRUE(versions.count(rec.previous_policy_sha256()));
    } else if (rec.kind() == v1::STAGE1_ANSWERED || rec.kind() == v1::INDEX_PUBLISHED) {
      EXPECT_TRUE(versions.count(rec.policy_sha256()));
      deciding.insert(rec.policy_sha256());
    }
  }
  EXPECT_EQ(reloads, 10);
  EXPECT_EQ(deciding, versions) << "every version in force decided requests";
}

TEST_F(ReloadTest, EventsReachSubscribersLiveAndLaterThoseThatWereOffline) {
  // A partner system follows its events; another partner is offline.
  Pki::Files f = TestPki().Client("uwv", "partner-system");
  std::atomic<bool> done{false};
  CommandResult follow;
  std::thread follower([&] {
    follow = RunCommand({RiecBinary(), "--broker", broker_->address(), "--server-name", "localhost",
                         "--ca", TestPki().ca_cert(), "--cert", f.cert, "--key", f.key, "events",
                         "--follow", "--count", "1", "--json"});
    done = true;
  });
  absl::SleepFor(absl::Milliseconds(500));  // let the stream open
  std::ofstream(policy_) << original_ << "# new version\n";
  CommandResult reload = Cli("riec", "operator", {"policy", "reload"});
  ASSERT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_THAT(reload.out, HasSubstr("reloaded: riec-oost-brabant v2026-01"));
  follower.join();
  EXPECT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_THAT(follow.out, HasSubstr("\"kind\":\"POLICY_CHANGED\""));

  CommandResult missed = Cli("fiod", "partner-system", {"events"});
  EXPECT_EQ(missed.exit_code, 0) << missed.err;
  EXPECT_THAT(missed.out, HasSubstr("policy-changed  convenant riec-oost-brabant v2026-01 is in force"));
  // After the last one seen, nothing more.
  const std::string seq = missed.out.substr(0, missed.out.find(' '));
  CommandResult after = Cli("fiod", "partner-system", {"events", "--after", seq});
  EXPECT_EQ(after.out, absl::StrCat("no events after ", seq, "\n"));
}

class QuotaEventTest : public BrokerTest {};

TEST_F(QuotaEventTest, PrivacyOfficersAreToldOfAnExceededQuota) {
  ASSERT_EQ(broker_->Stop(), 0);
  std::string text = *ReadFile(ExamplePolicy());
  text = absl::StrReplaceAll(text, {{"questions_per_hour: 600", "questions_per_hour: 2"}});
  std::ofstream(*dir_ / "policy.yaml") << text;
  StartBroker(*dir_ / "policy.yaml");
  CommandResult reg = Cli("gemeente-eindhoven", "partner-system",
                          {"signal", "register", "--purpose", "ondermijning", "--theme", "drugs", "-q",
                           "--subject", "person-bsn:111222333"});
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  const std::string id(absl::StripAsciiWhitespace(reg.out));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Cli("gemeente-eindhoven", "partner-system", {"query", "--signal", id}).exit_code, 0);
  }
  CommandResult over = Cli("gemeente-eindhoven", "partner-system", {"query", "--signal", id});
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_THAT(over.err, ::testing::ContainsRegex(
                            "riec: resource exhausted: quota questions_per_hour of partner "
                            "'gemeente-eindhoven' is 2; 2 used this hour, this call needs 1; it "
                            "resets at [0-9-]+T[0-9]{2}:00:00Z"));
  for (const char* po : {"gemeente-eindhoven", "riec"}) {
    CommandResult events = Cli(po, "privacy-officer", {"events", "--json"});
    EXPECT_THAT(events.out, HasSubstr("\"kind\":\"QUOTA_EXCEEDED\"")) << po;
    EXPECT_THAT(events.out, HasSubstr("\"quota\":\"questions_per_hour\"")) << po;
  }
  CommandResult system = Cli("gemeente-eindhoven", "partner-system", {"events", "--json"});
  EXPECT_THAT(system.out, ::testing::Not(HasSubstr("QUOTA_EXCEEDED")));
}

TEST_F(QuotaEventTest, NothingIsSharedOutsideTheConvenantsTerm) {
  ASSERT_EQ(broker_->Stop(), 0);
  std::string text = *ReadFile(ExamplePolicy());
  text = absl::StrReplaceAll(text, {{"valid_from: 2026-01-01", "valid_from: 2024-01-01"},
                                    {"valid_until: 2029-12-31", "valid_until: 2025-12-31"}});
  std::ofstream(*dir_ / "policy.yaml") << text;
  StartBroker(*dir_ / "policy.yaml");
  auto politie = As("politie");
  EXPECT_TRUE(*politie->Healthy());
  auto r = politie->GetKeyInfo();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(),
            "convenant riec-oost-brabant v2026-01 ended on 2025-12-31; nothing is shared after its end");
}

TEST_F(QuotaEventTest, RetentionSweepOnRequestIsForTheOperator) {
  CommandResult sweep = Cli("riec", "operator", {"retention", "sweep"});
  EXPECT_EQ(sweep.exit_code, 0) << sweep.err;
  EXPECT_EQ(sweep.out, "nothing had expired\n");
  CommandResult denied = Cli("politie", "partner-system", {"retention", "sweep"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.err, HasSubstr("role 'partner-system' may not operate (allowed: operator)"));
  CommandResult show = Cli("politie", "partner-system", {"policy", "show"});
  EXPECT_THAT(show.out, HasSubstr("convenant  riec-oost-brabant v2026-01"));
}

TEST(PolicyToolsTest, CheckReportsTheCorpusAndExplainAnswers) {
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(SourceDir() + "/policy/testdata/broken")) {
    const std::string text = *ReadFile(e.path());
    const std::string expect = text.substr(10, text.find('\n') - 10);
    CommandResult r = RunCommand({RiecBinary(), "policy", "check", e.path()});
    EXPECT_EQ(r.exit_code, 1) << e.path();
    EXPECT_EQ(r.err.substr(0, r.err.find('\n')), absl::StrCat(e.path().string(), ":", expect));
    ++files;
  }
  EXPECT_GE(files, 20);

  const std::string p = ExamplePolicy();
  CommandResult allowed = RunCommand({RiecBinary(), "policy", "explain", p, "--as", "politie/partner-system",
                                      "--action", "ask", "--purpose", "ondermijning", "--subject-kind",
                                      "vehicle"});
  EXPECT_EQ(allowed.exit_code, 0);
  EXPECT_THAT(allowed.out, HasSubstr("ALLOWED"));
  EXPECT_THAT(allowed.out, HasSubstr("legal basis  art. 20 Wpg"));
  EXPECT_THAT(allowed.out, HasSubstr("not covered  Geen bulkvergelijking"));
  CommandResult denied = RunCommand({RiecBinary(), "policy", "explain", p, "--as", "uwv/partner-system",
                                     "--action", "register-signal", "--purpose", "bibob"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_THAT(denied.out, HasSubstr("DENIED  uwv/partner-system may not register-signal in purpose bibob"));
  EXPECT_THAT(denied.out, HasSubstr("rule         purpose.participants"));
  CommandResult usage = RunCommand({RiecBinary(), "policy", "explain", p, "--as", "uwv", "--action", "ask"});
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace riec::testing
