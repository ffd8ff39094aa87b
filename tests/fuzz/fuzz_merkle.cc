// Merkle proof verification against a plain recursive RFC 6962
// implementation (written here from RFC 6962 §2.1, independent of
// riec/merkle). The input chooses a tree, a leaf or two sizes, and a way to
// corrupt the proof. Properties: the library's proofs equal the reference
// PATH and PROOF; its verifier accepts a proof exactly when it is the
// reference proof (a corrupted one never verifies).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "riec/crypto/sodium.h"
#include "riec/merkle/merkle.h"

namespace {

using Hashes = std::vector<std::string>;

std::string Sha(const std::string& s) { return riec::crypto::Sha256(s); }
std::string Leaf(const std::string& d) { return Sha(std::string(1, '\0') + d); }
std::string Node(const std::string& l, const std::string& r) { return Sha(std::string(1, '\1') + l + r); }

uint64_t K(uint64_t n) {  // the largest power of two smaller than n
  uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

std::string Mth(const Hashes& leaves, uint64_t from, uint64_t to) {
  const uint64_t n = to - from;
  if (n == 0) return Sha("");
  if (n == 1) return leaves[from];
  const uint64_t k = K(n);
  return Node(Mth(leaves, from, from + k), Mth(leaves, from + k, to));
}

Hashes Path(uint64_t m, const Hashes& leaves, uint64_t from, uint64_t to) {
  const uint64_t n = to - from;
  if (n <= 1) return {};
  const uint64_t k = K(n);
  Hashes out;
  if (m < k) {
    out = Path(m, leaves, from, from + k);
    out.push_back(Mth(leaves, from + k, to));
  } else {
    out = Path(m - k, leaves, from + k, to);
    out.push_back(Mth(leaves, from, from + k));
  }
  return out;
}

Hashes SubProof(uint64_t m, const Hashes& leaves, uint64_t from, uint64_t to, bool b) {
  const uint64_t n = to - from;
  if (m == n) return b ? Hashes{} : Hashes{Mth(leaves, from, to)};
  const uint64_t k = K(n);
  Hashes out;
  if (m <= k) {
    out = SubProof(m, leaves, from, from + k, b);
    out.push_back(Mth(leaves, from + k, to));
  } else {
    out = SubProof(m - k, leaves, from + k, to, false);
    out.push_back(Mth(leaves, from, from + k));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const uint64_t n = data[0] % 70 + 1;
  Hashes leaves;
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(Leaf(std::string(1, static_cast<char>(i)) + std::string(reinterpret_cast<const char*>(data + 4), size - 4)));
  auto reader = [&](int level, uint64_t index) -> absl::StatusOr<std::string> {
    const uint64_t from = index << level, to = std::min<uint64_t>((index + 1) << level, n);
    return Mth(leaves, from, to);
  };
  const std::string root = Mth(leaves, 0, n);
  if (riec::merkle::RootOf(leaves) != root) __builtin_trap();

  // Inclusion of leaf m in the whole tree.
  const uint64_t m = data[1] % n;
  const Hashes path = Path(m, leaves, 0, n);
  auto proof = riec::merkle::InclusionProof(m, n, reader);
  if (!proof.ok() || *proof != path) __builtin_trap();
  if (!riec::merkle::VerifyInclusion(m, n, leaves[m], path, root)) __builtin_trap();
  Hashes bad = path;
  const uint8_t how = data[2];
  if (!bad.empty() && how % 4 == 0) bad[how / 4 % bad.size()][how % 32] ^= 1;
  else if (how % 4 == 1) bad.push_back(root);
  else if (how % 4 == 2 && !bad.empty()) bad.pop_back();
  else if (how % 4 == 3 && bad.size() >= 2) std::swap(bad.front(), bad.back());
  if (bad != path && riec::merkle::VerifyInclusion(m, n, leaves[m], bad, root)) __builtin_trap();
  if (n > 1 && riec::merkle::VerifyInclusion((m + 1) % n, n, leaves[m], path, root) &&
      leaves[(m + 1) % n] != leaves[m]) {
    __builtin_trap();
  }

  // Consistency of the first f leaves with the whole tree.
  const uint64_t f = data[3] % n + 1;
  const std::string first_root = Mth(leaves, 0, f);
  const Hashes consistency = f == n ? Hashes{} : SubProof(f, leaves, 0, n, true);
  auto cproof = riec::merkle::ConsistencyProof(f, n, reader);
  if (!cproof.ok() || *cproof != consistency) __builtin_trap();
  if (!riec::merkle::VerifyConsistency(f, n, first_root, root, consistency)) __builtin_trap();
  Hashes cbad = consistency;
  if (!cbad.empty() && how % 2 == 0) cbad[how / 2 % cbad.size()][how % 32] ^= 2;
  else cbad.push_back(first_root);
  if (cbad != consistency && riec::merkle::VerifyConsistency(f, n, first_root, root, cbad)) {
    __builtin_trap();
  }
  return 0;
}
