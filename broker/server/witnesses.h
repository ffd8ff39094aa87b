// Asks the witnesses the policy names to cosign the log's latest head
// (c2sp.org/tlog-witness add-checkpoint), and keeps their cosignatures with
// the head (docs/witness.md). Runs on the broker's maintenance thread; a
// witness that is down or refuses is asked again with the next round.
//
// Thread-safety: Submit is called from one thread at a time (the broker's
// witness thread).
#ifndef RIEC_BROKER_SERVER_WITNESSES_H_
#define RIEC_BROKER_SERVER_WITNESSES_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "log/disclosure_log.h"
#include "log/tree_heads.h"
#include "riec/policy/policy.h"

namespace riec::server {

class WitnessClerk {
 public:
  WitnessClerk(log::DisclosureLog* log, log::TreeHeadSigner* signer) : log_(log), signer_(signer) {}

  // One round: every witness that has not cosigned the latest head is
  // asked (until `stopping` says so). Returns what went wrong, a line per
  // witness (empty: nothing).
  std::vector<std::string> Submit(const policy::Policy& policy, const std::function<bool()>& stopping);

 private:
  log::DisclosureLog* const log_;
  log::TreeHeadSigner* const signer_;
  // Per witness (its vkey): the size it cosigned last, as far as known
  // (a 409 corrects it), and the size of the head it cosigned for us.
  std::map<std::string, uint64_t> known_size_;
  std::map<std::string, uint64_t> cosigned_;
};

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_WITNESSES_H_
