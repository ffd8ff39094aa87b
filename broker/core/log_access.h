// The verifiable log and audit queries (proto/riec/v1/transparency.proto,
// audit.proto): tree heads and proofs for every role; records and audit
// queries for privacy officers, each record shown as the reader's scope
// allows (core/log_views.h), every page vouched for by a scope attestation.
// Every read of records is logged (LOG_READ) before it is answered.
//
// A record that does not parse is reported (UNREADABLE) and the rest of the
// log stays readable; pages end before their encoding passes 8 MiB, so no
// response can exceed the message limit.
//
// Thread-safety: safe for concurrent use.
// Ownership: the signer is not owned.
#ifndef RIEC_BROKER_CORE_LOG_ACCESS_H_
#define RIEC_BROKER_CORE_LOG_ACCESS_H_

#include "absl/status/statusor.h"
#include "core/log_views.h"
#include "core/pipeline.h"
#include "log/tree_heads.h"
#include "riec/v1/audit.pb.h"
#include "riec/v1/transparency.pb.h"

namespace riec::core {

class LogAccess {
 public:
  LogAccess(const Env& env, log::TreeHeadSigner* signer);

  absl::StatusOr<v1::LogInfo> Info(RequestContext& ctx, const v1::GetLogInfoRequest& request);
  absl::StatusOr<v1::SignedTreeHead> LatestTreeHead(RequestContext& ctx,
                                                    const v1::GetLatestTreeHeadRequest& request);
  absl::StatusOr<v1::InclusionProofResponse> InclusionProof(
      RequestContext& ctx, const v1::GetInclusionProofRequest& request);
  absl::StatusOr<v1::ConsistencyProofResponse> ConsistencyProof(
      RequestContext& ctx, const v1::GetConsistencyProofRequest& request);
  absl::StatusOr<v1::GetRecordsResponse> Records(RequestContext& ctx,
                                                 const v1::GetRecordsRequest& request);
  absl::StatusOr<v1::ListRecordsResponse> ListRecords(RequestContext& ctx,
                                                      const v1::ListRecordsRequest& request);
  absl::StatusOr<v1::AuditStatistics> Statistics(RequestContext& ctx,
                                                 const v1::AuditStatisticsRequest& request);
  // The RIEC's statistics over ended calendar months, with every count
  // below the policy's statistics.min_count suppressed (proto/riec/v1/audit.proto).
  absl::StatusOr<v1::RiecStatistics> RiecStatistics(RequestContext& ctx,
                                                    const v1::RiecStatisticsRequest& request);

  // The most candidate records one ListRecords call examines; past it the
  // page ends early with a page token. Page tokens are sealed with a key of
  // this process: they say nothing of the records behind them (not even an
  // index), cannot be made up, and end with a restart.
  static constexpr size_t kScanLimit = 50000;
  // A page of records ends before its encoding passes this.
  static constexpr size_t kMaxPageBytes = 8 << 20;

 private:
  // One entry as `scope` may see it.
  struct Entry {
    uint64_t index = 0;
    v1::EntryStatus status = v1::ENTRY_STATUS_UNSPECIFIED;
    std::string leaf, leaf_hash, bytes;
    v1::LogRecord record;  // PRESENT and PARTIAL
  };
  absl::StatusOr<Entry> Read(uint64_t index, const LogScope& scope) const;
  LogScope ScopeOf(const RequestContext& ctx) const;
  // Writes the LOG_READ record of a query; returns its index.
  absl::StatusOr<uint64_t> LogRead(RequestContext& ctx, std::string query, uint64_t count,
                                   absl::string_view pseudonym);

  std::string SealToken(uint64_t index) const;
  absl::StatusOr<uint64_t> OpenToken(absl::string_view token) const;

  Env env_;
  log::TreeHeadSigner* signer_;
  std::string token_key_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_LOG_ACCESS_H_
