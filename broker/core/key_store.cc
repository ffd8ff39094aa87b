#include "core/key_store.h"

#include <sys/stat.h>

#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/secret_bytes.h"
#include "riec/crypto/sodium.h"

namespace riec::core {

namespace {

struct Secret {
  crypto::SecretBytes bytes;
  bool created = false;
};

// Reads a mode-0600 key file, or writes `generate()` to it if absent.
absl::StatusOr<Secret> LoadOrCreateSecret(const std::string& dir, const std::string& name,
                                          const std::function<crypto::SecretBytes()>& generate) {
  const std::string path = dir + "/" + name;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (::stat(dir.c_str(), &st) != 0) {
      if (absl::Status s = MakeDirectories(dir, 0700); !s.ok()) return s;
    }
    Secret fresh{generate(), true};
    if (absl::Status s = WriteFileAtomically(path, fresh.bytes, 0600); !s.ok()) return s;
    return fresh;
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "key file ", path, " is readable by group or others (mode ",
        absl::StrFormat("%03o", st.st_mode & 0777), "); run: chmod 600 ", path));
  }
  auto bytes = crypto::ReadSecretFile(path);
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
  if (!key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file ", dir, "/oprf.key: ", key.status().message()));
  }
  LoadedKey loaded{*std::move(key), secret->created, std::nullopt};
  auto share_text = ReadFile(dir + "/oprf-share.txt");
  if (!share_text.ok()) {
    if (share_text.status().code() == absl::StatusCode::kNotFound) return loaded;
    return share_text.status();
  }
  if (secret->created) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, "/oprf-share.txt names a key share, but there was no oprf.key: restore the share's key"));
  }
  OprfShare share;
  for (absl::string_view line : absl::StrSplit(*share_text, '\n', absl::SkipEmpty())) {
    if (absl::ConsumePrefix(&line, "index ")) {
      (void)absl::SimpleAtoi(line, &share.index);
    } else if (absl::ConsumePrefix(&line, "threshold ")) {
      (void)absl::SimpleAtoi(line, &share.threshold);
    } else if (absl::ConsumePrefix(&line, "group ")) {
      share.group_public_key = FromHex(line).value_or("");
    }
  }
  if (share.index == 0 || share.threshold < 2 || share.group_public_key.size() != 32) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, "/oprf-share.txt: want lines 'index I', 'threshold T' (2 or more) and 'group <64 hex>'"));
  }
  loaded.share = std::move(share);
  return loaded;
}

absl::Status WriteOprfShare(const std::string& dir, const crypto::OprfKey& share_key, const OprfShare& share) {
  if (absl::Status s = MakeDirectories(dir, 0700); !s.ok()) return s;
  struct stat st;
  if (::stat((dir + "/oprf.key").c_str(), &st) == 0) {
    return absl::FailedPreconditionError(absl::StrCat(dir, "/oprf.key exists; not overwriting a key"));
  }
  if (absl::Status s = WriteFileAtomically(dir + "/oprf.key", share_key.ExportSecret(), 0600); !s.ok()) return s;
  return WriteFileAtomically(dir + "/oprf-share.txt",
                             absl::StrCat("index ", share.index, "\nthreshold ", share.threshold, "\ngroup ",
                                          ToHex(share.group_public_key), "\n"),
                             0600);
}

absl::StatusOr<LoadedSigningKey> LoadOrCreateSigningKey(const std::string& dir) {
  auto secret = LoadOrCreateSecret(dir, "log-signing.key", [] {
    return crypto::SigningKey::Generate().ExportSeed();
  });
  if (!secret.ok()) return secret.status();
  auto key = crypto::SigningKey::FromSeed(secret->bytes);
  if (!key.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("key file ", dir, "/log-signing.key: ", key.status().message()));
  }
  return LoadedSigningKey{*std::move(key), secret->created};
}

}  // namespace riec::core
