#include "server/services.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/records.h"
#include "server/grpc_status.h"
#include "server/peer.h"

namespace riec::server {
namespace {

// Admits the caller, runs `op` and moves its result into `out`.
template <typename Response, typename Op>
grpc::Status Serve(Gate& gate, grpc::ServerContext* ctx, const char* method,
                   Response* out, Op&& op) {
  absl::StatusOr<Gate::Ticket> ticket = gate.Enter();
  if (!ticket.ok()) return ToGrpcStatus(ticket.status());
  absl::StatusOr<core::Call> call = gate.Admit(*ctx, method);
  if (!call.ok()) return ToGrpcStatus(call.status());
  absl::StatusOr<Response> result = op(*call);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *out = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

absl::StatusOr<Gate::Ticket> Gate::Enter() {
  in_flight_.fetch_add(1);
  Ticket ticket(this);
  if (draining_.load()) {
    return absl::UnavailableError("riec-broker is shutting down; retry in a moment");
  }
  return ticket;
}

int Gate::WaitIdle(absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (in_flight_.load() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  return in_flight_.load();
}

absl::StatusOr<core::Call> Gate::Admit(const grpc::ServerContext& context,
                                       const char* method) const {
  absl::StatusOr<Caller> caller = CallerFromContext(context);
  if (caller.ok()) return core::Call{*std::move(caller), method};
  if (caller.status().code() != absl::StatusCode::kUnauthenticated) return caller.status();
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  core::Call unknown{Caller{}, method};
  policy::Decision d{false, absl::StatusCode::kUnauthenticated, "identity.certificate",
                     std::string(caller.status().message()), ""};
  return core::Refuse(env_.log, core::NewRecord(v1::REQUEST_DENIED, unknown, *policy, now, d));
}

grpc::Status PseudonymiserService::Evaluate(grpc::ServerContext* ctx,
                                            const v1::EvaluateRequest* req,
                                            v1::EvaluateResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Pseudonymiser/Evaluate", resp,
               [&](const core::Call& c) { return core_->Evaluate(c, *req); });
}

grpc::Status PseudonymiserService::GetKeyInfo(grpc::ServerContext* ctx,
                                              const v1::GetKeyInfoRequest*,
                                              v1::KeyInfo* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Pseudonymiser/GetKeyInfo", resp,
               [&](const core::Call& c) { return core_->GetKeyInfo(c); });
}

grpc::Status IndexService::Publish(grpc::ServerContext* ctx, const v1::PublishRequest* req,
                                   v1::PublishResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Index/Publish", resp,
               [&](const core::Call& c) { return core_->Publish(c, *req); });
}

grpc::Status IndexService::PublishStream(grpc::ServerContext* ctx,
                                         grpc::ServerReader<v1::PublishRequest>* reader,
                                         v1::PublishResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Index/PublishStream", resp,
               [&](const core::Call& c) -> absl::StatusOr<v1::PublishResponse> {
                 v1::PublishResponse total;
                 v1::PublishRequest batch;
                 for (int n = 0; reader->Read(&batch); ++n) {
                   auto r = core_->Publish(c, batch);
                   if (!r.ok()) {
                     return absl::Status(r.status().code(),
                                         absl::StrCat("batch ", n, ": ", r.status().message(),
                                                      " (", total.stored(),
                                                      " entries of earlier batches are stored)"));
                   }
                   total.set_stored(total.stored() + r->stored());
                   total.set_log_index(r->log_index());
                 }
                 return total;
               });
}

grpc::Status IndexService::Withdraw(grpc::ServerContext* ctx, const v1::WithdrawRequest* req,
                                    v1::WithdrawResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Index/Withdraw", resp,
               [&](const core::Call& c) { return core_->Withdraw(c, *req); });
}

grpc::Status IndexService::GetStatistics(grpc::ServerContext* ctx,
                                         const v1::GetStatisticsRequest*,
                                         v1::IndexStatistics* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Index/GetStatistics", resp,
               [&](const core::Call& c) { return core_->Statistics(c); });
}

grpc::Status SignalsService::RegisterSignal(grpc::ServerContext* ctx,
                                            const v1::RegisterSignalRequest* req,
                                            v1::RegisterSignalResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Signals/RegisterSignal", resp,
               [&](const core::Call& c) { return core_->Register(c, *req); });
}

grpc::Status SignalsService::GetSignal(grpc::ServerContext* ctx,
                                       const v1::GetSignalRequest* req, v1::Signal* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Signals/GetSignal", resp,
               [&](const core::Call& c) { return core_->Get(c, *req); });
}

grpc::Status SignalsService::ListSignals(grpc::ServerContext* ctx,
                                         const v1::ListSignalsRequest* req,
                                         v1::ListSignalsResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Signals/ListSignals", resp,
               [&](const core::Call& c) { return core_->List(c, *req); });
}

grpc::Status SignalsService::CloseSignal(grpc::ServerContext* ctx,
                                         const v1::CloseSignalRequest* req,
                                         v1::CloseSignalResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Signals/CloseSignal", resp,
               [&](const core::Call& c) { return core_->Close(c, *req); });
}

grpc::Status InquiryService::CheckSubjects(grpc::ServerContext* ctx,
                                           const v1::CheckSubjectsRequest* req,
                                           v1::CheckSubjectsResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Inquiry/CheckSubjects", resp,
               [&](const core::Call& c) { return core_->CheckSubjects(c, *req); });
}

}  // namespace riec::server

namespace riec::server {

grpc::Status EventsService::Subscribe(grpc::ServerContext* ctx, const v1::SubscribeRequest* req,
                                      grpc::ServerWriter<v1::Event>* writer) {
  absl::StatusOr<Gate::Ticket> ticket = gate_->Enter();
  if (!ticket.ok()) return ToGrpcStatus(ticket.status());
  absl::StatusOr<core::Call> call = gate_->Admit(*ctx, "/riec.v1.Events/Subscribe");
  if (!call.ok()) return ToGrpcStatus(call.status());
  return ToGrpcStatus(core_->Subscribe(
      *call, req->after_sequence(), [&](const v1::Event& e) { return writer->Write(e); },
      [&] { return ctx->IsCancelled() || gate_->draining(); }));
}

grpc::Status EventsService::ListEvents(grpc::ServerContext* ctx, const v1::ListEventsRequest* req,
                                       v1::ListEventsResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Events/ListEvents", resp,
               [&](const core::Call& c) { return core_->List(c, *req); });
}

grpc::Status OperationsService::GetPolicy(grpc::ServerContext* ctx, const v1::GetPolicyRequest*,
                                          v1::PolicyInfo* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Operations/GetPolicy", resp,
               [&](const core::Call&) -> absl::StatusOr<v1::PolicyInfo> { return admin_->Info(); });
}

grpc::Status OperationsService::ReloadPolicy(grpc::ServerContext* ctx,
                                             const v1::ReloadPolicyRequest*,
                                             v1::ReloadPolicyResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Operations/ReloadPolicy", resp,
               [&](const core::Call& c) { return admin_->Reload(c); });
}

grpc::Status OperationsService::SweepNow(grpc::ServerContext* ctx, const v1::SweepNowRequest*,
                                         v1::SweepNowResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Operations/SweepNow", resp,
               [&](const core::Call& c) -> absl::StatusOr<v1::SweepNowResponse> {
                 if (sweeper_ == nullptr) {
                   return absl::FailedPreconditionError(
                       "this process hosts no index; sweep the process that does");
                 }
                 return sweeper_->Sweep(c);
               });
}

}  // namespace riec::server

namespace riec::server {

grpc::Status LogService::GetLogInfo(grpc::ServerContext* ctx, const v1::GetLogInfoRequest*,
                                    v1::LogInfo* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Log/GetLogInfo", resp,
               [&](const core::Call& c) { return core_->Info(c); });
}

grpc::Status LogService::GetLatestTreeHead(grpc::ServerContext* ctx,
                                           const v1::GetLatestTreeHeadRequest* req,
                                           v1::SignedTreeHead* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Log/GetLatestTreeHead", resp,
               [&](const core::Call& c) { return core_->LatestTreeHead(c, *req); });
}

grpc::Status LogService::GetInclusionProof(grpc::ServerContext* ctx,
                                           const v1::GetInclusionProofRequest* req,
                                           v1::InclusionProofResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Log/GetInclusionProof", resp,
               [&](const core::Call& c) { return core_->InclusionProof(c, *req); });
}

grpc::Status LogService::GetConsistencyProof(grpc::ServerContext* ctx,
                                             const v1::GetConsistencyProofRequest* req,
                                             v1::ConsistencyProofResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Log/GetConsistencyProof", resp,
               [&](const core::Call& c) { return core_->ConsistencyProof(c, *req); });
}

grpc::Status LogService::GetRecords(grpc::ServerContext* ctx, const v1::GetRecordsRequest* req,
                                    v1::GetRecordsResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Log/GetRecords", resp,
               [&](const core::Call& c) { return core_->Records(c, *req); });
}

grpc::Status AuditService::ListRecords(grpc::ServerContext* ctx, const v1::ListRecordsRequest* req,
                                       v1::ListRecordsResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Audit/ListRecords", resp,
               [&](const core::Call& c) { return core_->ListRecords(c, *req); });
}

grpc::Status AuditService::GetAuditStatistics(grpc::ServerContext* ctx,
                                              const v1::AuditStatisticsRequest* req,
                                              v1::AuditStatistics* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Audit/GetAuditStatistics", resp,
               [&](const core::Call& c) { return core_->Statistics(c, *req); });
}

}  // namespace riec::server

namespace riec::server {

grpc::Status SignalsService::RequestAssessments(grpc::ServerContext* ctx, const v1::RequestAssessmentsRequest* req,
                                                v1::RequestAssessmentsResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Signals/RequestAssessments", resp,
               [&](const core::Call& c) { return assessments_->Request(c, *req); });
}

grpc::Status SignalsService::Assess(grpc::ServerContext* ctx, const v1::AssessRequest* req,
                                    v1::AssessResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Signals/Assess", resp,
               [&](const core::Call& c) { return assessments_->Assess(c, *req); });
}

grpc::Status SignalsService::ListAssessments(grpc::ServerContext* ctx, const v1::ListAssessmentsRequest* req,
                                             v1::ListAssessmentsResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Signals/ListAssessments", resp,
               [&](const core::Call& c) { return assessments_->List(c, *req); });
}

grpc::Status CasesService::ProposeCase(grpc::ServerContext* ctx, const v1::ProposeCaseRequest* req,
                                       v1::CaseResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/ProposeCase", resp,
               [&](const core::Call& c) { return core_->Propose(c, *req); });
}

grpc::Status CasesService::UnlockCase(grpc::ServerContext* ctx, const v1::CaseRequest* req,
                                      v1::CaseResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/UnlockCase", resp,
               [&](const core::Call& c) { return core_->Unlock(c, *req); });
}

grpc::Status CasesService::ConfirmCase(grpc::ServerContext* ctx, const v1::CaseRequest* req,
                                       v1::CaseResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/ConfirmCase", resp,
               [&](const core::Call& c) { return core_->Confirm(c, *req); });
}

grpc::Status CasesService::ExtendCase(grpc::ServerContext* ctx, const v1::ExtendCaseRequest* req,
                                      v1::CaseResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/ExtendCase", resp,
               [&](const core::Call& c) { return core_->Extend(c, *req); });
}

grpc::Status CasesService::NarrowCase(grpc::ServerContext* ctx, const v1::NarrowCaseRequest* req,
                                      v1::CaseResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/NarrowCase", resp,
               [&](const core::Call& c) { return core_->Narrow(c, *req); });
}

grpc::Status CasesService::CloseCase(grpc::ServerContext* ctx, const v1::CloseCaseRequest* req,
                                     v1::CaseResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/CloseCase", resp,
               [&](const core::Call& c) { return core_->Close(c, *req); });
}

grpc::Status CasesService::HandOverCase(grpc::ServerContext* ctx, const v1::HandOverCaseRequest* req,
                                        v1::CaseResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/HandOverCase", resp,
               [&](const core::Call& c) { return core_->HandOver(c, *req); });
}

grpc::Status CasesService::GetCase(grpc::ServerContext* ctx, const v1::CaseRequest* req,
                                   v1::Case* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/GetCase", resp,
               [&](const core::Call& c) { return core_->Get(c, *req); });
}

grpc::Status CasesService::ListCases(grpc::ServerContext* ctx, const v1::ListCasesRequest* req,
                                     v1::ListCasesResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Cases/ListCases", resp,
               [&](const core::Call& c) { return core_->List(c, *req); });
}

grpc::Status ContentService::RegisterKey(grpc::ServerContext* ctx, const v1::RegisterKeyRequest* req,
                                         v1::EncryptionKey* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Content/RegisterKey", resp,
               [&](const core::Call& c) { return core_->RegisterKey(c, *req); });
}

grpc::Status ContentService::GetKey(grpc::ServerContext* ctx, const v1::GetKeyRequest* req,
                                    v1::EncryptionKey* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Content/GetKey", resp,
               [&](const core::Call& c) { return core_->GetKey(c, *req); });
}

grpc::Status ContentService::RequestContent(grpc::ServerContext* ctx, const v1::RequestContentRequest* req,
                                            v1::ContentRequest* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Content/RequestContent", resp,
               [&](const core::Call& c) { return core_->Request(c, *req); });
}

grpc::Status ContentService::ListRequests(grpc::ServerContext* ctx, const v1::ListRequestsRequest* req,
                                          v1::ListRequestsResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Content/ListRequests", resp,
               [&](const core::Call& c) { return core_->List(c, *req); });
}

grpc::Status ContentService::GetRequest(grpc::ServerContext* ctx, const v1::GetRequestRequest* req,
                                        v1::ContentRequest* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Content/GetRequest", resp,
               [&](const core::Call& c) { return core_->Get(c, *req); });
}

grpc::Status ContentService::ProvideContent(grpc::ServerContext* ctx, const v1::ProvideContentRequest* req,
                                            v1::ContentRequest* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Content/ProvideContent", resp,
               [&](const core::Call& c) { return core_->Provide(c, *req); });
}

grpc::Status ContentService::RefuseRequest(grpc::ServerContext* ctx, const v1::RefuseRequestRequest* req,
                                           v1::ContentRequest* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Content/RefuseRequest", resp,
               [&](const core::Call& c) { return core_->Refuse(c, *req); });
}

grpc::Status ContentService::FetchContent(grpc::ServerContext* ctx, const v1::FetchContentRequest* req,
                                          v1::FetchContentResponse* resp) {
  return Serve(*gate_, ctx, "/riec.v1.Content/FetchContent", resp,
               [&](const core::Call& c) { return core_->Fetch(c, *req); });
}

}  // namespace riec::server
