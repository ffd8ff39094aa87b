// A witness (c2sp.org/tlog-witness) that a partner's privacy officer runs
// beside its own systems: it cosigns a checkpoint of the RIEC's disclosure
// log only after checking the log's signature and a consistency proof from
// the last checkpoint it cosigned, never a smaller or an inconsistent tree
// (not across restarts either: its state is on disk, written before it
// answers), and it keeps a checkpoint it refused for a conflict as
// evidence. docs/witness.md.
//
// Thread-safety: AddCheckpoint is safe for concurrent use (one lock makes
// check-and-persist atomic, as the protocol requires).
#ifndef RIEC_CLIENTS_WITNESS_WITNESS_H_
#define RIEC_CLIENTS_WITNESS_WITNESS_H_

#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "riec/crypto/signing.h"
#include "riec/merkle/checkpoint.h"

namespace riec::witness {

struct Response {
  int status = 200;  // HTTP status of the tlog-witness protocol
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class Witness {
 public:
  // `logs`: origin -> the log's verifier key (type 0x01). `state_dir`
  // holds one file per log and an evidence/ directory.
  static absl::StatusOr<std::unique_ptr<Witness>> Open(
      std::string name, crypto::SigningKey key, std::string state_dir,
      std::map<std::string, merkle::Verifier> logs, std::function<uint64_t()> clock);

  // POST <prefix>/add-checkpoint with `body`.
  Response AddCheckpoint(const std::string& body);

  // The witness's verifier key (type 0x04), for the convenant's policy.
  std::string Vkey() const;
  // The latest checkpoint cosigned for `origin` (size 0 if none).
  uint64_t LatestSize(const std::string& origin) const;

 private:
  Witness(std::string name, crypto::SigningKey key, std::string state_dir,
          std::map<std::string, merkle::Verifier> logs, std::function<uint64_t()> clock)
      : name_(std::move(name)), key_(std::move(key)), state_dir_(std::move(state_dir)),
        logs_(std::move(logs)), clock_(std::move(clock)) {}
  std::string StatePath(const std::string& origin) const;
  void KeepEvidence(const std::string& origin, const std::string& body, const std::string& why) const;

  const std::string name_;
  const crypto::SigningKey key_;
  const std::string state_dir_;
  const std::map<std::string, merkle::Verifier> logs_;
  const std::function<uint64_t()> clock_;
  mutable absl::Mutex mu_;
  // origin -> the latest cosigned checkpoint.
  std::map<std::string, merkle::Checkpoint> latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riec::witness

#endif  // RIEC_CLIENTS_WITNESS_WITNESS_H_
