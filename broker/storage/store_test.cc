// The Store contract, held against every implementation: the RocksDB store
// in a temporary directory and the in-memory store run the same tests.
#include "storage/store.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/keys.h"
#include "storage/memory_store.h"
#include "storage/rocksdb_store.h"
#include "storage/tables.h"

namespace riec::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("riec-store-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

struct Backend {
  std::string name;
  std::function<std::unique_ptr<Store>(const std::string& dir)> open;
};

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = TempDir(GetParam().name + "-" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Every key a scan visits.
  std::vector<std::string> Keys(Table t, absl::string_view prefix, absl::string_view start = "") {
    std::vector<std::string> out;
    EXPECT_TRUE(store_
                    ->Scan(t, prefix, start,
                           [&](absl::string_view k, absl::string_view) {
                             out.emplace_back(k);
                             return true;
                           })
                    .ok());
    return out;
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContractTest, PutGetDeleteInOneAtomicBatch) {
  Batch b;
  Put(&b, Table::kSignals, "S-1", "a");
  Put(&b, Table::kCases, "C-1", "b");
  ASSERT_TRUE(store_->Apply(b, true).ok());
  EXPECT_EQ(**store_->Get(Table::kSignals, "S-1"), "a");
  EXPECT_FALSE(store_->Get(Table::kCases, "S-1")->has_value()) << "tables are separate";
  Batch d;
  Delete(&d, Table::kSignals, "S-1");
  ASSERT_TRUE(store_->Apply(d, false).ok());
  EXPECT_FALSE(store_->Get(Table::kSignals, "S-1")->has_value());
  EXPECT_EQ(**store_->Get(Table::kCases, "C-1"), "b");
}

// The scan itself stops at the end of the prefix: the test collects what
// it is given and applies no filter of its own.
TEST_P(StoreContractTest, PrefixScanVisitsExactlyThePrefixInOrder) {
  const std::string a(33, 'a'), b(33, 'b'), a_short(32, 'a');
  Batch batch;
  Put(&batch, Table::kIndex, a + "y", "");
  Put(&batch, Table::kIndex, a + "x", "");
  Put(&batch, Table::kIndex, b + "x", "");
  Put(&batch, Table::kIndex, a_short, "");
  Put(&batch, Table::kIndexByHolder, a + "z", "");
  ASSERT_TRUE(store_->Apply(batch, false).ok());
  EXPECT_THAT(Keys(Table::kIndex, a), ElementsAre(a + "x", a + "y"));
  EXPECT_THAT(Keys(Table::kIndex, b), ElementsAre(b + "x"));
  EXPECT_THAT(Keys(Table::kIndex, std::string(33, 'c')), ElementsAre());
  EXPECT_THAT(Keys(Table::kIndexByHolder, a), ElementsAre(a + "z"));
}

TEST_P(StoreContractTest, ScanStartsAtStartWithinThePrefixAndStopsWhenAsked) {
  Batch batch;
  for (uint64_t i = 0; i < 5; ++i) Put(&batch, Table::kEvents, keys::Event("p", i), "");
  Put(&batch, Table::kEvents, keys::Event("q", 1), "");
  ASSERT_TRUE(store_->Apply(batch, false).ok());
  EXPECT_THAT(Keys(Table::kEvents, keys::IdPrefix("p"), keys::Event("p", 3)),
              ElementsAre(keys::Event("p", 3), keys::Event("p", 4)));
  int seen = 0;
  ASSERT_TRUE(ScanPrefix(*store_, Table::kEvents, keys::IdPrefix("p"),
                         [&](absl::string_view, absl::string_view) { return ++seen < 2; })
                  .ok());
  EXPECT_EQ(seen, 2);
}

TEST_P(StoreContractTest, LastIsTheGreatestKey) {
  EXPECT_FALSE(store_->Last(Table::kTreeHeads)->has_value());
  Batch batch;
  Put(&batch, Table::kTreeHeads, EncodeBE64(9), "nine");
  Put(&batch, Table::kTreeHeads, EncodeBE64(300), "three hundred");
  Put(&batch, Table::kTreeHeads, EncodeBE64(12), "twelve");
  ASSERT_TRUE(store_->Apply(batch, false).ok());
  auto last = store_->Last(Table::kTreeHeads);
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->second, "three hundred");
}

TEST_P(StoreContractTest, CountersAddSignedDeltas) {
  Batch b;
  Add(&b, Table::kIndexStats, "n", 5);
  Add(&b, Table::kIndexStats, "n", -2);
  ASSERT_TRUE(store_->Apply(b, false).ok());
  Batch c;
  Add(&c, Table::kIndexStats, "n", 10);
  ASSERT_TRUE(store_->Apply(c, false).ok());
  EXPECT_EQ(static_cast<int64_t>(DecodeBE64(**store_->Get(Table::kIndexStats, "n"))), 13);
}

TEST_P(StoreContractTest, MultiGetAnswersEachKey) {
  Batch b;
  Put(&b, Table::kPayloads, "R-1", "x");
  Put(&b, Table::kPayloads, "R-3", "z");
  ASSERT_TRUE(store_->Apply(b, false).ok());
  auto got = store_->MultiGet(Table::kPayloads, {"R-1", "R-2", "R-3"});
  ASSERT_TRUE(got.ok());
  EXPECT_THAT(*got, ElementsAre(std::optional<std::string>("x"), std::nullopt,
                                std::optional<std::string>("z")));
}

TEST_P(StoreContractTest, IndexCountersFollowNewOverwrittenAndRemovedEntries) {
  IndexTable index(store_.get());
  v1::Subject s;
  s.set_kind(v1::PERSON_BSN);
  s.set_pseudonym(std::string(32, 's'));
  IndexValue v{0, 1, false, {}};
  IndexValue until{5'000'000, 1, false, {}};
  Batch b;
  IndexTable::CountDelta politie, uwv;
  IndexTable::Put(&b, s, "politie", "strafrecht", v, std::nullopt, &politie);
  IndexTable::Put(&b, s, "uwv", "", until, std::nullopt, &uwv);
  politie.WriteTo(&b, "politie");
  uwv.WriteTo(&b, "uwv");
  ASSERT_TRUE(store_->Apply(b, false).ok());
  Batch again;  // the same entry published again counts once
  IndexTable::CountDelta politie_again;
  IndexTable::Put(&again, s, "politie", "strafrecht", v, v, &politie_again);
  politie_again.WriteTo(&again, "politie");
  ASSERT_TRUE(store_->Apply(again, false).ok());
  auto stats = index.Stats("politie");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, 1u);
  EXPECT_THAT(stats->by_category, ElementsAre(Pair("strafrecht", 1u)));
  EXPECT_EQ(*index.CountEnded("uwv", 4'999'999), 0u);
  EXPECT_EQ(*index.CountEnded("uwv", 5'000'000), 1u);
  Batch gone;
  IndexTable::CountDelta uwv_gone;
  IndexTable::Remove(&gone, s, "uwv", "", until, &uwv_gone);
  uwv_gone.WriteTo(&gone, "uwv");
  ASSERT_TRUE(store_->Apply(gone, false).ok());
  EXPECT_EQ(index.Stats("uwv")->entries, 0u);
  EXPECT_EQ(*index.CountEnded("uwv", 6'000'000), 0u);
  auto held = index.Lookup(s);
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].holder, "politie");
}

// An entry's match keys are rows of their own that follow the entry: found
// per holder, replaced with the entry, gone with it; the value round-trips.
TEST_P(StoreContractTest, MatchKeyRowsFollowTheirEntry) {
  IndexTable index(store_.get());
  v1::Subject s;
  s.set_kind(v1::PERSON_NAME_DOB);
  s.set_pseudonym(std::string(32, 's'));
  auto key = [](char c, v1::MatchKeyKind kind) {
    v1::MatchKey k;
    k.set_kind(kind);
    k.set_pseudonym(std::string(32, c));
    return k;
  };
  const v1::MatchKey a = key('a', v1::MATCH_KEY_CORE_INITIAL_DOB), b = key('b', v1::MATCH_KEY_CORE_INITIAL_YEAR),
                     c = key('c', v1::MATCH_KEY_CORE_INITIAL_DOB);
  IndexValue v{0, 1, false, {keys::MatchKeyBytes(a), keys::MatchKeyBytes(b)}};
  auto decoded = IndexValue::Decode(v.Encode());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->match_keys, v.match_keys);
  EXPECT_FALSE(IndexValue::Decode(v.Encode() + "x").has_value());

  Batch put;
  IndexTable::CountDelta d;
  IndexTable::Put(&put, s, "politie", "strafrecht", v, std::nullopt, &d);
  ASSERT_TRUE(store_->Apply(put, false).ok());
  auto rows = index.ByMatchKey(a, "politie", 64);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].subject.pseudonym(), s.pseudonym());
  EXPECT_EQ((*rows)[0].category, "strafrecht");
  EXPECT_TRUE(index.ByMatchKey(a, "uwv", 64)->empty()) << "another holder's rows are apart";
  EXPECT_TRUE(*index.HasMatchKey(b, "politie", s));

  // Published again with other keys: the dropped key's row goes.
  IndexValue w{0, 2, false, {keys::MatchKeyBytes(c), keys::MatchKeyBytes(b)}};
  Batch again;
  IndexTable::Put(&again, s, "politie", "strafrecht", w, v, &d);
  ASSERT_TRUE(store_->Apply(again, false).ok());
  EXPECT_TRUE(index.ByMatchKey(a, "politie", 64)->empty());
  EXPECT_EQ(index.ByMatchKey(c, "politie", 64)->size(), 1u);

  // Removed: no row is left.
  Batch gone;
  IndexTable::Remove(&gone, s, "politie", "strafrecht", w, &d);
  ASSERT_TRUE(store_->Apply(gone, false).ok());
  size_t left = 0;
  ASSERT_TRUE(ScanPrefix(*store_, Table::kMatchKeys, "", [&](absl::string_view, absl::string_view) {
                ++left;
                return true;
              }).ok());
  EXPECT_EQ(left, 0u);
}

// At most `limit` subjects per key and holder: one holder's many entries
// under a key cannot crowd out another holder's.
TEST_P(StoreContractTest, MatchKeyScansAreCappedPerHolder) {
  IndexTable index(store_.get());
  v1::MatchKey k;
  k.set_kind(v1::MATCH_KEY_PHONETIC_INITIAL_DOB);
  k.set_pseudonym(std::string(32, 'k'));
  Batch b;
  IndexTable::CountDelta d;
  for (int i = 0; i < 10; ++i) {
    v1::Subject s;
    s.set_kind(v1::PERSON_NAME_DOB);
    s.set_pseudonym(std::string(31, 'a') + static_cast<char>('0' + i));
    IndexTable::Put(&b, s, "aaa-flooder", "x", IndexValue{0, 1, false, {keys::MatchKeyBytes(k)}}, std::nullopt, &d);
  }
  v1::Subject real;
  real.set_kind(v1::PERSON_NAME_DOB);
  real.set_pseudonym(std::string(32, 'r'));
  IndexTable::Put(&b, real, "politie", "y", IndexValue{0, 1, false, {keys::MatchKeyBytes(k)}}, std::nullopt, &d);
  ASSERT_TRUE(store_->Apply(b, false).ok());
  EXPECT_EQ(index.ByMatchKey(k, "aaa-flooder", 4)->size(), 4u);
  auto politie = index.ByMatchKey(k, "politie", 4);
  ASSERT_TRUE(politie.ok());
  ASSERT_EQ(politie->size(), 1u);
  EXPECT_EQ((*politie)[0].subject.pseudonym(), real.pseudonym());
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreContractTest,
    ::testing::Values(Backend{"rocksdb",
                              [](const std::string& dir) -> std::unique_ptr<Store> {
                                auto s = OpenRocksDbStore(dir);
                                EXPECT_TRUE(s.ok()) << s.status();
                                return s.ok() ? *std::move(s) : nullptr;
                              }},
                      Backend{"memory",
                              [](const std::string&) -> std::unique_ptr<Store> {
                                return std::make_unique<MemoryStore>();
                              }}),
    [](const auto& info) { return info.param.name; });

TEST(RocksDbStoreTest, BatchesSurviveReopen) {
  const std::string dir = TempDir("reopen");
  {
    auto store = OpenRocksDbStore(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    Batch b;
    Put(&b, Table::kSignals, "S-1", "a");
    Put(&b, Table::kSignalsByOwner, std::string("p\0x", 3), "b");
    ASSERT_TRUE((*store)->Apply(b, true).ok());
  }
  auto store = OpenRocksDbStore(dir);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(**(*store)->Get(Table::kSignals, "S-1"), "a");
  EXPECT_EQ(**(*store)->Get(Table::kSignalsByOwner, std::string("p\0x", 3)), "b");
  std::filesystem::remove_all(dir);
}

// A backup taken while the store is open holds everything applied before
// it, restores into an empty directory only, and opens as a store.
TEST(RocksDbStoreTest, BackupWhileOpenRestoresEverythingAppliedBefore) {
  const std::string dir = TempDir("backup-src"), backups = TempDir("backup-dir"),
                    restored = TempDir("backup-dst");
  auto store = OpenRocksDbStore(dir);
  ASSERT_TRUE(store.ok()) << store.status();
  for (int i = 0; i < 100; ++i) {
    Batch b;
    Put(&b, Table::kSignals, absl::StrCat("S-", i), std::string(100, 'v'));
    ASSERT_TRUE((*store)->Apply(b, true).ok());
  }
  auto first = (*store)->Backup(backups, "one");
  ASSERT_TRUE(first.ok()) << first.status();
  Batch later;
  Put(&later, Table::kSignals, "S-later", "w");
  ASSERT_TRUE((*store)->Apply(later, true).ok());
  auto second = (*store)->Backup(backups, "two");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_GT(second->id, first->id);
  auto listed = ListRocksDbBackups(backups);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].metadata, "one");

  // Into a directory that holds something: refused, nothing touched.
  {
    std::filesystem::create_directories(restored);
    std::ofstream(restored + "/keep") << "x";
    auto refused = RestoreRocksDbBackup(backups, first->id, restored);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(std::filesystem::exists(restored + "/keep"));
    std::filesystem::remove(restored + "/keep");
  }
  EXPECT_EQ(RestoreRocksDbBackup(backups, 99, restored).status().code(), absl::StatusCode::kNotFound);
  auto done = RestoreRocksDbBackup(backups, first->id, restored);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->metadata, "one");
  auto back = OpenRocksDbStore(restored);
  ASSERT_TRUE(back.ok()) << back.status();
  for (int i = 0; i < 100; ++i) EXPECT_TRUE((*back)->Get(Table::kSignals, absl::StrCat("S-", i))->has_value());
  EXPECT_FALSE((*back)->Get(Table::kSignals, "S-later")->has_value()) << "backup 1 is from before";
  for (const auto& d : {dir, backups, restored}) std::filesystem::remove_all(d);
}

TEST(RocksDbStoreTest, SecondOpenOfTheSameDirectoryIsRefused) {
  const std::string dir = TempDir("lock");
  auto first = OpenRocksDbStore(dir);
  ASSERT_TRUE(first.ok());
  auto second = OpenRocksDbStore(dir);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  std::filesystem::remove_all(dir);
}

TEST(RocksDbStoreTest, AStoreOfAnotherFormatIsRefused) {
  const std::string dir = TempDir("format");
  {
    auto store = OpenRocksDbStore(dir);
    ASSERT_TRUE(store.ok());
    Batch b;
    Put(&b, Table::kMeta, std::string(kFormatKey), "riec-store-3");
    ASSERT_TRUE((*store)->Apply(b, true).ok());
  }
  auto store = OpenRocksDbStore(dir);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              ::testing::HasSubstr("holds store format 'riec-store-3'; this broker reads 'riec-store-5'"));
  std::filesystem::remove_all(dir);
}

TEST(MemoryStoreTest, AFullStoreRefusesWritesAndKeepsReads) {
  MemoryStore store;
  Batch b;
  Put(&b, Table::kSignals, "S-1", "a");
  ASSERT_TRUE(store.Apply(b, true).ok());
  store.SetFull(true);
  Batch c;
  Put(&c, Table::kSignals, "S-2", "b");
  EXPECT_EQ(store.Apply(c, true).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_FALSE(store.Get(Table::kSignals, "S-2")->has_value());
  EXPECT_EQ(**store.Get(Table::kSignals, "S-1"), "a");
}

}  // namespace
}  // namespace riec::storage
