#include "riec/policy/policy.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "riec/common/hex.h"

namespace riec::policy {
namespace {

// Which roles may take which action (DESIGN.md §3).
std::vector<absl::string_view> RolesFor(Action action) {
  switch (action) {
    case Action::kConnect:
      return {kRolePartnerSystem, kRoleChair, kRoleCoordinator,
              kRolePrivacyOfficer, kRoleOperator};
    case Action::kEvaluateOprf:
      return {kRolePartnerSystem, kRoleCoordinator, kRoleChair, kRolePrivacyOfficer};
    case Action::kPublish:
    case Action::kWithdraw:
    case Action::kReadOwnIndex:
      return {kRolePartnerSystem};
    case Action::kRegisterSignal:
    case Action::kCloseSignal:
    case Action::kAsk:
      return {kRolePartnerSystem, kRoleCoordinator};
    case Action::kReadSignal:
      return {kRolePartnerSystem, kRoleCoordinator, kRoleChair};
    case Action::kReadEvents:
      return {kRolePartnerSystem, kRoleChair, kRoleCoordinator, kRolePrivacyOfficer,
              kRoleOperator};
    case Action::kOperate:
      return {kRoleOperator};
    case Action::kVerifyLog:
      return {kRolePartnerSystem, kRoleChair, kRoleCoordinator, kRolePrivacyOfficer,
              kRoleOperator};
    case Action::kAudit:
      return {kRolePrivacyOfficer};
    case Action::kRequestAssessments:
      return {kRolePartnerSystem, kRoleCoordinator};
    case Action::kAssess:
    case Action::kRegisterKey:
    case Action::kRequestContent:
    case Action::kProvideContent:
    case Action::kFetchContent:
      return {kRolePartnerSystem};
    case Action::kProposeCase:
    case Action::kUnlockCase:
    case Action::kChangeCase:
      return {kRoleChair};
    case Action::kConfirmCase:
      return {kRolePrivacyOfficer, kRolePartnerSystem};
    case Action::kReadCase:
      return {kRoleChair, kRoleCoordinator, kRolePartnerSystem, kRolePrivacyOfficer};
    case Action::kReadStatistics:
      return {kRoleCoordinator, kRolePrivacyOfficer};
  }
  return {};
}

bool Contains(const std::vector<absl::string_view>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Decision Deny(absl::StatusCode code, std::string rule, std::string explanation) {
  return Decision{false, code, std::move(rule), std::move(explanation), ""};
}

}  // namespace

absl::string_view ActionName(Action action) {
  switch (action) {
    case Action::kConnect: return "connect";
    case Action::kEvaluateOprf: return "pseudonymise";
    case Action::kPublish: return "publish";
    case Action::kWithdraw: return "withdraw";
    case Action::kReadOwnIndex: return "read-own-index";
    case Action::kRegisterSignal: return "register-signal";
    case Action::kReadSignal: return "read-signal";
    case Action::kCloseSignal: return "close-signal";
    case Action::kAsk: return "ask";
    case Action::kReadEvents: return "read-events";
    case Action::kOperate: return "operate";
    case Action::kVerifyLog: return "verify-log";
    case Action::kAudit: return "audit";
    case Action::kRequestAssessments: return "request-assessments";
    case Action::kAssess: return "assess";
    case Action::kProposeCase: return "propose-case";
    case Action::kUnlockCase: return "unlock-case";
    case Action::kConfirmCase: return "confirm-case";
    case Action::kChangeCase: return "change-case";
    case Action::kReadCase: return "read-case";
    case Action::kRegisterKey: return "register-key";
    case Action::kRequestContent: return "request-content";
    case Action::kProvideContent: return "provide-content";
    case Action::kFetchContent: return "fetch-content";
    case Action::kReadStatistics: return "read-statistics";
  }
  return "unknown";
}

std::vector<Action> AllActions() {
  return {Action::kConnect,      Action::kEvaluateOprf,   Action::kPublish,
          Action::kWithdraw,     Action::kReadOwnIndex,   Action::kRegisterSignal,
          Action::kReadSignal,   Action::kCloseSignal,    Action::kAsk,
          Action::kReadEvents,   Action::kOperate,        Action::kVerifyLog,
          Action::kAudit,        Action::kRequestAssessments, Action::kAssess,
          Action::kProposeCase,  Action::kUnlockCase,     Action::kConfirmCase,
          Action::kChangeCase,   Action::kReadCase,       Action::kRegisterKey,
          Action::kRequestContent, Action::kProvideContent, Action::kFetchContent,
          Action::kReadStatistics};
}

std::optional<Action> ActionFromName(absl::string_view name) {
  for (Action a : AllActions()) {
    if (ActionName(a) == name) return a;
  }
  return std::nullopt;
}

absl::string_view ParticipationName(Participation p) {
  switch (p) {
    case Participation::kFull: return "full";
    case Participation::kRespondOnly: return "respond-only";
    case Participation::kSignalOnly: return "signal-only";
  }
  return "?";
}

absl::Status Decision::ToStatus() const {
  if (allowed) return absl::OkStatus();
  return absl::Status(code, explanation);
}

bool Stage1Options::Excluded(const std::string& pseudonym) const {
  return std::find(excluded_addresses.begin(), excluded_addresses.end(), pseudonym) !=
         excluded_addresses.end();
}

std::string UnlockRule::Describe() const {
  switch (kind) {
    case Kind::kChair: return "chair";
    case Kind::kFourEyes: return "four-eyes";
    case Kind::kQuorum:
      return quorum == 0 ? "quorum of a majority" : quorum < 0 ? "quorum of all" : absl::StrCat("quorum of ", quorum);
  }
  return "?";
}

bool Purpose::HasParticipant(absl::string_view partner) const {
  return std::find(participants.begin(), participants.end(), partner) !=
         participants.end();
}

bool Purpose::AllowsSilent(absl::string_view partner) const {
  return std::find(stage1.silent_partners.begin(), stage1.silent_partners.end(), partner) !=
         stage1.silent_partners.end();
}

bool Purpose::AllowsKind(SubjectKind kind) const {
  return std::find(subject_kinds.begin(), subject_kinds.end(), kind) !=
         subject_kinds.end();
}

std::string Policy::sha256_hex() const { return ToHex(sha256_); }

std::string Policy::Describe() const {
  return absl::StrCat(convenant_id_, " v", version_);
}

const Partner* Policy::FindPartner(absl::string_view id) const {
  for (const auto& p : partners_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

std::string CertificateMapping::Describe() const {
  if (!sha256.empty()) return absl::StrCat("sha256 ", sha256.substr(0, 16), "…");
  if (!cn.empty()) return absl::StrCat("cn ", cn);
  return absl::StrCat("ou ", ou);
}

absl::StatusOr<Identity> Policy::MapCertificate(const OrganisationCertificate& cert) const {
  std::vector<std::pair<const Partner*, const CertificateMapping*>> matches;
  bool oin_known = false;
  for (const Partner& p : partners_) {
    if (p.oin.empty() || p.oin != cert.oin) continue;
    oin_known = true;
    for (const CertificateMapping& m : p.certificates) {
      const bool match = (!m.sha256.empty() && m.sha256 == cert.sha256_hex) || (!m.cn.empty() && m.cn == cert.cn) ||
                         (!m.ou.empty() && std::find(cert.ous.begin(), cert.ous.end(), m.ou) != cert.ous.end());
      if (match) matches.emplace_back(&p, &m);
    }
  }
  // Its OIN and fingerprint only: the CN and OUs are the holder's own text
  // (a person's name, on a personal certificate), and this message goes to
  // the caller and into the disclosure log.
  const std::string shows = absl::StrCat("OIN ", cert.oin, ", sha256 ", cert.sha256_hex);
  if (matches.size() == 1) {
    return Identity{convenant_id_, matches[0].first->id, matches[0].second->role, matches[0].second->name};
  }
  if (matches.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the organisation certificate (", shows, ") matches no mapping of convenant ", convenant_id_,
        oin_known ? ": no partners[].certificates entry of this OIN names its sha256, CN or an OU of it"
                  : ": no partner has this OIN (partners[].oin)"));
  }
  std::vector<std::string> names;
  for (const auto& [p, m] : matches) names.push_back(absl::StrCat(p->id, "/", m->role, " (", m->Describe(), ")"));
  return absl::UnauthenticatedError(absl::StrCat(
      "the organisation certificate (", shows, ") matches ", matches.size(), " mappings of convenant ",
      convenant_id_, ": ", absl::StrJoin(names, ", "),
      "; make them distinct in partners[].certificates (by the certificate's sha256)"));
}

const Purpose* Policy::FindPurpose(absl::string_view id) const {
  for (const auto& p : purposes_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

Quotas Policy::QuotasFor(absl::string_view partner) const {
  auto it = partner_quotas_.find(std::string(partner));
  return it != partner_quotas_.end() ? it->second : default_quotas_;
}

Decision Policy::DecideUnlock(const Purpose& purpose, const UnlockFacts& f,
                              const std::string& case_id) const {
  using absl::StatusCode;
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  std::vector<std::string> missing;
  if (!f.chair_asked) missing.push_back("the chair's unlock");
  switch (purpose.unlock.kind) {
    case UnlockRule::Kind::kChair:
      break;
    case UnlockRule::Kind::kFourEyes: {
      bool ok = false;
      for (const auto& p : f.privacy_officer_confirmations) {
        ok |= p == secretariat_ || has(f.partners_concerned, p);
      }
      if (!ok) missing.push_back("a privacy officer's confirmation (of the RIEC or a partner concerned)");
      break;
    }
    case UnlockRule::Kind::kQuorum: {
      const int n = static_cast<int>(f.partners_concerned.size());
      const int need = purpose.unlock.quorum == 0 ? n / 2 + 1
                       : purpose.unlock.quorum < 0 ? n
                                                   : std::min(purpose.unlock.quorum, n);
      std::vector<std::string> confirmed;
      for (const auto& p : f.partners_concerned) {
        if (has(f.partner_confirmations, p)) confirmed.push_back(p);
      }
      if (static_cast<int>(confirmed.size()) < need) {
        missing.push_back(absl::StrCat("confirmations of ", need, " of the ", n,
                                       " partners concerned (so far ", confirmed.size(),
                                       confirmed.empty() ? "" : ": " + absl::StrJoin(confirmed, ", "), ")"));
      }
      break;
    }
  }
  if (!missing.empty()) {
    return Deny(StatusCode::kFailedPrecondition, "purpose.unlock",
                absl::StrCat("case ", case_id, " is not unlocked: rule ", purpose.unlock.Describe(),
                             " of purpose '", purpose.id, "' still needs ",
                             absl::StrJoin(missing, " and ")));
  }
  return Decision{true, StatusCode::kOk, "purpose.unlock",
                  absl::StrCat("case ", case_id, " is unlocked: rule ", purpose.unlock.Describe(),
                               " of purpose '", purpose.id, "' holds"),
                  ""};
}

Decision Policy::DecideCaller(const Request& r) const {
  using absl::StatusCode;
  const Identity& who = r.who;
  const std::string convenant = Describe();

  // 1. The certificate's identity must exist in this convenant.
  if (who.convenant != convenant_id_) {
    return Deny(StatusCode::kPermissionDenied, "identity.convenant",
                absl::StrCat("certificate is for convenant '", who.convenant,
                             "'; this broker serves ", convenant));
  }
  const Partner* partner = FindPartner(who.partner);
  if (partner == nullptr) {
    return Deny(StatusCode::kPermissionDenied, "identity.partner",
                absl::StrCat("partner '", who.partner,
                             "' is not a partner of convenant ", convenant));
  }
  if (std::find(partner->roles.begin(), partner->roles.end(), who.role) ==
      partner->roles.end()) {
    return Deny(StatusCode::kPermissionDenied, "identity.role",
                absl::StrCat("partner '", who.partner, "' has no role '", who.role,
                             "' under convenant ", convenant, " (its roles: ",
                             absl::StrJoin(partner->roles, ", "), ")"));
  }
  if (r.action == Action::kConnect) {
    return Decision{true, StatusCode::kOk, "identity.role",
                    absl::StrCat("'", who.partner, "' (", who.role,
                                 ") is known in convenant ", convenant),
                    ""};
  }

  // 2. Nothing is shared outside the convenant's period of validity. What
  // keeps the parties accountable for what was shared stays possible:
  // verifying and auditing the log, erasing at the end of retention,
  // withdrawing entries, closing signals and cases.
  const bool accountability =
      r.action == Action::kVerifyLog || r.action == Action::kAudit || r.action == Action::kReadStatistics ||
      r.action == Action::kOperate || r.action == Action::kWithdraw ||
      r.action == Action::kReadOwnIndex || r.action == Action::kCloseSignal ||
      (r.action == Action::kChangeCase && r.case_facts && r.case_facts->closing);
  if (valid_from_ && r.now < *valid_from_ && !accountability) {
    return Deny(StatusCode::kFailedPrecondition, "convenant.valid_from",
                absl::StrCat("convenant ", convenant, " is not in force until ",
                             absl::FormatTime("%Y-%m-%d", *valid_from_,
                                              absl::UTCTimeZone()),
                             "; nothing is shared before then"));
  }
  if (valid_until_ && r.now >= *valid_until_ && !accountability) {
    return Deny(StatusCode::kFailedPrecondition, "convenant.valid_until",
                absl::StrCat("convenant ", convenant, " ended on ",
                             absl::FormatTime("%Y-%m-%d",
                                              *valid_until_ - absl::Hours(24),
                                              absl::UTCTimeZone()),
                             "; nothing is shared after its end"));
  }

  // 3. The role must be one that may take this action.
  const auto roles = RolesFor(r.action);
  if (!Contains(roles, who.role)) {
    return Deny(StatusCode::kPermissionDenied,
                absl::StrCat("role.", ActionName(r.action)),
                absl::StrCat("role '", who.role, "' may not ", ActionName(r.action),
                             " (allowed: ", absl::StrJoin(roles, ", "), ")"));
  }

  return Decision{true, StatusCode::kOk, absl::StrCat("role.", ActionName(r.action)),
                  absl::StrCat("role '", who.role, "' of partner '", who.partner,
                               "' may ", ActionName(r.action), " under convenant ",
                               convenant),
                  ""};
}

bool Policy::SignalVisible(const Identity& who, Action action, absl::string_view owner) {
  return who.partner == owner || who.role == kRoleCoordinator ||
         (action == Action::kReadSignal && who.role == kRoleChair);
}

bool Policy::CaseVisible(const Identity& who, const CaseFacts& facts) const {
  return who.role == kRoleChair || who.role == kRoleCoordinator || facts.caller_concerned ||
         (who.role == kRolePrivacyOfficer && !secretariat_.empty() && who.partner == secretariat_);
}

Decision Policy::Decide(const Request& r) const {
  using absl::StatusCode;
  const Identity& who = r.who;
  const std::string convenant = Describe();
  Decision caller = DecideCaller(r);
  if (!caller.allowed || r.action == Action::kConnect) return caller;

  // Participation: a respond-only partner never brings signals or asks; a
  // signal-only partner holds nothing and asks nothing.
  const Partner* partner = FindPartner(who.partner);
  if (partner->participation == Participation::kRespondOnly &&
      (r.action == Action::kRegisterSignal || r.action == Action::kAsk ||
       r.action == Action::kCloseSignal || r.action == Action::kRequestAssessments ||
       r.action == Action::kRequestContent)) {
    return Deny(StatusCode::kPermissionDenied, "participation.respond-only",
                absl::StrCat("partner '", who.partner, "' takes part respond-only under convenant ",
                             convenant, ": it holds and answers, but does not bring signals or ask"));
  }
  if (partner->participation == Participation::kSignalOnly &&
      (r.action == Action::kPublish || r.action == Action::kAsk || r.action == Action::kAssess ||
       r.action == Action::kRequestAssessments ||
       r.action == Action::kProvideContent || r.action == Action::kRequestContent)) {
    return Deny(StatusCode::kPermissionDenied, "participation.signal-only",
                absl::StrCat("partner '", who.partner, "' takes part signal-only under convenant ",
                             convenant, ": it brings signals, but holds nothing and asks nothing"));
  }

  // 4. Actions on an existing signal: its owner, or a coordinator (and, to
  // read it, a chair).
  const bool on_signal = r.action == Action::kAsk || r.action == Action::kCloseSignal ||
                         r.action == Action::kReadSignal ||
                         r.action == Action::kRequestAssessments;
  if (on_signal && !SignalVisible(who, r.action, r.signal_owner)) {
    return Deny(StatusCode::kPermissionDenied, "signal.owner",
                absl::StrCat("signal ", r.signal_id, " belongs to partner '",
                             r.signal_owner, "'; only its owner or a coordinator may ",
                             ActionName(r.action), " in it"));
  }

  // 5. Actions on a case: its chair acts on it; content moves only inside
  // an unlocked case, between partners, on subjects and categories the
  // decision names.
  if (r.case_facts) {
    const CaseFacts& c = *r.case_facts;
    const bool chair_action = r.action == Action::kUnlockCase || r.action == Action::kChangeCase;
    if (chair_action && (who.partner != c.chair_partner || who.name != c.chair_name)) {
      return Deny(StatusCode::kPermissionDenied, "case.chair",
                  absl::StrCat("only the chair of case ", c.id, " (", c.chair_partner, "/chair",
                               c.chair_name.empty() ? "" : "/" + c.chair_name,
                               ") may change it; a chair can hand the case over"));
    }
    const bool content = r.action == Action::kRequestContent ||
                         r.action == Action::kProvideContent ||
                         r.action == Action::kFetchContent;
    if (r.action == Action::kReadCase && who.role != kRoleChair && who.role != kRoleCoordinator &&
        !c.caller_concerned && !(who.role == kRolePrivacyOfficer && who.partner == secretariat_)) {
      return Deny(StatusCode::kPermissionDenied, "case.participants",
                  absl::StrCat("partner '", who.partner, "' is not concerned in case ", c.id));
    }
    if (r.action == Action::kConfirmCase && !c.caller_concerned &&
        !(who.role == kRolePrivacyOfficer && who.partner == secretariat_)) {
      return Deny(StatusCode::kPermissionDenied, "case.participants",
                  absl::StrCat("partner '", who.partner, "' is not concerned in case ", c.id,
                               " and cannot confirm it"));
    }
    if (content) {
      if (c.state != v1::CASE_STATE_UNLOCKED) {
        const char* what = c.state == v1::CASE_STATE_PROPOSED  ? "is not unlocked"
                           : c.state == v1::CASE_STATE_CLOSED  ? "is closed"
                           : c.state == v1::CASE_STATE_EXPIRED ? "has ended (its end date passed)"
                                                               : "is not open";
        return Deny(StatusCode::kFailedPrecondition, "case.state",
                    absl::StrCat("case ", c.id, " ", what, "; content moves only in an unlocked case"));
      }
      if (!c.caller_concerned) {
        return Deny(StatusCode::kPermissionDenied, "case.participants",
                    absl::StrCat("partner '", who.partner, "' is not in case ", c.id));
      }
      if (!c.subject_in_scope) {
        return Deny(StatusCode::kPermissionDenied, "case.subjects",
                    absl::StrCat("the subject is not in the scope of case ", c.id));
      }
      if (!c.flow_allowed) {
        return Deny(StatusCode::kPermissionDenied, "case.flows",
                    absl::StrCat("case ", c.id, " does not let '", c.holder, "' provide to '",
                                 c.requester, "'"));
      }
      if (!c.category_in_scope) {
        return Deny(StatusCode::kPermissionDenied, "case.categories",
                    absl::StrCat("category '", c.category, "' is not in the scope of case ", c.id));
      }
    }
    if (chair_action && (c.state == v1::CASE_STATE_CLOSED ||
                         (c.state == v1::CASE_STATE_EXPIRED && !c.closing))) {
      return Deny(StatusCode::kFailedPrecondition, "case.state",
                  absl::StrCat("case ", c.id, " is ",
                               c.state == v1::CASE_STATE_CLOSED ? "closed" : "past its end date"));
    }
  }

  // 6. Purpose-bound actions: the purpose exists, the partner takes part in
  // it and it covers the subject kind.
  if (r.action == Action::kRegisterSignal || r.action == Action::kAsk ||
      r.action == Action::kAssess || r.action == Action::kProposeCase ||
      r.action == Action::kRequestAssessments) {
    const Purpose* purpose = FindPurpose(r.purpose);
    if (purpose == nullptr) {
      std::vector<std::string> ids;
      for (const auto& p : purposes_) ids.push_back(p.id);
      return Deny(r.action == Action::kRegisterSignal ? StatusCode::kInvalidArgument
                                                      : StatusCode::kFailedPrecondition,
                  "purpose.exists",
                  absl::StrCat("purpose '", r.purpose, "' is not a purpose of convenant ",
                               convenant, " (purposes: ", absl::StrJoin(ids, ", "), ")"));
    }
    if (!purpose->HasParticipant(who.partner)) {
      return Deny(StatusCode::kPermissionDenied, "purpose.participants",
                  absl::StrCat("purpose '", r.purpose, "' is not open to partner '",
                               who.partner, "' under convenant ", convenant));
    }
    if (r.subject_kind && !purpose->AllowsKind(*r.subject_kind)) {
      std::vector<absl::string_view> tags;
      for (SubjectKind k : purpose->subject_kinds) tags.push_back(KindTag(k));
      return Deny(StatusCode::kPermissionDenied, "purpose.subject_kinds",
                  absl::StrCat("purpose '", r.purpose,
                               "' does not cover subject kind '",
                               KindTag(*r.subject_kind), "' (it covers: ",
                               absl::StrJoin(tags, ", "), ")"));
    }
    if (r.action == Action::kRegisterSignal) {
      if (!purpose->themes.empty() &&
          std::find(purpose->themes.begin(), purpose->themes.end(), r.theme) ==
              purpose->themes.end()) {
        return Deny(StatusCode::kInvalidArgument, "purpose.themes",
                    absl::StrCat("theme: '", r.theme, "' is not a theme of purpose '",
                                 r.purpose, "' (themes: ",
                                 absl::StrJoin(purpose->themes, ", "), ")"));
      }
      if (r.subject_count > purpose->max_subjects_per_signal) {
        return Deny(StatusCode::kInvalidArgument, "purpose.max_subjects_per_signal",
                    absl::StrCat("subjects: ", r.subject_count, " subjects; purpose '",
                                 r.purpose, "' allows at most ",
                                 purpose->max_subjects_per_signal, " per signal"));
      }
    }
    Decision d{true, StatusCode::kOk, "purpose.participants",
               absl::StrCat("partner '", who.partner, "' (", who.role,
                            ") takes part in purpose '", r.purpose,
                            "' under convenant ", convenant),
               ""};
    auto basis = purpose->legal_basis.find(who.partner);
    if (basis != purpose->legal_basis.end()) d.legal_basis = basis->second;
    return d;
  }

  // 7. A partner publishes only kinds that some purpose it takes part in
  // covers: anything else could never be asked about (data minimisation);
  // and silent entries only if such a purpose allows them.
  if (r.action == Action::kPublish && r.silent) {
    bool allowed = false;
    for (const auto& p : purposes_) allowed |= p.HasParticipant(who.partner) && p.AllowsSilent(who.partner);
    if (!allowed) {
      return Deny(StatusCode::kPermissionDenied, "publish.silent",
                  absl::StrCat("no purpose of convenant ", convenant, " lets partner '",
                               who.partner, "' publish silent entries (stage1.silent_entries)"));
    }
  }
  if (r.action == Action::kPublish && r.subject_kind) {
    bool covered = false;
    for (const auto& p : purposes_) {
      covered |= p.HasParticipant(who.partner) && p.AllowsKind(*r.subject_kind);
    }
    if (!covered) {
      return Deny(StatusCode::kPermissionDenied, "publish.subject_kinds",
                  absl::StrCat("no purpose of convenant ", convenant,
                               " that partner '", who.partner,
                               "' takes part in covers subject kind '",
                               KindTag(*r.subject_kind), "'"));
    }
  }

  return caller;
}

}  // namespace riec::policy
