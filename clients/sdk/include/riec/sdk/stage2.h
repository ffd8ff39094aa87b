// Stage 2 on the partner's side: the keyring that holds its X25519 secret
// keys, sealing content for a request, and opening what it fetched. The
// broker never sees a secret key or content in the clear (docs/stage2.md).
//
// Thread-safety: Keyring reads and writes files; use one instance per
// process. The functions are otherwise pure or make one call each.
#ifndef RIEC_SDK_STAGE2_H_
#define RIEC_SDK_STAGE2_H_

#include <string>
#include <vector>

#include "riec/crypto/secret_bytes.h"
#include "absl/status/statusor.h"
#include "riec/sdk/api.h"

namespace riec::sdk {

// Most content one request may carry, before sealing (content.proto).
inline constexpr uint64_t kMaxContentSize = 16u << 20;

// A partner's encryption keys in a directory (mode 0700):
//   <key id>.key   the 32-byte X25519 secret key, hex, mode 0600
//   <key id>.pub   the 32-byte public key, hex
//   current        the key id registered last
// Earlier keys stay, so content sealed to them can still be opened.
class Keyring {
 public:
  explicit Keyring(std::string dir) : dir_(std::move(dir)) {}

  // $RIEC_KEYRING, else ~/.local/share/riec/keyring.
  static std::string DefaultDir();

  // Generates a key pair and writes its files; does not make it current.
  // Returns its key id.
  absl::StatusOr<std::string> Generate();
  // The public key of a key id, and its secret key (wipe after use).
  absl::StatusOr<std::string> PublicKey(const std::string& key_id) const;
  absl::StatusOr<crypto::SecretBytes> SecretKey(const std::string& key_id) const;
  // The current key id; NOT_FOUND if there is none.
  absl::StatusOr<std::string> Current() const;
  absl::Status SetCurrent(const std::string& key_id);
  // Every key id in the directory, sorted.
  absl::StatusOr<std::vector<std::string>> List() const;

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// Registers the keyring's current key, generating one first if there is
// none (`rotate`: always a new one). The new key becomes current only once
// the broker accepted it.
absl::StatusOr<v1::EncryptionKey> RegisterKeyringKey(Api& client, Keyring& keyring, bool rotate);

// Seals `content` to the request's requester key and provides it. Refuses
// locally if the request's key id does not match its public key.
absl::StatusOr<v1::ContentRequest> ProvideSealed(Api& client, const v1::ContentRequest& request,
                                                 const std::string& content,
                                                 const std::string& category,
                                                 const std::vector<std::string>& use_conditions);

struct OpenedContent {
  v1::ContentRequest request;
  std::string content;
  std::vector<std::string> use_conditions;
};

// Fetches a request's content (once) and opens it with the keyring. Checks
// first that the keyring holds the key the content is sealed to, so that
// content is never fetched that cannot be opened; after opening checks the
// size and SHA-256 the holder stated (DATA_LOSS if they differ).
absl::StatusOr<OpenedContent> FetchAndOpen(Api& client, const Keyring& keyring,
                                           const std::string& request_id);

}  // namespace riec::sdk

#endif  // RIEC_SDK_STAGE2_H_
