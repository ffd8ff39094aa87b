#include "core/traffic.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace riec::core {

uint64_t TrafficLimits::Suppressed::total() const {
  uint64_t n = 0;
  for (const auto& [rule, count] : by_rule) n += count;
  return n;
}

std::string TrafficLimits::CertificateKey(const Call& call) {
  if (!call.caller.certificate_sha256.empty()) return call.caller.certificate_sha256;
  const Identity& id = call.caller.identity;
  return absl::StrCat(id.partner, "/", id.role, "/", id.name);
}

bool TrafficLimits::Take(Bucket& b, double capacity, double per_second, absl::Time now) {
  if (b.updated == absl::Time()) {
    b.tokens = capacity;
    b.updated = now;
  }
  if (now > b.updated) {
    b.tokens = std::min(capacity, b.tokens + absl::ToDoubleSeconds(now - b.updated) * per_second);
    b.updated = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

bool TrafficLimits::AdmitRefusalRecord(const Call& call, const std::string& rule, absl::Time now) {
  const std::string key = CertificateKey(call);
  absl::MutexLock l(&mu_);
  if (Take(refusal_buckets_[key], kRefusalBurst, 1.0 / absl::ToDoubleSeconds(kRefusalInterval),
           now)) {
    return true;
  }
  Suppressed& s = suppressed_[key];
  if (s.by_rule.empty()) s.first = now;
  s.call = call;
  s.last = now;
  ++s.by_rule[rule];
  return false;
}

std::vector<TrafficLimits::Suppressed> TrafficLimits::TakeSuppressed(absl::Time now,
                                                                     absl::Duration quiet_for) {
  std::vector<Suppressed> out;
  absl::MutexLock l(&mu_);
  for (auto it = suppressed_.begin(); it != suppressed_.end();) {
    // Quiet for a while, or counting for a minute already: a steady flood
    // gets its summary too.
    if (now - it->second.last >= quiet_for || now - it->second.first >= kMaxSummaryDelay) {
      out.push_back(std::move(it->second));
      suppressed_.erase(it++);
    } else {
      ++it;
    }
  }
  // Buckets that are full again need no memory.
  for (auto it = refusal_buckets_.begin(); it != refusal_buckets_.end();) {
    if (now - it->second.updated > kRefusalInterval * kRefusalBurst) {
      refusal_buckets_.erase(it++);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<TrafficLimits::Suppressed> TrafficLimits::TakeSuppressedOf(const Call& call) {
  std::vector<Suppressed> out;
  absl::MutexLock l(&mu_);
  auto it = suppressed_.find(CertificateKey(call));
  if (it != suppressed_.end()) {
    out.push_back(std::move(it->second));
    suppressed_.erase(it);
  }
  return out;
}

absl::Status TrafficLimits::AdmitRequest(const std::string& partner, uint64_t per_second,
                                         absl::Time now) {
  if (per_second == 0) return absl::OkStatus();
  absl::MutexLock l(&mu_);
  if (Take(request_buckets_[partner], 2.0 * per_second, per_second, now)) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "quota requests_per_second of partner '", partner, "' is ", per_second,
      " (bursts of ", 2 * per_second, "); slow down and retry in a second"));
}

absl::StatusOr<TrafficLimits::Stream> TrafficLimits::OpenStream(const std::string& partner,
                                                               uint64_t max) {
  absl::MutexLock l(&mu_);
  uint64_t& open = streams_[partner];
  if (max > 0 && open >= max) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "quota event_streams of partner '", partner, "' is ", max, "; ", open,
        " event streams are open; close one first"));
  }
  ++open;
  return Stream(this, partner);
}

TrafficLimits::Stream::~Stream() {
  if (limits_ == nullptr) return;
  absl::MutexLock l(&limits_->mu_);
  auto it = limits_->streams_.find(partner_);
  if (it != limits_->streams_.end() && --it->second == 0) limits_->streams_.erase(it);
}

}  // namespace riec::core
