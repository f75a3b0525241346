#include "mm/kswapd.h"

#include "mm/memory_system.h"
#include "mm/page_alloc.h"
#include "mm/vmscan.h"

namespace vmlab::mm {

using obs::VmEvent;

bool pgdat_balanced(const MemorySystem& sys) { return watermark_ok(sys, sys.watermarks().high); }

void wakeup_kswapd(MemorySystem& sys, ZoneIdx zone) {
  KswapdState& k = sys.kswapd();
  if (zone > k.highest_zoneidx || k.run == KswapdState::Run::sleeping) k.highest_zoneidx = zone;
  if (k.run == KswapdState::Run::woken) return;  // already running: not on its wait queue
  // A hopeless node, or one already balanced, is left alone.
  if (k.failures >= kMaxReclaimRetries || pgdat_balanced(sys)) return;
  if (k.run == KswapdState::Run::napping) ++sys.stat()[VmEvent::kswapd_low_wmark_hit_quickly];
  k.run = KswapdState::Run::woken;
}

bool kswapd_run(MemorySystem& sys) {
  KswapdState& k = sys.kswapd();
  if (k.run == KswapdState::Run::sleeping) return false;
  if (k.run == KswapdState::Run::napping) {
    if (sys.clock().now() < k.nap_until_ns) return false;
    // kswapd_try_to_sleep() after the nap: asleep if still balanced, else back to work.
    if (pgdat_balanced(sys) || k.failures >= kMaxReclaimRetries) {
      k.run = KswapdState::Run::sleeping;
      return false;
    }
    ++sys.stat()[VmEvent::kswapd_high_wmark_hit_quickly];
    k.run = KswapdState::Run::woken;
  }
  ++k.passes;
  const std::uint64_t reclaimed = balance_pgdat(sys, k.highest_zoneidx);
  if (reclaimed == 0 && !pgdat_balanced(sys)) ++k.failures;
  // prepare_kswapd_sleep(): a balanced or hopeless node lets kswapd nap; otherwise it
  // goes on at its next turn (kswapd_high_wmark_hit_quickly).
  if (pgdat_balanced(sys) || k.failures >= kMaxReclaimRetries) {
    k.run = KswapdState::Run::napping;
    k.nap_until_ns = sys.clock().now() + kKswapdNapNs;
  } else {
    ++sys.stat()[VmEvent::kswapd_high_wmark_hit_quickly];
  }
  return true;
}

}  // namespace vmlab::mm
