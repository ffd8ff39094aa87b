#include "core/quota.h"

#include "absl/strings/str_cat.h"
#include "riec/common/time_util.h"
#include "storage/keys.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

absl::Time PeriodStart(absl::Time now, QuotaCounter::Period period) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  if (period == QuotaCounter::Period::kHour) return absl::FromCivil(absl::ToCivilHour(now, utc), utc);
  return absl::FromCivil(absl::ToCivilDay(now, utc), utc);
}

absl::Time NextPeriod(absl::Time now, QuotaCounter::Period period) {
  return PeriodStart(now, period) +
         (period == QuotaCounter::Period::kHour ? absl::Hours(1) : absl::Hours(24));
}

std::string Key(absl::string_view quota, absl::string_view partner, absl::Time now,
                QuotaCounter::Period period) {
  return storage::keys::Quota(quota, partner, QuotaCounter::PeriodText(PeriodStart(now, period)));
}

}  // namespace

std::string QuotaCounter::PeriodText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H", t, absl::UTCTimeZone());
}

absl::StatusOr<uint64_t> QuotaCounter::LoadLocked(const std::string& key) {
  auto it = counts_.find(key);
  if (it != counts_.end()) return it->second;
  auto stored = storage::QuotaTable(store_).Get(key);
  if (!stored.ok()) return stored.status();
  counts_[key] = *stored;
  return *stored;
}

absl::StatusOr<QuotaCounter::Usage> QuotaCounter::Consume(absl::string_view quota,
                                                          absl::string_view partner, uint64_t n,
                                                          uint64_t limit, absl::Time now,
                                                          Period period, storage::Batch* batch) {
  const std::string key = Key(quota, partner, now, period);
  const absl::Time resets = NextPeriod(now, period);
  absl::MutexLock l(&mu_);
  auto used = LoadLocked(key);
  if (!used.ok()) return used.status();
  if (limit > 0 && *used + n > limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "quota ", quota, " of partner '", partner, "' is ", limit, "; ", *used, " used ",
        period == Period::kHour ? "this hour" : "today", ", this call needs ", n,
        "; it resets at ", Rfc3339(resets)));
  }
  const uint64_t next = *used + n;
  counts_[key] = next;
  storage::QuotaTable::Add(batch, key, n);
  return Usage{next, limit == 0 ? UINT64_MAX : limit - next, resets};
}

absl::StatusOr<QuotaCounter::Usage> QuotaCounter::Peek(absl::string_view quota,
                                                       absl::string_view partner, uint64_t limit,
                                                       absl::Time now, Period period) {
  absl::MutexLock l(&mu_);
  auto used = LoadLocked(Key(quota, partner, now, period));
  if (!used.ok()) return used.status();
  const uint64_t remaining = limit == 0 ? UINT64_MAX : *used >= limit ? 0 : limit - *used;
  return Usage{*used, remaining, NextPeriod(now, period)};
}

void QuotaCounter::ForgetBefore(absl::Time cutoff) {
  const std::string before = PeriodText(cutoff);
  absl::MutexLock l(&mu_);
  for (auto it = counts_.begin(); it != counts_.end();) {
    it = storage::keys::QuotaPeriod(it->first) < before ? counts_.erase(it) : std::next(it);
  }
}

}  // namespace riec::core
