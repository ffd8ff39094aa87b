// The C++ client SDK of the RIEC broker: connects over mutual TLS, turns
// identifiers into pseudonyms (normalise -> OPRF blind -> Evaluate ->
// finalize) and makes every call of proto/riec/v1.
//
// Errors are absl::Status with the broker's gRPC code and message, prefixed
// with the address when the broker cannot be reached. Every request is
// checked against the contract's field limits before it is sent
// (riec/common/request_limits.h): free text that carries a personal
// identifier never leaves the partner.
//
// Thread-safety: a Client may be used from several threads at once.
// Ownership: Connect returns an owned Client.
#ifndef RIEC_SDK_CLIENT_H_
#define RIEC_SDK_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "riec/sdk/api.h"
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

namespace riec::sdk {

// A Pseudonymiser instance holding one share of the key (threshold mode).
struct PseudonymiserShare {
  std::string address;       // host:port
  uint32_t index = 0;        // its share index, 1..n
  std::string public_share;  // its public share (32 bytes), as keygen printed it
};

struct ConnectionOptions {
  std::string broker;         // host:port of riec-broker
  std::string pseudonymiser;  // host:port of the Pseudonymiser; empty: the broker
  // The Pseudonymiser's public key (32 bytes) as the convenant publishes it
  // (in threshold mode: the group's key). Every evaluation's proof is
  // verified against it; empty: against the key the Pseudonymiser reports
  // (trust on first use; `riec pseudonym` prints its id).
  std::string pseudonymiser_key;
  // Threshold mode: the share instances and how many of them must answer.
  // Any `threshold` that answer with a valid proof will do.
  std::vector<PseudonymiserShare> pseudonymiser_shares;
  uint32_t threshold = 0;
  std::string ca_file;        // convenant CA certificate (PEM)
  std::string cert_file;      // this client's certificate (PEM)
  std::string key_file;       // this client's private key (PEM)
  std::string server_name;    // name to verify in the server certificate; empty: host
  std::string on_behalf_of;   // official the calls are made for (optional; any UTF-8 name)
  std::string traceparent;    // W3C trace context sent with every call (optional)
  absl::Duration timeout = absl::Seconds(120);  // per call
};

// Reads a client config file (docs/api.md):
//   broker: host:port          pseudonymiser: host:port   (optional)
//   pseudonymiser_key: HEX     (optional; the pinned public key)
//   pseudonymisers: [{address: host:port, index: I, public_share: HEX}]
//   threshold: T               (threshold mode)
//   ca: FILE  cert: FILE  key: FILE   server_name: NAME (optional)
//   on_behalf_of: TEXT (optional)     timeout_seconds: N (optional)
// Relative file names are taken relative to the config file's directory.
absl::StatusOr<ConnectionOptions> LoadClientConfig(const std::string& path);

// Connects to the broker (and the Pseudonymiser) and makes the calls of
// Api over gRPC; the calls are documented in riec/sdk/api.h.
class Client : public Api {
 public:
  // Reads the certificate files and creates the channels (connecting lazily).
  // INVALID_ARGUMENT / NOT_FOUND naming a missing or unreadable file.
  static absl::StatusOr<std::unique_ptr<Client>> Connect(const ConnectionOptions& options);

  absl::StatusOr<bool> Healthy() override;

  absl::StatusOr<v1::KeyInfo> GetKeyInfo() override;
  absl::StatusOr<std::vector<std::string>> PseudonymiseInputs(
      const std::vector<std::string>& inputs, const Progress& progress = {}) override;
  absl::StatusOr<std::vector<v1::Subject>> Subjects(const std::vector<SubjectValue>& values) override;
  absl::StatusOr<std::vector<v1::Subject>> SubjectsWithoutMatchKeys(
      const std::vector<SubjectValue>& values) override;

  absl::StatusOr<v1::PublishResponse> Publish(const v1::PublishRequest& request);
  absl::StatusOr<v1::PublishResponse> PublishStream(
      const std::vector<v1::PublishRequest>& batches, const Progress& progress = {}) override;
  absl::StatusOr<v1::WithdrawResponse> Withdraw(const v1::WithdrawRequest& request) override;
  absl::StatusOr<v1::IndexStatistics> GetIndexStatistics() override;

  absl::StatusOr<v1::RegisterSignalResponse> RegisterSignal(
      const v1::RegisterSignalRequest& request) override;
  absl::StatusOr<v1::Signal> GetSignal(const std::string& signal_id) override;
  absl::StatusOr<v1::ListSignalsResponse> ListSignals(const v1::ListSignalsRequest& request) override;
  absl::StatusOr<v1::CloseSignalResponse> CloseSignal(const std::string& signal_id) override;

  absl::StatusOr<v1::CheckSubjectsResponse> CheckSubjects(
      const v1::CheckSubjectsRequest& request) override;
  absl::StatusOr<v1::ListLateHitsResponse> ListLateHits(const std::string& signal_id) override;

  absl::StatusOr<v1::RequestAssessmentsResponse> RequestAssessments(
      const std::string& signal_id) override;
  absl::StatusOr<v1::AssessResponse> Assess(const v1::AssessRequest& request) override;
  absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(const std::string& signal_id) override;

  absl::StatusOr<v1::CaseResponse> ProposeCase(const v1::ProposeCaseRequest& request) override;
  absl::StatusOr<v1::CaseResponse> UnlockCase(const std::string& case_id) override;
  absl::StatusOr<v1::CaseResponse> ConfirmCase(const std::string& case_id) override;
  absl::StatusOr<v1::CaseResponse> ExtendCase(const v1::ExtendCaseRequest& request) override;
  absl::StatusOr<v1::CaseResponse> NarrowCase(const v1::NarrowCaseRequest& request) override;
  absl::StatusOr<v1::CaseResponse> CloseCase(const v1::CloseCaseRequest& request) override;
  absl::StatusOr<v1::CaseResponse> HandOverCase(const v1::HandOverCaseRequest& request) override;
  absl::StatusOr<v1::Case> GetCase(const std::string& case_id) override;
  absl::StatusOr<v1::ListCasesResponse> ListCases(
      v1::CaseState state = v1::CASE_STATE_UNSPECIFIED) override;

  absl::StatusOr<v1::EncryptionKey> RegisterKey(const std::string& public_key) override;
  absl::StatusOr<v1::EncryptionKey> GetKey(const std::string& partner) override;
  absl::StatusOr<v1::ContentRequest> RequestContent(const v1::RequestContentRequest& request) override;
  absl::StatusOr<v1::ListRequestsResponse> ListRequests(
      v1::RequestState state = v1::REQUEST_STATE_UNSPECIFIED) override;
  absl::StatusOr<v1::ContentRequest> GetRequest(const std::string& request_id) override;
  absl::StatusOr<v1::ContentRequest> ProvideContent(const v1::ProvideContentRequest& request) override;
  absl::StatusOr<v1::ContentRequest> RefuseRequest(const v1::RefuseRequestRequest& request) override;
  absl::StatusOr<v1::FetchContentResponse> FetchContent(const std::string& request_id,
                                                        const std::string& key_proof) override;

  absl::StatusOr<v1::ListEventsResponse> ListEvents(uint64_t after_sequence,
                                                    uint32_t limit = 0) override;
  absl::Status Subscribe(uint64_t after_sequence,
                         const std::function<bool(const v1::Event&)>& on_event) override;

  absl::StatusOr<v1::PolicyInfo> GetPolicy() override;
  absl::StatusOr<v1::ReloadPolicyResponse> ReloadPolicy() override;
  absl::StatusOr<v1::SweepNowResponse> SweepNow() override;

  absl::StatusOr<v1::LogInfo> GetLogInfo() override;
  absl::StatusOr<v1::SignedTreeHead> GetLatestTreeHead(bool fresh) override;
  absl::StatusOr<v1::SignedTreeHead> GetCosignedTreeHead() override;
  absl::StatusOr<v1::InclusionProofResponse> GetInclusionProof(uint64_t index,
                                                               uint64_t tree_size) override;
  absl::StatusOr<v1::ConsistencyProofResponse> GetConsistencyProof(uint64_t first,
                                                                   uint64_t second) override;
  absl::StatusOr<v1::GetRecordsResponse> GetRecords(uint64_t start, uint32_t count) override;
  absl::StatusOr<v1::ListRecordsResponse> ListRecords(const v1::ListRecordsRequest& request) override;
  absl::StatusOr<v1::AuditStatistics> GetAuditStatistics(
      const v1::AuditStatisticsRequest& request) override;
  absl::StatusOr<v1::RiecStatistics> GetRiecStatistics(
      const v1::RiecStatisticsRequest& request) override;

  // Raw evaluation of blinded elements (for tests and other clients).
  absl::StatusOr<v1::EvaluateResponse> Evaluate(const v1::EvaluateRequest& request);

 private:
  absl::StatusOr<std::vector<v1::Subject>> SubjectsOf(const std::vector<SubjectValue>& values, bool match_keys);
  Client() = default;
  void Prepare(grpc::ClientContext* ctx, bool deadline = true) const;
  absl::Status Convert(const grpc::Status& s, const std::string& target) const;

  ConnectionOptions options_;
  std::shared_ptr<grpc::Channel> broker_channel_;
  std::shared_ptr<grpc::Channel> pseudonymiser_channel_;
  std::unique_ptr<v1::Pseudonymiser::Stub> pseudonymiser_;
  // Threshold mode: one stub per share instance, in the order configured.
  std::vector<std::unique_ptr<v1::Pseudonymiser::Stub>> share_stubs_;
  // The public key every evaluation is verified against (the group's in
  // threshold mode); set by the first pseudonymisation.
  absl::StatusOr<std::string> PinPseudonymiserKey();
  absl::Mutex pin_mu_;
  std::string pinned_key_ ABSL_GUARDED_BY(pin_mu_);
  // Elements per Evaluate call (the Pseudonymiser's maximum).
  static constexpr size_t kMaxBlindedPerCall = 4096;

  // Evaluations of one batch of blinded elements, verified: under the
  // pinned key, or combined from `threshold` verified shares.
  absl::StatusOr<std::vector<std::string>> EvaluateVerified(const std::vector<std::string>& blinded,
                                                            const std::string& key, std::string* key_id);
  std::unique_ptr<v1::Index::Stub> index_;
  std::unique_ptr<v1::Signals::Stub> signals_;
  std::unique_ptr<v1::Inquiry::Stub> inquiry_;
  std::unique_ptr<v1::Events::Stub> events_;
  std::unique_ptr<v1::Operations::Stub> operations_;
  std::unique_ptr<v1::Log::Stub> log_;
  std::unique_ptr<v1::Audit::Stub> audit_;
  std::unique_ptr<v1::Cases::Stub> cases_;
  std::unique_ptr<v1::Content::Stub> content_;
};

}  // namespace riec::sdk

#endif  // RIEC_SDK_CLIENT_H_
