#include "server/broker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <map>

#include <filesystem>

#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_builder.h>

#include <iostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"
#include "server/config_check.h"
#include "server/local_operations.h"
#include "storage/rocksdb_store.h"
#include "storage/tables.h"
#include "riec/common/time_util.h"
#include "server/operator_log.h"

namespace riec::server {

absl::StatusOr<std::unique_ptr<Broker>> Broker::Start(const BrokerConfig& config) {
  if (absl::Status s = ValidateBrokerConfig(config); !s.ok()) return s;
  if (absl::Status s = crypto::InitCrypto(); !s.ok()) return s;
  // The problems --check finds stop the start, all of them named; a
  // certificate that expires soon is only said (refusing to start over a
  // certificate that still works would turn a warning into an outage).
  {
    std::vector<std::string> errors;
    for (const ConfigProblem& p : CheckBrokerConfig(config, {.now = absl::Now(), .ports = false})) {
      if (p.severity == ConfigProblem::Severity::kError) {
        errors.push_back(p.text);
      } else {
        LogWarning(p.text);
      }
    }
    if (!errors.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(errors.size() == 1 ? "" : absl::StrCat(errors.size(), " problems: "),
                       absl::StrJoin(errors, "; "), " (riec-broker --check lists them)"));
    }
  }
  if (absl::Status s = RestrictToTls13(); !s.ok()) return s;

  std::unique_ptr<Broker> b(new Broker());
  b->config_ = config;
  if (config.test_clock_file.empty()) {
    b->clock_ = std::make_unique<SystemClock>();
  } else {
    const char* testing = std::getenv("RIEC_TESTING");
    if (testing == nullptr || std::string(testing) != "1") {
      return absl::FailedPreconditionError(
          "--test-clock is for tests only: it needs RIEC_TESTING=1 in the environment");
    }
    b->clock_ = std::make_unique<OffsetFileClock>(config.test_clock_file);
  }
  auto policy = policy::Policy::LoadFile(config.policy);
  if (!policy.ok()) return policy.status();
  b->policy_ = std::make_unique<core::PolicySource>(*policy, b->clock_->Now());

  auto revocations = Revocations::Load(config.tls);
  if (!revocations.ok()) return revocations.status();
  b->revocations_ = *std::move(revocations);
  auto credentials = MakeServerCredentials(config.tls, b->revocations_);
  if (!credentials.ok()) return credentials.status();
  auto issuers = ConvenantIssuers::Load(config.tls);
  if (!issuers.ok()) return issuers.status();

  storage::RocksDbOptions store_options;
  store_options.memory_budget_bytes = config.store_memory_bytes;
  store_options.memtable_bytes = config.store_memory_bytes * 3 / 8;
  store_options.reserve_bytes = config.store_reserve_bytes;
  auto store = storage::OpenRocksDbStore(config.data_dir, store_options);
  if (!store.ok()) return store.status();
  b->store_ = *std::move(store);
  auto log = log::DisclosureLog::Open(b->store_.get());
  if (!log.ok()) return log.status();
  b->log_ = *std::move(log);
  {
    metrics::Registry* m = b->metrics_.get();
    metrics::Histogram& append = m->GetHistogram(
        "riec_log_append_duration_seconds", "Time from a disclosure-log append to its durable commit.",
        metrics::LatencyBuckets());
    metrics::Histogram& write = m->GetHistogram(
        "riec_log_fsync_duration_seconds", "Time of a group commit's synced write (fsync).",
        metrics::LatencyBuckets());
    metrics::Histogram& batch = m->GetHistogram(
        "riec_log_commit_batch_records", "Records per group commit of the disclosure log.",
        metrics::PowersOfTwo(4096));
    b->log_->SetObserver({.group = [&write, &batch](size_t records, absl::Duration d) {
                            batch.Observe(static_cast<double>(records));
                            write.ObserveDuration(d);
                          },
                          .append = [&append](absl::Duration d) { append.ObserveDuration(d); }});
  }
  b->limits_ = std::make_unique<core::TrafficLimits>();
  const core::Env env{b->store_.get(), b->log_.get(), b->clock_.get(), b->policy_.get(),
                      b->limits_.get(), b->metrics_.get()};

  auto log_key = core::LoadOrCreateSigningKey(config.key_dir);
  if (!log_key.ok()) return log_key.status();
  auto signer = log::TreeHeadSigner::Create(b->store_.get(), b->log_.get(),
                                            std::move(log_key->key), b->clock_.get());
  if (!signer.ok()) return signer.status();
  b->signer_ = *std::move(signer);
  b->witnesses_ = std::make_unique<WitnessClerk>(b->log_.get(), b->signer_.get());

  core::CoreOptions options;
  options.pseudonymiser = config.pseudonymiser;
  options.index = config.index;
  options.signer = b->signer_.get();
  options.policy_source = b->policy_.get();
  options.policy_path = config.policy;
  if (config.pseudonymiser) {
    auto key = core::LoadOrCreateOprfKey(config.key_dir);
    if (!key.ok()) return key.status();
    b->key_.emplace(*std::move(key));
    options.oprf_key = &b->key_->key;
    if (b->key_->share) options.oprf_share = &*b->key_->share;
  }
  b->core_ = std::make_unique<core::BrokerCore>(env, options);
  b->transport_ = std::make_unique<GrpcTransport>(
      b->core_.get(), b->log_.get(),
      GrpcTransport::Options{.revocations = b->revocations_.get(),
                             .policies = b->policy_.get(),
                             .issuers = *issuers,
                             .metrics = b->metrics_.get(),
                             .log_requests = config.log_requests});
  b->RegisterMetrics();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, *credentials, &port);
  builder.SetMaxReceiveMessageSize(32 << 20);
  builder.SetMaxSendMessageSize(32 << 20);
  builder.RegisterCallbackGenericService(b->transport_.get());
  b->server_ = builder.BuildAndStart();
  if (b->server_ == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen, " (address in use or not local?)"));
  }
  if (const std::string socket = AdminSocketPath(config); !socket.empty()) {
    b->local_operations_ = std::make_unique<LocalOperationsService>(b->store_.get(), b->log_.get(), config.data_dir);
    auto admin = ServeAdminSocket(socket, b->local_operations_.get());
    if (admin.ok()) {
      b->admin_server_ = *std::move(admin);
      b->admin_socket_ = socket;
      struct stat st;
      if (stat(socket.c_str(), &st) == 0) b->admin_socket_inode_ = st.st_ino;
    } else if (!config.admin_socket.empty()) {
      return admin.status();  // configured: it must work
    } else {
      LogWarning("no admin socket: riec-broker backup works only with the broker stopped; set admin_socket",
                 {{"reason", std::string(admin.status().message())}});
    }
  }
  if (!config.metrics.listen.empty()) {
    auto served = MetricsServer::Start(config.metrics, config.tls, b->revocations_, b->metrics_.get());
    if (!served.ok()) return served.status();
    b->metrics_server_ = *std::move(served);
  }
  if (!config.console.listen.empty()) {
    auto console = ConsoleServer::Start(config.console, config.tls, b->core_.get(),
                                        ConsoleServer::Options{.revocations = b->revocations_,
                                                               .policies = b->policy_.get(),
                                                               .issuers = *issuers,
                                                               .metrics = b->metrics_.get(),
                                                               .log_requests = config.log_requests});
    if (!console.ok()) return console.status();
    b->console_server_ = *std::move(console);
  }
  const size_t colon = config.listen.rfind(':');
  b->address_ = absl::StrCat(config.listen.substr(0, colon), ":", port);
  b->maintenance_ = std::thread([self = b.get()] { self->Maintain(); });
  b->witnessing_ = std::thread([self = b.get()] { self->Witness(); });
  if (!config.ready_file.empty()) {
    if (absl::Status s = WriteFileAtomically(config.ready_file, b->address_ + "\n", 0644); !s.ok()) {
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
  if (config_.index) services += "index signals inquiry cases content ";
  std::string s = absl::StrCat("riec-broker listening on ", address_, "; convenant ", p->Describe(),
                               " (policy sha256 ", p->sha256_hex().substr(0, 16), "); services: ",
                               services, "; log: ", log_->Size(), " records");
  if (key_) absl::StrAppend(&s, "; OPRF key ", key_->key.KeyId(), key_->created ? " (created now)" : "");
  absl::StrAppend(&s, "; log key ", ToHex(signer_->public_key()));
  if (admin_server_) absl::StrAppend(&s, "; admin socket ", admin_socket_);
  if (metrics_server_) absl::StrAppend(&s, "; metrics on ", metrics_server_->address());
  if (console_server_) absl::StrAppend(&s, "; console on https://", console_server_->address(), "/");
  return s;
}

void Broker::RegisterMetrics() {
  using metrics::Registry;
  using metrics::Sample;
  auto one = [](double v) { return std::vector<Sample>{{{}, v}}; };
  metrics::Registry& m = *metrics_;
  m.AddComputed("riec_log_records", "Records in the disclosure log.", Registry::Type::kGauge,
                [this, one] { return one(static_cast<double>(log_->Size())); });
  // The head the last round signed, whichever thread signed it; a scrape
  // never signs one itself.
  m.AddComputed("riec_tree_head_size", "Tree size of the newest signed tree head.", Registry::Type::kGauge,
                [this, one] {
                  auto head = signer_->Current();
                  return head ? one(static_cast<double>(head->tree_size())) : std::vector<Sample>{};
                });
  m.AddComputed("riec_tree_head_timestamp_seconds", "When the newest signed tree head was signed (Unix time).",
                Registry::Type::kGauge, [this, one] {
                  auto head = signer_->Current();
                  return head ? one(static_cast<double>(head->timestamp_millis()) / 1000) : std::vector<Sample>{};
                });
  // The store's figures are gauges, but for its counters (names ending in
  // _total): the block cache's hits and misses, whose rates give the hit
  // ratio.
  m.AddComputed("riec_store", "The store's own figures (RocksDB), by figure.", Registry::Type::kGauge, [this] {
    std::vector<Sample> out;
    for (const auto& [name, v] : store_->Properties()) {
      if (!absl::EndsWith(name, "_total")) out.push_back({{{"figure", name}}, v});
    }
    return out;
  });
  m.AddComputed("riec_store_block_cache_lookups_total", "Block-cache lookups of the store, by result (hit, miss).",
                Registry::Type::kCounter, [this] {
                  std::vector<Sample> out;
                  const auto figures = store_->Properties();
                  for (const auto& [result, key] : {std::pair<const char*, const char*>{"hit", "block_cache_hits_total"},
                                                    {"miss", "block_cache_misses_total"}}) {
                    auto it = figures.find(key);
                    if (it != figures.end()) out.push_back({{{"result", result}}, it->second});
                  }
                  return out;
                });
  m.AddComputed("riec_data_disk_free_bytes", "Free space on the data directory's file system.",
                Registry::Type::kGauge, [this, one] {
                  std::error_code ec;
                  const auto space = std::filesystem::space(config_.data_dir, ec);
                  return ec ? std::vector<Sample>{} : one(static_cast<double>(space.available));
                });
  m.AddComputed("riec_data_disk_reserve_bytes",
                "Free space the store keeps on the data disk (store_reserve_mib); below it writes are refused.",
                Registry::Type::kGauge,
                [this, one] { return one(static_cast<double>(config_.store_reserve_bytes)); });
  m.AddComputed("riec_signals_open", "Signals open now.", Registry::Type::kGauge, [this, one] {
    const absl::Time now = clock_->Now();
    uint64_t open = 0;
    absl::Status s = storage::SignalTable(store_.get()).ScanAll([&](const v1::Signal& sig) {
      open += sig.state() == v1::OPEN && FromProtoTime(sig.expires()) > now;
      return true;
    });
    return s.ok() ? one(static_cast<double>(open)) : std::vector<Sample>{};
  });
  m.AddComputed("riec_cases", "Cases by state.", Registry::Type::kGauge, [this] {
    std::map<std::string, uint64_t> by_state;
    for (auto st : {v1::CASE_STATE_PROPOSED, v1::CASE_STATE_UNLOCKED, v1::CASE_STATE_CLOSED,
                    v1::CASE_STATE_EXPIRED}) {
      by_state[v1::CaseState_Name(st)] = 0;
    }
    const absl::Time now = clock_->Now();
    absl::Status s = storage::CaseTable(store_.get()).ScanAll([&](const v1::Case& c) {
      v1::CaseState st = c.state();
      if ((st == v1::CASE_STATE_PROPOSED || st == v1::CASE_STATE_UNLOCKED) && c.decision().has_ends() &&
          FromProtoTime(c.decision().ends()) <= now) {
        st = v1::CASE_STATE_EXPIRED;
      }
      ++by_state[v1::CaseState_Name(st)];
      return true;
    });
    std::vector<Sample> out;
    if (!s.ok()) return out;
    for (const auto& [state, n] : by_state) out.push_back({{{"state", state}}, static_cast<double>(n)});
    return out;
  });
  m.AddComputed("riec_certificate_not_after_seconds",
                "When the broker's own certificates expire (Unix time), per file.", Registry::Type::kGauge,
                [this] {
                  std::vector<Sample> out;
                  for (const auto& [which, path] : {std::pair<std::string, std::string>{"server", config_.tls.cert},
                                                    {"client_ca", config_.tls.client_ca}}) {
                    auto t = CertificatesNotAfter(path);
                    if (t.ok()) out.push_back({{{"certificate", which}}, absl::ToDoubleSeconds(*t - absl::UnixEpoch())});
                  }
                  return out;
                });
  m.AddComputed("riec_crl_next_update_seconds", "The earliest nextUpdate of the CRLs in force (Unix time).",
                Registry::Type::kGauge, [this, one] {
                  auto t = revocations_->EarliestNextUpdate();
                  return t ? one(absl::ToDoubleSeconds(*t - absl::UnixEpoch())) : std::vector<Sample>{};
                });
  m.AddComputed("process_resident_memory_bytes", "Resident memory of the broker process.", Registry::Type::kGauge,
                [one] {
                  auto status = ReadFile("/proc/self/statm");
                  long pages = 0, resident = 0;
                  if (!status.ok() || std::sscanf(status->c_str(), "%ld %ld", &pages, &resident) != 2) return std::vector<Sample>{};
                  return one(static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)));
                });
  // Entries of a /proc directory: the process's threads or open files.
  auto entries = [one](const char* dir) {
    std::error_code ec;
    size_t n = 0;
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      ++n;
    }
    return ec ? std::vector<Sample>{} : one(static_cast<double>(n));
  };
  m.AddComputed("process_threads", "Threads of the broker process.", Registry::Type::kGauge,
                [entries] { return entries("/proc/self/task"); });
  m.AddComputed("process_open_fds", "Open file descriptors of the broker process.", Registry::Type::kGauge,
                [entries] { return entries("/proc/self/fd"); });
  const double started = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  m.AddComputed("process_start_time_seconds", "When the broker process started (Unix time).",
                Registry::Type::kGauge, [one, started] { return one(started); });
}

void Broker::Wait() {
  if (server_) server_->Wait();
}

void Broker::EveryRound(const std::function<void()>& round) {
  absl::MutexLock lock(&maintenance_mu_);
  auto stopping = [this] {
    maintenance_mu_.AssertHeld();
    return stopping_;
  };
  while (!maintenance_mu_.AwaitWithTimeout(absl::Condition(&stopping), config_.tree_head_interval)) {
    maintenance_mu_.Unlock();
    round();
    maintenance_mu_.Lock();
  }
}

bool Broker::Stopping() {
  absl::MutexLock lock(&maintenance_mu_);
  return stopping_;
}

// Witnesses are asked on their own thread: a slow or hostile one (partners
// run them) must not hold up heads, sweeps or CRL reloads.
void Broker::Witness() {
  std::string reported;
  EveryRound([&] {
    // What goes wrong is said once per change, not every round.
    const std::string problems =
        absl::StrJoin(witnesses_->Submit(*policy_->Current(), [this] { return Stopping(); }), "; ");
    if (problems != reported) {
      if (!problems.empty()) {
        LogWarning("witnesses did not all cosign (asked again with every head)", {{"problems", problems}});
      } else if (!reported.empty()) {
        LogInfo("witnesses: all answered");
      }
      reported = problems;
    }
  });
}

void Broker::Maintain() {
  absl::Time next_sweep = absl::Now() + config_.sweep_interval;
  absl::Time next_crl = absl::Now() + config_.crl_reload_interval;
  absl::Time next_flush = absl::Now() + absl::Seconds(5);
  absl::Time next_expiry = absl::Now() + absl::Hours(24);  // Start said it once
  bool store_writable = true;
  EveryRound([&] {
    const absl::Time now = absl::Now();
    // A store that refuses writes (a full disk) says so once, and once more
    // when it accepts them again; Writable() also resumes it once space is
    // freed, without waiting for a client to write. Meanwhile the broker
    // writes nothing of its own (heads, summaries, sweeps wait).
    if (absl::Status w = store_->Writable(); w.ok() != store_writable) {
      store_writable = w.ok();
      if (store_writable) {
        LogInfo("the store accepts writes again");
      } else {
        LogError(absl::StrCat("the store refuses writes: ", w.message(), "; calls that write are refused with ",
                              absl::StatusCodeToString(w.code()), ", reads are still answered"));
      }
    }
    if (store_writable) {
      if (absl::Status s = signer_->SignIfGrown(); !s.ok()) {
        LogError("signing a tree head failed", {{"error", s.ToString()}});
      }
      if (now >= next_flush) {
        if (absl::Status s = core_->FlushSuppressedRefusals(absl::Seconds(5)); !s.ok()) {
          LogError("writing refusal summaries failed", {{"error", s.ToString()}});
        }
        next_flush = now + absl::Seconds(5);
      }
      if (config_.index && config_.sweep_interval > absl::ZeroDuration() && now >= next_sweep) {
        auto swept = core_->ScheduledSweep();
        if (!swept.ok()) LogError("retention sweep failed", {{"error", swept.status().ToString()}});
        next_sweep = now + config_.sweep_interval;
      }
    }
    if (now >= next_crl) {
      if (auto n = revocations_->Reload(); !n.ok()) {
        LogWarning("CRLs not reloaded (the previous ones stay in force)",
                   {{"error", std::string(n.status().message())}});
      }
      next_crl = now + config_.crl_reload_interval;
    }
    // Certificates and CRLs near their dates: said again once a day (the
    // metrics riec_certificate_not_after_seconds and
    // riec_crl_next_update_seconds carry the dates all the time).
    if (now >= next_expiry) {
      for (const ConfigProblem& p : CheckExpiry(config_, {.now = now})) LogWarning(p.text);
      next_expiry = now + absl::Hours(24);
    }
  });
}

void Broker::ReloadFromSignal() {
  auto r = core_->ReloadFromHost(policy_->Current()->convenant_id());
  if (!r.ok()) {
    LogWarning(absl::StrCat("SIGHUP: policy reload refused: ", r.status().message()));
  } else if (!r->changed()) {
    LogInfo("SIGHUP: policy reload: the file has not changed");
  } else {
    LogInfo(absl::StrCat("SIGHUP: policy reloaded: convenant ", r->current().convenant_id(), " v",
                         r->current().version(), " replaces v", r->previous().version(), "; log record ",
                         r->log_index()));
  }
  auto crls = revocations_->Reload();
  if (crls.ok()) {
    LogInfo(absl::StrCat("SIGHUP: CRLs reloaded: ", *crls, " in force"));
  } else {
    LogWarning(absl::StrCat("SIGHUP: CRLs not reloaded (the previous ones stay in force): ",
                            crls.status().message()));
  }
}

void Broker::Shutdown() {
  if (shut_down_.exchange(true)) return;
  console_server_.reset();  // its calls run on the core, stopped below
  metrics_server_.reset();  // its computed metrics read what is stopped below
  if (maintenance_.joinable()) {
    {
      absl::MutexLock lock(&maintenance_mu_);
      stopping_ = true;
    }
    maintenance_.join();
  }
  if (witnessing_.joinable()) witnessing_.join();
  if (admin_server_) {
    // A backup in progress is stopped (it fails, and says so): a stop does
    // not wait for it.
    store_->StopBackups();
    admin_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    admin_server_->Wait();
    // Removed only if it is still ours.
    struct stat st;
    if (stat(admin_socket_.c_str(), &st) == 0 && st.st_ino == admin_socket_inode_) {
      std::error_code ec;
      std::filesystem::remove(admin_socket_, ec);
    }
  }
  if (!server_) return;
  // Drain first: health says NOT_SERVING, new calls are refused, calls in
  // flight finish (and write their log records), event streams end. gRPC's
  // own Shutdown would otherwise wait out its whole deadline for idle client
  // connections.
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(false);
  transport_->StartDrain();
  log_->Interrupt();
  const int left = transport_->WaitIdle(absl::Seconds(10));
  if (left > 0) LogWarning("calls still running after 10 s are cancelled", {{"calls", left}});
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  server_->Wait();
  // A last head covering every record, so that nothing waits for the next
  // start; and the refusals still counted.
  (void)core_->FlushSuppressedRefusals(absl::ZeroDuration());
  if (absl::Status s = signer_->SignIfGrown(); !s.ok()) {
    LogError("signing the last tree head failed", {{"error", s.ToString()}});
  }
}

}  // namespace riec::server
