// The broker's key directory (mode 0700), with a mode-0600 file per key:
//   oprf.key         32 bytes, the OPRF secret scalar skS (Pseudonymiser)
//   log-signing.key  32 bytes, the Ed25519 seed that signs tree heads
// Keys are created on first start and reused afterwards; a key file that
// others may read is refused (like ssh does), so a misconfigured host fails
// loudly.
//
// Thread-safety: functions only; call at start-up.
#ifndef RIEC_BROKER_CORE_KEY_STORE_H_
#define RIEC_BROKER_CORE_KEY_STORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "riec/crypto/oprf.h"
#include "riec/crypto/signing.h"

namespace riec::core {

struct LoadedKey {
  crypto::OprfKey key;
  bool created = false;  // true if this call generated it
};

// Loads <dir>/oprf.key, creating the directory and a fresh key if absent.
// FAILED_PRECONDITION if the file has the wrong size or permissions that let
// group or others read it.
absl::StatusOr<LoadedKey> LoadOrCreateOprfKey(const std::string& dir);

struct LoadedSigningKey {
  crypto::SigningKey key;
  bool created = false;
};

// Loads <dir>/log-signing.key, creating it if absent; the same rules.
absl::StatusOr<LoadedSigningKey> LoadOrCreateSigningKey(const std::string& dir);

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_KEY_STORE_H_
