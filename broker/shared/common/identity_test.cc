#include "riec/common/identity.h"

#include "gtest/gtest.h"

namespace riec {
namespace {

TEST(IdentityTest, ParsesFourSegmentUri) {
  auto id = ParseIdentityUri("riec://riec-zuid/gemeente-eindhoven/chair/j.devries");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->convenant, "riec-zuid");
  EXPECT_EQ(id->partner, "gemeente-eindhoven");
  EXPECT_EQ(id->role, "chair");
  EXPECT_EQ(id->name, "j.devries");
  EXPECT_EQ(IdentityUri(*id), "riec://riec-zuid/gemeente-eindhoven/chair/j.devries");
}

TEST(IdentityTest, ParsesThreeSegmentUri) {
  auto id = ParseIdentityUri("riec://c/politie/partner-system");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->name, "");
}

TEST(IdentityTest, RejectsMalformedUris) {
  for (const char* bad :
       {"https://c/p/r", "riec://c/p", "riec://c/p/r/n/x", "riec://C/p/r",
        "riec://c/-p/r", "riec://c/p/r/name with space", "riec://c//r"}) {
    auto id = ParseIdentityUri(bad);
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(IdentityTest, MessageNamesTheBadSegment) {
  auto id = ParseIdentityUri("riec://c/Politie/partner-system");
  EXPECT_NE(id.status().message().find("partner 'Politie'"), std::string::npos)
      << id.status();
}

}  // namespace
}  // namespace riec
