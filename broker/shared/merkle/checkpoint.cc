#include "riec/merkle/checkpoint.h"

#include <sodium.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "riec/common/hex.h"
#include "riec/crypto/signing.h"
#include "riec/crypto/sodium.h"

namespace riec::merkle {
namespace {

constexpr absl::string_view kDash = "\xE2\x80\x94";  // U+2014
constexpr size_t kMaxSignatures = 64;

std::string BigEndian32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
}
std::string BigEndian64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<char>(v & 0xff);
  return out;
}
uint64_t ReadBigEndian(absl::string_view b) {
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

bool ValidName(absl::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == '+' || c == 0x7f) return false;
  }
  return true;
}

bool DecimalNoLeadingZero(absl::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(s, out);
}

}  // namespace

std::string CheckpointBody(const Checkpoint& c) {
  return absl::StrCat(c.origin, "\n", c.size, "\n", crypto::Base64(c.root), "\n");
}

absl::StatusOr<Checkpoint> ParseCheckpointBody(absl::string_view body) {
  if (body.empty() || body.back() != '\n') return absl::InvalidArgumentError("checkpoint: not newline-terminated");
  std::vector<absl::string_view> lines = absl::StrSplit(body.substr(0, body.size() - 1), '\n');
  if (lines.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", lines.size(), " lines, want 3 (origin, size, root)"));
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  if (c.origin.empty()) return absl::InvalidArgumentError("checkpoint line 1: empty origin");
  if (!DecimalNoLeadingZero(lines[1], &c.size)) {
    return absl::InvalidArgumentError("checkpoint line 2: not a tree size");
  }
  auto root = crypto::FromBase64(lines[2]);
  if (!root || root->size() != 32) return absl::InvalidArgumentError("checkpoint line 3: not a base64 SHA-256 root");
  c.root = *std::move(root);
  return c;
}

uint32_t NoteKeyId(absl::string_view name, uint8_t type, absl::string_view public_key) {
  std::string in(name);
  in.push_back('\n');
  in.push_back(static_cast<char>(type));
  in.append(public_key.data(), public_key.size());
  return static_cast<uint32_t>(ReadBigEndian(crypto::Sha256(in).substr(0, 4)));
}

std::string Vkey(absl::string_view name, uint8_t type, absl::string_view public_key) {
  std::string material(1, static_cast<char>(type));
  material.append(public_key.data(), public_key.size());
  return absl::StrCat(name, "+", ToHex(BigEndian32(NoteKeyId(name, type, public_key))), "+", crypto::Base64(material));
}

absl::StatusOr<Verifier> ParseVkey(absl::string_view vkey) {
  // The key's base64 may itself hold '+': split off name and key id only.
  std::vector<absl::string_view> parts = absl::StrSplit(vkey, absl::MaxSplits('+', 2));
  if (parts.size() != 3 || !ValidName(parts[0])) {
    return absl::InvalidArgumentError("vkey: want <name>+<key id hex>+<base64 key>");
  }
  auto id = FromHex(parts[1]);
  auto material = crypto::FromBase64(parts[2]);
  if (!id.ok() || id->size() != 4 || !material || material->size() != 33) {
    return absl::InvalidArgumentError("vkey: malformed key id or key");
  }
  Verifier v;
  v.name = std::string(parts[0]);
  v.type = static_cast<uint8_t>((*material)[0]);
  v.public_key = material->substr(1);
  v.key_id = static_cast<uint32_t>(ReadBigEndian(*id));
  if (v.type != kNoteEd25519 && v.type != kCosignatureEd25519) {
    return absl::InvalidArgumentError(absl::StrCat("vkey: signature type ", v.type, " is not supported"));
  }
  if (v.key_id != NoteKeyId(v.name, v.type, v.public_key)) {
    return absl::InvalidArgumentError("vkey: key id does not match the name and key");
  }
  return v;
}

std::string SignatureLine(const NoteSignature& s) {
  return absl::StrCat(kDash, " ", s.name, " ", crypto::Base64(BigEndian32(s.key_id) + s.signature), "\n");
}

std::string FormatNote(const Note& note) {
  std::string out = note.body + "\n";
  for (const auto& s : note.signatures) out += SignatureLine(s);
  return out;
}

absl::StatusOr<Note> ParseNote(absl::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 && c != '\n') return absl::InvalidArgumentError("note: control character");
  }
  const size_t split = text.rfind("\n\n");
  if (split == absl::string_view::npos || text.empty() || text.back() != '\n') {
    return absl::InvalidArgumentError("note: no blank line before the signatures");
  }
  Note note;
  note.body = std::string(text.substr(0, split + 1));
  absl::string_view sigs = text.substr(split + 2);
  for (absl::string_view line : absl::StrSplit(sigs.substr(0, sigs.size() - 1), '\n')) {
    if (note.signatures.size() == kMaxSignatures) return absl::InvalidArgumentError("note: too many signatures");
    if (line.substr(0, kDash.size()) != kDash || line.size() < kDash.size() + 2 || line[kDash.size()] != ' ') {
      return absl::InvalidArgumentError("note: a signature line does not start with an em dash");
    }
    absl::string_view rest = line.substr(kDash.size() + 1);
    const size_t space = rest.find(' ');
    if (space == absl::string_view::npos || !ValidName(rest.substr(0, space))) {
      return absl::InvalidArgumentError("note: malformed signature line");
    }
    auto raw = crypto::FromBase64(rest.substr(space + 1));
    if (!raw || raw->size() < 5) return absl::InvalidArgumentError("note: malformed signature");
    note.signatures.push_back(NoteSignature{std::string(rest.substr(0, space)),
                                            static_cast<uint32_t>(ReadBigEndian(raw->substr(0, 4))), raw->substr(4)});
  }
  if (note.signatures.empty()) return absl::InvalidArgumentError("note: no signature");
  return note;
}

NoteSignature SignCheckpoint(absl::string_view body, absl::string_view name, absl::string_view public_key,
                             const std::function<std::string(absl::string_view)>& sign) {
  return NoteSignature{std::string(name), NoteKeyId(name, kNoteEd25519, public_key), sign(body)};
}

std::string CosignedMessage(absl::string_view body, uint64_t timestamp) {
  return absl::StrCat("cosignature/v1\ntime ", timestamp, "\n", body);
}

NoteSignature Cosign(absl::string_view body, uint64_t timestamp, absl::string_view name,
                     absl::string_view public_key, const std::function<std::string(absl::string_view)>& sign) {
  return NoteSignature{std::string(name), NoteKeyId(name, kCosignatureEd25519, public_key),
                       BigEndian64(timestamp) + sign(CosignedMessage(body, timestamp))};
}

absl::StatusOr<std::optional<Verified>> VerifyNote(const Note& note, const Verifier& v) {
  std::optional<Verified> found;
  for (const auto& s : note.signatures) {
    if (s.name != v.name || s.key_id != v.key_id) continue;
    if (v.type == kNoteEd25519) {
      if (s.signature.size() != 64 || !crypto::VerifySignature(v.public_key, note.body, s.signature)) {
        return absl::PermissionDeniedError(absl::StrCat("the signature of ", v.name, " does not verify"));
      }
      found = Verified{};
    } else {
      if (s.signature.size() != 72) {
        return absl::PermissionDeniedError(absl::StrCat("the cosignature of ", v.name, " is malformed"));
      }
      const uint64_t ts = ReadBigEndian(s.signature.substr(0, 8));
      if (ts > static_cast<uint64_t>(INT64_MAX) ||
          !crypto::VerifySignature(v.public_key, CosignedMessage(note.body, ts), s.signature.substr(8))) {
        return absl::PermissionDeniedError(absl::StrCat("the cosignature of ", v.name, " does not verify"));
      }
      found = Verified{ts};
    }
  }
  return found;
}

}  // namespace riec::merkle
