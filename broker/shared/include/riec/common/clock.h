// The clock seam. Everything that depends on the time (validity of index
// entries, signal lifetimes, quotas, log timestamps) reads it through a Clock
// so that tests can inject time instead of sleeping.
//
// Thread-safety: implementations must be safe for concurrent use.
#ifndef RIEC_BROKER_COMMON_CLOCK_H_
#define RIEC_BROKER_COMMON_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace riec {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system's real-time clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// A clock that moves only when told to. For tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : micros_(absl::ToUnixMicros(start)) {}
  absl::Time Now() const override { return absl::FromUnixMicros(micros_.load()); }
  void Advance(absl::Duration d) { micros_ += absl::ToInt64Microseconds(d); }
  void Set(absl::Time t) { micros_ = absl::ToUnixMicros(t); }

 private:
  std::atomic<int64_t> micros_;
};

// The system's time moved by an offset read from a file (decimal seconds,
// possibly negative), re-read whenever the file changes: lets an integration
// test move a real broker process through days and years without waiting.
// For tests only: the broker accepts it only with RIEC_TESTING=1 in its
// environment and says so on start.
class OffsetFileClock final : public Clock {
 public:
  explicit OffsetFileClock(std::string path) : path_(std::move(path)) {}
  absl::Time Now() const override;

 private:
  const std::string path_;
  mutable std::atomic<int64_t> offset_micros_{0};
  mutable std::atomic<int64_t> seen_mtime_ns_{-1};
};

}  // namespace riec

#endif  // RIEC_BROKER_COMMON_CLOCK_H_
