// The broker's core assembled: every module built on one Env, and the table
// of every route into the broker (the full gRPC method name, the policy
// action it is admitted for, its message types and its operation). The
// transports — gRPC (server/grpc_transport.h) and the console — find routes
// here and run them through Invoke, which is the one request pipeline
// (core/pipeline.h): no route exists outside this table.
//
// Thread-safety: safe for concurrent use.
// Ownership: owns the modules; the Env's objects, the OPRF key and the
// signer are not owned.
#ifndef RIEC_BROKER_CORE_BROKER_CORE_H_
#define RIEC_BROKER_CORE_BROKER_CORE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/assessments.h"
#include "core/cases.h"
#include "core/content.h"
#include "core/content_requests.h"
#include "core/events.h"
#include "core/index.h"
#include "core/inquiry.h"
#include "core/late_hits.h"
#include "core/log_access.h"
#include "core/pipeline.h"
#include "core/policy_admin.h"
#include "core/pseudonymiser.h"
#include "core/quota.h"
#include "core/retention.h"
#include "core/signals.h"
#include "google/protobuf/message.h"

namespace riec::core {

struct Route {
  enum class Shape {
    kUnary,         // one request, one response
    kClientStream,  // requests in a stream, each run as a unary call
    kServerStream,  // one request, a stream of events (Events)
  };
  std::string method;  // "/riec.v1.Inquiry/CheckSubjects"
  policy::Action action = policy::Action::kConnect;
  Shape shape = Shape::kUnary;
  const google::protobuf::Message* request = nullptr;   // prototype
  const google::protobuf::Message* response = nullptr;  // prototype
  std::function<absl::StatusOr<std::unique_ptr<google::protobuf::Message>>(
      RequestContext&, const google::protobuf::Message&)>
      run;  // kUnary and kClientStream
};

struct CoreOptions {
  // The services this process hosts (docs/operations.md).
  bool pseudonymiser = true;
  bool index = true;
  const crypto::OprfKey* oprf_key = nullptr;  // required with pseudonymiser
  const OprfShare* oprf_share = nullptr;      // a share instance: which share
  log::TreeHeadSigner* signer = nullptr;      // required
  PolicySource* policy_source = nullptr;      // required (reloads replace it)
  std::string policy_path;                    // what a reload reads
};

class BrokerCore {
 public:
  BrokerCore(const Env& env, const CoreOptions& options);

  // The route of a method, or null.
  const Route* Find(absl::string_view method) const;
  std::vector<const Route*> AllRoutes() const;

  // Runs `request` (of the route's request type) for `call` through the
  // pipeline: admission, request limits, the operation.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Invoke(
      const Call& call, const Route& route, const google::protobuf::Message& request);
  // The same, typed, for callers that know the method (tests, tools).
  template <typename Response, typename Request>
  absl::StatusOr<Response> Call(const core::Call& call, absl::string_view method,
                                const Request& request) {
    const Route* route = Find(method);
    if (route == nullptr) return absl::UnimplementedError(std::string(method));
    auto out = Invoke(call, *route, request);
    if (!out.ok()) return out.status();
    return std::move(static_cast<Response&>(**out));
  }

  // Opens an event stream for `call` (Events.Subscribe and
  // SubscribeBatches), admitted like every route.
  absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(const core::Call& call,
                                                          const v1::SubscribeRequest& request);

  // A call whose certificate establishes no usable identity.
  // An open stream's caller, checked again (pipeline.h Readmit).
  absl::Status Readmit(const core::Call& call, policy::Action action) {
    return pipeline_.Readmit(call, action);
  }
  absl::Status RefuseUnidentified(const core::Call& call, const absl::Status& why) {
    return pipeline_.RefuseUnidentified(call, why);
  }

  // On the broker's own initiative: the retention schedule, a reload the
  // host asked for (SIGHUP), summaries of counted refusals.
  absl::StatusOr<v1::SweepNowResponse> ScheduledSweep();
  absl::StatusOr<v1::ReloadPolicyResponse> ReloadFromHost(const std::string& convenant);
  absl::Status FlushSuppressedRefusals(absl::Duration quiet_for) {
    return pipeline_.FlushSuppressedRefusals(quiet_for);
  }

  const Env& env() const { return env_; }
  Index* index() { return index_.get(); }

 private:
  template <typename Req, typename Resp>
  void Add(std::string method, policy::Action action,
           std::function<absl::StatusOr<Resp>(RequestContext&, const Req&)> op,
           Route::Shape shape = Route::Shape::kUnary);

  Env env_;
  Pipeline pipeline_;
  std::unique_ptr<QuotaCounter> quota_;
  std::unique_ptr<ContentRequests> requests_;
  std::unique_ptr<Pseudonymiser> pseudonymiser_;
  std::unique_ptr<Index> index_;
  std::unique_ptr<Signals> signals_;
  std::unique_ptr<LateHits> late_hits_;
  std::unique_ptr<Inquiry> inquiry_;
  std::unique_ptr<Assessments> assessments_;
  std::unique_ptr<Cases> cases_;
  std::unique_ptr<Content> content_;
  std::unique_ptr<Events> events_;
  std::unique_ptr<PolicyAdmin> policy_admin_;
  std::unique_ptr<Sweeper> sweeper_;
  std::unique_ptr<LogAccess> log_access_;
  std::map<std::string, Route, std::less<>> routes_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_BROKER_CORE_H_
