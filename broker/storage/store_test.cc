#include "storage/store.h"

#include <filesystem>

#include "gtest/gtest.h"

namespace riec::storage {
namespace {

std::string TempDir(const char* name) {
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("riec-store-") + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

TEST(StoreTest, AppliesAtomicallyAndSurvivesReopen) {
  const std::string dir = TempDir("reopen");
  {
    auto store = Store::Open(dir, {});
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)
                    ->Apply({{Family::kSignals, "S-1", "a"},
                             {Family::kSignalsByOwner, std::string("p\0x", 3), "b"}},
                            true)
                    .ok());
    ASSERT_TRUE((*store)->Apply({{Family::kSignals, "S-1", std::nullopt}}, true).ok());
  }
  auto store = Store::Open(dir, {});
  ASSERT_TRUE(store.ok());
  EXPECT_FALSE((*store)->Get(Family::kSignals, "S-1")->has_value());
  EXPECT_EQ(**(*store)->Get(Family::kSignalsByOwner, std::string("p\0x", 3)), "b");
  std::filesystem::remove_all(dir);
}

TEST(StoreTest, SecondOpenOfTheSameDirectoryIsRefused) {
  const std::string dir = TempDir("lock");
  auto first = Store::Open(dir, {});
  ASSERT_TRUE(first.ok());
  auto second = Store::Open(dir, {});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  std::filesystem::remove_all(dir);
}

TEST(StoreTest, PrefixSeekFindsOnlyThatPrefix) {
  const std::string dir = TempDir("prefix");
  auto store = Store::Open(dir, {});
  ASSERT_TRUE(store.ok());
  std::string a(33, 'a'), b(33, 'b');
  ASSERT_TRUE((*store)
                  ->Apply({{Family::kIndex, a + "x", ""},
                           {Family::kIndex, a + "y", ""},
                           {Family::kIndex, b + "x", ""}},
                          false)
                  .ok());
  auto it = (*store)->NewIterator(Family::kIndex, true);
  int n = 0;
  for (it->Seek(a); it->Valid() && it->key().starts_with(a); it->Next()) ++n;
  EXPECT_EQ(n, 2);
  std::filesystem::remove_all(dir);
}

TEST(StoreTest, BigEndianKeysSortNumerically) {
  EXPECT_LT(EncodeBE64(255), EncodeBE64(256));
  EXPECT_EQ(DecodeBE64(EncodeBE64(0x0102030405060708ULL)), 0x0102030405060708ULL);
}

}  // namespace
}  // namespace riec::storage
