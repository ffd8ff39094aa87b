// riec-broker: the RIEC information-sharing broker (README.md, DESIGN.md).
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <thread>
#include <tuple>

#include "CLI/CLI.hpp"
#include "google/protobuf/stubs/logging.h"
#include "server/broker.h"
#include "server/config.h"
#include "server/config_check.h"
#include "server/key_ceremony.h"
#include "server/local_operations.h"
#include "server/operator_log.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "riec/policy/policy.h"

int main(int argc, char** argv) {
  CLI::App app{
      "riec-broker — privacy-preserving information-sharing broker for the partners of a "
      "RIEC.\n\nServes the Pseudonymiser, the pseudonymised index, signals and stage-1 "
      "questions over gRPC with mutual TLS (TLS 1.3). Settings come from --config and may "
      "be overridden by flags. See docs/operations.md."};
  std::string config_file, listen, cert, key, client_ca, crl_dir, data_dir, policy, key_dir,
      services, ready_file;
  app.add_option("--config", config_file, "YAML configuration file")->check(CLI::ExistingFile);
  app.add_option("--listen", listen, "address to listen on, host:port (default 127.0.0.1:7443; port 0 picks one)");
  app.add_option("--tls-cert", cert, "server certificate (PEM)");
  app.add_option("--tls-key", key, "server private key (PEM)");
  app.add_option("--tls-client-ca", client_ca, "CA certificate that issues client certificates (PEM)");
  app.add_option("--tls-crl-dir", crl_dir, "directory of hashed CRL files; revoked certificates are refused");
  std::string convenant_ca;
  app.add_option("--tls-convenant-ca", convenant_ca,
                 "the convenant CA: the only issuer of riec:// identities (default: every CA of --tls-client-ca); "
                 "set it when the client CA bundle holds PKIoverheid CAs too");
  app.add_option("--data-dir", data_dir, "RocksDB data directory (created on first start)");
  app.add_option("--policy", policy, "convenant policy file (YAML, docs/policy.md)");
  app.add_option("--key-dir", key_dir, "key directory; the OPRF key is created there on first start");
  app.add_option("--services", services, "services to host: all (default), pseudonymiser, index");
  app.add_option("--ready-file", ready_file, "write host:port to this file once listening");
  std::string sweep_interval, tree_head_interval, crl_reload_interval, test_clock;
  app.add_option("--test-clock", test_clock,
                 "tests only (needs RIEC_TESTING=1): a file with a clock offset in seconds")
      ->group("");
  app.add_option("--tree-head-interval", tree_head_interval,
                 "how often a tree head is signed while records arrive (default 2s)");
  app.add_option("--crl-reload-interval", crl_reload_interval,
                 "how often the CRLs of --tls-crl-dir are read again (default 1m; also on SIGHUP)");
  app.add_option("--sweep-interval", sweep_interval,
                 "how often the retention sweeper runs, e.g. 1h (default); 0 or off: only on request");
  size_t store_memory_mib = 0;
  app.add_option("--store-memory-mib", store_memory_mib,
                 "memory for the store's caches and write buffers, in MiB (default 128)")
      ->check(CLI::Range(16, 65536));
  int64_t store_reserve_mib = -1;
  app.add_option("--store-reserve-mib", store_reserve_mib,
                 "free space to keep on the data disk, in MiB: below it writes are refused "
                 "(default 256, at least 4)")
      ->check(CLI::Range(4, 1 << 20));
  // riec-broker pseudonymiser keygen: the key ceremony of threshold
  // pseudonyms (docs/pseudonyms.md §5).
  auto* pseudonymiser = app.add_subcommand("pseudonymiser", "tools for the Pseudonymiser's key");
  auto* keygen = pseudonymiser->add_subcommand(
      "keygen", "split the OPRF key into shares for threshold Pseudonymiser instances");
  uint32_t threshold = 0, shares = 0;
  std::string share_out, from_key_dir;
  keygen->add_option("--threshold", threshold, "how many instances must answer (2 or more)")->required();
  keygen->add_option("--shares", shares, "how many instances hold a share (at most 255)")->required();
  keygen->add_option("--out", share_out, "directory for share-<i>/ and public.yaml (must not exist)")->required();
  keygen->add_option("--from-key-dir", from_key_dir,
                     "split the key of this key directory (its oprf.key), keeping the index's pseudonyms; "
                     "default: a fresh key");
  std::string log_format, metrics_listen;
  app.add_option("--log-format", log_format, "the operator's log on stderr: json (default) or logfmt");
  app.add_option("--metrics-listen", metrics_listen,
                 "serve Prometheus metrics on host:port (plain HTTP on loopback only; default off)");
  std::string console_listen, console_assets;
  app.add_option("--console-listen", console_listen,
                 "serve the web console for chairs, privacy officers and coordinators over HTTPS on "
                 "host:port (client certificates of tls.client_ca; default off)");
  app.add_option("--console-assets", console_assets,
                 "the built console's directory (with index.html) that --console-listen serves");
  bool metrics_tls = false;
  app.add_flag("--metrics-tls", metrics_tls,
               "serve metrics over HTTPS: the scraper presents a certificate of metrics.client_ca "
               "(default: the convenant CA)");
  bool check = false;
  app.add_flag("--check", check,
               "check the whole configuration (files, key modes, policy, certificates and their dates, "
               "ports), list every problem, and exit: 0 if there is none, 1 otherwise");
  std::string admin_socket;
  app.add_option("--admin-socket", admin_socket,
                 "Unix socket for riec-broker backup (mode 600; default <data-dir>.sock; off: none)");
  // riec-broker backup / restore (docs/operations.md, "Backup and restore").
  auto* backup = app.add_subcommand(
      "backup",
      "take a consistent backup of the store into a backup directory: from the running broker "
      "(over its admin socket) while it serves, or directly when it is stopped.\n"
      "The broker's own --config (for its data_dir and admin_socket), --data-dir and\n"
      "--admin-socket apply, e.g.\n"
      "  riec-broker backup --config /etc/riec/broker.yaml --to /var/backups/riec\n"
      "The keys of key_dir are not in it: keep them apart (docs/operations.md).");
  backup->fallthrough();
  std::string backup_to;
  backup->add_option("--to", backup_to, "backup directory (created if missing; backups accumulate)")->required();
  auto* restore = app.add_subcommand(
      "restore",
      "restore a backup into a new or empty data directory and check its disclosure log.\n"
      "The data directory is --data-dir, or the data_dir of --config, e.g.\n"
      "  riec-broker restore --from /var/backups/riec --data-dir /var/lib/riec/data.new\n"
      "Then start the broker on it with the key_dir it had.");
  restore->fallthrough();
  std::string restore_from;
  uint32_t restore_id = 0;
  bool restore_list = false;
  restore->add_option("--from", restore_from, "backup directory")->required();
  restore->add_option("--backup", restore_id, "backup id (default: the newest)");
  restore->add_flag("--list", restore_list, "list the backups and restore nothing");
  CLI11_PARSE(app, argc, argv);
  if (*keygen) return riec::server::SplitOprfKey(threshold, shares, share_out, from_key_dir, std::cout);

  riec::server::BrokerConfig config;
  if (!config_file.empty()) {
    auto loaded = riec::server::LoadBrokerConfig(config_file);
    if (!loaded.ok()) {
      std::cerr << "riec-broker: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  auto set = [](std::string& target, const std::string& flag) {
    if (!flag.empty()) target = flag;
  };
  set(config.listen, listen);
  set(config.tls.cert, cert);
  set(config.tls.key, key);
  set(config.tls.client_ca, client_ca);
  set(config.tls.crl_dir, crl_dir);
  set(config.tls.convenant_ca, convenant_ca);
  set(config.data_dir, data_dir);
  set(config.policy, policy);
  set(config.key_dir, key_dir);
  set(config.ready_file, ready_file);
  set(config.test_clock_file, test_clock);
  set(config.admin_socket, admin_socket);
  if (*backup) {
    return riec::server::BackupCommand(riec::server::AdminSocketPath(config), config.data_dir, backup_to,
                                       std::cout, std::cerr);
  }
  if (*restore) {
    if (!restore_list && data_dir.empty() && config_file.empty()) {
      std::cerr << "riec-broker restore: say where to restore: --data-dir DIR (a new or empty "
                   "directory), or --config F for its data_dir\n";
      return 2;
    }
    return riec::server::RestoreCommand(restore_from, restore_id, config.data_dir, restore_list, std::cout,
                                        std::cerr);
  }
  if (!log_format.empty()) config.log_format = log_format;
  if (!metrics_listen.empty()) config.metrics.listen = metrics_listen;
  if (metrics_tls) config.metrics.tls = true;
  if (!console_listen.empty()) config.console.listen = console_listen;
  if (!console_assets.empty()) config.console.assets = console_assets;
  if (absl::Status s = riec::server::SetLogFormat(config.log_format); !s.ok()) {
    std::cerr << "riec-broker: --log-format: " << s.message() << "\n";
    return 2;
  }
  for (const absl::Status& s : {riec::server::ValidateMetricsConfig(config.metrics),
                                 riec::server::ValidateConsoleConfig(config.console)}) {
    if (!s.ok()) {
      std::cerr << "riec-broker: " << s.message() << "\n";
      return 2;
    }
  }
  if (store_memory_mib != 0) config.store_memory_bytes = store_memory_mib << 20;
  if (store_reserve_mib >= 0) config.store_reserve_bytes = static_cast<uint64_t>(store_reserve_mib) << 20;
  if (!config.test_clock_file.empty()) {
    riec::server::LogWarning(absl::StrCat("TEST CLOCK in use (", config.test_clock_file,
                                          "): for tests only, never in service"));
  }
  if (!sweep_interval.empty()) {
    if (absl::Status s = riec::server::SetSweepInterval(sweep_interval, &config); !s.ok()) {
      std::cerr << "riec-broker: --sweep-interval: " << s.message() << "\n";
      return 2;
    }
  }
  for (auto [flag, text, target] :
       {std::tuple{"--tree-head-interval", &tree_head_interval, &config.tree_head_interval},
        std::tuple{"--crl-reload-interval", &crl_reload_interval, &config.crl_reload_interval}}) {
    if (text->empty()) continue;
    auto d = riec::policy::ParseDuration(*text);
    if (!d.ok() || *d <= absl::ZeroDuration()) {
      std::cerr << "riec-broker: " << flag << ": "
                << (d.ok() ? std::string("must be positive") : std::string(d.status().message()))
                << "\n";
      return 2;
    }
    *target = *d;
  }
  if (!services.empty()) {
    if (absl::Status s = riec::server::SetServices(services, &config); !s.ok()) {
      std::cerr << "riec-broker: " << s.message() << "\n";
      return 2;
    }
  }
  if (check) {
    using riec::server::ConfigProblem;
    const auto problems = riec::server::CheckBrokerConfig(config, {.now = absl::Now()});
    const std::string what = config_file.empty() ? "the configuration" : config_file;
    for (const ConfigProblem& p : problems) {
      std::cout << (p.severity == ConfigProblem::Severity::kError ? "error: " : "warning: ") << p.text << "\n";
    }
    if (problems.empty()) {
      std::cout << "riec-broker --check: " << what << ": no problems found\n";
      return 0;
    }
    std::cout << "riec-broker --check: " << what << ": " << problems.size()
              << (problems.size() == 1 ? " problem" : " problems")
              << " (errors stop the broker from starting; warnings are logged when it starts)\n";
    return 1;
  }

  // Protobuf reports each request it cannot parse on stderr; the broker
  // answers those requests itself (INVALID_ARGUMENT naming the field), so
  // its own log stays free of them. Fatal messages still go out.
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file, int line,
                                     const std::string& message) {
    if (level == google::protobuf::LOGLEVEL_FATAL) {
      riec::server::LogError(absl::StrCat("protobuf: ", file, ":", line, ": ", message));
    }
  });

  // A peer that closes its connection must not end the process: OpenSSL
  // writes to the metrics port's TLS sockets with write(), which raises
  // SIGPIPE (gRPC's own sockets never do).
  signal(SIGPIPE, SIG_IGN);

  // Signals are taken by one thread, so that shutdown and reload happen
  // outside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto broker = riec::server::Broker::Start(config);
  if (!broker.ok()) {
    riec::server::LogError(absl::StrCat("cannot start: ", broker.status().message()));
    return 1;
  }
  riec::server::LogInfo((*broker)->Summary());

  std::thread waiter([&] {
    int sig = 0;
    while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
      (*broker)->ReloadFromSignal();
    }
    riec::server::LogInfo(absl::StrCat(sig == SIGINT ? "SIGINT" : "SIGTERM", ", shutting down"));
    (*broker)->Shutdown();
  });
  (*broker)->Wait();
  waiter.join();
  broker->reset();
  riec::server::LogInfo("stopped");
  return 0;
}
