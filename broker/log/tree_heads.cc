#include "log/tree_heads.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "riec/common/hex.h"
#include "riec/merkle/tree_head.h"
#include "storage/keys.h"

namespace riec::log {

TreeHeadSigner::TreeHeadSigner(storage::Store* store, DisclosureLog* log, crypto::SigningKey key,
                               const Clock* clock)
    : store_(store), log_(log), key_(std::move(key)), clock_(clock),
      log_id_(merkle::LogId(key_.public_key())),
      origin_("riec-log/" + ToHex(log_id_).substr(0, 16)) {}

std::string TreeHeadSigner::Vkey() const { return merkle::Vkey(origin_, merkle::kNoteEd25519, key_.public_key()); }

absl::Status TreeHeadSigner::AddCosignatures(uint64_t size, const std::vector<merkle::NoteSignature>& cosignatures,
                                             bool quorum_reached) {
  absl::MutexLock lock(&mu_);
  auto stored = store_->Get(storage::Table::kTreeHeads, storage::keys::LogIndex(size));
  if (!stored.ok()) return stored.status();
  v1::SignedTreeHead head;
  if (!stored->has_value() || !head.ParseFromString(**stored)) {
    return absl::NotFoundError(absl::StrCat("no signed tree head of size ", size));
  }
  auto note = merkle::ParseNote(head.checkpoint());
  if (!note.ok()) return note.status();
  for (const auto& c : cosignatures) {
    auto& sigs = note->signatures;
    sigs.erase(std::remove_if(sigs.begin(), sigs.end(),
                              [&](const merkle::NoteSignature& s) { return s.name == c.name && s.key_id == c.key_id; }),
               sigs.end());
    sigs.push_back(c);
  }
  head.set_checkpoint(merkle::FormatNote(*note));
  std::string bytes;
  head.SerializeToString(&bytes);
  storage::Batch batch;
  storage::Put(&batch, storage::Table::kTreeHeads, storage::keys::LogIndex(size), std::move(bytes));
  if (absl::Status s = store_->Apply(batch, true); !s.ok()) return s;
  if (latest_ && latest_->tree_size() == size) latest_ = head;
  if (quorum_reached && (!latest_cosigned_ || latest_cosigned_->tree_size() <= size)) latest_cosigned_ = head;
  return absl::OkStatus();
}

std::optional<v1::SignedTreeHead> TreeHeadSigner::LatestCosigned() {
  absl::MutexLock lock(&mu_);
  return latest_cosigned_;
}

absl::StatusOr<std::unique_ptr<TreeHeadSigner>> TreeHeadSigner::Create(storage::Store* store,
                                                                       DisclosureLog* log,
                                                                       crypto::SigningKey key,
                                                                       const Clock* clock) {
  std::unique_ptr<TreeHeadSigner> s(new TreeHeadSigner(store, log, std::move(key), clock));
  auto last = store->Last(storage::Table::kTreeHeads);
  if (!last.ok()) return last.status();
  if (last->has_value()) {
    v1::SignedTreeHead head;
    if (!head.ParseFromString((*last)->second)) {
      return absl::DataLossError("latest signed tree head unreadable");
    }
    if (head.log_id() != s->log_id_) {
      return absl::FailedPreconditionError(
          "the log signing key in the key directory is not the key that signed this log's "
          "tree heads; restore the right log-signing.key");
    }
    if (head.tree_size() > log->Size()) {
      return absl::DataLossError("a signed tree head covers more records than the log has "
                                 "(the store was rolled back)");
    }
    absl::MutexLock lock(&s->mu_);  // not shared yet; the lock keeps the analysis exact
    s->latest_ = head;
  }
  return s;
}

absl::StatusOr<v1::SignedTreeHead> TreeHeadSigner::Latest(bool fresh) {
  absl::MutexLock lock(&mu_);
  const uint64_t size = log_->Size();
  if (latest_ && (!fresh || latest_->tree_size() == size)) return *latest_;
  auto root = log_->RootAt(size);
  if (!root.ok()) return root.status();
  uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(clock_->Now()));
  if (latest_) millis = std::max(millis, latest_->timestamp_millis());
  v1::SignedTreeHead head;
  head.set_log_id(log_id_);
  head.set_tree_size(size);
  head.set_timestamp_millis(millis);
  head.set_root_hash(*root);
  head.set_signature(key_.Sign(merkle::TreeHeadSignedBytes(log_id_, size, millis, *root)));
  // The same head as a checkpoint, signed as a note.
  merkle::Note note{merkle::CheckpointBody({origin_, size, *root}), {}};
  note.signatures.push_back(merkle::SignCheckpoint(note.body, origin_, key_.public_key(),
                                                   [this](absl::string_view m) { return key_.Sign(m); }));
  head.set_checkpoint(merkle::FormatNote(note));
  std::string bytes;
  head.SerializeToString(&bytes);
  storage::Batch batch;
  storage::Put(&batch, storage::Table::kTreeHeads, storage::keys::LogIndex(size), std::move(bytes));
  absl::Status s = store_->Apply(batch, true);
  if (!s.ok()) return s;
  latest_ = head;
  return head;
}

}  // namespace riec::log
