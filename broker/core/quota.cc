#include "core/quota.h"

#include "absl/strings/str_cat.h"
#include "riec/common/time_util.h"

namespace riec::core {
namespace {
absl::Time PeriodStart(absl::Time now, QuotaCounter::Period period) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  if (period == QuotaCounter::Period::kHour) {
    return absl::FromCivil(absl::ToCivilHour(now, utc), utc);
  }
  return absl::FromCivil(absl::ToCivilDay(now, utc), utc);
}

absl::Time NextPeriod(absl::Time now, QuotaCounter::Period period) {
  return PeriodStart(now, period) +
         (period == QuotaCounter::Period::kHour ? absl::Hours(1) : absl::Hours(24));
}

// quota \0 partner \0 period start "YYYY-MM-DDTHH" (docs/storage.md)
std::string Key(absl::string_view quota, absl::string_view partner, absl::Time now,
                QuotaCounter::Period period) {
  return absl::StrCat(quota, std::string(1, '\0'), partner, std::string(1, '\0'),
                      absl::FormatTime("%Y-%m-%dT%H", PeriodStart(now, period), absl::UTCTimeZone()));
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
    absl::Time now, Period period) {
  const std::string key = Key(quota, partner, now, period);
  std::lock_guard<std::mutex> l(mu_);
  auto used = LoadLocked(key);
  if (!used.ok()) return used.status();
  const absl::Time resets = NextPeriod(now, period);
  if (*used + n > limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "quota ", quota, " of partner '", partner, "' is ", limit, "; ", *used, " used ",
        period == Period::kHour ? "this hour" : "today", ", this call needs ", n,
        "; it resets at ", Rfc3339(resets)));
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
                                                       uint64_t limit, absl::Time now,
                                                       Period period) {
  std::lock_guard<std::mutex> l(mu_);
  auto used = LoadLocked(Key(quota, partner, now, period));
  if (!used.ok()) return used.status();
  return Usage{*used, *used >= limit ? 0 : limit - *used, NextPeriod(now, period)};
}

void QuotaCounter::ForgetBefore(absl::Time cutoff) {
  const std::string before = absl::FormatTime("%Y-%m-%dT%H", cutoff, absl::UTCTimeZone());
  std::lock_guard<std::mutex> l(mu_);
  for (auto it = counts_.begin(); it != counts_.end();) {
    const std::string period = it->first.substr(it->first.rfind('\0') + 1);
    it = period < before ? counts_.erase(it) : std::next(it);
  }
}

}  // namespace riec::core
