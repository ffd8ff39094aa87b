// The convenant as data: the parsed, validated policy file and the one
// decision function every check of the broker goes through.
//
// A Policy is immutable once parsed; share it as
// std::shared_ptr<const Policy>. Reloading builds a new Policy and swaps the
// pointer, so a request keeps the version it started with.
//
// The file format is specified field by field in docs/policy.md.
//
// Thread-safety: a Policy is read-only after Parse and safe to share.
#ifndef RIEC_POLICY_POLICY_H_
#define RIEC_POLICY_POLICY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "riec/common/identity.h"
#include "riec/common/subject_kind.h"
#include "riec/v1/cases.pb.h"
#include "riec/v1/common.pb.h"

namespace riec::policy {

// How a partner takes part in the convenant (DOMAIN.md: non-convenant
// participants often only answer, or only bring signals).
enum class Participation {
  kFull,         // holds, answers and asks
  kRespondOnly,  // holds and answers, never asks
  kSignalOnly,   // brings signals, holds nothing, asks nothing
};
absl::string_view ParticipationName(Participation p);

// A PKIoverheid organisation certificate mapped to one of the partner's
// roles (docs/policy.md, "Certificates"): the certificate carries the
// partner's OIN in its subject serialNumber and one distinguisher.
struct CertificateMapping {
  std::string role;
  std::string name;    // optional holder name, as in a riec:// URI
  // Exactly one of these is set.
  std::string sha256;  // the certificate's SHA-256 fingerprint, lower-case hex
  std::string cn;      // the subject's commonName
  std::string ou;      // one of the subject's organizationalUnitName values
  // "sha256 ab12…", "cn riec-koppeling.politie.example", "ou Privacy".
  std::string Describe() const;
};

struct Partner {
  std::string id;
  std::string name;
  std::string kind;                // e.g. "gemeente", "politie"; free text
  std::vector<std::string> roles;  // roles certificates of this partner may carry
  Participation participation = Participation::kFull;
  std::string oin;  // the organisation's 20-digit OIN, for PKIoverheid certificates
  std::vector<CertificateMapping> certificates;
};

// What an organisation certificate without a riec:// URI SAN shows.
struct OrganisationCertificate {
  std::string oin;                // subject serialNumber
  std::string cn;                 // subject commonName
  std::vector<std::string> ous;   // subject organizationalUnitName values
  std::string sha256_hex;         // SHA-256 of the DER, lower-case hex
};

// The highest stage1.late_hits.max_per_signal a policy may set.
inline constexpr uint64_t kMaxLateHitsPerSignal = 10000;

struct Stage1Options {
  v1::Stage1Level level = v1::HOLDERS;
  bool notify_holders = false;  // holders get a MATCH event for each hit
  // The participants that may publish silent entries under this purpose
  // (e.g. politie, om with a running investigation): their silent entries
  // are never disclosed; they, and the RIEC's privacy officers, are told of
  // a question that would have matched (docs/two-stage.md, "Silent
  // entries"). Empty: none.
  std::vector<std::string> silent_partners;
  bool deconfliction = false;   // partners asking about one subject are told
  std::vector<std::string> excluded_addresses;  // 32-byte pseudonyms that never match
  bool Excluded(const std::string& pseudonym) const;
  // Late hits (docs/two-stage.md): the most a signal of the purpose is
  // told of publications after its questions; 0: late hits are off.
  uint32_t late_hits_per_signal = 0;
  // Probable matches (docs/pseudonyms.md §6): a person-name-dob subject
  // asked with match keys also finds entries on the same person written
  // differently, reported as MATCH_PROBABLE; off: exact matches only.
  bool probable_matches = false;
};

// What unlocks a case of the purpose (DESIGN.md §6).
struct UnlockRule {
  enum class Kind { kChair, kFourEyes, kQuorum };
  Kind kind = Kind::kChair;
  // kQuorum: the number of partners concerned that must confirm; 0 means
  // a majority, -1 all of them.
  int quorum = 0;
  std::string Describe() const;  // "chair", "four-eyes", "quorum of 2", ...
};

struct Purpose {
  std::string id;
  std::string description;
  std::vector<std::string> themes;        // empty: any theme, theme optional
  std::vector<SubjectKind> subject_kinds;  // never empty after validation
  std::vector<std::string> participants;  // partner ids; never empty
  std::map<std::string, std::string> legal_basis;  // partner id -> text
  // partner id -> URI of its processing activity (AVG art. 30 register
  // entry), for Logboek Dataverwerkingen (docs/ldv.md)
  std::map<std::string, std::string> processing_activities;
  std::vector<std::string> exclusions;  // what the purpose explicitly does not cover
  Stage1Options stage1;
  uint32_t max_subjects_per_signal = 25;
  absl::Duration signal_lifetime = absl::Hours(24 * 90);
  UnlockRule unlock;
  absl::Duration max_case_duration = absl::Hours(24 * 180);

  bool HasParticipant(absl::string_view partner) const;
  bool AllowsSilent(absl::string_view partner) const;
  bool AllowsKind(SubjectKind kind) const;
};

// Per-partner limits. 0 means: no limit of this kind (written "unlimited"
// in the file); every part of the broker reads it so.
struct Quotas {
  uint64_t oprf_evaluations_per_day = 50000;
  uint64_t questions_per_hour = 1000;    // CheckSubjects and RequestAssessments calls
  uint64_t subjects_per_signal = 0;      // on top of the purpose's maximum
  uint64_t open_signals = 200;           // open signals owned at once
  uint64_t requests_per_second = 100;    // every call, bursts of twice this
  uint64_t event_streams = 4;            // open Events.Subscribe streams at once
};

// The shortest retention.log_records a policy may set: below it a
// convenant's partners could not account for a year's disclosures (AVG
// art. 5(2), accountability) in their yearly audit cycle. docs/policy.md.
inline constexpr absl::Duration kMinLogRetention = absl::Hours(24 * 365);

// How long the broker keeps what it holds (DESIGN.md §5). Each period runs
// from the moment stated with the field.
struct Retention {
  absl::Duration index_entries = absl::Hours(24 * 400);  // since last published
  absl::Duration signals_without_case = absl::Hours(24 * 180);  // since closed or expired
  absl::Duration events = absl::Hours(24 * 90);  // since the event
  // Log records: their content is erased (leaf hash kept) this long after
  // the decision they record.
  absl::Duration log_records = absl::Hours(24 * 365 * 5);
  // Cases: erased this long after they were closed or expired.
  absl::Duration cases_after_closing = absl::Hours(24 * 365 * 2);
  // Stage-2 payloads not fetched: deleted this long after they were
  // provided (and always when the case ends).
  absl::Duration payloads = absl::Hours(24 * 30);
};

// One problem found in a policy file.
struct ValidationError {
  int line = 0;    // 1-based; 0 if unknown
  int column = 0;  // 1-based; 0 if unknown
  std::string field;    // e.g. "purposes[1].participants[2]"
  std::string message;  // what is wrong and what is allowed
  // "<file>:<line>:<column>: <field>: <message>"
  std::string Format(absl::string_view file) const;
};

// What a caller wants to do. Every check of the broker is one of these.
enum class Action {
  kConnect,         // any call: the certificate's identity must exist
  kEvaluateOprf,    // Pseudonymiser.Evaluate / GetKeyInfo
  kPublish,         // Index.Publish, Index.PublishStream
  kWithdraw,        // Index.Withdraw
  kReadOwnIndex,    // Index.GetStatistics
  kRegisterSignal,  // Signals.RegisterSignal
  kReadSignal,      // Signals.GetSignal / ListSignals
  kCloseSignal,     // Signals.CloseSignal
  kAsk,             // Inquiry.CheckSubjects
  kReadEvents,      // Events.*
  kOperate,         // Operations.* (reload the policy, sweep now)
  kVerifyLog,       // Log.GetLogInfo/GetLatestTreeHead/Get*Proof
  kAudit,           // Log.GetRecords, Audit.*
  kRequestAssessments,  // Signals.RequestAssessments
  kAssess,              // Signals.Assess
  kProposeCase,         // Cases.ProposeCase
  kUnlockCase,          // Cases.UnlockCase
  kConfirmCase,         // Cases.ConfirmCase
  kChangeCase,          // Cases.Extend/Narrow/Close/HandOver
  kReadCase,            // Cases.GetCase/ListCases
  kRegisterKey,         // Content.RegisterKey
  kRequestContent,      // Content.RequestContent
  kProvideContent,      // Content.ProvideContent / RefuseRequest
  kFetchContent,        // Content.FetchContent
  kReadStatistics,      // Audit.GetRiecStatistics
};

// What the engine needs to know of a case to decide on it. The core reads
// the case; the rules are here.
struct CaseFacts {
  std::string id;
  v1::CaseState state = v1::CASE_STATE_UNSPECIFIED;  // effective (EXPIRED past its end)
  std::string chair_partner, chair_name;
  bool caller_concerned = false;  // the caller's partner is in a flow of the case
  // For content actions: is the subject in scope, the flow holder ->
  // requester allowed, the category in scope?
  bool subject_in_scope = true;
  bool flow_allowed = true;
  bool category_in_scope = true;
  std::string holder, requester, category;
  // kChangeCase: the change closes the case (allowed past its end date, to
  // record the outcome).
  bool closing = false;
};

// All actions, for `riec policy explain` and its tests.
std::vector<Action> AllActions();
// The action of a name from ActionName, if any.
std::optional<Action> ActionFromName(absl::string_view name);

// A stable, human-readable name of an action ("publish", "ask", ...).
absl::string_view ActionName(Action action);

struct Request {
  Action action = Action::kConnect;
  Identity who;
  absl::Time now;
  // The purpose the action is bound to (register, ask); empty otherwise.
  std::string purpose;
  // The subject kind concerned, if the action concerns one.
  std::optional<SubjectKind> subject_kind;
  // RegisterSignal: the theme and the number of subjects.
  std::string theme;
  size_t subject_count = 0;
  // For actions on an existing signal: its id and owning partner.
  std::string signal_id;
  std::string signal_owner;
  // Actions on a case.
  std::optional<CaseFacts> case_facts;
  // Publish: the entries are silent.
  bool silent = false;
};

// Whether a case's unlock rule holds: the chair asked for the unlock, and
// the confirmations the rule needs were given.
struct UnlockFacts {
  bool chair_asked = false;
  std::vector<std::string> privacy_officer_confirmations;  // partners
  std::vector<std::string> partner_confirmations;          // partners
  std::vector<std::string> partners_concerned;
};

// The outcome of a check: allowed or not, the rule that decided, a sentence
// that explains it (the same text goes into a refusal's gRPC message and into
// the log record), and the legal basis the convenant gives, if any.
struct Decision {
  bool allowed = false;
  absl::StatusCode code = absl::StatusCode::kPermissionDenied;
  std::string rule;
  std::string explanation;
  std::string legal_basis;

  // OK if allowed, else a status with `code` and `explanation`.
  absl::Status ToStatus() const;
};

class Policy {
 public:
  // Parses and validates a policy file's text. `file_name` appears in error
  // messages only. On failure returns every problem found, in file order;
  // never throws.
  static absl::StatusOr<std::shared_ptr<const Policy>> Parse(
      absl::string_view text, absl::string_view file_name,
      std::vector<ValidationError>* errors);

  // Reads and parses a file. INVALID_ARGUMENT with one line per problem
  // ("file:line:column: field: message"); NOT_FOUND if there is no file.
  static absl::StatusOr<std::shared_ptr<const Policy>> LoadFile(
      const std::string& path);

  const std::string& convenant_id() const { return convenant_id_; }
  const std::string& version() const { return version_; }
  const std::string& title() const { return title_; }
  std::optional<absl::Time> valid_from() const { return valid_from_; }
  std::optional<absl::Time> valid_until() const { return valid_until_; }
  // SHA-256 of the file's bytes (raw 32 bytes) and its hex form.
  const std::string& sha256() const { return sha256_; }
  std::string sha256_hex() const;
  // "riec-oost-brabant v2026-01", for messages.
  std::string Describe() const;

  const std::vector<Partner>& partners() const { return partners_; }
  const std::vector<Purpose>& purposes() const { return purposes_; }
  const std::vector<std::string>& categories() const { return categories_; }
  // The partner that is the RIEC itself (its privacy officers read the whole
  // log; it receives notices meant for the RIEC). Empty if none is named.
  const std::string& secretariat() const { return secretariat_; }

  // Whether `who` may see that a signal of `owner` exists, for `action` on
  // it: its owner, a coordinator, and (to read it) a chair. A signal the
  // caller may not see is NOT_FOUND, the same as one that does not exist,
  // before any other rule is applied (docs/api.md, "Errors").
  static bool SignalVisible(const Identity& who, Action action, absl::string_view owner);
  // Whether `who` may see that a case exists: chairs and coordinators, the
  // RIEC's privacy officers, and partners concerned in it (`facts`).
  bool CaseVisible(const Identity& who, const CaseFacts& facts) const;
  const Retention& retention() const { return retention_; }
  // The witnesses that cosign the log's checkpoints (docs/witness.md), and
  // how many must cosign a head; empty: none.
  struct Witness {
    std::string url;   // http://host:port[/prefix], the tlog-witness URL
    std::string vkey;  // verifier key, signature type 0x04
  };
  const std::vector<Witness>& witnesses() const { return witnesses_; }
  uint32_t witness_quorum() const { return witness_quorum_; }
  // The smallest count the RIEC's statistics show (docs/policy.md,
  // "Statistics"): a smaller one is shown as "< min_count".
  uint32_t statistics_min_count() const { return statistics_min_count_; }
  const Partner* FindPartner(absl::string_view id) const;
  const Purpose* FindPurpose(absl::string_view id) const;
  // The identity of a PKIoverheid organisation certificate: the one mapping
  // of the partners with its OIN that it matches. UNAUTHENTICATED naming the
  // OIN and what the certificate shows when it matches none, or naming the
  // mappings when it matches more than one.
  absl::StatusOr<Identity> MapCertificate(const OrganisationCertificate& cert) const;
  // The quotas in force for a partner (its overrides over the defaults).
  Quotas QuotasFor(absl::string_view partner) const;

  // The one decision function. Deterministic, no I/O.
  Decision Decide(const Request& request) const;

  // Whether a case of `purpose` may be unlocked now. Allowed: the rule
  // holds; otherwise FAILED_PRECONDITION with what is still needed.
  Decision DecideUnlock(const Purpose& purpose, const UnlockFacts& facts,
                        const std::string& case_id) const;

  // The caller-level part of Decide: the identity exists, the convenant is in
  // force, and the role may take the action. Operations check this before
  // they look at the request, so that an unknown or unauthorised caller
  // learns nothing from validation errors.
  Decision DecideCaller(const Request& request) const;

 private:
  friend class PolicyParser;
  Policy() = default;

  std::string convenant_id_;
  std::string version_;
  std::string title_;
  std::optional<absl::Time> valid_from_;
  std::optional<absl::Time> valid_until_;
  std::string sha256_;
  std::vector<Partner> partners_;
  std::vector<Purpose> purposes_;
  std::vector<std::string> categories_;
  std::string secretariat_;
  Retention retention_;
  std::vector<Witness> witnesses_;
  uint32_t witness_quorum_ = 0;
  uint32_t statistics_min_count_ = 10;
  Quotas default_quotas_;
  std::map<std::string, Quotas> partner_quotas_;
};

// Parses a duration such as "90d", "12h", "30m", "45s", "2w" or "7y" (one
// integer and one unit; a year is 365 days). INVALID_ARGUMENT naming the
// allowed units otherwise.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

// Formats a duration as ParseDuration reads it, in the largest exact unit.
std::string DurationText(absl::Duration d);

// "hit-only", "holders", "holders-and-category".
absl::string_view Stage1LevelName(v1::Stage1Level level);

}  // namespace riec::policy

#endif  // RIEC_POLICY_POLICY_H_
