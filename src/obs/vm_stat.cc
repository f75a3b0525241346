#include "obs/vm_stat.h"

namespace vmlab::obs {

std::string_view node_stat_name(NodeStat s) {
  switch (s) {
    case NodeStat::nr_anon_mapped: return "nr_anon_pages";
    case NodeStat::nr_file_pages: return "nr_file_pages";
    case NodeStat::nr_file_mapped: return "nr_mapped";
    case NodeStat::nr_shmem: return "nr_shmem";
    case NodeStat::nr_file_dirty: return "nr_dirty";
    case NodeStat::nr_writeback: return "nr_writeback";
    case NodeStat::nr_page_table: return "nr_page_table_pages";
    case NodeStat::nr_mlock: return "nr_mlock";
    case NodeStat::nr_swapcached: return "nr_swapcached";
    case NodeStat::count: break;
  }
  return "?";
}

std::string_view vm_event_name(VmEvent e) {
  switch (e) {
    case VmEvent::pgpgin: return "pgpgin";
    case VmEvent::pgpgout: return "pgpgout";
    case VmEvent::pswpin: return "pswpin";
    case VmEvent::pswpout: return "pswpout";
    case VmEvent::pgalloc_normal: return "pgalloc_normal";
    case VmEvent::pgfree: return "pgfree";
    case VmEvent::pgactivate: return "pgactivate";
    case VmEvent::pgdeactivate: return "pgdeactivate";
    case VmEvent::pglazyfree: return "pglazyfree";
    case VmEvent::pgfault: return "pgfault";
    case VmEvent::pgmajfault: return "pgmajfault";
    case VmEvent::pglazyfreed: return "pglazyfreed";
    case VmEvent::pgrefill: return "pgrefill";
    case VmEvent::pgreuse: return "pgreuse";
    case VmEvent::pgsteal_kswapd: return "pgsteal_kswapd";
    case VmEvent::pgsteal_direct: return "pgsteal_direct";
    case VmEvent::pgscan_kswapd: return "pgscan_kswapd";
    case VmEvent::pgscan_direct: return "pgscan_direct";
    case VmEvent::pginodesteal: return "pginodesteal";
    case VmEvent::oom_kill: return "oom_kill";
    case VmEvent::pgrotated: return "pgrotated";
    case VmEvent::workingset_refault_anon: return "workingset_refault_anon";
    case VmEvent::workingset_refault_file: return "workingset_refault_file";
    case VmEvent::workingset_activate_anon: return "workingset_activate_anon";
    case VmEvent::workingset_activate_file: return "workingset_activate_file";
    case VmEvent::workingset_restore_anon: return "workingset_restore_anon";
    case VmEvent::workingset_restore_file: return "workingset_restore_file";
    case VmEvent::swap_ra: return "swap_ra";
    case VmEvent::swap_ra_hit: return "swap_ra_hit";
    case VmEvent::swpin_zero: return "swpin_zero";
    case VmEvent::swpout_zero: return "swpout_zero";
    case VmEvent::nr_vmscan_write: return "nr_vmscan_write";
    case VmEvent::nr_vmscan_immediate_reclaim: return "nr_vmscan_immediate_reclaim";
    case VmEvent::pgscan_proactive: return "pgscan_proactive";
    case VmEvent::pgsteal_proactive: return "pgsteal_proactive";
    case VmEvent::pgscan_anon: return "pgscan_anon";
    case VmEvent::pgscan_file: return "pgscan_file";
    case VmEvent::pgsteal_anon: return "pgsteal_anon";
    case VmEvent::pgsteal_file: return "pgsteal_file";
    case VmEvent::pgscan_direct_throttle: return "pgscan_direct_throttle";
    case VmEvent::allocstall_dma: return "allocstall_dma";
    case VmEvent::allocstall_dma32: return "allocstall_dma32";
    case VmEvent::allocstall_normal: return "allocstall_normal";
    case VmEvent::allocstall_movable: return "allocstall_movable";
    case VmEvent::pageoutrun: return "pageoutrun";
    case VmEvent::kswapd_low_wmark_hit_quickly: return "kswapd_low_wmark_hit_quickly";
    case VmEvent::kswapd_high_wmark_hit_quickly: return "kswapd_high_wmark_hit_quickly";
    case VmEvent::drop_pagecache: return "drop_pagecache";
    case VmEvent::drop_slab: return "drop_slab";
    case VmEvent::count: break;
  }
  return "?";
}

}  // namespace vmlab::obs

#include "vmlab/events.h"

namespace vmlab::obs {

std::string_view fault_kind_name(FaultKind k) {
  switch (k) {
    case FaultKind::demand_zero: return "demand-zero";
    case FaultKind::zero_page: return "zero-page";
    case FaultKind::file: return "file";
    case FaultKind::file_cow: return "file-cow";
    case FaultKind::shared_write: return "shared-write";
    case FaultKind::cow_copy: return "cow-copy";
    case FaultKind::cow_reuse: return "cow-reuse";
    case FaultKind::swap_in: return "swap-in";
    case FaultKind::swap_cache: return "swap-cache";
    case FaultKind::spurious: return "spurious";
    case FaultKind::sigsegv: return "sigsegv";
    case FaultKind::sigbus: return "sigbus";
    case FaultKind::oom: return "oom";
    case FaultKind::count: break;
  }
  return "?";
}

}  // namespace vmlab::obs
