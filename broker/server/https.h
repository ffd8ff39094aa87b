// What the broker's two HTTP ports share (the metrics port,
// server/metrics_server.h, and the console, server/console_server.h):
// "host:port" settings, an HTTPS server that requires a client certificate
// of a given CA that no CRL in force revokes, and a listener that serves on
// its own thread until destroyed.
//
// Thread-safety: HttpListener answers on cpp-httplib's threads; its
// destructor stops and joins them.
#ifndef RIEC_BROKER_SERVER_HTTPS_H_
#define RIEC_BROKER_SERVER_HTTPS_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/statusor.h"
#include "server/tls.h"

namespace httplib {
class Server;
class SSLServer;
}  // namespace httplib

namespace riec::server {

// "host:port" or "[v6]:port"; INVALID_ARGUMENT naming `setting`.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& listen,
                                                          absl::string_view setting);

// Whether `host` (of "host:port") is a loopback address.
bool IsLoopbackHost(const std::string& host);

// An HTTPS server with `cert` and `key`, TLS 1.3 only, that completes a
// handshake only with a client certificate issued by a CA of `client_ca`
// and, with `revocations`, not revoked by a CRL in force (which must
// outlive the server). INVALID_ARGUMENT naming `setting` if the files do
// not make a server.
absl::StatusOr<std::unique_ptr<httplib::SSLServer>> MutualTlsServer(const std::string& cert,
                                                                    const std::string& key,
                                                                    const std::string& client_ca,
                                                                    const Revocations* revocations,
                                                                    absl::string_view setting);

// Serves `http` on `listen` (port 0: one the system chooses) on its own
// thread until destroyed. UNAVAILABLE naming `setting` if it cannot bind.
class HttpListener {
 public:
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(std::unique_ptr<httplib::Server> http,
                                                             const std::string& listen,
                                                             absl::string_view setting);
  ~HttpListener();

  // "host:port" bound.
  const std::string& address() const { return address_; }

 private:
  HttpListener() = default;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  std::atomic<bool> ended_{false};
  std::string address_;
};

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_HTTPS_H_
