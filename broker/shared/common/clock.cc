#include "riec/common/clock.h"

#include <sys/stat.h>

#include <fstream>

namespace riec {

absl::Time OffsetFileClock::Now() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (mtime != seen_mtime_ns_.load()) {
      std::ifstream in(path_);
      double seconds = 0;
      if (in >> seconds) offset_micros_.store(static_cast<int64_t>(seconds * 1e6));
      seen_mtime_ns_.store(mtime);
    }
  }
  return absl::Now() + absl::Microseconds(offset_micros_.load());
}

}  // namespace riec
