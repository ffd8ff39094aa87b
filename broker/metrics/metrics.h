// Metrics for the operator: counters, gauges and histograms kept in a
// Registry and written in the Prometheus text exposition format (version
// 0.0.4), which the broker serves on its metrics port (docs/operations.md,
// "Monitor"). Debian 12 has no Prometheus client library; this is the small
// part of one the broker needs.
//
// Labels carry only values from closed sets the broker chooses (an RPC
// name, a status code, a partner id from the policy, a quota name): never a
// pseudonym, identifier or free text from a request.
//
// Ownership: the Registry owns its metrics; references it hands out live as
// long as it does.
// Thread-safety: everything is safe for concurrent use. Updating a metric
// is lock-free; finding one by name and labels takes a reader lock (callers
// on a hot path keep the reference).
#ifndef RIEC_BROKER_METRICS_METRICS_H_
#define RIEC_BROKER_METRICS_METRICS_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace riec::metrics {

// Label name = value pairs, in the order written.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(double v = 1) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, strictly increasing (+Inf is
  // implied).
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  void ObserveDuration(absl::Duration d) { Observe(absl::ToDoubleSeconds(d)); }

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Bucket bounds for latencies in seconds: 100 µs to 10 s.
std::vector<double> LatencyBuckets();
// Bucket bounds 1, 2, 4, ... up to `max` (sizes, counts).
std::vector<double> PowersOfTwo(double max);

// One value of a metric computed when it is read.
struct Sample {
  Labels labels;
  double value = 0;
};

class Registry {
 public:
  enum class Type { kCounter, kGauge, kHistogram };

  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The metric `name` with `labels`, made on first use. `help` and the
  // type are the family's (the first use's); asking for a name again as
  // another type, or a name or label name Prometheus does not accept, is a
  // programming error (it aborts).
  Counter& GetCounter(absl::string_view name, absl::string_view help, const Labels& labels = {});
  Gauge& GetGauge(absl::string_view name, absl::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(absl::string_view name, absl::string_view help,
                          const std::vector<double>& bounds, const Labels& labels = {});

  // Declares the family `name` before its first sample, so that a scrape
  // shows it (HELP and TYPE, no series) from the start: dashboards and
  // alerts then find the name even while nothing was counted.
  void Declare(absl::string_view name, absl::string_view help, Type type);

  // A family whose values are computed at each scrape (a gauge or a
  // counter read from elsewhere: the log's size, the process's memory).
  // `read` must not call back into the Registry.
  void AddComputed(absl::string_view name, absl::string_view help, Type type,
                   std::function<std::vector<Sample>()> read);

  // Everything, in the text exposition format, families sorted by name.
  std::string Expose() const;

 private:
  struct Family {
    Type type;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
    std::function<std::vector<Sample>()> computed;
  };
  Family& FamilyOf(absl::string_view name, absl::string_view help, Type type,
                   const Labels& labels) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  template <typename M, typename Make>
  M& Find(absl::string_view name, absl::string_view help, Type type, const Labels& labels,
          std::map<Labels, std::unique_ptr<M>> Family::*member, const Make& make);

  mutable absl::Mutex mu_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mu_);
};

// Writes a number as the exposition format wants it ("+Inf", "NaN",
// integers without a fraction).
std::string FormatValue(double v);
// Escapes a label value (backslash, double quote, newline).
std::string EscapeLabelValue(absl::string_view v);

}  // namespace riec::metrics

#endif  // RIEC_BROKER_METRICS_METRICS_H_
