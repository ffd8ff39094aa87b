#include "server/metrics_server.h"

#include <arpa/inet.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace riec::server {
namespace {

// "host:port" or "[v6]:port".
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics.listen: '", listen, "' is not host:port (port 0 to 65535)"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return absl::InvalidArgumentError("metrics.listen: name the host (127.0.0.1, say)");
  return std::make_pair(host, port);
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

absl::Status ValidateMetricsConfig(const MetricsConfig& c) {
  if (c.listen.empty()) return absl::OkStatus();
  auto hp = SplitHostPort(c.listen);
  if (!hp.ok()) return hp.status();
  if (!c.tls && !IsLoopbackHost(hp->first)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics.listen: ", c.listen, " is not a loopback address; plain HTTP is only for "
        "127.0.0.1 or ::1 (set metrics.tls: true to serve HTTPS with client certificates)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const MetricsConfig& config,
                                                                    const TlsFiles& tls,
                                                                    const metrics::Registry* registry) {
  if (absl::Status s = ValidateMetricsConfig(config); !s.ok()) return s;
  auto hp = SplitHostPort(config.listen);
  if (!hp.ok()) return hp.status();
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  if (config.tls) {
    const std::string& ca = config.client_ca.empty() ? tls.client_ca : config.client_ca;
    auto https = std::make_unique<httplib::SSLServer>(tls.cert.c_str(), tls.key.c_str(), ca.c_str());
    if (!https->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metrics: cannot serve HTTPS with ", tls.cert, ", ", tls.key, " and the scrapers' CA ", ca));
    }
    m->http_ = std::move(https);
  } else {
    m->http_ = std::make_unique<httplib::Server>();
  }
  m->http_->Get("/metrics", [registry](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry->Expose(), "text/plain; version=0.0.4; charset=utf-8");
    res.set_header("Cache-Control", "no-store");
  });
  m->http_->set_payload_max_length(1 << 10);
  int port = hp->second;
  if (port == 0) {
    port = m->http_->bind_to_any_port(hp->first);
  } else if (!m->http_->bind_to_port(hp->first, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "metrics.listen: cannot listen on ", config.listen, " (in use, or not an address of this host)"));
  }
  m->address_ = absl::StrCat(hp->first.find(':') != std::string::npos ? "[" + hp->first + "]" : hp->first,
                             ":", port);
  httplib::Server* http = m->http_.get();
  std::atomic<bool>* ended = &m->ended_;
  m->thread_ = std::thread([http, ended] {
    http->listen_after_bind();
    ended->store(true);
  });
  // stop() only ends a server that runs: wait until it does (or gave up).
  while (!http->is_running() && !ended->load()) absl::SleepFor(absl::Milliseconds(1));
  return m;
}

MetricsServer::~MetricsServer() {
  if (http_ != nullptr) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace riec::server
