// What every part of the core works with: the store, the disclosure log, the
// clock, the policy in force and the traffic limits, plus the description
// of one call.
//
// Ownership: Env holds non-owning pointers; the objects must outlive every
// core object built on them.
// Thread-safety: PolicySource is safe for concurrent use; the rest is
// documented with each type.
#ifndef RIEC_BROKER_CORE_ENV_H_
#define RIEC_BROKER_CORE_ENV_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "log/disclosure_log.h"
#include "metrics/metrics.h"
#include "riec/common/clock.h"
#include "riec/common/identity.h"
#include "riec/policy/policy.h"
#include "storage/store.h"

namespace riec::core {

// The policy in force. A request takes the current version once, at its
// start, and decides everything under that version even if a reload replaces
// it meanwhile.
class PolicySource {
 public:
  PolicySource(std::shared_ptr<const policy::Policy> initial, absl::Time loaded)
      : current_(std::move(initial)), loaded_(loaded) {}
  std::shared_ptr<const policy::Policy> Current() const {
    absl::MutexLock l(&mu_);
    return current_;
  }
  absl::Time Loaded() const {
    absl::MutexLock l(&mu_);
    return loaded_;
  }
  void Replace(std::shared_ptr<const policy::Policy> next, absl::Time loaded) {
    absl::MutexLock l(&mu_);
    current_ = std::move(next);
    loaded_ = loaded;
  }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const policy::Policy> current_ ABSL_GUARDED_BY(mu_);
  absl::Time loaded_ ABSL_GUARDED_BY(mu_);
};

class TrafficLimits;

struct Env {
  storage::Store* store = nullptr;
  log::DisclosureLog* log = nullptr;
  const Clock* clock = nullptr;
  const PolicySource* policy = nullptr;
  TrafficLimits* limits = nullptr;
  // The operator's metrics (metrics/metrics.h); none when null (unit tests).
  metrics::Registry* metrics = nullptr;
};

// One incoming call: who makes it, which RPC it is (the full gRPC method
// name, recorded in the log), and the W3C trace context the caller sent, if
// any (docs/api.md).
struct Call {
  Caller caller;
  std::string method;
  std::string trace_id;  // 32 lower-case hex digits, or empty
  std::string span_id;   // 16 lower-case hex digits, or empty
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_ENV_H_
