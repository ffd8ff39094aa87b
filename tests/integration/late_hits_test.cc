// Late hits through the real broker (docs/two-stage.md, "Late hits"): a
// partner that publishes on a subject after the owner of an open signal
// asked about it is reported to the owner once, at the purpose's level,
// logged before the event; never for a silent entry, an excluded address,
// a closed or expired signal, a publisher outside the purpose, or the
// owner's own entries; a restart in between loses nothing; the cap holds.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "integration/integration.h"
#include "riec/common/hex.h"
#include "riec/common/file.h"
#include "riec/crypto/sodium.h"

namespace riec::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The example convenant with late hits in all three purposes: at most 3
// per signal in ondermijning (holders-and-category), 5 in bibob (holders,
// without uwv) and in handhavingsknelpunten (hit-only); optionally an
// excluded address in ondermijning.
std::string LateHitPolicy(const std::string& excluded_address_hex = "") {
  std::string text = *ReadFile(ExamplePolicy());
  auto replace = [&](const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    if (at == std::string::npos) {
      ADD_FAILURE() << "the example policy has no '" << from << "'";
      return;
    }
    text.replace(at, from.size(), to);
  };
  replace("late_hits: {max_per_signal: 50}", "late_hits: {max_per_signal: 3}");
  replace("stage1: {level: holders}", "stage1: {level: holders, late_hits: {max_per_signal: 5}}");
  replace("stage1: {level: hit-only}", "stage1: {level: hit-only, late_hits: {max_per_signal: 5}}");
  if (!excluded_address_hex.empty()) {
    replace("      # excluded_addresses: pseudonyms",
            absl::StrCat("      excluded_addresses: [", excluded_address_hex, "]\n",
                         "      # excluded_addresses: pseudonyms"));
  }
  return text;
}

class LateHitTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    ASSERT_TRUE(crypto::InitCrypto().ok());
    policy_file_ = *dir_ / "convenant.yaml";
    std::ofstream(policy_file_) << LateHitPolicy();
    Restart();
  }

  void Restart() {
    RestartBroker(policy_file_);
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
               const std::string& category = "",
               v1::SilentReason silent = v1::SILENT_REASON_UNSPECIFIED) {
    v1::PublishRequest req;
    for (const auto& s : subjects) {
      auto* e = req.add_entries();
      *e->mutable_subject() = s;
      e->set_category(category);
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

  v1::CheckSubjectsResponse Ask(sdk::Client& client, const std::string& signal) {
    v1::CheckSubjectsRequest req;
    req.set_signal_id(signal);
    auto r = client.CheckSubjects(req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : v1::CheckSubjectsResponse();
  }

  // The caller's events of `kind`.
  std::vector<v1::Event> Events(sdk::Client& client, v1::EventKind kind) {
    std::vector<v1::Event> out;
    uint64_t after = 0;
    for (;;) {
      auto r = client.ListEvents(after, 1000);
      EXPECT_TRUE(r.ok()) << r.status();
      if (!r.ok()) return out;
      for (const auto& e : r->events()) {
        if (e.kind() == kind) out.push_back(e);
        after = e.sequence();
      }
      if (!r->more()) return out;
    }
  }

  std::vector<v1::LateHit> LateHits(sdk::Client& client, const std::string& signal,
                                    bool* capped = nullptr) {
    auto r = client.ListLateHits(signal);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    if (capped) *capped = r->capped();
    return {r->late_hits().begin(), r->late_hits().end()};
  }

  std::string policy_file_;
  std::unique_ptr<sdk::Client> gemeente_, politie_, uwv_;
};

TEST_F(LateHitTest, APublicationAfterTheQuestionIsOneLateHitAtThePurposesLevel) {
  const v1::Subject early = Person(1), late = Person(2), own = Person(3);
  Publish(*politie_, {early}, "strafrecht");  // before the question: in the answer
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {early, late, own});
  const auto answer = Ask(*gemeente_, signal);
  ASSERT_EQ(answer.answers_size(), 3);
  EXPECT_TRUE(answer.answers(0).hit());
  EXPECT_FALSE(answer.answers(1).hit());

  // A restart between the question and the publication loses nothing.
  Restart();
  Publish(*uwv_, {late}, "uitkering");
  Publish(*uwv_, {late}, "uitkering");     // the same entry again: nothing new
  Publish(*politie_, {early}, "strafrecht");  // already in the answer
  Publish(*gemeente_, {own});              // the owner's own entry is no news

  const auto told = Events(*gemeente_, v1::LATE_HIT);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].signal_id(), signal);
  EXPECT_EQ(told[0].purpose(), "ondermijning");
  EXPECT_EQ(told[0].partner(), "uwv");
  EXPECT_THAT(told[0].categories(), ElementsAre("uitkering"));
  EXPECT_EQ(told[0].subject().pseudonym(), late.pseudonym());

  // The holder is told as MATCH is (the purpose notifies holders).
  const auto matches = Events(*uwv_, v1::MATCH);
  ASSERT_EQ(matches.size(), 1u);
  EXPECT_EQ(matches[0].signal_id(), signal);
  EXPECT_EQ(matches[0].partner(), "gemeente-eindhoven");
  EXPECT_THAT(matches[0].text(), HasSubstr("late hit"));

  // A new category of a known holder adds to a holders-and-category answer.
  Publish(*uwv_, {late}, "arbeid");
  const auto listed = LateHits(*gemeente_, signal);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].holder().partner(), "uwv");
  EXPECT_THAT(listed[0].holder().categories(), ElementsAre("uitkering"));
  EXPECT_THAT(listed[1].holder().categories(), ElementsAre("arbeid"));
  EXPECT_EQ(listed[0].log_index(), told[0].log_index());
  EXPECT_LT(listed[0].log_index(), listed[1].log_index());

  // `riec query` marks them as late hits, with when they arrived.
  CommandResult q = Cli("gemeente-eindhoven", "partner-system",
                        {"query", "--signal", signal, "--subject",
                         absl::StrCat("person-bsn:", FakeBsn(2))});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(q.out, HasSubstr("Late hits in this signal"));
  EXPECT_THAT(q.out, HasSubstr("uwv     uitkering"));
  // Another partner's signal is not the caller's to read; the RIEC's
  // coordinator may see the signal, but was never told its late hits.
  EXPECT_EQ(politie_->ListLateHits(signal).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(As("riec", "coordinator")->ListLateHits(signal).status().code(),
            absl::StatusCode::kPermissionDenied);

  // The owner's privacy officer sees the record as the answer: the holder,
  // not who at the holder published.
  {
    auto po = As("gemeente-eindhoven", "privacy-officer");
    v1::ListRecordsRequest req;
    req.mutable_filter()->set_signal_id(signal);
    req.mutable_filter()->add_kinds(v1::STAGE1_LATE_HIT);
    auto seen = po->ListRecords(req);
    ASSERT_TRUE(seen.ok()) << seen.status();
    ASSERT_EQ(seen->records_size(), 2);
    EXPECT_FALSE(seen->records(0).record().has_actor());
    EXPECT_EQ(seen->records(0).record().subjects(0).holders(0).partner(), "uwv");
  }

  // Each late hit is a record naming the owner as recipient and the new
  // holder, written before its event (the event carries its index).
  const auto log = StopAndReadLog();
  std::vector<v1::LogRecord> records;
  for (const auto& r : log) {
    if (r.kind() == v1::STAGE1_LATE_HIT) records.push_back(r);
  }
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].signal_id(), signal);
  EXPECT_EQ(records[0].actor().partner(), "uwv");
  EXPECT_THAT(records[0].recipients(), ElementsAre("gemeente-eindhoven"));
  EXPECT_EQ(records[0].stage1_level(), v1::HOLDERS_AND_CATEGORY);
  ASSERT_EQ(records[0].subjects_size(), 1);
  ASSERT_EQ(records[0].subjects(0).holders_size(), 1);
  EXPECT_EQ(records[0].subjects(0).holders(0).partner(), "uwv");
  EXPECT_EQ(log[told[0].log_index()].kind(), v1::STAGE1_LATE_HIT);
  // Written with the publication that caused it: right after its record.
  const v1::LogRecord& cause = log[told[0].log_index() - 1];
  EXPECT_EQ(cause.kind(), v1::INDEX_PUBLISHED);
  EXPECT_EQ(cause.actor().partner(), "uwv");
  EXPECT_EQ(cause.time_unix_micros(), records[0].time_unix_micros());
}

TEST_F(LateHitTest, OnlyTheOwnersOwnQuestionsCount) {
  const v1::Subject person = Person(30);
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {person});
  Ask(*As("riec", "coordinator"), signal);  // the RIEC's coordinator asks in it
  Publish(*uwv_, {person});
  EXPECT_THAT(LateHits(*gemeente_, signal), IsEmpty());
  Ask(*gemeente_, signal);  // now the owner asks: uwv is in its answer
  Publish(*politie_, {person});
  const auto listed = LateHits(*gemeente_, signal);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].holder().partner(), "politie");
}

TEST_F(LateHitTest, HitOnlyTellsTheFirstHitWithoutTheHolder) {
  const v1::Subject company = Subject(v1::ORGANISATION_KVK, "90004760");
  const std::string signal = Register(*gemeente_, "handhavingsknelpunten", "handhaving", {company});
  EXPECT_FALSE(Ask(*gemeente_, signal).answers(0).hit());
  Publish(*uwv_, {company});
  auto nla = As("nla");
  Publish(*nla, {company});  // a second holder adds nothing at hit-only
  const auto told = Events(*gemeente_, v1::LATE_HIT);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].partner(), "");
  EXPECT_THAT(told[0].categories(), IsEmpty());
  EXPECT_THAT(told[0].text(), ::testing::Not(HasSubstr("uwv")));
  const auto listed = LateHits(*gemeente_, signal);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].level(), v1::HIT_ONLY);
  EXPECT_FALSE(listed[0].has_holder());

  // The owner's privacy officer sees the record without the publisher.
  auto po = As("gemeente-eindhoven", "privacy-officer");
  v1::ListRecordsRequest req;
  req.mutable_filter()->set_signal_id(signal);
  auto records = po->ListRecords(req);
  ASSERT_TRUE(records.ok()) << records.status();
  int late = 0;
  for (const auto& r : records->records()) {
    if (r.record().kind() != v1::STAGE1_LATE_HIT) continue;
    ++late;
    EXPECT_EQ(r.record().actor().partner(), "");
    EXPECT_EQ(r.record().subjects(0).holders_size(), 0);
  }
  EXPECT_EQ(late, 1);
}

TEST_F(LateHitTest, NoneForSilentEntriesOutsidersClosedOrExpiredSignals) {
  const v1::Subject silent = Person(10), outsider = Person(11), closed = Person(12),
                    expired = Person(13);
  const std::string s1 = Register(*gemeente_, "ondermijning", "drugs", {silent});
  Ask(*gemeente_, s1);
  Publish(*politie_, {silent}, "", v1::SILENT_RUNNING_INVESTIGATION);
  EXPECT_THAT(LateHits(*gemeente_, s1), IsEmpty());
  // The silent holder learns that it would have matched, not the signal.
  const auto silent_matches = Events(*politie_, v1::SILENT_MATCH);
  ASSERT_EQ(silent_matches.size(), 1u);
  EXPECT_EQ(silent_matches[0].signal_id(), "");
  // Its privacy officer sees the record without the signal; the owner's
  // privacy officer does not see it at all.
  auto late_records = [&](const std::string& partner) {
    v1::ListRecordsRequest req;
    req.mutable_filter()->add_kinds(v1::STAGE1_LATE_HIT);
    auto r = As(partner, "privacy-officer")->ListRecords(req);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<v1::LogRecord> out;
    if (r.ok()) {
      for (const auto& a : r->records()) {
        if (a.status() != v1::WITHHELD) out.push_back(a.record());
      }
    }
    return out;
  };
  const auto holder_view = late_records("politie");
  ASSERT_EQ(holder_view.size(), 1u);
  EXPECT_EQ(holder_view[0].signal_id(), "");
  EXPECT_THAT(holder_view[0].subjects(0).silent_holders(), ElementsAre("politie"));
  EXPECT_THAT(late_records("gemeente-eindhoven"), IsEmpty());

  // bibob: uwv takes no part in it.
  const std::string s2 = Register(*gemeente_, "bibob", "vergunning", {outsider});
  Ask(*gemeente_, s2);
  Publish(*uwv_, {outsider});
  EXPECT_THAT(LateHits(*gemeente_, s2), IsEmpty());
  Publish(*politie_, {outsider});  // politie does: a late hit, at level holders
  const auto bibob = LateHits(*gemeente_, s2);
  ASSERT_EQ(bibob.size(), 1u);
  EXPECT_EQ(bibob[0].holder().partner(), "politie");

  const std::string s3 = Register(*gemeente_, "ondermijning", "drugs", {closed});
  Ask(*gemeente_, s3);
  ASSERT_TRUE(gemeente_->CloseSignal(s3).ok());
  Publish(*uwv_, {closed});
  EXPECT_THAT(LateHits(*gemeente_, s3), IsEmpty());

  const std::string s4 = Register(*gemeente_, "ondermijning", "drugs", {expired});
  Ask(*gemeente_, s4);
  AdvanceClock(absl::Hours(24 * 91));  // past the purpose's 90-day lifetime
  Publish(*uwv_, {expired});
  EXPECT_THAT(LateHits(*gemeente_, s4), IsEmpty());

  EXPECT_EQ(Events(*gemeente_, v1::LATE_HIT).size(), 1u);  // bibob's, nothing else
}

TEST_F(LateHitTest, NoneForAnExcludedAddress) {
  const v1::Subject shelter = Subject(v1::ADDRESS, "5611 AB|1||");
  const v1::Subject house = Subject(v1::ADDRESS, "5611 AB|3||");
  std::ofstream(policy_file_) << LateHitPolicy(ToHex(shelter.pseudonym()));
  auto reload = As("riec", "operator")->ReloadPolicy();
  ASSERT_TRUE(reload.ok()) << reload.status();
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", {shelter, house});
  Ask(*gemeente_, signal);
  Publish(*uwv_, {shelter, house});
  // The house next door is a late hit; the shelter is not.
  const auto listed = LateHits(*gemeente_, signal);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].subject().pseudonym(), house.pseudonym());
  EXPECT_EQ(Events(*gemeente_, v1::LATE_HIT).size(), 1u);
}

TEST_F(LateHitTest, TheCapPerSignalHolds) {
  std::vector<v1::Subject> five;
  for (int i = 20; i < 25; ++i) five.push_back(Person(i));
  const std::string signal = Register(*gemeente_, "ondermijning", "drugs", five);
  Ask(*gemeente_, signal);
  // Two publications: the cap counts what earlier ones reported.
  Publish(*uwv_, {five[0], five[1]});
  bool capped = true;
  EXPECT_EQ(LateHits(*gemeente_, signal, &capped).size(), 2u);
  EXPECT_FALSE(capped);
  Publish(*uwv_, five);
  EXPECT_EQ(LateHits(*gemeente_, signal, &capped).size(), 3u);
  EXPECT_TRUE(capped);
  EXPECT_EQ(Events(*gemeente_, v1::LATE_HIT).size(), 3u);
}

}  // namespace
}  // namespace riec::testing
