#include "log/record_index.h"

#include "absl/strings/str_cat.h"

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

std::string CasePrefix(absl::string_view case_id) {
  return absl::StrCat(case_id, std::string(1, '\0'));
}

std::string PartnerPrefix(absl::string_view partner) {
  return absl::StrCat(partner, std::string(1, '\0'));
}

std::string SignalPrefix(absl::string_view signal_id) {
  return absl::StrCat(signal_id, std::string(1, '\0'));
}

uint64_t IndexOfKey(absl::string_view key) {
  return storage::DecodeBE64(key.substr(key.size() - 8));
}

IndexPrefixes AuditIndexPrefixes(const v1::LogRecord& r) {
  IndexPrefixes out;
  out.emplace_back(storage::Family::kLogByTime,
                   storage::EncodeBE64(static_cast<uint64_t>(r.time_unix_micros())));
  for (const auto& p : PartnersOf(r)) out.emplace_back(storage::Family::kLogByPartner, PartnerPrefix(p));
  if (!r.signal_id().empty()) {
    out.emplace_back(storage::Family::kLogBySignal, SignalPrefix(r.signal_id()));
  }
  if (!r.case_id().empty()) out.emplace_back(storage::Family::kLogByCase, CasePrefix(r.case_id()));
  if (r.kind() != v1::INDEX_PUBLISHED && r.kind() != v1::INDEX_WITHDRAWN) {
    std::set<std::string> seen;
    for (const auto& s : r.subjects()) {
      if (s.pseudonym().size() == 32 && seen.insert(s.pseudonym()).second) {
        out.emplace_back(storage::Family::kLogByPseudonym, s.pseudonym());
      }
    }
  }
  return out;
}

}  // namespace riec::log
