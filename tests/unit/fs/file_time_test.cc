// File times between the inode's signed nanoseconds since boot and the realtime clock.
#include "fs/file_time.h"

#include <gtest/gtest.h>

#include <limits>

namespace vmlab::fs {
namespace {

constexpr auto kEpoch = static_cast<std::int64_t>(hw::kRealtimeEpochSec);

TEST(FileTime, RealtimeOfBootAndBefore) {
  EXPECT_EQ(to_realtime(0).sec, kEpoch);
  EXPECT_EQ(to_realtime(1500000000).sec, kEpoch + 1);
  EXPECT_EQ(to_realtime(1500000000).nsec, 500000000);
  // Before boot the seconds round toward the past and the nanoseconds stay positive.
  EXPECT_EQ(to_realtime(-1).sec, kEpoch - 1);
  EXPECT_EQ(to_realtime(-1).nsec, 999999999);
  EXPECT_EQ(to_realtime(-kNsPerSec).sec, kEpoch - 1);
  EXPECT_EQ(to_realtime(-kNsPerSec).nsec, 0);
}

TEST(FileTime, RoundTripAndClamp) {
  for (const RealTime t : {RealTime{0, 0}, RealTime{-1, 5}, RealTime{kEpoch, 1}, RealTime{4102444800, 999999999}}) {
    const RealTime back = to_realtime(from_realtime(t));
    EXPECT_EQ(back.sec, t.sec);
    EXPECT_EQ(back.nsec, t.nsec);
  }
  // Outside the range: the nearest end, without nanoseconds (timestamp_truncate()).
  const RealTime low = to_realtime(from_realtime({std::numeric_limits<std::int64_t>::min(), 7}));
  EXPECT_EQ(low.sec, kEpoch + kTimeMinSec);
  EXPECT_EQ(low.nsec, 0);
  const RealTime high = to_realtime(from_realtime({std::numeric_limits<std::int64_t>::max(), 7}));
  EXPECT_EQ(high.sec, kEpoch + kTimeMaxSec);
  EXPECT_EQ(high.nsec, 0);
}

}  // namespace
}  // namespace vmlab::fs
