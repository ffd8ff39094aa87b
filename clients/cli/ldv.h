// Disclosure-log records as Logboek Dataverwerkingen records (LDV 1.0,
// Logius/MinBZK): what `riec audit export --format ldv` writes, one JSON
// object per line. docs/ldv.md maps every field.
//
// One LDV record per data subject per processing: a log record about one
// subject becomes one LDV record; about several, one record of the
// processing (no data subject) and one child record per subject whose
// parent_span_id is the processing's span. A record the caller sent a W3C
// traceparent with keeps the caller's trace id, and the caller's span is
// the processing's parent, so the partner's own LDV records link to these.
// Records about no subject (policy reloads, sweeps, ...) are no processing
// of personal data and are not written.
//
// Thread-safety: pure functions.
#ifndef RIEC_CLIENTS_CLI_LDV_H_
#define RIEC_CLIENTS_CLI_LDV_H_

#include <string>
#include <vector>

#include "riec/policy/policy.h"
#include "riec/v1/log.pb.h"

namespace riec::cli {

struct LdvContext {
  // The log key (raw bytes): the derived trace and span ids are the log's.
  std::string log_public_key;
  // The organisation whose LDV records these are: the partner of the
  // scope the broker exported ("all": the convenant's secretariat).
  std::string partner;
  // The convenant, for each purpose's processing_activities; may be null.
  const policy::Policy* policy = nullptr;
};

struct LdvResult {
  std::vector<std::string> lines;  // JSON objects, without newlines
  // The processing activity was unknown (no policy, or no
  // processing_activities entry of the partner for the record's purpose).
  bool missing_activity = false;
};

LdvResult LdvRecords(const v1::LogRecord& record, uint64_t index, const LdvContext& context);

}  // namespace riec::cli

#endif  // RIEC_CLIENTS_CLI_LDV_H_
