#include "core/signals.h"

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/validate.h"
#include "riec/common/status_macros.h"
#include "riec/common/time_util.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

constexpr size_t kMaxListPage = 500;
constexpr size_t kMaxListBytes = 4 << 20;

std::string NotSeen(absl::string_view id) {
  return absl::StrCat("signal_id: no signal '", id, "' that you may see");
}

// A signal as it leaves the broker: its subjects without their match keys,
// which stay inside (answers use them; nobody reads them back).
v1::Signal Outward(v1::Signal s) {
  for (auto& subject : *s.mutable_subjects()) subject.clear_match_keys();
  return s;
}

}  // namespace

absl::StatusOr<std::optional<v1::Signal>> Signals::Load(absl::string_view id,
                                                        absl::Time now) const {
  ASSIGN_OR_RETURN(auto s, storage::SignalTable(env_.store).Get(id));
  if (s && s->state() == v1::OPEN && now >= FromProtoTime(s->expires())) s->set_state(v1::EXPIRED);
  return s;
}

absl::StatusOr<std::pair<v1::Signal, policy::Decision>> Signals::Scope(RequestContext& ctx,
                                                                        absl::string_view id,
                                                                        absl::string_view field) {
  RETURN_IF_ERROR(ValidateSignalId(id, field));
  ASSIGN_OR_RETURN(auto signal, Load(id, ctx.now()));
  // Whether the caller may see the signal is decided first, before any rule
  // whose answer would tell that it exists.
  if (!signal || !policy::Policy::SignalVisible(ctx.who(), ctx.action(), signal->owner())) {
    return ctx.RefuseUnseen("signal.scope", NotSeen(id));
  }
  ctx.SetSignal(signal->id(), signal->purpose());
  policy::Request q = ctx.Question();
  q.purpose = signal->purpose();
  q.signal_id = signal->id();
  q.signal_owner = signal->owner();
  const policy::Decision d = ctx.policy().Decide(q);
  if (!d.allowed) return ctx.Refuse(d);
  return std::make_pair(*std::move(signal), d);
}

absl::StatusOr<std::vector<v1::Signal>> Signals::OpenSignalsOf(const std::string& owner,
                                                               absl::Time now) const {
  ASSIGN_OR_RETURN(auto ids, storage::SignalTable(env_.store).IdsOf(owner));
  std::vector<v1::Signal> open;
  for (const auto& id : ids) {
    ASSIGN_OR_RETURN(auto s, Load(id, now));
    if (s && s->state() == v1::OPEN) open.push_back(*std::move(s));
  }
  return open;
}

absl::Status Signals::EraseSignal(const storage::Store& store, const v1::Signal& s,
                                  SweepBatch* batch) {
  storage::SignalTable::Erase(&batch->deletes, s);
  ++batch->counts["signals"];
  ASSIGN_OR_RETURN(uint64_t n, storage::AssessmentTable(&store).EraseOf(&batch->deletes, s.id()));
  if (n > 0) batch->counts["assessments"] += n;
  ASSIGN_OR_RETURN(n, storage::LateHitTable(&store).EraseOf(&batch->deletes, s.id()));
  if (n > 0) batch->counts["late-hits"] += n;
  return absl::OkStatus();
}

absl::Status Signals::SweepExpired(absl::Time now, absl::Duration keep, size_t batch_size,
                                   const SweepCommit& commit) {
  absl::MutexLock lock(&state_mu_);  // no signal changes state meanwhile
  std::vector<v1::Signal> expired;
  RETURN_IF_ERROR(storage::SignalTable(env_.store).ScanAll([&](const v1::Signal& s) {
    if (!s.case_id().empty()) return true;  // erased with its case
    const absl::Time ended =
        s.state() == v1::CLOSED ? FromProtoTime(s.closed()) : FromProtoTime(s.expires());
    if (now >= ended + keep) expired.push_back(s);
    return true;
  }));
  SweepBatch batch;
  for (const auto& s : expired) {
    RETURN_IF_ERROR(EraseSignal(*env_.store, s, &batch));
    RETURN_IF_ERROR(CommitIfFull(batch, batch_size, commit));
  }
  return commit(std::move(batch));
}

absl::StatusOr<v1::RegisterSignalResponse> Signals::Register(
    RequestContext& ctx, const v1::RegisterSignalRequest& request) {
  if (request.purpose().empty()) return absl::InvalidArgumentError("purpose: required");
  RETURN_IF_ERROR(ValidateBatchSize(request.subjects_size(), "subjects", 1000));
  RETURN_IF_ERROR(ValidateSubjects(request.subjects(), "subjects"));
  std::set<v1::SubjectKind> kinds;
  for (const auto& s : request.subjects()) {
    kinds.insert(s.kind());
    ctx.AddSubject(s);
  }
  ctx.SetPurpose(request.purpose());

  policy::Request q = ctx.Question();
  q.theme = request.theme();
  q.subject_count = request.subjects_size();
  ASSIGN_OR_RETURN(policy::Decision d, ctx.Decide(q));
  for (v1::SubjectKind kind : kinds) {
    q.subject_kind = kind;
    ASSIGN_OR_RETURN(d, ctx.Decide(q));
  }

  // Quotas of the owning partner: subjects per signal, and open signals
  // (counted under the lock, so two registrations cannot both slip past).
  absl::MutexLock lock(&state_mu_);
  const std::string& owner = ctx.partner();
  const policy::Quotas quotas = ctx.policy().QuotasFor(owner);
  if (quotas.subjects_per_signal > 0 &&
      static_cast<uint64_t>(request.subjects_size()) > quotas.subjects_per_signal) {
    return ctx.RefuseOverQuota(
        "subjects_per_signal",
        absl::StrCat("quota subjects_per_signal of partner '", owner, "' is ",
                     quotas.subjects_per_signal, "; this signal has ", request.subjects_size(),
                     " subjects; it applies to every signal (register fewer subjects)"));
  }
  if (quotas.open_signals > 0) {
    ASSIGN_OR_RETURN(const auto open, OpenSignalsOf(owner, ctx.now()));
    if (open.size() >= quotas.open_signals) {
      absl::Time next = absl::InfiniteFuture();
      for (const v1::Signal& s : open) next = std::min(next, FromProtoTime(s.expires()));
      return ctx.RefuseOverQuota(
          "open_signals",
          absl::StrCat("quota open_signals of partner '", owner, "' is ", quotas.open_signals, "; ",
                       open.size(), " signals are open; it frees up when one is closed or "
                       "expires (the first expires at ", Rfc3339(next), ")"));
    }
  }

  const policy::Purpose* purpose = ctx.policy().FindPurpose(request.purpose());
  v1::Signal signal;
  signal.set_id(NewId('S'));
  signal.set_purpose(request.purpose());
  signal.set_theme(request.theme());
  for (const auto& s : request.subjects()) *signal.add_subjects() = SubjectWithMatchKeys(s);
  signal.set_owner(owner);
  signal.set_registered_by_role(ctx.who().role);
  *signal.mutable_created() = ToProtoTime(ctx.now());
  *signal.mutable_expires() = ToProtoTime(ctx.now() + purpose->signal_lifetime);
  signal.set_state(v1::OPEN);
  signal.set_reference(request.reference());
  ctx.SetSignal(signal.id(), signal.purpose());

  v1::LogRecord record = ctx.Record(v1::SIGNAL_REGISTERED, d);
  for (const auto& s : signal.subjects()) {
    v1::LoggedSubject* ls = record.add_subjects();
    ls->set_kind(s.kind());
    ls->set_pseudonym(s.pseudonym());
  }
  storage::Batch batch;
  storage::SignalTable::Put(&batch, signal, /*created=*/true);
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(record, std::move(batch)));
  v1::RegisterSignalResponse response;
  *response.mutable_signal() = Outward(std::move(signal));
  response.set_log_index(index);
  return response;
}

absl::StatusOr<v1::Signal> Signals::Get(RequestContext& ctx, const v1::GetSignalRequest& request) {
  ASSIGN_OR_RETURN(auto scoped, Scope(ctx, request.signal_id(), "signal_id"));
  return Outward(std::move(scoped.first));
}

absl::StatusOr<v1::ListSignalsResponse> Signals::List(RequestContext& ctx,
                                                      const v1::ListSignalsRequest& request) {
  const Identity& who = ctx.who();
  policy::Request q = ctx.Question();
  q.signal_owner = who.partner;  // listing one's own signals
  RETURN_IF_ERROR(ctx.Decide(q).status());
  if (!v1::SignalState_IsValid(request.state())) {
    return absl::InvalidArgumentError("state: unknown value");
  }
  // The page token is the last signal returned: "<created seconds>/<id>".
  std::optional<std::pair<int64_t, std::string>> after;
  if (!request.page_token().empty()) {
    std::vector<std::string> parts = absl::StrSplit(request.page_token(), '/');
    int64_t seconds = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &seconds) ||
        !ValidateSignalId(parts[1], "page_token").ok()) {
      return absl::InvalidArgumentError("page_token: not a token this broker gave");
    }
    after.emplace(seconds, parts[1]);
  }
  const size_t limit =
      request.limit() == 0 ? kMaxListPage : std::min<size_t>(request.limit(), kMaxListPage);
  const bool all = who.role == kRoleCoordinator || who.role == kRoleChair;

  std::vector<v1::Signal> found;
  auto keep = [&](v1::Signal s) {
    if (s.state() == v1::OPEN && ctx.now() >= FromProtoTime(s.expires())) s.set_state(v1::EXPIRED);
    if (request.state() != v1::SIGNAL_STATE_UNSPECIFIED && s.state() != request.state()) return;
    // Newest first: only those after the token in that order.
    if (after && (s.created().seconds() > after->first ||
                  (s.created().seconds() == after->first && s.id() <= after->second))) {
      return;
    }
    found.push_back(std::move(s));
  };
  storage::SignalTable table(env_.store);
  if (all) {
    RETURN_IF_ERROR(table.ScanAll([&](const v1::Signal& s) {
      keep(s);
      return true;
    }));
  } else {
    ASSIGN_OR_RETURN(auto ids, table.IdsOf(who.partner));
    for (const auto& id : ids) {
      ASSIGN_OR_RETURN(auto s, table.Get(id));
      if (s) keep(*std::move(s));
    }
  }
  std::sort(found.begin(), found.end(), [](const v1::Signal& a, const v1::Signal& b) {
    if (a.created().seconds() != b.created().seconds()) {
      return a.created().seconds() > b.created().seconds();
    }
    return a.id() < b.id();
  });
  v1::ListSignalsResponse response;
  size_t bytes = 0;
  for (auto& s : found) {
    if (static_cast<size_t>(response.signals_size()) == limit || bytes > kMaxListBytes) {
      const v1::Signal& last = response.signals(response.signals_size() - 1);
      response.set_next_page_token(absl::StrCat(last.created().seconds(), "/", last.id()));
      break;
    }
    bytes += s.ByteSizeLong();
    *response.add_signals() = Outward(std::move(s));
  }
  return response;
}

absl::StatusOr<v1::CloseSignalResponse> Signals::Close(RequestContext& ctx,
                                                       const v1::CloseSignalRequest& request) {
  absl::MutexLock lock(&state_mu_);
  ASSIGN_OR_RETURN(auto scoped, Scope(ctx, request.signal_id(), "signal_id"));
  auto& [signal, d] = scoped;
  if (signal.state() != v1::OPEN) {
    return ctx.Refuse(Denial(absl::StatusCode::kFailedPrecondition, "signal.open",
                             absl::StrCat("signal ", signal.id(), " is ",
                                          signal.state() == v1::CLOSED ? "already closed" : "expired")));
  }
  signal.set_state(v1::CLOSED);
  *signal.mutable_closed() = ToProtoTime(ctx.now());
  storage::Batch batch;
  storage::SignalTable::Put(&batch, signal, /*created=*/false);
  ASSIGN_OR_RETURN(uint64_t index, ctx.Commit(ctx.Record(v1::SIGNAL_CLOSED, d), std::move(batch)));
  v1::CloseSignalResponse response;
  *response.mutable_signal() = Outward(std::move(signal));
  response.set_log_index(index);
  return response;
}

}  // namespace riec::core
