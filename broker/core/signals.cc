#include "core/signals.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "riec/common/time_util.h"
#include "riec/common/status_macros.h"
#include "core/records.h"
#include "core/validate.h"
#include "riec/crypto/sodium.h"

namespace riec::core {
namespace {

using storage::Family;

std::string Serialize(const v1::Signal& s) {
  std::string out;
  s.SerializeToString(&out);
  return out;
}

}  // namespace

std::string Signals::OwnerKey(const v1::Signal& s) {
  return absl::StrCat(s.owner(), std::string(1, '\0'),
                      storage::EncodeBE64(static_cast<uint64_t>(s.created().seconds())),
                      s.id());
}

std::string Signals::AssessmentsPrefix(const std::string& signal_id) {
  return absl::StrCat(signal_id, std::string(1, '\0'));
}

absl::Status Signals::EraseSignal(const storage::Store* store, const v1::Signal& s,
                                  SweepBatch* batch) {
  batch->deletes.push_back({Family::kSignals, s.id(), std::nullopt});
  batch->deletes.push_back({Family::kSignalsByOwner, OwnerKey(s), std::nullopt});
  ++batch->counts["signals"];
  const std::string prefix = AssessmentsPrefix(s.id());
  auto it = store->NewIterator(Family::kAssessments);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    batch->deletes.push_back({Family::kAssessments, it->key().ToString(), std::nullopt});
    ++batch->counts["assessments"];
  }
  return storage::FromRocks(it->status(), "assessment scan");
}

absl::StatusOr<v1::Signal> Signals::Load(absl::string_view id, absl::Time now) const {
  auto stored = env_.store->Get(Family::kSignals, id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return absl::NotFoundError(absl::StrCat("signal_id: no signal '", id, "'"));
  }
  v1::Signal s;
  if (!s.ParseFromString(**stored)) {
    return absl::DataLossError(absl::StrCat("signal ", id, ": stored record unreadable"));
  }
  if (s.state() == v1::OPEN && now >= FromProtoTime(s.expires())) s.set_state(v1::EXPIRED);
  return s;
}

absl::StatusOr<std::vector<v1::Signal>> Signals::OpenSignalsOf(const std::string& owner,
                                                               absl::Time now) const {
  const std::string prefix = absl::StrCat(owner, std::string(1, '\0'));
  std::vector<v1::Signal> open;
  auto it = env_.store->NewIterator(Family::kSignalsByOwner);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    auto s = Load(it->key().ToString().substr(prefix.size() + 8), now);
    if (s.ok() && s->state() == v1::OPEN) open.push_back(*std::move(s));
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "signal scan");
  return open;
}

absl::Status Signals::SweepExpired(absl::Time now, absl::Duration keep, size_t batch_size,
                                   const SweepCommit& commit) {
  std::lock_guard<std::mutex> lock(state_mu_);  // no signal changes state meanwhile
  SweepBatch batch;
  auto it = env_.store->NewIterator(Family::kSignals);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    v1::Signal s;
    if (!s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) continue;
    if (!s.case_id().empty()) continue;  // erased with its case
    const absl::Time ended =
        s.state() == v1::CLOSED ? FromProtoTime(s.closed()) : FromProtoTime(s.expires());
    if (now < ended + keep) continue;
    if (absl::Status st = EraseSignal(env_.store, s, &batch); !st.ok()) return st;
    if (absl::Status st = CommitIfFull(batch, batch_size, commit); !st.ok()) return st;
  }
  if (!it->status().ok()) return storage::FromRocks(it->status(), "signal scan");
  return commit(std::move(batch));
}

absl::StatusOr<v1::RegisterSignalResponse> Signals::Register(
    const Call& call, const v1::RegisterSignalRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kRegisterSignal, now));

  if (request.purpose().empty()) return absl::InvalidArgumentError("purpose: required");
  if (absl::Status s = ValidateBatchSize(request.subjects_size(), "subjects", 1000); !s.ok()) {
    return s;
  }
  std::set<std::string> seen;
  std::set<v1::SubjectKind> kinds;
  for (int i = 0; i < request.subjects_size(); ++i) {
    const std::string field = absl::StrCat("subjects[", i, "]");
    const v1::Subject& subject = request.subjects(i);
    if (absl::Status s = ValidateSubject(subject, field); !s.ok()) return s;
    if (!seen.insert(subject.SerializeAsString()).second) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": duplicate subject"));
    }
    kinds.insert(subject.kind());
  }
  if (absl::Status s = ValidateShortText(request.reference(), "reference", 64); !s.ok()) return s;

  policy::Request q{policy::Action::kRegisterSignal, call.caller.identity, now};
  q.purpose = request.purpose();
  q.theme = request.theme();
  q.subject_count = request.subjects_size();
  policy::Decision d = policy->Decide(q);
  for (auto kind = kinds.begin(); d.allowed && kind != kinds.end(); ++kind) {
    q.subject_kind = *kind;
    d = policy->Decide(q);
  }
  if (!d.allowed) {
    v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, *policy, now, d);
    r.set_purpose(request.purpose());
    for (const auto& subject : request.subjects()) AddSubject(&r, subject);
    return Refuse(env_.log, std::move(r));
  }

  // Quotas of the owning partner: subjects per signal, and open signals
  // (counted under the lock, so two registrations cannot both slip past).
  std::lock_guard<std::mutex> lock(state_mu_);
  const std::string& owner = call.caller.identity.partner;
  const policy::Quotas quotas = policy->QuotasFor(owner);
  v1::LogRecord context;
  context.set_purpose(request.purpose());
  if (quotas.subjects_per_signal > 0 &&
      static_cast<uint64_t>(request.subjects_size()) > quotas.subjects_per_signal) {
    return RefuseOverQuota(
        env_.log, call, *policy, now, "subjects_per_signal",
        absl::StrCat("quota subjects_per_signal of partner '", owner, "' is ",
                     quotas.subjects_per_signal, "; this signal has ", request.subjects_size(),
                     " subjects; it applies to every signal (register fewer subjects)"),
        &context);
  }
  if (quotas.open_signals > 0) {
    ASSIGN_OR_RETURN(const auto open, OpenSignalsOf(owner, now));
    if (open.size() >= quotas.open_signals) {
      absl::Time next = absl::InfiniteFuture();
      for (const v1::Signal& s : open) next = std::min(next, FromProtoTime(s.expires()));
      return RefuseOverQuota(
          env_.log, call, *policy, now, "open_signals",
          absl::StrCat("quota open_signals of partner '", owner, "' is ", quotas.open_signals,
                       "; ", open.size(), " signals are open; it frees up when one is closed or "
                       "expires (the first expires at ", Rfc3339(next), ")"),
          &context);
    }
  }

  const policy::Purpose* purpose = policy->FindPurpose(request.purpose());
  v1::Signal signal;
  signal.set_id(NewId('S'));
  signal.set_purpose(request.purpose());
  signal.set_theme(request.theme());
  *signal.mutable_subjects() = request.subjects();
  signal.set_owner(call.caller.identity.partner);
  signal.set_registered_by_role(call.caller.identity.role);
  *signal.mutable_created() = ToProtoTime(now);
  *signal.mutable_expires() = ToProtoTime(now + purpose->signal_lifetime);
  signal.set_state(v1::OPEN);
  signal.set_reference(request.reference());

  v1::LogRecord record = NewRecord(v1::SIGNAL_REGISTERED, call, *policy, now, d);
  record.set_purpose(signal.purpose());
  record.set_signal_id(signal.id());
  for (const auto& subject : signal.subjects()) AddSubject(&record, subject);
  auto index = env_.log->Append(
      record, {{Family::kSignals, signal.id(), Serialize(signal)},
               {Family::kSignalsByOwner, OwnerKey(signal), ""}});
  if (!index.ok()) return index.status();
  v1::RegisterSignalResponse response;
  *response.mutable_signal() = std::move(signal);
  response.set_log_index(*index);
  return response;
}

absl::StatusOr<v1::Signal> Signals::Get(const Call& call,
                                        const v1::GetSignalRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kReadSignal, now));
  if (absl::Status s = ValidateSignalId(request.signal_id(), "signal_id"); !s.ok()) return s;
  auto signal = Load(request.signal_id(), now);
  if (!signal.ok()) return signal.status();
  policy::Request q{policy::Action::kReadSignal, call.caller.identity, now};
  q.signal_id = signal->id();
  q.signal_owner = signal->owner();
  policy::Decision d = policy->Decide(q);
  if (!d.allowed) {
    v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, *policy, now, d);
    r.set_signal_id(signal->id());
    // Whether a signal the caller may not see exists is not disclosed.
    absl::Status refused = Refuse(env_.log, std::move(r));
    if (refused.code() == absl::StatusCode::kPermissionDenied) {
      return absl::NotFoundError(absl::StrCat("signal_id: no signal '", request.signal_id(),
                                              "' that you may see"));
    }
    return refused;
  }
  return signal;
}

absl::StatusOr<v1::ListSignalsResponse> Signals::List(const Call& call,
                                                      const v1::ListSignalsRequest& request) {
  const auto policy = env_.policy->Current();
  const absl::Time now = env_.clock->Now();
  const Identity& who = call.caller.identity;
  policy::Request q{policy::Action::kReadSignal, who, now};
  q.signal_owner = who.partner;  // listing one's own signals
  policy::Decision d = policy->Decide(q);
  if (!d.allowed) {
    return Refuse(env_.log, NewRecord(v1::REQUEST_DENIED, call, *policy, now, d));
  }
  const size_t limit = request.limit() == 0 ? 500 : std::min<size_t>(request.limit(), 500);
  const bool all = who.role == kRoleCoordinator || who.role == kRoleChair;

  std::vector<v1::Signal> found;
  auto keep = [&](v1::Signal s) {
    if (s.state() == v1::OPEN && now >= FromProtoTime(s.expires())) s.set_state(v1::EXPIRED);
    if (request.state() != v1::SIGNAL_STATE_UNSPECIFIED && s.state() != request.state()) return;
    found.push_back(std::move(s));
  };
  if (all) {
    auto it = env_.store->NewIterator(Family::kSignals);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      v1::Signal s;
      if (s.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) keep(std::move(s));
    }
    if (!it->status().ok()) return storage::FromRocks(it->status(), "signal scan");
  } else {
    const std::string prefix = absl::StrCat(who.partner, std::string(1, '\0'));
    auto it = env_.store->NewIterator(Family::kSignalsByOwner);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string id = it->key().ToString().substr(prefix.size() + 8);
      auto s = Load(id, now);
      if (s.ok()) keep(*std::move(s));
    }
    if (!it->status().ok()) return storage::FromRocks(it->status(), "signal scan");
  }
  std::sort(found.begin(), found.end(), [](const v1::Signal& a, const v1::Signal& b) {
    if (a.created().seconds() != b.created().seconds()) {
      return a.created().seconds() > b.created().seconds();
    }
    return a.id() < b.id();
  });
  if (found.size() > limit) found.resize(limit);
  v1::ListSignalsResponse response;
  for (auto& s : found) *response.add_signals() = std::move(s);
  return response;
}

absl::StatusOr<v1::CloseSignalResponse> Signals::Close(const Call& call,
                                                       const v1::CloseSignalRequest& request) {
  const auto policy = env_.policy->Current();
  RETURN_IF_ERROR(AdmitCaller(env_.log, call, *policy, policy::Action::kCloseSignal,
                              env_.clock->Now()));
  if (absl::Status s = ValidateSignalId(request.signal_id(), "signal_id"); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(state_mu_);
  const absl::Time now = env_.clock->Now();
  auto signal = Load(request.signal_id(), now);
  if (!signal.ok()) return signal.status();
  policy::Request q{policy::Action::kCloseSignal, call.caller.identity, now};
  q.signal_id = signal->id();
  q.signal_owner = signal->owner();
  policy::Decision d = policy->Decide(q);
  if (d.allowed && signal->state() != v1::OPEN) {
    d = policy::Decision{false, absl::StatusCode::kFailedPrecondition, "signal.open",
                         absl::StrCat("signal ", signal->id(), " is ",
                                      signal->state() == v1::CLOSED ? "already closed" : "expired"),
                         ""};
  }
  if (!d.allowed) {
    v1::LogRecord r = NewRecord(v1::REQUEST_DENIED, call, *policy, now, d);
    r.set_signal_id(signal->id());
    r.set_purpose(signal->purpose());
    return Refuse(env_.log, std::move(r));
  }
  signal->set_state(v1::CLOSED);
  *signal->mutable_closed() = ToProtoTime(now);
  v1::LogRecord record = NewRecord(v1::SIGNAL_CLOSED, call, *policy, now, d);
  record.set_signal_id(signal->id());
  record.set_purpose(signal->purpose());
  auto index = env_.log->Append(record, {{Family::kSignals, signal->id(), Serialize(*signal)}});
  if (!index.ok()) return index.status();
  v1::CloseSignalResponse response;
  *response.mutable_signal() = *std::move(signal);
  response.set_log_index(*index);
  return response;
}

}  // namespace riec::core
