// Persons without a BSN through the real broker (docs/pseudonyms.md §6):
// the SDK and `riec index publish` send each person-name-dob subject with
// its match keys; a question finds the same person written differently as
// a probable hit (exact stays exact), at the purpose's level, logged; the
// policy switches probable matches off per purpose; bad match keys are
// refused with the field and the rule.
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "integration/integration.h"
#include "riec/common/file.h"
#include "riec/crypto/sodium.h"

namespace riec::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class PersonMatchingTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    ASSERT_TRUE(crypto::InitCrypto().ok());
    policy_file_ = *dir_ / "convenant.yaml";
    WritePolicy(/*probable=*/true);
    Restart();
  }

  void WritePolicy(bool probable) {
    std::string text = *ReadFile(ExamplePolicy());
    ASSERT_NE(text.find("probable_matches: true"), std::string::npos);
    if (!probable) absl::StrReplaceAll({{"probable_matches: true", "probable_matches: false"}}, &text);
    std::ofstream(policy_file_) << text;
  }

  void Restart() {
    RestartBroker(policy_file_);
    gemeente_ = As("gemeente-eindhoven");
    uwv_ = As("uwv");
    ASSERT_TRUE(gemeente_ && uwv_);
  }

  v1::Subject Person(sdk::Client& c, const std::string& value) {
    auto s = c.Subjects({{v1::PERSON_NAME_DOB, value}});
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? (*s)[0] : v1::Subject();
  }

  v1::CheckSubjectsResponse Ask(const std::string& signal) {
    v1::CheckSubjectsRequest req;
    req.set_signal_id(signal);
    auto r = gemeente_->CheckSubjects(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : v1::CheckSubjectsResponse();
  }

  std::string policy_file_;
  std::unique_ptr<sdk::Client> gemeente_, uwv_;
};

TEST_F(PersonMatchingTest, TheSamePersonWrittenDifferentlyIsAProbableHit) {
  // politie exports its persons as its system writes them, through the CLI.
  const std::string csv = *dir_ / "personen.csv";
  std::ofstream(csv) << "achternaam;voorletters;geboortedatum\n"
                        "\"Berg-Jansen, van den\";M.;12-10-1985\n"   // married name, tussenvoegsel after
                        "Oezdemir;A.;31-01-1990\n";                  // transliterated
  CommandResult pub = Cli("politie", "partner-system",
                          {"index", "publish", "--kind", "person-name-dob", "--csv", csv,
                           "--category", "strafrecht"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  EXPECT_THAT(pub.out, HasSubstr("published 2 person-name-dob entries"));
  // uwv through the SDK: one written as the gemeente writes it, one with
  // day and month swapped.
  v1::PublishRequest req;
  for (const char* p : {"Smit|Pieter|14-02-1966", "Bakker|Anna|1990-11-04"}) {
    auto* e = req.add_entries();
    *e->mutable_subject() = Person(*uwv_, p);
    e->set_category("uitkering");
  }
  ASSERT_TRUE(uwv_->Publish(req).ok());

  const std::vector<v1::Subject> asked = {
      Person(*gemeente_, "Jansen|Maria|1985-10-12"), Person(*gemeente_, "Özdemir|Ayşe|1990-01-31"),
      Person(*gemeente_, "Smit|P.|1966-02-14"), Person(*gemeente_, "Bakker|A.|1990-04-11"),
      Person(*gemeente_, "de Vries|Jan|1980-05-03")};
  for (const auto& s : asked) EXPECT_GE(s.match_keys_size(), 4);
  v1::RegisterSignalRequest reg;
  reg.set_purpose("ondermijning");
  reg.set_theme("drugs");
  for (const auto& s : asked) *reg.add_subjects() = s;
  auto registered = gemeente_->RegisterSignal(reg);
  ASSERT_TRUE(registered.ok()) << registered.status();
  const std::string signal = registered->signal().id();

  const auto answer = Ask(signal);
  ASSERT_EQ(answer.answers_size(), 5);
  // Jansen, Maria = van den Berg-Jansen, M. (politie): probable, with the keys.
  const auto& jansen = answer.answers(0);
  EXPECT_TRUE(jansen.hit());
  EXPECT_EQ(jansen.match(), v1::MATCH_PROBABLE);
  ASSERT_EQ(jansen.holders_size(), 1);
  EXPECT_EQ(jansen.holders(0).partner(), "politie");
  EXPECT_EQ(jansen.holders(0).match(), v1::MATCH_PROBABLE);
  EXPECT_THAT(jansen.holders(0).categories(), ElementsAre("strafrecht"));
  EXPECT_THAT(jansen.holders(0).matched_keys(),
              ElementsAre(v1::MATCH_KEY_CORE_INITIAL_DOB, v1::MATCH_KEY_PHONETIC_INITIAL_DOB));
  EXPECT_EQ(jansen.subject().match_keys_size(), 0) << "answers carry no match keys";
  // Özdemir = Oezdemir: the phonetic key.
  EXPECT_EQ(answer.answers(1).match(), v1::MATCH_PROBABLE);
  EXPECT_THAT(answer.answers(1).holders(0).matched_keys(), ElementsAre(v1::MATCH_KEY_PHONETIC_INITIAL_DOB));
  // Smit, P. = Smit, Pieter with the same date: exact.
  EXPECT_EQ(answer.answers(2).match(), v1::MATCH_EXACT);
  EXPECT_EQ(answer.answers(2).holders(0).match(), v1::MATCH_EXACT);
  EXPECT_TRUE(answer.answers(2).holders(0).matched_keys().empty());
  // Bakker with day and month swapped: both weak keys.
  EXPECT_EQ(answer.answers(3).match(), v1::MATCH_PROBABLE);
  EXPECT_THAT(answer.answers(3).holders(0).matched_keys(),
              ElementsAre(v1::MATCH_KEY_CORE_INITIAL_YEAR, v1::MATCH_KEY_CORE_INITIAL_DOB_DIGITS));
  // Nobody holds de Vries.
  EXPECT_FALSE(answer.answers(4).hit());
  EXPECT_EQ(answer.answers(4).match(), v1::MATCH_QUALITY_UNSPECIFIED);

  // The holder is told its entry probably matched, about its own entry.
  auto politie = As("politie");
  auto events = politie->ListEvents(0, 100);
  ASSERT_TRUE(events.ok());
  std::set<std::string> about;
  for (const auto& e : events->events()) {
    if (e.kind() == v1::MATCH && absl::StrContains(e.text(), "probably matched")) {
      about.insert(e.subject().pseudonym());
      EXPECT_EQ(e.subject().match_keys_size(), 0);
    }
  }
  EXPECT_EQ(about, (std::set<std::string>{Person(*politie, "Berg-Jansen, van den|M.|12-10-1985").pseudonym(),
                                          Person(*politie, "Oezdemir|A.|31-01-1990").pseudonym()}));

  // The log holds the answer with each holder's match.
  auto po = As("gemeente-eindhoven", "privacy-officer");
  v1::ListRecordsRequest lr;
  lr.mutable_filter()->set_signal_id(signal);
  auto records = po->ListRecords(lr);
  ASSERT_TRUE(records.ok()) << records.status();
  const v1::LogRecord* answered = nullptr;
  for (const auto& r : records->records()) {
    if (r.record().kind() == v1::STAGE1_ANSWERED) answered = &r.record();
  }
  ASSERT_NE(answered, nullptr);
  ASSERT_EQ(answered->subjects_size(), 5);
  EXPECT_EQ(answered->subjects(0).holders(0).match(), v1::MATCH_PROBABLE);
  EXPECT_TRUE(answered->subjects(0).hit());
  EXPECT_EQ(answered->subjects(2).holders(0).match(), v1::MATCH_QUALITY_UNSPECIFIED);

  // `riec query` says which hits are only probable.
  CommandResult q = Cli("gemeente-eindhoven", "partner-system",
                        {"query", "--signal", signal, "--subject", "person-name-dob:Jansen|Maria|1985-10-12"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(q.out, HasSubstr("probable hit"));
  EXPECT_THAT(q.out, HasSubstr("politie (strafrecht) [probable: core-initial-dob, phonetic-initial-dob]"));

  // A convenant that did not agree to probable matches gets exact ones only.
  WritePolicy(/*probable=*/false);
  Restart();
  const auto exact_only = Ask(signal);
  EXPECT_FALSE(exact_only.answers(0).hit());
  EXPECT_FALSE(exact_only.answers(1).hit());
  EXPECT_EQ(exact_only.answers(2).match(), v1::MATCH_EXACT);
  EXPECT_FALSE(exact_only.answers(3).hit());
}

// Probable matches under every stage-1 rule: a silent entry is never
// disclosed (its holder is told, about its own entry), an entry published
// without match keys is found exactly only, the requester's own entries are
// no hit; match keys never leave the broker in a signal; the holder's
// privacy officer finds the record under its own pseudonym, the requester's
// does not see it.
TEST_F(PersonMatchingTest, ProbableMatchesKeepEveryStage1Rule) {
  auto fiod = As("fiod"), belastingdienst = As("belastingdienst");
  auto publish = [](sdk::Client& c, v1::Subject s, bool silent) {
    v1::PublishRequest req;
    auto* e = req.add_entries();
    *e->mutable_subject() = std::move(s);
    if (silent) {
      e->set_silent(true);
      e->set_silent_reason(v1::SILENT_RUNNING_INVESTIGATION);
    }
    auto r = c.Publish(req);
    EXPECT_TRUE(r.ok()) << r.status();
  };
  // "Grooth" shares the phonetic key with "de Groot"; so does each entry.
  const v1::Subject at_fiod = Person(*fiod, "Grooth|H.|20-06-1975");
  publish(*fiod, at_fiod, /*silent=*/true);
  v1::Subject without_keys = Person(*belastingdienst, "Grooth|Hendrik|1975-06-20");
  without_keys.clear_match_keys();  // this partner does not take part in probable matching
  publish(*belastingdienst, without_keys, false);
  publish(*gemeente_, Person(*gemeente_, "Grooth|H.|1975-06-20"), false);  // the requester's own

  v1::RegisterSignalRequest reg;
  reg.set_purpose("ondermijning");
  reg.set_theme("drugs");
  *reg.add_subjects() = Person(*gemeente_, "de Groot|Hendrik|1975-06-20");
  auto registered = gemeente_->RegisterSignal(reg);
  ASSERT_TRUE(registered.ok()) << registered.status();
  const std::string signal = registered->signal().id();
  EXPECT_EQ(registered->signal().subjects(0).match_keys_size(), 0) << "keys stay in the broker";

  const auto answer = Ask(signal);
  ASSERT_EQ(answer.answers_size(), 1);
  EXPECT_FALSE(answer.answers(0).hit());
  EXPECT_FALSE(answer.answers(0).held_by_requester()) << "its own entry only probably matches";
  EXPECT_EQ(answer.answers(0).holders_size(), 0);
  EXPECT_EQ(answer.answers(0).match(), v1::MATCH_QUALITY_UNSPECIFIED);

  // fiod is told that its silent entry would probably have matched, about
  // its own subject; belastingdienst is told nothing.
  auto fiod_events = fiod->ListEvents(0, 100);
  ASSERT_TRUE(fiod_events.ok());
  int silent_notices = 0;
  for (const auto& e : fiod_events->events()) {
    if (e.kind() != v1::SILENT_MATCH) continue;
    ++silent_notices;
    EXPECT_EQ(e.subject().pseudonym(), at_fiod.pseudonym());
    EXPECT_THAT(e.text(), HasSubstr("would probably have matched"));
  }
  EXPECT_EQ(silent_notices, 1);
  auto bd_events = belastingdienst->ListEvents(0, 100);
  ASSERT_TRUE(bd_events.ok());
  for (const auto& e : bd_events->events()) EXPECT_NE(e.kind(), v1::MATCH) << e.text();

  // Signals leave the broker without match keys, to the owner and to a
  // coordinator.
  auto got = gemeente_->GetSignal(signal);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->subjects(0).match_keys_size(), 0);
  auto listed = As("riec", "coordinator")->ListSignals(v1::ListSignalsRequest());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_GE(listed->signals_size(), 1);
  for (const auto& sig : listed->signals()) {
    for (const auto& sub : sig.subjects()) EXPECT_EQ(sub.match_keys_size(), 0);
  }

  // fiod's privacy officer finds the answer under fiod's own pseudonym,
  // shown on it, without the signal (as for any silent entry).
  v1::ListRecordsRequest by_own;
  by_own.mutable_filter()->set_pseudonym(at_fiod.pseudonym());
  auto fiod_view = As("fiod", "privacy-officer")->ListRecords(by_own);
  ASSERT_TRUE(fiod_view.ok()) << fiod_view.status();
  const v1::LogRecord* seen = nullptr;
  for (const auto& r : fiod_view->records()) {
    if (r.record().kind() == v1::STAGE1_ANSWERED) seen = &r.record();
  }
  ASSERT_NE(seen, nullptr);
  ASSERT_EQ(seen->subjects_size(), 1);
  EXPECT_EQ(seen->subjects(0).pseudonym(), at_fiod.pseudonym());
  EXPECT_TRUE(seen->signal_id().empty());
  ASSERT_EQ(seen->subjects(0).silent_probable_holders_size(), 1);
  EXPECT_THAT(seen->subjects(0).silent_probable_holders(0).matched_keys(),
              ::testing::Contains(v1::MATCH_KEY_PHONETIC_INITIAL_DOB));
  // The requester's privacy officer sees the answer it got: nothing of fiod.
  v1::ListRecordsRequest of_signal;
  of_signal.mutable_filter()->set_signal_id(signal);
  auto own_view = As("gemeente-eindhoven", "privacy-officer")->ListRecords(of_signal);
  ASSERT_TRUE(own_view.ok()) << own_view.status();
  for (const auto& r : own_view->records()) {
    for (const auto& sub : r.record().subjects()) {
      EXPECT_EQ(sub.silent_probable_holders_size(), 0);
      EXPECT_EQ(sub.silent_holders_size(), 0);
      EXPECT_NE(sub.pseudonym(), at_fiod.pseudonym());
    }
  }
  // And under fiod's pseudonym it finds nothing.
  auto probe = As("gemeente-eindhoven", "privacy-officer")->ListRecords(by_own);
  ASSERT_TRUE(probe.ok()) << probe.status();
  for (const auto& r : probe->records()) EXPECT_NE(r.record().kind(), v1::STAGE1_ANSWERED);
}

TEST_F(PersonMatchingTest, BadMatchKeysAreRefusedWithTheFieldAndTheRule) {
  v1::Subject person = Person(*uwv_, "Smit|Pieter|14-02-1966");
  auto publish = [&](const v1::Subject& s) {
    v1::PublishRequest req;
    *req.add_entries()->mutable_subject() = s;
    return uwv_->Publish(req).status();
  };
  v1::Subject bsn;
  bsn.set_kind(v1::PERSON_BSN);
  bsn.set_pseudonym(person.pseudonym());
  *bsn.add_match_keys() = person.match_keys(0);
  absl::Status s = publish(bsn);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("entries[0].subject.match_keys: only a person-name-dob subject"));

  v1::Subject short_key = person;
  short_key.mutable_match_keys(1)->mutable_pseudonym()->pop_back();
  s = publish(short_key);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("match_keys[1].pseudonym: 31 bytes, want 32"));

  v1::Subject twice = person;
  *twice.add_match_keys() = person.match_keys(0);
  s = publish(twice);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("the same key as an earlier one"));

  v1::Subject unknown = person;
  unknown.mutable_match_keys(0)->set_kind(static_cast<v1::MatchKeyKind>(9));
  s = publish(unknown);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("match_keys[0].kind: unknown value"));

  // More keys of one kind than the projections give: asking about other
  // persons under one subject.
  v1::Subject too_many = person;
  for (int i = 0; i < 6; ++i) {
    v1::MatchKey* k = too_many.add_match_keys();
    k->set_kind(v1::MATCH_KEY_CORE_INITIAL_DOB);
    k->set_pseudonym(std::string(31, static_cast<char>('a' + i)) + "x");
  }
  s = publish(too_many);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(".kind: more than 5 keys of kind core-initial-dob"));

  // The broker keeps serving, and the good entry goes in.
  EXPECT_TRUE(publish(person).ok());
  EXPECT_TRUE(broker_->Alive());
}

}  // namespace
}  // namespace riec::testing
