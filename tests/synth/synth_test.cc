#include "synth/synth.h"

#include "gtest/gtest.h"
#include "riec/sdk/normalise.h"

namespace riec::synth {
namespace {

TEST(SynthTest, SameSeedSameData) {
  Dataset a = Generate({7, 300, 0});
  Dataset b = Generate({7, 300, 0});
  ASSERT_EQ(a.truth.size(), b.truth.size());
  for (size_t i = 0; i < a.truth.size(); ++i) {
    EXPECT_EQ(a.truth[i].value, b.truth[i].value);
    EXPECT_EQ(a.truth[i].holders, b.truth[i].holders);
  }
  Dataset c = Generate({8, 300, 0});
  EXPECT_NE(a.truth[0].value, c.truth[0].value);
}

TEST(SynthTest, EveryIdentifierPassesItsCheckAndSomeAreShared) {
  Dataset d = Generate({1, 1000, 0});
  const absl::Time today = absl::FromCivil(absl::CivilDay(2026, 11, 24), absl::UTCTimeZone());
  size_t shared = 0;
  std::map<v1::SubjectKind, int> kinds;
  for (const Truth& t : d.truth) {
    auto c = sdk::Normalise(t.kind, t.value, today);
    EXPECT_TRUE(c.ok()) << c.status();
    shared += t.holders.size() > 1;
    ++kinds[t.kind];
  }
  EXPECT_EQ(kinds.size(), 6u) << "every subject kind occurs";
  EXPECT_GT(shared, d.truth.size() / 10);
  // Labour-migrant housing: addresses with 5 or 6 residents exist.
  EXPECT_TRUE(d.exports.count("nla"));
}

TEST(SynthTest, BadRowsAreAddedButNotInTheTruth) {
  Dataset d = Generate({1, 200, 2});
  const auto& rows = d.exports.at("politie").at("person-bsn").rows;
  int bad = 0;
  for (const auto& r : rows) bad += !sdk::NormaliseBsn(r[0]).ok();
  EXPECT_EQ(bad, 2);
}

}  // namespace
}  // namespace riec::synth
