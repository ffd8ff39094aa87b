// The verifiable log and audit queries (proto/riec/v1/transparency.proto,
// audit.proto): tree heads and proofs for every role; records and audit
// queries for privacy officers, scoped to their partner unless they are the
// RIEC's own (the policy's secretariat). Every read of records is logged
// (LOG_READ) before it is answered.
//
// Thread-safety: safe for concurrent use.
// Ownership: the signer is not owned.
#ifndef RIEC_BROKER_CORE_LOG_ACCESS_H_
#define RIEC_BROKER_CORE_LOG_ACCESS_H_

#include "absl/status/statusor.h"
#include "core/env.h"
#include "log/tree_heads.h"
#include "riec/v1/audit.pb.h"
#include "riec/v1/transparency.pb.h"

namespace riec::core {

class LogAccess {
 public:
  LogAccess(const Env& env, log::TreeHeadSigner* signer) : env_(env), signer_(signer) {}

  absl::StatusOr<v1::LogInfo> Info(const Call& call);
  absl::StatusOr<v1::SignedTreeHead> LatestTreeHead(const Call& call,
                                                    const v1::GetLatestTreeHeadRequest& request);
  absl::StatusOr<v1::InclusionProofResponse> InclusionProof(
      const Call& call, const v1::GetInclusionProofRequest& request);
  absl::StatusOr<v1::ConsistencyProofResponse> ConsistencyProof(
      const Call& call, const v1::GetConsistencyProofRequest& request);
  absl::StatusOr<v1::GetRecordsResponse> Records(const Call& call,
                                                 const v1::GetRecordsRequest& request);

  absl::StatusOr<v1::ListRecordsResponse> ListRecords(const Call& call,
                                                      const v1::ListRecordsRequest& request);
  absl::StatusOr<v1::AuditStatistics> Statistics(const Call& call,
                                                 const v1::AuditStatisticsRequest& request);

  // The most candidate records one ListRecords call examines; past it the
  // page ends early with a page token.
  static constexpr size_t kScanLimit = 50000;

 private:
  // Whose records the caller may read: all, or those concerning `partner`.
  struct Scope {
    bool all = false;
    std::string partner;
    bool Covers(const v1::LogRecord& r) const;
  };
  absl::StatusOr<Scope> AdmitAuditor(const Call& call, const policy::Policy& policy,
                                     absl::Time now);
  // Writes the LOG_READ record of a query; returns its index.
  absl::StatusOr<uint64_t> LogRead(const Call& call, const policy::Policy& policy, absl::Time now,
                                   std::string query, uint64_t count, absl::string_view pseudonym);

  Env env_;
  log::TreeHeadSigner* signer_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_LOG_ACCESS_H_
