#include "server/metrics_server.h"

#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace riec::server {
absl::Status ValidateMetricsConfig(const MetricsConfig& c) {
  if (c.listen.empty()) return absl::OkStatus();
  auto hp = SplitHostPort(c.listen, "metrics.listen");
  if (!hp.ok()) return hp.status();
  if (!c.tls && !IsLoopbackHost(hp->first)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics.listen: ", c.listen, " is not a loopback address; plain HTTP is only for "
        "127.0.0.0/8, ::1 or localhost (set metrics.tls: true, or --metrics-tls, to serve HTTPS "
        "with client certificates)"));
  }
  return absl::OkStatus();
}


absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const MetricsConfig& config,
                                                                    const TlsFiles& tls,
                                                                    std::shared_ptr<const Revocations> revocations,
                                                                    const metrics::Registry* registry) {
  if (absl::Status s = ValidateMetricsConfig(config); !s.ok()) return s;
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  std::unique_ptr<httplib::Server> http;
  if (config.tls) {
    m->revocations_ = std::move(revocations);
    auto https = MutualTlsServer(tls.cert, tls.key, config.client_ca.empty() ? tls.client_ca : config.client_ca,
                                 m->revocations_.get(), "metrics");
    if (!https.ok()) return https.status();
    http = *std::move(https);
  } else {
    http = std::make_unique<httplib::Server>();
  }
  http->Get("/metrics", [registry](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry->Expose(), "text/plain; version=0.0.4; charset=utf-8");
    res.set_header("Cache-Control", "no-store");
  });
  http->set_payload_max_length(1 << 10);
  auto listener = HttpListener::Start(std::move(http), config.listen, "metrics.listen");
  if (!listener.ok()) return listener.status();
  m->listener_ = *std::move(listener);
  return m;
}

MetricsServer::~MetricsServer() = default;

}  // namespace riec::server
