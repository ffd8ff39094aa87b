#include "riec/crypto/signing.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "riec/crypto/sodium.h"

namespace riec::crypto {

absl::StatusOr<SigningKey> SigningKey::FromSeed(absl::string_view seed) {
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return absl::InvalidArgumentError(absl::StrCat("signing key seed: ", seed.size(), " bytes, want 32"));
  }
  SigningKey k;
  k.secret_ = SecretBytes::Zeros(crypto_sign_SECRETKEYBYTES);
  k.public_key_.assign(crypto_sign_PUBLICKEYBYTES, '\0');
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(k.public_key_.data()), k.secret_.mutable_data(),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  return k;
}

SigningKey SigningKey::Generate() {
  SecretBytes seed(RandomBytes(crypto_sign_SEEDBYTES));
  return *FromSeed(seed);
}

std::string SigningKey::Sign(absl::string_view message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(secret_.view().data()));
  return sig;
}

SecretBytes SigningKey::ExportSeed() const { return SecretBytes::Copy(secret_.view().substr(0, crypto_sign_SEEDBYTES)); }

bool VerifySignature(absl::string_view public_key, absl::string_view message,
                     absl::string_view signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

}  // namespace riec::crypto
