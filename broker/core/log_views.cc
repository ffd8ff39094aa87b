#include "core/log_views.h"

#include <algorithm>


namespace riec::core {
namespace {

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A stage-1 answer or assessment request as its requester's partner may see
// it: holders as far as the level disclosed them.
void AsRequesterSaw(v1::LogRecord* r) {
  const v1::Stage1Level level = r->stage1_level();
  // How many holders were asked to assess is more than hit-only discloses.
  if (level == v1::HIT_ONLY && r->kind() == v1::ASSESSMENTS_REQUESTED) r->clear_count();
  for (auto& s : *r->mutable_subjects()) {
    s.clear_silent_holders();
    s.clear_silent_probable_holders();
    s.clear_excluded();
    // What the holders know the person by is theirs.
    for (auto& h : *s.mutable_holders()) h.clear_matched_pseudonym();
    if (level == v1::HIT_ONLY) {
      s.clear_holders();
    } else if (level == v1::HOLDERS) {
      for (auto& h : *s.mutable_holders()) h.clear_categories();
    }
  }
}

// The subjects a holder holds, each with only its own entry.
bool OnlyHeldBy(v1::LogRecord* r, const std::string& partner) {
  google::protobuf::RepeatedPtrField<v1::LoggedSubject> kept;
  for (const auto& s : r->subjects()) {
    v1::LoggedSubject out;
    out.set_kind(s.kind());
    out.set_pseudonym(s.pseudonym());
    bool held = false;
    for (const auto& h : s.holders()) {
      if (h.partner() == partner) {
        *out.add_holders() = h;
        held = true;
      }
    }
    if (Contains(s.silent_holders(), partner)) {
      out.add_silent_holders(partner);
      held = true;
    }
    for (const auto& h : s.silent_probable_holders()) {
      if (h.partner() == partner) *out.add_silent_probable_holders() = h;
    }
    if (!held) continue;
    // A probable match is shown on the holder's own subject: the asker's
    // pseudonym is the asker's.
    const v1::LoggedHolder* own = out.holders_size()                 ? &out.holders(0)
                                  : out.silent_probable_holders_size() ? &out.silent_probable_holders(0)
                                                                       : nullptr;
    if (own != nullptr && own->match() == v1::MATCH_PROBABLE) out.set_pseudonym(own->matched_pseudonym());
    out.set_hit(s.hit());
    *kept.Add() = std::move(out);
  }
  if (kept.empty()) return false;
  // A partner that holds only silent entries learns who asked for which
  // purpose, as its SILENT_MATCH notice says, not in which signal.
  bool openly_held = false;
  for (const auto& s : kept) openly_held |= !s.holders().empty();
  if (!openly_held) r->clear_signal_id();
  *r->mutable_subjects() = std::move(kept);
  return true;
}

bool Concerns(const v1::LogRecord& r, const std::string& partner) {
  if (Contains(r.recipients(), partner)) return true;
  for (const auto& f : r.case_decision().flows()) {
    if (f.from() == partner || f.to() == partner) return true;
  }
  if (r.content().holder() == partner || r.content().requester() == partner) return true;
  for (const auto& a : r.assessments()) {
    if (a.holder() == partner) return true;
  }
  return false;
}

}  // namespace

RecordView ViewOf(const v1::LogRecord& record, const LogScope& scope) {
  // The status of a view follows from the kind of record and the reader's
  // relation to it, never from whether something was removed: a PARTIAL
  // that appeared only when there was something to hide would tell what
  // was hidden (a silent holder, an excluded address, another holder).
  RecordView out;
  if (scope.all || record.kind() == v1::POLICY_RELOADED || record.kind() == v1::RETENTION_SWEEP) {
    out.kind = ViewKind::kWhole;
    out.record = record;
    return out;
  }
  const std::string& p = scope.partner;
  if (record.kind() == v1::STAGE1_LATE_HIT) {
    // The owner sees it as its answer (and, at hit-only, not who published:
    // the publisher is the record's actor); the publisher sees only its own
    // entry (and, for a silent one, not the signal); nobody else anything.
    v1::LogRecord view = record;
    if (Contains(record.recipients(), p)) {
      AsRequesterSaw(&view);
      // The holder is named where the level names it (subjects.holders);
      // who at the holder published, and its trace, are the holder's.
      view.clear_actor();
      view.clear_trace_id();
      view.clear_span_id();
    } else if (!OnlyHeldBy(&view, p)) {
      return out;
    }
    out.kind = ViewKind::kPart;
    out.record = std::move(view);
    return out;
  }
  const bool stage1 =
      record.kind() == v1::STAGE1_ANSWERED || record.kind() == v1::ASSESSMENTS_REQUESTED;
  v1::LogRecord view = record;
  if (record.actor().partner() == p) {
    if (!stage1) {
      out.kind = ViewKind::kWhole;
      out.record = record;
      return out;
    }
    AsRequesterSaw(&view);
  } else if (record.kind() != v1::REQUEST_DENIED && !stage1 && Concerns(record, p)) {
    if (record.kind() != v1::ASSESSMENT_GIVEN || record.stage1_level() != v1::HIT_ONLY) {
      out.kind = ViewKind::kWhole;
      out.record = record;
      return out;
    }
    // Under a hit-only purpose the owner does not learn who assessed: not
    // the actor, not the holder, not the decision's sentence naming it.
    view.clear_actor();
    view.clear_decision();
    view.mutable_decision()->set_allowed(true);
    view.mutable_decision()->set_rule(record.decision().rule());
    for (auto& a : *view.mutable_assessments()) a.clear_holder();
  } else if (!(stage1 && OnlyHeldBy(&view, p))) {
    return out;  // nothing
  }
  out.kind = ViewKind::kPart;
  out.record = std::move(view);
  return out;
}

}  // namespace riec::core
