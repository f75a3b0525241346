// kswapd (mm/vmscan.c kswapd(), wakeup_kswapd(), kswapd_try_to_sleep()): the node's
// reclaim thread. An allocation that finds free memory at or below the low watermark
// wakes it; it reclaims until the node is balanced (free memory above the high
// watermark) and then naps for HZ/10 before it sleeps. A wake during the nap counts
// kswapd_low_wmark_hit_quickly; a node unbalanced again when the nap ends counts
// kswapd_high_wmark_hit_quickly and kswapd goes on.
//
// vmlab runs kswapd deterministically: the kernel calls kswapd_run() at every return
// to user, and a woken kswapd does one balance_pgdat() pass there, on that CPU's
// virtual clock (see docs/reclaim.md).
#pragma once

#include <cstdint>

#include "mm/zone.h"

namespace vmlab::mm {

class MemorySystem;

// MAX_RECLAIM_RETRIES: passes reclaiming nothing after which kswapd leaves the node
// alone until direct reclaim frees something there.
inline constexpr unsigned kMaxReclaimRetries = 16;
// HZ/10: kswapd's nap once the node is balanced, before it sleeps.
inline constexpr std::uint64_t kKswapdNapNs = 100'000'000;

struct KswapdState {
  enum class Run : std::uint8_t { sleeping, napping, woken };
  Run run = Run::sleeping;
  std::uint64_t nap_until_ns = 0;  // while napping: when the nap ends
  unsigned failures = 0;           // kswapd_failures: passes in a row that reclaimed nothing
  ZoneIdx highest_zoneidx = ZoneIdx::dma;  // the highest zone a waker wanted balanced
  std::uint64_t passes = 0;        // balance_pgdat() runs, for the timeline
};

// pgdat_balanced(): free memory above the high watermark.
bool pgdat_balanced(const MemorySystem& sys);
// wakeup_kswapd(): an allocation for zones up to `zone` found memory at or below the
// low watermark. Nothing happens when the node is balanced or hopeless.
void wakeup_kswapd(MemorySystem& sys, ZoneIdx zone);
// The kswapd thread's turn: one balance_pgdat() pass if it is woken, or the end of its
// nap. Returns whether it ran a pass.
bool kswapd_run(MemorySystem& sys);

}  // namespace vmlab::mm
