// Lower-case hexadecimal encoding of byte strings.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_COMMON_HEX_H_
#define RIEC_BROKER_COMMON_HEX_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace riec {

// Returns the lower-case hex encoding of `bytes`.
std::string ToHex(absl::string_view bytes);

// Decodes hex (either case, no separators). INVALID_ARGUMENT on an odd length
// or a character that is not a hex digit; the message names its position.
absl::StatusOr<std::string> FromHex(absl::string_view hex);

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_HEX_H_
