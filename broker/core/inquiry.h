// Stage 1 (algemene informatie): CheckSubjects answers, per subject of an
// open signal, hit or no-hit and as much about the holders as the purpose's
// level allows (DESIGN.md §6; proto/riec/v1/inquiry.proto).
//
// The stage-1 rules live here once (Stage1Findings): which entries count
// (valid, of a partner taking part in the purpose, not the requester's own),
// silent entries (never disclosed), excluded addresses (never match). Every
// route that reveals anything about holders — CheckSubjects and
// RequestAssessments — applies them, at the purpose's level, within the
// partner's question quota.
//
// Thread-safety: safe for concurrent use.
// Ownership: the Index, Signals and QuotaCounter are not owned.
#ifndef RIEC_BROKER_CORE_INQUIRY_H_
#define RIEC_BROKER_CORE_INQUIRY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/index.h"
#include "core/pipeline.h"
#include "core/quota.h"
#include "core/signals.h"
#include "riec/v1/inquiry.pb.h"

namespace riec::core {

class LateHits;  // core/late_hits.h

inline constexpr absl::string_view kQuestionsQuota = "questions_per_hour";
// An answer (and its record) names at most this many categories per holder
// and subject, so that no partner can make a record grow without bound by
// publishing many categories on one subject.
inline constexpr size_t kMaxCategoriesPerHolder = 16;

// What the stage-1 rules let be known about one subject.
struct SubjectFindings {
  v1::Subject subject;
  bool excluded = false;            // on the purpose's excluded-addresses list
  bool held_by_requester = false;   // the requester's own partner holds it
  // Participating holders other than the requester whose entry is not
  // silent, in partner order, with their categories.
  std::map<std::string, std::vector<std::string>> holders;
  // Participating holders other than the requester with a silent entry
  // (exact or probable).
  std::vector<std::string> silent;
  // Probable matches (the purpose allows them, the subject has match keys):
  // participating holders other than the requester, not in `holders`, whose
  // entries on another subject share enough match keys, with their
  // categories and the kinds of key in common.
  // `subject` is the first of the holder's subjects that matched (its
  // match keys cleared): the holder is told about its own entry.
  struct Probable {
    std::vector<std::string> categories;
    MatchKeySet keys = 0;
    v1::Subject subject;
  };
  std::map<std::string, Probable> probable;
  // Participating holders other than the requester, in none of the above,
  // whose only probable matches are silent entries (never disclosed; told
  // about their own subject).
  std::map<std::string, Probable> silent_probable;
};

// The findings for `subjects` under `purpose`, asked by `requester`, at
// `now`: one index lookup per subject, and where the purpose allows probable
// matches, one per match key and per probable subject.
absl::StatusOr<std::vector<SubjectFindings>> Stage1Findings(
    const Index& index, const policy::Purpose& purpose, const std::string& requester,
    const google::protobuf::RepeatedPtrField<v1::Subject>& subjects, absl::Time now);

// Counts one question against the partner's hourly quota (in `batch`);
// the refusal, logged, when it is spent.
absl::Status ConsumeQuestion(RequestContext& ctx, QuotaCounter* quota, storage::Batch* batch);

class Inquiry {
 public:
  // `late_hits` may be null (no late hits).
  Inquiry(const Env& env, const Index* index, Signals* signals, QuotaCounter* quota,
          LateHits* late_hits = nullptr)
      : env_(env), index_(index), signals_(signals), quota_(quota), late_hits_(late_hits) {}

  // Errors: INVALID_ARGUMENT (not logged), NOT_FOUND (a signal the caller
  // may not see), FAILED_PRECONDITION (signal not open, subject not in the
  // signal), PERMISSION_DENIED, RESOURCE_EXHAUSTED (quota
  // questions_per_hour). Every refusal but INVALID_ARGUMENT is logged, as
  // is every answer.
  absl::StatusOr<v1::CheckSubjectsResponse> CheckSubjects(RequestContext& ctx,
                                                          const v1::CheckSubjectsRequest& request);

 private:
  // Deconfliction (purpose switch): the first time the requester asks about
  // a subject, it and every other partner that asked about it in the same
  // purpose in a signal still open are told that someone else asked — never
  // who, nor in which signal; the RIEC's coordinators are told who. Records
  // that the requester asked.
  absl::Status Deconflict(RequestContext& ctx, const v1::Subject& subject, const v1::Signal& signal,
                          storage::Batch* batch, std::vector<Outgoing>* events) const;

  Env env_;
  const Index* index_;
  Signals* signals_;
  QuotaCounter* quota_;
  LateHits* late_hits_;
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_INQUIRY_H_
