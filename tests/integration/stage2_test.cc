// The two-stage workflow against the real broker over mutual TLS: the
// whole path through the riec command; every refusal of stage 2; unlock
// under each of the convenant's three rules; silent entries; events missed
// while offline; ciphertext only in the data directory; payloads gone after
// fetch and case end; a restart in the middle of the path.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/common/time_util.h"
#include "riec/crypto/sealed_box.h"
#include "riec/crypto/sodium.h"
#include "gmock/gmock.h"
#include "riec/sdk/stage2.h"
#include "integration/integration.h"

namespace riec::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Bsn(int n) { return FakeBsn(n); }

class Stage2BrokerTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    ASSERT_TRUE(crypto::InitCrypto().ok());
    Reconnect();
  }

  // Clients of the partners and roles the tests use, to the running broker.
  void Reconnect() {
    gemeente_ = As("gemeente-eindhoven");
    politie_ = As("politie");
    uwv_ = As("uwv");
    chair_ = As("riec", "chair");
    privacy_ = As("riec", "privacy-officer");
    ASSERT_TRUE(gemeente_ && politie_ && uwv_ && chair_ && privacy_);
  }

  v1::Subject Subject(v1::SubjectKind kind, const std::string& value) {
    auto s = gemeente_->Subjects({{kind, value}});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? (*s)[0] : v1::Subject();
  }
  v1::Subject Person(int n) { return Subject(v1::PERSON_BSN, Bsn(n)); }

  void Publish(sdk::Client& client, const std::vector<v1::Subject>& subjects, const std::string& category = "",
               bool silent = false) {
    v1::PublishRequest req;
    for (const auto& s : subjects) {
      auto* e = req.add_entries();
      *e->mutable_subject() = s;
      e->set_category(category);
      e->set_silent(silent);
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

  // A decision: the partners of `flows` present and consenting; `ends_in`
  // from now.
  v1::ProposeCaseRequest Decision(const std::string& signal, const std::vector<v1::Subject>& subjects,
                                  const std::vector<std::pair<std::string, std::string>>& flows,
                                  absl::Duration ends_in = absl::Hours(24 * 30)) {
    v1::ProposeCaseRequest req;
    req.set_signal_id(signal);
    v1::CaseDecision* d = req.mutable_decision();
    *d->mutable_meeting() = ToProtoTime(absl::Now());
    std::set<std::string> present;
    for (const auto& [from, to] : flows) {
      present.insert(from);
      present.insert(to);
      auto* f = d->add_flows();
      f->set_from(from);
      f->set_to(to);
    }
    for (const auto& p : present) {
      auto* a = d->add_present();
      a->set_partner(p);
      a->set_consent(true);
    }
    for (const auto& s : subjects) *d->add_subjects() = s;
    d->mutable_justification()->set_noodzaak("Noodzakelijk voor de aanpak.");
    d->mutable_justification()->set_proportionaliteit("Alleen wat nodig is.");
    d->mutable_justification()->set_subsidiariteit("Geen lichter middel.");
    d->add_use_conditions("geen actie zonder overleg met de bron");
    *d->mutable_ends() = ToProtoTime(absl::Now() + ends_in);
    return req;
  }

  // An unlocked case of purpose bibob (rule chair) on one person that
  // politie holds; politie may provide to gemeente-eindhoven, which has a
  // registered key. Returns the case id.
  std::string UnlockedCase(const v1::Subject& person, absl::Duration ends_in = absl::Hours(24 * 30)) {
    Publish(*politie_, {person});
    const std::string signal = Register(*gemeente_, "bibob", "vergunning", {person});
    auto c = chair_->ProposeCase(Decision(signal, {person}, {{"politie", "gemeente-eindhoven"}}, ends_in));
    EXPECT_TRUE(c.ok()) << c.status();
    if (!c.ok()) return "";
    auto u = chair_->UnlockCase(c->case_().id());
    EXPECT_TRUE(u.ok()) << u.status();
    EXPECT_EQ(u->case_().state(), v1::CASE_STATE_UNLOCKED);
    if (!gemeente_->GetKey("gemeente-eindhoven").ok()) {
      EXPECT_TRUE(gemeente_->RegisterKey(key_.public_key).ok());
    }
    return c->case_().id();
  }

  absl::StatusOr<v1::ContentRequest> Request(sdk::Client& as, const std::string& case_id, const v1::Subject& s,
                                             const std::string& holder) {
    v1::RequestContentRequest req;
    req.set_case_id(case_id);
    *req.mutable_subject() = s;
    req.set_holder(holder);
    return as.RequestContent(req);
  }

  // Provides `sealed` (made here, so the test knows the ciphertext).
  absl::StatusOr<std::string> ProvideKnown(const v1::ContentRequest& r, const std::string& text) {
    auto sealed = crypto::Seal(r.requester_public_key(), text);
    if (!sealed.ok()) return sealed.status();
    v1::ProvideContentRequest req;
    req.set_request_id(r.id());
    req.set_sealed(*sealed);
    req.set_sha256(crypto::Sha256(text));
    req.set_size(text.size());
    req.set_key_id(r.key_id());
    auto provided = politie_->ProvideContent(req);
    if (!provided.ok()) return provided.status();
    return *sealed;
  }

  std::vector<v1::Event> Events(sdk::Client& client) {
    auto r = client.ListEvents(0);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::vector<v1::Event>(r->events().begin(), r->events().end()) : std::vector<v1::Event>{};
  }
  static std::vector<v1::EventKind> Kinds(const std::vector<v1::Event>& events) {
    std::vector<v1::EventKind> out;
    for (const auto& e : events) out.push_back(e.kind());
    return out;
  }

  void Restart() {
    ASSERT_EQ(broker_->Stop(), 0) << broker_->Output();
    StartBroker();
    Reconnect();
  }

  std::unique_ptr<sdk::Client> gemeente_, politie_, uwv_, chair_, privacy_;
  crypto::BoxKeyPair key_ = crypto::GenerateBoxKeyPair();
};

// The whole path as its users meet it, through the riec command.
TEST_F(Stage2BrokerTest, FullPathThroughTheCli) {
  const std::string person = Bsn(1), other = Bsn(2);
  Publish(*politie_, {Subject(v1::PERSON_BSN, person)}, "strafrecht");
  Publish(*uwv_, {Subject(v1::PERSON_BSN, person), Subject(v1::PERSON_BSN, other)}, "uitkering");
  auto cli = [&](const std::string& partner, const std::string& role, std::vector<std::string> args) {
    CommandResult r = Cli(partner, role, args);
    EXPECT_EQ(r.exit_code, 0) << partner << "/" << role << " " << absl::StrJoin(args, " ") << "\n" << r.out << r.err;
    return r;
  };
  auto g = [&](std::vector<std::string> args) { return cli("gemeente-eindhoven", "partner-system", args); };

  // Stage 1.
  const std::string signal(absl::StripAsciiWhitespace(
      g({"signal", "register", "--purpose", "ondermijning", "--theme", "drugs", "-q", "--subject",
         "person-bsn:" + person, "--subject", "person-bsn:" + other})
          .out));
  ASSERT_THAT(signal, ::testing::StartsWith("S-"));
  EXPECT_THAT(g({"query", "--signal", signal}).out, HasSubstr("politie (strafrecht), uwv (uitkering)"));
  // Assessments.
  EXPECT_THAT(g({"assess", "request", "--signal", signal}).out, HasSubstr("asked 2 holders"));
  EXPECT_THAT(cli("politie", "partner-system", {"events"}).out, HasSubstr("assessment-requested"));
  cli("politie", "partner-system",
      {"assess", "give", "--signal", signal, "--subject", "person-bsn:" + person, "--can-provide", "yes", "--suits", "yes"});
  EXPECT_THAT(g({"assess", "list", "--signal", signal}).out, HasSubstr("politie"));
  // Keys.
  TempDir keyring("keyring");
  const std::string ring = keyring / "gemeente";
  EXPECT_THAT(g({"keys", "register", "--keyring", ring}).out, HasSubstr("registered key"));
  auto current = ReadFile(ring + "/current");
  ASSERT_TRUE(current.ok());
  const std::string fingerprint(absl::StripAsciiWhitespace(*current));
  EXPECT_EQ(std::filesystem::status(ring + "/" + fingerprint + ".key").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // The casustafel's decision; ondermijning unlocks four-eyes.
  const std::string case_id(absl::StripAsciiWhitespace(
      cli("riec", "chair",
          {"case", "propose", "--signal", signal, "-q", "--meeting", absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone()),
           "--present", "gemeente-eindhoven", "--present", "politie", "--present", "uwv:no", "--subject",
           "person-bsn:" + person, "--flow", "politie:gemeente-eindhoven", "--noodzaak", "n", "--proportionaliteit", "p",
           "--subsidiariteit", "s", "--use-condition", "geen actie zonder overleg met de bron", "--ends",
           absl::FormatTime("%Y-%m-%d", absl::Now() + absl::Hours(24 * 60), absl::UTCTimeZone())})
          .out));
  ASSERT_THAT(case_id, ::testing::StartsWith("C-"));
  EXPECT_THAT(cli("riec", "chair", {"case", "unlock", case_id}).out,
              HasSubstr("still needs a privacy officer's confirmation"));
  EXPECT_THAT(cli("riec", "privacy-officer", {"case", "confirm", case_id}).out, HasSubstr("is unlocked"));
  EXPECT_THAT(cli("politie", "partner-system", {"case", "show", case_id}).out, HasSubstr("politie -> gemeente-eindhoven"));
  // Stage 2.
  const std::string request(absl::StripAsciiWhitespace(
      g({"content", "request", "--case", case_id, "--subject", "person-bsn:" + person, "--holder", "politie", "-q"}).out));
  ASSERT_THAT(request, ::testing::StartsWith("R-"));
  CommandResult pending = cli("politie", "partner-system", {"content", "pending"});
  EXPECT_THAT(pending.out, HasSubstr(request));
  EXPECT_THAT(pending.out, HasSubstr(fingerprint));
  TempDir files("content");
  const std::string text = "Synthetische inhoud: registratie 2026-0042, drie meldingen.\n";
  ASSERT_TRUE(WriteFileAtomically(files / "antwoord.txt", text, 0600).ok());
  cli("politie", "partner-system",
      {"content", "provide", request, "--file", files / "antwoord.txt", "--use-condition", "niet verder verstrekken",
       "--expect-key", fingerprint});
  CommandResult fetched = g({"content", "fetch", request, "--out", files / "ontvangen.txt", "--keyring", ring});
  EXPECT_THAT(fetched.out, HasSubstr("SHA-256 verified"));
  EXPECT_THAT(fetched.out, HasSubstr("- geen actie zonder overleg met de bron"));
  EXPECT_THAT(fetched.out, HasSubstr("- niet verder verstrekken"));
  EXPECT_EQ(*ReadFile(files / "ontvangen.txt"), text);
  // Once only.
  CommandResult again = Cli("gemeente-eindhoven", "partner-system",
                            {"content", "fetch", request, "--out", files / "again.txt", "--keyring", ring});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("handed over once"));
  // Outcome.
  EXPECT_THAT(cli("riec", "chair", {"case", "close", case_id, "--outcome", "administrative-measure", "--text", "Waarschuwing."}).out,
              HasSubstr("told politie"));
  EXPECT_THAT(cli("politie", "partner-system", {"events"}).out, HasSubstr("outcome of case " + case_id));
  // The privacy officer sees every step of the case in the log.
  CommandResult audit = cli("riec", "privacy-officer", {"audit", "list", "--case", case_id, "--format", "csv"});
  for (const char* kind : {"case-proposed", "case-unlock", "case-confirmed", "content-request",
                           "content-provision", "content-fetch", "case-ended"}) {
    EXPECT_THAT(audit.out, HasSubstr(kind)) << audit.out;
  }
}

TEST_F(Stage2BrokerTest, TheHolderSealsOnlyToTheKeyItExpects) {
  const v1::Subject person = Person(3);
  const std::string case_id = UnlockedCase(person);
  auto r = Request(*gemeente_, case_id, person, "politie");
  ASSERT_TRUE(r.ok()) << r.status();
  TempDir files("content");
  ASSERT_TRUE(WriteFileAtomically(files / "x.txt", "inhoud", 0600).ok());
  // No terminal to ask on: the fingerprint must be confirmed.
  CommandResult unconfirmed = Cli("politie", "partner-system", {"content", "provide", r->id(), "--file", files / "x.txt"});
  EXPECT_EQ(unconfirmed.exit_code, 1);
  EXPECT_THAT(unconfirmed.err, HasSubstr("--expect-key " + r->key_id()));
  CommandResult wrong = Cli("politie", "partner-system",
                            {"content", "provide", r->id(), "--file", files / "x.txt", "--expect-key", "00112233aabbccdd"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_THAT(wrong.err, HasSubstr("nothing was provided"));
  EXPECT_EQ(politie_->GetRequest(r->id())->state(), v1::REQUEST_PENDING);
  // The holder may refuse instead; the requester learns why.
  CommandResult refused = Cli("politie", "partner-system",
                              {"content", "refuse", r->id(), "--reason", "running-investigation"});
  EXPECT_EQ(refused.exit_code, 0) << refused.err;
  auto events = Events(*gemeente_);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().kind(), v1::CONTENT_REFUSED);
  EXPECT_THAT(events.back().text(), HasSubstr("RUNNING_INVESTIGATION"));
}

TEST_F(Stage2BrokerTest, EverythingOutsideTheDecisionIsRefusedAndLogged) {
  const v1::Subject person = Person(4), elsewhere = Person(5);
  Publish(*uwv_, {person});
  const std::string case_id = UnlockedCase(person);
  ASSERT_TRUE(politie_->RegisterKey(crypto::GenerateBoxKeyPair().public_key).ok());
  auto fiod = As("fiod");
  ASSERT_TRUE(fiod->RegisterKey(crypto::GenerateBoxKeyPair().public_key).ok());
  struct Try {
    std::string what;
    sdk::Client* as;
    v1::Subject subject;
    std::string holder;
    absl::StatusCode code;
    std::string rule;
  };
  const std::vector<Try> tries = {
      {"another subject", gemeente_.get(), elsewhere, "politie", absl::StatusCode::kPermissionDenied, "case.subjects"},
      {"another holder", gemeente_.get(), person, "uwv", absl::StatusCode::kPermissionDenied, "case.flows"},
      {"the other direction", politie_.get(), person, "gemeente-eindhoven", absl::StatusCode::kPermissionDenied, "case.flows"},
      // A case the caller may not see is not found, whoever it belongs to.
      {"a partner not in the case", fiod.get(), person, "politie", absl::StatusCode::kNotFound, "case.scope"},
  };
  for (const auto& t : tries) {
    auto r = Request(*t.as, case_id, t.subject, t.holder);
    EXPECT_EQ(r.status().code(), t.code) << t.what << ": " << r.status();
  }
  // A proposed case is not open yet; a closed one no longer.
  const v1::Subject third = Person(6);
  Publish(*politie_, {third});
  const std::string signal = Register(*gemeente_, "bibob", "vergunning", {third});
  auto proposed = chair_->ProposeCase(Decision(signal, {third}, {{"politie", "gemeente-eindhoven"}}));
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  auto early = Request(*gemeente_, proposed->case_().id(), third, "politie");
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(early.status().message(), HasSubstr("is not unlocked"));
  v1::CloseCaseRequest close;
  close.set_case_id(case_id);
  close.mutable_outcome()->set_code(v1::NO_ACTION);
  ASSERT_TRUE(chair_->CloseCase(close).ok());
  auto closed = Request(*gemeente_, case_id, person, "politie");
  EXPECT_EQ(closed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(closed.status().message(), HasSubstr("is closed"));

  // A case past its end date (a case that ends in a few seconds).
  const v1::Subject fourth = Person(7);
  const std::string short_case = UnlockedCase(fourth, absl::Seconds(6));
  auto before_end = Request(*gemeente_, short_case, fourth, "politie");
  ASSERT_TRUE(before_end.ok()) << before_end.status();
  absl::SleepFor(absl::Seconds(7));
  auto expired = Request(*gemeente_, short_case, fourth, "politie");
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(expired.status().message(), HasSubstr("has ended"));
  EXPECT_EQ(ProvideKnown(*before_end, "te laat").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(gemeente_->GetRequest(before_end->id())->state(), v1::REQUEST_LAPSED);

  // Every refusal is a record naming the rule.
  std::multiset<std::string> rules;
  for (const auto& r : StopAndReadLog()) {
    if (r.kind() != v1::REQUEST_DENIED) continue;
    if (!r.case_id().empty()) rules.insert(r.decision().rule());
    if (r.decision().rule() == "case.scope") {
      EXPECT_EQ(r.case_id(), "") << "nothing of a case the caller may not see";
      rules.insert(r.decision().rule());
    }
  }
  EXPECT_EQ(rules.count("case.subjects"), 1u);
  EXPECT_EQ(rules.count("case.flows"), 2u);
  EXPECT_EQ(rules.count("case.scope"), 1u);
  EXPECT_EQ(rules.count("case.state"), 4u);  // proposed, closed, expired twice
}

TEST_F(Stage2BrokerTest, UnlockTakesEffectOnlyUnderThePurposesRule) {
  // bibob: the chair alone.
  const v1::Subject a = Person(8);
  const std::string chair_signal = Register(*gemeente_, "bibob", "vergunning", {a});
  auto chair_case = chair_->ProposeCase(Decision(chair_signal, {a}, {{"politie", "gemeente-eindhoven"}}));
  ASSERT_TRUE(chair_case.ok()) << chair_case.status();
  EXPECT_EQ(chair_case->case_().state(), v1::CASE_STATE_PROPOSED);
  EXPECT_EQ(chair_->UnlockCase(chair_case->case_().id())->case_().state(), v1::CASE_STATE_UNLOCKED);

  // ondermijning: four-eyes.
  const std::string four_signal = Register(*gemeente_, "ondermijning", "drugs", {a});
  auto four = chair_->ProposeCase(Decision(four_signal, {a}, {{"politie", "gemeente-eindhoven"}}));
  ASSERT_TRUE(four.ok()) << four.status();
  const std::string four_id = four->case_().id();
  EXPECT_EQ(chair_->UnlockCase(four_id)->case_().state(), v1::CASE_STATE_PROPOSED);
  EXPECT_EQ(politie_->ConfirmCase(four_id).status().code(), absl::StatusCode::kPermissionDenied);
  auto po = As("politie", "privacy-officer");
  EXPECT_EQ(po->ConfirmCase(four_id)->case_().state(), v1::CASE_STATE_UNLOCKED);

  // handhavingsknelpunten: a majority of the partners concerned.
  const v1::Subject company = Subject(v1::ORGANISATION_KVK, "90004760");
  const std::string quorum_signal = Register(*gemeente_, "handhavingsknelpunten", "handhaving", {company});
  auto quorum = chair_->ProposeCase(Decision(quorum_signal, {company},
                                             {{"nla", "gemeente-eindhoven"}, {"uwv", "gemeente-eindhoven"}}));
  ASSERT_TRUE(quorum.ok()) << quorum.status();
  const std::string quorum_id = quorum->case_().id();
  EXPECT_EQ(chair_->UnlockCase(quorum_id)->case_().state(), v1::CASE_STATE_PROPOSED);
  EXPECT_EQ(uwv_->ConfirmCase(quorum_id)->case_().state(), v1::CASE_STATE_PROPOSED);  // 1 of 3
  auto confirmed = gemeente_->ConfirmCase(quorum_id);  // 2 of 3
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_EQ(confirmed->case_().state(), v1::CASE_STATE_UNLOCKED);
  EXPECT_THAT(Kinds(Events(*uwv_)), Contains(v1::CONFIRMATION_REQUESTED));
}

TEST_F(Stage2BrokerTest, SilentEntriesNeverLeakButNotifyTheirHolder) {
  const std::string person = Bsn(9);
  TempDir files("silent");
  std::ofstream(files / "onderzoek.csv") << "bsn\n" << person << "\n";
  CommandResult pub = Cli("politie", "partner-system",
                          {"index", "publish", "--kind", "person-bsn", "--csv", files / "onderzoek.csv", "--silent", "running-investigation"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  Publish(*uwv_, {Subject(v1::PERSON_BSN, person)});
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {Subject(v1::PERSON_BSN, person)});
  v1::CheckSubjectsRequest ask;
  ask.set_signal_id(signal);
  auto answer = gemeente_->CheckSubjects(ask);
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_EQ(answer->answers(0).holders_size(), 1);
  EXPECT_EQ(answer->answers(0).holders(0).partner(), "uwv");
  CommandResult query = Cli("gemeente-eindhoven", "partner-system", {"query", "--signal", signal, "--json"});
  EXPECT_THAT(query.out, Not(HasSubstr("politie")));
  // Nor is it asked to assess.
  EXPECT_THAT(gemeente_->RequestAssessments(signal)->holders(), ElementsAre("uwv"));
  // Its holder is told instead: who asked for which purpose, not in which
  // signal.
  CommandResult events = Cli("politie", "partner-system", {"events", "--json"});
  EXPECT_THAT(events.out, HasSubstr("\"kind\":\"SILENT_MATCH\""));
  EXPECT_THAT(events.out, HasSubstr("question of partner 'gemeente-eindhoven' for purpose 'ondermijning'"));
  EXPECT_THAT(events.out, Not(HasSubstr(signal)));
  // The RIEC's privacy officer sees the same notice.
  auto riec_po = As("riec", "privacy-officer");
  EXPECT_THAT(Kinds(Events(*riec_po)), Contains(v1::SILENT_MATCH));
  // The asker's privacy officer reads its answer in the log, without the
  // silent holder.
  CommandResult audit = Cli("gemeente-eindhoven", "privacy-officer",
                            {"audit", "subject", "--kind", "person-bsn", person});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("uwv"));
  EXPECT_THAT(audit.out, Not(HasSubstr("politie")));
  // uwv is notified of its ordinary match.
  EXPECT_THAT(Kinds(Events(*uwv_)), Contains(v1::MATCH));
}

TEST_F(Stage2BrokerTest, EventsMissedWhileOfflineArriveLater) {
  // gemeente-eindhoven follows live; uwv is offline throughout.
  std::vector<v1::Event> live;
  std::atomic<bool> done{false};
  std::thread follower([&] {
    auto client = As("gemeente-eindhoven");
    (void)client->Subscribe(0, [&](const v1::Event& e) {
      live.push_back(e);
      return e.kind() != v1::CASE_UNLOCKED;
    });
    done = true;
  });
  const v1::Subject person = Person(10);
  Publish(*politie_, {person});
  Publish(*uwv_, {person});
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {person});
  v1::CheckSubjectsRequest ask;
  ask.set_signal_id(signal);
  ASSERT_TRUE(gemeente_->CheckSubjects(ask).ok());
  auto proposed = chair_->ProposeCase(
      Decision(signal, {person}, {{"politie", "gemeente-eindhoven"}, {"uwv", "gemeente-eindhoven"}}));
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  const std::string case_id = proposed->case_().id();
  ASSERT_TRUE(chair_->UnlockCase(case_id).ok());
  ASSERT_EQ(privacy_->ConfirmCase(case_id)->case_().state(), v1::CASE_STATE_UNLOCKED);
  for (int i = 0; i < 300 && !done; ++i) absl::SleepFor(absl::Milliseconds(100));
  // The broker restarts (which also ends a follower still waiting).
  Restart();
  follower.join();
  EXPECT_THAT(Kinds(live), ElementsAre(v1::CASE_OPENED, v1::CASE_UNLOCKED));

  // uwv comes online and gets everything it missed, across the restart.
  CommandResult missed = Cli("uwv", "partner-system", {"events", "--json"});
  ASSERT_EQ(missed.exit_code, 0) << missed.err;
  EXPECT_THAT(missed.out, HasSubstr("\"kind\":\"MATCH\""));
  EXPECT_THAT(missed.out, HasSubstr("\"kind\":\"CASE_OPENED\""));
  EXPECT_THAT(missed.out, HasSubstr("\"kind\":\"CASE_UNLOCKED\""));
  EXPECT_THAT(missed.out, HasSubstr(case_id));
  // A follower resuming after the last event it saw gets the next one.
  auto all = Events(*uwv_);
  ASSERT_FALSE(all.empty());
  v1::ExtendCaseRequest extend;
  extend.set_case_id(case_id);
  *extend.mutable_ends() = ToProtoTime(absl::Now() + absl::Hours(24 * 40));
  ASSERT_TRUE(chair_->ExtendCase(extend).ok());
  CommandResult follow = Cli("uwv", "partner-system",
                             {"events", "--follow", "--count", "1", "--after", std::to_string(all.back().sequence())});
  EXPECT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_THAT(follow.out, HasSubstr("case-extended"));
  EXPECT_THAT(follow.out, Not(HasSubstr("case-unlocked")));
}

TEST_F(Stage2BrokerTest, TheBrokerHoldsOnlyCiphertextAndDeletesIt) {
  const v1::Subject person = Person(11), second = Person(12);
  const std::string case_id = UnlockedCase(person);
  auto r = Request(*gemeente_, case_id, person, "politie");
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string marker = "PLAINTEXT-MARKER-7f3a-inhoudelijke-informatie";
  auto sealed = ProvideKnown(*r, marker);
  ASSERT_TRUE(sealed.ok()) << sealed.status();

  auto scan = [&](bool expect_sealed) {
    ASSERT_EQ(broker_->Stop(), 0);
    auto dump = DumpStore(*dir_ / "data");
    ASSERT_TRUE(dump.ok()) << dump.status();
    EXPECT_EQ(dump->find(marker), std::string::npos) << "the content is in the store in the clear";
    EXPECT_EQ(dump->find(*sealed) != std::string::npos, expect_sealed);
    for (const auto& f : std::filesystem::recursive_directory_iterator(*dir_ / "data")) {
      if (!f.is_regular_file()) continue;
      auto bytes = ReadFile(f.path().string());
      ASSERT_TRUE(bytes.ok());
      EXPECT_EQ(bytes->find(marker), std::string::npos) << f.path();
    }
    StartBroker();
    Reconnect();
  };
  scan(/*expect_sealed=*/true);

  // The broker cannot open it: only the requester's keyring can.
  auto fetched = gemeente_->FetchContent(
      r->id(), *crypto::KeyProof(key_.secret_key, r->fetch_challenge(), r->id()));
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ(*crypto::OpenSealed(key_.public_key, key_.secret_key, fetched->sealed()), marker);
  scan(/*expect_sealed=*/false);

  // Provided, not fetched, and the case closes: deleted too.
  const std::string case2 = UnlockedCase(second);
  auto r2 = Request(*gemeente_, case2, second, "politie");
  ASSERT_TRUE(r2.ok());
  sealed = ProvideKnown(*r2, marker + "-2");
  ASSERT_TRUE(sealed.ok());
  v1::CloseCaseRequest close;
  close.set_case_id(case2);
  close.mutable_outcome()->set_code(v1::OTHER);
  ASSERT_TRUE(chair_->CloseCase(close).ok());
  EXPECT_EQ(gemeente_->FetchContent(r2->id(), *crypto::KeyProof(key_.secret_key, r2->fetch_challenge(), r2->id()))
                .status().code(),
            absl::StatusCode::kFailedPrecondition);
  scan(/*expect_sealed=*/false);
}

TEST_F(Stage2BrokerTest, ARestartInTheMiddleOfThePathLosesNothing) {
  const v1::Subject person = Person(13);
  Publish(*politie_, {person});
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {person});
  auto proposed = chair_->ProposeCase(Decision(signal, {person}, {{"politie", "gemeente-eindhoven"}}));
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  const std::string case_id = proposed->case_().id();
  ASSERT_TRUE(chair_->UnlockCase(case_id).ok());
  Restart();
  // The chair's request for the unlock survived; the confirmation completes it.
  EXPECT_TRUE(chair_->GetCase(case_id)->chair_asked_unlock());
  EXPECT_EQ(privacy_->ConfirmCase(case_id)->case_().state(), v1::CASE_STATE_UNLOCKED);
  ASSERT_TRUE(gemeente_->RegisterKey(key_.public_key).ok());
  auto r = Request(*gemeente_, case_id, person, "politie");
  ASSERT_TRUE(r.ok()) << r.status();
  Restart();
  auto pending = politie_->ListRequests(v1::REQUEST_PENDING);
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->requests_size(), 1);
  ASSERT_TRUE(sdk::ProvideSealed(*politie_, pending->requests(0), "inhoud na herstart", "", {}).ok());
  Restart();
  TempDir keyring("keyring");
  sdk::Keyring ring(keyring / "k");
  // A keyring the test controls: put the registered key pair in it.
  ASSERT_TRUE(MakeDirectories(ring.dir(), 0700).ok());
  const std::string id = crypto::BoxKeyId(key_.public_key);
  ASSERT_TRUE(WriteFileAtomically(ring.dir() + "/" + id + ".key", ToHex(key_.secret_key), 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(ring.dir() + "/" + id + ".pub", ToHex(key_.public_key), 0644).ok());
  auto opened = sdk::FetchAndOpen(*gemeente_, ring, r->id());
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->content, "inhoud na herstart");
  EXPECT_THAT(opened->use_conditions, ElementsAre("geen actie zonder overleg met de bron"));
  // Every event of the path is still there for politie.
  EXPECT_THAT(Kinds(Events(*politie_)),
              ::testing::IsSupersetOf({v1::CASE_OPENED, v1::CASE_UNLOCKED, v1::CONTENT_REQUESTED}));
  // And the log is whole.
  auto log = StopAndReadLog();
  std::vector<v1::RecordKind> kinds;
  for (const auto& rec : log) {
    if (rec.case_id() == case_id) kinds.push_back(rec.kind());
  }
  EXPECT_THAT(kinds, ElementsAre(v1::CASE_PROPOSED, v1::CASE_UNLOCK, v1::CASE_CONFIRMED, v1::CONTENT_REQUEST,
                                 v1::CONTENT_PROVISION, v1::CONTENT_FETCH));
}

}  // namespace
}  // namespace riec::testing
