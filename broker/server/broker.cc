#include "server/broker.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"

namespace riec::server {

absl::StatusOr<std::unique_ptr<Broker>> Broker::Start(const BrokerConfig& config) {
  if (absl::Status s = ValidateBrokerConfig(config); !s.ok()) return s;
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return s;
  if (absl::Status s = RestrictToTls13(); !s.ok()) return s;

  std::unique_ptr<Broker> b(new Broker());
  b->config_ = config;
  auto policy = policy::Policy::LoadFile(config.policy);
  if (!policy.ok()) return policy.status();
  b->policy_ = std::make_unique<core::PolicySource>(*policy, b->clock_.Now());

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

  auto log_key = core::LoadOrCreateSigningKey(config.key_dir);
  if (!log_key.ok()) return log_key.status();
  auto signer = log::TreeHeadSigner::Create(b->store_.get(), b->log_.get(),
                                            std::move(log_key->key), &b->clock_);
  if (!signer.ok()) return signer.status();
  b->signer_ = *std::move(signer);
  b->log_access_ = std::make_unique<core::LogAccess>(b->env_, b->signer_.get());
  b->quota_ = std::make_unique<core::QuotaCounter>(b->store_.get());
  b->events_ = std::make_unique<core::Events>(b->env_);
  b->policy_admin_ = std::make_unique<core::PolicyAdmin>(b->env_, b->policy_.get(), config.policy);
  if (config.pseudonymiser) {
    auto key = core::LoadOrCreateOprfKey(config.key_dir);
    if (!key.ok()) return key.status();
    b->key_.emplace(*std::move(key));
    b->pseudonymiser_ =
        std::make_unique<core::Pseudonymiser>(b->env_, &b->key_->key, b->quota_.get());
    b->services_.push_back(
        std::make_unique<PseudonymiserService>(b->gate_.get(), b->pseudonymiser_.get()));
  }
  if (config.index) {
    b->index_ = std::make_unique<core::Index>(b->env_);
    b->signals_ = std::make_unique<core::Signals>(b->env_);
    b->inquiry_ = std::make_unique<core::Inquiry>(b->env_, b->index_.get(), b->signals_.get(),
                                                  b->quota_.get());
    b->assessments_ =
        std::make_unique<core::Assessments>(b->env_, b->index_.get(), b->signals_.get());
    b->cases_ = std::make_unique<core::Cases>(b->env_, b->signals_.get(), b->assessments_.get());
    b->content_ = std::make_unique<core::Content>(b->env_, b->cases_.get());
    b->sweeper_ = std::make_unique<core::Sweeper>(b->env_, b->index_.get(), b->signals_.get(),
                                                  b->cases_.get(), b->content_.get(),
                                                  b->quota_.get());
    b->services_.push_back(std::make_unique<IndexService>(b->gate_.get(), b->index_.get()));
    b->services_.push_back(std::make_unique<SignalsService>(b->gate_.get(), b->signals_.get(),
                                                            b->assessments_.get()));
    b->services_.push_back(std::make_unique<CasesService>(b->gate_.get(), b->cases_.get()));
    b->services_.push_back(std::make_unique<ContentService>(b->gate_.get(), b->content_.get()));
    b->services_.push_back(std::make_unique<InquiryService>(b->gate_.get(), b->inquiry_.get()));
  }
  b->services_.push_back(std::make_unique<EventsService>(b->gate_.get(), b->events_.get()));
  b->services_.push_back(std::make_unique<LogService>(b->gate_.get(), b->log_access_.get()));
  b->services_.push_back(std::make_unique<AuditService>(b->gate_.get(), b->log_access_.get()));
  b->services_.push_back(std::make_unique<OperationsService>(
      b->gate_.get(), b->policy_admin_.get(), b->sweeper_.get()));
  for (auto& s : b->services_) builder.RegisterService(s.get());

  b->server_ = builder.BuildAndStart();
  if (b->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen,
                                               " (address in use or not local?)"));
  }
  const size_t colon = config.listen.rfind(':');
  b->address_ = absl::StrCat(config.listen.substr(0, colon), ":", port);
  b->maintenance_ = std::thread([self = b.get()] { self->Maintain(); });
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
  absl::StrAppend(&s, "; log key ", ToHex(signer_->public_key()));
  return s;
}

void Broker::Wait() {
  if (server_) server_->Wait();
}

void Broker::Maintain() {
  const core::Call schedule{
      Caller{Identity{"", "", "broker", "retention-schedule"}, "", ""}, "retention schedule"};
  absl::Time next_sweep = absl::Now() + config_.sweep_interval;
  std::unique_lock<std::mutex> lock(maintenance_mu_);
  while (!maintenance_cv_.wait_for(lock, absl::ToChronoNanoseconds(config_.tree_head_interval),
                                   [this] { return stopping_; })) {
    lock.unlock();
    if (absl::Status s = signer_->SignIfGrown(); !s.ok()) {
      std::cerr << "riec-broker: signing a tree head failed: " << s << "\n";
    }
    if (sweeper_ && config_.sweep_interval > absl::ZeroDuration() && absl::Now() >= next_sweep) {
      auto swept = sweeper_->Sweep(schedule, /*trusted=*/true);
      if (!swept.ok()) std::cerr << "riec-broker: retention sweep failed: " << swept.status() << "\n";
      next_sweep = absl::Now() + config_.sweep_interval;
    }
    lock.lock();
  }
}

std::string Broker::ReloadFromSignal() {
  const core::Call host{Caller{Identity{policy_->Current()->convenant_id(), "", "operator", "SIGHUP"},
                               "", ""},
                        "signal SIGHUP"};
  auto r = policy_admin_->Reload(host, /*trusted=*/true);
  if (!r.ok()) return absl::StrCat("policy reload refused: ", r.status().message());
  if (!r->changed()) return "policy reload: the file has not changed";
  return absl::StrCat("policy reloaded: convenant ", r->current().convenant_id(), " v",
                      r->current().version(), " replaces v", r->previous().version(),
                      "; log record ", r->log_index());
}

void Broker::Shutdown() {
  if (maintenance_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(maintenance_mu_);
      stopping_ = true;
    }
    maintenance_cv_.notify_all();
    maintenance_.join();
  }
  if (!server_) return;
  // Drain first: health says NOT_SERVING, new calls are refused, calls in
  // flight finish (and write their log records). gRPC's own Shutdown would
  // otherwise wait out its whole deadline for idle client connections.
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  gate_->StartDrain();
  log_->Interrupt();  // event streams notice the drain at once
  const int left = gate_->WaitIdle(absl::Seconds(10));
  if (left > 0) {
    std::cerr << "riec-broker: " << left << " calls still running after 10 s are cancelled\n";
  }
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  server_->Wait();
  server_.reset();
  // A last head covering every record, so that nothing waits for the next start.
  if (absl::Status s = signer_->SignIfGrown(); !s.ok()) {
    std::cerr << "riec-broker: signing the last tree head failed: " << s << "\n";
  }
}

}  // namespace riec::server
