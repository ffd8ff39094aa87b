#include "server/key_ceremony.h"

#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "core/key_store.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"
#include "riec/crypto/voprf.h"

namespace riec::server {

int SplitOprfKey(uint32_t threshold, uint32_t shares, const std::string& out, const std::string& from_key_dir,
                 std::ostream& report) {
  auto fail = [](const std::string& why) {
    std::cerr << "riec-broker: pseudonymiser keygen: " << why << "\n";
    return 1;
  };
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return fail(std::string(s.message()));
  if (std::filesystem::exists(out)) return fail(absl::StrCat(out, " exists; give a new directory"));
  std::optional<crypto::OprfKey> key;
  if (from_key_dir.empty()) {
    key.emplace(crypto::OprfKey::Generate());
  } else {
    if (!std::filesystem::exists(from_key_dir + "/oprf.key")) {
      return fail(absl::StrCat(from_key_dir, "/oprf.key does not exist"));
    }
    auto loaded = core::LoadOrCreateOprfKey(from_key_dir);
    if (!loaded.ok()) return fail(std::string(loaded.status().message()));
    if (loaded->share) return fail(absl::StrCat(from_key_dir, " holds a share, not a whole key"));
    key.emplace(std::move(loaded->key));
  }
  auto split = crypto::SplitKey(*key, threshold, shares);
  if (!split.ok()) return fail(std::string(split.status().message()));
  const std::string group = key->public_key();
  const std::string key_id = key->KeyId();
  key.reset();  // the whole key leaves memory (Scalar wipes itself)

  std::string public_yaml = absl::StrCat(
      "# Threshold Pseudonymiser of key ", key_id, ": ", threshold, " of ", shares,
      " (riec-broker pseudonymiser keygen).\n# Client configuration (docs/api.md): replace each address.\n",
      "pseudonymiser_key: ", ToHex(group), "\nthreshold: ", threshold, "\npseudonymisers:\n");
  for (const auto& share : *split) {
    const std::string dir = absl::StrCat(out, "/share-", share.index);
    core::OprfShare info{share.index, threshold, group};
    if (absl::Status s = core::WriteOprfShare(dir, share.key, info); !s.ok()) return fail(std::string(s.message()));
    absl::StrAppend(&public_yaml, "  - {address: \"host-of-share-", share.index, ":7443\", index: ", share.index,
                    ", public_share: ", ToHex(share.key.public_key()), "}\n");
  }
  if (absl::Status s = WriteFileAtomically(out + "/public.yaml", public_yaml, 0644); !s.ok()) {
    return fail(std::string(s.message()));
  }
  report << "split key " << key_id << " into " << shares << " shares, any " << threshold << " of which answer:\n";
  for (const auto& share : *split) {
    report << "  " << out << "/share-" << share.index << "/  -> the key directory of instance " << share.index
           << " (public share " << share.key.KeyId() << ")\n";
  }
  report << "  " << out << "/public.yaml -> the partners' client configuration\n"
         << "Hand each share directory to its operator over a secure channel, then delete " << out
         << (from_key_dir.empty() ? std::string() : absl::StrCat(" and ", from_key_dir, "/oprf.key"))
         << ": whoever keeps a copy keeps the whole key.\n";
  return 0;
}

}  // namespace riec::server
