// The pseudonymised index: "partner P holds information on subject S"
// (proto/riec/v1/index.proto; layouts in docs/storage.md).
//
// Each holder's counters (GetStatistics) are kept in the same batch as its
// entries, so statistics cost the same at any index size.
//
// Thread-safety: safe for concurrent use. A holder's publications and
// withdrawals are serialised (its counters must see each entry's previous
// state); different holders proceed in parallel. A retention batch excludes
// all of them while it is confirmed and written.
#ifndef RIEC_BROKER_CORE_INDEX_H_
#define RIEC_BROKER_CORE_INDEX_H_

#include <array>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/pipeline.h"
#include "core/sweep_batch.h"
#include "riec/common/match_keys.h"
#include "riec/v1/index.pb.h"

namespace riec::core {

// One valid entry on a subject.
struct Holding {
  std::string holder;    // partner id
  std::string category;  // may be empty
  bool silent = false;   // never disclosed; its holder is notified instead
};

// Commits each publication, adding records of its own to the same atomic
// commit (late hits: core/late_hits.h).
class PublicationHook {
 public:
  virtual ~PublicationHook() = default;
  // Commits `publication` (its INDEX_PUBLISHED record and entries) and
  // what the hook adds for `entries` (distinct, of `ctx`'s partner) in one
  // commit; returns the publication record's index.
  virtual absl::StatusOr<uint64_t> CommitPublication(
      RequestContext& ctx, const std::vector<const v1::IndexEntry*>& entries,
      RequestContext::Part publication) = 0;
};

inline constexpr size_t kMaxCandidatesPerMatchKey = 64;

class Index {
 public:
  explicit Index(const Env& env) : env_(env) {}

  // Set once, before the first request; not owned.
  void SetPublicationHook(PublicationHook* hook) { hook_ = hook; }

  absl::StatusOr<v1::PublishResponse> Publish(RequestContext& ctx, const v1::PublishRequest& request);
  absl::StatusOr<v1::WithdrawResponse> Withdraw(RequestContext& ctx,
                                                const v1::WithdrawRequest& request);
  absl::StatusOr<v1::IndexStatistics> Statistics(RequestContext& ctx,
                                                 const v1::GetStatisticsRequest& request);

  // Every entry on `subject` whose validity has not ended at `now`, in key
  // order (by holder, then category). One prefix seek.
  absl::StatusOr<std::vector<Holding>> Lookup(const v1::Subject& subject, absl::Time now) const;

  // Probable matches (docs/pseudonyms.md §6): the entries of each of
  // `holders` on another subject whose own match keys share enough with
  // `subject`'s (riec/common/match_keys.h: IsProbableMatch), by holder and
  // subject, with the categories whose entries carry the keys and the
  // kinds of key in common. Entries published without match keys are never
  // found. One prefix seek per strong key and holder, and one for the
  // date-digits key with a point check of the year key for what it finds
  // (the year key alone is too common to scan). At most
  // kMaxCandidatesPerMatchKey subjects per key and holder are looked at, so
  // that no one can make a question expensive by publishing many entries
  // under one key — nor hide another holder's entries that way.
  struct Candidate {
    v1::Subject subject;
    std::string holder;
    std::set<std::string> categories;
    MatchKeySet keys = 0;
  };
  absl::StatusOr<std::vector<Candidate>> ProbableMatches(const v1::Subject& subject,
                                                         const std::vector<std::string>& holders) const;

  // Retention: hands `commit` batches of at most `batch` erasures of the
  // entries whose valid_until has passed or that were not published again
  // within `max_age`. Each batch is confirmed under the exclusive lock, so an
  // entry published again meanwhile is kept.
  absl::Status SweepExpired(absl::Time now, absl::Duration max_age, size_t batch,
                            const SweepCommit& commit);

 private:
  absl::Mutex& HolderMutex(const std::string& holder);

  Env env_;
  PublicationHook* hook_ = nullptr;
  // Publications and withdrawals hold it shared; a sweep batch exclusively.
  absl::Mutex write_mu_;
  std::array<absl::Mutex, 16> holder_mu_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_INDEX_H_
