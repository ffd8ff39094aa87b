#include "server/metrics_server.h"

#include <arpa/inet.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "httplib.h"

namespace riec::server {
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& listen,
                                                          absl::string_view setting) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat(setting, ": '", listen, "' is not host:port (port 0 to 65535)"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) return absl::InvalidArgumentError(absl::StrCat(setting, ": name the host (127.0.0.1, say)"));
  return std::make_pair(host, port);
}

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

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

namespace {

// OpenSSL's verify callback for the metrics port: the chain is OpenSSL's
// to verify; the scraper's own certificate (depth 0) must not be revoked.
// The Revocations are the SSL_CTX's app data.
int VerifyNotRevoked(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok != 1 || X509_STORE_CTX_get_error_depth(store) != 0) return preverify_ok;
  SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* revocations = static_cast<const Revocations*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  BioPtr pem(BIO_new(BIO_s_mem()));
  if (!pem || PEM_write_bio_X509(pem.get(), X509_STORE_CTX_get_current_cert(store)) != 1) return 0;
  char* data = nullptr;
  const long size = BIO_get_mem_data(pem.get(), &data);
  if (revocations->Revoked(absl::string_view(data, static_cast<size_t>(size)))) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REVOKED);
    return 0;
  }
  return 1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const MetricsConfig& config,
                                                                    const TlsFiles& tls,
                                                                    std::shared_ptr<const Revocations> revocations,
                                                                    const metrics::Registry* registry) {
  if (absl::Status s = ValidateMetricsConfig(config); !s.ok()) return s;
  auto hp = SplitHostPort(config.listen, "metrics.listen");
  if (!hp.ok()) return hp.status();
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  if (config.tls) {
    const std::string& ca = config.client_ca.empty() ? tls.client_ca : config.client_ca;
    auto https = std::make_unique<httplib::SSLServer>(tls.cert.c_str(), tls.key.c_str(), ca.c_str());
    if (!https->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metrics: cannot serve HTTPS with ", tls.cert, ", ", tls.key, " and the scrapers' CA ", ca));
    }
    m->revocations_ = std::move(revocations);
    if (m->revocations_ != nullptr) {
      SSL_CTX* ctx = https->ssl_context();
      SSL_CTX_set_app_data(ctx, const_cast<Revocations*>(m->revocations_.get()));
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, VerifyNotRevoked);
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
  if (!http->is_running()) {
    m->thread_.join();
    return absl::UnavailableError(absl::StrCat("metrics.listen: cannot serve on ", m->address_));
  }
  return m;
}

MetricsServer::~MetricsServer() {
  if (http_ != nullptr) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace riec::server
