// riec-broker assembled: store, disclosure log, policy, core and the gRPC
// server with health checking and reflection, built from one BrokerConfig.
//
// Ownership: Broker owns everything it builds.
// Thread-safety: Start once; Shutdown may be called from another thread
// (e.g. a signal handler thread) while Wait blocks.
#ifndef RIEC_BROKER_SERVER_BROKER_H_
#define RIEC_BROKER_SERVER_BROKER_H_

#include <grpcpp/server.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/env.h"
#include "core/index.h"
#include "core/inquiry.h"
#include "core/key_store.h"
#include "core/pseudonymiser.h"
#include "core/quota.h"
#include "core/signals.h"
#include "log/tree_heads.h"
#include "server/config.h"
#include "server/services.h"

namespace riec::server {

class Broker {
 public:
  // Opens the store (creating it on first start), loads and validates the
  // policy, loads or creates the OPRF key if the Pseudonymiser is hosted,
  // and starts listening. Errors name the file or setting at fault.
  static absl::StatusOr<std::unique_ptr<Broker>> Start(const BrokerConfig& config);
  ~Broker();

  // "host:port" actually bound (the port is chosen when the config says 0).
  const std::string& address() const { return address_; }
  // One line for the operator: what runs, under which convenant and key.
  std::string Summary() const;

  void Wait();
  // Stops accepting calls, ends event streams, lets calls in flight finish
  // (up to 10 s), then closes the store cleanly.
  void Shutdown();

  // Reloads the policy file on the host's request (SIGHUP); returns one line
  // saying what happened.
  std::string ReloadFromSignal();

 private:
  Broker() = default;

  BrokerConfig config_;
  SystemClock clock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<log::DisclosureLog> log_;
  std::unique_ptr<core::PolicySource> policy_;
  core::Env env_;
  std::optional<core::LoadedKey> key_;
  std::unique_ptr<core::QuotaCounter> quota_;
  std::unique_ptr<core::Pseudonymiser> pseudonymiser_;
  std::unique_ptr<core::Index> index_;
  std::unique_ptr<core::Signals> signals_;
  std::unique_ptr<core::Inquiry> inquiry_;
  std::unique_ptr<core::Assessments> assessments_;
  std::unique_ptr<core::Cases> cases_;
  std::unique_ptr<core::Content> content_;
  std::unique_ptr<core::Events> events_;
  std::unique_ptr<core::PolicyAdmin> policy_admin_;
  std::unique_ptr<core::Sweeper> sweeper_;
  std::unique_ptr<log::TreeHeadSigner> signer_;
  std::unique_ptr<core::LogAccess> log_access_;
  std::unique_ptr<Gate> gate_;
  // Maintenance: signing tree heads and the scheduled sweeper.
  void Maintain();
  std::thread maintenance_;
  std::mutex maintenance_mu_;
  std::condition_variable maintenance_cv_;
  bool stopping_ = false;  // guarded by maintenance_mu_
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_BROKER_H_
