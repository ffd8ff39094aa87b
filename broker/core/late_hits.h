// Late hits (docs/two-stage.md, "Late hits"): while a signal is open, a
// publication that adds to what the answer on one of its asked subjects
// discloses is told to the signal's owner — once, at the purpose's stage-1
// level, under every stage-1 rule (core/inquiry.h: Stage1Findings) — and,
// where the purpose notifies holders, to the holder as a MATCH. Each is a
// STAGE1_LATE_HIT record written in the same atomic commit as the
// publication's own record, before its events can be delivered.
//
// How a question and a publication meet: a question of the signal's owner
// marks each subject it asks about (a watch, until the signal expires) and
// looks the subjects up while holding a lock exclusively; a publication
// reads the watches of its subjects and commits while holding it shared.
// So either the question's lookup sees the publication, or the
// publication sees the watch, never both and never neither. Publications
// that touch watched subjects are checked and committed one at a time.
//
// Thread-safety: safe for concurrent use.
// Ownership: the Index and Signals are not owned.
#ifndef RIEC_BROKER_CORE_LATE_HITS_H_
#define RIEC_BROKER_CORE_LATE_HITS_H_

#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/index.h"
#include "core/pipeline.h"
#include "core/signals.h"
#include "riec/v1/inquiry.pb.h"

namespace riec::core {

class LateHits : public PublicationHook {
 public:
  // Reads the marks in the store into memory (a failure to read them is
  // returned by every later call: late hits fail closed).
  LateHits(const Env& env, const Index* index, Signals* signals);

  // Marks `asked` as asked about in `signal` by its owner, if its purpose
  // has late hits on, and runs `lookup` (the question's look at the index)
  // under the same exclusive lock; without marks, runs only `lookup`.
  absl::Status Watch(const RequestContext& ctx, const v1::Signal& signal,
                     const google::protobuf::RepeatedPtrField<v1::Subject>& asked,
                     const std::function<absl::Status()>& lookup) ABSL_LOCKS_EXCLUDED(mu_);

  // PublicationHook: the late hits `entries` cause, committed with
  // `publication`.
  absl::StatusOr<uint64_t> CommitPublication(RequestContext& ctx,
                                             const std::vector<const v1::IndexEntry*>& entries,
                                             RequestContext::Part publication) override
      ABSL_LOCKS_EXCLUDED(mu_);

  // Inquiry.ListLateHits.
  absl::StatusOr<v1::ListLateHitsResponse> List(RequestContext& ctx,
                                                const v1::ListLateHitsRequest& request) const;

 private:
  // The late-hit records for the entries of the publisher on `subject`
  // (all of `entries` share it) in `signal`, appended to `parts`.
  absl::Status Check(RequestContext& ctx, const v1::Signal& signal, const v1::Subject& subject,
                     const std::vector<const v1::IndexEntry*>& entries, uint64_t* told,
                     std::vector<RequestContext::Part>* parts) const;

  Env env_;
  const Index* index_;
  Signals* signals_;
  // Publications hold it shared from reading the watches to their commit;
  // a question holds it exclusively while it marks its subjects.
  mutable absl::Mutex mu_;
  // A hash of every subject marked since the store was opened (and of
  // those marked before): a publication reads the store's marks only for
  // subjects in it. Marks erased by retention stay until a restart; they
  // cost a read, never a wrong answer.
  absl::flat_hash_set<uint64_t> watched_ ABSL_GUARDED_BY(mu_);
  absl::Status loaded_ ABSL_GUARDED_BY(mu_);
  // Held (after mu_, shared) by a publication with watched subjects from
  // its check to its commit.
  absl::Mutex check_mu_ ABSL_ACQUIRED_AFTER(mu_);
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_LATE_HITS_H_
