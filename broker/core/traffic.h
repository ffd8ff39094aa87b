// Limits on how much one caller can make the broker do, whatever it asks:
//  * refusal records per client certificate: a burst, then one a second;
//    refusals past that are counted and written as one summary record, so a
//    flood of refused calls cannot fill the log or the disk;
//  * requests per partner per second (quotas.requests_per_second), so a
//    stolen certificate cannot spend a partner's hourly quotas in seconds;
//  * open event streams per partner (quotas.event_streams).
// Counters live in memory: they protect the broker, they are not records.
//
// Thread-safety: safe for concurrent use.
#ifndef RIEC_BROKER_CORE_TRAFFIC_H_
#define RIEC_BROKER_CORE_TRAFFIC_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/env.h"

namespace riec::core {

class TrafficLimits {
 public:
  // Refusal records per certificate: this many at once, then one per
  // kRefusalInterval.
  static constexpr int kRefusalBurst = 10;
  static constexpr absl::Duration kRefusalInterval = absl::Seconds(1);
  // A summary is written at the latest this long after its first refusal.
  static constexpr absl::Duration kMaxSummaryDelay = absl::Minutes(1);

  // Whether the refusal of `call` by `rule` may be written as a record of
  // its own now. If not, it is counted for the certificate's next summary.
  bool AdmitRefusalRecord(const Call& call, const std::string& rule, absl::Time now);

  // Refusals counted and not yet written, per certificate: what a summary
  // record says. Taken (and forgotten) by the caller, which writes them.
  struct Suppressed {
    Call call;  // the latest refused call of the certificate
    std::map<std::string, uint64_t> by_rule;
    absl::Time first, last;
    uint64_t total() const;
  };
  // The summaries of certificates whose latest counted refusal is older
  // than `quiet_for`, or all with `quiet_for` zero; and of `call`'s
  // certificate if it has any (before a record of its own is written).
  std::vector<Suppressed> TakeSuppressed(absl::Time now, absl::Duration quiet_for);
  std::vector<Suppressed> TakeSuppressedOf(const Call& call);

  // A request of `partner` at `now` under a limit of `per_second` (0: no
  // limit) with a burst of twice that. RESOURCE_EXHAUSTED naming the limit
  // when it is exceeded.
  absl::Status AdmitRequest(const std::string& partner, uint64_t per_second, absl::Time now);

  // An open event stream of a partner, released when destroyed.
  class Stream {
   public:
    Stream(TrafficLimits* limits, std::string partner)
        : limits_(limits), partner_(std::move(partner)) {}
    Stream(Stream&& o) noexcept : limits_(o.limits_), partner_(std::move(o.partner_)) {
      o.limits_ = nullptr;
    }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    ~Stream();

   private:
    TrafficLimits* limits_;
    std::string partner_;
  };
  // RESOURCE_EXHAUSTED if `partner` has `max` streams open already (0: no
  // limit).
  absl::StatusOr<Stream> OpenStream(const std::string& partner, uint64_t max);

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };
  static std::string CertificateKey(const Call& call);
  static bool Take(Bucket& b, double capacity, double per_second, absl::Time now);

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> refusal_buckets_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Suppressed> suppressed_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Bucket> request_buckets_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint64_t> streams_ ABSL_GUARDED_BY(mu_);
};

}  // namespace riec::core

#endif  // RIEC_BROKER_CORE_TRAFFIC_H_
