// Secret bytes — key seeds, key scalars, X25519 secret keys, keyring
// exports, private-key PEM — in one type that cannot be copied by accident
// and wipes itself (sodium_memzero) when destroyed, moved from or
// reassigned. Read it through view() (or the implicit string_view, for the
// functions that take one); a std::string copy is explicit and the caller's
// to wipe.
//
// Thread-safety: like a std::string (const access from many threads).
#ifndef RIEC_BROKER_CRYPTO_SECRET_BYTES_H_
#define RIEC_BROKER_CRYPTO_SECRET_BYTES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riec::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // Takes the bytes and wipes `bytes` (the vector's buffer is never
  // reallocated, so no copy is left behind).
  explicit SecretBytes(std::string&& bytes);
  static SecretBytes Copy(absl::string_view bytes);

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();

  absl::string_view view() const { return absl::string_view(bytes_.data(), bytes_.size()); }
  operator absl::string_view() const { return view(); }  // NOLINT: reading is what it is for
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  // For libsodium calls that write the secret in place.
  unsigned char* mutable_data() { return reinterpret_cast<unsigned char*>(bytes_.data()); }
  static SecretBytes Zeros(size_t n);

 private:
  void Wipe();
  std::vector<char> bytes_;
};

// Reads a secret file (a key) into SecretBytes; ReadFile's errors. The
// second form is ReadSettingFile's: errors prefixed with "<setting>: ".
absl::StatusOr<SecretBytes> ReadSecretFile(const std::string& path);
absl::StatusOr<SecretBytes> ReadSecretSettingFile(const std::string& path, const std::string& setting);

}  // namespace riec::crypto

#endif  // RIEC_BROKER_CRYPTO_SECRET_BYTES_H_
