#include "riec/merkle/merkle.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "riec/crypto/sodium.h"

namespace riec::merkle {

std::string LeafHash(absl::string_view data) {
  std::string in;
  in.reserve(data.size() + 1);
  in.push_back('\0');
  in.append(data.data(), data.size());
  return crypto::Sha256(in);
}

std::string NodeHash(absl::string_view left, absl::string_view right) {
  std::string in;
  in.reserve(1 + left.size() + right.size());
  in.push_back('\1');
  in.append(left.data(), left.size());
  in.append(right.data(), right.size());
  return crypto::Sha256(in);
}

std::string EmptyRoot() { return crypto::Sha256(""); }

uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

std::string RootOf(const std::vector<std::string>& leaves) {
  if (leaves.empty()) return EmptyRoot();
  CompactRange range;
  std::vector<CompactRange::Node> ignored;
  for (const auto& h : leaves) {
    range.Append(h, &ignored);
    ignored.clear();
  }
  return range.Root();
}

namespace {

// RFC 6962 §2.1.1 PATH(m, D[begin:end]), deepest first.
void Path(uint64_t m, uint64_t begin, uint64_t end, std::vector<Range>* out) {
  const uint64_t n = end - begin;
  if (n <= 1) return;
  const uint64_t k = SplitPoint(n);
  if (m < k) {
    Path(m, begin, begin + k, out);
    out->push_back({begin + k, end});
  } else {
    Path(m - k, begin + k, end, out);
    out->push_back({begin, begin + k});
  }
}

// RFC 6962 §2.1.2 SUBPROOF(m, D[begin:end], b).
void Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b, std::vector<Range>* out) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!b) out->push_back({begin, end});
    return;
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    Subproof(m, begin, begin + k, b, out);
    out->push_back({begin + k, end});
  } else {
    Subproof(m - k, begin + k, end, false, out);
    out->push_back({begin, begin + k});
  }
}

bool IsHash(absl::string_view h) { return h.size() == kHashSize; }

}  // namespace

std::vector<Range> InclusionRanges(uint64_t index, uint64_t size) {
  std::vector<Range> out;
  if (index < size) Path(index, 0, size, &out);
  return out;
}

std::vector<Range> ConsistencyRanges(uint64_t first, uint64_t size) {
  std::vector<Range> out;
  if (first > 0 && first < size) Subproof(first, 0, size, true, &out);
  return out;
}

absl::StatusOr<std::string> HashRange(Range r, const NodeReader& read) {
  if (r.end <= r.begin) return absl::InvalidArgumentError("empty range");
  // Perfect subtrees from left to right: the binary digits of the size,
  // largest first; each is aligned because ranges are nodes of the tree.
  std::vector<std::string> pieces;
  uint64_t at = r.begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if (((r.end - r.begin) & width) == 0) continue;
    if (at % width != 0) {
      return absl::InternalError(absl::StrCat("range [", r.begin, ", ", r.end, ") is not a node"));
    }
    auto h = read(level, at >> level);
    if (!h.ok()) return h.status();
    pieces.push_back(*std::move(h));
    at += width;
  }
  std::string acc = pieces.back();
  for (size_t i = pieces.size() - 1; i-- > 0;) acc = NodeHash(pieces[i], acc);
  return acc;
}

absl::StatusOr<std::string> RootAt(uint64_t size, const NodeReader& read) {
  if (size == 0) return EmptyRoot();
  return HashRange({0, size}, read);
}

namespace {
absl::StatusOr<std::vector<std::string>> Resolve(const std::vector<Range>& ranges,
                                                 const NodeReader& read) {
  std::vector<std::string> proof;
  proof.reserve(ranges.size());
  for (const Range& r : ranges) {
    auto h = HashRange(r, read);
    if (!h.ok()) return h.status();
    proof.push_back(*std::move(h));
  }
  return proof;
}
}  // namespace

absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size,
                                                        const NodeReader& read) {
  if (index >= size) {
    return absl::OutOfRangeError(absl::StrCat("leaf ", index, " is not in a tree of size ", size));
  }
  return Resolve(InclusionRanges(index, size), read);
}

absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first, uint64_t size,
                                                          const NodeReader& read) {
  if (first > size) {
    return absl::OutOfRangeError(absl::StrCat("first size ", first, " is larger than ", size));
  }
  return Resolve(ConsistencyRanges(first, size), read);
}

bool VerifyInclusion(uint64_t index, uint64_t size, absl::string_view leaf_hash,
                     const std::vector<std::string>& proof, absl::string_view root) {
  if (index >= size || !IsHash(leaf_hash) || !IsHash(root)) return false;
  uint64_t fn = index, sn = size - 1;
  std::string r(leaf_hash);
  for (const std::string& p : proof) {
    if (!IsHash(p) || sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      r = NodeHash(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t first, uint64_t second, absl::string_view first_root,
                       absl::string_view second_root, const std::vector<std::string>& proof) {
  if (!IsHash(first_root) || !IsHash(second_root) || first > second) return false;
  if (first == second) return proof.empty() && first_root == second_root;
  if (first == 0) return proof.empty() && first_root == EmptyRoot();
  if (proof.empty()) return false;
  for (const auto& p : proof) {
    if (!IsHash(p)) return false;
  }
  std::vector<std::string> path = proof;
  if (std::has_single_bit(first)) path.insert(path.begin(), std::string(first_root));
  uint64_t fn = first - 1, sn = second - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return false;
    const std::string& c = path[i];
    if ((fn & 1) || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == first_root && sr == second_root && sn == 0;
}

absl::StatusOr<CompactRange> CompactRange::Load(uint64_t size, const NodeReader& read) {
  CompactRange c;
  c.size_ = size;
  c.border_.assign(64, "");
  uint64_t at = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    auto h = read(level, at >> level);
    if (!h.ok()) return h.status();
    c.border_[level] = *std::move(h);
    at += width;
  }
  return c;
}

void CompactRange::Append(std::string leaf_hash, std::vector<Node>* out) {
  if (border_.empty()) border_.assign(64, "");
  uint64_t index = size_;
  int level = 0;
  std::string h = std::move(leaf_hash);
  out->push_back({0, index, h});
  while (index & 1) {
    h = NodeHash(border_[level], h);
    border_[level].clear();
    ++level;
    index >>= 1;
    out->push_back({level, index, h});
  }
  border_[level] = std::move(h);
  ++size_;
}

std::string CompactRange::Root() const {
  if (size_ == 0) return EmptyRoot();
  std::string acc;
  for (int level = 0; level < 64; ++level) {
    if (((size_ >> level) & 1) == 0) continue;
    acc = acc.empty() ? border_[level] : NodeHash(border_[level], acc);
  }
  return acc;
}

}  // namespace riec::merkle
