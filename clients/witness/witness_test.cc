// The witness against the tlog-witness protocol: what it cosigns, what it
// refuses with which status, the evidence it keeps, and its state across a
// restart.
#include "witness/witness.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "riec/crypto/sodium.h"
#include "riec/merkle/merkle.h"

namespace riec::witness {
namespace {

using ::testing::HasSubstr;

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() / ("riec-witness-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    log_verifier_ = *merkle::ParseVkey(merkle::Vkey(kOrigin, merkle::kNoteEd25519, log_key_.public_key()));
    Reopen();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Reopen() {
    witness_.reset();
    auto w = Witness::Open("witness.test/w1", *crypto::SigningKey::FromSeed(std::string(32, 'w')), dir_.string(),
                           {{kOrigin, log_verifier_}}, [] { return uint64_t{1796000000}; });
    ASSERT_TRUE(w.ok()) << w.status();
    witness_ = *std::move(w);
  }

  // The log's tree after `n` leaves of `fork`.
  std::vector<std::string> Leaves(uint64_t n, char fork = 'a') {
    std::vector<std::string> out;
    for (uint64_t i = 0; i < n; ++i) out.push_back(merkle::LeafHash(absl::StrCat(std::string(1, fork), i)));
    return out;
  }
  std::string Checkpoint(const std::vector<std::string>& leaves, const crypto::SigningKey* key = nullptr) {
    const crypto::SigningKey& k = key ? *key : log_key_;
    merkle::Note note{merkle::CheckpointBody({kOrigin, leaves.size(), merkle::RootOf(leaves)}), {}};
    note.signatures.push_back(merkle::SignCheckpoint(note.body, kOrigin, k.public_key(),
                                                     [&k](absl::string_view m) { return k.Sign(m); }));
    return merkle::FormatNote(note);
  }
  std::string Request(uint64_t old, const std::vector<std::string>& leaves, const std::vector<std::string>& proof,
                      const crypto::SigningKey* key = nullptr) {
    std::string body = absl::StrCat("old ", old, "\n");
    for (const auto& h : proof) body += crypto::Base64(h) + "\n";
    return body + "\n" + Checkpoint(leaves, key);
  }
  std::vector<std::string> Proof(uint64_t first, const std::vector<std::string>& leaves) {
    auto reader = [&](int level, uint64_t index) -> absl::StatusOr<std::string> {
      const uint64_t from = index << level, to = std::min<uint64_t>((index + 1) << level, leaves.size());
      return merkle::RootOf(std::vector<std::string>(leaves.begin() + from, leaves.begin() + to));
    };
    return *merkle::ConsistencyProof(first, leaves.size(), reader);
  }

  static constexpr char kOrigin[] = "riec-log/riec-test/0011223344556677";
  const crypto::SigningKey log_key_ = crypto::SigningKey::Generate();
  merkle::Verifier log_verifier_;
  std::filesystem::path dir_;
  std::unique_ptr<Witness> witness_;
};

TEST_F(WitnessTest, CosignsConsistentGrowthAndTheCosignatureVerifies) {
  Response first = witness_->AddCheckpoint(Request(0, Leaves(5), {}));
  ASSERT_EQ(first.status, 200) << first.body;
  auto note = merkle::ParseNote(Checkpoint(Leaves(5)) + first.body);
  ASSERT_TRUE(note.ok()) << note.status();
  auto v = merkle::ParseVkey(witness_->Vkey());
  auto cosigned = merkle::VerifyNote(*note, *v);
  ASSERT_TRUE(cosigned.ok() && cosigned->has_value());
  EXPECT_EQ((*cosigned)->timestamp, 1796000000u);

  Response grown = witness_->AddCheckpoint(Request(5, Leaves(12), Proof(5, Leaves(12))));
  EXPECT_EQ(grown.status, 200) << grown.body;
  EXPECT_EQ(witness_->LatestSize(kOrigin), 12u);
}

TEST_F(WitnessTest, RefusesWhatTheProtocolSaysWithItsStatus) {
  ASSERT_EQ(witness_->AddCheckpoint(Request(0, Leaves(8), {})).status, 200);
  // The client's idea of the old size is wrong: 409 with the real one.
  Response stale = witness_->AddCheckpoint(Request(0, Leaves(9), {}));
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.content_type, "text/x.tlog.size");
  EXPECT_EQ(stale.body, "8\n");
  // A smaller tree: never.
  EXPECT_EQ(witness_->AddCheckpoint(Request(8, Leaves(4), {})).status, 400);
  // Not signed by the log's key.
  const crypto::SigningKey other = crypto::SigningKey::Generate();
  EXPECT_EQ(witness_->AddCheckpoint(Request(8, Leaves(9), Proof(8, Leaves(9)), &other)).status, 403);
  // An unknown log.
  std::string unknown = Request(8, Leaves(9), Proof(8, Leaves(9)));
  unknown.replace(unknown.find(kOrigin), 4, "xxxx");
  EXPECT_EQ(witness_->AddCheckpoint(unknown).status, 404);
  // Garbage.
  EXPECT_EQ(witness_->AddCheckpoint("hello").status, 400);
  EXPECT_EQ(witness_->LatestSize(kOrigin), 8u);
}

TEST_F(WitnessTest, ASplitViewIsRefusedAndKeptAsEvidence) {
  ASSERT_EQ(witness_->AddCheckpoint(Request(0, Leaves(8), {})).status, 200);
  // The same size with another history.
  Response fork = witness_->AddCheckpoint(Request(8, Leaves(8, 'b'), {}));
  EXPECT_EQ(fork.status, 422);
  // A larger tree that does not extend the cosigned one.
  Response inconsistent = witness_->AddCheckpoint(Request(8, Leaves(10, 'b'), Proof(8, Leaves(10, 'b'))));
  EXPECT_EQ(inconsistent.status, 422);
  int evidence = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_ / "evidence")) {
    ++evidence;
    EXPECT_GT(std::filesystem::file_size(f.path()), 0u);
  }
  EXPECT_EQ(evidence, 2);
  EXPECT_EQ(witness_->LatestSize(kOrigin), 8u);
}

TEST_F(WitnessTest, ARestartKeepsWhatItCosigned) {
  ASSERT_EQ(witness_->AddCheckpoint(Request(0, Leaves(6), {})).status, 200);
  Reopen();
  EXPECT_EQ(witness_->LatestSize(kOrigin), 6u);
  EXPECT_EQ(witness_->AddCheckpoint(Request(0, Leaves(3), {})).status, 409) << "it does not forget";
  EXPECT_EQ(witness_->AddCheckpoint(Request(6, Leaves(6, 'b'), {})).status, 422);
  EXPECT_EQ(witness_->AddCheckpoint(Request(6, Leaves(7), Proof(6, Leaves(7)))).status, 200);
}

}  // namespace
}  // namespace riec::witness
