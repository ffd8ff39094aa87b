// The web console's port (docs/console.md): HTTPS, TLS 1.3, the broker's
// server certificate, and a client certificate of tls.client_ca that no CRL
// in force revokes — the browser's certificate is the only credential. It
// serves the built console (console.assets) and a JSON API that is one more
// adapter over the core's routes, like the gRPC transport:
//
//   POST /api/riec.v1.<Service>/<Method>   the unary route of that gRPC
//        method; body and answer in the protobuf JSON mapping of its
//        messages; the caller, policy decision, checks and log records are
//        the pipeline's (core/pipeline.h), exactly as over gRPC.
//   GET  /api/session                      who the certificate says the
//        caller is (convenant, partner, role, name).
//
// A refusal is the gRPC status as JSON ({"code": "NOT_FOUND", "message":
// ...}) with the matching HTTP status. Every answer carries a strict
// Content-Security-Policy (own origin only, no inline script), HSTS and
// frame-ancestors 'none'; API answers are never cached; an API call must be
// POST with Content-Type application/json from the console's own origin
// (no ambient authority for another site to borrow: no cookies at all).
//
// Off unless the config has a `console:` section.
//
// Ownership: the core must outlive the server.
// Thread-safety: answers on its own threads; the destructor stops them.
#ifndef RIEC_BROKER_SERVER_CONSOLE_SERVER_H_
#define RIEC_BROKER_SERVER_CONSOLE_SERVER_H_

#include <atomic>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/broker_core.h"
#include "metrics/metrics.h"
#include "server/https.h"
#include "server/peer.h"
#include "server/tls.h"

namespace riec::server {

struct ConsoleConfig {
  std::string listen;  // "host:port"; empty: no console
  std::string assets;  // the built console: a directory with index.html
};

// Checks the settings without binding: INVALID_ARGUMENT naming the key.
absl::Status ValidateConsoleConfig(const ConsoleConfig& config);

// The HTTP status of a gRPC status code (the mapping of docs/console.md).
int HttpStatusOf(absl::StatusCode code);

class ConsoleServer {
 public:
  struct Options {
    std::shared_ptr<const Revocations> revocations;  // may be null
    const core::PolicySource* policies = nullptr;    // PKIoverheid mapping; may be null
    std::shared_ptr<const ConvenantIssuers> issuers;  // may be null
    metrics::Registry* metrics = nullptr;             // may be null
    std::string log_requests = "off";                 // "all", "failures" or "off"
  };
  static absl::StatusOr<std::unique_ptr<ConsoleServer>> Start(const ConsoleConfig& config,
                                                              const TlsFiles& tls, core::BrokerCore* core,
                                                              Options options);
  ~ConsoleServer();

  // "host:port" bound (the port is chosen when the config says 0).
  const std::string& address() const { return listener_->address(); }

 private:
  ConsoleServer(core::BrokerCore* core, Options options);
  struct Answer;
  Answer Handle(const std::string& method, const std::string& body, const std::string& pem,
                const std::string& traceparent);
  Answer Session(const std::string& pem);
  void Observe(const std::string& method, absl::StatusCode code, absl::Duration elapsed,
               const core::Call* call);

  core::BrokerCore* const core_;
  const Options options_;
  CallerCache callers_;
  std::atomic<uint64_t> next_request_id_{1};
  std::unique_ptr<HttpListener> listener_;
};

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_CONSOLE_SERVER_H_
