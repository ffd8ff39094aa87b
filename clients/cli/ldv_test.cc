#include "cli/ldv.h"

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "riec/common/hex.h"

namespace riec::cli {
namespace {

using google::protobuf::Struct;

Struct Parse(const std::string& line) {
  Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &s).ok()) << line;
  return s;
}
std::string Field(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}
std::string Attribute(const Struct& s, const std::string& name) {
  auto it = s.fields().find("attributes");
  if (it == s.fields().end()) return "";
  return Field(it->second.struct_value(), name);
}

std::shared_ptr<const policy::Policy> Convenant() {
  auto p = policy::Policy::Parse(R"(convenant: {id: c, version: "1"}
partners:
  - {id: riec, name: RIEC, kind: riec, roles: [privacy-officer]}
  - {id: politie, name: Politie}
purposes:
  - id: bibob
    subject_kinds: [person-bsn, address]
    participants: [politie]
    processing_activities: {politie: "https://register.politie.example/va/42", riec: "urn:riec:va:7"}
)",
                                 "c.yaml", nullptr);
  EXPECT_TRUE(p.ok()) << p.status();
  return *p;
}

v1::LogRecord Question(int subjects) {
  v1::LogRecord r;
  r.set_kind(v1::STAGE1_ANSWERED);
  r.set_time_unix_micros(1796223699783123);
  r.set_method("/riec.v1.Inquiry/CheckSubjects");
  r.set_convenant_id("c");
  r.set_purpose("bibob");
  r.mutable_actor()->set_partner("politie");
  r.mutable_actor()->set_role("partner-system");
  r.mutable_decision()->set_allowed(true);
  for (int i = 0; i < subjects; ++i) {
    auto* s = r.add_subjects();
    s->set_kind(i == 0 ? v1::PERSON_BSN : v1::ADDRESS);
    s->set_pseudonym(std::string(32, static_cast<char>('a' + i)));
  }
  return r;
}

TEST(LdvTest, OneSubjectIsOneRecordInTheCallersTrace) {
  auto convenant = Convenant();
  v1::LogRecord r = Question(1);
  r.set_trace_id("4bf92f3577b34da6a3ce929d0e0e4736");
  r.set_span_id("00f067aa0ba902b7");
  auto ldv = LdvRecords(r, 17, {std::string(32, 'k'), "politie", convenant.get()});
  ASSERT_EQ(ldv.lines.size(), 1u);
  EXPECT_FALSE(ldv.missing_activity);
  const Struct s = Parse(ldv.lines[0]);
  EXPECT_EQ(Field(s, "trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(Field(s, "parent_span_id"), "00f067aa0ba902b7");
  EXPECT_THAT(Field(s, "span_id"), ::testing::MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(Field(s, "status"), "Ok");
  EXPECT_EQ(s.fields().at("start_time").number_value(), 1796223699783.0);
  EXPECT_EQ(s.fields().at("end_time").number_value(), 1796223699783.0);
  EXPECT_EQ(Attribute(s, "dpl.core.processing_activity_id"), "https://register.politie.example/va/42");
  EXPECT_EQ(Attribute(s, "dpl.core.data_subject_id"), ToHex(std::string(32, 'a')));
  EXPECT_EQ(Attribute(s, "dpl.core.data_subject_id_type"), "urn:riec-broker:pseudonym:person-bsn");
  EXPECT_EQ(Attribute(s, "dpl.core.foreign_operation.processor"), "riec://c/politie/partner-system");
  EXPECT_THAT(Field(s, "name"), ::testing::HasSubstr("stage1-answered (/riec.v1.Inquiry/CheckSubjects) by "
                                                     "politie/partner-system under purpose bibob"));
  // The same record gives the same ids at the next export.
  EXPECT_EQ(LdvRecords(r, 17, {std::string(32, 'k'), "politie", convenant.get()}).lines, ldv.lines);
}

TEST(LdvTest, SeveralSubjectsAreOneChildSpanEachUnderTheProcessing) {
  auto convenant = Convenant();
  v1::LogRecord r = Question(2);
  r.mutable_decision()->set_allowed(false);
  r.mutable_decision()->set_status_code(7);
  r.mutable_decision()->set_rule("purpose.participant");
  auto ldv = LdvRecords(r, 3, {std::string(32, 'k'), "riec", convenant.get()});
  ASSERT_EQ(ldv.lines.size(), 3u);
  const Struct processing = Parse(ldv.lines[0]), first = Parse(ldv.lines[1]), second = Parse(ldv.lines[2]);
  // No traceparent: a trace of the log's own, the processing without a parent.
  EXPECT_THAT(Field(processing, "trace_id"), ::testing::MatchesRegex("[0-9a-f]{32}"));
  EXPECT_EQ(Field(processing, "parent_span_id"), "");
  EXPECT_EQ(Attribute(processing, "dpl.core.data_subject_id"), "");
  EXPECT_EQ(Attribute(processing, "dpl.core.processing_activity_id"), "urn:riec:va:7");
  EXPECT_EQ(Field(processing, "status"), "Unset");  // refused by a rule: no internal error
  EXPECT_THAT(Field(processing, "name"), ::testing::HasSubstr("refused by rule purpose.participant"));
  for (const Struct* child : {&first, &second}) {
    EXPECT_EQ(Field(*child, "trace_id"), Field(processing, "trace_id"));
    EXPECT_EQ(Field(*child, "parent_span_id"), Field(processing, "span_id"));
  }
  EXPECT_NE(Field(first, "span_id"), Field(second, "span_id"));
  EXPECT_EQ(Attribute(first, "dpl.core.data_subject_id_type"), "urn:riec-broker:pseudonym:person-bsn");
  EXPECT_EQ(Attribute(second, "dpl.core.data_subject_id_type"), "urn:riec-broker:pseudonym:address");
  EXPECT_EQ(Attribute(second, "dpl.core.data_subject_id"), ToHex(std::string(32, 'b')));
}

TEST(LdvTest, NoSubjectNoRecordAndAMissingActivityIsSaid) {
  auto convenant = Convenant();
  v1::LogRecord reload;
  reload.set_kind(v1::POLICY_RELOADED);
  EXPECT_TRUE(LdvRecords(reload, 1, {"k", "politie", convenant.get()}).lines.empty());
  v1::LogRecord r = Question(1);
  r.mutable_decision()->set_status_code(13);
  auto unknown = LdvRecords(r, 2, {"k", "uwv", convenant.get()});
  ASSERT_EQ(unknown.lines.size(), 1u);
  EXPECT_TRUE(unknown.missing_activity);
  EXPECT_EQ(Attribute(Parse(unknown.lines[0]), "dpl.core.processing_activity_id"), "");
  EXPECT_EQ(Field(Parse(unknown.lines[0]), "status"), "Error");
  EXPECT_TRUE(LdvRecords(r, 2, {"k", "politie", nullptr}).missing_activity);
}

}  // namespace
}  // namespace riec::cli
