// The fixture of the core's unit tests: the in-memory store, the disclosure
// log, an injected clock and a policy, and the assembled BrokerCore. Tests
// call the core through its routes — the same pipeline the transports use —
// by way of small shims named after the modules; no network, no disk.
#ifndef RIEC_BROKER_CORE_CORE_FIXTURE_H_
#define RIEC_BROKER_CORE_CORE_FIXTURE_H_

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/broker_core.h"
#include "core/traffic.h"
#include "gtest/gtest.h"
#include "log/tree_heads.h"
#include "riec/common/clock.h"
#include "riec/common/time_util.h"
#include "riec/crypto/oprf.h"
#include "riec/crypto/sodium.h"
#include "storage/memory_store.h"
#include "testing/status_matchers.h"

namespace riec::core {

inline v1::Subject Subject(char fill, v1::SubjectKind kind = v1::PERSON_BSN) {
  v1::Subject s;
  s.set_kind(kind);
  s.set_pseudonym(std::string(32, fill));
  return s;
}

inline Call CallAs(const std::string& partner, const std::string& role = "partner-system",
                   const std::string& name = "") {
  return Call{Caller{Identity{"test", partner, role, name}, "", ""}, "/test", "", ""};
}

// Calls of one service, by route.
class RouteShim {
 public:
  explicit RouteShim(BrokerCore* core, std::string service) : core_(core), service_(std::move(service)) {}

 protected:
  template <typename Response, typename Request>
  absl::StatusOr<Response> Run(const char* method, const Call& call, const Request& request) {
    return core_->Call<Response>(call, absl::StrCat("/riec.v1.", service_, "/", method), request);
  }

 private:
  BrokerCore* core_;
  std::string service_;
};

#define RIEC_SHIM(Name, Method, Request, Response)                                  \
  absl::StatusOr<v1::Response> Name(const Call& call, const v1::Request& request) { \
    return Run<v1::Response>(Method, call, request);                               \
  }

struct IndexShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(Publish, "Publish", PublishRequest, PublishResponse)
  RIEC_SHIM(Withdraw, "Withdraw", WithdrawRequest, WithdrawResponse)
  absl::StatusOr<v1::IndexStatistics> Statistics(const Call& call) {
    return Run<v1::IndexStatistics>("GetStatistics", call, v1::GetStatisticsRequest());
  }
};
struct SignalsShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(Register, "RegisterSignal", RegisterSignalRequest, RegisterSignalResponse)
  RIEC_SHIM(Get, "GetSignal", GetSignalRequest, Signal)
  RIEC_SHIM(List, "ListSignals", ListSignalsRequest, ListSignalsResponse)
  RIEC_SHIM(Close, "CloseSignal", CloseSignalRequest, CloseSignalResponse)
};
struct AssessmentsShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(Request, "RequestAssessments", RequestAssessmentsRequest, RequestAssessmentsResponse)
  RIEC_SHIM(Assess, "Assess", AssessRequest, AssessResponse)
  RIEC_SHIM(List, "ListAssessments", ListAssessmentsRequest, ListAssessmentsResponse)
};
struct InquiryShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(CheckSubjects, "CheckSubjects", CheckSubjectsRequest, CheckSubjectsResponse)
  RIEC_SHIM(ListLateHits, "ListLateHits", ListLateHitsRequest, ListLateHitsResponse)
};
struct CasesShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(Propose, "ProposeCase", ProposeCaseRequest, CaseResponse)
  RIEC_SHIM(Unlock, "UnlockCase", CaseRequest, CaseResponse)
  RIEC_SHIM(Confirm, "ConfirmCase", CaseRequest, CaseResponse)
  RIEC_SHIM(Extend, "ExtendCase", ExtendCaseRequest, CaseResponse)
  RIEC_SHIM(Narrow, "NarrowCase", NarrowCaseRequest, CaseResponse)
  RIEC_SHIM(Close, "CloseCase", CloseCaseRequest, CaseResponse)
  RIEC_SHIM(HandOver, "HandOverCase", HandOverCaseRequest, CaseResponse)
  RIEC_SHIM(Get, "GetCase", CaseRequest, Case)
  RIEC_SHIM(List, "ListCases", ListCasesRequest, ListCasesResponse)
};
struct ContentShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(RegisterKey, "RegisterKey", RegisterKeyRequest, EncryptionKey)
  RIEC_SHIM(GetKey, "GetKey", GetKeyRequest, EncryptionKey)
  RIEC_SHIM(Request, "RequestContent", RequestContentRequest, ContentRequest)
  RIEC_SHIM(List, "ListRequests", ListRequestsRequest, ListRequestsResponse)
  RIEC_SHIM(Get, "GetRequest", GetRequestRequest, ContentRequest)
  RIEC_SHIM(Provide, "ProvideContent", ProvideContentRequest, ContentRequest)
  RIEC_SHIM(Refuse, "RefuseRequest", RefuseRequestRequest, ContentRequest)
  RIEC_SHIM(Fetch, "FetchContent", FetchContentRequest, FetchContentResponse)
};
struct EventsShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(List, "ListEvents", ListEventsRequest, ListEventsResponse)
};
struct OperationsShim : RouteShim {
  using RouteShim::RouteShim;
  absl::StatusOr<v1::SweepNowResponse> Sweep(const Call& call) {
    return Run<v1::SweepNowResponse>("SweepNow", call, v1::SweepNowRequest());
  }
  absl::StatusOr<v1::ReloadPolicyResponse> Reload(const Call& call) {
    return Run<v1::ReloadPolicyResponse>("ReloadPolicy", call, v1::ReloadPolicyRequest());
  }
  absl::StatusOr<v1::PolicyInfo> Info(const Call& call) {
    return Run<v1::PolicyInfo>("GetPolicy", call, v1::GetPolicyRequest());
  }
};
struct PseudonymiserShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(Evaluate, "Evaluate", EvaluateRequest, EvaluateResponse)
};
struct LogShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(Records, "GetRecords", GetRecordsRequest, GetRecordsResponse)
};
struct AuditShim : RouteShim {
  using RouteShim::RouteShim;
  RIEC_SHIM(ListRecords, "ListRecords", ListRecordsRequest, ListRecordsResponse)
  RIEC_SHIM(Statistics, "GetAuditStatistics", AuditStatisticsRequest, AuditStatistics)
  RIEC_SHIM(RiecStatistics, "GetRiecStatistics", RiecStatisticsRequest, RiecStatistics)
};
#undef RIEC_SHIM

class CoreFixture : public ::testing::Test {
 protected:
  // The policy the core starts with.
  virtual std::string PolicyText() const = 0;

  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("riec-core-", ::getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    policy_file_ = dir_ + "/policy.yaml";
    std::ofstream(policy_file_) << PolicyText();
    store_ = std::make_unique<storage::MemoryStore>();
    auto policy = policy::Policy::Parse(PolicyText(), "test.yaml", nullptr);
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = std::make_unique<PolicySource>(*policy, clock_.Now());
    oprf_key_ = std::make_unique<crypto::OprfKey>(crypto::OprfKey::Generate());
    StartCore();
  }

  // (Re)builds the log and the core over the same store: what a restart
  // of the broker keeps is what the store holds.
  void StartCore() {
    StopCore();
    auto log = log::DisclosureLog::Open(store_.get());
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    auto signer = log::TreeHeadSigner::Create(store_.get(), log_.get(),
                                              crypto::SigningKey::Generate(), &clock_);
    ASSERT_TRUE(signer.ok()) << signer.status();
    signer_ = *std::move(signer);
    limits_ = std::make_unique<TrafficLimits>();
    env_ = Env{store_.get(), log_.get(), &clock_, policy_.get(), limits_.get()};
    CoreOptions o;
    o.oprf_key = oprf_key_.get();
    o.signer = signer_.get();
    o.policy_source = policy_.get();
    o.policy_path = policy_file_;
    core_ = std::make_unique<BrokerCore>(env_, o);
    index_ = std::make_unique<IndexShim>(core_.get(), "Index");
    signals_ = std::make_unique<SignalsShim>(core_.get(), "Signals");
    assessments_ = std::make_unique<AssessmentsShim>(core_.get(), "Signals");
    inquiry_ = std::make_unique<InquiryShim>(core_.get(), "Inquiry");
    cases_ = std::make_unique<CasesShim>(core_.get(), "Cases");
    content_ = std::make_unique<ContentShim>(core_.get(), "Content");
    events_ = std::make_unique<EventsShim>(core_.get(), "Events");
    operations_ = std::make_unique<OperationsShim>(core_.get(), "Operations");
    pseudonymiser_ = std::make_unique<PseudonymiserShim>(core_.get(), "Pseudonymiser");
    log_api_ = std::make_unique<LogShim>(core_.get(), "Log");
    audit_ = std::make_unique<AuditShim>(core_.get(), "Audit");
  }

  void StopCore() {
    core_.reset();
    signer_.reset();
    log_.reset();
  }

  void TearDown() override {
    StopCore();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Publish(const std::string& partner, const v1::Subject& s, const std::string& category = "",
               std::optional<absl::Time> until = std::nullopt) {
    v1::PublishRequest req;
    auto* e = req.add_entries();
    *e->mutable_subject() = s;
    e->set_category(category);
    if (until) *e->mutable_valid_until() = ToProtoTime(*until);
    auto r = index_->Publish(CallAs(partner), req);
    ASSERT_TRUE(r.ok()) << r.status();
  }

  std::string Register(const std::string& partner, const std::string& purpose,
                       std::vector<v1::Subject> subjects,
                       const std::string& role = "partner-system") {
    v1::RegisterSignalRequest req;
    req.set_purpose(purpose);
    for (auto& s : subjects) *req.add_subjects() = s;
    auto r = signals_->Register(CallAs(partner, role), req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->signal().id() : "";
  }

  absl::StatusOr<v1::CheckSubjectsResponse> Ask(const std::string& partner,
                                                const std::string& signal,
                                                std::vector<v1::Subject> subjects = {},
                                                const std::string& role = "partner-system") {
    v1::CheckSubjectsRequest req;
    req.set_signal_id(signal);
    for (auto& s : subjects) *req.add_subjects() = s;
    return inquiry_->CheckSubjects(CallAs(partner, role), req);
  }

  v1::LogRecord LastRecord() {
    v1::LogRecord r;
    EXPECT_TRUE(r.ParseFromString(*log_->ReadRecord(log_->Size() - 1)));
    return r;
  }

  std::vector<v1::LogRecord> Records() {
    std::vector<v1::LogRecord> out;
    for (uint64_t i = 0; i < log_->Size(); ++i) {
      v1::LogRecord r;
      if (r.ParseFromString(*log_->ReadRecord(i))) out.push_back(std::move(r));
    }
    return out;
  }

  std::string dir_, policy_file_;
  FakeClock clock_{absl::FromCivil(absl::CivilDay(2026, 11, 24), absl::UTCTimeZone())};
  std::unique_ptr<storage::MemoryStore> store_;
  std::unique_ptr<log::DisclosureLog> log_;
  std::unique_ptr<log::TreeHeadSigner> signer_;
  std::unique_ptr<PolicySource> policy_;
  std::unique_ptr<TrafficLimits> limits_;
  std::unique_ptr<crypto::OprfKey> oprf_key_;
  Env env_;
  std::unique_ptr<BrokerCore> core_;
  std::unique_ptr<IndexShim> index_;
  std::unique_ptr<SignalsShim> signals_;
  std::unique_ptr<AssessmentsShim> assessments_;
  std::unique_ptr<InquiryShim> inquiry_;
  std::unique_ptr<CasesShim> cases_;
  std::unique_ptr<ContentShim> content_;
  std::unique_ptr<EventsShim> events_;
  std::unique_ptr<OperationsShim> operations_;
  std::unique_ptr<PseudonymiserShim> pseudonymiser_;
  std::unique_ptr<LogShim> log_api_;
  std::unique_ptr<AuditShim> audit_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_CORE_FIXTURE_H_
