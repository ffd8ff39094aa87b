// The calls a client of the RIEC broker makes, as an interface: Client
// (riec/sdk/client.h) implements it over mutual TLS; code written against
// Api (the riec command, riec/sdk/stage2.h) can be tested with a fake that
// answers from memory.
//
// Errors are absl::Status with the broker's gRPC code and message.
//
// Thread-safety: as the implementation says (Client: several threads at
// once).
#ifndef RIEC_SDK_API_H_
#define RIEC_SDK_API_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "riec/v1/audit.pb.h"
#include "riec/v1/cases.pb.h"
#include "riec/v1/common.pb.h"
#include "riec/v1/content.pb.h"
#include "riec/v1/events.pb.h"
#include "riec/v1/index.pb.h"
#include "riec/v1/inquiry.pb.h"
#include "riec/v1/operations.pb.h"
#include "riec/v1/pseudonymiser.pb.h"
#include "riec/v1/signals.pb.h"
#include "riec/v1/transparency.pb.h"

namespace riec::sdk {

// A subject as a partner knows it: a kind and the identifier in the
// single-string notation of Normalise().
struct SubjectValue {
  v1::SubjectKind kind = v1::SUBJECT_KIND_UNSPECIFIED;
  std::string value;
};

// Called with (done, total) while long work progresses.
using Progress = std::function<void(size_t, size_t)>;

class Api {
 public:
  virtual ~Api() = default;

  // SERVING / NOT_SERVING of the broker's health service.
  virtual absl::StatusOr<bool> Healthy() = 0;

  virtual absl::StatusOr<v1::KeyInfo> GetKeyInfo() = 0;

  // Pseudonyms (32 bytes each) of OPRF inputs (PseudonymInput,
  // MatchKeyInput in riec/sdk/normalise.h), in order. Evaluates in batches
  // of the Pseudonymiser's maximum; blinding and finalising run on all
  // cores.
  virtual absl::StatusOr<std::vector<std::string>> PseudonymiseInputs(
      const std::vector<std::string>& inputs, const Progress& progress = {}) = 0;

  // Pseudonyms for canonical values of one kind, in order.
  absl::StatusOr<std::vector<std::string>> PseudonymiseCanonical(
      v1::SubjectKind kind, const std::vector<std::string>& canonical,
      const Progress& progress = {});

  // Subjects for canonical values of one kind, in order; a person-name-dob
  // subject carries its match keys (docs/pseudonyms.md §6), so that the
  // broker can find the person written differently. One pseudonymisation
  // run for all; `progress` counts inputs (a person has up to 13).
  absl::StatusOr<std::vector<v1::Subject>> SubjectsFromCanonical(
      v1::SubjectKind kind, const std::vector<std::string>& canonical,
      const Progress& progress = {});

  // Normalises and pseudonymises, with the match keys of person-name-dob
  // subjects (for Publish and RegisterSignal). INVALID_ARGUMENT naming the
  // first bad one ("subjects[2]: BSN: fails the elfproef (11-test)").
  virtual absl::StatusOr<std::vector<v1::Subject>> Subjects(
      const std::vector<SubjectValue>& values) = 0;

  // The same without match keys: for every other call (a question names
  // the signal's subjects, whose keys the broker keeps; withdrawals, cases
  // and audits need none), so that no OPRF evaluation is spent on keys
  // (a person's up to 12 count against the partner's
  // oprf_evaluations_per_day).
  virtual absl::StatusOr<std::vector<v1::Subject>> SubjectsWithoutMatchKeys(
      const std::vector<SubjectValue>& values) {
    auto subjects = Subjects(values);
    if (subjects.ok()) {
      for (auto& s : *subjects) s.clear_match_keys();
    }
    return subjects;
  }

  // Sends the batches over one PublishStream call.
  virtual absl::StatusOr<v1::PublishResponse> PublishStream(
      const std::vector<v1::PublishRequest>& batches, const Progress& progress = {}) = 0;
  virtual absl::StatusOr<v1::WithdrawResponse> Withdraw(const v1::WithdrawRequest& request) = 0;
  virtual absl::StatusOr<v1::IndexStatistics> GetIndexStatistics() = 0;

  virtual absl::StatusOr<v1::RegisterSignalResponse> RegisterSignal(
      const v1::RegisterSignalRequest& request) = 0;
  virtual absl::StatusOr<v1::Signal> GetSignal(const std::string& signal_id) = 0;
  virtual absl::StatusOr<v1::ListSignalsResponse> ListSignals(
      const v1::ListSignalsRequest& request) = 0;
  virtual absl::StatusOr<v1::CloseSignalResponse> CloseSignal(const std::string& signal_id) = 0;

  virtual absl::StatusOr<v1::CheckSubjectsResponse> CheckSubjects(
      const v1::CheckSubjectsRequest& request) = 0;
  // The late hits of one of the caller's signals, oldest first.
  virtual absl::StatusOr<v1::ListLateHitsResponse> ListLateHits(const std::string& signal_id) = 0;

  // Holder assessments of a signal's subjects.
  virtual absl::StatusOr<v1::RequestAssessmentsResponse> RequestAssessments(
      const std::string& signal_id) = 0;
  virtual absl::StatusOr<v1::AssessResponse> Assess(const v1::AssessRequest& request) = 0;
  virtual absl::StatusOr<v1::ListAssessmentsResponse> ListAssessments(
      const std::string& signal_id) = 0;

  // Cases: the casustafel's decision and its unlock.
  virtual absl::StatusOr<v1::CaseResponse> ProposeCase(const v1::ProposeCaseRequest& request) = 0;
  virtual absl::StatusOr<v1::CaseResponse> UnlockCase(const std::string& case_id) = 0;
  virtual absl::StatusOr<v1::CaseResponse> ConfirmCase(const std::string& case_id) = 0;
  virtual absl::StatusOr<v1::CaseResponse> ExtendCase(const v1::ExtendCaseRequest& request) = 0;
  virtual absl::StatusOr<v1::CaseResponse> NarrowCase(const v1::NarrowCaseRequest& request) = 0;
  virtual absl::StatusOr<v1::CaseResponse> CloseCase(const v1::CloseCaseRequest& request) = 0;
  virtual absl::StatusOr<v1::CaseResponse> HandOverCase(const v1::HandOverCaseRequest& request) = 0;
  virtual absl::StatusOr<v1::Case> GetCase(const std::string& case_id) = 0;
  virtual absl::StatusOr<v1::ListCasesResponse> ListCases(
      v1::CaseState state = v1::CASE_STATE_UNSPECIFIED) = 0;

  // Stage 2. See riec/sdk/stage2.h for sealing and opening content.
  virtual absl::StatusOr<v1::EncryptionKey> RegisterKey(const std::string& public_key) = 0;
  virtual absl::StatusOr<v1::EncryptionKey> GetKey(const std::string& partner) = 0;
  virtual absl::StatusOr<v1::ContentRequest> RequestContent(
      const v1::RequestContentRequest& request) = 0;
  virtual absl::StatusOr<v1::ListRequestsResponse> ListRequests(
      v1::RequestState state = v1::REQUEST_STATE_UNSPECIFIED) = 0;
  virtual absl::StatusOr<v1::ContentRequest> GetRequest(const std::string& request_id) = 0;
  virtual absl::StatusOr<v1::ContentRequest> ProvideContent(
      const v1::ProvideContentRequest& request) = 0;
  virtual absl::StatusOr<v1::ContentRequest> RefuseRequest(
      const v1::RefuseRequestRequest& request) = 0;
  // `key_proof`: riec/crypto/sealed_box.h KeyProof of the requester's
  // secret key and the request's fetch_challenge (stage2.h FetchAndOpen
  // computes it from the keyring).
  virtual absl::StatusOr<v1::FetchContentResponse> FetchContent(const std::string& request_id,
                                                                const std::string& key_proof) = 0;

  // Events after `after_sequence` (what was missed while offline).
  virtual absl::StatusOr<v1::ListEventsResponse> ListEvents(uint64_t after_sequence,
                                                            uint32_t limit = 0) = 0;
  // Calls `on_event` for each event after `after_sequence`, stored and new,
  // until `on_event` returns false or the stream ends. No deadline applies.
  // Events arrive in batches (Events.SubscribeBatches).
  virtual absl::Status Subscribe(uint64_t after_sequence,
                                 const std::function<bool(const v1::Event&)>& on_event) = 0;

  virtual absl::StatusOr<v1::PolicyInfo> GetPolicy() = 0;
  virtual absl::StatusOr<v1::ReloadPolicyResponse> ReloadPolicy() = 0;
  virtual absl::StatusOr<v1::SweepNowResponse> SweepNow() = 0;

  // The verifiable log.
  virtual absl::StatusOr<v1::LogInfo> GetLogInfo() = 0;
  virtual absl::StatusOr<v1::SignedTreeHead> GetLatestTreeHead(bool fresh) = 0;
  // The newest head a quorum of the policy's witnesses cosigned.
  virtual absl::StatusOr<v1::SignedTreeHead> GetCosignedTreeHead() = 0;
  virtual absl::StatusOr<v1::InclusionProofResponse> GetInclusionProof(uint64_t index,
                                                                       uint64_t tree_size) = 0;
  virtual absl::StatusOr<v1::ConsistencyProofResponse> GetConsistencyProof(uint64_t first,
                                                                           uint64_t second) = 0;
  virtual absl::StatusOr<v1::GetRecordsResponse> GetRecords(uint64_t start, uint32_t count) = 0;
  // Audit queries (privacy officers).
  virtual absl::StatusOr<v1::ListRecordsResponse> ListRecords(
      const v1::ListRecordsRequest& request) = 0;
  virtual absl::StatusOr<v1::AuditStatistics> GetAuditStatistics(
      const v1::AuditStatisticsRequest& request) = 0;
  // The RIEC's statistics (coordinators, privacy officers).
  virtual absl::StatusOr<v1::RiecStatistics> GetRiecStatistics(
      const v1::RiecStatisticsRequest& request) = 0;
};

}  // namespace riec::sdk

#endif  // RIEC_SDK_API_H_
