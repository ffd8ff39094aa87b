// riec-broker assembled: store, disclosure log, policy, core and the gRPC
// server with health checking, built from one BrokerConfig.
//
// Ownership: Broker owns everything it builds.
// Thread-safety: Start once; Shutdown and ReloadFromSignal may be called
// from another thread (the signal thread) while Wait blocks.
#ifndef RIEC_BROKER_SERVER_BROKER_H_
#define RIEC_BROKER_SERVER_BROKER_H_

#include <grpcpp/server.h>

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/broker_core.h"
#include "core/key_store.h"
#include "core/traffic.h"
#include "log/tree_heads.h"
#include "server/config.h"
#include "server/grpc_transport.h"
#include "server/console_server.h"
#include "server/metrics_server.h"
#include "server/tls.h"
#include "server/witnesses.h"

namespace riec::server {

class Broker {
 public:
  // Opens the store (creating it on first start), loads and validates the
  // policy, loads or creates the keys, and starts listening. Errors name the
  // file or setting at fault.
  static absl::StatusOr<std::unique_ptr<Broker>> Start(const BrokerConfig& config);
  ~Broker();

  // "host:port" actually bound (the port is chosen when the config says 0).
  const std::string& address() const { return address_; }
  // The metrics port's "host:port", or "" when it is off.
  std::string metrics_address() const { return metrics_server_ ? metrics_server_->address() : ""; }
  // The console port's "host:port", or "" when it is off.
  std::string console_address() const { return console_server_ ? console_server_->address() : ""; }
  // One line for the operator: what runs, under which convenant and key.
  std::string Summary() const;

  void Wait();
  // Stops accepting calls, ends event streams, lets calls in flight finish
  // (up to 10 s), signs a last tree head, then closes the store cleanly.
  void Shutdown();

  // Reloads the policy file and the CRLs on the host's request (SIGHUP),
  // and logs what happened, a line each.
  void ReloadFromSignal();

 private:
  Broker() = default;
  // Maintenance: tree heads, the retention schedule, refusal summaries,
  // CRL reloads.
  void Maintain();
  // Asks the policy's witnesses to cosign new heads (server/witnesses.h).
  void Witness();
  // Runs `round` every tree_head_interval until Shutdown.
  void EveryRound(const std::function<void()>& round);
  bool Stopping();

  // The operator's metrics (computed ones read the members below: the
  // metrics port stops first, in Shutdown).
  void RegisterMetrics();

  BrokerConfig config_;
  // Declared first, destroyed last: everything below may hold its metrics.
  std::unique_ptr<metrics::Registry> metrics_ = std::make_unique<metrics::Registry>();
  std::unique_ptr<MetricsServer> metrics_server_;
  std::unique_ptr<ConsoleServer> console_server_;
  std::unique_ptr<Clock> clock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<log::DisclosureLog> log_;
  std::unique_ptr<core::PolicySource> policy_;
  std::unique_ptr<core::TrafficLimits> limits_;
  std::optional<core::LoadedKey> key_;
  std::unique_ptr<log::TreeHeadSigner> signer_;
  std::unique_ptr<WitnessClerk> witnesses_;
  std::unique_ptr<core::BrokerCore> core_;
  std::shared_ptr<Revocations> revocations_;
  std::unique_ptr<GrpcTransport> transport_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  // The admin socket (proto/riec/v1/local.proto), unless it is off.
  std::unique_ptr<grpc::Service> local_operations_;
  std::unique_ptr<grpc::Server> admin_server_;
  std::string admin_socket_;
  ino_t admin_socket_inode_ = 0;

  std::thread maintenance_;
  std::thread witnessing_;
  absl::Mutex maintenance_mu_;
  bool stopping_ ABSL_GUARDED_BY(maintenance_mu_) = false;
  // Shutdown runs once (from the signal thread, then again from the
  // destructor). The grpc::Server lives until the destructor: another
  // thread may still be inside Wait() when Shutdown returns.
  std::atomic<bool> shut_down_{false};
};

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_BROKER_H_
