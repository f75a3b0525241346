// File times. An inode keeps its access, modification and change times as signed
// nanoseconds of the virtual clock since boot; guests see them on the realtime clock,
// which reads hw::kRealtimeEpochSec at boot. A time set from user space (utimensat)
// may lie before boot, and is clamped to what the signed 64-bit count holds, 292
// years either side of boot (1731 to 2316), as timestamp_truncate() clamps a time to
// the range of the filesystem's superblock (ext4's is 1901 to 2446).
#pragma once

#include <cstdint>
#include <limits>

#include "hw/clock.h"

namespace vmlab::fs {

inline constexpr std::int64_t kNsPerSec = 1000000000;

// struct timespec on the realtime clock: nsec in [0, 999999999].
struct RealTime {
  std::int64_t sec = 0;
  std::int64_t nsec = 0;
};

// s_time_min and s_time_max, in seconds from boot.
inline constexpr std::int64_t kTimeMaxSec = std::numeric_limits<std::int64_t>::max() / kNsPerSec - 1;
inline constexpr std::int64_t kTimeMinSec = -kTimeMaxSec;

inline RealTime to_realtime(std::int64_t ns) {
  std::int64_t sec = ns / kNsPerSec;
  std::int64_t nsec = ns % kNsPerSec;
  if (nsec < 0) {  // round toward the past, as tv_sec does
    nsec += kNsPerSec;
    --sec;
  }
  return {static_cast<std::int64_t>(hw::kRealtimeEpochSec) + sec, nsec};
}

// timestamp_truncate(): the inode time for realtime `t`; a time clamped to either end
// of the range loses its nanoseconds.
inline std::int64_t from_realtime(RealTime t) {
  constexpr auto kEpoch = static_cast<std::int64_t>(hw::kRealtimeEpochSec);
  if (t.sec < kTimeMinSec + kEpoch) return kTimeMinSec * kNsPerSec;
  if (t.sec > kTimeMaxSec + kEpoch) return kTimeMaxSec * kNsPerSec;
  const std::int64_t sec = t.sec - kEpoch;
  if (sec == kTimeMinSec || sec == kTimeMaxSec) return sec * kNsPerSec;
  return sec * kNsPerSec + t.nsec;
}

}  // namespace vmlab::fs
