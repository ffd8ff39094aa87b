// What every part of the core works with: the store, the disclosure log, the
// clock and the policy in force, plus the description of one call.
//
// Ownership: Env holds non-owning pointers; the objects must outlive every
// core object built on them.
// Thread-safety: PolicySource is safe for concurrent use; the rest is
// documented with each type.
#ifndef RIEC_BROKER_CORE_ENV_H_
#define RIEC_BROKER_CORE_ENV_H_

#include <memory>
#include <mutex>
#include <string>

#include "riec/common/clock.h"
#include "riec/common/identity.h"
#include "log/disclosure_log.h"
#include "storage/store.h"
#include "riec/policy/policy.h"

namespace riec::core {

// The policy in force. A request takes the current version once, at its
// start, and decides everything under that version even if a reload replaces
// it meanwhile.
class PolicySource {
 public:
  PolicySource(std::shared_ptr<const policy::Policy> initial, absl::Time loaded)
      : current_(std::move(initial)), loaded_(loaded) {}
  std::shared_ptr<const policy::Policy> Current() const {
    std::lock_guard<std::mutex> l(mu_);
    return current_;
  }
  absl::Time Loaded() const {
    std::lock_guard<std::mutex> l(mu_);
    return loaded_;
  }
  void Replace(std::shared_ptr<const policy::Policy> next, absl::Time loaded) {
    std::lock_guard<std::mutex> l(mu_);
    current_ = std::move(next);
    loaded_ = loaded;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const policy::Policy> current_;  // guarded by mu_
  absl::Time loaded_;                              // guarded by mu_
};

struct Env {
  storage::Store* store = nullptr;
  log::DisclosureLog* log = nullptr;
  const Clock* clock = nullptr;
  const PolicySource* policy = nullptr;
};

// One incoming call: who makes it and which RPC it is (the full gRPC method
// name, recorded in the log).
struct Call {
  Caller caller;
  std::string method;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_ENV_H_
