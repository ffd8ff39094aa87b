#include "riec/common/request_limits.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riec/common/call_metadata.h"
#include "riec/v1/cases.pb.h"
#include "riec/v1/index.pb.h"
#include "riec/v1/options.pb.h"
#include "riec/v1/signals.pb.h"

namespace riec {
namespace {

using ::testing::HasSubstr;

absl::Status Check(const google::protobuf::Message& m) { return CheckRequestLimits(m); }

TEST(RequestLimitsTest, NamesTheFieldAndTheRuleAndNeverEchoesTheContent) {
  v1::RegisterSignalRequest r;
  r.set_purpose("ondermijning");
  r.set_reference(std::string(70, 'x'));
  absl::Status s = Check(r);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("reference: 70 characters, at most"));
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("xxxx")));

  r.set_reference("BSN 111222333");
  s = Check(r);
  EXPECT_THAT(s.message(), HasSubstr("reference: looks like it contains a BSN"));
  EXPECT_THAT(s.message(), ::testing::Not(HasSubstr("111222333")));
  r.set_reference("dossier 17");
  EXPECT_TRUE(Check(r).ok());
}

TEST(RequestLimitsTest, CountsCharactersNotBytes) {
  EXPECT_TRUE(CheckText(std::string(10, 'a'), "f", v1::TEXT_LINE, 10).ok());
  EXPECT_FALSE(CheckText(std::string(11, 'a'), "f", v1::TEXT_LINE, 10).ok());
  std::string ten_umlauts;
  for (int i = 0; i < 10; ++i) ten_umlauts += "\xC3\xBC";
  EXPECT_TRUE(CheckText(ten_umlauts, "f", v1::TEXT_LINE, 10).ok());
}

TEST(RequestLimitsTest, ControlCharactersAndInvalidUtf8) {
  EXPECT_THAT(CheckText("a\tb", "f", v1::TEXT_LINE, 0).message(), HasSubstr("f: control characters"));
  EXPECT_TRUE(CheckText("a\tb\nc", "f", v1::TEXT_LINES, 0).ok());
  EXPECT_FALSE(CheckText("a\x01" "b", "f", v1::TEXT_LINES, 0).ok());
  EXPECT_FALSE(CheckText("a\xC2\x85" "b", "f", v1::TEXT_LINE, 0).ok()) << "U+0085, a C1 control";
  EXPECT_THAT(CheckText("caf\xE9", "f", v1::TEXT_LINE, 0).message(), HasSubstr("f: not valid UTF-8"));
}

TEST(RequestLimitsTest, RepeatedBytesEnumsAndTimestamps) {
  v1::PublishRequest p;
  auto* e = p.add_entries();
  e->mutable_subject()->set_kind(v1::PERSON_BSN);
  e->mutable_subject()->set_pseudonym(std::string(31, 'p'));
  EXPECT_THAT(Check(p).message(), HasSubstr("entries[0].subject.pseudonym: 31 bytes, want 32"));
  e->mutable_subject()->set_pseudonym(std::string(32, 'p'));
  EXPECT_TRUE(Check(p).ok());
  e->mutable_subject()->set_kind(static_cast<v1::SubjectKind>(99));
  EXPECT_THAT(Check(p).message(), HasSubstr("entries[0].subject.kind: unknown value 99"));
  e->mutable_subject()->set_kind(v1::PERSON_BSN);
  e->mutable_valid_until()->set_nanos(-1);
  EXPECT_THAT(Check(p).message(), HasSubstr("entries[0].valid_until: nanos -1"));
  e->mutable_valid_until()->set_nanos(0);
  e->mutable_valid_until()->set_seconds(int64_t{1} << 40);
  EXPECT_THAT(Check(p).message(), HasSubstr("entries[0].valid_until: not a time"));
}

TEST(CallMetadataTest, OnBehalfOfIsPercentEncodedUtf8) {
  const std::string name = "J. \xC3\x96zt\xC3\xBCrk 100%";
  const std::string encoded = EncodeOnBehalfOf(name);
  EXPECT_EQ(encoded, "J. %C3%96zt%C3%BCrk 100%25");
  EXPECT_EQ(*DecodeOnBehalfOf(encoded), name);
  EXPECT_EQ(*DecodeOnBehalfOf("J. %c3%96zt%c3%bcrk"), "J. \xC3\x96zt\xC3\xBCrk");
  EXPECT_THAT(DecodeOnBehalfOf("%FF").status().message(), HasSubstr("riec-on-behalf-of: not valid UTF-8"));
  EXPECT_THAT(DecodeOnBehalfOf("a%09b").status().message(), HasSubstr("control characters"));
  EXPECT_THAT(DecodeOnBehalfOf("50%").status().message(), HasSubstr("%XX"));
  std::string long_name;
  for (int i = 0; i < 129; ++i) long_name += "\xC3\xBC";
  EXPECT_FALSE(DecodeOnBehalfOf(EncodeOnBehalfOf(long_name)).ok());
  EXPECT_TRUE(DecodeOnBehalfOf(EncodeOnBehalfOf(long_name.substr(2))).ok()) << "128 characters";
}

TEST(CallMetadataTest, TraceParent) {
  auto t = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->span_id, "00f067aa0ba902b7");
  EXPECT_FALSE(ParseTraceParent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").ok());
  EXPECT_FALSE(ParseTraceParent("00-00000000000000000000000000000000-00f067aa0ba902b7-01").ok());
  EXPECT_FALSE(ParseTraceParent("garbage").ok());
  EXPECT_TRUE(ParseTraceParent("").ok());
}

}  // namespace
}  // namespace riec
