// RFC 6962 / RFC 9162 Merkle tree hashing and proofs, without any I/O.
//
//   leaf hash  = SHA-256(0x00 || data)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH({})    = SHA-256("")
//
// Proof generation works over a NodeReader that returns the hash of a
// perfect, aligned subtree (level L, index i covers leaves
// [i*2^L, (i+1)*2^L)); the broker reads them from RocksDB, tests from
// memory. Every proof needs O(log n) such nodes. Verification needs nothing
// but the hashes: the client SDK and independent auditors use it.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_MERKLE_MERKLE_H_
#define RIEC_BROKER_MERKLE_MERKLE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riec::merkle {

inline constexpr size_t kHashSize = 32;

std::string LeafHash(absl::string_view data);
std::string NodeHash(absl::string_view left, absl::string_view right);
std::string EmptyRoot();

// The largest power of two smaller than n (n >= 2): RFC 6962's split point.
uint64_t SplitPoint(uint64_t n);

// The root over all of `leaf_hashes` (O(n)); for offline verification.
std::string RootOf(const std::vector<std::string>& leaf_hashes);

// A half-open range of leaves.
struct Range {
  uint64_t begin = 0, end = 0;
  bool operator==(const Range& o) const { return begin == o.begin && end == o.end; }
};

// The ranges whose MTH make up RFC 6962 PATH(index, D[size]) and
// PROOF(first, D[size]), in proof order. index < size; first <= size.
std::vector<Range> InclusionRanges(uint64_t index, uint64_t size);
std::vector<Range> ConsistencyRanges(uint64_t first, uint64_t size);

// The hash of the perfect subtree at (level, index).
using NodeReader = std::function<absl::StatusOr<std::string>(int level, uint64_t index)>;

// MTH(D[range]): the perfect subtrees of the range folded right to left.
// O(log n) reads.
absl::StatusOr<std::string> HashRange(Range range, const NodeReader& read);
// MTH(D[0:size]); EmptyRoot() for 0.
absl::StatusOr<std::string> RootAt(uint64_t size, const NodeReader& read);
absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size,
                                                        const NodeReader& read);
absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first, uint64_t size,
                                                          const NodeReader& read);

// RFC 9162 §2.1.3.2. False for any malformed input (sizes, lengths).
bool VerifyInclusion(uint64_t index, uint64_t size, absl::string_view leaf_hash,
                     const std::vector<std::string>& proof, absl::string_view root);

// RFC 9162 §2.1.4.2; first == second needs an empty proof and equal roots;
// first == 0 needs an empty proof and the empty root.
bool VerifyConsistency(uint64_t first, uint64_t second, absl::string_view first_root,
                       absl::string_view second_root, const std::vector<std::string>& proof);

// Appending leaves one by one: the perfect subtrees on the right border of
// the tree (one per set bit of the size). Appending returns the new nodes
// (level, index, hash) to store. O(log n) per leaf, amortised O(1).
class CompactRange {
 public:
  struct Node {
    int level;
    uint64_t index;
    std::string hash;
  };
  // An empty tree, or one of `size` leaves whose border nodes `read` gives.
  static absl::StatusOr<CompactRange> Load(uint64_t size, const NodeReader& read);
  CompactRange() = default;

  uint64_t size() const { return size_; }
  // Adds a leaf; appends the nodes it completes (the leaf first) to `out`.
  void Append(std::string leaf_hash, std::vector<Node>* out);
  // The root of the current tree.
  std::string Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<std::string> border_;  // border_[level], "" where the bit is 0
};

}  // namespace riec::merkle

#endif  // RIEC_BROKER_MERKLE_MERKLE_H_
