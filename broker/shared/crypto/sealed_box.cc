#include "riec/crypto/sealed_box.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"

namespace riec::crypto {

BoxKeyPair GenerateBoxKeyPair() {
  BoxKeyPair k{std::string(crypto_box_PUBLICKEYBYTES, '\0'), SecretBytes::Zeros(crypto_box_SECRETKEYBYTES)};
  crypto_box_keypair(reinterpret_cast<unsigned char*>(k.public_key.data()),
                     k.secret_key.mutable_data());
  return k;
}

std::string BoxKeyId(absl::string_view public_key) { return ToHex(Sha256(public_key).substr(0, 8)); }

absl::StatusOr<std::string> Seal(absl::string_view public_key, absl::string_view message) {
  if (public_key.size() != crypto_box_PUBLICKEYBYTES) {
    return absl::InvalidArgumentError(absl::StrCat("public key: ", public_key.size(), " bytes, want 32"));
  }
  std::string out(message.size() + crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                      reinterpret_cast<const unsigned char*>(public_key.data())) != 0) {
    return absl::InternalError("crypto_box_seal failed");
  }
  return out;
}

absl::StatusOr<std::string> OpenSealed(absl::string_view public_key, absl::string_view secret_key,
                                       absl::string_view sealed) {
  if (public_key.size() != crypto_box_PUBLICKEYBYTES || secret_key.size() != crypto_box_SECRETKEYBYTES ||
      sealed.size() < crypto_box_SEALBYTES) {
    return absl::InvalidArgumentError("sealed box: wrong key or box size");
  }
  std::string out(sealed.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           reinterpret_cast<const unsigned char*>(public_key.data()),
                           reinterpret_cast<const unsigned char*>(secret_key.data())) != 0) {
    return absl::DataLossError("the sealed content does not open with this key (wrong key, or altered)");
  }
  return out;
}

absl::StatusOr<std::string> KeyProof(absl::string_view secret_key, absl::string_view peer_public_key,
                                     absl::string_view request_id) {
  if (secret_key.size() != crypto_scalarmult_SCALARBYTES ||
      peer_public_key.size() != crypto_scalarmult_BYTES) {
    return absl::InvalidArgumentError("key proof: keys of 32 bytes expected");
  }
  std::string shared(crypto_scalarmult_BYTES, '\0');
  if (crypto_scalarmult(reinterpret_cast<unsigned char*>(shared.data()),
                        reinterpret_cast<const unsigned char*>(secret_key.data()),
                        reinterpret_cast<const unsigned char*>(peer_public_key.data())) != 0) {
    return absl::InvalidArgumentError("key proof: the public key is a low-order point");
  }
  std::string proof = Sha256(absl::StrCat("riec-fetch-proof-v1", request_id, shared));
  Wipe(shared);
  return proof;
}

}  // namespace riec::crypto
