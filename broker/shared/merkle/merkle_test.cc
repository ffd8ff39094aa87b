// Golden vectors of RFC 6962 (the Certificate Transparency reference tree,
// as published by transparency-dev/merkle and other implementations) and
// properties over every tree size up to 70, including tampered proofs that
// must fail.
#include "riec/merkle/merkle.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "riec/common/hex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace riec::merkle {
namespace {

std::string H(const std::string& hex) { return *FromHex(hex); }

const std::vector<std::string> kLeafData = {
    "", H("00"), H("10"), H("2021"), H("3031"), H("40414243"), H("5051525354555657"),
    H("606162636465666768696a6b6c6d6e6f")};

const std::vector<std::string> kRoots = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

// An in-memory node store fed by CompactRange, as the broker's store is.
class MemoryTree {
 public:
  explicit MemoryTree(const std::vector<std::string>& leaf_hashes) {
    std::vector<CompactRange::Node> nodes;
    for (const auto& h : leaf_hashes) range_.Append(h, &nodes);
    for (auto& n : nodes) nodes_[{n.level, n.index}] = n.hash;
  }
  NodeReader Reader() const {
    return [this](int level, uint64_t index) -> absl::StatusOr<std::string> {
      auto it = nodes_.find({level, index});
      if (it == nodes_.end()) return absl::NotFoundError(absl::StrCat("node ", level, "/", index));
      return it->second;
    };
  }
  const CompactRange& range() const { return range_; }

 private:
  CompactRange range_;
  std::map<std::pair<int, uint64_t>, std::string> nodes_;
};

std::vector<std::string> Hex(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(ToHex(s));
  return out;
}

std::vector<std::string> ReferenceLeaves() {
  std::vector<std::string> out;
  for (const auto& d : kLeafData) out.push_back(LeafHash(d));
  return out;
}

TEST(MerkleGoldenTest, RootsOfTheReferenceTree) {
  EXPECT_EQ(ToHex(EmptyRoot()), kRoots[0]);
  const auto leaves = ReferenceLeaves();
  MemoryTree tree(leaves);
  for (size_t n = 0; n <= leaves.size(); ++n) {
    EXPECT_EQ(ToHex(RootOf({leaves.begin(), leaves.begin() + n})), kRoots[n]) << n;
    EXPECT_EQ(ToHex(*RootAt(n, tree.Reader())), kRoots[n]) << n;
  }
  EXPECT_EQ(ToHex(tree.range().Root()), kRoots[8]);
}

TEST(MerkleGoldenTest, InclusionProofs) {
  MemoryTree tree(ReferenceLeaves());
  EXPECT_THAT(Hex(*InclusionProof(0, 8, tree.Reader())),
              ::testing::ElementsAre(
                  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"));
  EXPECT_THAT(Hex(*InclusionProof(5, 8, tree.Reader())),
              ::testing::ElementsAre(
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"));
}

TEST(MerkleGoldenTest, ConsistencyProofs) {
  MemoryTree tree(ReferenceLeaves());
  EXPECT_THAT(Hex(*ConsistencyProof(2, 8, tree.Reader())),
              ::testing::ElementsAre(
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"));
  EXPECT_THAT(Hex(*ConsistencyProof(6, 8, tree.Reader())),
              ::testing::ElementsAre(
                  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"));
  EXPECT_THAT(Hex(*ConsistencyProof(2, 5, tree.Reader())),
              ::testing::ElementsAre(
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"));
  for (auto [m, n] : {std::pair{2, 8}, {6, 8}, {2, 5}}) {
    EXPECT_TRUE(VerifyConsistency(m, n, H(kRoots[m]), H(kRoots[n]),
                                  *ConsistencyProof(m, n, tree.Reader())));
  }
}

TEST(MerkleGoldenTest, SplitPointIsTheLargestPowerOfTwoBelow) {
  EXPECT_EQ(SplitPoint(2), 1u);
  EXPECT_EQ(SplitPoint(3), 2u);
  EXPECT_EQ(SplitPoint(4), 2u);
  EXPECT_EQ(SplitPoint(5), 4u);
  EXPECT_EQ(SplitPoint(1000), 512u);
  EXPECT_EQ(SplitPoint((uint64_t{1} << 40) + 1), uint64_t{1} << 40);
}

std::vector<std::string> ManyLeaves(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(LeafHash(absl::StrCat("record ", i)));
  return out;
}

TEST(MerklePropertyTest, EveryInclusionProofVerifiesAndNoTamperedOneDoes) {
  const auto leaves = ManyLeaves(70);
  MemoryTree tree(leaves);
  for (uint64_t n = 1; n <= leaves.size(); ++n) {
    const std::string root = *RootAt(n, tree.Reader());
    for (uint64_t i = 0; i < n; ++i) {
      const auto proof = *InclusionProof(i, n, tree.Reader());
      ASSERT_TRUE(VerifyInclusion(i, n, leaves[i], proof, root)) << i << "/" << n;
      if (n > 1) EXPECT_FALSE(VerifyInclusion(i, n, leaves[(i + 1) % n], proof, root));
      // The size is authenticated together with its root (in a signed tree
      // head): a proof for size n does not verify against the tree n+1.
      if (n < leaves.size()) {
        EXPECT_FALSE(VerifyInclusion(i, n + 1, leaves[i], proof, *RootAt(n + 1, tree.Reader())));
      }
      if ((i ^ 1) < n) EXPECT_FALSE(VerifyInclusion(i ^ 1, n, leaves[i], proof, root));
      EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], proof, LeafHash("another root")));
      if (proof.empty()) continue;
      auto flipped = proof;
      flipped.back()[7] ^= 1;
      EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], flipped, root));
      auto truncated = proof;
      truncated.pop_back();
      EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], truncated, root));
      auto extended = proof;
      extended.push_back(std::string(32, '\xab'));
      EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], extended, root));
      if (proof.size() >= 2 && proof[0] != proof[1]) {
        auto swapped = proof;
        std::swap(swapped[0], swapped[1]);
        EXPECT_FALSE(VerifyInclusion(i, n, leaves[i], swapped, root));
      }
    }
  }
}

TEST(MerklePropertyTest, EveryConsistencyProofVerifiesAndNoTamperedOneDoes) {
  const auto leaves = ManyLeaves(70);
  MemoryTree tree(leaves);
  for (uint64_t n = 0; n <= leaves.size(); ++n) {
    const std::string root_n = *RootAt(n, tree.Reader());
    for (uint64_t m = 0; m <= n; ++m) {
      const std::string root_m = *RootAt(m, tree.Reader());
      const auto proof = *ConsistencyProof(m, n, tree.Reader());
      ASSERT_TRUE(VerifyConsistency(m, n, root_m, root_n, proof)) << m << "->" << n;
      if (m == 0 || m == n || proof.empty()) continue;
      EXPECT_FALSE(VerifyConsistency(m, n, LeafHash("x"), root_n, proof));
      EXPECT_FALSE(VerifyConsistency(m, n, root_m, LeafHash("x"), proof));
      auto flipped = proof;
      flipped[0][3] ^= 0x80;
      EXPECT_FALSE(VerifyConsistency(m, n, root_m, root_n, flipped));
      auto truncated = proof;
      truncated.pop_back();
      EXPECT_FALSE(VerifyConsistency(m, n, root_m, root_n, truncated));
      auto extended = proof;
      extended.push_back(std::string(32, '\xcd'));
      EXPECT_FALSE(VerifyConsistency(m, n, root_m, root_n, extended));
    }
  }
}

TEST(MerklePropertyTest, DegenerateAndMalformedInputsAreRejected) {
  const auto leaves = ReferenceLeaves();
  MemoryTree tree(leaves);
  const std::string root8 = H(kRoots[8]);
  const auto proof = *InclusionProof(5, 8, tree.Reader());
  EXPECT_FALSE(VerifyInclusion(5, 8, std::string(31, 'x'), proof, root8));
  EXPECT_FALSE(VerifyInclusion(8, 8, leaves[5], proof, root8));
  EXPECT_TRUE(VerifyConsistency(4, 4, H(kRoots[4]), H(kRoots[4]), {}));
  EXPECT_FALSE(VerifyConsistency(4, 4, H(kRoots[4]), H(kRoots[5]), {}));
  EXPECT_TRUE(VerifyConsistency(0, 8, EmptyRoot(), root8, {}));
  EXPECT_FALSE(VerifyConsistency(0, 8, H(kRoots[1]), root8, {}));
  EXPECT_FALSE(VerifyConsistency(8, 6, root8, H(kRoots[6]), {}));
  EXPECT_FALSE(VerifyConsistency(6, 8, H(kRoots[6]), root8, {}));
  EXPECT_EQ(InclusionProof(8, 8, tree.Reader()).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ConsistencyProof(9, 8, tree.Reader()).status().code(), absl::StatusCode::kOutOfRange);
}

TEST(CompactRangeTest, ReloadsFromStoredBorderNodes) {
  const auto leaves = ManyLeaves(45);
  MemoryTree full(leaves);
  for (uint64_t n = 0; n <= 40; ++n) {
    MemoryTree prefix({leaves.begin(), leaves.begin() + n});
    auto loaded = CompactRange::Load(n, prefix.Reader());
    ASSERT_TRUE(loaded.ok());
    std::vector<CompactRange::Node> nodes;
    for (uint64_t i = n; i < 45; ++i) loaded->Append(leaves[i], &nodes);
    EXPECT_EQ(loaded->Root(), full.range().Root()) << n;
  }
}

}  // namespace
}  // namespace riec::merkle
