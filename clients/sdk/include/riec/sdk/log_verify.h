// Verifying the disclosure log from the outside (docs/log-format.md §5-9):
// the rules a privacy officer's client follows, so that an integrator gets
// them by linking the SDK.
//
//  * A tree head is accepted only with the pinned log key's signature, and
//    the trusted head advances only through a verified consistency proof:
//    a log that shrank (ROLLBACK) or whose history differs (REWRITTEN
//    HISTORY) is refused.
//  * Each entry is checked against its leaf: a record must hash to the
//    leaf's record_sha256 and carry its kind and time (ALTERED RECORD).
//  * A page's scope attestation must be the log key's signature over its
//    entries (SCOPE ATTESTATION): no entry relabelled, no view altered.
//  * An erased record must have been erased by a retention sweep at least
//    the retention in force after its time, and that retention at least the
//    legal minimum (PREMATURE ERASURE).
//
// Every failure is DATA_LOSS whose message begins with the capitalised
// name of what an auditor must act on.
//
// Thread-safety: a LogVerifier is used from one thread; the functions are
// pure or do file I/O on the paths given.
#ifndef RIEC_SDK_LOG_VERIFY_H_
#define RIEC_SDK_LOG_VERIFY_H_

#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "riec/merkle/checkpoint.h"
#include "riec/v1/transparency.pb.h"

namespace riec::sdk {

// OK if `head` is signed by `public_key`; otherwise DATA_LOSS saying why.
absl::Status VerifyTreeHead(const v1::SignedTreeHead& head, const std::string& public_key);

// Witnesses (docs/witness.md). A checkpoint (c2sp.org/tlog-checkpoint) of
// the log whose key is `public_key` has the origin "riec-log/<16 hex of the
// log id>" and the log's Ed25519 note signature; VerifyCheckpoint checks
// both and says which of `witness_vkeys` (C2SP verifier keys, type 0x04)
// cosigned it. DATA_LOSS beginning "FORGED CHECKPOINT" or "FORGED
// COSIGNATURE" for a signature that does not verify; INVALID_ARGUMENT for a
// malformed verifier key.
struct WitnessedCheckpoint {
  merkle::Checkpoint checkpoint;
  std::vector<std::string> cosigned;  // witness names
  std::vector<std::string> missing;
};
absl::StatusOr<WitnessedCheckpoint> VerifyCheckpoint(const std::string& note, const std::string& public_key,
                                                     const std::vector<std::string>& witness_vkeys);
// A head is witnessed when its checkpoint (SignedTreeHead.checkpoint)
// verifies, states the head's size and root, and carries the cosignatures
// of at least `quorum` of the witnesses; else DATA_LOSS beginning
// "UNWITNESSED" naming the witnesses whose cosignature is missing.
absl::StatusOr<WitnessedCheckpoint> CheckWitnesses(const v1::SignedTreeHead& head, const std::string& public_key,
                                                   const std::vector<std::string>& witness_vkeys, size_t quorum);
// The checkpoint origin of the log whose key is `public_key`.
std::string CheckpointOrigin(const std::string& public_key);

// The trusted head file: nullopt if there is none yet.
absl::StatusOr<std::optional<v1::TrustedTreeHead>> LoadTrustedHead(const std::string& path);
absl::Status SaveTrustedHead(const std::string& path, const v1::TrustedTreeHead& trusted);

// Where `riec audit verify` keeps the trusted head of a log:
// $XDG_STATE_HOME/riec (else ~/.local/state/riec)/trusted-head-<log id>.json
std::string DefaultTrustedHeadPath(const std::string& log_id);

class LogVerifier {
 public:
  // `public_key`: the log key the auditor pins. `trusted`: the head trusted
  // so far (nullopt on first use).
  LogVerifier(std::string public_key, std::optional<v1::SignedTreeHead> trusted);

  // Accepts `head` if it is signed by the pinned key and extends the trusted
  // head: `consistency` is the proof from the trusted size to head's size
  // (ignored on first use and when the sizes are equal).
  absl::Status Advance(const v1::SignedTreeHead& head, const std::vector<std::string>& consistency);
  // From now on Advance also requires CheckWitnesses(head, key, witnesses,
  // quorum) to pass: a head without the quorum is refused (UNWITNESSED).
  // INVALID_ARGUMENT for a malformed key or an impossible quorum.
  absl::Status RequireWitnesses(std::vector<std::string> witness_vkeys, size_t quorum);
  // The witnesses that cosigned the head last accepted (with witnesses).
  const std::vector<std::string>& cosigned_by() const { return cosigned_by_; }
  const std::optional<v1::SignedTreeHead>& trusted() const { return trusted_; }

  // Checks one entry against its leaf, and remembers what the erasure
  // check needs (sweeps seen, records erased).
  absl::Status CheckEntry(const v1::LogEntry& entry);
  // Checks the attestation of a page of entries (each already checked with
  // CheckEntry) for `scope` ("all" or a partner id; empty: any).
  absl::Status CheckAttestation(const v1::ScopeAttestation& attestation,
                                const google::protobuf::RepeatedPtrField<v1::LogEntry>& entries,
                                const std::string& scope) const;
  // Checks every erased record seen against the sweeps seen
  // (docs/log-format.md §8). With `complete` (every entry of the log was
  // checked: --full, an export), an erased record no readable sweep
  // accounts for is accepted only where a sweep whose own record was erased
  // since could have erased it lawfully (that sweep ran at least the legal
  // minimum after the record); otherwise, reading a sample, it must be at
  // least the legal minimum older than `now_millis` (the newest head's
  // time).
  absl::Status CheckErasures(uint64_t now_millis, bool complete = false) const;

  struct Counts {
    uint64_t present = 0, partial = 0, redacted = 0, withheld = 0, unreadable = 0;
  };
  const Counts& counts() const { return counts_; }

 private:
  std::string public_key_;
  std::string log_id_;
  std::optional<v1::SignedTreeHead> trusted_;
  std::vector<std::string> witnesses_;
  size_t quorum_ = 0;
  std::vector<std::string> cosigned_by_;
  Counts counts_;
  // Record index -> (sweep time µs, retention seconds) of the sweep that
  // says it erased it.
  std::map<uint64_t, std::pair<int64_t, int64_t>> swept_;
  // Erased record index -> its time (µs), from its leaf.
  std::map<uint64_t, int64_t> erased_;
  // Times (µs) of sweeps whose own record was erased.
  std::vector<int64_t> erased_sweeps_;
};

// Export files (docs/log-format.md §9): a header line, then per page of
// records one line per entry and the page's attestation line.
std::string ExportHeaderLine(const v1::ExportHeader& header);
std::string ExportEntryLine(const v1::LogEntry& entry);
std::string ExportAttestationLine(const v1::ScopeAttestation& attestation, uint64_t first,
                                  uint64_t count);

struct ExportReport {
  uint64_t records = 0;
  LogVerifier::Counts counts;
  v1::ExportHeader header;
  bool key_from_file = false;  // no pinned key was given
};

// Verifies an export file: strict JSON on every line; the head's signature
// (with `public_key`, or the file's own if empty); every entry against its
// leaf; every entry covered, in order, by an attestation of the header's
// scope; the indices 0..size-1 complete; erasures against the sweeps; and
// the root recomputed from all leaf hashes against the signed head.
// DATA_LOSS naming the first problem.
absl::StatusOr<ExportReport> VerifyExportFile(const std::string& path,
                                              const std::string& public_key);
// The same, from a stream of the file's lines.
absl::StatusOr<ExportReport> VerifyExport(std::istream& in, const std::string& public_key);

}  // namespace riec::sdk

#endif  // RIEC_SDK_LOG_VERIFY_H_
