#include "riec/crypto/voprf.h"

#include <sodium.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "riec/crypto/sodium.h"

namespace riec::crypto {
namespace {

const unsigned char* U(absl::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* W(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

void AppendLengthPrefixed(std::string* out, absl::string_view bytes) {
  out->push_back(static_cast<char>((bytes.size() >> 8) & 0xff));
  out->push_back(static_cast<char>(bytes.size() & 0xff));
  out->append(bytes.data(), bytes.size());
}

std::string HashToScalarDst() { return "HashToScalar-" + ContextString(OprfMode::kVoprf); }

bool IsElement(absl::string_view e) {
  return e.size() == kElementSize && crypto_core_ristretto255_is_valid_point(U(e)) == 1;
}

// n * p; false for a malformed point or an identity result.
bool Mul(const unsigned char* n, absl::string_view p, std::string* out) {
  out->assign(kElementSize, '\0');
  return crypto_scalarmult_ristretto255(W(*out), n, U(p)) == 0;
}

std::string Add(absl::string_view a, absl::string_view b) {
  std::string out(kElementSize, '\0');
  crypto_core_ristretto255_add(W(out), U(a), U(b));
  return out;
}

// RFC 9497 §2.2.1 ComputeComposites: M = sum d_i C_i and (verifier) Z =
// sum d_i D_i, with d_i from a seed over B. `with_z` false leaves Z out
// (ComputeCompositesFast computes Z = k*M instead).
bool Composites(absl::string_view b, const std::vector<std::string>& c, const std::vector<std::string>& d,
                bool with_z, std::string* m, std::string* z) {
  std::string seed_transcript;
  AppendLengthPrefixed(&seed_transcript, b);
  AppendLengthPrefixed(&seed_transcript, "Seed-" + ContextString(OprfMode::kVoprf));
  const std::string seed = Sha512(seed_transcript);
  const std::string dst = HashToScalarDst();
  std::string sum_m, sum_z;
  for (size_t i = 0; i < c.size(); ++i) {
    std::string t;
    AppendLengthPrefixed(&t, seed);
    t.push_back(static_cast<char>((i >> 8) & 0xff));
    t.push_back(static_cast<char>(i & 0xff));
    AppendLengthPrefixed(&t, c[i]);
    AppendLengthPrefixed(&t, d[i]);
    t.append("Composite");
    const Scalar di = HashToScalar(t, dst);
    std::string term;
    if (!Mul(di.data(), c[i], &term)) return false;
    sum_m = sum_m.empty() ? term : Add(sum_m, term);
    if (with_z) {
      if (!Mul(di.data(), d[i], &term)) return false;
      sum_z = sum_z.empty() ? term : Add(sum_z, term);
    }
  }
  *m = std::move(sum_m);
  if (with_z) *z = std::move(sum_z);
  return true;
}

// The challenge scalar over B, M, Z, t2, t3 (§2.2.1 GenerateProof).
Scalar Challenge(absl::string_view b, absl::string_view m, absl::string_view z, absl::string_view t2,
                 absl::string_view t3) {
  std::string t;
  for (absl::string_view e : {b, m, z, t2, t3}) AppendLengthPrefixed(&t, e);
  t.append("Challenge");
  return HashToScalar(t, HashToScalarDst());
}

Scalar ScalarOf(uint32_t n) {
  Scalar s;
  unsigned char* d = s.mutable_data();
  for (int i = 0; i < 4; ++i) d[i] = static_cast<unsigned char>((n >> (8 * i)) & 0xff);
  return s;
}

}  // namespace

absl::StatusOr<BatchEvaluation> EvaluateWithProof(const OprfKey& key, const std::vector<std::string>& blinded,
                                                  const Scalar* r) {
  if (blinded.empty()) return absl::InvalidArgumentError("blinded elements: empty batch");
  BatchEvaluation out;
  out.evaluated.reserve(blinded.size());
  for (size_t i = 0; i < blinded.size(); ++i) {
    auto e = key.Evaluate(blinded[i]);
    if (!e.ok()) return absl::InvalidArgumentError(absl::StrCat("blinded_elements[", i, "]: ", e.status().message()));
    out.evaluated.push_back(*std::move(e));
  }
  std::string m, unused;
  if (!Composites(key.public_key(), blinded, out.evaluated, false, &m, &unused)) {
    return absl::InternalError("VOPRF proof: composite element is the identity");
  }
  std::string z, t2(kElementSize, '\0'), t3;
  if (!Mul(key.secret().data(), m, &z)) return absl::InternalError("VOPRF proof: Z is the identity");
  const Scalar fresh = r == nullptr ? Scalar::Random() : Scalar();
  const Scalar& rr = r == nullptr ? fresh : *r;
  crypto_scalarmult_ristretto255_base(W(t2), rr.data());
  if (!Mul(rr.data(), m, &t3)) return absl::InternalError("VOPRF proof: t3 is the identity");
  const Scalar c = Challenge(key.public_key(), m, z, t2, t3);
  // s = r - c*k
  Scalar ck, s;
  crypto_core_ristretto255_scalar_mul(ck.mutable_data(), c.data(), key.secret().data());
  crypto_core_ristretto255_scalar_sub(s.mutable_data(), rr.data(), ck.data());
  out.proof.assign(reinterpret_cast<const char*>(c.data()), kScalarSize);
  out.proof.append(reinterpret_cast<const char*>(s.data()), kScalarSize);
  return out;
}

bool VerifyProof(absl::string_view public_key, const std::vector<std::string>& blinded,
                 const std::vector<std::string>& evaluated, absl::string_view proof) {
  if (proof.size() != kProofSize || blinded.empty() || blinded.size() != evaluated.size() ||
      !IsElement(public_key)) {
    return false;
  }
  for (size_t i = 0; i < blinded.size(); ++i) {
    if (!IsElement(blinded[i]) || !IsElement(evaluated[i])) return false;
  }
  auto c = Scalar::FromBytes(proof.substr(0, kScalarSize));
  // s may be zero only with negligible probability; FromBytes refuses zero
  // and non-canonical encodings, which a valid proof never has.
  auto s = Scalar::FromBytes(proof.substr(kScalarSize));
  if (!c.ok() || !s.ok()) return false;
  std::string m, z;
  if (!Composites(public_key, blinded, evaluated, true, &m, &z)) return false;
  // t2 = s*G + c*B; t3 = s*M + c*Z
  std::string sg(kElementSize, '\0'), cb, sm, cz;
  crypto_scalarmult_ristretto255_base(W(sg), s->data());
  if (!Mul(c->data(), public_key, &cb) || !Mul(s->data(), m, &sm) || !Mul(c->data(), z, &cz)) return false;
  const std::string t2 = Add(sg, cb), t3 = Add(sm, cz);
  const Scalar expected = Challenge(public_key, m, z, t2, t3);
  return sodium_memcmp(expected.data(), c->data(), kScalarSize) == 0;
}

absl::StatusOr<std::vector<KeyShare>> SplitKey(const OprfKey& key, uint32_t threshold, uint32_t shares) {
  if (threshold < 2 || threshold > shares || shares > 255) {
    return absl::InvalidArgumentError(absl::StrCat("threshold ", threshold, " of ", shares,
                                                   " shares: want 2 <= threshold <= shares <= 255"));
  }
  // f(x) = k + a_1 x + ... + a_{t-1} x^{t-1}
  std::vector<Scalar> coefficients;
  coefficients.reserve(threshold);
  {
    auto k = Scalar::FromBytes(absl::string_view(reinterpret_cast<const char*>(key.secret().data()), kScalarSize));
    if (!k.ok()) return k.status();
    coefficients.push_back(*std::move(k));
  }
  for (uint32_t i = 1; i < threshold; ++i) coefficients.push_back(Scalar::Random());
  std::vector<KeyShare> out;
  for (uint32_t x = 1; x <= shares; ++x) {
    // Horner: ((a_{t-1} x + a_{t-2}) x + ...) x + k
    Scalar acc;
    std::copy(coefficients.back().data(), coefficients.back().data() + kScalarSize, acc.mutable_data());
    const Scalar xs = ScalarOf(x);
    for (size_t j = coefficients.size() - 1; j-- > 0;) {
      Scalar t;
      crypto_core_ristretto255_scalar_mul(t.mutable_data(), acc.data(), xs.data());
      crypto_core_ristretto255_scalar_add(acc.mutable_data(), t.data(), coefficients[j].data());
    }
    auto share = OprfKey::FromSecret(absl::string_view(reinterpret_cast<const char*>(acc.data()), kScalarSize));
    if (!share.ok()) return absl::InternalError("a share is zero; split again");
    out.push_back(KeyShare{x, *std::move(share)});
  }
  return out;
}

absl::StatusOr<Scalar> LagrangeAtZero(uint32_t index, const std::vector<uint32_t>& indices) {
  if (index == 0) return absl::InvalidArgumentError("share index 0");
  Scalar num = ScalarOf(1), den = ScalarOf(1);
  bool found = false;
  for (size_t a = 0; a < indices.size(); ++a) {
    const uint32_t j = indices[a];
    if (j == 0) return absl::InvalidArgumentError("share index 0");
    for (size_t b = a + 1; b < indices.size(); ++b) {
      if (indices[b] == j) return absl::InvalidArgumentError(absl::StrCat("share index ", j, " twice"));
    }
    if (j == index) {
      found = true;
      continue;
    }
    // num *= j; den *= (j - index)
    Scalar t, diff;
    const Scalar js = ScalarOf(j), is = ScalarOf(index);
    crypto_core_ristretto255_scalar_mul(t.mutable_data(), num.data(), js.data());
    num = std::move(t);
    crypto_core_ristretto255_scalar_sub(diff.mutable_data(), js.data(), is.data());
    Scalar u;
    crypto_core_ristretto255_scalar_mul(u.mutable_data(), den.data(), diff.data());
    den = std::move(u);
  }
  if (!found) return absl::InvalidArgumentError(absl::StrCat("share index ", index, " is not in the set"));
  Scalar inverse, out;
  if (crypto_core_ristretto255_scalar_invert(inverse.mutable_data(), den.data()) != 0) {
    return absl::InternalError("Lagrange denominator is zero");
  }
  crypto_core_ristretto255_scalar_mul(out.mutable_data(), num.data(), inverse.data());
  return out;
}

absl::StatusOr<std::string> CombineShares(const std::vector<uint32_t>& indices,
                                          const std::vector<std::string>& points) {
  if (indices.empty() || indices.size() != points.size()) {
    return absl::InvalidArgumentError("combine: one point per share index");
  }
  std::string sum;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (!IsElement(points[i])) return absl::InvalidArgumentError(absl::StrCat("share ", indices[i], ": not an element"));
    auto lambda = LagrangeAtZero(indices[i], indices);
    if (!lambda.ok()) return lambda.status();
    std::string term;
    if (!Mul(lambda->data(), points[i], &term)) {
      return absl::InvalidArgumentError(absl::StrCat("share ", indices[i], ": identity"));
    }
    sum = sum.empty() ? term : Add(sum, term);
  }
  if (sodium_is_zero(U(sum), sum.size())) return absl::InvalidArgumentError("combine: identity");
  return sum;
}

}  // namespace riec::crypto
