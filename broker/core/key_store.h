// The broker's key directory. The OPRF key lives in <dir>/oprf.key: 32 raw
// bytes, the secret scalar skS, mode 0600 in a directory of mode 0700. It is
// created on first start and reused afterwards; a key file that others may
// read is refused (like ssh does), so a misconfigured host fails loudly.
//
// Thread-safety: functions only; call at start-up.
#ifndef RIEC_BROKER_CORE_KEY_STORE_H_
#define RIEC_BROKER_CORE_KEY_STORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "broker/crypto/oprf.h"

namespace riec::core {

struct LoadedKey {
  crypto::OprfKey key;
  bool created = false;  // true if this call generated it
};

// Loads <dir>/oprf.key, creating the directory and a fresh key if absent.
// FAILED_PRECONDITION if the file has the wrong size or permissions that let
// group or others read it.
absl::StatusOr<LoadedKey> LoadOrCreateOprfKey(const std::string& dir);

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_KEY_STORE_H_
