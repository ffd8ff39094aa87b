#include "log/disclosure_log.h"

#include <filesystem>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::log {
namespace {

class DisclosureLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("riec-log-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

v1::LogRecord Record(const std::string& signal) {
  v1::LogRecord r;
  r.set_format(1);
  r.set_kind(v1::STAGE1_ANSWERED);
  r.set_signal_id(signal);
  return r;
}

TEST_F(DisclosureLogTest, ConcurrentAppendsGetDistinctGaplessIndices) {
  auto store = storage::Store::Open(dir_, {});
  ASSERT_TRUE(store.ok());
  auto log = DisclosureLog::Open(store->get());
  ASSERT_TRUE(log.ok());
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> indices;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "S-" + std::to_string(t) + "-" + std::to_string(i);
        auto idx = (*log)->Append(Record(key), {{storage::Family::kSignals, key, "x"}});
        ASSERT_TRUE(idx.ok());
        std::lock_guard<std::mutex> l(mu);
        indices.insert(*idx);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(indices.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*indices.begin(), 0u);
  EXPECT_EQ(*indices.rbegin(), static_cast<uint64_t>(kThreads * kPerThread - 1));
  EXPECT_EQ((*log)->Size(), static_cast<uint64_t>(kThreads * kPerThread));
  // Each record's mutation was applied with it.
  for (uint64_t i = 0; i < (*log)->Size(); ++i) {
    v1::LogRecord r;
    ASSERT_TRUE(r.ParseFromString(*(*log)->ReadRecord(i)));
    EXPECT_TRUE((*store)->Get(storage::Family::kSignals, r.signal_id())->has_value());
  }
}

TEST_F(DisclosureLogTest, ReopenedLogContinuesAndRecordsAreIntact) {
  std::string first_bytes;
  {
    auto store = storage::Store::Open(dir_, {});
    auto log = DisclosureLog::Open(store->get());
    ASSERT_EQ(*(*log)->Append(Record("S-A")), 0u);
    ASSERT_EQ(*(*log)->Append(Record("S-B")), 1u);
    first_bytes = *(*log)->ReadRecord(0);
  }
  auto store = storage::Store::Open(dir_, {});
  auto log = DisclosureLog::Open(store->get());
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->Size(), 2u);
  EXPECT_EQ(*(*log)->ReadRecord(0), first_bytes);
  EXPECT_EQ(*(*log)->Append(Record("S-C")), 2u);
  EXPECT_EQ((*log)->ReadRecord(3).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(DisclosureLogTest, RemovedLastRecordIsDetectedAtOpen) {
  {
    auto store = storage::Store::Open(dir_, {});
    auto log = DisclosureLog::Open(store->get());
    ASSERT_TRUE((*log)->Append(Record("S-A")).ok());
    ASSERT_TRUE((*log)->Append(Record("S-B")).ok());
    ASSERT_TRUE((*store)->Apply({{storage::Family::kLog, storage::EncodeBE64(1), std::nullopt}}, true).ok());
  }
  auto store = storage::Store::Open(dir_, {});
  auto log = DisclosureLog::Open(store->get());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss) << log.status();
}

TEST_F(DisclosureLogTest, TreeRootEqualsAnIndependentRecomputationAndProofsVerify) {
  auto store = storage::Store::Open(dir_, {});
  auto log = DisclosureLog::Open(store->get());
  std::vector<std::string> leaves;
  for (int i = 0; i < 37; ++i) {
    ASSERT_TRUE((*log)->Append(Record("S-" + std::to_string(i))).ok());
    leaves.push_back(merkle::LeafHash(*(*log)->ReadRecord(i)));
  }
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    const std::string root = *(*log)->RootAt(n);
    ASSERT_EQ(root, merkle::RootOf({leaves.begin(), leaves.begin() + n})) << n;
    for (uint64_t i = 0; i < n; i += 5) {
      EXPECT_TRUE(merkle::VerifyInclusion(i, n, leaves[i], *(*log)->InclusionProof(i, n), root));
    }
    EXPECT_TRUE(merkle::VerifyConsistency(n / 2, n, *(*log)->RootAt(n / 2), root,
                                          *(*log)->ConsistencyProof(n / 2, n)));
  }
  EXPECT_EQ((*log)->InclusionProof(0, 38).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_F(DisclosureLogTest, RedactionErasesContentAndIndexesButKeepsTheRoot) {
  auto store = storage::Store::Open(dir_, {});
  auto log = DisclosureLog::Open(store->get());
  v1::LogRecord r = Record("S-1");
  r.set_kind(v1::SIGNAL_REGISTERED);
  r.mutable_actor()->set_partner("politie");
  auto* s = r.add_subjects();
  s->set_kind(v1::PERSON_BSN);
  s->set_pseudonym(std::string(32, 'p'));
  ASSERT_TRUE((*log)->Append(r).ok());
  ASSERT_TRUE((*log)->Append(Record("S-2")).ok());
  const std::string root = *(*log)->RootAt(2);
  auto by_pseudonym = (*store)->NewIterator(storage::Family::kLogByPseudonym);
  by_pseudonym->SeekToFirst();
  ASSERT_TRUE(by_pseudonym->Valid()) << "the pseudonym is indexed";

  auto redaction = (*log)->RedactionOf(0);
  ASSERT_TRUE(redaction.ok());
  ASSERT_TRUE((*store)->Apply(*redaction, true).ok());
  EXPECT_EQ(*(*log)->ReadRecord(0), "");
  EXPECT_EQ(*(*log)->RootAt(2), root);
  by_pseudonym = (*store)->NewIterator(storage::Family::kLogByPseudonym);
  by_pseudonym->SeekToFirst();
  EXPECT_FALSE(by_pseudonym->Valid()) << "no pseudonym stays behind";
  auto by_partner = (*store)->NewIterator(storage::Family::kLogByPartner);
  by_partner->Seek(PartnerPrefix("politie"));
  EXPECT_FALSE(by_partner->Valid() && by_partner->key().starts_with(PartnerPrefix("politie")));
  EXPECT_TRUE((*log)->RedactionOf(0)->empty()) << "erasing twice changes nothing";
}

TEST_F(DisclosureLogTest, AnAlteredLastRecordIsDetectedAtOpen) {
  {
    auto store = storage::Store::Open(dir_, {});
    auto log = DisclosureLog::Open(store->get());
    ASSERT_TRUE((*log)->Append(Record("S-A")).ok());
    ASSERT_TRUE((*store)->Apply({{storage::Family::kLog, storage::EncodeBE64(0),
                                  EncodeRecord(Record("S-B"))}}, true).ok());
  }
  auto store = storage::Store::Open(dir_, {});
  auto log = DisclosureLog::Open(store->get());
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(log.status().message()), ::testing::HasSubstr("does not match its leaf hash"));
}

}  // namespace
}  // namespace riec::log
