// What each privacy officer sees of a record (docs/log-format.md §7).
#include "core/log_views.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::core {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const LogScope kAll{true, ""};
LogScope Of(const std::string& partner) { return LogScope{false, partner}; }

// A stage-1 answer to gemeente about two subjects: the first held by
// politie (silently) and uwv, the second by fiod only, silently.
v1::LogRecord Answer(v1::Stage1Level level) {
  v1::LogRecord r;
  r.set_kind(v1::STAGE1_ANSWERED);
  r.mutable_actor()->set_partner("gemeente");
  r.set_signal_id("S-AAAAAAAAAA");
  r.set_purpose("ondermijning");
  r.set_stage1_level(level);
  r.add_recipients("gemeente");
  v1::LoggedSubject* a = r.add_subjects();
  a->set_pseudonym(std::string(32, 'a'));
  a->set_hit(true);
  v1::LoggedHolder* h = a->add_holders();
  h->set_partner("uwv");
  h->add_categories("uitkering");
  a->add_silent_holders("politie");
  v1::LoggedSubject* b = r.add_subjects();
  b->set_pseudonym(std::string(32, 'b'));
  b->add_silent_holders("fiod");
  b->set_excluded(false);
  return r;
}

std::vector<std::string> Holders(const v1::LoggedSubject& s) {
  std::vector<std::string> out;
  for (const auto& h : s.holders()) out.push_back(h.partner());
  return out;
}

TEST(LogViewsTest, TheRiecSeesEveryRecordWhole) {
  const v1::LogRecord r = Answer(v1::HIT_ONLY);
  RecordView v = ViewOf(r, kAll);
  EXPECT_EQ(v.kind, ViewKind::kWhole);
  EXPECT_EQ(v.record.SerializeAsString(), r.SerializeAsString());
}

TEST(LogViewsTest, TheAskerSeesWhatItWasToldAndNoSilentHolder) {
  RecordView hit_only = ViewOf(Answer(v1::HIT_ONLY), Of("gemeente"));
  ASSERT_EQ(hit_only.kind, ViewKind::kPart);
  for (const auto& s : hit_only.record.subjects()) {
    EXPECT_THAT(s.holders(), IsEmpty());
    EXPECT_THAT(s.silent_holders(), IsEmpty());
  }
  EXPECT_TRUE(hit_only.record.subjects(0).hit());

  RecordView holders = ViewOf(Answer(v1::HOLDERS), Of("gemeente"));
  ASSERT_EQ(holders.kind, ViewKind::kPart);
  EXPECT_THAT(Holders(holders.record.subjects(0)), ElementsAre("uwv"));
  EXPECT_THAT(holders.record.subjects(0).holders(0).categories(), IsEmpty());
  EXPECT_THAT(holders.record.subjects(0).silent_holders(), IsEmpty());

  RecordView categories = ViewOf(Answer(v1::HOLDERS_AND_CATEGORY), Of("gemeente"));
  EXPECT_THAT(categories.record.subjects(0).holders(0).categories(), ElementsAre("uitkering"));
  EXPECT_THAT(categories.record.subjects(0).silent_holders(), IsEmpty());
}

TEST(LogViewsTest, AHolderSeesOnlyTheSubjectsItHoldsWithItsOwnEntry) {
  RecordView uwv = ViewOf(Answer(v1::HIT_ONLY), Of("uwv"));
  ASSERT_EQ(uwv.kind, ViewKind::kPart);
  ASSERT_EQ(uwv.record.subjects_size(), 1);
  EXPECT_EQ(uwv.record.subjects(0).pseudonym(), std::string(32, 'a'));
  EXPECT_THAT(Holders(uwv.record.subjects(0)), ElementsAre("uwv"));
  EXPECT_THAT(uwv.record.subjects(0).silent_holders(), IsEmpty()) << "politie's silent entry";
  EXPECT_EQ(uwv.record.signal_id(), "S-AAAAAAAAAA");
  EXPECT_EQ(uwv.record.actor().partner(), "gemeente");
}

TEST(LogViewsTest, ASilentHolderSeesItsEntryAndWhoAskedButNotTheSignal) {
  RecordView fiod = ViewOf(Answer(v1::HOLDERS), Of("fiod"));
  ASSERT_EQ(fiod.kind, ViewKind::kPart);
  ASSERT_EQ(fiod.record.subjects_size(), 1);
  EXPECT_EQ(fiod.record.subjects(0).pseudonym(), std::string(32, 'b'));
  EXPECT_THAT(fiod.record.subjects(0).silent_holders(), ElementsAre("fiod"));
  EXPECT_THAT(fiod.record.subjects(0).holders(), IsEmpty());
  EXPECT_EQ(fiod.record.actor().partner(), "gemeente");
  EXPECT_EQ(fiod.record.purpose(), "ondermijning");
  EXPECT_EQ(fiod.record.signal_id(), "");

  RecordView politie = ViewOf(Answer(v1::HOLDERS), Of("politie"));
  ASSERT_EQ(politie.record.subjects_size(), 1);
  EXPECT_THAT(politie.record.subjects(0).holders(), IsEmpty()) << "uwv's entry";
  EXPECT_THAT(politie.record.subjects(0).silent_holders(), ElementsAre("politie"));
}

TEST(LogViewsTest, TheStatusTellsNothingOfWhatWasHidden) {
  // A plain no-hit answer, nothing silent: still a part, as an answer with
  // a silent holder is.
  v1::LogRecord plain;
  plain.set_kind(v1::STAGE1_ANSWERED);
  plain.mutable_actor()->set_partner("gemeente");
  plain.set_stage1_level(v1::HOLDERS);
  plain.add_subjects()->set_pseudonym(std::string(32, 'c'));
  EXPECT_EQ(ViewOf(plain, Of("gemeente")).kind, ViewKind::kPart);
  EXPECT_EQ(ViewOf(Answer(v1::HOLDERS), Of("gemeente")).kind, ViewKind::kPart);
  // A holder alone on its subject, and one beside others: both parts.
  v1::LogRecord alone = plain;
  v1::LoggedHolder* h = alone.mutable_subjects(0)->add_holders();
  h->set_partner("uwv");
  EXPECT_EQ(ViewOf(alone, Of("uwv")).kind, ViewKind::kPart);
  EXPECT_EQ(ViewOf(Answer(v1::HOLDERS), Of("uwv")).kind, ViewKind::kPart);
}

TEST(LogViewsTest, OthersSeeNothing) {
  EXPECT_EQ(ViewOf(Answer(v1::HOLDERS), Of("belastingdienst")).kind, ViewKind::kNothing);
  v1::LogRecord denied;
  denied.set_kind(v1::REQUEST_DENIED);
  denied.mutable_actor()->set_partner("gemeente");
  denied.add_recipients("uwv");
  EXPECT_EQ(ViewOf(denied, Of("uwv")).kind, ViewKind::kNothing);
  EXPECT_EQ(ViewOf(denied, Of("gemeente")).kind, ViewKind::kWhole);
}

TEST(LogViewsTest, RecordsOfTheConvenantAsAWholeAreWholeForEveryone) {
  v1::LogRecord sweep;
  sweep.set_kind(v1::RETENTION_SWEEP);
  sweep.add_erased_records(3);
  EXPECT_EQ(ViewOf(sweep, Of("uwv")).kind, ViewKind::kWhole);
}

TEST(LogViewsTest, AnAssessmentUnderHitOnlyDoesNotNameItsHolder) {
  v1::LogRecord r;
  r.set_kind(v1::ASSESSMENT_GIVEN);
  r.set_stage1_level(v1::HIT_ONLY);
  r.mutable_actor()->set_partner("uwv");
  r.add_recipients("gemeente");
  r.add_assessments()->set_holder("uwv");
  RecordView owner = ViewOf(r, Of("gemeente"));
  ASSERT_EQ(owner.kind, ViewKind::kPart);
  EXPECT_EQ(owner.record.actor().partner(), "");
  EXPECT_EQ(owner.record.assessments(0).holder(), "");
  EXPECT_EQ(owner.record.decision().explanation(), "") << "the sentence names the partner";
  EXPECT_EQ(ViewOf(r, Of("uwv")).kind, ViewKind::kWhole);
}

}  // namespace
}  // namespace riec::core
