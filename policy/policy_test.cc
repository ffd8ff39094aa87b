#include "riec/policy/policy.h"

#include <algorithm>
#include <map>
#include <filesystem>

#include "riec/common/file.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::policy {
namespace {

using ::testing::HasSubstr;

constexpr char kGood[] = R"(convenant:
  id: riec-test
  version: "7"
  valid_from: 2026-01-01
  valid_until: 2026-12-31
partners:
  - {id: riec, name: RIEC, roles: [coordinator, chair]}
  - {id: gemeente-a, name: Gemeente A, roles: [partner-system]}
  - {id: politie, name: Politie}
  - {id: uwv, name: UWV}
categories: [huisvesting, fiscaal]
purposes:
  - id: ondermijning
    themes: [drugs, witwassen]
    subject_kinds: [person-bsn, address]
    participants: [riec, gemeente-a, politie]
    legal_basis: {politie: "art. 20 Wpg"}
    stage1: {level: hit-only}
    max_subjects_per_signal: 5
    signal_lifetime: 2w
  - id: bibob
    subject_kinds: [organisation-kvk]
    participants: [gemeente-a, uwv]
quotas:
  default: {oprf_evaluations_per_day: 100}
  partners:
    politie: {oprf_evaluations_per_day: 1000}
)";

std::shared_ptr<const Policy> MustParse(absl::string_view text) {
  auto p = Policy::Parse(text, "test.yaml", nullptr);
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : nullptr;
}

absl::Time InForce() { return absl::FromCivil(absl::CivilDay(2026, 6, 1), absl::UTCTimeZone()); }

Request Req(Action a, std::string partner, std::string role) {
  Request r;
  r.action = a;
  r.who = Identity{"riec-test", std::move(partner), std::move(role), ""};
  r.now = InForce();
  return r;
}

TEST(PolicyParseTest, ReadsEveryField) {
  auto p = MustParse(kGood);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->Describe(), "riec-test v7");
  EXPECT_EQ(p->sha256().size(), 32u);
  ASSERT_EQ(p->partners().size(), 4u);
  EXPECT_THAT(p->FindPartner("politie")->roles,
              ::testing::ElementsAre("partner-system", "privacy-officer"));
  const Purpose* o = p->FindPurpose("ondermijning");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->stage1.level, v1::HIT_ONLY);
  EXPECT_EQ(o->max_subjects_per_signal, 5u);
  EXPECT_EQ(o->signal_lifetime, absl::Hours(24 * 14));
  const Purpose* b = p->FindPurpose("bibob");
  EXPECT_EQ(b->stage1.level, v1::HOLDERS);  // the default
  EXPECT_EQ(b->signal_lifetime, absl::Hours(24 * 90));
  EXPECT_EQ(p->QuotasFor("politie").oprf_evaluations_per_day, 1000u);
  EXPECT_EQ(p->QuotasFor("uwv").oprf_evaluations_per_day, 100u);
}

TEST(PolicyParseTest, HashChangesWithTheBytes) {
  auto a = MustParse(kGood);
  auto b = MustParse(absl::StrCat(kGood, "# a comment\n"));
  EXPECT_NE(a->sha256(), b->sha256());
}

// The corpus of broken files: each is policy/testdata/base.yaml with one
// mistake, and starts with "# expect: <line>:<column>: <field>: <message>",
// the exact first problem a person must see.
class BrokenFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BrokenFileTest, ReportsTheExpectedProblem) {
  const std::string path = GetParam();
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  const std::string first_line = text->substr(0, text->find('\n'));
  ASSERT_EQ(first_line.rfind("# expect: ", 0), 0u) << path;
  const std::string name = std::filesystem::path(path).filename();
  const std::string expected = name + ":" + first_line.substr(10);
  std::vector<ValidationError> errors;
  auto p = Policy::Parse(*text, name, &errors);
  ASSERT_FALSE(p.ok()) << name << " was accepted";
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].Format(name), expected);
  // One mistake, one problem, unless the file says "# problems: N".
  size_t want = 1;
  const size_t at = text->find("\n# problems: ");
  if (at != std::string::npos) want = std::stoul(text->substr(at + 13));
  EXPECT_EQ(errors.size(), want) << p.status();
}

std::vector<std::string> BrokenFiles() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(
           std::string(RIEC_POLICY_TESTDATA) + "/broken")) {
    files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BrokenFileTest, ::testing::ValuesIn(BrokenFiles()),
                         [](const auto& info) {
                           std::string n = std::filesystem::path(info.param).stem();
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(BrokenFileTest, TheBaseOfTheCorpusIsValid) {
  auto p = Policy::LoadFile(std::string(RIEC_POLICY_TESTDATA) + "/base.yaml");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ((*p)->secretariat(), "riec") << "the one partner of kind riec";
  EXPECT_EQ((*p)->retention().events, absl::Hours(24 * 30));
  EXPECT_EQ((*p)->FindPartner("uwv")->participation, Participation::kRespondOnly);
}

std::string Replace(std::string s, absl::string_view from, absl::string_view to) {
  size_t at = s.find(from.data(), 0, from.size());
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), std::string(to));
}

TEST(PolicyParseTest, LateHitsAreOffUnlessThePurposeSetsThem) {
  auto off = MustParse(kGood);
  for (const auto& purpose : off->purposes()) EXPECT_EQ(purpose.stage1.late_hits_per_signal, 0u);
  auto on = MustParse(Replace(kGood, "level: hit-only", "level: hit-only, late_hits: {max_per_signal: 7}"));
  EXPECT_EQ(on->purposes()[0].stage1.late_hits_per_signal, 7u);
  auto written_off = MustParse(Replace(kGood, "level: hit-only", "level: hit-only, late_hits: off"));
  EXPECT_EQ(written_off->purposes()[0].stage1.late_hits_per_signal, 0u);
}

TEST(PolicyParseTest, ProbableMatchesAreOffUnlessThePurposeSetsThem) {
  auto off = MustParse(kGood);
  for (const auto& purpose : off->purposes()) EXPECT_FALSE(purpose.stage1.probable_matches);
  const std::string with_persons = Replace(kGood, "[person-bsn, address]", "[person-bsn, person-name-dob, address]");
  auto on = MustParse(Replace(with_persons, "level: hit-only", "level: hit-only, probable_matches: true"));
  EXPECT_TRUE(on->purposes()[0].stage1.probable_matches);
  EXPECT_FALSE(on->purposes()[1].stage1.probable_matches);
}

TEST(PolicyParseTest, CollectsEveryProblem) {
  std::string text = Replace(kGood, "[gemeente-a, uwv]", "[gemeente-a, uvw]");
  text = Replace(text, "level: hit-only", "level: all");
  std::vector<ValidationError> errors;
  EXPECT_FALSE(Policy::Parse(text, "c.yaml", &errors).ok());
  EXPECT_EQ(errors.size(), 2u);
}

// Fake OINs (the 00000099 prefix is not issued).
constexpr char kPolitieOin[] = "00000099000000000001";
constexpr char kUwvOin[] = "00000099000000000002";

std::string WithCertificates(std::string text) {
  text = Replace(text, "{id: politie, name: Politie}",
                 absl::StrCat("{id: politie, name: Politie, oin: \"", kPolitieOin,
                              "\", certificates: [{role: partner-system, cn: koppeling.politie.example}, "
                              "{role: privacy-officer, ou: Privacy, name: fg-desk}]}"));
  return Replace(text, "{id: uwv, name: UWV}",
                 absl::StrCat("{id: uwv, name: UWV, oin: \"", kUwvOin, "\", certificates: [{role: partner-system, "
                              "sha256: \"AB:", std::string(62, 'c'), "\"}]}"));
}

TEST(PolicyCertificateTest, APkiOverheidCertificateMapsByOinAndOneDistinguisher) {
  auto p = MustParse(WithCertificates(kGood));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->FindPartner("politie")->oin, kPolitieOin);
  EXPECT_EQ(p->FindPartner("uwv")->certificates[0].sha256, "ab" + std::string(62, 'c'));

  auto system = p->MapCertificate({kPolitieOin, "koppeling.politie.example", {"ICT"}, std::string(64, '1')});
  ASSERT_TRUE(system.ok()) << system.status();
  EXPECT_EQ(system->convenant, "riec-test");
  EXPECT_EQ(system->partner, "politie");
  EXPECT_EQ(system->role, "partner-system");
  auto officer = p->MapCertificate({kPolitieOin, "j.jansen", {"Juridisch", "Privacy"}, std::string(64, '2')});
  ASSERT_TRUE(officer.ok()) << officer.status();
  EXPECT_EQ(officer->role, "privacy-officer");
  EXPECT_EQ(officer->name, "fg-desk");
  auto by_print = p->MapCertificate({kUwvOin, "anything", {}, "ab" + std::string(62, 'c')});
  ASSERT_TRUE(by_print.ok()) << by_print.status();
  EXPECT_EQ(by_print->partner, "uwv");
}

TEST(PolicyCertificateTest, NoMappingOrTwoAreRefusedWithWhatTheCertificateShows) {
  auto p = MustParse(WithCertificates(kGood));
  ASSERT_NE(p, nullptr);
  // The right OIN, nothing that tells its role.
  auto none = p->MapCertificate({kPolitieOin, "someone.else", {"ICT"}, std::string(64, '3')});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(none.status().message(),
              HasSubstr("OIN 00000099000000000001, sha256 " + std::string(64, '3') + ") matches no mapping"));
  EXPECT_THAT(none.status().message(), HasSubstr("names its sha256, CN or an OU of it"));
  EXPECT_THAT(none.status().message(), ::testing::Not(HasSubstr("someone.else")));  // the holder's text stays out
  // Another organisation's certificate with a CN that maps politie: its OIN decides.
  auto other = p->MapCertificate({"00000099000000000009", "koppeling.politie.example", {}, std::string(64, '4')});
  EXPECT_EQ(other.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(other.status().message(), HasSubstr("no partner has this OIN"));
  // Both a CN and an OU mapping match: refused, both named.
  auto two = p->MapCertificate({kPolitieOin, "koppeling.politie.example", {"Privacy"}, std::string(64, '5')});
  EXPECT_EQ(two.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(two.status().message(),
              HasSubstr("matches 2 mappings of convenant riec-test: politie/partner-system (cn "
                        "koppeling.politie.example), politie/privacy-officer (ou Privacy)"));
}

TEST(PolicyCertificateTest, BadMappingsAreRefusedByField) {
  auto errors_of = [](const std::string& text) {
    std::vector<ValidationError> errors;
    EXPECT_FALSE(Policy::Parse(text, "c.yaml", &errors).ok());
    std::string all;
    for (const auto& e : errors) absl::StrAppend(&all, e.field, ": ", e.message, "\n");
    return all;
  };
  const std::string good = WithCertificates(kGood);
  EXPECT_THAT(errors_of(Replace(good, kPolitieOin, "1234")), HasSubstr("partners[2].oin: '1234' is not an OIN"));
  EXPECT_THAT(errors_of(Replace(good, "{role: partner-system, cn: koppeling.politie.example}",
                                "{role: chair, cn: koppeling.politie.example}")),
              HasSubstr("partners[2].certificates[0].role: 'chair' is not a role of partner 'politie'"));
  EXPECT_THAT(errors_of(Replace(good, "cn: koppeling.politie.example}", "cn: x, ou: y}")),
              HasSubstr("partners[2].certificates[0]: needs exactly one of sha256, cn, ou"));
  EXPECT_THAT(errors_of(Replace(good, "ou: Privacy, name: fg-desk", "cn: koppeling.politie.example")),
              HasSubstr("partners[2].certificates[1]: cn koppeling.politie.example already maps OIN "
                        "00000099000000000001 to politie/partner-system"));
  EXPECT_THAT(errors_of(Replace(good, std::string(62, 'c'), "zz")), HasSubstr("partners[3].certificates[0].sha256: "));
  EXPECT_THAT(errors_of(Replace(good, absl::StrCat("oin: \"", kUwvOin, "\", "), "")),
              HasSubstr("partners[3].certificates: certificates map an organisation's OIN: set oin as well"));
}

TEST(PolicyParseTest, ProcessingActivitiesArePerParticipantAndUris) {
  auto p = MustParse(Replace(kGood, "legal_basis: {politie: \"art. 20 Wpg\"}",
                             "legal_basis: {politie: \"art. 20 Wpg\"}\n    processing_activities: {politie: "
                             "\"https://register.politie.example/verwerkingen/42\", riec: \"urn:riec:va:7\"}"));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->purposes()[0].processing_activities.at("politie"), "https://register.politie.example/verwerkingen/42");
  EXPECT_EQ(p->purposes()[0].processing_activities.at("riec"), "urn:riec:va:7");
  std::vector<ValidationError> errors;
  EXPECT_FALSE(Policy::Parse(Replace(kGood, "legal_basis: {politie: \"art. 20 Wpg\"}",
                                     "processing_activities: {uwv: \"urn:x:1\", politie: \"register 42\"}"),
                             "c.yaml", &errors)
                   .ok());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "purposes[0].processing_activities.uwv");
  EXPECT_THAT(errors[0].message, HasSubstr("not a participant of this purpose"));
  EXPECT_EQ(errors[1].field, "purposes[0].processing_activities.politie");
  EXPECT_THAT(errors[1].message, HasSubstr("'register 42' is not a URI"));
}

TEST(PolicyDecideTest, UnknownIdentitiesAreRefused) {
  auto p = MustParse(kGood);
  Request r = Req(Action::kConnect, "nobody", "partner-system");
  Decision d = p->Decide(r);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "identity.partner");
  EXPECT_EQ(d.explanation, "partner 'nobody' is not a partner of convenant riec-test v7");

  r = Req(Action::kConnect, "gemeente-a", "chair");
  d = p->Decide(r);
  EXPECT_EQ(d.rule, "identity.role");
  EXPECT_EQ(d.code, absl::StatusCode::kPermissionDenied);

  r = Req(Action::kConnect, "gemeente-a", "partner-system");
  r.who.convenant = "other";
  EXPECT_EQ(p->Decide(r).rule, "identity.convenant");

  EXPECT_TRUE(p->Decide(Req(Action::kConnect, "riec", "chair")).allowed);
}

TEST(PolicyDecideTest, PurposeParticipationAndKinds) {
  auto p = MustParse(kGood);
  Request r = Req(Action::kRegisterSignal, "uwv", "partner-system");
  r.purpose = "ondermijning";
  Decision d = p->Decide(r);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.explanation,
            "purpose 'ondermijning' is not open to partner 'uwv' under convenant riec-test v7");

  r = Req(Action::kAsk, "politie", "partner-system");
  r.purpose = "ondermijning";
  r.signal_owner = "politie";
  r.subject_kind = v1::VEHICLE;
  d = p->Decide(r);
  EXPECT_EQ(d.rule, "purpose.subject_kinds");
  EXPECT_EQ(d.explanation,
            "purpose 'ondermijning' does not cover subject kind 'vehicle' (it covers: "
            "person-bsn, address)");

  r.subject_kind = v1::PERSON_BSN;
  d = p->Decide(r);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.legal_basis, "art. 20 Wpg");

  r.purpose = "gone";
  d = p->Decide(r);
  EXPECT_EQ(d.code, absl::StatusCode::kFailedPrecondition);
}

TEST(PolicyDecideTest, RolesPerAction) {
  auto p = MustParse(kGood);
  EXPECT_FALSE(p->Decide(Req(Action::kPublish, "riec", "coordinator")).allowed);
  EXPECT_TRUE(p->Decide(Req(Action::kPublish, "gemeente-a", "partner-system")).allowed);
  Decision d = p->Decide(Req(Action::kEvaluateOprf, "riec", "chair"));
  EXPECT_TRUE(d.allowed);
  Request ask = Req(Action::kAsk, "riec", "chair");
  ask.purpose = "ondermijning";
  d = p->Decide(ask);
  EXPECT_EQ(d.rule, "role.ask");
  EXPECT_EQ(d.explanation, "role 'chair' may not ask (allowed: partner-system, coordinator)");
}

TEST(PolicyDecideTest, OnlyOwnerOrCoordinatorAsksInASignal) {
  auto p = MustParse(kGood);
  Request r = Req(Action::kAsk, "politie", "partner-system");
  r.purpose = "ondermijning";
  r.signal_id = "S-1";
  r.signal_owner = "gemeente-a";
  Decision d = p->Decide(r);
  EXPECT_EQ(d.rule, "signal.owner");
  r.who = Identity{"riec-test", "riec", "coordinator", ""};
  EXPECT_TRUE(p->Decide(r).allowed);
  Request read = Req(Action::kReadSignal, "riec", "chair");
  read.signal_owner = "gemeente-a";
  EXPECT_TRUE(p->Decide(read).allowed);
}

TEST(PolicyDecideTest, SignalThemesAndSize) {
  auto p = MustParse(kGood);
  Request r = Req(Action::kRegisterSignal, "gemeente-a", "partner-system");
  r.purpose = "ondermijning";
  r.theme = "drugs";
  r.subject_count = 5;
  EXPECT_TRUE(p->Decide(r).allowed);
  r.subject_count = 6;
  Decision d = p->Decide(r);
  EXPECT_EQ(d.code, absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(d.explanation,
            "subjects: 6 subjects; purpose 'ondermijning' allows at most 5 per signal");
  r.subject_count = 1;
  r.theme = "fietsendiefstal";
  EXPECT_EQ(p->Decide(r).rule, "purpose.themes");
  r.purpose = "bibob";  // no themes listed: any theme
  EXPECT_TRUE(p->Decide(r).allowed);
}

TEST(PolicyDecideTest, PublishOnlyKindsAPurposeOfThePartnerCovers) {
  auto p = MustParse(kGood);
  Request r = Req(Action::kPublish, "politie", "partner-system");
  r.subject_kind = v1::ADDRESS;
  EXPECT_TRUE(p->Decide(r).allowed);
  r.subject_kind = v1::ORGANISATION_KVK;  // only bibob covers it, without politie
  Decision d = p->Decide(r);
  EXPECT_EQ(d.rule, "publish.subject_kinds");
  EXPECT_EQ(d.explanation,
            "no purpose of convenant riec-test v7 that partner 'politie' takes part "
            "in covers subject kind 'organisation-kvk'");
}

TEST(PolicyDecideTest, NothingIsSharedOutsideTheValidityWindow) {
  auto p = MustParse(kGood);
  Request r = Req(Action::kPublish, "gemeente-a", "partner-system");
  r.now = absl::FromCivil(absl::CivilDay(2025, 12, 31), absl::UTCTimeZone());
  EXPECT_EQ(p->Decide(r).rule, "convenant.valid_from");
  r.now = absl::FromCivil(absl::CivilSecond(2026, 12, 31, 23, 59, 59), absl::UTCTimeZone());
  EXPECT_TRUE(p->Decide(r).allowed) << "valid through the last day";
  r.now = absl::FromCivil(absl::CivilDay(2027, 1, 1), absl::UTCTimeZone());
  Decision d = p->Decide(r);
  EXPECT_EQ(d.rule, "convenant.valid_until");
  EXPECT_EQ(d.code, absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(d.explanation, HasSubstr("ended on 2026-12-31"));
  // What keeps the parties accountable stays possible after the end.
  for (auto [action, role] : {std::pair{Action::kAudit, "privacy-officer"},
                              std::pair{Action::kVerifyLog, "privacy-officer"},
                              std::pair{Action::kWithdraw, "partner-system"}}) {
    Request after = Req(action, "politie", role);
    after.now = r.now;
    EXPECT_TRUE(p->Decide(after).allowed) << ActionName(action) << ": " << p->Decide(after).explanation;
  }
  Request ask = Req(Action::kAsk, "gemeente-a", "partner-system");
  ask.now = r.now;
  EXPECT_EQ(p->Decide(ask).rule, "convenant.valid_until");
}

TEST(PolicyFileTest, ExampleConvenantsAreValid) {
  for (const char* f : {"policy/convenants/riec-oost-brabant.yaml",
                        "policy/convenants/interventieteam-peelland.yaml"}) {
    auto p = Policy::LoadFile(absl::StrCat(getenv("RIEC_SOURCE_DIR"), "/", f));
    EXPECT_TRUE(p.ok()) << p.status();
  }
}

// Every role and action under each participation mode: P partner-system,
// C chair, K coordinator, V privacy-officer (verwerking), O operator.
TEST(PolicyDecideTest, EveryRoleAndActionPerParticipation) {
  auto p = MustParse(R"(convenant: {id: riec-test, version: "1"}
partners:
  - {id: full, name: F, roles: [partner-system, chair, coordinator, privacy-officer, operator]}
  - {id: respond, name: R, participation: respond-only,
     roles: [partner-system, chair, coordinator, privacy-officer, operator]}
  - {id: signals, name: S, participation: signal-only,
     roles: [partner-system, chair, coordinator, privacy-officer, operator]}
purposes:
  - {id: p, subject_kinds: [person-bsn], participants: [full, respond, signals]}
)");
  ASSERT_NE(p, nullptr);
  const std::map<char, std::string> roles = {{'P', "partner-system"}, {'C', "chair"},
                                             {'K', "coordinator"}, {'V', "privacy-officer"},
                                             {'O', "operator"}};
  struct Row {
    Action action;
    std::string full, respond, signals;  // the roles allowed
  };
  const std::vector<Row> table = {
      {Action::kConnect, "PCKVO", "PCKVO", "PCKVO"},
      {Action::kEvaluateOprf, "PCKV", "PCKV", "PCKV"},
      {Action::kPublish, "P", "P", ""},
      {Action::kWithdraw, "P", "P", "P"},
      {Action::kReadOwnIndex, "P", "P", "P"},
      {Action::kRegisterSignal, "PK", "", "PK"},
      {Action::kReadSignal, "PCK", "PCK", "PCK"},
      {Action::kCloseSignal, "PK", "", "PK"},
      {Action::kAsk, "PK", "", ""},
      {Action::kReadEvents, "PCKVO", "PCKVO", "PCKVO"},
      {Action::kOperate, "O", "O", "O"},
      {Action::kVerifyLog, "PCKVO", "PCKVO", "PCKVO"},
      {Action::kAudit, "V", "V", "V"},
      {Action::kRequestAssessments, "PK", "", ""},
      {Action::kAssess, "P", "P", ""},
      {Action::kProposeCase, "C", "C", "C"},
      {Action::kUnlockCase, "C", "C", "C"},
      {Action::kConfirmCase, "PV", "PV", "PV"},
      {Action::kChangeCase, "C", "C", "C"},
      {Action::kReadCase, "PCKV", "PCKV", "PCKV"},
      {Action::kRegisterKey, "P", "P", "P"},
      {Action::kRequestContent, "P", "", ""},
      {Action::kProvideContent, "P", "P", ""},
      {Action::kFetchContent, "P", "P", "P"},
      {Action::kReadStatistics, "KV", "KV", "KV"},
  };
  ASSERT_EQ(table.size(), AllActions().size());
  for (const Row& row : table) {
    for (const auto& [partner, allowed] : {std::pair{"full", row.full},
                                           std::pair{"respond", row.respond},
                                           std::pair{"signals", row.signals}}) {
      for (const auto& [letter, role] : roles) {
        Request r = Req(row.action, partner, role);
        r.who.convenant = "riec-test";
        r.purpose = "p";
        r.subject_kind = v1::PERSON_BSN;
        r.signal_owner = partner;
        r.subject_count = 1;
        Decision d = p->Decide(r);
        EXPECT_EQ(d.allowed, allowed.find(letter) != std::string::npos)
            << ActionName(row.action) << " by " << partner << "/" << role << ": " << d.rule
            << ": " << d.explanation;
        EXPECT_FALSE(d.rule.empty());
        EXPECT_FALSE(d.explanation.empty());
      }
    }
  }
}

TEST(PolicyDecideTest, ParticipationRefusalsExplainThemselves) {
  auto p = MustParse(R"(convenant: {id: riec-test, version: "1"}
partners:
  - {id: uwv, name: UWV, participation: respond-only}
  - {id: woningcorporatie, name: W, participation: signal-only}
purposes:
  - {id: p, subject_kinds: [person-bsn], participants: [uwv, woningcorporatie]}
)");
  Request ask = Req(Action::kAsk, "uwv", "partner-system");
  ask.who.convenant = "riec-test";
  ask.purpose = "p";
  ask.signal_owner = "uwv";
  EXPECT_EQ(p->Decide(ask).explanation,
            "partner 'uwv' takes part respond-only under convenant riec-test v1: it holds and "
            "answers, but does not bring signals or ask");
  Request publish = Req(Action::kPublish, "woningcorporatie", "partner-system");
  publish.who.convenant = "riec-test";
  EXPECT_EQ(p->Decide(publish).explanation,
            "partner 'woningcorporatie' takes part signal-only under convenant riec-test v1: it "
            "brings signals, but holds nothing and asks nothing");
}

TEST(PolicyDecideTest, CaseRulesNameWhatForbids) {
  auto p = MustParse(kGood);
  Request r = Req(Action::kRequestContent, "gemeente-a", "partner-system");
  CaseFacts c;
  c.id = "C-1";
  c.state = v1::CASE_STATE_UNLOCKED;
  c.caller_concerned = true;
  c.holder = "politie";
  c.requester = "gemeente-a";
  r.case_facts = c;
  EXPECT_TRUE(p->Decide(r).allowed);
  auto with = [&](auto change) {
    Request q = r;
    change(*q.case_facts);
    return p->Decide(q);
  };
  Decision d = with([](CaseFacts& f) { f.state = v1::CASE_STATE_PROPOSED; });
  EXPECT_EQ(d.rule, "case.state");
  EXPECT_EQ(d.explanation, "case C-1 is not unlocked; content moves only in an unlocked case");
  EXPECT_EQ(with([](CaseFacts& f) { f.state = v1::CASE_STATE_EXPIRED; }).explanation,
            "case C-1 has ended (its end date passed); content moves only in an unlocked case");
  EXPECT_EQ(with([](CaseFacts& f) { f.caller_concerned = false; }).rule, "case.participants");
  EXPECT_EQ(with([](CaseFacts& f) { f.subject_in_scope = false; }).rule, "case.subjects");
  d = with([](CaseFacts& f) { f.flow_allowed = false; });
  EXPECT_EQ(d.explanation, "case C-1 does not let 'politie' provide to 'gemeente-a'");
  EXPECT_EQ(with([](CaseFacts& f) { f.category_in_scope = false; }).rule, "case.categories");

  Request unlock = Req(Action::kUnlockCase, "riec", "chair");
  CaseFacts u;
  u.id = "C-1";
  u.state = v1::CASE_STATE_PROPOSED;
  u.chair_partner = "riec";
  u.chair_name = "j.devries";
  unlock.case_facts = u;
  d = p->Decide(unlock);
  EXPECT_EQ(d.rule, "case.chair");
  EXPECT_EQ(d.explanation, "only the chair of case C-1 (riec/chair/j.devries) may change it; a chair can hand the case over");
  unlock.who.name = "j.devries";
  EXPECT_TRUE(p->Decide(unlock).allowed);
}

TEST(PolicyDecideTest, UnlockRules) {
  auto p = MustParse(Replace(kGood, "quotas:\n", R"(  - id: vier-ogen
    subject_kinds: [address]
    participants: [gemeente-a, politie]
    unlock: {rule: four-eyes}
  - id: quorum
    subject_kinds: [address]
    participants: [gemeente-a, politie, uwv]
    unlock: {rule: quorum, quorum: majority}
quotas:
)"));
  ASSERT_NE(p, nullptr);
  UnlockFacts f;
  f.partners_concerned = {"gemeente-a", "politie", "uwv"};
  const Purpose& chair = *p->FindPurpose("bibob");
  EXPECT_EQ(p->DecideUnlock(chair, f, "C-1").explanation,
            "case C-1 is not unlocked: rule chair of purpose 'bibob' still needs the chair's unlock");
  f.chair_asked = true;
  EXPECT_TRUE(p->DecideUnlock(chair, f, "C-1").allowed);

  const Purpose& four = *p->FindPurpose("vier-ogen");
  Decision d = p->DecideUnlock(four, f, "C-2");
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.explanation, HasSubstr("a privacy officer's confirmation"));
  f.privacy_officer_confirmations = {"fiod"};  // not concerned, not the RIEC
  EXPECT_FALSE(p->DecideUnlock(four, f, "C-2").allowed);
  f.privacy_officer_confirmations = {"politie"};  // a partner concerned
  EXPECT_TRUE(p->DecideUnlock(four, f, "C-2").allowed);

  const Purpose& quorum = *p->FindPurpose("quorum");
  f.partner_confirmations = {"politie"};
  d = p->DecideUnlock(quorum, f, "C-3");
  EXPECT_EQ(d.explanation, "case C-3 is not unlocked: rule quorum of a majority of purpose 'quorum' "
                           "still needs confirmations of 2 of the 3 partners concerned (so far 1: politie)");
  f.partner_confirmations = {"politie", "uwv"};
  EXPECT_TRUE(p->DecideUnlock(quorum, f, "C-3").allowed);
}

TEST(DurationTest, ParsesAndFormats) {
  EXPECT_EQ(*ParseDuration("90d"), absl::Hours(24 * 90));
  EXPECT_EQ(*ParseDuration("45s"), absl::Seconds(45));
  EXPECT_FALSE(ParseDuration("90").ok());
  EXPECT_FALSE(ParseDuration("0d").ok());
  EXPECT_FALSE(ParseDuration("1.5d").ok());
  EXPECT_EQ(DurationText(absl::Hours(24 * 14)), "2w");
  EXPECT_EQ(DurationText(absl::Hours(36)), "36h");
  EXPECT_EQ(*ParseDuration("7y"), absl::Hours(24 * 365 * 7));
  EXPECT_EQ(DurationText(absl::Hours(24 * 365 * 2)), "2y");
}

}  // namespace
}  // namespace riec::policy
