// libsodium initialisation and small primitives used across the broker and
// the client SDK.
//
// Thread-safety: all functions are safe for concurrent use once
// InitCrypto() has returned OK (it is idempotent and itself thread-safe).
#ifndef RIEC_BROKER_CRYPTO_SODIUM_H_
#define RIEC_BROKER_CRYPTO_SODIUM_H_

#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace riec::crypto {

// Initialises libsodium. INTERNAL if the library cannot start (no entropy).
absl::Status InitCrypto();

// SHA-256 and SHA-512 of `data`, raw bytes.
std::string Sha256(absl::string_view data);
std::string Sha512(absl::string_view data);

// Standard base64 (RFC 4648 §4, with padding) of `bytes`, and back: nullopt
// for anything that is not exactly that encoding.
std::string Base64(absl::string_view bytes);
std::optional<std::string> FromBase64(absl::string_view text);

// `n` bytes from the operating system's CSPRNG.
std::string RandomBytes(size_t n);

// Overwrites `s` with zeros in a way the compiler cannot elide.
void Wipe(std::string& s);

// Constant-time comparison of two equal-length strings; false if lengths
// differ. Security: timing depends only on the length.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace riec::crypto

#endif  // RIEC_BROKER_CRYPTO_SODIUM_H_
