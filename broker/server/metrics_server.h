// The operator's metrics port: GET /metrics in the Prometheus text
// exposition format (metrics/metrics.h), off unless the config has a
// `metrics:` section (docs/operations.md, "Monitor"). Plain HTTP only on a
// loopback address; anywhere else HTTPS with the broker's server
// certificate, where the scraper must present a certificate of the
// metrics CA (by default the convenant CA) that no CRL in force revokes.
//
// Ownership: MetricsServer does not own the registry, which must outlive it.
// Thread-safety: the server answers on its own threads; the destructor
// stops it.
#ifndef RIEC_BROKER_SERVER_METRICS_SERVER_H_
#define RIEC_BROKER_SERVER_METRICS_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "metrics/metrics.h"
#include "server/https.h"
#include "server/tls.h"

namespace riec::server {

struct MetricsConfig {
  std::string listen;     // "host:port"; empty: no metrics port
  bool tls = false;       // HTTPS with a client certificate
  std::string client_ca;  // the CA of scrapers' certificates (empty: tls.client_ca)
};

// Checks the settings without binding: INVALID_ARGUMENT naming the key.
absl::Status ValidateMetricsConfig(const MetricsConfig& config);

class MetricsServer {
 public:
  // With TLS, a scraper's certificate that `revocations` (the CRLs of
  // tls.crl_dir, reloaded as for gRPC) revokes is refused.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const MetricsConfig& config,
                                                              const TlsFiles& tls,
                                                              std::shared_ptr<const Revocations> revocations,
                                                              const metrics::Registry* registry);
  ~MetricsServer();

  // "host:port" bound (the port is chosen when the config says 0).
  const std::string& address() const { return listener_->address(); }

 private:
  MetricsServer() = default;
  std::shared_ptr<const Revocations> revocations_;
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_METRICS_SERVER_H_
