// The broker's key directory (mode 0700), with a mode-0600 file per key:
//   oprf.key         32 bytes, the OPRF secret scalar skS (Pseudonymiser),
//                    or this instance's share of it
//   oprf-share.txt   only beside a share: "index I", "threshold T" and
//                    "group <hex of the group's public key>", one per line
//                    (written by `riec-broker pseudonymiser keygen`)
//   log-signing.key  32 bytes, the Ed25519 seed that signs tree heads
// Keys are created on first start and reused afterwards; a key file that
// others may read is refused (like ssh does), so a misconfigured host fails
// loudly.
//
// Thread-safety: functions only; call at start-up.
#ifndef RIEC_BROKER_CORE_KEY_STORE_H_
#define RIEC_BROKER_CORE_KEY_STORE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "riec/crypto/oprf.h"
#include "riec/crypto/signing.h"

namespace riec::core {

// A Pseudonymiser instance holding one Shamir share of the key
// (riec/crypto/voprf.h, docs/pseudonyms.md §5).
struct OprfShare {
  uint32_t index = 0;
  uint32_t threshold = 0;
  std::string group_public_key;
};

struct LoadedKey {
  crypto::OprfKey key;
  bool created = false;  // true if this call generated it
  std::optional<OprfShare> share;
};

// Writes a share's key directory (oprf.key and oprf-share.txt) into `dir`,
// which must not hold a key yet.
absl::Status WriteOprfShare(const std::string& dir, const crypto::OprfKey& share_key, const OprfShare& share);

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
