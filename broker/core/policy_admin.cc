#include "core/policy_admin.h"

#include "absl/strings/str_cat.h"
#include "riec/common/file.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"


namespace riec::core {
namespace {
v1::PolicyInfo InfoOf(const policy::Policy& p, absl::Time loaded) {
  v1::PolicyInfo info;
  info.set_convenant_id(p.convenant_id());
  info.set_version(p.version());
  info.set_sha256(p.sha256());
  info.set_title(p.title());
  *info.mutable_loaded() = ToProtoTime(loaded);
  for (const policy::Partner& partner : p.partners()) {
    v1::PartnerSummary* out = info.add_partners();
    out->set_id(partner.id);
    out->set_name(partner.name);
    out->set_kind(partner.kind);
  }
  return info;
}
}  // namespace

v1::PolicyInfo PolicyAdmin::Info() const {
  return InfoOf(*source_->Current(), source_->Loaded());
}

absl::StatusOr<v1::PolicyInfo> PolicyAdmin::Info(RequestContext&, const v1::GetPolicyRequest&) const {
  return Info();
}

absl::StatusOr<v1::ReloadPolicyResponse> PolicyAdmin::Reload(RequestContext& ctx,
                                                              const v1::ReloadPolicyRequest&) {
  absl::MutexLock lock(&mu_);
  const auto old = source_->Current();
  const absl::Time now = ctx.now();
  auto refuse = [&](std::string why) {
    return ctx.Refuse(Denial(absl::StatusCode::kFailedPrecondition, "policy.reload",
                             absl::StrCat("policy ", path_, " was not loaded; ", old->Describe(),
                                          " stays in force: ", why)));
  };

  auto text = ReadFile(path_);
  if (!text.ok()) return refuse(std::string(text.status().message()));
  std::vector<policy::ValidationError> errors;
  auto parsed = policy::Policy::Parse(*text, path_, &errors);
  if (!parsed.ok()) return refuse(std::string(parsed.status().message()));
  const auto next = *parsed;
  if (next->convenant_id() != old->convenant_id()) {
    return refuse(absl::StrCat("the file is for convenant '", next->convenant_id(),
                               "'; this broker serves '", old->convenant_id(),
                               "' and its certificates"));
  }

  v1::ReloadPolicyResponse response;
  *response.mutable_previous() = InfoOf(*old, source_->Loaded());
  if (next->sha256() == old->sha256()) {
    *response.mutable_current() = *response.mutable_previous();
    response.set_changed(false);
    return response;
  }
  // Recorded under the new version, naming the old one; adopted only once
  // the record is durable.
  policy::Decision d{true, absl::StatusCode::kOk, "policy.reload",
                     absl::StrCat(next->Describe(), " replaces ", old->Describe()), ""};
  v1::LogRecord record = ctx.Record(v1::POLICY_RELOADED, d);
  record.set_policy_version(next->version());
  record.set_policy_sha256(next->sha256());
  record.set_previous_policy_sha256(old->sha256());
  record.set_previous_policy_version(old->version());
  std::vector<Outgoing> events;
  for (const auto& partner : next->partners()) {
    v1::Event e;
    e.set_kind(v1::POLICY_CHANGED);
    *e.mutable_time() = ToProtoTime(now);
    e.set_policy_version(next->version());
    e.set_policy_sha256(next->sha256());
    e.set_text(absl::StrCat("convenant ", next->Describe(), " is in force from ", Rfc3339(now),
                            " (it replaces version ", old->version(), ")"));
    for (const auto& role : partner.roles) events.push_back({partner.id, role, e});
  }
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, {}, std::move(events)));
  source_->Replace(next, now);
  *response.mutable_current() = InfoOf(*next, now);
  response.set_changed(true);
  response.set_log_index(index);
  return response;
}

}  // namespace riec::core
