// Parsing and validation of the policy file (docs/policy.md). Collects every
// problem with its position instead of stopping at the first, so that the
// people who write convenants can fix a file in one pass.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "riec/common/file.h"
#include "riec/common/hex.h"
#include "riec/crypto/sodium.h"
#include "riec/merkle/checkpoint.h"
#include "riec/policy/policy.h"

namespace riec::policy {

std::string ValidationError::Format(absl::string_view file) const {
  return absl::StrCat(file, ":", line, ":", column, ": ", field,
                      field.empty() ? "" : ": ", message);
}

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text) {
  static constexpr absl::string_view kHelp =
      "want a whole number and one unit: s, m, h, d, w or y (e.g. 90d)";
  text = absl::StripAsciiWhitespace(text);
  if (text.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': ", kHelp));
  }
  char unit = text.back();
  int64_t n = 0;
  if (!absl::SimpleAtoi(text.substr(0, text.size() - 1), &n) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(text[0]))) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': ", kHelp));
  }
  if (n <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "': must be greater than zero"));
  }
  if (n > 100LL * 365 * 24 * 3600) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': too large"));
  }
  switch (unit) {
    case 's': return absl::Seconds(n);
    case 'm': return absl::Minutes(n);
    case 'h': return absl::Hours(n);
    case 'd': return absl::Hours(24 * n);
    case 'w': return absl::Hours(24 * 7 * n);
    case 'y': return absl::Hours(24 * 365 * n);
  }
  return absl::InvalidArgumentError(absl::StrCat("'", text, "': ", kHelp));
}

std::string DurationText(absl::Duration d) {
  int64_t s = absl::ToInt64Seconds(d);
  if (s > 0 && s % (365 * 86400) == 0) return absl::StrCat(s / (365 * 86400), "y");
  if (s > 0 && s % (7 * 86400) == 0) return absl::StrCat(s / (7 * 86400), "w");
  if (s > 0 && s % 86400 == 0) return absl::StrCat(s / 86400, "d");
  if (s > 0 && s % 3600 == 0) return absl::StrCat(s / 3600, "h");
  if (s > 0 && s % 60 == 0) return absl::StrCat(s / 60, "m");
  return absl::StrCat(s, "s");
}

absl::string_view Stage1LevelName(v1::Stage1Level level) {
  switch (level) {
    case v1::HIT_ONLY: return "hit-only";
    case v1::HOLDERS: return "holders";
    case v1::HOLDERS_AND_CATEGORY: return "holders-and-category";
    default: return "unspecified";
  }
}

// Walks the YAML tree, fills a Policy and records every problem.
class PolicyParser {
 public:
  explicit PolicyParser(std::vector<ValidationError>* errors) : errors_(errors) {}

  std::shared_ptr<Policy> Run(absl::string_view text) {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      errors_->push_back({e.mark.line + 1, e.mark.column + 1, "",
                          absl::StrCat("not valid YAML: ", e.msg)});
      return nullptr;
    }
    auto policy = std::shared_ptr<Policy>(new Policy());
    p_ = policy.get();
    if (!root.IsMap()) {
      Error(root, "", "the policy must be a mapping with keys convenant, "
                      "partners, purposes (and optionally categories, quotas)");
      return nullptr;
    }
    CheckKeys(root, "", {"convenant", "partners", "categories", "purposes", "retention", "quotas", "witnesses",
                         "statistics"});
    ParseConvenant(Required(root, "", "convenant"));
    ParsePartners(Required(root, "", "partners"));
    ParseSecretariat(root["convenant"]);
    ParseCategories(root["categories"]);
    ParsePurposes(Required(root, "", "purposes"));
    ParseRetention(root["retention"]);
    ParseQuotas(root["quotas"]);
    ParseWitnesses(root["witnesses"]);
    ParseStatistics(root["statistics"]);
    p_->sha256_ = crypto::Sha256(text);
    if (!errors_->empty()) return nullptr;
    return policy;
  }

 private:
  using Node = YAML::Node;

  void Error(const Node& at, std::string field, std::string message) {
    int line = 0, column = 0;
    if (at.IsDefined()) {
      line = at.Mark().line + 1;
      column = at.Mark().column + 1;
    }
    errors_->push_back({line, column, std::move(field), std::move(message)});
  }

  static std::string Join(absl::string_view parent, absl::string_view key) {
    return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
  }

  // Reports keys that the schema does not know, and duplicate keys.
  void CheckKeys(const Node& map, absl::string_view field,
                 std::initializer_list<absl::string_view> allowed) {
    if (!map.IsMap()) return;
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        Error(it->first, Join(field, key), "duplicate key");
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(it->first, Join(field, key),
              absl::StrCat("unknown key (allowed here: ",
                           absl::StrJoin(allowed, ", "), ")"));
      }
    }
  }

  Node Required(const Node& map, absl::string_view field, const char* key) {
    Node n = map.IsMap() ? map[key] : Node();
    if (!n.IsDefined() || n.IsNull()) {
      Error(map, Join(field, key), "required key is missing");
      return Node(YAML::NodeType::Undefined);  // reported once, not again by callers
    }
    return n;
  }

  std::optional<std::string> Scalar(const Node& n, const std::string& field) {
    if (!n.IsDefined()) return std::nullopt;
    if (!n.IsScalar()) {
      Error(n, field, "must be a single value, not a list or mapping");
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<std::string> Id(const Node& n, const std::string& field) {
    auto s = Scalar(n, field);
    if (!s) return std::nullopt;
    if (!IsValidId(*s)) {
      Error(n, field, absl::StrCat("'", *s, "' is not an id (lower-case letters, "
                                   "digits and '-', starting with a letter or "
                                   "digit, at most 63)"));
      return std::nullopt;
    }
    return s;
  }

  std::optional<absl::Time> Date(const Node& n, const std::string& field) {
    auto s = Scalar(n, field);
    if (!s) return std::nullopt;
    absl::Time t;
    std::string err;
    if (!absl::ParseTime("%Y-%m-%d", *s, absl::UTCTimeZone(), &t, &err)) {
      Error(n, field, absl::StrCat("'", *s, "' is not a date (want YYYY-MM-DD)"));
      return std::nullopt;
    }
    return t;
  }

  std::optional<uint64_t> Count(const Node& n, const std::string& field,
                                uint64_t max) {
    auto s = Scalar(n, field);
    if (!s) return std::nullopt;
    uint64_t v = 0;
    if (!absl::SimpleAtoi(*s, &v) || s->empty() || (*s)[0] == '-' ||
        (*s)[0] == '+') {
      Error(n, field, absl::StrCat("'", *s, "' is not a whole number >= 1",
                                   max == 1'000'000'000 ? " (or unlimited)" : ""));
      return std::nullopt;
    }
    if (v < 1 || v > max) {
      Error(n, field, absl::StrCat(v, " is out of range (1 to ", max,
                                   max == 1'000'000'000 ? ", or unlimited)" : ")"));
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> Bool(const Node& n, const std::string& field) {
    auto s = Scalar(n, field);
    if (!s) return std::nullopt;
    if (*s == "true" || *s == "yes") return true;
    if (*s == "false" || *s == "no") return false;
    Error(n, field, absl::StrCat("'", *s, "' is not true or false"));
    return std::nullopt;
  }

  // stage1.late_hits: off (the default), or {max_per_signal: N}.
  void ParseLateHits(const Node& n, const std::string& field, Stage1Options* out) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (n.IsScalar()) {
      if (n.Scalar() == "off" || n.Scalar() == "false" || n.Scalar() == "no") return;
      Error(n, field,
            absl::StrCat("'", n.Scalar(), "' is not off or a mapping; write "
                         "{max_per_signal: N} to tell a signal's owner of publications after "
                         "its questions (at most N per signal)"));
      return;
    }
    if (!n.IsMap()) {
      Error(n, field, "must be off or a mapping with max_per_signal");
      return;
    }
    CheckKeys(n, field, {"max_per_signal"});
    if (auto v = Count(Required(n, field, "max_per_signal"), field + ".max_per_signal",
                       kMaxLateHitsPerSignal)) {
      out->late_hits_per_signal = static_cast<uint32_t>(*v);
    }
  }

  // Calls `each(item, field)` for every element of a sequence.
  void Sequence(const Node& n, const std::string& field,
                const std::function<void(const Node&, const std::string&)>& each) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsSequence()) {
      Error(n, field, "must be a list");
      return;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      each(n[i], absl::StrCat(field, "[", i, "]"));
    }
  }

  void ParseConvenant(const Node& n) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) {
      Error(n, "convenant", "must be a mapping with id and version");
      return;
    }
    CheckKeys(n, "convenant", {"id", "version", "title", "valid_from", "valid_until", "secretariat"});
    if (auto id = Id(Required(n, "convenant", "id"), "convenant.id")) {
      p_->convenant_id_ = *id;
    }
    if (auto v = Scalar(Required(n, "convenant", "version"), "convenant.version")) {
      if (v->empty() || v->size() > 64) {
        Error(n["version"], "convenant.version", "must be 1 to 64 characters");
      }
      p_->version_ = *v;
    }
    if (auto t = Scalar(n["title"], "convenant.title")) p_->title_ = *t;
    p_->valid_from_ = Date(n["valid_from"], "convenant.valid_from");
    if (auto until = Date(n["valid_until"], "convenant.valid_until")) {
      // A convenant valid until a date is valid through that whole day.
      p_->valid_until_ = *until + absl::Hours(24);
    }
    if (p_->valid_from_ && p_->valid_until_ &&
        *p_->valid_until_ <= *p_->valid_from_) {
      Error(n["valid_until"], "convenant.valid_until",
            absl::StrCat("must not be before valid_from (",
                         n["valid_from"].Scalar(), ")"));
    }
  }

  // convenant.secretariat names the partner that is the RIEC itself; by
  // default the one partner of kind "riec", if there is exactly one.
  void ParseSecretariat(const Node& convenant) {
    const Node n = convenant.IsMap() ? convenant["secretariat"] : Node();
    if (n.IsDefined() && !n.IsNull()) {
      auto id = Scalar(n, "convenant.secretariat");
      if (!id) return;
      if (p_->FindPartner(*id) == nullptr) {
        Error(n, "convenant.secretariat", absl::StrCat("unknown partner '", *id, "'"));
        return;
      }
      p_->secretariat_ = *id;
      return;
    }
    std::vector<std::string> candidates;
    for (const auto& partner : p_->partners_) {
      if (partner.kind == "riec") candidates.push_back(partner.id);
    }
    if (candidates.size() == 1) p_->secretariat_ = candidates[0];
  }

  std::optional<absl::Duration> Period(const Node& n, const std::string& field) {
    auto text = Scalar(n, field);
    if (!text) return std::nullopt;
    auto d = ParseDuration(*text);
    if (!d.ok()) {
      Error(n, field, std::string(d.status().message()));
      return std::nullopt;
    }
    return *d;
  }

  void ParseRetention(const Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      Error(n, "retention",
            "must be a mapping (index_entries, signals_without_case, events, log_records, "
            "cases_after_closing, payloads)");
      return;
    }
    CheckKeys(n, "retention", {"index_entries", "signals_without_case", "events", "log_records",
                               "cases_after_closing", "payloads"});
    Retention& r = p_->retention_;
    if (auto d = Period(n["index_entries"], "retention.index_entries")) r.index_entries = *d;
    if (auto d = Period(n["signals_without_case"], "retention.signals_without_case")) {
      r.signals_without_case = *d;
    }
    if (auto d = Period(n["events"], "retention.events")) r.events = *d;
    if (auto d = Period(n["log_records"], "retention.log_records")) {
      if (*d < kMinLogRetention) {
        Error(n["log_records"], "retention.log_records",
              absl::StrCat(DurationText(*d), " is shorter than the legal minimum of ",
                           DurationText(kMinLogRetention),
                           " that the broker keeps every record (docs/policy.md)"));
      } else {
        r.log_records = *d;
      }
    }
    if (auto d = Period(n["cases_after_closing"], "retention.cases_after_closing")) {
      r.cases_after_closing = *d;
    }
    if (auto d = Period(n["payloads"], "retention.payloads")) r.payloads = *d;
    // Events expire with the data they are about.
    const absl::Duration subject_data = std::min(r.signals_without_case, r.cases_after_closing);
    if (r.events > subject_data) {
      const Node at = n["events"].IsDefined() ? n["events"] : n;
      Error(at, "retention.events",
            absl::StrCat(DurationText(r.events), " outlives the signals and cases the events are about (",
                         "signals_without_case ", DurationText(r.signals_without_case),
                         ", cases_after_closing ", DurationText(r.cases_after_closing),
                         "); events must expire with their subject data"));
    }
  }

  // A mapping from partner id to a text: every key must pass `allowed`
  // (else "is not a participant of this purpose").
  void PartnerMap(const Node& n, const std::string& field, absl::string_view what,
                  const std::function<bool(const std::string&)>& allowed,
                  const std::function<void(const Node&, const std::string&, const std::string&)>& take) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      Error(n, field, absl::StrCat("must be a mapping from partner id to ", what));
      return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      const std::string pid = it->first.Scalar();
      const std::string f = absl::StrCat(field, ".", pid);
      if (!allowed(pid)) {
        Error(it->first, f, absl::StrCat("'", pid, "' is not a participant of this purpose"));
        continue;
      }
      if (auto text = Scalar(it->second, f)) take(it->second, pid, *text);
    }
  }

  void ParsePartners(const Node& n) {
    if (!n.IsDefined()) return;
    if (n.IsSequence() && n.size() == 0) {
      Error(n, "partners", "a convenant needs at least one partner");
    }
    Sequence(n, "partners", [&](const Node& item, const std::string& field) {
      if (!item.IsMap()) {
        Error(item, field, "must be a mapping with id, name, kind and roles");
        return;
      }
      CheckKeys(item, field, {"id", "name", "kind", "roles", "participation", "oin", "certificates"});
      Partner partner;
      const Node id_node = Required(item, field, "id");
      if (auto id = Id(id_node, field + ".id")) {
        partner.id = *id;
        if (p_->FindPartner(*id) != nullptr) {
          Error(item["id"], field + ".id",
                absl::StrCat("duplicate partner id '", *id, "'"));
        }
      } else if (id_node.IsDefined() && id_node.IsScalar()) {
        // Reported as not an id; kept under its literal name so that the
        // purposes that name it do not each report it missing as well.
        partner.id = id_node.Scalar();
      }
      if (auto name = Scalar(Required(item, field, "name"), field + ".name")) {
        partner.name = *name;
      }
      if (auto kind = Scalar(item["kind"], field + ".kind")) partner.kind = *kind;
      if (auto mode = Scalar(item["participation"], field + ".participation")) {
        if (*mode == "full") {
          partner.participation = Participation::kFull;
        } else if (*mode == "respond-only") {
          partner.participation = Participation::kRespondOnly;
        } else if (*mode == "signal-only") {
          partner.participation = Participation::kSignalOnly;
        } else {
          Error(item["participation"], field + ".participation",
                absl::StrCat("unknown participation '", *mode,
                             "' (full, respond-only, signal-only)"));
        }
      }
      if (item["roles"].IsDefined()) {
        Sequence(item["roles"], field + ".roles",
                 [&](const Node& r, const std::string& rf) {
                   auto role = Scalar(r, rf);
                   if (!role) return;
                   if (!IsKnownRole(*role)) {
                     Error(r, rf, absl::StrCat("unknown role '", *role,
                                               "' (roles: partner-system, chair, "
                                               "coordinator, privacy-officer, operator)"));
                   } else if (std::find(partner.roles.begin(), partner.roles.end(),
                                        *role) != partner.roles.end()) {
                     Error(r, rf, absl::StrCat("duplicate role '", *role, "'"));
                   } else {
                     partner.roles.push_back(*role);
                   }
                 });
      } else {
        partner.roles = {std::string(kRolePartnerSystem),
                         std::string(kRolePrivacyOfficer)};
      }
      ParseCertificateMappings(item, field, &partner);
      if (!partner.id.empty()) p_->partners_.push_back(std::move(partner));
    });
  }

  // oin and certificates: how PKIoverheid organisation certificates map to
  // the partner's roles (docs/policy.md, "Certificates").
  void ParseCertificateMappings(const Node& item, const std::string& field, Partner* partner) {
    if (auto oin = Scalar(item["oin"], field + ".oin")) {
      if (oin->size() != 20 || !std::all_of(oin->begin(), oin->end(), [](char c) { return c >= '0' && c <= '9'; })) {
        Error(item["oin"], field + ".oin",
              absl::StrCat("'", *oin, "' is not an OIN (20 digits; quote it so that YAML keeps the leading zeros)"));
      } else {
        partner->oin = *oin;
      }
    }
    const Node list = item["certificates"];
    if (!list.IsDefined()) return;
    if (partner->oin.empty() && !item["oin"].IsDefined()) {
      Error(list, field + ".certificates", "certificates map an organisation's OIN: set oin as well");
    }
    Sequence(list, field + ".certificates", [&](const Node& m, const std::string& mf) {
      if (!m.IsMap()) {
        Error(m, mf, "must be a mapping with role and one of sha256, cn, ou");
        return;
      }
      CheckKeys(m, mf, {"role", "name", "sha256", "cn", "ou"});
      CertificateMapping mapping;
      if (auto role = Scalar(Required(m, mf, "role"), mf + ".role")) {
        if (std::find(partner->roles.begin(), partner->roles.end(), *role) == partner->roles.end()) {
          Error(m["role"], mf + ".role",
                absl::StrCat("'", *role, "' is not a role of partner '", partner->id, "' (its roles: ",
                             absl::StrJoin(partner->roles, ", "), ")"));
        }
        mapping.role = *role;
      }
      if (auto name = Scalar(m["name"], mf + ".name")) {
        if (!ParseIdentityUri(absl::StrCat("riec://c/p/r/", *name)).ok()) {
          Error(m["name"], mf + ".name", "must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        mapping.name = *name;
      }
      int distinguishers = 0;
      if (auto sha = Scalar(m["sha256"], mf + ".sha256")) {
        ++distinguishers;
        std::string hex = absl::AsciiStrToLower(absl::StrReplaceAll(*sha, {{":", ""}}));
        if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) { return absl::ascii_isxdigit(c); })) {
          Error(m["sha256"], mf + ".sha256", "must be the certificate's SHA-256 fingerprint: 64 hex digits (colons allowed)");
        }
        mapping.sha256 = hex;
      }
      if (auto cn = Scalar(m["cn"], mf + ".cn")) {
        ++distinguishers;
        mapping.cn = *cn;
      }
      if (auto ou = Scalar(m["ou"], mf + ".ou")) {
        ++distinguishers;
        mapping.ou = *ou;
      }
      if (distinguishers != 1) {
        Error(m, mf, absl::StrCat("needs exactly one of sha256, cn, ou to tell this role's certificate apart (has ",
                                  distinguishers, ")"));
        return;
      }
      // The same distinguisher twice for one OIN can never decide.
      auto already = [&](const Partner& owner) {
        for (const CertificateMapping& o : owner.certificates) {
          if (o.sha256 == mapping.sha256 && o.cn == mapping.cn && o.ou == mapping.ou) {
            Error(m, mf, absl::StrCat(mapping.Describe(), " already maps OIN ", partner->oin, " to ", owner.id, "/",
                                      o.role));
          }
        }
      };
      for (const Partner& other : p_->partners_) {
        if (!other.oin.empty() && other.oin == partner->oin) already(other);
      }
      already(*partner);
      partner->certificates.push_back(std::move(mapping));
    });
  }

  void ParseCategories(const Node& n) {
    Sequence(n, "categories", [&](const Node& item, const std::string& field) {
      auto c = Scalar(item, field);
      if (!c) return;
      if (c->size() > 32 || !IsValidId(*c)) {
        Error(item, field, absl::StrCat("'", *c, "' is not a category (lower-case letters, "
                                        "digits and '-', at most 32)"));
      } else if (std::find(p_->categories_.begin(), p_->categories_.end(), *c) !=
                 p_->categories_.end()) {
        Error(item, field, absl::StrCat("duplicate category '", *c, "'"));
      } else {
        p_->categories_.push_back(*c);
      }
    });
  }

  void ParsePurposes(const Node& n) {
    if (!n.IsDefined()) return;
    if (n.IsSequence() && n.size() == 0) {
      Error(n, "purposes", "a convenant needs at least one purpose");
    }
    Sequence(n, "purposes", [&](const Node& item, const std::string& field) {
      if (!item.IsMap()) {
        Error(item, field, "must be a mapping with id, subject_kinds and participants");
        return;
      }
      CheckKeys(item, field,
                {"id", "description", "themes", "exclusions", "subject_kinds", "participants",
                 "legal_basis", "processing_activities", "stage1", "max_subjects_per_signal",
                 "signal_lifetime", "unlock", "max_case_duration"});
      Purpose purpose;
      if (auto id = Id(Required(item, field, "id"), field + ".id")) {
        purpose.id = *id;
        if (p_->FindPurpose(*id) != nullptr) {
          Error(item["id"], field + ".id",
                absl::StrCat("duplicate purpose id '", *id, "'"));
        }
      }
      if (auto d = Scalar(item["description"], field + ".description")) {
        purpose.description = *d;
      }
      Sequence(item["themes"], field + ".themes",
               [&](const Node& t, const std::string& tf) {
                 if (auto theme = Id(t, tf)) {
                   if (std::find(purpose.themes.begin(), purpose.themes.end(),
                                 *theme) != purpose.themes.end()) {
                     Error(t, tf, absl::StrCat("duplicate theme '", *theme, "'"));
                   } else {
                     purpose.themes.push_back(*theme);
                   }
                 }
               });
      Sequence(item["exclusions"], field + ".exclusions",
               [&](const Node& e, const std::string& ef) {
                 if (auto text = Scalar(e, ef)) {
                   if (text->empty()) {
                     Error(e, ef, "an exclusion needs a text");
                   } else {
                     purpose.exclusions.push_back(*text);
                   }
                 }
               });
      const Node kinds = Required(item, field, "subject_kinds");
      Sequence(kinds, field + ".subject_kinds",
               [&](const Node& k, const std::string& kf) {
                 auto tag = Scalar(k, kf);
                 if (!tag) return;
                 auto kind = KindFromTag(*tag);
                 if (!kind) {
                   Error(k, kf, absl::StrCat("unknown subject kind '", *tag,
                                             "' (kinds: ", AllKindTags(), ")"));
                 } else if (purpose.AllowsKind(*kind)) {
                   Error(k, kf, absl::StrCat("duplicate subject kind '", *tag, "'"));
                 } else {
                   purpose.subject_kinds.push_back(*kind);
                 }
               });
      if (kinds.IsSequence() && kinds.size() == 0) {
        Error(kinds, field + ".subject_kinds", "a purpose needs at least one subject kind");
      }
      const Node participants = Required(item, field, "participants");
      Sequence(participants, field + ".participants",
               [&](const Node& pn, const std::string& pf) {
                 auto id = Scalar(pn, pf);
                 if (!id) return;
                 if (p_->FindPartner(*id) == nullptr) {
                   Error(pn, pf, absl::StrCat("unknown partner '", *id,
                                              "' (declare it under partners)"));
                 } else if (purpose.HasParticipant(*id)) {
                   Error(pn, pf, absl::StrCat("duplicate participant '", *id, "'"));
                 } else {
                   purpose.participants.push_back(*id);
                 }
               });
      if (participants.IsSequence() && participants.size() == 0) {
        Error(participants, field + ".participants",
              "a purpose with no participants shares nothing; list at least one partner");
      }
      PartnerMap(item["legal_basis"], field + ".legal_basis", "the text of its legal basis",
                 [&](const std::string& pid) { return purpose.HasParticipant(pid); },
                 [&](const Node& v, const std::string& pid, const std::string& text) {
                   (void)v;
                   purpose.legal_basis[pid] = text;
                 });
      // The participants' entries in their registers of processing
      // activities (AVG art. 30), for Logboek Dataverwerkingen records
      // (docs/ldv.md); the secretariat's too, whose privacy officers read
      // the whole log.
      PartnerMap(item["processing_activities"], field + ".processing_activities",
                 "the URI of its processing activity (AVG art. 30 register)",
                 [&](const std::string& pid) { return purpose.HasParticipant(pid) || pid == p_->secretariat_; },
                 [&](const Node& v, const std::string& pid, const std::string& uri) {
                   const size_t colon = uri.find(':');
                   if (colon == std::string::npos || colon == 0 || uri.find_first_of(" \t\n") != std::string::npos) {
                     Error(v, absl::StrCat(field, ".processing_activities.", pid),
                           absl::StrCat("'", uri, "' is not a URI (scheme:..., no spaces)"));
                     return;
                   }
                   purpose.processing_activities[pid] = uri;
                 });
      const Node stage1 = item["stage1"];
      if (stage1.IsDefined() && !stage1.IsNull()) {
        if (!stage1.IsMap()) {
          Error(stage1, field + ".stage1",
                "must be a mapping (level, notify_holders, silent_entries, deconfliction, "
                "excluded_addresses, late_hits, probable_matches)");
        } else {
          const std::string sf = field + ".stage1";
          CheckKeys(stage1, sf, {"level", "notify_holders", "silent_entries", "deconfliction",
                                 "excluded_addresses", "late_hits", "probable_matches"});
          if (auto level = Scalar(stage1["level"], sf + ".level")) {
            if (*level == "hit-only") {
              purpose.stage1.level = v1::HIT_ONLY;
            } else if (*level == "holders") {
              purpose.stage1.level = v1::HOLDERS;
            } else if (*level == "holders-and-category") {
              purpose.stage1.level = v1::HOLDERS_AND_CATEGORY;
            } else {
              Error(stage1["level"], sf + ".level",
                    absl::StrCat("unknown level '", *level,
                                 "' (levels: hit-only, holders, holders-and-category)"));
            }
          }
          if (auto b = Bool(stage1["notify_holders"], sf + ".notify_holders")) purpose.stage1.notify_holders = *b;
          const Node silent = stage1["silent_entries"];
          if (silent.IsDefined() && silent.IsScalar() && !silent.IsNull()) {
            Error(silent, sf + ".silent_entries",
                  "list the participants that may publish silent entries, e.g. [politie, om]; "
                  "a silent entry hides a holder from every answer, so the convenant names who may");
          } else {
            Sequence(silent, sf + ".silent_entries", [&](const Node& a, const std::string& af) {
              auto pid = Scalar(a, af);
              if (!pid) return;
              if (!purpose.HasParticipant(*pid)) {
                Error(a, af, absl::StrCat("'", *pid, "' is not a participant of this purpose"));
                return;
              }
              purpose.stage1.silent_partners.push_back(*pid);
            });
          }
          if (auto b = Bool(stage1["deconfliction"], sf + ".deconfliction")) purpose.stage1.deconfliction = *b;
          Sequence(stage1["excluded_addresses"], sf + ".excluded_addresses",
                   [&](const Node& a, const std::string& af) {
                     auto hex = Scalar(a, af);
                     if (!hex) return;
                     auto bytes = FromHex(*hex);
                     if (!bytes.ok() || bytes->size() != 32) {
                       Error(a, af, "want the 64 hex digits of an address pseudonym "
                                    "(riec pseudonym --kind address ...)");
                       return;
                     }
                     purpose.stage1.excluded_addresses.push_back(*bytes);
                   });
          ParseLateHits(stage1["late_hits"], sf + ".late_hits", &purpose.stage1);
          if (auto b = Bool(stage1["probable_matches"], sf + ".probable_matches")) {
            purpose.stage1.probable_matches = *b;
            if (*b && !purpose.AllowsKind(v1::PERSON_NAME_DOB)) {
              Error(stage1["probable_matches"], sf + ".probable_matches",
                    "the purpose does not cover subject kind 'person-name-dob', the only kind "
                    "with match keys");
            }
          }
          if (!purpose.stage1.excluded_addresses.empty() && !purpose.AllowsKind(v1::ADDRESS)) {
            Error(stage1["excluded_addresses"], sf + ".excluded_addresses",
                  "the purpose does not cover subject kind 'address'");
          }
        }
      }
      const Node unlock = item["unlock"];
      if (unlock.IsDefined() && !unlock.IsNull()) {
        const std::string uf = field + ".unlock";
        if (!unlock.IsMap()) {
          Error(unlock, uf, "must be a mapping (rule, quorum)");
        } else {
          CheckKeys(unlock, uf, {"rule", "quorum"});
          if (auto rule = Scalar(unlock["rule"], uf + ".rule")) {
            if (*rule == "chair") {
              purpose.unlock.kind = UnlockRule::Kind::kChair;
            } else if (*rule == "four-eyes") {
              purpose.unlock.kind = UnlockRule::Kind::kFourEyes;
            } else if (*rule == "quorum") {
              purpose.unlock.kind = UnlockRule::Kind::kQuorum;
            } else {
              Error(unlock["rule"], uf + ".rule",
                    absl::StrCat("unknown rule '", *rule, "' (rules: chair, four-eyes, quorum)"));
            }
          }
          if (unlock["quorum"].IsDefined()) {
            if (purpose.unlock.kind != UnlockRule::Kind::kQuorum) {
              Error(unlock["quorum"], uf + ".quorum",
                    absl::StrCat("only for rule quorum; this purpose's rule is ", purpose.unlock.Describe()));
            } else if (auto q = Scalar(unlock["quorum"], uf + ".quorum")) {
              if (*q == "majority") {
                purpose.unlock.quorum = 0;
              } else if (*q == "all") {
                purpose.unlock.quorum = -1;
              } else if (auto n = Count(unlock["quorum"], uf + ".quorum", 100)) {
                purpose.unlock.quorum = static_cast<int>(*n);
              }
            }
          }
        }
      }
      if (auto d = Period(item["max_case_duration"], field + ".max_case_duration")) {
        purpose.max_case_duration = *d;
      }
      if (auto max = Count(item["max_subjects_per_signal"],
                           field + ".max_subjects_per_signal", 1000)) {
        purpose.max_subjects_per_signal = static_cast<uint32_t>(*max);
      }
      if (auto d = Period(item["signal_lifetime"], field + ".signal_lifetime")) {
        purpose.signal_lifetime = *d;
      }
      if (!purpose.id.empty()) p_->purposes_.push_back(std::move(purpose));
    });
  }

  // A quota: a whole number >= 1, or "unlimited" (stored as 0).
  std::optional<uint64_t> Quota(const Node& n, const std::string& field) {
    if (n.IsDefined() && n.IsScalar() && n.Scalar() == "unlimited") return 0;
    return Count(n, field, 1'000'000'000);
  }

  void ParseQuotaBlock(const Node& n, const std::string& field, Quotas* q) {
    if (!n.IsMap()) {
      Error(n, field,
            "must be a mapping (oprf_evaluations_per_day, questions_per_hour, "
            "subjects_per_signal, open_signals, requests_per_second, event_streams)");
      return;
    }
    CheckKeys(n, field, {"oprf_evaluations_per_day", "questions_per_hour",
                         "subjects_per_signal", "open_signals", "requests_per_second",
                         "event_streams"});
    if (auto v = Quota(n["oprf_evaluations_per_day"], field + ".oprf_evaluations_per_day")) {
      q->oprf_evaluations_per_day = *v;
    }
    if (auto v = Quota(n["questions_per_hour"], field + ".questions_per_hour")) {
      q->questions_per_hour = *v;
    }
    if (auto v = Quota(n["subjects_per_signal"], field + ".subjects_per_signal")) {
      q->subjects_per_signal = *v;
    }
    if (auto v = Quota(n["open_signals"], field + ".open_signals")) q->open_signals = *v;
    if (auto v = Quota(n["requests_per_second"], field + ".requests_per_second")) {
      q->requests_per_second = *v;
    }
    if (auto v = Quota(n["event_streams"], field + ".event_streams")) q->event_streams = *v;
  }

  void ParseWitnesses(const Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      Error(n, "witnesses", "must be a mapping (quorum, list)");
      return;
    }
    CheckKeys(n, "witnesses", {"quorum", "list"});
    std::set<std::string> names, keys;
    Sequence(Required(n, "witnesses", "list"), "witnesses.list", [&](const Node& w, const std::string& f) {
      if (!w.IsMap()) {
        Error(w, f, "must be a mapping (url, vkey)");
        return;
      }
      CheckKeys(w, f, {"url", "vkey"});
      auto url = Scalar(Required(w, f, "url"), f + ".url");
      auto vkey = Scalar(Required(w, f, "vkey"), f + ".vkey");
      if (!url || !vkey) return;
      if (!absl::StartsWith(*url, "http://") || url->size() <= 7) {
        Error(w["url"], f + ".url", "want http://host:port[/prefix] (what a witness says is signed; TLS adds nothing)");
        return;
      }
      auto v = merkle::ParseVkey(*vkey);
      if (!v.ok() || v->type != merkle::kCosignatureEd25519) {
        Error(w["vkey"], f + ".vkey",
              v.ok() ? "not a cosigner's key (signature type 0x04)" : std::string(v.status().message()));
        return;
      }
      if (!names.insert(v->name).second || !keys.insert(v->public_key).second) {
        Error(w["vkey"], f + ".vkey", absl::StrCat("witness '", v->name, "' is listed twice (or its key under another name)"));
        return;
      }
      p_->witnesses_.push_back({*url, *vkey});
    });
    const Node q = Required(n, "witnesses", "quorum");
    if (!q.IsDefined()) return;
    uint32_t quorum = 0;
    try {
      quorum = q.as<uint32_t>();
    } catch (const YAML::Exception&) {
      quorum = 0;
    }
    if (quorum < 1 || quorum > p_->witnesses_.size()) {
      Error(q, "witnesses.quorum", absl::StrCat("want 1 to the number of witnesses listed (", p_->witnesses_.size(), ")"));
      return;
    }
    p_->witness_quorum_ = quorum;
  }

  void ParseStatistics(const Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      Error(n, "statistics", "must be a mapping (min_count)");
      return;
    }
    CheckKeys(n, "statistics", {"min_count"});
    if (n["min_count"].IsDefined()) {
      if (auto v = Count(n["min_count"], "statistics.min_count", 1000)) {
        p_->statistics_min_count_ = static_cast<uint32_t>(*v);
      }
    }
  }

  void ParseQuotas(const Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      Error(n, "quotas", "must be a mapping (default, partners)");
      return;
    }
    CheckKeys(n, "quotas", {"default", "partners"});
    if (n["default"].IsDefined()) {
      ParseQuotaBlock(n["default"], "quotas.default", &p_->default_quotas_);
    }
    const Node per = n["partners"];
    if (per.IsDefined() && !per.IsNull()) {
      if (!per.IsMap()) {
        Error(per, "quotas.partners", "must be a mapping from partner id to quotas");
        return;
      }
      for (auto it = per.begin(); it != per.end(); ++it) {
        const std::string pid = it->first.Scalar();
        const std::string f = absl::StrCat("quotas.partners.", pid);
        if (p_->FindPartner(pid) == nullptr) {
          Error(it->first, f, absl::StrCat("unknown partner '", pid, "'"));
          continue;
        }
        Quotas q = p_->default_quotas_;
        ParseQuotaBlock(it->second, f, &q);
        p_->partner_quotas_[pid] = q;
      }
    }
  }

  std::vector<ValidationError>* errors_;
  Policy* p_ = nullptr;
};

absl::StatusOr<std::shared_ptr<const Policy>> Policy::Parse(
    absl::string_view text, absl::string_view file_name,
    std::vector<ValidationError>* errors) {
  std::vector<ValidationError> local;
  std::vector<ValidationError>* errs = errors != nullptr ? errors : &local;
  errs->clear();
  std::shared_ptr<Policy> p = PolicyParser(errs).Run(text);
  if (p == nullptr) {
    std::vector<std::string> lines;
    for (const auto& e : *errs) lines.push_back(e.Format(file_name));
    return absl::InvalidArgumentError(absl::StrCat(
        "policy ", file_name, " is invalid (", errs->size(),
        errs->size() == 1 ? " problem" : " problems", "):\n",
        absl::StrJoin(lines, "\n")));
  }
  return std::shared_ptr<const Policy>(std::move(p));
}

absl::StatusOr<std::shared_ptr<const Policy>> Policy::LoadFile(
    const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path, nullptr);
}

}  // namespace riec::policy
