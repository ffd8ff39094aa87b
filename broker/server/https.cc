#include "server/https.h"

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

namespace {

// OpenSSL's verify callback: the chain is OpenSSL's to verify; the peer's
// own certificate (depth 0) must not be revoked. The Revocations are the
// SSL_CTX's app data.
int VerifyNotRevoked(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok != 1 || X509_STORE_CTX_get_error_depth(store) != 0) return preverify_ok;
  SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* revocations = static_cast<const Revocations*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (revocations == nullptr) return 1;
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

absl::StatusOr<std::unique_ptr<httplib::SSLServer>> MutualTlsServer(const std::string& cert,
                                                                    const std::string& key,
                                                                    const std::string& client_ca,
                                                                    const Revocations* revocations,
                                                                    absl::string_view setting) {
  auto https = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str(), client_ca.c_str());
  if (!https->is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat(setting, ": cannot serve HTTPS with ", cert, ", ", key,
                                                   " and the clients' CA ", client_ca));
  }
  SSL_CTX* ctx = https->ssl_context();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return absl::InternalError(absl::StrCat(setting, ": OpenSSL refused to require TLS 1.3"));
  }
  SSL_CTX_set_app_data(ctx, const_cast<Revocations*>(revocations));
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, VerifyNotRevoked);
  return https;
}

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(std::unique_ptr<httplib::Server> http,
                                                                 const std::string& listen,
                                                                 absl::string_view setting) {
  auto hp = SplitHostPort(listen, setting);
  if (!hp.ok()) return hp.status();
  std::unique_ptr<HttpListener> l(new HttpListener());
  l->http_ = std::move(http);
  int port = hp->second;
  if (port == 0) {
    port = l->http_->bind_to_any_port(hp->first);
  } else if (!l->http_->bind_to_port(hp->first, port)) {
    port = -1;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat(setting, ": cannot listen on ", listen,
                                               " (in use, or not an address of this host)"));
  }
  l->address_ = absl::StrCat(hp->first.find(':') != std::string::npos ? "[" + hp->first + "]" : hp->first,
                             ":", port);
  httplib::Server* server = l->http_.get();
  std::atomic<bool>* ended = &l->ended_;
  l->thread_ = std::thread([server, ended] {
    server->listen_after_bind();
    ended->store(true);
  });
  // stop() only ends a server that runs: wait until it does (or gave up).
  while (!server->is_running() && !ended->load()) absl::SleepFor(absl::Milliseconds(1));
  if (!server->is_running()) {
    l->thread_.join();
    l->http_.reset();
    return absl::UnavailableError(absl::StrCat(setting, ": cannot serve on ", l->address_));
  }
  return l;
}

HttpListener::~HttpListener() {
  if (http_ != nullptr) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace riec::server
