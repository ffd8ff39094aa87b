#include "riec/crypto/oprf.h"

#include <sodium.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"

namespace riec::crypto {
namespace {

void AppendI2OSP2(std::string* out, size_t n) {
  out->push_back(static_cast<char>((n >> 8) & 0xff));
  out->push_back(static_cast<char>(n & 0xff));
}

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status CheckElement(absl::string_view element, absl::string_view what) {
  if (element.size() != kElementSize) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": ", element.size(), " bytes, want 32"));
  }
  if (crypto_core_ristretto255_is_valid_point(U(element)) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a canonical ristretto255 element"));
  }
  if (sodium_is_zero(U(element), element.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the identity element is not allowed"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ContextString(OprfMode mode) {
  return std::string("OPRFV1-") + std::string(1, static_cast<char>(mode)) + "-ristretto255-SHA512";
}

Scalar::~Scalar() { sodium_memzero(bytes_.data(), bytes_.size()); }

Scalar::Scalar(Scalar&& other) noexcept : bytes_(other.bytes_) {
  sodium_memzero(other.bytes_.data(), other.bytes_.size());
}

Scalar& Scalar::operator=(Scalar&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), other.bytes_.size());
  }
  return *this;
}

absl::StatusOr<Scalar> Scalar::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kScalarSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("scalar: ", bytes.size(), " bytes, want 32"));
  }
  // Canonical iff reducing it modulo L leaves it unchanged.
  unsigned char wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES] = {0};
  std::copy(bytes.begin(), bytes.end(), wide);
  Scalar s;
  crypto_core_ristretto255_scalar_reduce(s.bytes_.data(), wide);
  sodium_memzero(wide, sizeof wide);
  if (sodium_memcmp(s.bytes_.data(), bytes.data(), kScalarSize) != 0) {
    return absl::InvalidArgumentError("scalar: not reduced modulo the group order");
  }
  if (sodium_is_zero(s.bytes_.data(), kScalarSize)) {
    return absl::InvalidArgumentError("scalar: zero is not allowed");
  }
  return s;
}

Scalar Scalar::Random() {
  Scalar s;
  crypto_core_ristretto255_scalar_random(s.bytes_.data());  // in ]0, L[
  return s;
}

SecretBytes Scalar::ExportBytes() const {
  return SecretBytes::Copy(absl::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size()));
}

std::string ExpandMessageXmdSha512(absl::string_view msg, absl::string_view dst,
                                   size_t len) {
  constexpr size_t kB = crypto_hash_sha512_BYTES;  // b_in_bytes = 64
  constexpr size_t kS = 128;                       // s_in_bytes (block size)
  const size_t ell = (len + kB - 1) / kB;
  std::string dst_prime(dst);
  dst_prime.push_back(static_cast<char>(dst.size()));

  std::string msg_prime(kS, '\0');  // Z_pad
  msg_prime.append(msg.data(), msg.size());
  AppendI2OSP2(&msg_prime, len);
  msg_prime.push_back('\0');
  msg_prime.append(dst_prime);
  const std::string b0 = Sha512(msg_prime);

  std::string out;
  std::string prev;
  for (size_t i = 1; i <= ell; ++i) {
    std::string in;
    if (i == 1) {
      in = b0;
    } else {
      in.resize(kB);
      for (size_t j = 0; j < kB; ++j) in[j] = b0[j] ^ prev[j];
    }
    in.push_back(static_cast<char>(i));
    in.append(dst_prime);
    prev = Sha512(in);
    out.append(prev);
  }
  out.resize(len);
  return out;
}

std::string HashToGroup(absl::string_view input, OprfMode mode) {
  const std::string dst = "HashToGroup-" + ContextString(mode);
  const std::string uniform = ExpandMessageXmdSha512(input, dst, 64);
  std::string point(kElementSize, '\0');
  crypto_core_ristretto255_from_hash(
      reinterpret_cast<unsigned char*>(point.data()), U(uniform));
  return point;
}

Scalar HashToScalar(absl::string_view input, absl::string_view dst) {
  std::string uniform = ExpandMessageXmdSha512(input, dst, 64);
  Scalar s;
  crypto_core_ristretto255_scalar_reduce(s.mutable_data(), U(uniform));
  Wipe(uniform);
  return s;
}

OprfKey::OprfKey(Scalar secret) : secret_(std::move(secret)) {
  public_key_.assign(kElementSize, '\0');
  crypto_scalarmult_ristretto255_base(
      reinterpret_cast<unsigned char*>(public_key_.data()), secret_.data());
}

absl::StatusOr<OprfKey> OprfKey::Derive(absl::string_view seed, absl::string_view info,
                                        OprfMode mode) {
  if (seed.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("seed: ", seed.size(), " bytes, want 32"));
  }
  if (info.size() > 0xffff) {
    return absl::InvalidArgumentError("info: longer than 65535 bytes");
  }
  std::string derive_input(seed);
  AppendI2OSP2(&derive_input, info.size());
  derive_input.append(info.data(), info.size());
  const std::string dst = "DeriveKeyPair" + ContextString(mode);
  for (int counter = 0; counter <= 255; ++counter) {
    std::string in = derive_input;
    in.push_back(static_cast<char>(counter));
    Scalar sk = HashToScalar(in, dst);
    Wipe(in);
    if (!sodium_is_zero(sk.data(), kScalarSize)) {
      Wipe(derive_input);
      return OprfKey(std::move(sk));
    }
  }
  Wipe(derive_input);
  return absl::InternalError("DeriveKeyPair: no non-zero scalar found");
}

absl::StatusOr<OprfKey> OprfKey::FromSecret(absl::string_view secret) {
  auto s = Scalar::FromBytes(secret);
  if (!s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("OPRF key: ", s.status().message()));
  }
  return OprfKey(*std::move(s));
}

OprfKey OprfKey::Generate() { return OprfKey(Scalar::Random()); }

absl::StatusOr<std::string> OprfKey::Evaluate(
    absl::string_view blinded_element) const {
  if (blinded_element.size() != kElementSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("blinded element: ", blinded_element.size(), " bytes, want 32"));
  }
  // crypto_scalarmult_ristretto255 decodes the element itself and fails on a
  // non-canonical encoding or an identity result, so the valid path decodes
  // once; the precise reason is worked out only for a failure.
  std::string out(kElementSize, '\0');
  if (crypto_scalarmult_ristretto255(reinterpret_cast<unsigned char*>(out.data()),
                                     secret_.data(), U(blinded_element)) != 0) {
    absl::Status s = CheckElement(blinded_element, "blinded element");
    return s.ok() ? absl::InvalidArgumentError("blinded element: evaluates to the identity") : s;
  }
  return out;
}

std::string OprfKey::KeyId() const { return ToHex(Sha256(public_key_).substr(0, 8)); }

namespace {
std::string FinalizeHash(absl::string_view input, absl::string_view unblinded) {
  std::string hash_input;
  hash_input.reserve(input.size() + unblinded.size() + 12);
  AppendI2OSP2(&hash_input, input.size());
  hash_input.append(input.data(), input.size());
  AppendI2OSP2(&hash_input, unblinded.size());
  hash_input.append(unblinded.data(), unblinded.size());
  hash_input.append("Finalize");
  return Sha512(hash_input);
}

absl::Status CheckInput(absl::string_view input) {
  if (input.size() > 0xffff) {
    return absl::InvalidArgumentError("OPRF input: longer than 65535 bytes");
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::string> OprfKey::Prf(absl::string_view input, OprfMode mode) const {
  if (absl::Status s = CheckInput(input); !s.ok()) return s;
  const std::string p = HashToGroup(input, mode);
  std::string z(kElementSize, '\0');
  if (crypto_scalarmult_ristretto255(reinterpret_cast<unsigned char*>(z.data()),
                                     secret_.data(), U(p)) != 0) {
    return absl::InvalidArgumentError("OPRF input: hashes to the identity");
  }
  return FinalizeHash(input, z);
}

absl::StatusOr<BlindedInput> BlindWith(absl::string_view input, Scalar blind, OprfMode mode) {
  if (absl::Status s = CheckInput(input); !s.ok()) return s;
  const std::string p = HashToGroup(input, mode);
  if (sodium_is_zero(U(p), p.size())) {
    return absl::InvalidArgumentError("OPRF input: hashes to the identity");
  }
  BlindedInput out{std::move(blind), std::string(kElementSize, '\0')};
  if (crypto_scalarmult_ristretto255(
          reinterpret_cast<unsigned char*>(out.blinded_element.data()),
          out.blind.data(), U(p)) != 0) {
    return absl::InvalidArgumentError("OPRF blind: result is the identity");
  }
  return out;
}

absl::StatusOr<BlindedInput> Blind(absl::string_view input, OprfMode mode) {
  return BlindWith(input, Scalar::Random(), mode);
}

absl::StatusOr<std::string> Finalize(absl::string_view input, const Scalar& blind,
                                     absl::string_view evaluated_element) {
  if (absl::Status s = CheckInput(input); !s.ok()) return s;
  if (absl::Status s = CheckElement(evaluated_element, "evaluated element");
      !s.ok())
    return s;
  Scalar inverse;
  if (crypto_core_ristretto255_scalar_invert(inverse.mutable_data(),
                                             blind.data()) != 0) {
    return absl::InvalidArgumentError("blind: zero has no inverse");
  }
  std::string unblinded(kElementSize, '\0');
  if (crypto_scalarmult_ristretto255(
          reinterpret_cast<unsigned char*>(unblinded.data()), inverse.data(),
          U(evaluated_element)) != 0) {
    return absl::InvalidArgumentError("evaluated element: unblinds to the identity");
  }
  return FinalizeHash(input, unblinded);
}

}  // namespace riec::crypto
