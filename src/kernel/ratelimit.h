// A rate limit (lib/ratelimit.c ___ratelimit()): at most `burst` events in each
// `interval` of jiffies; the events refused are counted as missed. The interval starts
// at the first event and starts again with the first event after it has passed.
// /dev/kmsg writers get one each (DEFAULT_RATELIMIT_INTERVAL of 5 s, burst 10), with
// RATELIMIT_MSG_ON_RELEASE: the missed count is reported when the file is released,
// not when a new interval starts.
#pragma once

#include <cstdint>

#include "hw/clock.h"

namespace vmlab::kern {

using hw::jiffies_at;
using hw::kHz;

class Ratelimit {
 public:
  Ratelimit(std::uint64_t interval_jiffies, int burst) : interval_(interval_jiffies), burst_(burst) {}

  // ___ratelimit(): true when the event may go ahead at `now_jiffies`.
  bool allow(std::uint64_t now_jiffies) {
    if (!initialized_) {
      initialized_ = true;
      begin_ = now_jiffies;
      left_ = burst_;
    }
    if (now_jiffies > begin_ + interval_) {  // time_is_before_jiffies(begin + interval)
      left_ = burst_;
      begin_ = now_jiffies;
    }
    if (left_ > 0) {
      --left_;
      return true;
    }
    ++missed_;
    return false;
  }

  // ratelimit_state_reset_miss(): the events refused so far, counted afresh from here.
  int take_missed() {
    const int m = missed_;
    missed_ = 0;
    return m;
  }

 private:
  const std::uint64_t interval_;
  const int burst_;
  bool initialized_ = false;  // RATELIMIT_INITIALIZED: begin_ and left_ are set
  std::uint64_t begin_ = 0;   // the jiffies the current interval started at
  int left_ = 0;              // rs_n_left: events still allowed in this interval
  int missed_ = 0;            // refused since last taken
};

// DEFAULT_RATELIMIT_INTERVAL (5 * HZ) and DEFAULT_RATELIMIT_BURST.
inline constexpr std::uint64_t kDefaultRatelimitInterval = 5 * kHz;
inline constexpr int kDefaultRatelimitBurst = 10;

}  // namespace vmlab::kern
