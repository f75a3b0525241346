// The memory cgroup fields a pressure case compares, under their cgroup v2 names, and
// how each is read from a cgroup v1 memory.stat (the reference host has only v1's
// memory controller) or from v2's files (vmlab's, and a v2 host's).
//
//   compared       v1 memory.stat      v2                            Linux counter
//   anon           rss                 memory.stat anon              NR_ANON_MAPPED
//   file           cache               memory.stat file              NR_FILE_PAGES
//   shmem          shmem               memory.stat shmem             NR_SHMEM
//   file_mapped    mapped_file         memory.stat file_mapped       NR_FILE_MAPPED
//   file_dirty     dirty               memory.stat file_dirty        NR_FILE_DIRTY
//   swapcached     swapcached          memory.stat swapcached        NR_SWAPCACHE
//   swap           swap                memory.swap.current           MEMCG_SWAP (see below)
//                                        - memory.stat swapcached
//   pgmajfault     pgmajfault          memory.stat pgmajfault        PGMAJFAULT
//   workingset_refault_anon/_file: the same names                    WORKINGSET_REFAULT_*
//   oom_kill       memory.oom_control  memory.events oom_kill        MEMCG_OOM_KILL
//
// v1's "swap" counts the group's swap slots whose page is no longer in memory: v1 moves
// a slot's charge to the page while it sits in the swap cache (memcg1_swapin,
// memcg1_swapout). v2 charges a slot from allocation to release (memory.swap.current),
// so the same count is memory.swap.current less the swap cache pages.
//
// Not compared: the LRU list sizes (the per-CPU batches make them lag, and on the host
// other processes drain the case's CPU's batches at any time), pgfault (it counts the
// harness's own faults in the group: StatsFlusher), and v1's totals and pgpgin/out.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace vmlab::fidelity {

// Field name (v2 spelling) -> value: bytes for sizes, a count for events.
using MemcgFields = std::map<std::string, std::uint64_t>;

// The fields that only grow (events, refault counts): a case sees how much they grew
// since its previous observe step.
bool memcg_field_is_cumulative(std::string_view field);

// From a v1 group's memory.stat and memory.oom_control. Throws std::runtime_error if a
// field is missing.
MemcgFields memcg_fields_from_v1(std::string_view memory_stat, std::string_view oom_control);
// From a v2 group's memory.stat, memory.events and memory.swap.current.
MemcgFields memcg_fields_from_v2(std::string_view memory_stat, std::string_view memory_events,
                                 std::uint64_t swap_current);

// "name value" lines (memory.stat, memory.events, /proc/vmstat) as a map.
std::map<std::string, std::uint64_t> parse_name_value_lines(std::string_view text);

}  // namespace vmlab::fidelity
