// The gRPC services: each handler admits the caller (identity from the
// client certificate), calls the core, and translates the result. No domain
// logic lives here.
//
// Thread-safety: handlers run concurrently; they share only thread-safe core
// objects. Ownership: core objects are not owned.
#ifndef RIEC_BROKER_SERVER_SERVICES_H_
#define RIEC_BROKER_SERVER_SERVICES_H_

#include <atomic>

#include "core/assessments.h"
#include "core/cases.h"
#include "core/content.h"
#include "core/env.h"
#include "core/events.h"
#include "core/index.h"
#include "core/log_access.h"
#include "core/inquiry.h"
#include "core/pseudonymiser.h"
#include "core/policy_admin.h"
#include "core/retention.h"
#include "core/signals.h"
#include "riec/v1/audit.grpc.pb.h"
#include "riec/v1/cases.grpc.pb.h"
#include "riec/v1/content.grpc.pb.h"
#include "riec/v1/events.grpc.pb.h"
#include "riec/v1/index.grpc.pb.h"
#include "riec/v1/operations.grpc.pb.h"
#include "riec/v1/inquiry.grpc.pb.h"
#include "riec/v1/pseudonymiser.grpc.pb.h"
#include "riec/v1/signals.grpc.pb.h"
#include "riec/v1/transparency.grpc.pb.h"

namespace riec::server {

// Turns a call's certificate into a core::Call. A certificate without a
// usable riec:// identity is refused (UNAUTHENTICATED) and the refusal is
// logged; whether the identity exists in the convenant is the policy's
// decision, taken by the core.
//
// The gate also counts calls in flight, so that a shutdown can drain them:
// once Drain has begun, new calls get UNAVAILABLE and Drain returns when the
// last call in flight has finished.
class Gate {
 public:
  explicit Gate(const core::Env& env) : env_(env) {}

  // Held for the duration of one call.
  class Ticket {
   public:
    explicit Ticket(Gate* gate) : gate_(gate) {}
    Ticket(Ticket&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() {
      if (gate_ != nullptr) gate_->in_flight_.fetch_sub(1);
    }

   private:
    Gate* gate_;
  };

  // UNAVAILABLE while draining; otherwise a ticket for one call.
  absl::StatusOr<Ticket> Enter();
  absl::StatusOr<core::Call> Admit(const grpc::ServerContext& context,
                                   const char* method) const;
  // Refuses new calls from now on.
  void StartDrain() { draining_.store(true); }
  bool draining() const { return draining_.load(); }
  // Waits until no call is in flight or `timeout` passed; returns the number
  // still in flight (0 normally).
  int WaitIdle(absl::Duration timeout);

 private:
  core::Env env_;
  std::atomic<int> in_flight_{0};
  std::atomic<bool> draining_{false};
};

class PseudonymiserService final : public v1::Pseudonymiser::Service {
 public:
  PseudonymiserService(Gate* gate, core::Pseudonymiser* core)
      : gate_(gate), core_(core) {}
  grpc::Status Evaluate(grpc::ServerContext* ctx, const v1::EvaluateRequest* req,
                        v1::EvaluateResponse* resp) override;
  grpc::Status GetKeyInfo(grpc::ServerContext* ctx, const v1::GetKeyInfoRequest* req,
                          v1::KeyInfo* resp) override;

 private:
  Gate* gate_;
  core::Pseudonymiser* core_;
};

class IndexService final : public v1::Index::Service {
 public:
  IndexService(Gate* gate, core::Index* core) : gate_(gate), core_(core) {}
  grpc::Status Publish(grpc::ServerContext* ctx, const v1::PublishRequest* req,
                       v1::PublishResponse* resp) override;
  grpc::Status PublishStream(grpc::ServerContext* ctx,
                             grpc::ServerReader<v1::PublishRequest>* reader,
                             v1::PublishResponse* resp) override;
  grpc::Status Withdraw(grpc::ServerContext* ctx, const v1::WithdrawRequest* req,
                        v1::WithdrawResponse* resp) override;
  grpc::Status GetStatistics(grpc::ServerContext* ctx, const v1::GetStatisticsRequest* req,
                             v1::IndexStatistics* resp) override;

 private:
  Gate* gate_;
  core::Index* core_;
};

class SignalsService final : public v1::Signals::Service {
 public:
  SignalsService(Gate* gate, core::Signals* core, core::Assessments* assessments)
      : gate_(gate), core_(core), assessments_(assessments) {}
  grpc::Status RegisterSignal(grpc::ServerContext* ctx, const v1::RegisterSignalRequest* req,
                              v1::RegisterSignalResponse* resp) override;
  grpc::Status GetSignal(grpc::ServerContext* ctx, const v1::GetSignalRequest* req,
                         v1::Signal* resp) override;
  grpc::Status ListSignals(grpc::ServerContext* ctx, const v1::ListSignalsRequest* req,
                           v1::ListSignalsResponse* resp) override;
  grpc::Status CloseSignal(grpc::ServerContext* ctx, const v1::CloseSignalRequest* req,
                           v1::CloseSignalResponse* resp) override;
  grpc::Status RequestAssessments(grpc::ServerContext* ctx,
                                  const v1::RequestAssessmentsRequest* req,
                                  v1::RequestAssessmentsResponse* resp) override;
  grpc::Status Assess(grpc::ServerContext* ctx, const v1::AssessRequest* req,
                      v1::AssessResponse* resp) override;
  grpc::Status ListAssessments(grpc::ServerContext* ctx, const v1::ListAssessmentsRequest* req,
                               v1::ListAssessmentsResponse* resp) override;

 private:
  Gate* gate_;
  core::Signals* core_;
  core::Assessments* assessments_;
};

class CasesService final : public v1::Cases::Service {
 public:
  CasesService(Gate* gate, core::Cases* core) : gate_(gate), core_(core) {}
  grpc::Status ProposeCase(grpc::ServerContext* ctx, const v1::ProposeCaseRequest* req,
                           v1::CaseResponse* resp) override;
  grpc::Status UnlockCase(grpc::ServerContext* ctx, const v1::CaseRequest* req,
                          v1::CaseResponse* resp) override;
  grpc::Status ConfirmCase(grpc::ServerContext* ctx, const v1::CaseRequest* req,
                           v1::CaseResponse* resp) override;
  grpc::Status ExtendCase(grpc::ServerContext* ctx, const v1::ExtendCaseRequest* req,
                          v1::CaseResponse* resp) override;
  grpc::Status NarrowCase(grpc::ServerContext* ctx, const v1::NarrowCaseRequest* req,
                          v1::CaseResponse* resp) override;
  grpc::Status CloseCase(grpc::ServerContext* ctx, const v1::CloseCaseRequest* req,
                         v1::CaseResponse* resp) override;
  grpc::Status HandOverCase(grpc::ServerContext* ctx, const v1::HandOverCaseRequest* req,
                            v1::CaseResponse* resp) override;
  grpc::Status GetCase(grpc::ServerContext* ctx, const v1::CaseRequest* req,
                       v1::Case* resp) override;
  grpc::Status ListCases(grpc::ServerContext* ctx, const v1::ListCasesRequest* req,
                         v1::ListCasesResponse* resp) override;

 private:
  Gate* gate_;
  core::Cases* core_;
};

class ContentService final : public v1::Content::Service {
 public:
  ContentService(Gate* gate, core::Content* core) : gate_(gate), core_(core) {}
  grpc::Status RegisterKey(grpc::ServerContext* ctx, const v1::RegisterKeyRequest* req,
                           v1::EncryptionKey* resp) override;
  grpc::Status GetKey(grpc::ServerContext* ctx, const v1::GetKeyRequest* req,
                      v1::EncryptionKey* resp) override;
  grpc::Status RequestContent(grpc::ServerContext* ctx, const v1::RequestContentRequest* req,
                              v1::ContentRequest* resp) override;
  grpc::Status ListRequests(grpc::ServerContext* ctx, const v1::ListRequestsRequest* req,
                            v1::ListRequestsResponse* resp) override;
  grpc::Status GetRequest(grpc::ServerContext* ctx, const v1::GetRequestRequest* req,
                          v1::ContentRequest* resp) override;
  grpc::Status ProvideContent(grpc::ServerContext* ctx, const v1::ProvideContentRequest* req,
                              v1::ContentRequest* resp) override;
  grpc::Status RefuseRequest(grpc::ServerContext* ctx, const v1::RefuseRequestRequest* req,
                             v1::ContentRequest* resp) override;
  grpc::Status FetchContent(grpc::ServerContext* ctx, const v1::FetchContentRequest* req,
                            v1::FetchContentResponse* resp) override;

 private:
  Gate* gate_;
  core::Content* core_;
};

class InquiryService final : public v1::Inquiry::Service {
 public:
  InquiryService(Gate* gate, core::Inquiry* core) : gate_(gate), core_(core) {}
  grpc::Status CheckSubjects(grpc::ServerContext* ctx, const v1::CheckSubjectsRequest* req,
                             v1::CheckSubjectsResponse* resp) override;

 private:
  Gate* gate_;
  core::Inquiry* core_;
};

class EventsService final : public v1::Events::Service {
 public:
  EventsService(Gate* gate, core::Events* core) : gate_(gate), core_(core) {}
  grpc::Status Subscribe(grpc::ServerContext* ctx, const v1::SubscribeRequest* req,
                         grpc::ServerWriter<v1::Event>* writer) override;
  grpc::Status ListEvents(grpc::ServerContext* ctx, const v1::ListEventsRequest* req,
                          v1::ListEventsResponse* resp) override;

 private:
  Gate* gate_;
  core::Events* core_;
};

class OperationsService final : public v1::Operations::Service {
 public:
  OperationsService(Gate* gate, core::PolicyAdmin* admin, core::Sweeper* sweeper)
      : gate_(gate), admin_(admin), sweeper_(sweeper) {}
  grpc::Status GetPolicy(grpc::ServerContext* ctx, const v1::GetPolicyRequest* req,
                         v1::PolicyInfo* resp) override;
  grpc::Status ReloadPolicy(grpc::ServerContext* ctx, const v1::ReloadPolicyRequest* req,
                            v1::ReloadPolicyResponse* resp) override;
  grpc::Status SweepNow(grpc::ServerContext* ctx, const v1::SweepNowRequest* req,
                        v1::SweepNowResponse* resp) override;

 private:
  Gate* gate_;
  core::PolicyAdmin* admin_;
  core::Sweeper* sweeper_;  // null when this process hosts no index
};

class LogService final : public v1::Log::Service {
 public:
  LogService(Gate* gate, core::LogAccess* core) : gate_(gate), core_(core) {}
  grpc::Status GetLogInfo(grpc::ServerContext* ctx, const v1::GetLogInfoRequest* req,
                          v1::LogInfo* resp) override;
  grpc::Status GetLatestTreeHead(grpc::ServerContext* ctx,
                                 const v1::GetLatestTreeHeadRequest* req,
                                 v1::SignedTreeHead* resp) override;
  grpc::Status GetInclusionProof(grpc::ServerContext* ctx,
                                 const v1::GetInclusionProofRequest* req,
                                 v1::InclusionProofResponse* resp) override;
  grpc::Status GetConsistencyProof(grpc::ServerContext* ctx,
                                   const v1::GetConsistencyProofRequest* req,
                                   v1::ConsistencyProofResponse* resp) override;
  grpc::Status GetRecords(grpc::ServerContext* ctx, const v1::GetRecordsRequest* req,
                          v1::GetRecordsResponse* resp) override;

 private:
  Gate* gate_;
  core::LogAccess* core_;
};

class AuditService final : public v1::Audit::Service {
 public:
  AuditService(Gate* gate, core::LogAccess* core) : gate_(gate), core_(core) {}
  grpc::Status ListRecords(grpc::ServerContext* ctx, const v1::ListRecordsRequest* req,
                           v1::ListRecordsResponse* resp) override;
  grpc::Status GetAuditStatistics(grpc::ServerContext* ctx,
                                  const v1::AuditStatisticsRequest* req,
                                  v1::AuditStatistics* resp) override;

 private:
  Gate* gate_;
  core::LogAccess* core_;
};

}  // namespace riec::server

#endif  // RIEC_BROKER_SERVER_SERVICES_H_
