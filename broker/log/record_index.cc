#include "log/record_index.h"

#include "absl/strings/str_cat.h"
#include "storage/keys.h"

namespace riec::log {

std::set<std::string> PartnersOf(const v1::LogRecord& r) {
  std::set<std::string> out;
  if (!r.actor().partner().empty()) out.insert(r.actor().partner());
  for (const auto& p : r.recipients()) out.insert(p);
  for (const auto& s : r.subjects()) {
    for (const auto& h : s.holders()) out.insert(h.partner());
    for (const auto& h : s.silent_holders()) out.insert(h);
  }
  for (const auto& f : r.case_decision().flows()) {
    out.insert(f.from());
    out.insert(f.to());
  }
  if (!r.content().holder().empty()) out.insert(r.content().holder());
  if (!r.content().requester().empty()) out.insert(r.content().requester());
  for (const auto& a : r.assessments()) out.insert(a.holder());
  return out;
}

IndexPrefixes AuditIndexPrefixes(const v1::LogRecord& r) {
  IndexPrefixes out;
  namespace keys = storage::keys;
  using storage::Table;
  out.emplace_back(Table::kLogByTime,
                   storage::EncodeBE64(static_cast<uint64_t>(r.time_unix_micros())));
  for (const auto& p : PartnersOf(r)) out.emplace_back(Table::kLogByPartner, keys::IdPrefix(p));
  if (!r.signal_id().empty()) out.emplace_back(Table::kLogBySignal, keys::IdPrefix(r.signal_id()));
  if (!r.case_id().empty()) out.emplace_back(Table::kLogByCase, keys::IdPrefix(r.case_id()));
  if (r.kind() != v1::INDEX_PUBLISHED && r.kind() != v1::INDEX_WITHDRAWN) {
    std::set<std::string> seen;
    for (const auto& s : r.subjects()) {
      if (s.pseudonym().size() == 32 && seen.insert(s.pseudonym()).second) {
        out.emplace_back(Table::kLogByPseudonym, s.pseudonym());
      }
      // A probable holder finds the record under its own subject too.
      for (const auto* holders : {&s.holders(), &s.silent_probable_holders()}) {
        for (const auto& h : *holders) {
          if (h.matched_pseudonym().size() == 32 && seen.insert(h.matched_pseudonym()).second) {
            out.emplace_back(Table::kLogByPseudonym, h.matched_pseudonym());
          }
        }
      }
    }
  }
  return out;
}

}  // namespace riec::log
