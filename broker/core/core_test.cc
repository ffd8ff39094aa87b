// Unit tests of the core over a real RocksDB store in a temporary directory,
// with an injected clock and policy; no network.
#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "core/core_fixture.h"
#include "core/key_store.h"
#include "core/log_access.h"
#include "core/pseudonymiser.h"
#include "riec/crypto/signing.h"
#include "riec/merkle/tree_head.h"
#include "gmock/gmock.h"

namespace riec::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kPolicy[] = R"(convenant: {id: test, version: "1"}
partners:
  - {id: riec, name: RIEC, kind: riec, roles: [coordinator, chair, operator, privacy-officer]}
  - {id: gemeente, name: Gemeente}
  - {id: politie, name: Politie}
  - {id: uwv, name: UWV}
  - {id: fiod, name: FIOD}
purposes:
  - id: hits
    subject_kinds: [person-bsn]
    participants: [riec, gemeente, politie, uwv]
    stage1: {level: hit-only}
  - id: holders
    subject_kinds: [person-bsn, address]
    participants: [riec, gemeente, politie, uwv]
    stage1: {level: holders}
    max_subjects_per_signal: 3
    signal_lifetime: 7d
  - id: categories
    subject_kinds: [person-bsn]
    participants: [gemeente, politie, uwv]
    stage1: {level: holders-and-category}
  - id: fiscaal
    subject_kinds: [person-bsn, vehicle]
    participants: [fiod, gemeente]
quotas:
  default: {oprf_evaluations_per_day: 10, questions_per_hour: 3, open_signals: 2}
  partners:
    politie: {subjects_per_signal: 1, open_signals: unlimited}
retention:
  index_entries: 30d
  signals_without_case: 10d
  events: 5d
)";


class CoreTest : public CoreFixture {
 protected:
  std::string PolicyText() const override { return kPolicy; }
};

std::vector<std::string> Holders(const v1::SubjectAnswer& a) {
  std::vector<std::string> out;
  for (const auto& h : a.holders()) {
    std::string s = h.partner();
    for (const auto& c : h.categories()) absl::StrAppend(&s, ":", c);
    out.push_back(s);
  }
  return out;
}

TEST_F(CoreTest, LevelHoldersNamesOtherHoldersAndReportsOwnEntrySeparately) {
  Publish("politie", Subject('a'), "strafrecht");
  Publish("uwv", Subject('a'), "uitkering");
  Publish("gemeente", Subject('a'), "brp");
  const std::string sig = Register("gemeente", "holders", {Subject('a'), Subject('b')});
  auto r = Ask("gemeente", sig);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->level(), v1::HOLDERS);
  ASSERT_EQ(r->answers_size(), 2);
  EXPECT_TRUE(r->answers(0).hit());
  EXPECT_TRUE(r->answers(0).held_by_requester());
  EXPECT_THAT(Holders(r->answers(0)), ElementsAre("politie", "uwv"));  // no categories
  EXPECT_FALSE(r->answers(1).hit());
  EXPECT_FALSE(r->answers(1).held_by_requester());
  EXPECT_TRUE(r->answers(1).holders().empty());

  // The answer is logged before it is returned, with what was disclosed.
  v1::LogRecord rec = LastRecord();
  EXPECT_EQ(rec.kind(), v1::STAGE1_ANSWERED);
  EXPECT_EQ(r->log_index(), log_->Size() - 1);
  EXPECT_EQ(rec.signal_id(), sig);
  EXPECT_THAT(rec.recipients(), ElementsAre("gemeente"));
  ASSERT_EQ(rec.subjects_size(), 2);
  EXPECT_EQ(rec.subjects(0).holders_size(), 2);
  EXPECT_FALSE(rec.subjects(1).hit());
}

TEST_F(CoreTest, LevelHitOnlyRevealsNoHolder) {
  Publish("politie", Subject('a'));
  const std::string sig = Register("gemeente", "hits", {Subject('a')});
  auto r = Ask("gemeente", sig);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->answers(0).hit());
  EXPECT_TRUE(r->answers(0).holders().empty());
  // The holder's privacy officer can still find the record.
  EXPECT_EQ(LastRecord().subjects(0).holders(0).partner(), "politie");
}

TEST_F(CoreTest, LevelHoldersAndCategoryAddsCategories) {
  Publish("politie", Subject('a'), "strafrecht");
  Publish("uwv", Subject('a'), "uitkering");
  Publish("uwv", Subject('a'), "arbeid");
  Publish("uwv", Subject('c'));
  const std::string sig = Register("gemeente", "categories", {Subject('a'), Subject('c')});
  auto r = Ask("gemeente", sig);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(Holders(r->answers(0)),
              ElementsAre("politie:strafrecht", "uwv:arbeid:uitkering"));
  EXPECT_THAT(Holders(r->answers(1)), ElementsAre("uwv"));
}

TEST_F(CoreTest, OwnEntryAloneIsNotAHit) {
  Publish("gemeente", Subject('a'));
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  auto r = Ask("gemeente", sig);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->answers(0).hit());
  EXPECT_TRUE(r->answers(0).held_by_requester());
}

TEST_F(CoreTest, ExpiredEntriesNeverMatch) {
  Publish("politie", Subject('a'), "", clock_.Now() + absl::Hours(24));
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  EXPECT_TRUE(Ask("gemeente", sig)->answers(0).hit());
  clock_.Advance(absl::Hours(24));
  EXPECT_FALSE(Ask("gemeente", sig)->answers(0).hit());
}

TEST_F(CoreTest, HoldersOutsideThePurposeDoNotCount) {
  Publish("fiod", Subject('a'));  // fiod takes part in 'fiscaal' only
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  EXPECT_FALSE(Ask("gemeente", sig)->answers(0).hit());
}

TEST_F(CoreTest, PublishingTheSameKeyReplacesItAndWithdrawRemovesIt) {
  Publish("politie", Subject('a'), "", clock_.Now() + absl::Hours(1));
  Publish("politie", Subject('a'));  // no end any more
  clock_.Advance(absl::Hours(2));
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  EXPECT_TRUE(Ask("gemeente", sig)->answers(0).hit());

  v1::WithdrawRequest w;
  *w.add_entries()->mutable_subject() = Subject('a');
  auto removed = index_->Withdraw(CallAs("politie"), w);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->removed(), 1u);
  EXPECT_EQ(LastRecord().kind(), v1::INDEX_WITHDRAWN);
  EXPECT_FALSE(Ask("gemeente", sig)->answers(0).hit());
  auto stats = index_->Statistics(CallAs("politie"));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries(), 0u);
}

TEST_F(CoreTest, WithdrawByCategoryLeavesTheOthers) {
  Publish("uwv", Subject('a'), "uitkering");
  Publish("uwv", Subject('a'), "arbeid");
  v1::WithdrawRequest w;
  auto* e = w.add_entries();
  *e->mutable_subject() = Subject('a');
  e->set_category("arbeid");
  ASSERT_EQ(index_->Withdraw(CallAs("uwv"), w)->removed(), 1u);
  auto stats = index_->Statistics(CallAs("uwv"));
  EXPECT_EQ(stats->entries(), 1u);
  ASSERT_EQ(stats->by_category_size(), 1);
  EXPECT_EQ(stats->by_category(0).category(), "uitkering");
}

TEST_F(CoreTest, StatisticsCountOnlyOwnEntries) {
  Publish("uwv", Subject('a'));
  Publish("uwv", Subject('b', v1::ADDRESS), "", clock_.Now() + absl::Minutes(1));
  Publish("politie", Subject('a'));
  clock_.Advance(absl::Minutes(2));
  auto stats = index_->Statistics(CallAs("uwv"));
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries(), 2u);
  EXPECT_EQ(stats->expired(), 1u);
  EXPECT_EQ(stats->by_kind_size(), 2);
}

TEST_F(CoreTest, QuestionsOutsideAnOpenSignalAreRefusedAndLogged) {
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  const uint64_t before = log_->Size();

  // Not the owner: the signal is not found, as one that does not exist,
  // and the record says no more than for one that does not exist (not its
  // purpose, not its owner): the caller's own privacy officer reads it.
  auto r = Ask("politie", sig);
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kNotFound,
                          absl::StrCat("signal_id: no signal '", sig, "' that you may see")));
  const v1::LogRecord unseen = LastRecord();
  EXPECT_EQ(unseen.kind(), v1::REQUEST_DENIED);
  EXPECT_EQ(unseen.decision().rule(), "signal.scope");
  EXPECT_EQ(unseen.decision().status_code(), static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_EQ(unseen.purpose(), "");
  EXPECT_EQ(unseen.signal_id(), "");
  EXPECT_EQ(unseen.decision().explanation(), r.status().message());

  // A subject that is not in the signal.
  r = Ask("gemeente", sig, {Subject('z')});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("subjects[0]: not a subject of signal"));

  // A kind the purpose does not cover.
  r = Ask("gemeente", sig, {Subject('a', v1::VEHICLE)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(), HasSubstr("subjects[0].kind: purpose 'holders' does not cover"));

  // A signal that does not exist.
  r = Ask("gemeente", "S-0000000000");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  v1::LogRecord missing = LastRecord();
  EXPECT_EQ(missing.decision().rule(), "signal.scope");
  // The same record as for another partner's signal, but for the caller.
  missing.mutable_decision()->clear_explanation();
  v1::LogRecord other = unseen;
  other.mutable_decision()->clear_explanation();
  for (v1::LogRecord* x : {&missing, &other}) {
    x->clear_actor();
    x->clear_time_unix_micros();
  }
  EXPECT_EQ(missing.SerializeAsString(), other.SerializeAsString());

  // After the signal's lifetime.
  clock_.Advance(absl::Hours(24 * 7));
  r = Ask("gemeente", sig);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("is expired"));
  EXPECT_EQ(LastRecord().decision().rule(), "signal.open");
  EXPECT_EQ(log_->Size(), before + 5);
}

TEST_F(CoreTest, ClosedSignalAcceptsNoQuestions) {
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  v1::CloseSignalRequest c;
  c.set_signal_id(sig);
  auto closed = signals_->Close(CallAs("gemeente"), c);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->signal().state(), v1::CLOSED);
  EXPECT_EQ(signals_->Close(CallAs("gemeente"), c).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Ask("gemeente", sig).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CoreTest, CoordinatorMayAskInAnySignal) {
  Publish("politie", Subject('a'));
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  auto r = Ask("riec", sig, {}, "coordinator");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->answers(0).hit());
  EXPECT_THAT(LastRecord().recipients(), ElementsAre("riec"));
}

TEST_F(CoreTest, UnknownCallersAreRefusedBeforeTheRequestIsRead) {
  // An empty (invalid) request from a role that may not register: the role
  // decides, not the validation.
  auto r = signals_->Register(CallAs("politie", "privacy-officer"), {});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied) << r.status();
  EXPECT_EQ(LastRecord().decision().rule(), "role.register-signal");
  auto q = inquiry_->CheckSubjects(CallAs("nobody"), {});
  EXPECT_EQ(q.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(LastRecord().decision().rule(), "identity.partner");
}

TEST_F(CoreTest, RegisterEnforcesThePurpose) {
  v1::RegisterSignalRequest req;
  req.set_purpose("holders");
  for (char c : {'a', 'b', 'c', 'd'}) *req.add_subjects() = Subject(c);
  auto r = signals_->Register(CallAs("gemeente"), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "subjects: 4 subjects; purpose 'holders' allows at most 3 per signal");

  req.clear_subjects();
  *req.add_subjects() = Subject('a');
  r = signals_->Register(CallAs("fiod"), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(),
            "purpose 'holders' is not open to partner 'fiod' under convenant test v1");
  EXPECT_EQ(LastRecord().kind(), v1::REQUEST_DENIED);
  EXPECT_EQ(LastRecord().subjects_size(), 1);

  *req.add_subjects() = Subject('a');
  r = signals_->Register(CallAs("gemeente"), req);
  EXPECT_EQ(r.status().message(), "subjects[1]: the same subject as subjects[0]; name each once");

  req.clear_subjects();
  *req.add_subjects() = Subject('a');
  req.mutable_subjects(0)->set_pseudonym("short");
  r = signals_->Register(CallAs("gemeente"), req);
  EXPECT_EQ(r.status().message(), "subjects[0].pseudonym: 5 bytes, want 32");
}

TEST_F(CoreTest, SignalsAreListedForTheirOwnerOnly) {
  const std::string a = Register("gemeente", "holders", {Subject('a')});
  clock_.Advance(absl::Seconds(1));
  const std::string b = Register("gemeente", "holders", {Subject('b')});
  Register("politie", "holders", {Subject('c')});
  auto own = signals_->List(CallAs("gemeente"), {});
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->signals_size(), 2);
  EXPECT_EQ(own->signals(0).id(), b);  // newest first
  auto all = signals_->List(CallAs("riec", "coordinator"), {});
  EXPECT_EQ(all->signals_size(), 3);
  v1::GetSignalRequest g;
  g.set_signal_id(a);
  EXPECT_EQ(signals_->Get(CallAs("politie"), g).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(signals_->Get(CallAs("riec", "chair"), g).ok());
}

TEST_F(CoreTest, PublishValidatesEveryEntry) {
  v1::PublishRequest req;
  auto r = index_->Publish(CallAs("uwv"), req);
  EXPECT_EQ(r.status().message(), "entries: empty; send 1 to 10000");
  *req.add_entries()->mutable_subject() = Subject('a');
  *req.add_entries()->mutable_subject() = Subject('b');
  req.mutable_entries(1)->set_category("Not Valid");
  r = index_->Publish(CallAs("uwv"), req);
  EXPECT_THAT(r.status().message(), HasSubstr("entries[1].category: 'Not Valid' is not a category"));
  req.mutable_entries(1)->set_category("");
  *req.mutable_entries(1)->mutable_valid_until() = ToProtoTime(clock_.Now() - absl::Seconds(1));
  r = index_->Publish(CallAs("uwv"), req);
  EXPECT_EQ(r.status().message(), "entries[1].valid_until: 2026-11-23T23:59:59Z is not in the future");
  req.mutable_entries(1)->clear_valid_until();
  req.mutable_entries(1)->mutable_subject()->set_kind(v1::VEHICLE);
  r = index_->Publish(CallAs("uwv"), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(index_->Statistics(CallAs("uwv"))->entries(), 0u) << "nothing half-stored";
}

TEST_F(CoreTest, OprfQuotaIsCountedAndRefusedWithItsResetTime) {
  auto loaded = LoadOrCreateOprfKey(dir_ + "/keys");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->created);
  auto blinded = crypto::Blind("x");
  v1::EvaluateRequest req;
  for (int i = 0; i < 6; ++i) req.add_blinded_elements(blinded->blinded_element);
  auto r = pseudonymiser_->Evaluate(CallAs("uwv"), req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->quota_remaining(), 4u);
  r = pseudonymiser_->Evaluate(CallAs("uwv"), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "quota oprf_evaluations_per_day of partner 'uwv' is 10; 6 used today, this call "
            "needs 6; it resets at 2026-11-25T00:00:00Z");
  EXPECT_EQ(LastRecord().decision().rule(), "quotas.oprf_evaluations_per_day");
  // Other partners have their own count; a new day starts afresh.
  EXPECT_TRUE(pseudonymiser_->Evaluate(CallAs("politie"), req).ok());
  clock_.Advance(absl::Hours(24));
  EXPECT_TRUE(pseudonymiser_->Evaluate(CallAs("uwv"), req).ok());
  // The key is reused on the next start.
  auto again = LoadOrCreateOprfKey(dir_ + "/keys");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->key.KeyId(), loaded->key.KeyId());
}

TEST_F(CoreTest, EvaluateNamesTheBadElement) {
  v1::EvaluateRequest req;
  req.add_blinded_elements(crypto::Blind("x")->blinded_element);
  req.add_blinded_elements(std::string(31, 'x'));
  auto r = pseudonymiser_->Evaluate(CallAs("uwv"), req);
  EXPECT_EQ(r.status().message(), "blinded_elements[1]: 31 bytes, want 32");
  req.clear_blinded_elements();
  EXPECT_EQ(pseudonymiser_->Evaluate(CallAs("uwv"), req).status().message(),
            "blinded_elements: empty; send 1 to 4096");
}

TEST_F(CoreTest, KeyFileReadableByOthersIsRefused) {
  ASSERT_TRUE(LoadOrCreateOprfKey(dir_ + "/keys").ok());
  std::filesystem::permissions(dir_ + "/keys/oprf.key", std::filesystem::perms(0644));
  auto r = LoadOrCreateOprfKey(dir_ + "/keys");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("mode 644"));
}

std::vector<v1::Event> EventsOf(EventsShim& events, const std::string& partner,
                                const std::string& role) {
  auto r = events.List(CallAs(partner, role), {});
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? std::vector<v1::Event>(r->events().begin(), r->events().end())
                : std::vector<v1::Event>{};
}

TEST_F(CoreTest, QuestionsPerHourQuotaRefusesLogsNotifiesAndResets) {
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Ask("gemeente", sig).ok());
  auto r = Ask("gemeente", sig);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "quota questions_per_hour of partner 'gemeente' is 3; 3 used this hour, this call "
            "needs 1; it resets at 2026-11-24T01:00:00Z");
  v1::LogRecord rec = LastRecord();
  EXPECT_EQ(rec.kind(), v1::REQUEST_DENIED);
  EXPECT_EQ(rec.decision().rule(), "quotas.questions_per_hour");
  EXPECT_EQ(rec.signal_id(), sig);

  // An event for the privacy officers of the partner and of the RIEC only.
  auto po = EventsOf(*events_, "gemeente", "privacy-officer");
  ASSERT_EQ(po.size(), 1u);
  EXPECT_EQ(po[0].kind(), v1::QUOTA_EXCEEDED);
  EXPECT_EQ(po[0].quota(), "questions_per_hour");
  EXPECT_EQ(po[0].partner(), "gemeente");
  EXPECT_EQ(po[0].log_index(), log_->Size() - 1);
  EXPECT_EQ(EventsOf(*events_, "riec", "privacy-officer").size(), 1u);
  EXPECT_TRUE(EventsOf(*events_, "gemeente", "partner-system").empty());
  EXPECT_TRUE(EventsOf(*events_, "politie", "privacy-officer").empty());

  // The count survives a restart (a new counter on the same store).
  StartCore();
  EXPECT_EQ(Ask("gemeente", sig).status().code(), absl::StatusCode::kResourceExhausted);
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(Ask("gemeente", sig).ok());
}

TEST_F(CoreTest, OpenSignalsAndSubjectsPerSignalQuotas) {
  const std::string first = Register("gemeente", "holders", {Subject('a')});
  clock_.Advance(absl::Hours(1));
  Register("gemeente", "holders", {Subject('b')});
  v1::RegisterSignalRequest req;
  req.set_purpose("holders");
  *req.add_subjects() = Subject('c');
  auto r = signals_->Register(CallAs("gemeente"), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "quota open_signals of partner 'gemeente' is 2; 2 signals are open; it frees up "
            "when one is closed or expires (the first expires at 2026-12-01T00:00:00Z)");
  v1::CloseSignalRequest close;
  close.set_signal_id(first);
  ASSERT_TRUE(signals_->Close(CallAs("gemeente"), close).ok());
  EXPECT_TRUE(signals_->Register(CallAs("gemeente"), req).ok());

  *req.add_subjects() = Subject('d');
  r = signals_->Register(CallAs("politie"), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "quota subjects_per_signal of partner 'politie' is 1; this signal has 2 subjects; it "
            "applies to every signal (register fewer subjects)");
  EXPECT_EQ(LastRecord().decision().rule(), "quotas.subjects_per_signal");
}

TEST_F(CoreTest, SweeperErasesWhatTheRetentionPeriodsSayHasExpired) {
  const absl::Time t0 = clock_.Now();
  Publish("politie", Subject('a'), "", t0 + absl::Hours(24));  // valid one day
  Publish("politie", Subject('b'));                           // never republished
  Publish("uwv", Subject('c'));                               // republished on day 20
  const std::string closed = Register("gemeente", "holders", {Subject('a')});
  v1::CloseSignalRequest close;
  close.set_signal_id(closed);
  ASSERT_TRUE(signals_->Close(CallAs("gemeente"), close).ok());
  Register("politie", "holders", {Subject('b')});  // open; expires after 7 days
  for (int i = 0; i < 4; ++i) Ask("politie", Register("politie", "hits", {Subject('a')}));
  ASSERT_FALSE(EventsOf(*events_, "politie", "privacy-officer").empty()) << "quota event exists";

  // Only the operator, or the broker's own schedule, may sweep.
  EXPECT_EQ(operations_->Sweep(CallAs("gemeente")).status().code(),
            absl::StatusCode::kPermissionDenied);

  auto counts = [](const v1::SweepNowResponse& r) {
    std::map<std::string, uint64_t> m;
    for (const auto& e : r.erased()) m[e.kind()] = e.count();
    return m;
  };
  clock_.Set(t0 + absl::Hours(24 * 2));
  auto swept = operations_->Sweep(CallAs("riec", "operator"));
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(counts(*swept), (std::map<std::string, uint64_t>{{"index-entries", 1}}));
  v1::LogRecord rec = LastRecord();
  EXPECT_EQ(rec.kind(), v1::RETENTION_SWEEP);
  EXPECT_EQ(rec.subjects_size(), 0) << "a sweep names no pseudonym";
  EXPECT_EQ(rec.erased(0).kind(), "index-entries");

  clock_.Set(t0 + absl::Hours(24 * 11));  // the closed signal is 11 days old
  swept = operations_->Sweep(CallAs("riec", "operator"));
  EXPECT_EQ(counts(*swept), (std::map<std::string, uint64_t>{{"events", 2}, {"quota-counters", 1},
                                                            {"signals", 1}}));
  v1::GetSignalRequest get;
  get.set_signal_id(closed);
  EXPECT_EQ(signals_->Get(CallAs("gemeente"), get).status().code(), absl::StatusCode::kNotFound);

  clock_.Set(t0 + absl::Hours(24 * 20));
  Publish("uwv", Subject('c'));
  clock_.Set(t0 + absl::Hours(24 * 31));
  swept = operations_->Sweep(CallAs("riec", "operator"));
  // politie's 'b' (31 days old) and its 'holders' signal, expired on day 7
  // (+10 days), go; its 'hits' signals (open 90 days) and uwv's 'c',
  // published again on day 20, stay.
  EXPECT_EQ(counts(*swept)["index-entries"], 1u);
  EXPECT_EQ(counts(*swept)["signals"], 1u);
  EXPECT_EQ(index_->Statistics(CallAs("uwv"))->entries(), 1u);
  EXPECT_EQ(index_->Statistics(CallAs("politie"))->entries(), 0u);

  // Nothing left to erase: no record.
  const uint64_t size = log_->Size();
  swept = operations_->Sweep(CallAs("riec", "operator"));
  EXPECT_EQ(swept->erased_size(), 0);
  EXPECT_EQ(log_->Size(), size);
}

TEST_F(CoreTest, ReloadReplacesAValidPolicyAndKeepsTheOldOneOtherwise) {
  const std::string file = policy_file_;
  // The policy this test started with came from the same text.
  auto unchanged = operations_->Reload(CallAs("riec", "operator"));
  ASSERT_TRUE(unchanged.ok()) << unchanged.status();
  EXPECT_FALSE(unchanged->changed());

  EXPECT_EQ(operations_->Reload(CallAs("gemeente")).status().code(), absl::StatusCode::kPermissionDenied);

  const auto in_flight = policy_->Current();  // a request that started before
  std::ofstream(file) << kPolicy << "# version 2: a comment changes the hash\n";
  auto reloaded = operations_->Reload(CallAs("riec", "operator"));
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_TRUE(reloaded->changed());
  EXPECT_NE(reloaded->current().sha256(), reloaded->previous().sha256());
  v1::LogRecord rec = LastRecord();
  EXPECT_EQ(rec.kind(), v1::POLICY_RELOADED);
  EXPECT_EQ(rec.policy_sha256(), reloaded->current().sha256());
  EXPECT_EQ(rec.previous_policy_sha256(), in_flight->sha256());
  EXPECT_EQ(in_flight->sha256(), reloaded->previous().sha256()) << "the old version is intact";
  auto changed = EventsOf(*events_, "uwv", "partner-system");
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].kind(), v1::POLICY_CHANGED);
  // New decisions are taken, and recorded, under the new version.
  Publish("uwv", Subject('a'));
  EXPECT_EQ(LastRecord().policy_sha256(), reloaded->current().sha256());

  // An invalid file: refused with its problems, the version stays.
  std::ofstream(file) << "convenant: {id: test}\n";
  auto invalid = operations_->Reload(CallAs("riec", "operator"));
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(invalid.status().message(), HasSubstr("convenant.version: required key is missing"));
  EXPECT_THAT(invalid.status().message(), HasSubstr("test v1 stays in force"));
  EXPECT_EQ(LastRecord().kind(), v1::REQUEST_DENIED);
  EXPECT_EQ(policy_->Current()->sha256(), reloaded->current().sha256());

  // Another convenant: refused the same way.
  std::string other = kPolicy;
  other.replace(other.find("id: test"), 8, "id: other");
  std::ofstream(file) << other;
  auto foreign = operations_->Reload(CallAs("riec", "operator"));
  EXPECT_THAT(foreign.status().message(), HasSubstr("the file is for convenant 'other'"));
}

class AuditTest : public CoreTest {
 protected:
  std::vector<uint64_t> Listed(const std::string& partner, v1::RecordFilter f = {}) {
    v1::ListRecordsRequest req;
    *req.mutable_filter() = f;
    req.set_page_size(1000);
    auto r = audit_->ListRecords(CallAs(partner, "privacy-officer"), req);
    EXPECT_TRUE(r.ok()) << r.status();
    std::vector<uint64_t> out;
    if (r.ok()) {
      for (const auto& rec : r->records()) out.push_back(rec.index());
    }
    return out;
  }
};

TEST_F(AuditTest, PrivacyOfficersSeeTheirPartnersRecordsAndTheRiecSeesAll) {
  Publish("politie", Subject('a'));                                  // 0: politie
  Publish("uwv", Subject('b'));                                      // 1: uwv
  const std::string sig = Register("gemeente", "holders", {Subject('a'), Subject('b')});  // 2
  ASSERT_TRUE(Ask("gemeente", sig).ok());  // 3: gemeente asks; politie and uwv are holders
  const uint64_t before_reads = log_->Size();

  EXPECT_THAT(Listed("politie"), ElementsAre(0, 3));
  EXPECT_THAT(Listed("uwv"), ElementsAre(1, 3));
  EXPECT_THAT(Listed("gemeente"), ElementsAre(2, 3));
  // Each list was itself logged, and its LOG_READ record is the reader's.
  v1::LogRecord read = LastRecord();
  EXPECT_EQ(read.kind(), v1::LOG_READ);
  EXPECT_EQ(read.actor().partner(), "gemeente");
  EXPECT_EQ(read.count(), 2u);
  EXPECT_EQ(log_->Size(), before_reads + 3);
  // The RIEC's privacy officer (the secretariat) reads everything.
  const uint64_t size_before = log_->Size();
  EXPECT_EQ(Listed("riec").size(), size_before);

  // Filters: by pseudonym (the basis of an access request), by kind.
  v1::RecordFilter about_a;
  about_a.set_pseudonym(Subject('a').pseudonym());
  EXPECT_THAT(Listed("riec", about_a), ElementsAre(2, 3)) << "publications are not disclosures";
  v1::RecordFilter answers;
  answers.add_kinds(v1::STAGE1_ANSWERED);
  EXPECT_THAT(Listed("politie", answers), ElementsAre(3));
  v1::RecordFilter later;
  *later.mutable_from() = ToProtoTime(clock_.Now() + absl::Seconds(1));
  EXPECT_TRUE(Listed("riec", later).empty());

  // Other roles may not audit.
  EXPECT_EQ(audit_->ListRecords(CallAs("politie"), {}).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(AuditTest, RecordsOutsideTheScopeAreWithheldButTheirLeavesAreGiven) {
  Publish("politie", Subject('a'));
  Publish("uwv", Subject('b'));
  v1::GetRecordsRequest req;
  req.set_start(0);
  req.set_count(2);
  auto r = log_api_->Records(CallAs("politie", "privacy-officer"), req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->entries_size(), 2);
  EXPECT_EQ(r->entries(0).status(), v1::PRESENT);
  EXPECT_EQ(merkle::LeafHash(r->entries(0).leaf()), r->entries(0).leaf_hash());
  v1::LogLeaf leaf;
  ASSERT_TRUE(leaf.ParseFromString(r->entries(0).leaf()));
  EXPECT_EQ(leaf.record_sha256(), crypto::Sha256(r->entries(0).record()));
  EXPECT_EQ(r->entries(1).status(), v1::WITHHELD);
  EXPECT_TRUE(r->entries(1).record().empty());
  EXPECT_EQ(r->entries(1).leaf_hash(), *log_->LeafHash(1));
  // The head covers the read itself and verifies.
  const v1::SignedTreeHead& head = r->tree_head();
  EXPECT_EQ(head.tree_size(), log_->Size());
  EXPECT_TRUE(merkle::VerifyTreeHead(signer_->public_key(), head.log_id(), head.tree_size(),
                                     head.timestamp_millis(), head.root_hash(), head.signature()));
}

TEST_F(AuditTest, PagesCoverEverythingOnce) {
  for (int i = 0; i < 25; ++i) Publish("politie", Subject(static_cast<char>('a' + i)));
  v1::ListRecordsRequest req;
  req.set_page_size(10);
  std::vector<uint64_t> seen;
  for (int page = 0; page < 10; ++page) {
    auto r = audit_->ListRecords(CallAs("politie", "privacy-officer"), req);
    ASSERT_TRUE(r.ok());
    for (const auto& rec : r->records()) {
      if (rec.record().kind() == v1::INDEX_PUBLISHED) seen.push_back(rec.index());
    }
    if (r->next_page_token().empty()) break;
    req.set_page_token(r->next_page_token());
  }
  ASSERT_EQ(seen.size(), 25u);
  for (uint64_t i = 0; i < 25; ++i) EXPECT_EQ(seen[i], i);
  req.set_page_token("not-a-token");
  EXPECT_EQ(audit_->ListRecords(CallAs("politie", "privacy-officer"), req).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(AuditTest, LogRecordsPastRetentionAreRedactedAndTheTreeStillVerifies) {
  Publish("politie", Subject('a'));
  const std::string sig = Register("gemeente", "holders", {Subject('a')});
  ASSERT_TRUE(Ask("gemeente", sig).ok());
  const uint64_t size = log_->Size();
  const std::string root = *log_->RootAt(size);

  // The test policy keeps log records five years (the default).
  clock_.Advance(absl::Hours(24 * 365 * 5 + 24));
  auto swept = operations_->Sweep(CallAs("riec", "operator"));
  ASSERT_TRUE(swept.ok()) << swept.status();
  std::map<std::string, uint64_t> erased;
  for (const auto& e : swept->erased()) erased[e.kind()] = e.count();
  EXPECT_EQ(erased["log-records"], size);
  EXPECT_EQ(*log_->RootAt(size), root) << "leaf hashes stay";
  for (uint64_t i = 0; i < size; ++i) EXPECT_EQ(*log_->ReadRecord(i), "");
  v1::RecordFilter about_a;
  about_a.set_pseudonym(Subject('a').pseudonym());
  EXPECT_TRUE(Listed("riec", about_a).empty()) << "no pseudonym index stays behind";
  v1::AuditStatisticsRequest stats;
  auto s = audit_->Statistics(CallAs("riec", "privacy-officer"), stats);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->redacted(), size);
}

TEST_F(AuditTest, RiecStatisticsCountEndedMonthsAndSuppressSmallCounts) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_FALSE(Register("politie", "holders", {Subject(static_cast<char>('a' + i))}).empty());
  }
  ASSERT_FALSE(Register("gemeente", "hits", {Subject('x')}).empty());
  ASSERT_FALSE(Register("gemeente", "hits", {Subject('y')}).empty());
  v1::RegisterSignalRequest third;
  third.set_purpose("hits");
  *third.add_subjects() = Subject('z');
  ASSERT_EQ(signals_->Register(CallAs("gemeente"), third).status().code(), absl::StatusCode::kResourceExhausted);

  v1::RiecStatisticsRequest req;
  req.set_from_month("2026-11");
  req.set_to_month("2026-12");
  // November (the fixture's clock starts on the 24th) has not ended: nothing yet.
  ASSERT_OK_AND_ASSIGN(auto during, audit_->RiecStatistics(CallAs("riec", "coordinator"), req));
  EXPECT_TRUE(during.months().empty());
  EXPECT_TRUE(during.cells().empty());

  clock_.Advance(absl::Hours(24 * 8));  // 2 December
  ASSERT_OK_AND_ASSIGN(auto stats, audit_->RiecStatistics(CallAs("riec", "coordinator"), req));
  EXPECT_EQ(stats.min_count(), 10u) << "the default";
  EXPECT_THAT(stats.months(), ElementsAre("2026-11")) << "December has not ended";
  std::map<std::string, v1::StatisticsCell> cells;
  for (const auto& c : stats.cells()) cells[absl::StrCat(c.purpose(), "/", c.measure(), "/", c.label())] = c;
  ASSERT_TRUE(cells.count("holders/signals/"));
  EXPECT_EQ(cells["holders/signals/"].count(), 12u);
  EXPECT_FALSE(cells["holders/signals/"].suppressed());
  ASSERT_TRUE(cells.count("hits/signals/"));
  EXPECT_TRUE(cells["hits/signals/"].suppressed()) << "2 < 10";
  EXPECT_EQ(cells["hits/signals/"].count(), 0u) << "a suppressed count is not sent at all";
  bool quota_refusal = false;
  for (const auto& [key, c] : cells) {
    if (c.measure() == "quota_refusals" && c.label() == "open_signals") {
      quota_refusal = true;
      EXPECT_TRUE(c.suppressed());
      EXPECT_EQ(c.count(), 0u);
    }
  }
  EXPECT_TRUE(quota_refusal) << "the refused third signal is counted, suppressed";

  // A filter only chooses cells: the same cell has the same value.
  req.set_purpose("holders");
  ASSERT_OK_AND_ASSIGN(auto holders, audit_->RiecStatistics(CallAs("politie", "privacy-officer"), req));
  for (const auto& c : holders.cells()) {
    EXPECT_EQ(c.purpose(), "holders");
    const std::string key = absl::StrCat(c.purpose(), "/", c.measure(), "/", c.label());
    EXPECT_EQ(c.count(), cells[key].count()) << key;
    EXPECT_EQ(c.suppressed(), cells[key].suppressed()) << key;
  }

  // Who may, and what is wrong with a request.
  EXPECT_THAT(audit_->RiecStatistics(CallAs("gemeente"), req), StatusIs(absl::StatusCode::kPermissionDenied));
  req.set_from_month("2026-13");
  EXPECT_THAT(audit_->RiecStatistics(CallAs("riec", "coordinator"), req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("from_month")));
  req.set_from_month("2023-01");
  EXPECT_THAT(audit_->RiecStatistics(CallAs("riec", "coordinator"), req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 36 months")));
  req.set_from_month("2026-11");
  req.set_purpose("nothing");
  EXPECT_THAT(audit_->RiecStatistics(CallAs("riec", "coordinator"), req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("purpose")));

  // Every reading is in the log.
  v1::RecordFilter reads;
  reads.add_kinds(v1::LOG_READ);
  bool logged = false;
  auto listed = audit_->ListRecords(CallAs("riec", "privacy-officer"), [&] {
    v1::ListRecordsRequest r;
    *r.mutable_filter() = reads;
    return r;
  }());
  ASSERT_TRUE(listed.ok()) << listed.status();
  for (const auto& r : listed->records()) logged |= absl::StrContains(r.record().audit_query(), "riec statistics");
  EXPECT_TRUE(logged);
}

}  // namespace
}  // namespace riec::core
