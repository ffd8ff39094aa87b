#include "server/peer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::server {
namespace {

using ::testing::HasSubstr;

TEST(PeerTest, TakesTheSingleRiecUri) {
  auto c = CallerFromProperties({"https://example.org", "riec://c/politie/partner-system"},
                                "not-really-pem", "J. Jansen, team ondermijning");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->identity.partner, "politie");
  EXPECT_EQ(c->identity.role, "partner-system");
  EXPECT_EQ(c->on_behalf_of, "J. Jansen, team ondermijning");
  EXPECT_EQ(c->certificate_sha256, "");  // unparseable PEM gives no fingerprint
}

TEST(PeerTest, RefusesMissingOrAmbiguousIdentity) {
  EXPECT_EQ(CallerFromProperties({"riec://c/p/partner-system"}, "", "").status().code(),
            absl::StatusCode::kUnauthenticated);
  auto none = CallerFromProperties({}, "pem", "");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(none.status().message(), HasSubstr("exactly one riec:// URI SAN, it has 0"));
  auto two = CallerFromProperties({"riec://c/a/chair", "riec://c/b/chair"}, "pem", "");
  EXPECT_EQ(two.status().code(), absl::StatusCode::kUnauthenticated);
  auto bad = CallerFromProperties({"riec://c/A/chair"}, "pem", "");
  EXPECT_THAT(bad.status().message(), HasSubstr("partner 'A' is not an id"));
}

TEST(PeerTest, RefusesControlCharactersInOnBehalfOf) {
  auto c = CallerFromProperties({"riec://c/p/partner-system"}, "pem", "a\nb");
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("metadata riec-on-behalf-of"));
}

}  // namespace
}  // namespace riec::server
