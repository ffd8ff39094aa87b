#include "core/key_store.h"

#include <sys/stat.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "riec/common/file.h"
#include "riec/crypto/sodium.h"

namespace riec::core {

namespace {

struct Secret {
  std::string bytes;
  bool created = false;
};

// Reads a mode-0600 key file, or writes `generate()` to it if absent.
absl::StatusOr<Secret> LoadOrCreateSecret(const std::string& dir, const std::string& name,
                                          const std::function<std::string()>& generate) {
  const std::string path = dir + "/" + name;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (::stat(dir.c_str(), &st) != 0) {
      if (absl::Status s = MakeDirectories(dir, 0700); !s.ok()) return s;
    }
    Secret fresh{generate(), true};
    if (absl::Status s = WriteFileAtomically(path, fresh.bytes, 0600); !s.ok()) {
      crypto::Wipe(fresh.bytes);
      return s;
    }
    return fresh;
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key file ", path, " is readable by group or others (mode ",
        absl::StrFormat("%03o", st.st_mode & 0777), "); run: chmod 600 ", path));
  }
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return Secret{*std::move(bytes), false};
}

}  // namespace

absl::StatusOr<LoadedKey> LoadOrCreateOprfKey(const std::string& dir) {
  auto secret = LoadOrCreateSecret(dir, "oprf.key", [] {
    return crypto::OprfKey::Generate().ExportSecret();
  });
  if (!secret.ok()) return secret.status();
  auto key = crypto::OprfKey::FromSecret(secret->bytes);
  crypto::Wipe(secret->bytes);
  if (!key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file ", dir, "/oprf.key: ", key.status().message()));
  }
  return LoadedKey{*std::move(key), secret->created};
}

absl::StatusOr<LoadedSigningKey> LoadOrCreateSigningKey(const std::string& dir) {
  auto secret = LoadOrCreateSecret(dir, "log-signing.key", [] {
    return crypto::SigningKey::Generate().ExportSeed();
  });
  if (!secret.ok()) return secret.status();
  auto key = crypto::SigningKey::FromSeed(secret->bytes);
  crypto::Wipe(secret->bytes);
  if (!key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file ", dir, "/log-signing.key: ", key.status().message()));
  }
  return LoadedSigningKey{*std::move(key), secret->created};
}

}  // namespace riec::core
