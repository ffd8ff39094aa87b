// What of a disclosure-log record a privacy officer may see
// (docs/log-format.md §7): the RIEC's privacy officers see every record
// whole; a partner's privacy officer sees only what its own partner was
// told or holds:
//
//  * records of the convenant as a whole (POLICY_RELOADED,
//    RETENTION_SWEEP): whole;
//  * records of its own partner's calls: whole, except that a stage-1
//    answer or a request for assessments shows the holders only as far as
//    the purpose's level disclosed them, and never the silent holders or
//    that a subject is on the excluded-addresses list;
//  * records of steps its partner takes part in (a case's flows, a content
//    request's holder and requester, an assessment it received): whole,
//    except that an assessment under a hit-only purpose does not name its
//    holder;
//  * a stage-1 answer or request for assessments in which its partner holds
//    a subject: the call's header and only those subjects, each with only
//    its partner's own entry (silent or not); where all of them are silent,
//    without the signal id (a silent holder learns who asked for which
//    purpose, not in which signal);
//  * anything else: nothing (the leaf hash, WITHHELD).
// A view's status (whole or part) follows from the record's kind and the
// reader's relation to it, never from what was removed: a stage-1 record is
// always a part for a partner's officer, whether or not anything of it was
// hidden.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_CORE_LOG_VIEWS_H_
#define RIEC_BROKER_CORE_LOG_VIEWS_H_

#include <optional>
#include <string>

#include "riec/v1/log.pb.h"

namespace riec::core {

struct LogScope {
  bool all = false;     // the RIEC's privacy officers
  std::string partner;  // otherwise: whose scope
  std::string Name() const { return all ? "all" : partner; }
};

enum class ViewKind { kWhole, kPart, kNothing };

struct RecordView {
  ViewKind kind = ViewKind::kNothing;
  v1::LogRecord record;  // kWhole: the record; kPart: the view
};

RecordView ViewOf(const v1::LogRecord& record, const LogScope& scope);

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_LOG_VIEWS_H_
