// Scope attestations: the log key's statement that a page of log entries is
// what a reader's scope allows of those records (docs/log-format.md §7).
// The signed bytes, from the page's entries in order:
//
//   "RIEC-SCOPE-v1" || 0x00 || scope || 0x00 || log_id (32) || tree_size (uint64 BE)
//   then per entry: index (uint64 BE) || status (1 byte, riec.v1.EntryStatus)
//                   || leaf_hash (32) || SHA-256 of the view bytes (32; zeros
//                   unless the status is PARTIAL)
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_MERKLE_ATTESTATION_H_
#define RIEC_BROKER_MERKLE_ATTESTATION_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace riec::merkle {

inline constexpr absl::string_view kAttestationDomain = "RIEC-SCOPE-v1";

class AttestationBuilder {
 public:
  AttestationBuilder(absl::string_view scope, absl::string_view log_id, uint64_t tree_size);
  // `view` is the bytes of a PARTIAL entry's view (ignored for others).
  void Add(uint64_t index, int status, absl::string_view leaf_hash, absl::string_view view);
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// The EntryStatus value of PARTIAL (riec.v1.EntryStatus).
inline constexpr int kPartialStatus = 4;

}  // namespace riec::merkle

#endif  // RIEC_BROKER_MERKLE_ATTESTATION_H_
