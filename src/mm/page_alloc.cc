#include "mm/page_alloc.h"

#include "mm/kernel_hooks.h"
#include "mm/kswapd.h"
#include "mm/memory_system.h"
#include "mm/vmscan.h"

namespace vmlab::mm {

namespace {

// should_reclaim_retry(): worth another round while reclaim keeps making progress (or
// has failed at most MAX_RECLAIM_RETRIES times in a row) and could free enough.
bool should_reclaim_retry(const MemorySystem& sys, std::uint64_t progress, unsigned& no_progress_loops) {
  if (progress > 0) no_progress_loops = 0;
  else ++no_progress_loops;
  if (no_progress_loops > kMaxReclaimRetries) return false;
  return sys.buddy().free_pages() + zone_reclaimable_pages(sys) > sys.watermarks().min;
}

}  // namespace

bool watermark_ok(const MemorySystem& sys, std::uint64_t mark) { return sys.buddy().free_pages() > mark; }

Pfn alloc_pages_slowpath(MemorySystem& sys, Gfp gfp) {
  const ZoneIdx zone = gfp_zone(gfp);
  unsigned no_progress_loops = 0;
  for (;;) {
    wakeup_kswapd(sys, zone);
    if (watermark_ok(sys, sys.watermarks().min)) return sys.take_free_page();
    // __alloc_pages_direct_reclaim()
    const std::uint64_t progress = try_to_free_pages(sys, zone);
    if (watermark_ok(sys, sys.watermarks().min)) return sys.take_free_page();
    if (should_reclaim_retry(sys, progress, no_progress_loops)) continue;
    // __alloc_pages_may_oom(): a kill elsewhere may already have freed enough.
    if (watermark_ok(sys, sys.watermarks().high)) return sys.take_free_page();
    switch (sys.out_of_memory(gfp)) {
      case OomOutcome::killed_other:
        no_progress_loops = 0;
        continue;
      case OomOutcome::killed_current:
        // ALLOC_OOM: the victim may take the last pages to get to its exit.
        return sys.buddy().free_pages() > 0 ? sys.take_free_page() : kNoPfn;
      case OomOutcome::none:
        return kNoPfn;
    }
  }
}

}  // namespace vmlab::mm
