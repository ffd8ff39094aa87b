#include "witness/witness.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"
#include "riec/merkle/merkle.h"

namespace riec::witness {
namespace {

Response Reply(int status, std::string body) { return Response{status, "text/plain; charset=utf-8", std::move(body)}; }

}  // namespace

absl::StatusOr<std::unique_ptr<Witness>> Witness::Open(std::string name, crypto::SigningKey key,
                                                       std::string state_dir,
                                                       std::map<std::string, merkle::Verifier> logs,
                                                       std::function<uint64_t()> clock) {
  if (absl::Status s = MakeDirectories(state_dir + "/evidence", 0700); !s.ok()) return s;
  std::unique_ptr<Witness> w(
      new Witness(std::move(name), std::move(key), std::move(state_dir), std::move(logs), std::move(clock)));
  absl::MutexLock l(&w->mu_);
  for (const auto& [origin, unused] : w->logs_) {
    auto text = ReadFile(w->StatePath(origin));
    if (!text.ok()) {
      if (text.status().code() == absl::StatusCode::kNotFound) continue;
      return text.status();
    }
    auto note = merkle::ParseNote(*text);
    auto c = note.ok() ? merkle::ParseCheckpointBody(note->body) : absl::StatusOr<merkle::Checkpoint>(note.status());
    if (!c.ok() || c->origin != origin) {
      return absl::DataLossError(absl::StrCat(w->StatePath(origin), ": not the checkpoint of ", origin,
                                              " this witness cosigned (", c.status().message(), ")"));
    }
    w->latest_[origin] = *std::move(c);
  }
  return w;
}

std::string Witness::StatePath(const std::string& origin) const {
  return absl::StrCat(state_dir_, "/", ToHex(crypto::Sha256(origin)).substr(0, 16), ".checkpoint");
}

std::string Witness::Vkey() const { return merkle::Vkey(name_, merkle::kCosignatureEd25519, key_.public_key()); }

uint64_t Witness::LatestSize(const std::string& origin) const {
  absl::MutexLock l(&mu_);
  auto it = latest_.find(origin);
  return it == latest_.end() ? 0 : it->second.size;
}

void Witness::KeepEvidence(const std::string& origin, const std::string& body, const std::string& why) const {
  const std::string path = absl::StrCat(state_dir_, "/evidence/", clock_(), "-",
                                        ToHex(crypto::Sha256(body)).substr(0, 16), ".txt");
  (void)WriteFileAtomically(path, absl::StrCat("# refused for ", origin, ": ", why, "\n", body), 0600);
}

Response Witness::AddCheckpoint(const std::string& body) {
  // old <size>\n, proof lines, \n, checkpoint note.
  const size_t blank = body.find("\n\n");
  if (blank == std::string::npos) return Reply(400, "no empty line before the checkpoint\n");
  std::vector<absl::string_view> head = absl::StrSplit(absl::string_view(body).substr(0, blank), '\n');
  uint64_t old_size = 0;
  if (head.empty() || !absl::ConsumePrefix(&head[0], "old ") || !absl::SimpleAtoi(head[0], &old_size) ||
      (head[0].size() > 1 && head[0][0] == '0')) {
    return Reply(400, "the first line must be 'old <size>'\n");
  }
  if (head.size() - 1 > 63) return Reply(400, "more than 63 consistency proof lines\n");
  std::vector<std::string> proof;
  for (size_t i = 1; i < head.size(); ++i) {
    auto h = crypto::FromBase64(head[i]);
    if (!h || h->size() != 32) return Reply(400, absl::StrCat("proof line ", i, " is not a base64 hash\n"));
    proof.push_back(*std::move(h));
  }
  auto note = merkle::ParseNote(absl::string_view(body).substr(blank + 2));
  if (!note.ok()) return Reply(400, absl::StrCat(note.status().message(), "\n"));
  auto checkpoint = merkle::ParseCheckpointBody(note->body);
  if (!checkpoint.ok()) return Reply(400, absl::StrCat(checkpoint.status().message(), "\n"));
  auto log = logs_.find(checkpoint->origin);
  if (log == logs_.end()) return Reply(404, "unknown log origin\n");
  auto signed_by_log = merkle::VerifyNote(*note, log->second);
  if (!signed_by_log.ok() || !signed_by_log->has_value()) {
    return Reply(403, "the checkpoint carries no valid signature of the log's key\n");
  }
  if (old_size > checkpoint->size) return Reply(400, "old size is larger than the checkpoint's\n");

  absl::MutexLock l(&mu_);
  const merkle::Checkpoint* latest = nullptr;
  if (auto it = latest_.find(checkpoint->origin); it != latest_.end()) latest = &it->second;
  const uint64_t latest_size = latest ? latest->size : 0;
  if (old_size != latest_size) {
    return Response{409, "text/x.tlog.size", absl::StrCat(latest_size, "\n")};
  }
  if (checkpoint->size == 0 && checkpoint->root != merkle::EmptyRoot()) {
    return Reply(422, "a checkpoint of size 0 must have the empty tree's root\n");
  }
  if (old_size == 0) {
    if (!proof.empty()) return Reply(422, "a proof from size 0 must be empty\n");
  } else if (old_size == checkpoint->size) {
    if (checkpoint->root != latest->root) {
      KeepEvidence(checkpoint->origin, body, "same size, another root: the log shows two views");
      return Reply(422, "same size as the cosigned checkpoint, another root\n");
    }
  } else if (!merkle::VerifyConsistency(old_size, checkpoint->size, latest->root, checkpoint->root, proof)) {
    KeepEvidence(checkpoint->origin, body, "not consistent with the cosigned checkpoint");
    return Reply(422, "the consistency proof does not verify\n");
  }
  // Persist before answering.
  merkle::Note kept{note->body, {}};
  for (const auto& s : note->signatures) {
    if (s.name == log->second.name && s.key_id == log->second.key_id) kept.signatures.push_back(s);
  }
  if (absl::Status s = WriteFileAtomically(StatePath(checkpoint->origin), merkle::FormatNote(kept), 0600); !s.ok()) {
    return Reply(500, "cannot persist the checkpoint\n");
  }
  latest_[checkpoint->origin] = *checkpoint;
  const merkle::NoteSignature cosig = merkle::Cosign(note->body, clock_(), name_, key_.public_key(),
                                                     [this](absl::string_view m) { return key_.Sign(m); });
  return Reply(200, merkle::SignatureLine(cosig));
}

}  // namespace riec::witness
