#include "broker/server/broker.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "broker/common/file.h"
#include "broker/crypto/sodium.h"

namespace riec::server {

absl::StatusOr<std::unique_ptr<Broker>> Broker::Start(const BrokerConfig& config) {
  if (absl::Status s = ValidateBrokerConfig(config); !s.ok()) return s;
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return s;
  if (absl::Status s = RestrictToTls13(); !s.ok()) return s;

  std::unique_ptr<Broker> b(new Broker());
  b->config_ = config;
  auto policy = policy::Policy::LoadFile(config.policy);
  if (!policy.ok()) return policy.status();
  b->policy_ = std::make_unique<core::PolicySource>(*policy);

  auto credentials = MakeServerCredentials(config.tls);
  if (!credentials.ok()) return credentials.status();

  auto store = storage::Store::Open(config.data_dir, {});
  if (!store.ok()) return store.status();
  b->store_ = *std::move(store);
  auto log = log::DisclosureLog::Open(b->store_.get());
  if (!log.ok()) return log.status();
  b->log_ = *std::move(log);
  b->env_ = core::Env{b->store_.get(), b->log_.get(), &b->clock_, b->policy_.get()};
  b->gate_ = std::make_unique<Gate>(b->env_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(32 << 20);
  builder.SetMaxSendMessageSize(32 << 20);

  if (config.pseudonymiser) {
    auto key = core::LoadOrCreateOprfKey(config.key_dir);
    if (!key.ok()) return key.status();
    b->key_.emplace(*std::move(key));
    b->quota_ = std::make_unique<core::QuotaCounter>(b->store_.get());
    b->pseudonymiser_ =
        std::make_unique<core::Pseudonymiser>(b->env_, &b->key_->key, b->quota_.get());
    b->services_.push_back(
        std::make_unique<PseudonymiserService>(b->gate_.get(), b->pseudonymiser_.get()));
  }
  if (config.index) {
    b->index_ = std::make_unique<core::Index>(b->env_);
    b->signals_ = std::make_unique<core::Signals>(b->env_);
    b->inquiry_ = std::make_unique<core::Inquiry>(b->env_, b->index_.get(), b->signals_.get());
    b->services_.push_back(std::make_unique<IndexService>(b->gate_.get(), b->index_.get()));
    b->services_.push_back(std::make_unique<SignalsService>(b->gate_.get(), b->signals_.get()));
    b->services_.push_back(std::make_unique<InquiryService>(b->gate_.get(), b->inquiry_.get()));
  }
  for (auto& s : b->services_) builder.RegisterService(s.get());

  b->server_ = builder.BuildAndStart();
  if (b->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen,
                                               " (address in use or not local?)"));
  }
  const size_t colon = config.listen.rfind(':');
  b->address_ = absl::StrCat(config.listen.substr(0, colon), ":", port);
  if (!config.ready_file.empty()) {
    if (absl::Status s = WriteFileAtomically(config.ready_file, b->address_ + "\n", 0644);
        !s.ok()) {
      return s;
    }
  }
  return b;
}

Broker::~Broker() { Shutdown(); }

std::string Broker::Summary() const {
  const auto p = policy_->Current();
  std::string services;
  if (config_.pseudonymiser) services += "pseudonymiser ";
  if (config_.index) services += "index signals inquiry ";
  std::string s = absl::StrCat("riec-broker listening on ", address_, "; convenant ",
                               p->Describe(), " (policy sha256 ", p->sha256_hex().substr(0, 16),
                               "); services: ", services, "; log: ", log_->Size(),
                               " records");
  if (key_) {
    absl::StrAppend(&s, "; OPRF key ", key_->key.KeyId(),
                    key_->created ? " (created now)" : "");
  }
  return s;
}

void Broker::Wait() {
  if (server_) server_->Wait();
}

void Broker::Shutdown() {
  if (!server_) return;
  // Drain first: health says NOT_SERVING, new calls are refused, calls in
  // flight finish (and write their log records). gRPC's own Shutdown would
  // otherwise wait out its whole deadline for idle client connections.
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  const int left = gate_->Drain(absl::Seconds(10));
  if (left > 0) {
    std::cerr << "riec-broker: " << left << " calls still running after 10 s are cancelled\n";
  }
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  server_->Wait();
  server_.reset();
}

}  // namespace riec::server
