// The broker's configuration: one YAML file (docs/operations.md) whose
// values command-line flags may override.
//
// Thread-safety: value type and pure functions.
#ifndef RIEC_BROKER_SERVER_CONFIG_H_
#define RIEC_BROKER_SERVER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/console_server.h"
#include "server/metrics_server.h"
#include "server/tls.h"

namespace riec::server {

struct BrokerConfig {
  std::string listen = "127.0.0.1:7443";
  TlsFiles tls;
  std::string data_dir = "/var/lib/riec/data";
  std::string policy;  // required
  std::string key_dir = "/var/lib/riec/keys";
  // Which services this process hosts: "pseudonymiser" and/or "index" (the
  // index, signals and stage-1 inquiry). A Pseudonymiser run apart from the
  // index gives separation of duties: the index's operator never holds the
  // OPRF key.
  bool pseudonymiser = true;
  bool index = true;
  // Written once the server listens: "host:port\n" (for supervisors and
  // tests that start the broker on port 0).
  std::string ready_file;
  // How often the retention sweeper runs; zero: only when an operator asks.
  absl::Duration sweep_interval = absl::Hours(1);
  // How often a tree head is signed while records arrive.
  absl::Duration tree_head_interval = absl::Seconds(2);
  // How often the CRLs of tls.crl_dir are read again (also on SIGHUP).
  absl::Duration crl_reload_interval = absl::Minutes(1);
  // The store's memory budget (block cache and memtables together): what
  // the working set of the index, its filters and the recent writes may
  // keep in memory (docs/storage.md).
  size_t store_memory_bytes = 128 << 20;
  // Free space the store keeps on the data disk: below it, writes are
  // refused and the broker does not start (docs/operations.md, "A full
  // disk").
  uint64_t store_reserve_bytes = uint64_t{256} << 20;
  // The admin socket (proto/riec/v1/local.proto): a Unix socket of mode
  // 600 for `riec-broker backup`. Empty: "<data_dir>.sock"; "off": none.
  std::string admin_socket;
  // The operator's metrics port (server/metrics_server.h); off unless set.
  MetricsConfig metrics;
  // The web console's HTTPS port (server/console_server.h); off unless set.
  ConsoleConfig console;
  // The operator's log on stderr: "json" or "logfmt" (server/operator_log.h).
  std::string log_format = "json";
  // Which requests get a line: "all", "failures" (any code but OK) or "off".
  std::string log_requests = "all";
  // Tests only (with RIEC_TESTING=1): the file whose offset moves the
  // broker's clock (riec/common/clock.h OffsetFileClock).
  std::string test_clock_file;
};

// Reads a config file over the defaults. INVALID_ARGUMENT naming the file,
// line and key for unknown keys or bad values.
absl::StatusOr<BrokerConfig> LoadBrokerConfig(const std::string& path);

// The admin socket's path ("" when it is off).
std::string AdminSocketPath(const BrokerConfig& config);

// Parses "pseudonymiser,index" (or "all") into the config.
absl::Status SetServices(const std::string& list, BrokerConfig* config);

// Parses "1h", "30m", ... or "0"/"off" into the config.
absl::Status SetSweepInterval(const std::string& text, BrokerConfig* config);

// Checks that the required values are present.
absl::Status ValidateBrokerConfig(const BrokerConfig& config);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_CONFIG_H_
