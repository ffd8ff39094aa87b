// Signed tree heads of the disclosure log (docs/log-format.md §5).
//
// A head is signed when asked for with `fresh` and the log has grown, and
// by the broker every few seconds while records arrive (SignIfGrown). Every
// head is kept (column family tree_heads), so an auditor can be given the
// head for any size that was signed. Timestamps never go backwards.
//
// Thread-safety: safe for concurrent use.
// Ownership: the store, log and clock are not owned.
#ifndef RIEC_BROKER_LOG_TREE_HEADS_H_
#define RIEC_BROKER_LOG_TREE_HEADS_H_

#include <memory>
#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "riec/common/clock.h"
#include "riec/crypto/signing.h"
#include "riec/merkle/checkpoint.h"
#include "log/disclosure_log.h"

namespace riec::log {

class TreeHeadSigner {
 public:
  static absl::StatusOr<std::unique_ptr<TreeHeadSigner>> Create(storage::Store* store,
                                                                DisclosureLog* log,
                                                                crypto::SigningKey key,
                                                                const Clock* clock);

  // The latest signed head. With `fresh`, signs the current size first if
  // the log has grown since the latest head (or none exists).
  absl::StatusOr<v1::SignedTreeHead> Latest(bool fresh);
  // The latest signed head as it is, without signing one (none before the
  // first): for a reader that must not write, such as a metrics scrape.
  std::optional<v1::SignedTreeHead> Current() {
    absl::MutexLock lock(&mu_);
    return latest_;
  }
  // Signs the current size if the log has grown since the latest head.
  absl::Status SignIfGrown() { return Latest(true).status(); }

  const std::string& public_key() const { return key_.public_key(); }
  // Signs other statements of the log (scope attestations,
  // docs/log-format.md §7): the bytes carry their own domain separator.
  std::string Sign(absl::string_view bytes) const { return key_.Sign(bytes); }
  const std::string& log_id() const { return log_id_; }

  // The checkpoint origin "riec-log/<first 16 hex digits of the log id>"
  // and the log's verifier key (docs/witness.md).
  const std::string& origin() const { return origin_; }
  std::string Vkey() const;

  // Adds witnesses' cosignature lines to the stored head of `size` (those
  // of a witness already there are replaced). `quorum_reached`: the head
  // now carries enough, and becomes the latest cosigned one.
  absl::Status AddCosignatures(uint64_t size, const std::vector<merkle::NoteSignature>& cosignatures,
                               bool quorum_reached);
  // The newest head that reached the quorum, if any since this process
  // started or at the store's last head.
  std::optional<v1::SignedTreeHead> LatestCosigned();

 private:
  TreeHeadSigner(storage::Store* store, DisclosureLog* log, crypto::SigningKey key,
                 const Clock* clock);
  storage::Store* store_;
  DisclosureLog* log_;
  crypto::SigningKey key_;
  const Clock* clock_;
  std::string log_id_;
  absl::Mutex mu_;
  std::optional<v1::SignedTreeHead> latest_ ABSL_GUARDED_BY(mu_);
  std::optional<v1::SignedTreeHead> latest_cosigned_ ABSL_GUARDED_BY(mu_);
  std::string origin_;
};

}  // namespace riec::log

#endif  // RIEC_BROKER_LOG_TREE_HEADS_H_
