// Verifying the disclosure log from the outside (docs/log-format.md §5-8):
// tree-head signatures, the tree head a client trusts between runs, and
// export files that an auditor checks offline.
//
// Thread-safety: pure functions and file I/O on the paths given.
#ifndef RIEC_SDK_LOG_VERIFY_H_
#define RIEC_SDK_LOG_VERIFY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "riec/v1/transparency.pb.h"

namespace riec::sdk {

// OK if `head` is signed by `public_key`; otherwise DATA_LOSS saying why.
absl::Status VerifyTreeHead(const v1::SignedTreeHead& head, const std::string& public_key);

// The trusted head file: nullopt if there is none yet.
absl::StatusOr<std::optional<v1::TrustedTreeHead>> LoadTrustedHead(const std::string& path);
absl::Status SaveTrustedHead(const std::string& path, const v1::TrustedTreeHead& trusted);

// Where `riec audit verify` keeps the trusted head of a log:
// $XDG_STATE_HOME/riec (else ~/.local/state/riec)/trusted-head-<log id>.json
std::string DefaultTrustedHeadPath(const std::string& log_id);

// One line of an export file.
struct ExportEntry {
  uint64_t index = 0;
  std::string leaf_hash;
  v1::EntryStatus status = v1::ENTRY_STATUS_UNSPECIFIED;
  std::string record;  // bytes, if present
};

std::string ExportHeaderLine(const v1::ExportHeader& header);
std::string ExportEntryLine(const ExportEntry& entry);

struct ExportReport {
  uint64_t records = 0, present = 0, redacted = 0, withheld = 0;
  v1::ExportHeader header;
  bool key_from_file = false;  // no pinned key was given
};

// Verifies an export file: the head's signature (with `public_key`, or the
// file's own if empty), every present record against its leaf hash, the
// indices 0..size-1 complete and in order, and the root recomputed from all
// leaf hashes against the signed head. DATA_LOSS naming the first problem.
absl::StatusOr<ExportReport> VerifyExportFile(const std::string& path,
                                              const std::string& public_key);

}  // namespace riec::sdk

#endif  // RIEC_SDK_LOG_VERIFY_H_
