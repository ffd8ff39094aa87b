// The whole configuration checked before the broker serves
// (`riec-broker --config F --check`, and every start): files present and
// readable, secrets readable by their owner only, the policy, the server
// certificate's key and chain, certificate and CRL dates, ports free.
// Every problem is listed, not only the first (docs/operations.md,
// "Checking a configuration").
//
// Thread-safety: a pure function of the config and the file system.
#ifndef RIEC_BROKER_SERVER_CONFIG_CHECK_H_
#define RIEC_BROKER_SERVER_CONFIG_CHECK_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/config.h"

namespace riec::server {

struct ConfigProblem {
  // An error stops the broker from starting; a warning (a certificate that
  // expires within the warning period, a CRL near its nextUpdate) is
  // logged at start, and makes --check fail so that it is seen in time.
  enum class Severity { kError, kWarning };
  Severity severity;
  std::string text;  // names the setting and the file, and what to do
};

struct CheckOptions {
  absl::Time now;
  // Whether to try the ports (--check: yes; at start the bind itself says).
  bool ports = true;
  absl::Duration certificate_warning = absl::Hours(24 * 30);
  absl::Duration crl_warning = absl::Hours(24);
};

std::vector<ConfigProblem> CheckBrokerConfig(const BrokerConfig& config, const CheckOptions& options);

// The warnings of the certificate and CRL dates alone, for the broker's
// periodic reminder while it runs.
std::vector<ConfigProblem> CheckExpiry(const BrokerConfig& config, const CheckOptions& options);

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_CONFIG_CHECK_H_
