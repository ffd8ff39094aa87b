// The audit indexes of the disclosure log (docs/storage.md): for each
// record, keys by partner (actor, recipient or holder), by pseudonym (every
// kind but publications and withdrawals, which disclose nothing), by
// signal and by time, each ending in the record's index.
//
// Thread-safety: pure functions.
#ifndef RIEC_BROKER_LOG_RECORD_INDEX_H_
#define RIEC_BROKER_LOG_RECORD_INDEX_H_

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/store.h"
#include "riec/v1/log.pb.h"

namespace riec::log {

// (table, key prefix) pairs; the full key is the prefix and the record's
// index as 8 bytes big-endian (storage/keys.h).
using IndexPrefixes = std::vector<std::pair<storage::Table, std::string>>;

IndexPrefixes AuditIndexPrefixes(const v1::LogRecord& record);

// Every partner a record concerns: its actor, its recipients, the holders
// of its subjects (silent ones too), the partners of a case decision's
// flows, the holder and requester of content, the assessing holders.
std::set<std::string> PartnersOf(const v1::LogRecord& record);


}  // namespace riec::log

#endif  // RIEC_BROKER_LOG_RECORD_INDEX_H_
