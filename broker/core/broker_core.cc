#include "core/broker_core.h"

#include "absl/strings/str_cat.h"
#include "riec/common/request_limits.h"
#include "riec/v1/audit.pb.h"
#include "riec/v1/operations.pb.h"
#include "riec/v1/transparency.pb.h"

namespace riec::core {

using policy::Action;

template <typename Req, typename Resp>
void BrokerCore::Add(std::string method, Action action,
                     std::function<absl::StatusOr<Resp>(RequestContext&, const Req&)> op,
                     Route::Shape shape) {
  Route r;
  r.method = method;
  r.action = action;
  r.shape = shape;
  r.request = &Req::default_instance();
  r.response = &Resp::default_instance();
  r.run = [op = std::move(op)](RequestContext& ctx, const google::protobuf::Message& m)
      -> absl::StatusOr<std::unique_ptr<google::protobuf::Message>> {
    absl::StatusOr<Resp> out = op(ctx, static_cast<const Req&>(m));
    if (!out.ok()) return out.status();
    return std::unique_ptr<google::protobuf::Message>(new Resp(*std::move(out)));
  };
  routes_.emplace(std::move(method), std::move(r));
}

BrokerCore::BrokerCore(const Env& env, const CoreOptions& o)
    : env_(env), pipeline_(env), quota_(std::make_unique<QuotaCounter>(env.store)) {
  using namespace std::placeholders;
  if (o.pseudonymiser) {
    pseudonymiser_ = std::make_unique<Pseudonymiser>(env_, o.oprf_key, o.oprf_share, quota_.get());
    Pseudonymiser* p = pseudonymiser_.get();
    Add<v1::EvaluateRequest, v1::EvaluateResponse>(
        "/riec.v1.Pseudonymiser/Evaluate", Action::kEvaluateOprf,
        [p](RequestContext& c, const v1::EvaluateRequest& r) { return p->Evaluate(c, r); });
    Add<v1::GetKeyInfoRequest, v1::KeyInfo>(
        "/riec.v1.Pseudonymiser/GetKeyInfo", Action::kEvaluateOprf,
        [p](RequestContext& c, const v1::GetKeyInfoRequest& r) { return p->GetKeyInfo(c, r); });
  }
  if (o.index) {
    requests_ = std::make_unique<ContentRequests>(env_.store);
    index_ = std::make_unique<Index>(env_);
    signals_ = std::make_unique<Signals>(env_);
    late_hits_ = std::make_unique<LateHits>(env_, index_.get(), signals_.get());
    index_->SetPublicationHook(late_hits_.get());
    inquiry_ = std::make_unique<Inquiry>(env_, index_.get(), signals_.get(), quota_.get(),
                                         late_hits_.get());
    assessments_ = std::make_unique<Assessments>(env_, index_.get(), signals_.get(), quota_.get());
    cases_ = std::make_unique<Cases>(env_, signals_.get(), assessments_.get(), requests_.get());
    content_ = std::make_unique<Content>(env_, cases_.get(), requests_.get());
    sweeper_ = std::make_unique<Sweeper>(env_, index_.get(), signals_.get(), cases_.get(),
                                         content_.get(), quota_.get());
    Index* ix = index_.get();
    Add<v1::PublishRequest, v1::PublishResponse>(
        "/riec.v1.Index/Publish", Action::kPublish,
        [ix](RequestContext& c, const v1::PublishRequest& r) { return ix->Publish(c, r); });
    Add<v1::PublishRequest, v1::PublishResponse>(
        "/riec.v1.Index/PublishStream", Action::kPublish,
        [ix](RequestContext& c, const v1::PublishRequest& r) { return ix->Publish(c, r); },
        Route::Shape::kClientStream);
    Add<v1::WithdrawRequest, v1::WithdrawResponse>(
        "/riec.v1.Index/Withdraw", Action::kWithdraw,
        [ix](RequestContext& c, const v1::WithdrawRequest& r) { return ix->Withdraw(c, r); });
    Add<v1::GetStatisticsRequest, v1::IndexStatistics>(
        "/riec.v1.Index/GetStatistics", Action::kReadOwnIndex,
        [ix](RequestContext& c, const v1::GetStatisticsRequest& r) { return ix->Statistics(c, r); });

    Signals* s = signals_.get();
    Assessments* a = assessments_.get();
    Add<v1::RegisterSignalRequest, v1::RegisterSignalResponse>(
        "/riec.v1.Signals/RegisterSignal", Action::kRegisterSignal,
        [s](RequestContext& c, const v1::RegisterSignalRequest& r) { return s->Register(c, r); });
    Add<v1::GetSignalRequest, v1::Signal>(
        "/riec.v1.Signals/GetSignal", Action::kReadSignal,
        [s](RequestContext& c, const v1::GetSignalRequest& r) { return s->Get(c, r); });
    Add<v1::ListSignalsRequest, v1::ListSignalsResponse>(
        "/riec.v1.Signals/ListSignals", Action::kReadSignal,
        [s](RequestContext& c, const v1::ListSignalsRequest& r) { return s->List(c, r); });
    Add<v1::CloseSignalRequest, v1::CloseSignalResponse>(
        "/riec.v1.Signals/CloseSignal", Action::kCloseSignal,
        [s](RequestContext& c, const v1::CloseSignalRequest& r) { return s->Close(c, r); });
    Add<v1::RequestAssessmentsRequest, v1::RequestAssessmentsResponse>(
        "/riec.v1.Signals/RequestAssessments", Action::kRequestAssessments,
        [a](RequestContext& c, const v1::RequestAssessmentsRequest& r) { return a->Request(c, r); });
    Add<v1::AssessRequest, v1::AssessResponse>(
        "/riec.v1.Signals/Assess", Action::kAssess,
        [a](RequestContext& c, const v1::AssessRequest& r) { return a->Assess(c, r); });
    Add<v1::ListAssessmentsRequest, v1::ListAssessmentsResponse>(
        "/riec.v1.Signals/ListAssessments", Action::kReadSignal,
        [a](RequestContext& c, const v1::ListAssessmentsRequest& r) { return a->List(c, r); });

    Inquiry* q = inquiry_.get();
    Add<v1::CheckSubjectsRequest, v1::CheckSubjectsResponse>(
        "/riec.v1.Inquiry/CheckSubjects", Action::kAsk,
        [q](RequestContext& c, const v1::CheckSubjectsRequest& r) { return q->CheckSubjects(c, r); });
    LateHits* lh = late_hits_.get();
    Add<v1::ListLateHitsRequest, v1::ListLateHitsResponse>(
        "/riec.v1.Inquiry/ListLateHits", Action::kReadSignal,
        [lh](RequestContext& c, const v1::ListLateHitsRequest& r) { return lh->List(c, r); });

    Cases* k = cases_.get();
    Add<v1::ProposeCaseRequest, v1::CaseResponse>(
        "/riec.v1.Cases/ProposeCase", Action::kProposeCase,
        [k](RequestContext& c, const v1::ProposeCaseRequest& r) { return k->Propose(c, r); });
    Add<v1::CaseRequest, v1::CaseResponse>(
        "/riec.v1.Cases/UnlockCase", Action::kUnlockCase,
        [k](RequestContext& c, const v1::CaseRequest& r) { return k->Unlock(c, r); });
    Add<v1::CaseRequest, v1::CaseResponse>(
        "/riec.v1.Cases/ConfirmCase", Action::kConfirmCase,
        [k](RequestContext& c, const v1::CaseRequest& r) { return k->Confirm(c, r); });
    Add<v1::ExtendCaseRequest, v1::CaseResponse>(
        "/riec.v1.Cases/ExtendCase", Action::kChangeCase,
        [k](RequestContext& c, const v1::ExtendCaseRequest& r) { return k->Extend(c, r); });
    Add<v1::NarrowCaseRequest, v1::CaseResponse>(
        "/riec.v1.Cases/NarrowCase", Action::kChangeCase,
        [k](RequestContext& c, const v1::NarrowCaseRequest& r) { return k->Narrow(c, r); });
    Add<v1::CloseCaseRequest, v1::CaseResponse>(
        "/riec.v1.Cases/CloseCase", Action::kChangeCase,
        [k](RequestContext& c, const v1::CloseCaseRequest& r) { return k->Close(c, r); });
    Add<v1::HandOverCaseRequest, v1::CaseResponse>(
        "/riec.v1.Cases/HandOverCase", Action::kChangeCase,
        [k](RequestContext& c, const v1::HandOverCaseRequest& r) { return k->HandOver(c, r); });
    Add<v1::CaseRequest, v1::Case>(
        "/riec.v1.Cases/GetCase", Action::kReadCase,
        [k](RequestContext& c, const v1::CaseRequest& r) { return k->Get(c, r); });
    Add<v1::ListCasesRequest, v1::ListCasesResponse>(
        "/riec.v1.Cases/ListCases", Action::kReadCase,
        [k](RequestContext& c, const v1::ListCasesRequest& r) { return k->List(c, r); });

    Content* t = content_.get();
    Add<v1::RegisterKeyRequest, v1::EncryptionKey>(
        "/riec.v1.Content/RegisterKey", Action::kRegisterKey,
        [t](RequestContext& c, const v1::RegisterKeyRequest& r) { return t->RegisterKey(c, r); });
    Add<v1::GetKeyRequest, v1::EncryptionKey>(
        "/riec.v1.Content/GetKey", Action::kConnect,
        [t](RequestContext& c, const v1::GetKeyRequest& r) { return t->GetKey(c, r); });
    Add<v1::RequestContentRequest, v1::ContentRequest>(
        "/riec.v1.Content/RequestContent", Action::kRequestContent,
        [t](RequestContext& c, const v1::RequestContentRequest& r) { return t->RequestContent(c, r); });
    Add<v1::ListRequestsRequest, v1::ListRequestsResponse>(
        "/riec.v1.Content/ListRequests", Action::kFetchContent,
        [t](RequestContext& c, const v1::ListRequestsRequest& r) { return t->ListRequests(c, r); });
    Add<v1::GetRequestRequest, v1::ContentRequest>(
        "/riec.v1.Content/GetRequest", Action::kFetchContent,
        [t](RequestContext& c, const v1::GetRequestRequest& r) { return t->GetRequest(c, r); });
    Add<v1::ProvideContentRequest, v1::ContentRequest>(
        "/riec.v1.Content/ProvideContent", Action::kProvideContent,
        [t](RequestContext& c, const v1::ProvideContentRequest& r) { return t->ProvideContent(c, r); });
    Add<v1::RefuseRequestRequest, v1::ContentRequest>(
        "/riec.v1.Content/RefuseRequest", Action::kProvideContent,
        [t](RequestContext& c, const v1::RefuseRequestRequest& r) { return t->RefuseRequest(c, r); });
    Add<v1::FetchContentRequest, v1::FetchContentResponse>(
        "/riec.v1.Content/FetchContent", Action::kFetchContent,
        [t](RequestContext& c, const v1::FetchContentRequest& r) { return t->FetchContent(c, r); });

    Sweeper* w = sweeper_.get();
    Add<v1::SweepNowRequest, v1::SweepNowResponse>(
        "/riec.v1.Operations/SweepNow", Action::kOperate,
        [w](RequestContext& c, const v1::SweepNowRequest& r) { return w->Sweep(c, r); });
  }

  events_ = std::make_unique<Events>(env_);
  Events* e = events_.get();
  Add<v1::ListEventsRequest, v1::ListEventsResponse>(
      "/riec.v1.Events/ListEvents", Action::kReadEvents,
      [e](RequestContext& c, const v1::ListEventsRequest& r) { return e->List(c, r); });
  for (const char* m : {"/riec.v1.Events/Subscribe", "/riec.v1.Events/SubscribeBatches"}) {
    Route r;
    r.method = m;
    r.action = Action::kReadEvents;
    r.shape = Route::Shape::kServerStream;
    r.request = &v1::SubscribeRequest::default_instance();
    r.response = std::string(m).ends_with("Batches")
                     ? static_cast<const google::protobuf::Message*>(&v1::EventBatch::default_instance())
                     : &v1::Event::default_instance();
    routes_.emplace(m, std::move(r));
  }

  policy_admin_ = std::make_unique<PolicyAdmin>(env_, o.policy_source, o.policy_path);
  PolicyAdmin* pa = policy_admin_.get();
  Add<v1::GetPolicyRequest, v1::PolicyInfo>(
      "/riec.v1.Operations/GetPolicy", Action::kConnect,
      [pa](RequestContext& c, const v1::GetPolicyRequest& r) { return pa->Info(c, r); });
  Add<v1::ReloadPolicyRequest, v1::ReloadPolicyResponse>(
      "/riec.v1.Operations/ReloadPolicy", Action::kOperate,
      [pa](RequestContext& c, const v1::ReloadPolicyRequest& r) { return pa->Reload(c, r); });

  log_access_ = std::make_unique<LogAccess>(env_, o.signer);
  LogAccess* la = log_access_.get();
  Add<v1::GetLogInfoRequest, v1::LogInfo>(
      "/riec.v1.Log/GetLogInfo", Action::kVerifyLog,
      [la](RequestContext& c, const v1::GetLogInfoRequest& r) { return la->Info(c, r); });
  Add<v1::GetLatestTreeHeadRequest, v1::SignedTreeHead>(
      "/riec.v1.Log/GetLatestTreeHead", Action::kVerifyLog,
      [la](RequestContext& c, const v1::GetLatestTreeHeadRequest& r) { return la->LatestTreeHead(c, r); });
  Add<v1::GetInclusionProofRequest, v1::InclusionProofResponse>(
      "/riec.v1.Log/GetInclusionProof", Action::kVerifyLog,
      [la](RequestContext& c, const v1::GetInclusionProofRequest& r) { return la->InclusionProof(c, r); });
  Add<v1::GetConsistencyProofRequest, v1::ConsistencyProofResponse>(
      "/riec.v1.Log/GetConsistencyProof", Action::kVerifyLog,
      [la](RequestContext& c, const v1::GetConsistencyProofRequest& r) { return la->ConsistencyProof(c, r); });
  Add<v1::GetRecordsRequest, v1::GetRecordsResponse>(
      "/riec.v1.Log/GetRecords", Action::kAudit,
      [la](RequestContext& c, const v1::GetRecordsRequest& r) { return la->Records(c, r); });
  Add<v1::ListRecordsRequest, v1::ListRecordsResponse>(
      "/riec.v1.Audit/ListRecords", Action::kAudit,
      [la](RequestContext& c, const v1::ListRecordsRequest& r) { return la->ListRecords(c, r); });
  Add<v1::AuditStatisticsRequest, v1::AuditStatistics>(
      "/riec.v1.Audit/GetAuditStatistics", Action::kAudit,
      [la](RequestContext& c, const v1::AuditStatisticsRequest& r) { return la->Statistics(c, r); });
  Add<v1::RiecStatisticsRequest, v1::RiecStatistics>(
      "/riec.v1.Audit/GetRiecStatistics", Action::kReadStatistics,
      [la](RequestContext& c, const v1::RiecStatisticsRequest& r) { return la->RiecStatistics(c, r); });
}

const Route* BrokerCore::Find(absl::string_view method) const {
  auto it = routes_.find(method);
  return it == routes_.end() ? nullptr : &it->second;
}

std::vector<const Route*> BrokerCore::AllRoutes() const {
  std::vector<const Route*> out;
  for (const auto& [m, r] : routes_) out.push_back(&r);
  return out;
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BrokerCore::Invoke(
    const core::Call& call, const Route& route, const google::protobuf::Message& request) {
  if (!route.run) return absl::UnimplementedError(absl::StrCat(route.method, " is a stream"));
  return pipeline_.Run<std::unique_ptr<google::protobuf::Message>>(
      call, route.action, [&] { return CheckRequestLimits(request); },
      [&](RequestContext& ctx) { return route.run(ctx, request); });
}

absl::StatusOr<std::shared_ptr<Subscription>> BrokerCore::Subscribe(
    const core::Call& call, const v1::SubscribeRequest& request) {
  return pipeline_.Run<std::shared_ptr<Subscription>>(
      call, Action::kReadEvents, [&] { return CheckRequestLimits(request); },
      [&](RequestContext& ctx) { return events_->Subscribe(ctx, request); });
}

absl::StatusOr<v1::SweepNowResponse> BrokerCore::ScheduledSweep() {
  if (sweeper_ == nullptr) return absl::FailedPreconditionError("this process hosts no index");
  const core::Call schedule{Caller{Identity{"", "", "broker", "retention-schedule"}, "", ""},
                            "retention schedule"};
  return pipeline_.RunTrusted<v1::SweepNowResponse>(
      schedule, Action::kOperate,
      [&](RequestContext& ctx) { return sweeper_->Sweep(ctx, v1::SweepNowRequest()); });
}

absl::StatusOr<v1::ReloadPolicyResponse> BrokerCore::ReloadFromHost(const std::string& convenant) {
  const core::Call host{Caller{Identity{convenant, "", "operator", "SIGHUP"}, "", ""},
                        "signal SIGHUP"};
  return pipeline_.RunTrusted<v1::ReloadPolicyResponse>(
      host, Action::kOperate,
      [&](RequestContext& ctx) { return policy_admin_->Reload(ctx, v1::ReloadPolicyRequest()); });
}

}  // namespace riec::core
