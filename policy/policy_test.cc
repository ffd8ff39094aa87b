#include "policy/policy.h"

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

struct BrokenCase {
  const char* name;
  std::string text;
  const char* expected;  // the exact first error, as a user sees it
};

class PolicyErrorTest : public ::testing::TestWithParam<BrokenCase> {};

TEST_P(PolicyErrorTest, ReportsPositionFieldAndRule) {
  std::vector<ValidationError> errors;
  auto p = Policy::Parse(GetParam().text, "c.yaml", &errors);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].Format("c.yaml"), GetParam().expected);
  EXPECT_THAT(std::string(p.status().message()), HasSubstr(GetParam().expected));
}

std::string Replace(std::string s, absl::string_view from, absl::string_view to) {
  size_t at = s.find(from.data(), 0, from.size());
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), std::string(to));
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, PolicyErrorTest,
    ::testing::Values(
        BrokenCase{"unknown_key", Replace(kGood, "  version: \"7\"", "  version: \"7\"\n  versoin: 8"),
                   "c.yaml:4:3: convenant.versoin: unknown key (allowed here: id, "
                   "version, title, valid_from, valid_until)"},
        BrokenCase{"unknown_partner", Replace(kGood, "[gemeente-a, uwv]", "[gemeente-a, uvw]"),
                   "c.yaml:23:32: purposes[1].participants[1]: unknown partner 'uvw' "
                   "(declare it under partners)"},
        BrokenCase{"duplicate_partner", Replace(kGood, "{id: uwv, name: UWV}", "{id: politie, name: UWV}"),
                   "c.yaml:10:10: partners[3].id: duplicate partner id 'politie'"},
        BrokenCase{"bad_duration", Replace(kGood, "signal_lifetime: 2w", "signal_lifetime: -3d"),
                   "c.yaml:20:22: purposes[0].signal_lifetime: '-3d': want a whole "
                   "number and one unit: s, m, h, d or w (e.g. 90d)"},
        BrokenCase{"no_participants", Replace(kGood, "[gemeente-a, uwv]", "[]"),
                   "c.yaml:23:19: purposes[1].participants: a purpose with no "
                   "participants shares nothing; list at least one partner"},
        BrokenCase{"until_before_from", Replace(kGood, "valid_until: 2026-12-31", "valid_until: 2025-12-31"),
                   "c.yaml:5:16: convenant.valid_until: must not be before valid_from (2026-01-01)"},
        BrokenCase{"unknown_kind", Replace(kGood, "[person-bsn, address]", "[person-bsn, adres]"),
                   "c.yaml:15:33: purposes[0].subject_kinds[1]: unknown subject kind 'adres' "
                   "(kinds: person-bsn, person-name-dob, organisation-kvk, address, "
                   "vehicle, bank-account)"},
        BrokenCase{"unknown_level", Replace(kGood, "level: hit-only", "level: everything"),
                   "c.yaml:18:21: purposes[0].stage1.level: unknown level 'everything' "
                   "(levels: hit-only, holders, holders-and-category)"},
        BrokenCase{"unknown_role", Replace(kGood, "roles: [partner-system]", "roles: [admin]"),
                   "c.yaml:8:48: partners[1].roles[0]: unknown role 'admin' (roles: "
                   "partner-system, chair, coordinator, privacy-officer, operator)"},
        BrokenCase{"missing_id", Replace(kGood, "  id: riec-test\n", ""),
                   "c.yaml:2:3: convenant.id: required key is missing"},
        BrokenCase{"bad_yaml", Replace(kGood, "themes: [drugs, witwassen]", "themes: [drugs, witwassen"),
                   "c.yaml:15:18: not valid YAML: end of sequence flow not found"},
        BrokenCase{"zero_quota", Replace(kGood, "oprf_evaluations_per_day: 100}", "oprf_evaluations_per_day: 0}"),
                   "c.yaml:25:39: quotas.default.oprf_evaluations_per_day: 0 is out of "
                   "range (1 to 1000000000)"},
        BrokenCase{"basis_for_non_participant", Replace(kGood, "{politie: \"art. 20 Wpg\"}", "{uwv: \"x\"}"),
                   "c.yaml:17:19: purposes[0].legal_basis.uwv: 'uwv' is not a "
                   "participant of this purpose"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PolicyParseTest, CollectsEveryProblem) {
  std::string text = Replace(kGood, "[gemeente-a, uwv]", "[gemeente-a, uvw]");
  text = Replace(text, "level: hit-only", "level: all");
  std::vector<ValidationError> errors;
  EXPECT_FALSE(Policy::Parse(text, "c.yaml", &errors).ok());
  EXPECT_EQ(errors.size(), 2u);
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
}

TEST(PolicyFileTest, ExampleConvenantsAreValid) {
  for (const char* f : {"policy/convenants/riec-oost-brabant.yaml"}) {
    auto p = Policy::LoadFile(absl::StrCat(getenv("RIEC_SOURCE_DIR"), "/", f));
    EXPECT_TRUE(p.ok()) << p.status();
  }
}

TEST(DurationTest, ParsesAndFormats) {
  EXPECT_EQ(*ParseDuration("90d"), absl::Hours(24 * 90));
  EXPECT_EQ(*ParseDuration("45s"), absl::Seconds(45));
  EXPECT_FALSE(ParseDuration("90").ok());
  EXPECT_FALSE(ParseDuration("0d").ok());
  EXPECT_FALSE(ParseDuration("1.5d").ok());
  EXPECT_EQ(DurationText(absl::Hours(24 * 14)), "2w");
  EXPECT_EQ(DurationText(absl::Hours(36)), "36h");
}

}  // namespace
}  // namespace riec::policy
