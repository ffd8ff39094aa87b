// The disclosure log over the in-memory store: gapless group commits, the
// leaf envelope, proofs against an independent recomputation, erasure that
// keeps the tree, and the checks made when the log is opened.
#include "log/disclosure_log.h"

#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riec/crypto/sodium.h"
#include "storage/keys.h"
#include "storage/memory_store.h"

namespace riec::log {
namespace {

using storage::Table;
namespace keys = storage::keys;

v1::LogRecord Record(const std::string& signal) {
  v1::LogRecord r;
  r.set_format(1);
  r.set_kind(v1::STAGE1_ANSWERED);
  r.set_time_unix_micros(1'800'000'000'000'000);
  r.set_signal_id(signal);
  return r;
}

std::unique_ptr<DisclosureLog> OpenOrDie(storage::Store* store) {
  auto log = DisclosureLog::Open(store);
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *std::move(log) : nullptr;
}

TEST(DisclosureLogTest, ConcurrentAppendsGetDistinctGaplessIndicesWithTheirMutations) {
  storage::MemoryStore store;
  auto log = OpenOrDie(&store);
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  absl::Mutex mu;
  std::set<uint64_t> indices;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string key = "S-" + std::to_string(t) + "-" + std::to_string(i);
        storage::Batch b;
        storage::Put(&b, Table::kSignals, key, "x");
        auto idx = log->Append(Record(key), std::move(b));
        ASSERT_TRUE(idx.ok());
        absl::MutexLock l(&mu);
        indices.insert(*idx);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(indices.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*indices.begin(), 0u);
  EXPECT_EQ(*indices.rbegin(), static_cast<uint64_t>(kThreads * kPerThread - 1));
  EXPECT_EQ(log->Size(), static_cast<uint64_t>(kThreads * kPerThread));
  for (uint64_t i = 0; i < log->Size(); ++i) {
    v1::LogRecord r;
    ASSERT_TRUE(r.ParseFromString(*log->ReadRecord(i)));
    EXPECT_TRUE(store.Get(Table::kSignals, r.signal_id())->has_value());
  }
  EXPECT_LE(store.synced_batches(), static_cast<uint64_t>(kThreads * kPerThread));
}

TEST(DisclosureLogTest, TheLeafIsAnEnvelopeWithKindTimeAndTheRecordsHash) {
  storage::MemoryStore store;
  auto log = OpenOrDie(&store);
  ASSERT_TRUE(log->Append(Record("S-A")).ok());
  auto entry = log->Read(0);
  ASSERT_TRUE(entry.ok());
  v1::LogLeaf leaf;
  ASSERT_TRUE(leaf.ParseFromString(entry->leaf));
  EXPECT_EQ(leaf.format(), 2u);
  EXPECT_EQ(leaf.kind(), v1::STAGE1_ANSWERED);
  EXPECT_EQ(leaf.time_unix_micros(), 1'800'000'000'000'000);
  EXPECT_EQ(leaf.record_sha256(), crypto::Sha256(entry->record));
  EXPECT_EQ(*log->LeafHash(0), merkle::LeafHash(entry->leaf));
}

TEST(DisclosureLogTest, ReopenedLogContinuesAndRecordsAreIntact) {
  storage::MemoryStore store;
  std::string first_bytes;
  {
    auto log = OpenOrDie(&store);
    ASSERT_EQ(*log->Append(Record("S-A")), 0u);
    ASSERT_EQ(*log->Append(Record("S-B")), 1u);
    first_bytes = *log->ReadRecord(0);
  }
  auto log = OpenOrDie(&store);
  EXPECT_EQ(log->Size(), 2u);
  EXPECT_EQ(*log->ReadRecord(0), first_bytes);
  EXPECT_EQ(*log->Append(Record("S-C")), 2u);
  EXPECT_EQ(log->ReadRecord(3).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(DisclosureLogTest, AFullStoreRefusesTheAppendAndWritesNothing) {
  storage::MemoryStore store;
  auto log = OpenOrDie(&store);
  ASSERT_TRUE(log->Append(Record("S-A")).ok());
  store.SetFull(true);
  storage::Batch b;
  storage::Put(&b, Table::kSignals, "S-B", "x");
  auto refused = log->Append(Record("S-B"), std::move(b));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(log->Size(), 1u);
  EXPECT_FALSE(store.Get(Table::kSignals, "S-B")->has_value());
  store.SetFull(false);
  EXPECT_EQ(*log->Append(Record("S-C")), 1u) << "the index that failed is not lost to a gap";
}

TEST(DisclosureLogTest, RemovedLastRecordIsDetectedAtOpen) {
  storage::MemoryStore store;
  {
    auto log = OpenOrDie(&store);
    ASSERT_TRUE(log->Append(Record("S-A")).ok());
    ASSERT_TRUE(log->Append(Record("S-B")).ok());
    storage::Batch b;
    storage::Delete(&b, Table::kLog, keys::LogIndex(1));
    ASSERT_TRUE(store.Apply(b, true).ok());
  }
  auto log = DisclosureLog::Open(&store);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss) << log.status();
}

TEST(DisclosureLogTest, TreeRootEqualsAnIndependentRecomputationAndProofsVerify) {
  storage::MemoryStore store;
  auto log = OpenOrDie(&store);
  std::vector<std::string> leaves;
  for (int i = 0; i < 37; ++i) {
    ASSERT_TRUE(log->Append(Record("S-" + std::to_string(i))).ok());
    leaves.push_back(merkle::LeafHash(log->Read(i)->leaf));
  }
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    const std::string root = *log->RootAt(n);
    ASSERT_EQ(root, merkle::RootOf({leaves.begin(), leaves.begin() + n})) << n;
    for (uint64_t i = 0; i < n; i += 5) {
      EXPECT_TRUE(merkle::VerifyInclusion(i, n, leaves[i], *log->InclusionProof(i, n), root));
    }
    EXPECT_TRUE(merkle::VerifyConsistency(n / 2, n, *log->RootAt(n / 2), root,
                                          *log->ConsistencyProof(n / 2, n)));
  }
  EXPECT_EQ(log->InclusionProof(0, 38).status().code(), absl::StatusCode::kOutOfRange);
}

int Count(const storage::Store& store, Table t, absl::string_view prefix = "") {
  int n = 0;
  EXPECT_TRUE(storage::ScanPrefix(store, t, prefix, [&](absl::string_view, absl::string_view) {
                ++n;
                return true;
              }).ok());
  return n;
}

TEST(DisclosureLogTest, ErasureRemovesContentAndIndexesButKeepsTheLeafAndTheRoot) {
  storage::MemoryStore store;
  auto log = OpenOrDie(&store);
  v1::LogRecord r = Record("S-1");
  r.set_kind(v1::SIGNAL_REGISTERED);
  r.mutable_actor()->set_partner("politie");
  auto* s = r.add_subjects();
  s->set_kind(v1::PERSON_BSN);
  s->set_pseudonym(std::string(32, 'p'));
  ASSERT_TRUE(log->Append(r).ok());
  ASSERT_TRUE(log->Append(Record("S-2")).ok());
  const std::string root = *log->RootAt(2);
  const std::string leaf = log->Read(0)->leaf;
  ASSERT_EQ(Count(store, Table::kLogByPseudonym), 1) << "the pseudonym is indexed";

  auto redaction = log->RedactionOf(0);
  ASSERT_TRUE(redaction.ok());
  ASSERT_TRUE(store.Apply(*redaction, true).ok());
  EXPECT_EQ(*log->ReadRecord(0), "");
  EXPECT_TRUE(log->Read(0)->erased());
  EXPECT_EQ(log->Read(0)->leaf, leaf) << "kind and time stay verifiable";
  EXPECT_EQ(*log->RootAt(2), root);
  EXPECT_EQ(Count(store, Table::kLogByPseudonym), 0) << "no pseudonym stays behind";
  EXPECT_EQ(Count(store, Table::kLogByPartner, keys::IdPrefix("politie")), 0);
  EXPECT_TRUE(log->RedactionOf(0)->empty()) << "erasing twice changes nothing";
}

TEST(DisclosureLogTest, AnAlteredLastLeafIsDetectedAtOpen) {
  storage::MemoryStore store;
  {
    auto log = OpenOrDie(&store);
    ASSERT_TRUE(log->Append(Record("S-A")).ok());
    storage::Batch b;
    const v1::LogRecord other = Record("S-B");
    storage::Put(&b, Table::kLog, keys::LogIndex(0), EncodeLeaf(other, EncodeRecord(other)));
    ASSERT_TRUE(store.Apply(b, true).ok());
  }
  auto log = DisclosureLog::Open(&store);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(log.status().message()),
              ::testing::HasSubstr("does not match its leaf hash"));
}

TEST(DisclosureLogTest, GrowthListenersHearEveryCommit) {
  storage::MemoryStore store;
  auto log = OpenOrDie(&store);
  std::atomic<uint64_t> heard{0};
  log->OnGrowth([&](uint64_t size) { heard.store(size); });
  ASSERT_TRUE(log->Append(Record("S-A")).ok());
  ASSERT_TRUE(log->Append(Record("S-B")).ok());
  EXPECT_EQ(heard.load(), 2u);
}

}  // namespace
}  // namespace riec::log
