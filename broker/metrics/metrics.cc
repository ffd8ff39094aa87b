#include "metrics/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace riec::metrics {
namespace {

bool ValidName(absl::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

[[noreturn]] void Misuse(absl::string_view what) {
  std::cerr << "riec-broker: metrics: " << what << std::endl;
  std::abort();
}

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void AppendLabels(std::string* out, const Labels& labels, const std::string& extra = "") {
  if (labels.empty() && extra.empty()) return;
  *out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) *out += ',';
    first = false;
    absl::StrAppend(out, k, "=\"", EscapeLabelValue(v), "\"");
  }
  if (!extra.empty()) absl::StrAppend(out, first ? "" : ",", extra);
  *out += '}';
}

const char* TypeName(Registry::Type t) {
  switch (t) {
    case Registry::Type::kCounter: return "counter";
    case Registry::Type::kGauge: return "gauge";
    case Registry::Type::kHistogram: return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return absl::StrCat(static_cast<int64_t>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string EscapeLabelValue(absl::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i + 1 < bounds_.size(); ++i) {
    if (!(bounds_[i] < bounds_[i + 1])) Misuse("histogram bounds must increase");
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

std::vector<double> PowersOfTwo(double max) {
  std::vector<double> out;
  for (double b = 1; b <= max; b *= 2) out.push_back(b);
  return out;
}

Registry::Family& Registry::FamilyOf(absl::string_view name, absl::string_view help, Type type,
                                     const Labels& labels) {
  if (!ValidName(name, true)) Misuse(absl::StrCat("bad metric name '", name, "'"));
  for (const auto& [k, v] : labels) {
    if (!ValidName(k, false) || k.starts_with("__") || k == "le") {
      Misuse(absl::StrCat(name, ": bad label name '", k, "'"));
    }
  }
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{type, std::string(help), {}, {}, {}, {}}).first;
  }
  if (it->second.type != type || it->second.computed) {
    Misuse(absl::StrCat(name, ": already registered as another kind of metric"));
  }
  return it->second;
}

void Registry::Declare(absl::string_view name, absl::string_view help, Type type) {
  absl::MutexLock l(&mu_);
  FamilyOf(name, help, type, {});
}

template <typename M, typename Make>
M& Registry::Find(absl::string_view name, absl::string_view help, Type type, const Labels& labels,
                  std::map<Labels, std::unique_ptr<M>> Family::*member, const Make& make) {
  {
    absl::ReaderMutexLock l(&mu_);
    auto f = families_.find(name);
    if (f != families_.end() && f->second.type == type) {
      const auto& metrics = f->second.*member;
      auto m = metrics.find(labels);
      if (m != metrics.end()) return *m->second;
    }
  }
  absl::MutexLock l(&mu_);
  auto& metrics = FamilyOf(name, help, type, labels).*member;
  auto& slot = metrics[labels];
  if (slot == nullptr) slot = make();
  return *slot;
}

Counter& Registry::GetCounter(absl::string_view name, absl::string_view help, const Labels& labels) {
  return Find(name, help, Type::kCounter, labels, &Family::counters,
              [] { return std::make_unique<Counter>(); });
}

Gauge& Registry::GetGauge(absl::string_view name, absl::string_view help, const Labels& labels) {
  return Find(name, help, Type::kGauge, labels, &Family::gauges,
              [] { return std::make_unique<Gauge>(); });
}

Histogram& Registry::GetHistogram(absl::string_view name, absl::string_view help,
                                  const std::vector<double>& bounds, const Labels& labels) {
  return Find(name, help, Type::kHistogram, labels, &Family::histograms,
              [&] { return std::make_unique<Histogram>(bounds); });
}

void Registry::AddComputed(absl::string_view name, absl::string_view help, Type type,
                           std::function<std::vector<Sample>()> read) {
  if (type == Type::kHistogram) Misuse(absl::StrCat(name, ": a computed metric is a counter or gauge"));
  absl::MutexLock l(&mu_);
  if (!ValidName(name, true)) Misuse(absl::StrCat("bad metric name '", name, "'"));
  if (families_.contains(name)) Misuse(absl::StrCat(name, ": registered twice"));
  families_.emplace(std::string(name), Family{type, std::string(help), {}, {}, {}, std::move(read)});
}

std::string Registry::Expose() const {
  // What to read, taken under the lock; read and written without it, so
  // that a computed family that scans a table never holds up a call that
  // counts for the first time (metrics are never removed: the pointers
  // stay valid).
  struct View {
    const std::string* name;
    Type type;
    std::string help;
    std::function<std::vector<Sample>()> computed;
    std::vector<std::pair<Labels, const Counter*>> counters;
    std::vector<std::pair<Labels, const Gauge*>> gauges;
    std::vector<std::pair<Labels, const Histogram*>> histograms;
  };
  std::vector<View> views;
  {
    absl::ReaderMutexLock l(&mu_);
    views.reserve(families_.size());
    for (const auto& [name, f] : families_) {
      View& v = views.emplace_back(View{&name, f.type, f.help, f.computed, {}, {}, {}});
      for (const auto& [labels, c] : f.counters) v.counters.emplace_back(labels, c.get());
      for (const auto& [labels, g] : f.gauges) v.gauges.emplace_back(labels, g.get());
      for (const auto& [labels, h] : f.histograms) v.histograms.emplace_back(labels, h.get());
    }
  }
  std::string out;
  for (const View& f : views) {
    const std::string& name = *f.name;  // families are never removed
    absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(f.help), "\n# TYPE ", name, " ",
                    TypeName(f.type), "\n");
    auto line = [&](const Labels& labels, double v) {
      out += name;
      AppendLabels(&out, labels);
      absl::StrAppend(&out, " ", FormatValue(v), "\n");
    };
    if (f.computed) {
      for (const Sample& s : f.computed()) line(s.labels, s.value);
    }
    for (const auto& [labels, c] : f.counters) line(labels, c->value());
    for (const auto& [labels, g] : f.gauges) line(labels, g->value());
    for (const auto& [labels, h] : f.histograms) {
      const Histogram::Snapshot s = h->Read();
      for (size_t i = 0; i <= s.bounds.size(); ++i) {
        const std::string le = i < s.bounds.size() ? FormatValue(s.bounds[i]) : "+Inf";
        absl::StrAppend(&out, name, "_bucket");
        AppendLabels(&out, labels, absl::StrCat("le=\"", le, "\""));
        absl::StrAppend(&out, " ", s.cumulative[i], "\n");
      }
      absl::StrAppend(&out, name, "_sum");
      AppendLabels(&out, labels);
      absl::StrAppend(&out, " ", FormatValue(s.sum), "\n", name, "_count");
      AppendLabels(&out, labels);
      absl::StrAppend(&out, " ", s.count, "\n");
    }
  }
  return out;
}

}  // namespace riec::metrics
