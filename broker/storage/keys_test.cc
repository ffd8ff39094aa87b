// Golden vectors: one per key layout of docs/storage.md. A change of a
// layout fails here first, and must move the store format on.
#include "storage/keys.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "storage/tables.h"

namespace riec::storage {
namespace {

v1::Subject S() {
  v1::Subject s;
  s.set_kind(v1::ADDRESS);  // 4
  s.set_pseudonym(std::string(32, '\xab'));
  return s;
}

std::string Hex(absl::string_view b) { return absl::BytesToHexString(b); }
// 32 bytes 0xab, then the kind byte 0x04.
const std::string kSubjectHex = [] {
  std::string h;
  for (int i = 0; i < 32; ++i) h += "ab";
  return h + "04";
}();

TEST(KeysTest, Index) {
  EXPECT_EQ(Hex(keys::Index(S(), "uwv", "uitkering")),
            kSubjectHex + Hex("uwv") + "00" + Hex("uitkering"));
  auto hc = keys::IndexSuffix(keys::Index(S(), "uwv", "uitkering").substr(33));
  ASSERT_TRUE(hc.has_value());
  EXPECT_EQ(hc->holder, "uwv");
  EXPECT_EQ(hc->category, "uitkering");
}

TEST(KeysTest, IndexByHolder) {
  const std::string k = keys::ByHolder("uwv", S(), "uitkering");
  EXPECT_EQ(Hex(k), Hex("uwv") + "00" + kSubjectHex + Hex("uitkering"));
  auto e = keys::ParseByHolder(k);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->holder, "uwv");
  EXPECT_EQ(e->subject.kind(), v1::ADDRESS);
  EXPECT_EQ(e->category, "uitkering");
}

TEST(KeysTest, IndexStats) {
  EXPECT_EQ(Hex(keys::StatsKind("uwv", v1::ADDRESS)), Hex("uwv") + "00" + "6b" + "04");
  EXPECT_EQ(Hex(keys::StatsCategory("uwv", "fiscaal")), Hex("uwv") + "00" + "63" + Hex("fiscaal"));
}

TEST(KeysTest, IndexExpiry) {
  const std::string k = keys::Expiry("uwv", 0x0102030405060708, S(), "x");
  EXPECT_EQ(Hex(k), Hex("uwv") + "00" + "0102030405060708" + kSubjectHex + Hex("x"));
  auto e = keys::ParseExpiry(k);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->valid_until_micros, 0x0102030405060708);
  EXPECT_EQ(e->category, "x");
}

TEST(KeysTest, IndexValue) {
  IndexValue v{0x10, 0x20, true, {}};
  EXPECT_EQ(Hex(v.Encode()), "0101" "0000000000000010" "0000000000000020");
  auto back = IndexValue::Decode(v.Encode());
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->silent);
  EXPECT_EQ(back->valid_until_micros, 0x10);
}

TEST(KeysTest, SignalsByOwner) {
  const std::string k = keys::SignalOfOwner("gemeente", 0x100, "S-0123456789");
  EXPECT_EQ(Hex(k), Hex("gemeente") + "00" + "0000000000000100" + Hex("S-0123456789"));
  EXPECT_EQ(keys::SignalIdOfOwnerKey(k, keys::IdPrefix("gemeente").size()), "S-0123456789");
}

TEST(KeysTest, LogTablesAndAuditIndexes) {
  EXPECT_EQ(Hex(keys::LogIndex(258)), "0000000000000102");
  EXPECT_EQ(Hex(keys::TreeNode(3, 5)), "03" "0000000000000005");
  EXPECT_EQ(Hex(keys::ByTime(7, 9)), "0000000000000007" "0000000000000009");
  EXPECT_EQ(keys::TimeOfByTimeKey(keys::ByTime(7, 9)), 7);
  EXPECT_EQ(keys::IndexAtEnd(keys::IdPrefix("politie") + keys::LogIndex(41)), 41u);
  EXPECT_EQ(Hex(keys::IdPrefix("S-0123456789")), Hex("S-0123456789") + "00");
}

TEST(KeysTest, Quota) {
  const std::string k = keys::Quota("questions_per_hour", "uwv", "2026-11-24T10");
  EXPECT_EQ(Hex(k), Hex("questions_per_hour") + "00" + Hex("uwv") + "00" + Hex("2026-11-24T10"));
  EXPECT_EQ(keys::QuotaPeriod(k), "2026-11-24T10");
}

TEST(KeysTest, EventsAndTheirSequence) {
  EXPECT_EQ(Hex(keys::Event("uwv", 0x1000001)), Hex("uwv") + "00" + "0000000001000001");
  EXPECT_EQ(*keys::EventSequence(0, 0), 1u << 24);
  EXPECT_EQ(*keys::EventSequence(41, 3), (42ull << 24) | 3);
  // The last position a record's events may take, and one past it.
  EXPECT_EQ(*keys::EventSequence(0, keys::kMaxEventsPerRecord), (1ull << 25) - 1);
  EXPECT_FALSE(keys::EventSequence(0, keys::kMaxEventsPerRecord + 1).has_value());
  EXPECT_LT(*keys::EventSequence(0, keys::kMaxEventsPerRecord), *keys::EventSequence(1, 0));
}

TEST(KeysTest, Asked) {
  EXPECT_EQ(Hex(keys::Asked(S(), "bibob", "uwv")), kSubjectHex + Hex("bibob") + "00" + Hex("uwv"));
  const std::string v = keys::AskedValue(0x42, "S-0123456789");
  EXPECT_EQ(Hex(v), "0000000000000042" + Hex("S-0123456789"));
  EXPECT_EQ(keys::ParseAskedValue(v)->signal_id, "S-0123456789");
}

TEST(KeysTest, LateHits) {
  EXPECT_EQ(Hex(keys::LateHitWatch(S(), "S-0123456789")), kSubjectHex + Hex("S-0123456789"));
  EXPECT_EQ(Hex(keys::LateHit("S-0123456789", 0x0102)),
            Hex("S-0123456789") + "00" + "0000000000000102");
}

TEST(KeysTest, MatchKeys) {
  v1::MatchKey k;
  k.set_kind(v1::MATCH_KEY_PHONETIC_INITIAL_DOB);
  k.set_pseudonym(std::string(32, '\x11'));
  const std::string key_bytes = keys::MatchKeyBytes(k);
  EXPECT_EQ(Hex(key_bytes), std::string(64, '1') + "02");
  const std::string entry = keys::MatchKeyEntry(key_bytes, "politie", S(), "zorg");
  EXPECT_EQ(Hex(entry), std::string(64, '1') + "02" + Hex("politie") + "00" + kSubjectHex + Hex("zorg"));
  EXPECT_EQ(Hex(keys::MatchKeyOfHolder(key_bytes, "politie")), std::string(64, '1') + "02" + Hex("politie") + "00");
  auto row = keys::ParseMatchKeyEntry(entry, "politie");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->subject.pseudonym(), S().pseudonym());
  EXPECT_EQ(row->subject.kind(), S().kind());
  EXPECT_EQ(row->category, "zorg");
  EXPECT_FALSE(keys::ParseMatchKeyEntry(entry, "polit").has_value());
  EXPECT_FALSE(keys::ParseMatchKeyEntry(key_bytes, "politie").has_value());
}

TEST(KeysTest, AssessmentsAndAsks) {
  EXPECT_EQ(Hex(keys::Assessment("S-0123456789", S(), "uwv")),
            Hex("S-0123456789") + "00" + kSubjectHex + Hex("uwv"));
  EXPECT_EQ(Hex(keys::AssessmentAsk("S-0123456789", "uwv", S())),
            Hex("S-0123456789") + "00" + Hex("uwv") + "00" + kSubjectHex);
}

TEST(KeysTest, EncryptionKeysAndContentRequests) {
  EXPECT_EQ(Hex(keys::EncryptionKey("uwv")), Hex("uwv") + "00");
  EXPECT_EQ(Hex(keys::Party("C-0123456789", "R-ABCDEFGHJK")),
            Hex("C-0123456789") + "00" + Hex("R-ABCDEFGHJK"));
}

}  // namespace
}  // namespace riec::storage
