#include "server/console_server.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/stat.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "httplib.h"
#include "riec/common/call_metadata.h"
#include "server/grpc_transport.h"
#include "server/operator_log.h"

namespace riec::server {
namespace {

constexpr size_t kMaxBody = 4 << 20;
constexpr char kRequests[] = "riec_console_requests_total";
constexpr char kRequestsHelp[] = "Console API calls finished, per RPC and status code.";
constexpr char kDuration[] = "riec_console_request_duration_seconds";
constexpr char kDurationHelp[] = "Time from a console API call's arrival to its answer, per RPC.";

// Own origin only; no inline script or style, no plug-ins, no framing.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

std::string JsonString(absl::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

std::string PeerCertificatePem(const httplib::Request& req) {
  if (req.ssl == nullptr) return "";
  X509* cert = SSL_get_peer_certificate(const_cast<SSL*>(req.ssl));
  if (cert == nullptr) return "";
  X509Ptr owned(cert);
  BioPtr pem(BIO_new(BIO_s_mem()));
  if (!pem || PEM_write_bio_X509(pem.get(), cert) != 1) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(pem.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

struct ConsoleServer::Answer {
  absl::Status status;
  std::string json;  // when ok
};

absl::Status ValidateConsoleConfig(const ConsoleConfig& c) {
  if (c.listen.empty()) return absl::OkStatus();
  auto hp = SplitHostPort(c.listen, "console.listen");
  if (!hp.ok()) return hp.status();
  if (c.assets.empty()) {
    return absl::InvalidArgumentError(
        "console.assets: name the directory of the built console (the one with index.html; "
        "build/clients/console/dist in a build tree, /usr/share/riec/console when installed)");
  }
  struct stat st {};
  const std::string index = c.assets + "/index.html";
  if (stat(index.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("console.assets: ", c.assets,
                                                   " holds no index.html (is the console built? "
                                                   "cmake --build build --target console)"));
  }
  return absl::OkStatus();
}

int HttpStatusOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return 200;
    case absl::StatusCode::kCancelled: return 499;
    case absl::StatusCode::kInvalidArgument: return 400;
    case absl::StatusCode::kDeadlineExceeded: return 504;
    case absl::StatusCode::kNotFound: return 404;
    case absl::StatusCode::kAlreadyExists: return 409;
    case absl::StatusCode::kPermissionDenied: return 403;
    case absl::StatusCode::kUnauthenticated: return 401;
    case absl::StatusCode::kResourceExhausted: return 429;
    case absl::StatusCode::kFailedPrecondition: return 400;
    case absl::StatusCode::kAborted: return 409;
    case absl::StatusCode::kOutOfRange: return 400;
    case absl::StatusCode::kUnimplemented: return 501;
    case absl::StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

ConsoleServer::ConsoleServer(core::BrokerCore* core, Options options)
    : core_(core), options_(std::move(options)),
      callers_(options_.revocations.get(), options_.policies, options_.issuers) {
  if (options_.metrics != nullptr) {
    options_.metrics->Declare(kRequests, kRequestsHelp, metrics::Registry::Type::kCounter);
    options_.metrics->Declare(kDuration, kDurationHelp, metrics::Registry::Type::kHistogram);
  }
}

ConsoleServer::~ConsoleServer() { listener_.reset(); }

absl::StatusOr<std::unique_ptr<ConsoleServer>> ConsoleServer::Start(const ConsoleConfig& config,
                                                                    const TlsFiles& tls, core::BrokerCore* core,
                                                                    Options options) {
  if (absl::Status s = ValidateConsoleConfig(config); !s.ok()) return s;
  std::unique_ptr<ConsoleServer> c(new ConsoleServer(core, std::move(options)));
  auto https = MutualTlsServer(tls.cert, tls.key, tls.client_ca, c->options_.revocations.get(), "console");
  if (!https.ok()) return https.status();
  std::unique_ptr<httplib::Server> http = *std::move(https);
  ConsoleServer* self = c.get();

  auto reply = [](httplib::Response& res, const Answer& a) {
    if (a.status.ok()) {
      res.status = 200;
      res.set_content(a.json, "application/json");
      return;
    }
    // The message as gRPC would send it (at most 1 KiB).
    const std::string message = ToGrpcStatus(a.status).error_message();
    res.status = HttpStatusOf(a.status.code());
    res.set_content(absl::StrCat("{\"code\":",
                                 JsonString(StatusCodeName(static_cast<grpc::StatusCode>(a.status.code()))),
                                 ",\"message\":", JsonString(message), "}"),
                    "application/json");
  };
  // What a browser sends with a request another site made it send: refused
  // before anything is read or run.
  auto cross_site = [](const httplib::Request& req) -> std::optional<absl::Status> {
    const std::string site = req.get_header_value("Sec-Fetch-Site");
    if (!site.empty() && site != "same-origin") {
      return absl::PermissionDeniedError(
          absl::StrCat("Sec-Fetch-Site: the console's API answers only the console itself, not '", site, "'"));
    }
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && origin != absl::StrCat("https://", req.get_header_value("Host"))) {
      return absl::PermissionDeniedError("Origin: the console's API answers only the console's own origin");
    }
    return std::nullopt;
  };

  http->Post(R"(/api/(riec\.v1\.[A-Za-z]+/[A-Za-z]+))",
             [self, reply, cross_site](const httplib::Request& req, httplib::Response& res) {
               if (auto refused = cross_site(req)) return reply(res, {*refused, ""});
               if (!absl::StartsWith(req.get_header_value("Content-Type"), "application/json")) {
                 return reply(res, {absl::InvalidArgumentError(
                                        "Content-Type: send the request as application/json "
                                        "(the protobuf JSON mapping of the method's request message)"),
                                    ""});
               }
               reply(res, self->Handle(absl::StrCat("/", req.matches[1].str()), req.body, PeerCertificatePem(req),
                                       req.get_header_value("traceparent")));
             });
  http->Get("/api/session", [self, reply, cross_site](const httplib::Request& req, httplib::Response& res) {
    if (auto refused = cross_site(req)) return reply(res, {*refused, ""});
    reply(res, self->Session(PeerCertificatePem(req)));
  });
  // Any other API path: not a route (a GET of a method, say).
  http->Get(R"(/api/.*)", [reply](const httplib::Request&, httplib::Response& res) {
    reply(res, {absl::UnimplementedError("the console's API takes POST /api/riec.v1.<Service>/<Method>"), ""});
  });
  http->Post(R"(/.*)", [reply](const httplib::Request&, httplib::Response& res) {
    reply(res, {absl::UnimplementedError("no such route: the console's API takes POST /api/riec.v1.<Service>/<Method>"),
                ""});
  });
  if (!http->set_mount_point("/", config.assets)) {
    return absl::InvalidArgumentError(absl::StrCat("console.assets: ", config.assets, " cannot be served"));
  }
  http->set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Content-Security-Policy", kContentSecurityPolicy);
    res.set_header("Strict-Transport-Security", "max-age=31536000");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cross-Origin-Opener-Policy", "same-origin");
    res.set_header("Cross-Origin-Resource-Policy", "same-origin");
    res.set_header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    // API answers are about people and cases: never kept. The console's
    // own files are checked again on every load (an upgrade shows at once).
    res.set_header("Cache-Control", absl::StartsWith(req.path, "/api/") ? "no-store" : "no-cache");
  });
  http->set_payload_max_length(kMaxBody);
  auto listener = HttpListener::Start(std::move(http), config.listen, "console.listen");
  if (!listener.ok()) return listener.status();
  c->listener_ = *std::move(listener);
  return c;
}

ConsoleServer::Answer ConsoleServer::Session(const std::string& pem) {
  auto caller = callers_.CallerOf(pem, [&pem] { return UriSans(pem); });
  if (!caller.ok()) return {caller.status(), ""};
  const Identity& id = caller->identity;
  std::string json = absl::StrCat("{\"convenant\":", JsonString(id.convenant), ",\"partner\":",
                                  JsonString(id.partner), ",\"role\":", JsonString(id.role));
  if (!id.name.empty()) absl::StrAppend(&json, ",\"name\":", JsonString(id.name));
  return {absl::OkStatus(), json + "}"};
}

ConsoleServer::Answer ConsoleServer::Handle(const std::string& method, const std::string& body,
                                            const std::string& pem, const std::string& traceparent) {
  const absl::Time started = absl::Now();
  const core::Route* route = core_->Find(method);
  if (route == nullptr || route->shape != core::Route::Shape::kUnary) {
    absl::Status s = absl::UnimplementedError(
        absl::StrCat(method, ": not a method of the console's API (the unary methods of proto/riec/v1)"));
    Observe("unknown", s.code(), absl::Now() - started, nullptr);
    return {s, ""};
  }
  core::Call call;
  call.method = method;
  auto caller = callers_.CallerOf(pem, [&pem] { return UriSans(pem); });
  if (!caller.ok()) {
    absl::Status s = caller.status();
    if (s.code() == absl::StatusCode::kUnauthenticated) {
      call.caller.certificate_sha256 = CertificateSha256(pem);
      s = core_->RefuseUnidentified(call, s);
    }
    Observe(method, s.code(), absl::Now() - started, nullptr);
    return {s, ""};
  }
  call.caller = *std::move(caller);
  if (!traceparent.empty()) {
    auto trace = ParseTraceParent(traceparent);
    if (!trace.ok()) {
      Observe(method, trace.status().code(), absl::Now() - started, &call);
      return {trace.status(), ""};
    }
    call.trace_id = trace->trace_id;
    call.span_id = trace->span_id;
  }
  std::unique_ptr<google::protobuf::Message> request(route->request->New());
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = false;
  if (auto s = google::protobuf::util::JsonStringToMessage(body.empty() ? "{}" : body, request.get(), parse);
      !s.ok()) {
    absl::Status bad = absl::InvalidArgumentError(
        absl::StrCat("request body: not a valid ", route->request->GetDescriptor()->full_name(),
                     " in the protobuf JSON mapping: ", s.message().as_string()));
    Observe(method, bad.code(), absl::Now() - started, &call);
    return {bad, ""};
  }
  auto response = core_->Invoke(call, *route, *request);
  if (!response.ok()) {
    Observe(method, response.status().code(), absl::Now() - started, &call);
    return {response.status(), ""};
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  if (auto s = google::protobuf::util::MessageToJsonString(**response, &json, print); !s.ok()) {
    absl::Status internal = absl::InternalError("the answer could not be written as JSON");
    Observe(method, internal.code(), absl::Now() - started, &call);
    return {internal, ""};
  }
  Observe(method, absl::StatusCode::kOk, absl::Now() - started, &call);
  return {absl::OkStatus(), std::move(json)};
}

void ConsoleServer::Observe(const std::string& method, absl::StatusCode code, absl::Duration elapsed,
                            const core::Call* call) {
  const std::string name = StatusCodeName(static_cast<grpc::StatusCode>(code));
  if (options_.metrics != nullptr) {
    options_.metrics->GetCounter(kRequests, kRequestsHelp, {{"method", method}, {"code", name}}).Add();
    options_.metrics->GetHistogram(kDuration, kDurationHelp, metrics::LatencyBuckets(), {{"method", method}})
        .ObserveDuration(elapsed);
  }
  if (options_.log_requests == "off" || (options_.log_requests == "failures" && code == absl::StatusCode::kOk)) {
    return;
  }
  std::vector<LogField> fields{{"request_id", next_request_id_.fetch_add(1)},
                               {"transport", "console"},
                               {"rpc", method},
                               {"code", name},
                               {"latency_ms", absl::ToDoubleMilliseconds(elapsed)}};
  if (call != nullptr && !call->caller.identity.partner.empty()) {
    fields.emplace_back("partner", call->caller.identity.partner);
    fields.emplace_back("role", call->caller.identity.role);
  }
  if (call != nullptr && !call->trace_id.empty()) fields.emplace_back("trace_id", call->trace_id);
  if (code == absl::StatusCode::kInternal || code == absl::StatusCode::kDataLoss ||
      code == absl::StatusCode::kUnknown) {
    LogError("request", fields);
  } else {
    LogInfo("request", fields);
  }
}

}  // namespace riec::server
