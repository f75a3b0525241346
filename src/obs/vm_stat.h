// System-wide memory counters: the node state items (the NR_* counts /proc/meminfo and
// /proc/vmstat read) and the event counters (pgfault, pgmajfault, ...). They are updated
// where the state changes; the consistency checker recounts them from scratch.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace vmlab::obs {

enum class NodeStat : unsigned {
  nr_anon_mapped,     // anonymous pages mapped by at least one PTE (AnonPages)
  nr_file_pages,      // page-cache pages, shmem included (Cached + SwapCached + Buffers)
  nr_file_mapped,     // page-cache pages mapped by at least one PTE (Mapped)
  nr_shmem,           // shmem pages (Shmem)
  nr_file_dirty,      // dirty page-cache pages (Dirty)
  nr_writeback,       // pages under writeback (Writeback)
  nr_page_table,      // page-table pages (PageTables)
  nr_mlock,           // mlocked pages (Mlocked)
  nr_swapcached,      // pages in the swap cache (SwapCached)
  count
};

enum class VmEvent : unsigned {
  pgpgin,
  pgpgout,
  pswpin,
  pswpout,
  pgalloc_normal,
  pgfree,
  pgactivate,
  pgdeactivate,
  pglazyfree,
  pgfault,
  pgmajfault,
  pglazyfreed,
  pgrefill,
  pgreuse,
  pgsteal_kswapd,
  pgsteal_direct,
  pgscan_kswapd,
  pgscan_direct,
  pginodesteal,
  oom_kill,
  pgrotated,
  // Workingset detection (node state items on Linux, counted as events here: they
  // only grow).
  workingset_refault_anon,
  workingset_refault_file,
  workingset_activate_anon,
  workingset_activate_file,
  workingset_restore_anon,
  workingset_restore_file,
  // Swap (mm/page_io.c, mm/swap_state.c).
  swap_ra,
  swap_ra_hit,
  swpin_zero,
  swpout_zero,
  nr_vmscan_write,
  nr_vmscan_immediate_reclaim,
  // Reclaim (mm/vmscan.c): who scanned and stole, by kind, and the allocations that
  // had to reclaim first, by the zone they asked for.
  pgscan_proactive,
  pgsteal_proactive,
  pgscan_anon,
  pgscan_file,
  pgsteal_anon,
  pgsteal_file,
  pgscan_direct_throttle,
  allocstall_dma,
  allocstall_dma32,
  allocstall_normal,
  allocstall_movable,
  pageoutrun,
  kswapd_low_wmark_hit_quickly,
  kswapd_high_wmark_hit_quickly,
  drop_pagecache,
  drop_slab,
  count
};

std::string_view node_stat_name(NodeStat s);
std::string_view vm_event_name(VmEvent e);

struct VmStat {
  std::array<std::int64_t, static_cast<unsigned>(NodeStat::count)> node{};
  std::array<std::uint64_t, static_cast<unsigned>(VmEvent::count)> events{};

  std::int64_t& operator[](NodeStat s) { return node[static_cast<unsigned>(s)]; }
  std::int64_t operator[](NodeStat s) const { return node[static_cast<unsigned>(s)]; }
  std::uint64_t& operator[](VmEvent e) { return events[static_cast<unsigned>(e)]; }
  std::uint64_t operator[](VmEvent e) const { return events[static_cast<unsigned>(e)]; }
};

}  // namespace vmlab::obs
