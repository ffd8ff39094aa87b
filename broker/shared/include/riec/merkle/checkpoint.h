// Tree heads as C2SP checkpoints (c2sp.org/tlog-checkpoint) in the signed
// note format (c2sp.org/signed-note), Ed25519 note signatures (type 0x01)
// by the log, and timestamped Ed25519 cosignatures (c2sp.org/
// tlog-cosignature, type 0x04) by witnesses. docs/log-format.md §5.1 gives
// the origin, key names and key ids the broker uses.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_MERKLE_CHECKPOINT_H_
#define RIEC_BROKER_MERKLE_CHECKPOINT_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace riec::merkle {

inline constexpr uint8_t kNoteEd25519 = 0x01;
inline constexpr uint8_t kCosignatureEd25519 = 0x04;

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root;  // 32 bytes
};

// "<origin>\n<size>\n<base64 root>\n": the note text of a checkpoint.
std::string CheckpointBody(const Checkpoint& c);
// Parses a note text as a checkpoint (extension lines are refused: the
// broker writes none). INVALID_ARGUMENT naming the line.
absl::StatusOr<Checkpoint> ParseCheckpointBody(absl::string_view body);

// SHA-256(name || 0x0A || type || public key)[:4], big-endian.
uint32_t NoteKeyId(absl::string_view name, uint8_t type, absl::string_view public_key);

// "<name>+<8 hex key id>+<base64(type || public key)>".
std::string Vkey(absl::string_view name, uint8_t type, absl::string_view public_key);
struct Verifier {
  std::string name;
  uint32_t key_id = 0;
  uint8_t type = 0;
  std::string public_key;  // 32 bytes
};
absl::StatusOr<Verifier> ParseVkey(absl::string_view vkey);

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // after the key id
};
struct Note {
  std::string body;  // the text, final newline included
  std::vector<NoteSignature> signatures;
};
// Parses a signed note. INVALID_ARGUMENT if it is not one (no blank line
// before the signatures, a malformed signature line, control characters,
// more than 64 signatures).
absl::StatusOr<Note> ParseNote(absl::string_view text);
std::string FormatNote(const Note& note);
std::string SignatureLine(const NoteSignature& s);

// The log's signature of a checkpoint body: an Ed25519 note signature.
NoteSignature SignCheckpoint(absl::string_view body, absl::string_view name, absl::string_view public_key,
                             const std::function<std::string(absl::string_view)>& sign);

// The message a witness signs (c2sp.org/tlog-cosignature, Ed25519):
// "cosignature/v1\ntime <timestamp>\n" || body.
std::string CosignedMessage(absl::string_view body, uint64_t timestamp);
// A cosignature line's signature: timestamp (8 bytes BE) || Ed25519 signature.
NoteSignature Cosign(absl::string_view body, uint64_t timestamp, absl::string_view name,
                     absl::string_view public_key, const std::function<std::string(absl::string_view)>& sign);

// The signatures of `note` made by `v` that verify: for a note signature
// (type 0x01) the signature over the body; for a cosignature (type 0x04)
// the timestamped signature, whose timestamp is returned. nullopt if the
// note carries no signature of `v`'s name and key id; an error if it does
// and it fails to verify (the note is then not to be trusted at all).
struct Verified {
  uint64_t timestamp = 0;  // cosignatures only
};
absl::StatusOr<std::optional<Verified>> VerifyNote(const Note& note, const Verifier& v);

}  // namespace riec::merkle

#endif  // RIEC_BROKER_MERKLE_CHECKPOINT_H_
