// Signed tree heads: the bytes that are signed (docs/log-format.md §5) and
// their verification. No I/O; the client SDK verifies with it.
//
//   "RIEC-STH-v1" || 0x00 || log_id (32) || tree_size (uint64 BE)
//   || timestamp_millis (uint64 BE) || root_hash (32)
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_MERKLE_TREE_HEAD_H_
#define RIEC_BROKER_MERKLE_TREE_HEAD_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace riec::merkle {

inline constexpr absl::string_view kTreeHeadDomain = "RIEC-STH-v1";

// The log id: SHA-256 of the Ed25519 public key.
std::string LogId(absl::string_view public_key);

std::string TreeHeadSignedBytes(absl::string_view log_id, uint64_t tree_size,
                                uint64_t timestamp_millis, absl::string_view root_hash);

// True if `signature` is the log key's signature of these fields and the
// log id belongs to the key.
bool VerifyTreeHead(absl::string_view public_key, absl::string_view log_id, uint64_t tree_size,
                    uint64_t timestamp_millis, absl::string_view root_hash,
                    absl::string_view signature);

}  // namespace riec::merkle

#endif  // RIEC_BROKER_MERKLE_TREE_HEAD_H_
