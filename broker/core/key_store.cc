#include "broker/core/key_store.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "broker/common/file.h"
#include "broker/crypto/sodium.h"

namespace riec::core {

absl::StatusOr<LoadedKey> LoadOrCreateOprfKey(const std::string& dir) {
  const std::string path = dir + "/oprf.key";
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (::stat(dir.c_str(), &st) != 0) {
      if (absl::Status s = MakeDirectories(dir, 0700); !s.ok()) return s;
    }
    crypto::OprfKey key = crypto::OprfKey::Generate();
    std::string secret = key.ExportSecret();
    absl::Status w = WriteFileAtomically(path, secret, 0600);
    crypto::Wipe(secret);
    if (!w.ok()) return w;
    return LoadedKey{std::move(key), true};
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key file ", path, " is readable by group or others (mode ",
        absl::StrFormat("%03o", st.st_mode & 0777), "); run: chmod 600 ", path));
  }
  auto secret = ReadFile(path);
  if (!secret.ok()) return secret.status();
  auto key = crypto::OprfKey::FromSecret(*secret);
  crypto::Wipe(*secret);
  if (!key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file ", path, ": ", key.status().message()));
  }
  return LoadedKey{*std::move(key), false};
}

}  // namespace riec::core
