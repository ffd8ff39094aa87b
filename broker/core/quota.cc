#include "broker/core/quota.h"

#include "absl/strings/str_cat.h"
#include "broker/common/time_util.h"

namespace riec::core {
namespace {
absl::Time NextMidnight(absl::Time now) {
  absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  return absl::FromCivil(today + 1, absl::UTCTimeZone());
}

std::string Key(absl::string_view quota, absl::string_view partner, absl::Time now) {
  return absl::StrCat(quota, std::string(1, '\0'), partner, std::string(1, '\0'),
                      absl::FormatCivilTime(absl::ToCivilDay(now, absl::UTCTimeZone())));
}
}  // namespace

absl::StatusOr<uint64_t> QuotaCounter::LoadLocked(const std::string& key) {
  auto it = counts_.find(key);
  if (it != counts_.end()) return it->second;
  auto stored = store_->Get(storage::Family::kQuota, key);
  if (!stored.ok()) return stored.status();
  uint64_t v = stored->has_value() ? storage::DecodeBE64(**stored) : 0;
  counts_[key] = v;
  return v;
}

absl::StatusOr<QuotaCounter::Usage> QuotaCounter::Consume(
    absl::string_view quota, absl::string_view partner, uint64_t n, uint64_t limit,
    absl::Time now) {
  const std::string key = Key(quota, partner, now);
  std::lock_guard<std::mutex> l(mu_);
  auto used = LoadLocked(key);
  if (!used.ok()) return used.status();
  const absl::Time resets = NextMidnight(now);
  if (*used + n > limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "quota ", quota, " of partner '", partner, "' is ", limit, "; ", *used,
        " used today, this call needs ", n, "; it resets at ", Rfc3339(resets)));
  }
  const uint64_t next = *used + n;
  // Not fsynced: a crash of the machine may forget the last moments' count,
  // a restart of the broker does not.
  absl::Status w = store_->Apply(
      {{storage::Family::kQuota, key, storage::EncodeBE64(next)}}, false);
  if (!w.ok()) return w;
  counts_[key] = next;
  return Usage{next, limit - next, resets};
}

absl::StatusOr<QuotaCounter::Usage> QuotaCounter::Peek(absl::string_view quota,
                                                       absl::string_view partner,
                                                       uint64_t limit, absl::Time now) {
  std::lock_guard<std::mutex> l(mu_);
  auto used = LoadLocked(Key(quota, partner, now));
  if (!used.ok()) return used.status();
  return Usage{*used, *used >= limit ? 0 : limit - *used, NextMidnight(now)};
}

}  // namespace riec::core
