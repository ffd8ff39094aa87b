#include "server/grpc_transport.h"

#include <grpcpp/impl/codegen/proto_utils.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"
#include "riec/common/identifiers.h"
#include "riec/v1/events.pb.h"
#include "server/operator_log.h"

namespace riec::server {
namespace {

constexpr size_t kMaxStatusMessage = 1024;
constexpr size_t kEventsPerBatch = 500;

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

bool ValidUtf8(absl::string_view s) {
  size_t i = 0;
  uint32_t cp = 0;
  while (i < s.size()) {
    if (!NextCodePoint(s, &i, &cp)) return false;
  }
  return true;
}

// The path of the first string that is not UTF-8, or "" if none.
std::string FirstBadString(const Descriptor* type, const UnknownFieldSet& fields,
                           const std::string& path, int depth) {
  if (depth > 32) return "";
  std::map<int, int> seen;  // field number -> occurrences so far
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& u = fields.field(i);
    const FieldDescriptor* f = type->FindFieldByNumber(u.number());
    if (f == nullptr || u.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const int n = seen[u.number()]++;
    const std::string name = absl::StrCat(path.empty() ? "" : path + ".", f->name(),
                                          f->is_repeated() ? absl::StrCat("[", n, "]") : "");
    if (f->type() == FieldDescriptor::TYPE_STRING && !ValidUtf8(u.length_delimited())) return name;
    if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
      UnknownFieldSet inner;
      if (inner.ParseFromString(u.length_delimited())) {
        std::string bad = FirstBadString(f->message_type(), inner, name, depth + 1);
        if (!bad.empty()) return bad;
      }
    }
  }
  return "";
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  std::string message(s.message());
  if (message.size() > kMaxStatusMessage) {
    size_t cut = kMaxStatusMessage;
    while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) --cut;
    message = absl::StrCat(message.substr(0, cut), "…");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), message);
}

absl::Status DescribeParseFailure(const Descriptor* type, const std::string& bytes) {
  UnknownFieldSet fields;
  if (fields.ParseFromString(bytes)) {
    const std::string bad = FirstBadString(type, fields, "", 0);
    if (!bad.empty()) return absl::InvalidArgumentError(absl::StrCat(bad, ": not valid UTF-8"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "request: not a valid ", type->full_name(), " message (truncated, or not protobuf)"));
}

std::string StatusCodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};
  const int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : absl::StrCat("CODE_", i);
}

// ---- worker pool ----

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) t.join();
}

void WorkerPool::Schedule(std::function<void()> task) {
  absl::MutexLock l(&mu_);
  queue_.push_back(std::move(task));
}

void WorkerPool::Run() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock l(&mu_);
      auto ready = [this] {
        mu_.AssertHeld();
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

// ---- calls ----

// One call. At any time it has exactly one thing in flight — a gRPC read or
// write, a task on the pool, or (an event stream) a wait for the log to
// grow — so its steps never run concurrently, and Finish is called once.
class GrpcTransport::CallReactor final : public grpc::ServerGenericBidiReactor {
 public:
  CallReactor(GrpcTransport* t, grpc::GenericCallbackServerContext* ctx)
      : t_(t), ctx_(ctx), started_(absl::Now()), request_id_(t->next_request_id_.fetch_add(1)) {
    t_->in_flight_.fetch_add(1);
    route_ = t_->core_->Find(ctx->method());
    if (route_ == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                          absl::StrCat("method ", ctx->method(), " is not a method of this broker")));
      return;
    }
    if (t_->draining_.load()) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "riec-broker is shutting down; retry in a moment"));
      return;
    }
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      if (route_->shape == core::Route::Shape::kClientStream && read_any_) {
        Schedule([this] { FinishClientStream(); });
      } else {
        Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "request: no request message was sent"));
      }
      return;
    }
    read_any_ = true;
    Schedule([this] { HandleMessage(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);  // the client went away
      return;
    }
    Schedule([this] { Pump(); });
  }

  void OnCancel() override {
    cancelled_.store(true);
    // A stream waiting for events is finished here; anything else notices
    // at its next step.
    bool was_waiting = false;
    {
      absl::MutexLock l(&t_->waiting_mu_);
      was_waiting = t_->waiting_.erase(this) > 0;
    }
    if (was_waiting) Finish(grpc::Status::OK);
  }

  void OnDone() override {
    t_->Observe(*this);
    if (streaming_) {
      t_->open_streams_.fetch_sub(1);
      absl::MutexLock l(&t_->streams_mu_);
      t_->streams_.erase(this);
    }
    t_->in_flight_.fetch_sub(1);
    delete this;
  }

  // Woken from the waiting set.
  void Wake() { Schedule([this] { Pump(); }); }

  // What the operator's metrics and log see of the call.
  const std::string& method() const { return route_ != nullptr ? route_->method : kUnknownMethod; }
  grpc::StatusCode code() const { return cancelled_.load() ? grpc::StatusCode::CANCELLED : code_; }
  absl::Duration elapsed() const { return absl::Now() - started_; }
  bool streaming() const { return streaming_; }
  uint64_t request_id() const { return request_id_; }
  const std::string& partner() const { return partner_; }
  const std::string& role() const { return role_; }
  const std::string& trace_id() const { return trace_id_; }

 private:
  static inline const std::string kUnknownMethod = "unknown";

  // Every way the call ends passes here, so its code is known at OnDone.
  void Finish(grpc::Status s) {
    code_ = s.error_code();
    grpc::ServerGenericBidiReactor::Finish(std::move(s));
  }
  void Schedule(std::function<void()> step) { t_->pool_.Schedule(std::move(step)); }

  // The caller, established again for every message of a client stream and
  // every step of an event stream (a cached lookup): a certificate revoked
  // while its stream is open stops it.
  absl::StatusOr<core::Call> Caller() {
    auto call = t_->callers_.CallOf(*ctx_, ctx_->method());
    if (call.ok() && partner_.empty()) {
      partner_ = call->caller.identity.partner;
      role_ = call->caller.identity.role;
      trace_id_ = call->trace_id;
    }
    if (!call.ok()) {
      if (call.status().code() == absl::StatusCode::kUnauthenticated) {
        core::Call unknown;
        unknown.method = ctx_->method();
        unknown.caller.certificate_sha256 = t_->callers_.CertificateOf(*ctx_);
        return t_->core_->RefuseUnidentified(unknown, call.status());
      }
      return call.status();
    }
    return call;
  }

  // The request message of the route, parsed from what was read.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Parse() {
    std::unique_ptr<google::protobuf::Message> m(route_->request->New());
    if (!m->ParseFromString(raw_)) return DescribeParseFailure(route_->request->GetDescriptor(), raw_);
    m->DiscardUnknownFields();  // only fields this broker knows travel on
    return m;
  }

  void HandleMessage() {
    raw_.clear();
    std::vector<grpc::Slice> slices;
    if (in_.Dump(&slices).ok()) {
      raw_.reserve(in_.Length());
      for (const auto& s : slices) raw_.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    in_.Clear();
    absl::StatusOr<core::Call> call = Caller();
    if (!call.ok()) return Finish(ToGrpcStatus(call.status()));
    auto request = Parse();
    if (!request.ok()) return Finish(ToGrpcStatus(request.status()));
    switch (route_->shape) {
      case core::Route::Shape::kUnary: {
        auto response = t_->core_->Invoke(*call, *route_, **request);
        if (!response.ok()) return Finish(ToGrpcStatus(response.status()));
        return WriteAndFinish(**response);
      }
      case core::Route::Shape::kClientStream: {
        auto response = t_->core_->Invoke(*call, *route_, **request);
        if (!response.ok()) {
          return Finish(ToGrpcStatus(absl::Status(
              response.status().code(),
              absl::StrCat("batch ", batches_, ": ", response.status().message(), " (",
                           stored_, " entries of earlier batches are stored)"))));
        }
        const auto& r = static_cast<const v1::PublishResponse&>(**response);
        stored_ += r.stored();
        last_index_ = r.log_index();
        ++batches_;
        if (t_->draining_.load() || cancelled_.load()) {
          return Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                     absl::StrCat("riec-broker is shutting down after ", stored_,
                                                  " entries were stored; send the rest again")));
        }
        return StartRead(&in_);
      }
      case core::Route::Shape::kServerStream: {
        auto sub = t_->core_->Subscribe(*call, static_cast<const v1::SubscribeRequest&>(**request));
        if (!sub.ok()) return Finish(ToGrpcStatus(sub.status()));
        subscription_ = *std::move(sub);
        batched_ = route_->method.ends_with("Batches");
        streaming_ = true;
        t_->open_streams_.fetch_add(1);
        {
          absl::MutexLock l(&t_->streams_mu_);
          t_->streams_[this] = subscription_;
        }
        return Pump();
      }
    }
  }

  void FinishClientStream() {
    v1::PublishResponse total;
    total.set_stored(stored_);
    total.set_log_index(last_index_);
    WriteAndFinish(total);
  }

  void WriteAndFinish(const google::protobuf::Message& m) {
    bool own = false;
    out_.Clear();
    grpc::Status s = grpc::GenericSerialize<grpc::ProtoBufferWriter, google::protobuf::Message>(m, &out_, &own);
    if (!s.ok()) return Finish(s);
    code_ = grpc::StatusCode::OK;
    StartWriteAndFinish(&out_, grpc::WriteOptions(), grpc::Status::OK);
  }

  // An event stream's next step: send what is waiting, or wait for more.
  void Pump() {
    if (cancelled_.load() || t_->draining_.load()) return Finish(grpc::Status::OK);
    if (!pending_.empty()) return WriteNext();
    // Still this caller, still admitted, before anything more is sent.
    absl::StatusOr<core::Call> call = Caller();
    if (!call.ok()) return Finish(ToGrpcStatus(call.status()));
    if (absl::Status s = t_->core_->Readmit(*call, route_->action); !s.ok()) return Finish(ToGrpcStatus(s));
    const uint64_t seen = t_->log_->Size();
    auto events = subscription_->Next(kEventsPerBatch);
    if (!events.ok()) return Finish(ToGrpcStatus(events.status()));
    if (events->empty()) {
      // Once in the waiting set, OnCancel may finish and delete this call
      // on another thread: nothing of `this` is touched after the insert.
      GrpcTransport* const t = t_;
      bool cancelled = false;
      {
        absl::MutexLock l(&t->waiting_mu_);
        t->waiting_.insert(this);
        cancelled = cancelled_.load();  // OnCancel sets it before it takes the lock
      }
      // Records that arrived between the read and the insert wake it now.
      if (t->log_->Size() != seen || cancelled || t->draining_.load()) t->WakeStreams();
      return;
    }
    for (auto& e : *events) pending_.push_back(std::move(e));
    WriteNext();
  }

  void WriteNext() {
    out_.Clear();
    bool own = false;
    grpc::Status s;
    if (batched_) {
      v1::EventBatch batch;
      for (auto& e : pending_) *batch.add_events() = std::move(e);
      pending_.clear();
      s = grpc::GenericSerialize<grpc::ProtoBufferWriter, google::protobuf::Message>(batch, &out_, &own);
    } else {
      s = grpc::GenericSerialize<grpc::ProtoBufferWriter, google::protobuf::Message>(pending_.front(), &out_, &own);
      pending_.pop_front();
    }
    if (!s.ok()) return Finish(s);
    StartWrite(&out_);
  }

  GrpcTransport* const t_;
  grpc::GenericCallbackServerContext* const ctx_;
  const absl::Time started_;
  const uint64_t request_id_;
  grpc::StatusCode code_ = grpc::StatusCode::OK;
  std::string partner_, role_, trace_id_;
  const core::Route* route_ = nullptr;
  grpc::ByteBuffer in_, out_;
  std::string raw_;
  bool read_any_ = false;
  std::atomic<bool> cancelled_{false};
  // Client streams.
  uint64_t stored_ = 0, last_index_ = 0, batches_ = 0;
  // Event streams.
  bool streaming_ = false, batched_ = false;
  std::shared_ptr<core::Subscription> subscription_;
  std::deque<v1::Event> pending_;
};

namespace {
constexpr char kRequests[] = "riec_grpc_requests_total";
constexpr char kRequestsHelp[] = "Calls finished, per RPC and status code.";
constexpr char kDuration[] = "riec_grpc_request_duration_seconds";
constexpr char kDurationHelp[] = "Time from a call's arrival to its answer, per RPC.";
}  // namespace

GrpcTransport::GrpcTransport(core::BrokerCore* core, log::DisclosureLog* log, Options options)
    : core_(core), log_(log), metrics_(options.metrics), log_requests_(options.log_requests),
      callers_(options.revocations, options.policies, options.issuers), pool_(options.workers) {
  log_->OnGrowth([this](uint64_t) { WakeStreams(); });
  if (metrics_ != nullptr) {
    metrics_->AddComputed("riec_grpc_open_streams", "Event streams open now.", metrics::Registry::Type::kGauge,
                          [this] { return std::vector<metrics::Sample>{{{}, double(open_streams_.load())}}; });
    metrics_->AddComputed("riec_grpc_calls_in_flight", "Calls being served now.", metrics::Registry::Type::kGauge,
                          [this] { return std::vector<metrics::Sample>{{{}, double(in_flight_.load())}}; });
    metrics_->AddComputed(
        "riec_events_waiting",
        "Events stored for the open event streams that the streams have not read yet, per subscriber "
        "(partner and role); at most 100000 counted per stream.",
        metrics::Registry::Type::kGauge, [this] {
          std::vector<std::shared_ptr<core::Subscription>> open;
          {
            absl::MutexLock l(&streams_mu_);
            for (const auto& [reactor, s] : streams_) open.push_back(s);
          }
          std::map<std::pair<std::string, std::string>, uint64_t> waiting;
          for (const auto& s : open) {
            auto n = s->Waiting(100000);
            if (n.ok()) waiting[{s->who().partner, s->who().role}] += *n;
          }
          std::vector<metrics::Sample> out;
          for (const auto& [who, n] : waiting) {
            out.push_back({{{"partner", who.first}, {"role", who.second}}, static_cast<double>(n)});
          }
          return out;
        });
    metrics_->Declare(kRequests, kRequestsHelp, metrics::Registry::Type::kCounter);
    metrics_->Declare(kDuration, kDurationHelp, metrics::Registry::Type::kHistogram);
  }
}

void GrpcTransport::Observe(const CallReactor& call) {
  const absl::Duration elapsed = call.elapsed();
  const std::string code = StatusCodeName(call.code());
  if (metrics_ != nullptr) {
    metrics_->GetCounter(kRequests, kRequestsHelp, {{"method", call.method()}, {"code", code}}).Add();
    // An event stream lasts as long as its subscriber wants: not a latency.
    if (!call.streaming()) {
      metrics_->GetHistogram(kDuration, kDurationHelp, metrics::LatencyBuckets(), {{"method", call.method()}})
          .ObserveDuration(elapsed);
    }
  }
  if (log_requests_ == "off" || (log_requests_ == "failures" && call.code() == grpc::StatusCode::OK)) return;
  std::vector<LogField> fields{{"request_id", call.request_id()}, {"rpc", call.method()}, {"code", code},
                               {"latency_ms", absl::ToDoubleMilliseconds(elapsed)}};
  if (!call.partner().empty()) {
    fields.emplace_back("partner", call.partner());
    fields.emplace_back("role", call.role());
  }
  if (!call.trace_id().empty()) fields.emplace_back("trace_id", call.trace_id());
  const bool server_fault = call.code() == grpc::StatusCode::INTERNAL ||
                            call.code() == grpc::StatusCode::DATA_LOSS ||
                            call.code() == grpc::StatusCode::UNKNOWN;
  if (server_fault) {
    LogError("request", fields);
  } else {
    LogInfo("request", fields);
  }
}

GrpcTransport::~GrpcTransport() = default;

grpc::ServerGenericBidiReactor* GrpcTransport::CreateReactor(grpc::GenericCallbackServerContext* ctx) {
  return new CallReactor(this, ctx);
}

void GrpcTransport::WakeStreams() {
  std::set<CallReactor*> woken;
  {
    absl::MutexLock l(&waiting_mu_);
    woken.swap(waiting_);
  }
  for (CallReactor* r : woken) r->Wake();
}

void GrpcTransport::StartDrain() {
  draining_.store(true);
  WakeStreams();
}

int GrpcTransport::WaitIdle(absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (in_flight_.load() > 0 && absl::Now() < until) {
    WakeStreams();
    absl::SleepFor(absl::Milliseconds(10));
  }
  return in_flight_.load();
}

}  // namespace riec::server
