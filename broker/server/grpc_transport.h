// The gRPC adapter: one generic callback service that serves every route of
// the core's table (core/broker_core.h) and nothing else. For each call it
// establishes the caller from the client certificate, parses the request
// itself — so that a message that is not valid protobuf, or a string that is
// not valid UTF-8, gets INVALID_ARGUMENT naming the field rather than an
// opaque INTERNAL — drops fields this broker does not know, and runs the
// route through the core's pipeline. A method not in the table is
// UNIMPLEMENTED (no reflection, no stray services).
//
// Work runs on a fixed pool of threads, not on gRPC's; an event stream holds
// no thread while it waits: it is woken when the log grows.
//
// Thread-safety: safe for concurrent use.
// Ownership: the core and the log are not owned.
#ifndef RIEC_BROKER_SERVER_GRPC_TRANSPORT_H_
#define RIEC_BROKER_SERVER_GRPC_TRANSPORT_H_

#include <grpcpp/generic/async_generic_service.h>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/broker_core.h"
#include "metrics/metrics.h"
#include "server/peer.h"

namespace riec::server {

// A fixed set of threads taking tasks in order.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  void Schedule(std::function<void()> task);

 private:
  void Run();
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

class GrpcTransport final : public grpc::CallbackGenericService {
 public:
  struct Options {
    int workers = 32;
    // Checked at every call (peer.h); may be null.
    const Revocations* revocations = nullptr;
    // The policy in force, which maps PKIoverheid organisation certificates
    // to partners and roles (peer.h); may be null.
    const core::PolicySource* policies = nullptr;
    // The only issuers of riec:// identities (tls.convenant_ca); may be null.
    std::shared_ptr<const ConvenantIssuers> issuers;
    // Per-RPC counts and latencies (docs/operations.md, "Monitor"); may be
    // null.
    metrics::Registry* metrics = nullptr;
    // Which calls get a line in the operator's log: "all", "failures" or
    // "off" (server/operator_log.h).
    std::string log_requests = "off";
  };
  GrpcTransport(core::BrokerCore* core, log::DisclosureLog* log, Options options);
  ~GrpcTransport() override;

  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

  // New calls get UNAVAILABLE from now on; open event streams end.
  void StartDrain();
  // Waits until no call is in flight or `timeout` passed; returns the number
  // still in flight.
  int WaitIdle(absl::Duration timeout);
  // Wakes every waiting event stream (the log grew, or a periodic check of
  // cancelled streams).
  void WakeStreams();
  // Open event streams (for metrics).
  int open_streams() const { return open_streams_.load(); }

 private:
  class CallReactor;
  friend class CallReactor;

  // A finished call: counted, timed and (as configured) logged.
  void Observe(const CallReactor& call);

  core::BrokerCore* const core_;
  log::DisclosureLog* const log_;
  metrics::Registry* const metrics_;
  const std::string log_requests_;
  std::atomic<uint64_t> next_request_id_{1};
  CallerCache callers_;
  WorkerPool pool_;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> open_streams_{0};
  absl::Mutex waiting_mu_;
  std::set<CallReactor*> waiting_ ABSL_GUARDED_BY(waiting_mu_);
  // The subscriptions of the open event streams, for the metric of events
  // waiting per subscriber.
  absl::Mutex streams_mu_;
  std::map<const void*, std::shared_ptr<core::Subscription>> streams_ ABSL_GUARDED_BY(streams_mu_);
};

// The gRPC status of an absl status; the message is cut (at a character
// boundary) to 1 KiB so that it always fits the response trailers.
grpc::Status ToGrpcStatus(const absl::Status& s);

// "OK", "NOT_FOUND", ...: the code's name as gRPC writes it.
std::string StatusCodeName(grpc::StatusCode code);

// Why `bytes` do not parse as a `type`: the first string field that is not
// valid UTF-8 ("subjects[0].pseudonym ..."), or that the message is
// truncated or not protobuf. INVALID_ARGUMENT.
absl::Status DescribeParseFailure(const google::protobuf::Descriptor* type, const std::string& bytes);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_GRPC_TRANSPORT_H_
