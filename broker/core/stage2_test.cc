// Unit tests of the two-stage workflow in the core: stage-1 switches,
// assessments, cases under each unlock rule, stage-2 content and its
// retention, with an injected clock.
#include <set>

#include "riec/common/hex.h"
#include "core/core_fixture.h"
#include "riec/crypto/sealed_box.h"
#include "gmock/gmock.h"

namespace riec::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kShelter(32, 's');

std::string PolicyWithShelter() {
  return absl::StrCat(R"(convenant: {id: test, version: "1", secretariat: riec}
partners:
  - {id: riec, name: RIEC, kind: riec, roles: [coordinator, chair, operator, privacy-officer]}
  - {id: gemeente, name: Gemeente, roles: [partner-system, chair, privacy-officer]}
  - {id: politie, name: Politie}
  - {id: uwv, name: UWV}
  - {id: fiod, name: FIOD}
  - {id: toezicht, name: Toezicht, participation: respond-only}
categories: [brp, uitkering, strafrecht, fiscaal]
purposes:
  - id: chair-only
    subject_kinds: [person-bsn, address]
    participants: [riec, gemeente, politie, uwv, toezicht]
    stage1:
      level: holders
      notify_holders: true
      silent_entries: [politie]
      deconfliction: true
      excluded_addresses: [)",
                      ToHex(kShelter), R"(]
    max_case_duration: 60d
  - id: four-eyes
    subject_kinds: [person-bsn]
    participants: [riec, gemeente, politie, uwv]
    unlock: {rule: four-eyes}
  - id: quorum
    subject_kinds: [person-bsn]
    participants: [riec, gemeente, politie, uwv]
    unlock: {rule: quorum, quorum: 2}
  - id: fiscaal
    subject_kinds: [person-bsn]
    participants: [gemeente, fiod]
retention:
  cases_after_closing: 30d
  payloads: 7d
  events: 20d
)");
}

class Stage2Test : public CoreFixture {
 protected:
  std::string PolicyText() const override { return PolicyWithShelter(); }

  void PublishAs(const std::string& partner, const v1::Subject& s, const std::string& category = "",
                 bool silent = false) {
    v1::PublishRequest req;
    auto* e = req.add_entries();
    *e->mutable_subject() = s;
    e->set_category(category);
    e->set_silent(silent);
    if (silent) e->set_silent_reason(v1::SILENT_RUNNING_INVESTIGATION);
    auto r = index_->Publish(CallAs(partner), req);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::vector<v1::Event> EventsOf(const std::string& partner, const std::string& role = "partner-system") {
    auto r = events_->List(CallAs(partner, role), {});
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    return {r->events().begin(), r->events().end()};
  }

  static std::vector<v1::EventKind> Kinds(const std::vector<v1::Event>& events) {
    std::vector<v1::EventKind> out;
    for (const auto& e : events) out.push_back(e.kind());
    return out;
  }

  // A decision on `signal`: gemeente and politie present and consenting,
  // politie may provide to gemeente, on `subjects`.
  v1::CaseDecision Decision(std::vector<v1::Subject> subjects) {
    v1::CaseDecision d;
    *d.mutable_meeting() = ToProtoTime(clock_.Now());
    for (const char* p : {"gemeente", "politie", "uwv"}) {
      auto* a = d.add_present();
      a->set_partner(p);
      a->set_consent(true);
    }
    for (auto& s : subjects) *d.add_subjects() = s;
    auto* f = d.add_flows();
    f->set_from("politie");
    f->set_to("gemeente");
    d.add_categories("strafrecht");
    d.mutable_justification()->set_noodzaak("Signalen van uitbuiting op het adres.");
    d.mutable_justification()->set_proportionaliteit("Alleen de twee betrokken partners.");
    d.mutable_justification()->set_subsidiariteit("Eigen informatie volstaat niet.");
    d.add_use_conditions("geen actie zonder overleg met de bron");
    *d.mutable_ends() = ToProtoTime(clock_.Now() + absl::Hours(24 * 30));
    return d;
  }

  absl::StatusOr<v1::CaseResponse> Propose(const std::string& signal, const v1::CaseDecision& d,
                                           const std::string& chair = "riec") {
    v1::ProposeCaseRequest req;
    req.set_signal_id(signal);
    *req.mutable_decision() = d;
    return cases_->Propose(CallAs(chair, "chair"), req);
  }

  v1::CaseRequest CaseReq(const std::string& id) {
    v1::CaseRequest r;
    r.set_case_id(id);
    return r;
  }

  // An unlocked case of purpose chair-only on subject 'a', which politie
  // holds; gemeente has a registered key. Returns the case id.
  std::string UnlockedCase() {
    PublishAs("politie", Subject('a'), "strafrecht");
    const std::string sig = Register("gemeente", "chair-only", {Subject('a'), Subject('b')});
    auto c = Propose(sig, Decision({Subject('a')}));
    EXPECT_TRUE(c.ok()) << c.status();
    auto u = cases_->Unlock(CallAs("riec", "chair"), CaseReq(c->case_().id()));
    EXPECT_TRUE(u.ok()) << u.status();
    EXPECT_EQ(u->case_().state(), v1::CASE_STATE_UNLOCKED);
    v1::RegisterKeyRequest key;
    key.set_public_key(key_.public_key);
    EXPECT_TRUE(content_->RegisterKey(CallAs("gemeente"), key).ok());
    return c->case_().id();
  }

  absl::StatusOr<v1::ContentRequest> RequestContent(const std::string& case_id, const std::string& as,
                                                    const std::string& holder, const v1::Subject& s,
                                                    const std::string& category = "") {
    v1::RequestContentRequest req;
    req.set_case_id(case_id);
    *req.mutable_subject() = s;
    req.set_holder(holder);
    req.set_category(category);
    return content_->Request(CallAs(as), req);
  }

  absl::StatusOr<v1::ContentRequest> Provide(const v1::ContentRequest& r, const std::string& text,
                                             const std::string& as = "politie") {
    v1::ProvideContentRequest req;
    req.set_request_id(r.id());
    req.set_sealed(*crypto::Seal(r.requester_public_key(), text));
    req.set_sha256(crypto::Sha256(text));
    req.set_size(text.size());
    req.set_key_id(r.key_id());
    req.add_use_conditions("niet verder verstrekken");
    return content_->Provide(CallAs(as), req);
  }

  absl::StatusOr<std::optional<std::string>> Payload(const std::string& request_id) {
    return store_->Get(storage::Table::kPayloads, request_id);
  }

  crypto::BoxKeyPair key_ = crypto::GenerateBoxKeyPair();
};

TEST_F(Stage2Test, SilentEntryNeverAnswersButNotifiesItsHolder) {
  PublishAs("politie", Subject('a'), "", /*silent=*/true);
  PublishAs("uwv", Subject('a'));
  const std::string sig = Register("gemeente", "chair-only", {Subject('a')});
  auto r = Ask("gemeente", sig);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->answers(0).holders_size(), 1);
  EXPECT_EQ(r->answers(0).holders(0).partner(), "uwv");

  v1::LogRecord rec = LastRecord();
  EXPECT_THAT(rec.subjects(0).silent_holders(), ElementsAre("politie"));
  EXPECT_EQ(rec.subjects(0).holders_size(), 1);
  // The silent holder learns who asked for which purpose, not in which
  // signal; the RIEC's privacy officers learn the same.
  auto politie = EventsOf("politie");
  ASSERT_EQ(politie.size(), 1u);
  EXPECT_EQ(politie[0].kind(), v1::SILENT_MATCH);
  EXPECT_EQ(politie[0].partner(), "gemeente");
  EXPECT_EQ(politie[0].purpose(), "chair-only");
  EXPECT_EQ(politie[0].signal_id(), "");
  EXPECT_THAT(politie[0].text(), ::testing::Not(HasSubstr(sig)));
  auto riec_po = EventsOf("riec", "privacy-officer");
  ASSERT_EQ(riec_po.size(), 1u);
  EXPECT_EQ(riec_po[0].kind(), v1::SILENT_MATCH);
  EXPECT_THAT(riec_po[0].text(), HasSubstr("silent entry of partner 'politie'"));
  // The asker learns nothing of it: no event, and the answer names uwv only.
  EXPECT_THAT(EventsOf("gemeente"), IsEmpty());
  // notify_holders: the disclosed holder learns of the match.
  EXPECT_THAT(Kinds(EventsOf("uwv")), ElementsAre(v1::MATCH));
  // Only a silent entry can make a subject a hit; alone it is not one.
  const std::string sig2 = Register("gemeente", "chair-only", {Subject('q')});
  PublishAs("politie", Subject('q'), "", true);
  auto r2 = Ask("gemeente", sig2);
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(r2->answers(0).hit());
}

TEST_F(Stage2Test, SilentEntriesOnlyByPartnersAPurposeNamesAndWithAReason) {
  v1::PublishRequest req;
  auto* e = req.add_entries();
  *e->mutable_subject() = Subject('a');
  e->set_silent(true);
  // Without a reason: refused before anything else.
  EXPECT_THAT(index_->Publish(CallAs("politie"), req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entries[0].silent_reason: required")));
  e->set_silent_reason(v1::SILENT_RUNNING_INVESTIGATION);
  // uwv takes part in the purpose, but the purpose does not name it.
  auto r = index_->Publish(CallAs("uwv"), req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(r.status().message(), HasSubstr("lets partner 'uwv' publish silent entries"));
  EXPECT_EQ(LastRecord().decision().rule(), "publish.silent");
  // politie is named: the reason is recorded, for the RIEC's privacy officers.
  ASSERT_OK(index_->Publish(CallAs("politie"), req));
  EXPECT_TRUE(LastRecord().subjects(0).silent());
  EXPECT_EQ(LastRecord().subjects(0).silent_reason(), v1::SILENT_RUNNING_INVESTIGATION);
}

TEST_F(Stage2Test, ExcludedAddressNeverMatches) {
  v1::Subject shelter;
  shelter.set_kind(v1::ADDRESS);
  shelter.set_pseudonym(kShelter);
  PublishAs("politie", shelter);
  const std::string sig = Register("gemeente", "chair-only", {shelter});
  auto r = Ask("gemeente", sig);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->answers(0).hit());
  EXPECT_TRUE(LastRecord().subjects(0).excluded());
  EXPECT_THAT(EventsOf("politie"), IsEmpty());
}

TEST_F(Stage2Test, DeconflictionTellsBothPartnersOnce) {
  const std::string by_gemeente = Register("gemeente", "chair-only", {Subject('d')});
  const std::string by_politie = Register("politie", "chair-only", {Subject('d')});
  ASSERT_TRUE(Ask("gemeente", by_gemeente).ok());
  EXPECT_THAT(EventsOf("gemeente"), IsEmpty());
  ASSERT_TRUE(Ask("politie", by_politie).ok());
  auto g = EventsOf("gemeente");
  auto p = EventsOf("politie");
  ASSERT_EQ(g.size(), 1u);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(g[0].kind(), v1::DECONFLICTION);
  // Each learns that another partner asked — not who, not in which signal.
  for (const auto& e : {g[0], p[0]}) {
    EXPECT_EQ(e.partner(), "");
    EXPECT_EQ(e.signal_id(), "");
    EXPECT_THAT(e.text(), ::testing::Not(HasSubstr("politie")));
    EXPECT_THAT(e.text(), ::testing::Not(HasSubstr("gemeente")));
    EXPECT_THAT(e.text(), ::testing::Not(HasSubstr(by_gemeente)));
    EXPECT_THAT(e.text(), ::testing::Not(HasSubstr(by_politie)));
  }
  // The RIEC's coordinators learn who, to coordinate; no other role does.
  auto riec = EventsOf("riec", "coordinator");
  ASSERT_EQ(riec.size(), 1u);
  EXPECT_THAT(riec[0].text(), HasSubstr(by_gemeente));
  EXPECT_THAT(riec[0].text(), HasSubstr(by_politie));
  EXPECT_THAT(EventsOf("gemeente", "privacy-officer"), IsEmpty());
  EXPECT_THAT(EventsOf("riec", "operator"), IsEmpty());
  // Asking again does not repeat the notice.
  ASSERT_TRUE(Ask("politie", by_politie).ok());
  EXPECT_EQ(EventsOf("gemeente").size(), 1u);
  // Marks go when the signals they were made in expire.
  clock_.Advance(absl::Hours(24 * 91));
  auto swept = operations_->Sweep(CallAs("riec", "operator"));
  ASSERT_TRUE(swept.ok()) << swept.status();
  std::map<std::string, uint64_t> erased;
  for (const auto& e : swept->erased()) erased[e.kind()] = e.count();
  EXPECT_EQ(erased["deconfliction-marks"], 2u);
}

TEST_F(Stage2Test, AssessmentsReachTheOwnerOnly) {
  PublishAs("politie", Subject('a'));
  PublishAs("uwv", Subject('b'));
  const std::string sig = Register("gemeente", "chair-only", {Subject('a'), Subject('b')});
  v1::RequestAssessmentsRequest ask;
  ask.set_signal_id(sig);
  auto asked = assessments_->Request(CallAs("gemeente"), ask);
  ASSERT_TRUE(asked.ok()) << asked.status();
  EXPECT_THAT(asked->holders(), ElementsAre("politie", "uwv"));
  EXPECT_THAT(Kinds(EventsOf("politie")), ElementsAre(v1::ASSESSMENT_REQUESTED));

  v1::AssessRequest give;
  give.set_signal_id(sig);
  auto* a = give.add_assessments();
  *a->mutable_subject() = Subject('a');
  a->set_can_provide(v1::CAN_PROVIDE_YES);
  a->set_suits_casus(v1::SUITS_YES);
  // uwv was not asked about 'a' (it holds nothing on it): the same answer
  // as for a signal that does not exist, and logged.
  auto not_holder = assessments_->Assess(CallAs("uwv"), give);
  EXPECT_THAT(not_holder, StatusIs(absl::StatusCode::kNotFound,
                                   absl::StrCat("signal_id: partner 'uwv' was asked no assessment "
                                                "of these subjects in signal '", sig, "'")));
  EXPECT_EQ(LastRecord().decision().rule(), "assess.asked");
  give.set_signal_id("S-0000000000");
  EXPECT_THAT(assessments_->Assess(CallAs("uwv"), give),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("was asked no assessment")));
  EXPECT_EQ(LastRecord().decision().rule(), "assess.asked");
  give.set_signal_id(sig);
  a->set_reason("Bad Code");
  EXPECT_EQ(assessments_->Assess(CallAs("politie"), give).status().code(),
            absl::StatusCode::kInvalidArgument);
  a->set_reason("lopend-dossier");
  ASSERT_TRUE(assessments_->Assess(CallAs("politie"), give).ok());
  EXPECT_THAT(Kinds(EventsOf("gemeente")), ElementsAre(v1::ASSESSMENT_RECEIVED));

  v1::ListAssessmentsRequest list;
  list.set_signal_id(sig);
  auto owner = assessments_->List(CallAs("gemeente"), list);
  ASSERT_TRUE(owner.ok());
  ASSERT_EQ(owner->assessments_size(), 1);
  EXPECT_EQ(owner->assessments(0).holder(), "politie");
  EXPECT_EQ(owner->assessments(0).reason(), "lopend-dossier");
  EXPECT_TRUE(assessments_->List(CallAs("riec", "chair"), list).ok());
  EXPECT_EQ(assessments_->List(CallAs("uwv"), list).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(Stage2Test, ADecisionOutsideTheSignalOrConvenantIsRejectedNamingTheField) {
  const std::string sig = Register("gemeente", "chair-only", {Subject('a')});
  struct Case {
    std::function<void(v1::CaseDecision&)> edit;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](v1::CaseDecision& d) { *d.mutable_subjects(0) = Subject('z'); },
       "decision.subjects[0]: not a subject of signal"},
      {[](v1::CaseDecision& d) { d.mutable_flows(0)->set_from("fiod"); },
       "decision.flows[0].from: partner 'fiod' was not present with consent"},
      {[](v1::CaseDecision& d) { d.mutable_present(1)->set_consent(false); },
       "decision.flows[0].from: partner 'politie' was not present with consent"},
      {[](v1::CaseDecision& d) { d.mutable_present(2)->set_partner("fiod"); },
       "decision.present[2].partner: partner 'fiod' does not take part in purpose 'chair-only'"},
      {[&](v1::CaseDecision& d) { *d.mutable_ends() = ToProtoTime(clock_.Now() + absl::Hours(24 * 61)); },
       "decision.ends: "},
      {[&](v1::CaseDecision& d) { *d.mutable_meeting() = ToProtoTime(clock_.Now() + absl::Hours(48)); },
       "decision.meeting: "},
      {[](v1::CaseDecision& d) { d.mutable_justification()->clear_subsidiariteit(); },
       "decision.justification.subsidiariteit: required"},
      {[](v1::CaseDecision& d) { d.add_categories("geheim"); },
       "decision.categories[1]: 'geheim' is not a category"},
      {[](v1::CaseDecision& d) {
         auto* p = d.add_present();
         p->set_partner("toezicht");
         p->set_consent(true);
         auto* f = d.add_flows();
         f->set_from("politie");
         f->set_to("toezicht");
       },
       "decision.flows[1].to: partner 'toezicht' takes part respond-only"},
  };
  for (const auto& c : cases) {
    v1::CaseDecision d = Decision({Subject('a')});
    c.edit(d);
    auto r = Propose(sig, d);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(r.status().message(), HasSubstr(c.message));
  }
  // Only a chair proposes; only an open signal, and only once.
  v1::ProposeCaseRequest req;
  req.set_signal_id(sig);
  *req.mutable_decision() = Decision({Subject('a')});
  EXPECT_EQ(cases_->Propose(CallAs("gemeente"), req).status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(Propose(sig, Decision({Subject('a')})).ok());
  auto again = Propose(sig, Decision({Subject('a')}));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(LastRecord().decision().rule(), "signal.case");
}

TEST_F(Stage2Test, RuleChairUnlocksOnTheChairsWordOnly) {
  PublishAs("politie", Subject('a'));
  const std::string sig = Register("gemeente", "chair-only", {Subject('a')});
  auto c = Propose(sig, Decision({Subject('a')}));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->case_().state(), v1::CASE_STATE_PROPOSED);
  EXPECT_THAT(c->case_().unlock_needs(), HasSubstr("the chair's unlock"));
  EXPECT_EQ(LastRecord().kind(), v1::CASE_PROPOSED);
  // Nothing moves in a proposed case.
  v1::RegisterKeyRequest key;
  key.set_public_key(key_.public_key);
  ASSERT_TRUE(content_->RegisterKey(CallAs("gemeente"), key).ok());
  auto early = RequestContent(c->case_().id(), "gemeente", "politie", Subject('a'));
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(LastRecord().decision().rule(), "case.state");
  // A confirmation is not part of this rule.
  EXPECT_EQ(cases_->Confirm(CallAs("politie"), CaseReq(c->case_().id())).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Another chair cannot unlock it.
  EXPECT_EQ(cases_->Unlock(CallAs("gemeente", "chair"), CaseReq(c->case_().id())).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto u = cases_->Unlock(CallAs("riec", "chair"), CaseReq(c->case_().id()));
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->case_().state(), v1::CASE_STATE_UNLOCKED);
  EXPECT_EQ(LastRecord().case_state(), v1::CASE_STATE_UNLOCKED);
  // Partners concerned and the signal's owner heard of it.
  EXPECT_THAT(Kinds(EventsOf("politie")), ElementsAre(v1::CASE_OPENED, v1::CASE_UNLOCKED));
  EXPECT_THAT(Kinds(EventsOf("gemeente")), ElementsAre(v1::CASE_OPENED, v1::CASE_UNLOCKED));
  EXPECT_THAT(Kinds(EventsOf("uwv")), IsEmpty());
}

TEST_F(Stage2Test, RuleFourEyesNeedsAPrivacyOfficer) {
  const std::string sig = Register("gemeente", "four-eyes", {Subject('a')});
  auto c = Propose(sig, Decision({Subject('a')}));
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string id = c->case_().id();
  EXPECT_THAT(Kinds(EventsOf("riec", "privacy-officer")), ElementsAre(v1::CONFIRMATION_REQUESTED));
  auto asked = cases_->Unlock(CallAs("riec", "chair"), CaseReq(id));
  ASSERT_TRUE(asked.ok());
  EXPECT_EQ(asked->case_().state(), v1::CASE_STATE_PROPOSED);
  EXPECT_THAT(asked->case_().unlock_needs(), HasSubstr("a privacy officer's confirmation"));
  auto by_system = cases_->Confirm(CallAs("politie"), CaseReq(id));
  EXPECT_EQ(by_system.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(by_system.status().message(), HasSubstr("a privacy officer confirms"));
  // A privacy officer of a partner outside the case may not confirm: to it
  // the case does not exist.
  EXPECT_EQ(cases_->Confirm(CallAs("fiod", "privacy-officer"), CaseReq(id)).status().code(),
            absl::StatusCode::kNotFound);
  auto confirmed = cases_->Confirm(CallAs("riec", "privacy-officer"), CaseReq(id));
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_EQ(confirmed->case_().state(), v1::CASE_STATE_UNLOCKED);
  EXPECT_EQ(LastRecord().kind(), v1::CASE_CONFIRMED);
}

TEST_F(Stage2Test, ConfirmationBeforeTheChairsUnlockWaitsForIt) {
  const std::string sig = Register("gemeente", "four-eyes", {Subject('a')});
  auto c = Propose(sig, Decision({Subject('a')}));
  ASSERT_TRUE(c.ok());
  auto confirmed = cases_->Confirm(CallAs("politie", "privacy-officer"), CaseReq(c->case_().id()));
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  EXPECT_EQ(confirmed->case_().state(), v1::CASE_STATE_PROPOSED);
  EXPECT_EQ(cases_->Confirm(CallAs("politie", "privacy-officer"), CaseReq(c->case_().id())).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto u = cases_->Unlock(CallAs("riec", "chair"), CaseReq(c->case_().id()));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->case_().state(), v1::CASE_STATE_UNLOCKED);
}

TEST_F(Stage2Test, RuleQuorumCountsPartnersConcerned) {
  const std::string sig = Register("gemeente", "quorum", {Subject('a')});
  v1::CaseDecision d = Decision({Subject('a')});
  auto* f = d.add_flows();
  f->set_from("uwv");
  f->set_to("gemeente");
  auto c = Propose(sig, d);
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string id = c->case_().id();
  EXPECT_THAT(Kinds(EventsOf("uwv")), ElementsAre(v1::CASE_OPENED, v1::CONFIRMATION_REQUESTED));
  ASSERT_TRUE(cases_->Unlock(CallAs("riec", "chair"), CaseReq(id)).ok());
  // fiod is not concerned; a privacy officer of the RIEC is not a partner concerned either.
  EXPECT_EQ(cases_->Confirm(CallAs("riec", "privacy-officer"), CaseReq(id)).status().code(),
            absl::StatusCode::kPermissionDenied);
  auto one = cases_->Confirm(CallAs("politie"), CaseReq(id));
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->case_().state(), v1::CASE_STATE_PROPOSED);
  EXPECT_THAT(one->case_().unlock_needs(), HasSubstr("confirmations of 2 of the 3 partners concerned (so far 1: politie)"));
  // The same partner's second voice does not count.
  EXPECT_EQ(cases_->Confirm(CallAs("politie", "privacy-officer"), CaseReq(id)).status().code(),
            absl::StatusCode::kAlreadyExists);
  auto two = cases_->Confirm(CallAs("uwv"), CaseReq(id));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->case_().state(), v1::CASE_STATE_UNLOCKED);
}

TEST_F(Stage2Test, ContentIsSealedHandedOverOnceAndDeleted) {
  const std::string id = UnlockedCase();
  auto r = RequestContent(id, "gemeente", "politie", Subject('a'), "strafrecht");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->state(), v1::REQUEST_PENDING);
  EXPECT_EQ(r->key_id(), crypto::BoxKeyId(key_.public_key));
  auto politie = EventsOf("politie");
  ASSERT_FALSE(politie.empty());
  EXPECT_EQ(politie.back().kind(), v1::CONTENT_REQUESTED);
  EXPECT_EQ(politie.back().key_id(), r->key_id());
  EXPECT_EQ(politie.back().request_id(), r->id());

  // Sealed to another key: refused, logged.
  v1::ContentRequest wrong = *r;
  wrong.set_key_id("0000000000000000");
  auto refused = Provide(wrong, "x");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(LastRecord().decision().rule(), "content.key");
  // Only the holder provides; to anyone outside the request it does not
  // exist.
  EXPECT_EQ(Provide(*r, "x", "uwv").status().code(), absl::StatusCode::kNotFound);

  const std::string text = "Dossier 2026-0042: melding overbewoning, 3 bezoeken.";
  auto provided = Provide(*r, text);
  ASSERT_TRUE(provided.ok()) << provided.status();
  EXPECT_EQ(provided->state(), v1::REQUEST_PROVIDED);
  EXPECT_EQ(LastRecord().kind(), v1::CONTENT_PROVISION);
  EXPECT_EQ(LastRecord().content().sha256(), crypto::Sha256(text));
  // The broker holds ciphertext only.
  auto stored = Payload(r->id());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->find("overbewoning"), std::string::npos);
  EXPECT_EQ(Provide(*r, text).status().code(), absl::StatusCode::kFailedPrecondition);  // answered

  // Fetching needs the proof that the fetcher holds the private key.
  v1::FetchContentRequest fetch;
  fetch.set_request_id(r->id());
  EXPECT_THAT(content_->Fetch(CallAs("gemeente"), fetch),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key_proof: required")));
  const crypto::BoxKeyPair thief = crypto::GenerateBoxKeyPair();
  fetch.set_key_proof(*crypto::KeyProof(thief.secret_key, r->fetch_challenge(), r->id()));
  EXPECT_THAT(content_->Fetch(CallAs("gemeente"), fetch),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("does not prove possession")));
  EXPECT_EQ(LastRecord().decision().rule(), "content.key_proof");
  EXPECT_TRUE(Payload(r->id())->has_value()) << "a failed proof destroys nothing";
  fetch.set_key_proof(*crypto::KeyProof(key_.secret_key, r->fetch_challenge(), r->id()));
  EXPECT_EQ(content_->Fetch(CallAs("politie"), fetch).status().code(), absl::StatusCode::kPermissionDenied);
  auto got = content_->Fetch(CallAs("gemeente"), fetch);
  ASSERT_TRUE(got.ok()) << got.status();
  auto opened = crypto::OpenSealed(key_.public_key, key_.secret_key, got->sealed());
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, text);
  EXPECT_THAT(got->use_conditions(),
              ElementsAre("geen actie zonder overleg met de bron", "niet verder verstrekken"));
  EXPECT_EQ(LastRecord().kind(), v1::CONTENT_FETCH);
  stored = Payload(r->id());
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());
  auto twice = content_->Fetch(CallAs("gemeente"), fetch);
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(twice.status().message(), HasSubstr("handed over once"));
}

TEST_F(Stage2Test, EverythingOutsideTheDecisionIsRefusedWithItsRule) {
  const std::string id = UnlockedCase();
  v1::RegisterKeyRequest key;
  key.set_public_key(crypto::GenerateBoxKeyPair().public_key);
  ASSERT_TRUE(content_->RegisterKey(CallAs("politie"), key).ok());
  ASSERT_TRUE(content_->RegisterKey(CallAs("fiod"), key).ok());
  struct Try {
    std::string as, holder;
    v1::Subject subject;
    std::string category;
    absl::StatusCode code;
    std::string rule;
  };
  const std::vector<Try> tries = {
      {"gemeente", "politie", Subject('b'), "", absl::StatusCode::kPermissionDenied, "case.subjects"},
      {"gemeente", "uwv", Subject('a'), "", absl::StatusCode::kPermissionDenied, "case.flows"},
      {"politie", "gemeente", Subject('a'), "", absl::StatusCode::kPermissionDenied, "case.flows"},
      {"fiod", "politie", Subject('a'), "", absl::StatusCode::kNotFound, "case.scope"},
      {"gemeente", "politie", Subject('a'), "fiscaal", absl::StatusCode::kPermissionDenied, "case.categories"},
  };
  for (const auto& t : tries) {
    const uint64_t before = log_->Size();
    auto r = RequestContent(id, t.as, t.holder, t.subject, t.category);
    EXPECT_EQ(r.status().code(), t.code) << t.rule << ": " << r.status();
    ASSERT_EQ(log_->Size(), before + 1) << t.rule;
    v1::LogRecord rec = LastRecord();
    EXPECT_EQ(rec.kind(), v1::REQUEST_DENIED);
    EXPECT_EQ(rec.decision().rule(), t.rule);
    if (t.code != absl::StatusCode::kNotFound) {
      EXPECT_EQ(rec.decision().explanation(), r.status().message());
    } else {
      EXPECT_EQ(r.status().message(), absl::StrCat("case_id: no case '", id, "' that you may see"));
      EXPECT_EQ(rec.case_id(), "") << "nothing of a case the caller may not see";
      continue;
    }
    EXPECT_EQ(rec.case_id(), id);
  }
  // A partner without a registered key cannot receive anything.
  v1::CaseDecision d = Decision({Subject('c')});
  d.mutable_flows(0)->set_from("gemeente");
  d.mutable_flows(0)->set_to("uwv");
  PublishAs("gemeente", Subject('c'));
  const std::string sig = Register("uwv", "chair-only", {Subject('c')});
  auto c2 = Propose(sig, d);
  ASSERT_TRUE(c2.ok()) << c2.status();
  ASSERT_TRUE(cases_->Unlock(CallAs("riec", "chair"), CaseReq(c2->case_().id())).ok());
  auto no_key = RequestContent(c2->case_().id(), "uwv", "gemeente", Subject('c'));
  EXPECT_EQ(no_key.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(LastRecord().decision().rule(), "content.key");

  // A case past its end date, and a closed one.
  auto pending = RequestContent(id, "gemeente", "politie", Subject('a'));
  ASSERT_TRUE(pending.ok());
  clock_.Advance(absl::Hours(24 * 31));
  auto expired = RequestContent(id, "gemeente", "politie", Subject('a'));
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(expired.status().message(), HasSubstr("has ended"));
  auto late = Provide(*pending, "te laat");
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(LastRecord().decision().rule(), "case.state");
}

TEST_F(Stage2Test, ClosingLapsesContentAndTellsContributorsTheOutcome) {
  const std::string id = UnlockedCase();
  auto r = RequestContent(id, "gemeente", "politie", Subject('a'));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(Provide(*r, "inhoud").ok());
  ASSERT_TRUE(Payload(r->id())->has_value());
  v1::CloseCaseRequest close;
  close.set_case_id(id);
  EXPECT_EQ(cases_->Close(CallAs("riec", "chair"), close).status().code(), absl::StatusCode::kInvalidArgument);
  close.mutable_outcome()->set_code(v1::ADMINISTRATIVE_MEASURE);
  close.mutable_outcome()->set_text("Pand gesloten op grond van art. 13b Opiumwet.");
  auto closed = cases_->Close(CallAs("riec", "chair"), close);
  ASSERT_TRUE(closed.ok()) << closed.status();
  EXPECT_EQ(closed->case_().state(), v1::CASE_STATE_CLOSED);
  EXPECT_THAT(closed->case_().contributors(), ElementsAre("politie"));
  EXPECT_FALSE(Payload(r->id())->has_value());
  v1::GetRequestRequest get;
  get.set_request_id(r->id());
  EXPECT_EQ(content_->Get(CallAs("gemeente"), get)->state(), v1::REQUEST_LAPSED);
  auto politie = EventsOf("politie");
  ASSERT_GE(politie.size(), 2u);
  EXPECT_EQ(politie.back().kind(), v1::OUTCOME);
  EXPECT_THAT(politie.back().text(), HasSubstr("ADMINISTRATIVE_MEASURE"));
  EXPECT_EQ(LastRecord().kind(), v1::CASE_ENDED);
  EXPECT_THAT(LastRecord().recipients(), ElementsAre("politie"));
  // A closed case changes no more.
  v1::ExtendCaseRequest extend;
  extend.set_case_id(id);
  *extend.mutable_ends() = ToProtoTime(clock_.Now() + absl::Hours(24 * 40));
  EXPECT_EQ(cases_->Extend(CallAs("riec", "chair"), extend).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(Stage2Test, NarrowingLapsesWhatLeavesTheScope) {
  PublishAs("politie", Subject('a'));
  PublishAs("politie", Subject('b'));
  v1::RegisterKeyRequest key;
  key.set_public_key(key_.public_key);
  ASSERT_TRUE(content_->RegisterKey(CallAs("gemeente"), key).ok());
  const std::string sig = Register("gemeente", "chair-only", {Subject('a'), Subject('b')});
  auto c = Propose(sig, Decision({Subject('a'), Subject('b')}));
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string id = c->case_().id();
  ASSERT_TRUE(cases_->Unlock(CallAs("riec", "chair"), CaseReq(id)).ok());
  auto on_a = RequestContent(id, "gemeente", "politie", Subject('a'));
  auto on_b = RequestContent(id, "gemeente", "politie", Subject('b'));
  ASSERT_TRUE(on_a.ok() && on_b.ok());
  ASSERT_TRUE(Provide(*on_a, "over a").ok());

  v1::NarrowCaseRequest narrow;
  narrow.set_case_id(id);
  narrow.add_remove_categories("strafrecht");
  EXPECT_THAT(cases_->Narrow(CallAs("riec", "chair"), narrow).status().message(),
              HasSubstr("which means any category"));
  narrow.clear_remove_categories();
  auto* f = narrow.add_remove_flows();
  f->set_from("uwv");
  f->set_to("gemeente");
  EXPECT_THAT(cases_->Narrow(CallAs("riec", "chair"), narrow).status().message(),
              HasSubstr("is not a flow of case"));
  narrow.clear_remove_flows();
  *narrow.add_remove_subjects() = Subject('a');
  auto narrowed = cases_->Narrow(CallAs("riec", "chair"), narrow);
  ASSERT_TRUE(narrowed.ok()) << narrowed.status();
  EXPECT_EQ(narrowed->case_().decision().subjects_size(), 1);
  EXPECT_EQ(LastRecord().count(), 1u);
  EXPECT_FALSE(Payload(on_a->id())->has_value());
  v1::GetRequestRequest get;
  get.set_request_id(on_a->id());
  EXPECT_EQ(content_->Get(CallAs("gemeente"), get)->state(), v1::REQUEST_LAPSED);
  get.set_request_id(on_b->id());
  EXPECT_EQ(content_->Get(CallAs("gemeente"), get)->state(), v1::REQUEST_PENDING);
  // The subject is out of scope now.
  EXPECT_EQ(RequestContent(id, "gemeente", "politie", Subject('a')).status().code(),
            absl::StatusCode::kPermissionDenied);
  // Narrowing to nothing is closing.
  *narrow.mutable_remove_subjects(0) = Subject('b');
  EXPECT_THAT(cases_->Narrow(CallAs("riec", "chair"), narrow).status().message(),
              HasSubstr("close the case instead"));
}

TEST_F(Stage2Test, ExtendWithinTheMaximumAndHandOverToADeputy) {
  const std::string id = UnlockedCase();
  v1::ExtendCaseRequest extend;
  extend.set_case_id(id);
  *extend.mutable_ends() = ToProtoTime(clock_.Now() + absl::Hours(24 * 61));
  EXPECT_EQ(cases_->Extend(CallAs("riec", "chair"), extend).status().code(),
            absl::StatusCode::kInvalidArgument);
  *extend.mutable_ends() = ToProtoTime(clock_.Now() + absl::Hours(24 * 59));
  auto extended = cases_->Extend(CallAs("riec", "chair"), extend);
  ASSERT_TRUE(extended.ok()) << extended.status();
  EXPECT_EQ(Kinds(EventsOf("politie")).back(), v1::CASE_EXTENDED);

  v1::HandOverCaseRequest hand;
  hand.set_case_id(id);
  hand.set_partner("politie");
  EXPECT_THAT(cases_->HandOver(CallAs("riec", "chair"), hand).status().message(),
              HasSubstr("has no chair role"));
  hand.set_partner("gemeente");
  hand.set_name("plaatsvervanger");
  auto handed = cases_->HandOver(CallAs("riec", "chair"), hand);
  ASSERT_TRUE(handed.ok()) << handed.status();
  EXPECT_EQ(handed->case_().chair_partner(), "gemeente");
  v1::CloseCaseRequest close;
  close.set_case_id(id);
  close.mutable_outcome()->set_code(v1::NO_ACTION);
  EXPECT_EQ(cases_->Close(CallAs("riec", "chair"), close).status().code(),
            absl::StatusCode::kPermissionDenied);
  Call deputy = CallAs("gemeente", "chair");
  deputy.caller.identity.name = "plaatsvervanger";
  EXPECT_TRUE(cases_->Close(deputy, close).ok());
}

TEST_F(Stage2Test, PresentWithoutConsentAndOutsideEveryFlowGivesNoAccess) {
  PublishAs("politie", Subject('a'));
  const std::string sig = Register("gemeente", "chair-only", {Subject('a')});
  v1::CaseDecision d = Decision({Subject('a')});
  d.mutable_present(2)->set_consent(false);  // uwv: present, no consent
  auto c = Propose(sig, d);
  ASSERT_OK(c);
  EXPECT_THAT(cases_->Get(CallAs("uwv"), CaseReq(c->case_().id())),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("that you may see")));
  EXPECT_EQ(cases_->List(CallAs("uwv"), {})->cases_size(), 0);
  EXPECT_EQ(LastRecord().decision().rule(), "case.scope");
}

TEST_F(Stage2Test, CasesAreVisibleToThoseConcernedOnly) {
  const std::string id = UnlockedCase();
  EXPECT_TRUE(cases_->Get(CallAs("politie"), CaseReq(id)).ok());
  EXPECT_TRUE(cases_->Get(CallAs("uwv"), CaseReq(id)).ok());  // present at the casustafel, consenting
  EXPECT_TRUE(cases_->Get(CallAs("riec", "privacy-officer"), CaseReq(id)).ok());
  EXPECT_EQ(cases_->Get(CallAs("fiod"), CaseReq(id)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(cases_->List(CallAs("fiod"), {})->cases_size(), 0);
  EXPECT_EQ(cases_->List(CallAs("politie"), {})->cases_size(), 1);
}

TEST_F(Stage2Test, RetentionLapsesPayloadsAndErasesOldCases) {
  const std::string id = UnlockedCase();
  auto r = RequestContent(id, "gemeente", "politie", Subject('a'));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(Provide(*r, "inhoud").ok());
  // Not fetched within retention.payloads: deleted.
  clock_.Advance(absl::Hours(24 * 8));
  auto swept = operations_->Sweep(CallAs("riec", "operator"));
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_FALSE(Payload(r->id())->has_value());
  // The case ends (30 days); 30 days after that it is erased with its signal.
  clock_.Advance(absl::Hours(24 * 23));
  ASSERT_TRUE(operations_->Sweep(CallAs("riec", "operator")).ok());
  EXPECT_TRUE(store_->Get(storage::Table::kCases, id)->has_value());
  clock_.Advance(absl::Hours(24 * 30));
  swept = operations_->Sweep(CallAs("riec", "operator"));
  ASSERT_TRUE(swept.ok());
  std::map<std::string, uint64_t> erased;
  for (const auto& e : swept->erased()) erased[e.kind()] = e.count();
  EXPECT_EQ(erased["cases"], 1u);
  EXPECT_EQ(erased["signals"], 1u);
  EXPECT_EQ(erased["content-requests"], 1u);
  EXPECT_FALSE(store_->Get(storage::Table::kCases, id)->has_value());
  EXPECT_FALSE(store_->Get(storage::Table::kRequests, r->id())->has_value());
}

TEST_F(Stage2Test, KeysRotateAndStayKnown) {
  v1::RegisterKeyRequest key;
  key.set_public_key(std::string(32, '\0'));
  EXPECT_EQ(content_->RegisterKey(CallAs("gemeente"), key).status().code(),
            absl::StatusCode::kInvalidArgument);
  key.set_public_key(key_.public_key);
  ASSERT_TRUE(content_->RegisterKey(CallAs("gemeente"), key).ok());
  const auto second = crypto::GenerateBoxKeyPair();
  key.set_public_key(second.public_key);
  auto rotated = content_->RegisterKey(CallAs("gemeente"), key);
  ASSERT_TRUE(rotated.ok());
  EXPECT_THAT(LastRecord().decision().explanation(), HasSubstr("rotated its encryption key"));
  v1::GetKeyRequest get;
  get.set_partner("gemeente");
  EXPECT_EQ(content_->GetKey(CallAs("politie"), get)->key_id(), crypto::BoxKeyId(second.public_key));
  EXPECT_EQ(content_->RegisterKey(CallAs("riec", "chair"), key).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace riec::core
