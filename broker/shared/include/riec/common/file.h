// Small file helpers with absl::Status errors that name the path.
//
// Thread-safety: pure functions over the file system.
#ifndef RIEC_BROKER_COMMON_FILE_H_
#define RIEC_BROKER_COMMON_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riec {

// Reads a whole file. NOT_FOUND if it does not exist, else the errno text.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// "<what> <path>: <strerror(errno)>" with NOT_FOUND for ENOENT,
// PERMISSION_DENIED for EACCES/EPERM, INTERNAL otherwise.
absl::Status ErrnoError(const std::string& what, const std::string& path);

// Reads the file a setting names. INVALID_ARGUMENT "<setting>: not set" for
// an empty path; otherwise ReadFile's errors prefixed with "<setting>: ".
absl::StatusOr<std::string> ReadSettingFile(const std::string& path,
                                            const std::string& setting);

// Writes `content` to `path` with permission bits `mode` through a temporary
// file, fsync and rename: readers see the old file or the new one, never a
// part. The directory is fsynced too.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content, int mode);

// Creates `path` and missing parents with permission bits `mode`.
absl::Status MakeDirectories(const std::string& path, int mode);

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_FILE_H_
