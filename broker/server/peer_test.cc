#include "server/peer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::server {
namespace {

using ::testing::HasSubstr;

TEST(PeerTest, TakesTheSingleRiecUri) {
  auto id = IdentityFromCertificate({"https://example.org", "riec://c/politie/partner-system"},
                                    "not-really-pem");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->partner, "politie");
  EXPECT_EQ(id->role, "partner-system");
  EXPECT_EQ(CertificateSha256("not-really-pem"), "");  // unparseable PEM gives no fingerprint
}

TEST(PeerTest, RefusesMissingOrAmbiguousIdentity) {
  EXPECT_EQ(IdentityFromCertificate({"riec://c/p/partner-system"}, "").status().code(),
            absl::StatusCode::kUnauthenticated);
  auto none = IdentityFromCertificate({}, "pem");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(none.status().message(), HasSubstr("exactly one riec:// URI SAN, it has 0"));
  // With a policy, a certificate without one is read as an organisation
  // certificate: this one cannot be.
  auto policy = policy::Policy::Parse(
      "convenant: {id: c, version: \"1\"}\npartners: [{id: p, name: P}]\npurposes: [{id: x, subject_kinds: "
      "[address], participants: [p]}]\n",
      "t.yaml", nullptr);
  ASSERT_TRUE(policy.ok()) << policy.status();
  auto unreadable = IdentityFromCertificate({}, "pem", policy->get());
  EXPECT_EQ(unreadable.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(unreadable.status().message(), HasSubstr("cannot be read"));
  auto two = IdentityFromCertificate({"riec://c/a/chair", "riec://c/b/chair"}, "pem");
  EXPECT_EQ(two.status().code(), absl::StatusCode::kUnauthenticated);
  auto bad = IdentityFromCertificate({"riec://c/A/chair"}, "pem");
  EXPECT_THAT(bad.status().message(), HasSubstr("partner 'A' is not an id"));
}

TEST(OnBehalfOfTest, NamesOfOfficialsArePercentEncodedUtf8CountedInCharacters) {
  const std::string name = "J. \xC3\x96zt\xC3\xBCrk";  // "J. Öztürk"
  const std::string encoded = EncodeOnBehalfOf(name);
  EXPECT_EQ(encoded, "J. %C3%96zt%C3%BCrk");
  EXPECT_EQ(*DecodeOnBehalfOf(encoded), name);
  EXPECT_EQ(DecodeOnBehalfOf("100% zeker").status().code(), absl::StatusCode::kInvalidArgument)
      << "a '%' must start an escape";
}

TEST(OnBehalfOfTest, RefusesControlCharactersBadEscapesAndLongNames) {
  auto tab = DecodeOnBehalfOf("a%09b");
  EXPECT_EQ(tab.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(tab.status().message(), HasSubstr("metadata riec-on-behalf-of: control characters"));
  auto c1 = DecodeOnBehalfOf("a%C2%85b");  // U+0085, a C1 control
  EXPECT_EQ(c1.status().code(), absl::StatusCode::kInvalidArgument);
  auto not_utf8 = DecodeOnBehalfOf("a%FFb");
  EXPECT_THAT(not_utf8.status().message(), HasSubstr("not valid UTF-8"));
  // 128 characters of two bytes each are fine; 129 are not.
  std::string long_name;
  for (int i = 0; i < 128; ++i) long_name += "%C3%96";
  EXPECT_TRUE(DecodeOnBehalfOf(long_name).ok());
  auto too_long = DecodeOnBehalfOf(long_name + "x");
  EXPECT_THAT(too_long.status().message(), HasSubstr("129 characters, at most 128"));
}

TEST(TraceParentTest, TakesTraceAndSpanIds) {
  auto t = ParseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(ParseTraceParent("")->trace_id.empty());
  EXPECT_EQ(ParseTraceParent("00-00000000000000000000000000000000-00f067aa0ba902b7-01").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseTraceParent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace riec::server
