#include "riec/crypto/secret_bytes.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

#include "riec/common/file.h"
#include "riec/crypto/sodium.h"

namespace riec::crypto {

SecretBytes::SecretBytes(std::string&& bytes) : bytes_(bytes.begin(), bytes.end()) { crypto::Wipe(bytes); }

SecretBytes SecretBytes::Copy(absl::string_view bytes) {
  SecretBytes s;
  s.bytes_.assign(bytes.begin(), bytes.end());
  return s;
}

SecretBytes SecretBytes::Zeros(size_t n) {
  SecretBytes s;
  s.bytes_.assign(n, '\0');
  return s;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

SecretBytes::~SecretBytes() { Wipe(); }

void SecretBytes::Wipe() {
  if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
  bytes_.clear();
}

// Read straight into one buffer of the file's size: no intermediate copy,
// no reallocation leaving the secret in freed memory.
absl::StatusOr<SecretBytes> ReadSecretFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("cannot open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    absl::Status s = ErrnoError("cannot stat", path);
    ::close(fd);
    return s;
  }
  if (!S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a key file (a regular file of at most 1 MiB)"));
  }
  SecretBytes out = SecretBytes::Zeros(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.mutable_data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = ErrnoError("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;  // shrank meanwhile
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (done != out.size()) return absl::DataLossError(absl::StrCat(path, ": changed while it was read"));
  return out;
}

absl::StatusOr<SecretBytes> ReadSecretSettingFile(const std::string& path, const std::string& setting) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(setting, ": not set"));
  auto secret = ReadSecretFile(path);
  if (!secret.ok()) {
    return absl::Status(secret.status().code(), absl::StrCat(setting, ": ", secret.status().message()));
  }
  return secret;
}

}  // namespace riec::crypto
