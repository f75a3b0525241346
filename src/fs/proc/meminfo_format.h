// /proc/meminfo, as meminfo_proc_show() in fs/proc/meminfo.c prints it on Linux 6.18
// x86-64, with hugetlb_report_meminfo() and x86's arch_report_meminfo().
#pragma once

#include <cstdint>
#include <string>

namespace vmlab::proc {

// Every field, in kB except the HugePages_* counts. The show_* switches stand for
// kernel configuration; defaults print what the 6.18 reference host prints except
// DirectMap1G (only with 1 GiB direct-map pages, off unless the machine says so).
// x86-64 values are the defaults; riscv64 (Sv39) sets its own where they differ.
struct Meminfo {
  std::uint64_t mem_total = 0;
  std::uint64_t mem_free = 0;
  std::uint64_t mem_available = 0;
  std::uint64_t buffers = 0;
  std::uint64_t cached = 0;
  std::uint64_t swap_cached = 0;
  std::uint64_t active = 0;
  std::uint64_t inactive = 0;
  std::uint64_t active_anon = 0;
  std::uint64_t inactive_anon = 0;
  std::uint64_t active_file = 0;
  std::uint64_t inactive_file = 0;
  std::uint64_t unevictable = 0;
  std::uint64_t mlocked = 0;
  std::uint64_t swap_total = 0;
  std::uint64_t swap_free = 0;
  std::uint64_t zswap = 0;     // CONFIG_ZSWAP
  std::uint64_t zswapped = 0;  // CONFIG_ZSWAP
  std::uint64_t dirty = 0;
  std::uint64_t writeback = 0;
  std::uint64_t anon_pages = 0;
  std::uint64_t mapped = 0;
  std::uint64_t shmem = 0;
  std::uint64_t kreclaimable = 0;
  std::uint64_t slab = 0;
  std::uint64_t sreclaimable = 0;
  std::uint64_t sunreclaim = 0;
  std::uint64_t kernel_stack = 0;
  std::uint64_t page_tables = 0;
  std::uint64_t sec_page_tables = 0;
  std::uint64_t nfs_unstable = 0;
  std::uint64_t bounce = 0;
  std::uint64_t writeback_tmp = 0;
  std::uint64_t commit_limit = 0;
  std::uint64_t committed_as = 0;
  std::uint64_t vmalloc_total = 34359738367ULL;  // x86-64 4-level: VMALLOC_SIZE 32 TiB - 1 kB
  std::uint64_t vmalloc_used = 0;
  std::uint64_t vmalloc_chunk = 0;
  std::uint64_t percpu = 0;
  std::uint64_t hardware_corrupted = 0;  // CONFIG_MEMORY_FAILURE
  std::uint64_t anon_huge_pages = 0;     // the next five: CONFIG_TRANSPARENT_HUGEPAGE
  std::uint64_t shmem_huge_pages = 0;
  std::uint64_t shmem_pmd_mapped = 0;
  std::uint64_t file_huge_pages = 0;
  std::uint64_t file_pmd_mapped = 0;
  std::uint64_t cma_total = 0;   // CONFIG_CMA
  std::uint64_t cma_free = 0;    // CONFIG_CMA
  std::uint64_t unaccepted = 0;  // CONFIG_UNACCEPTED_MEMORY
  std::uint64_t balloon = 0;
  std::uint64_t hugepages_total = 0;  // counts, not kB
  std::uint64_t hugepages_free = 0;
  std::uint64_t hugepages_rsvd = 0;
  std::uint64_t hugepages_surp = 0;
  std::uint64_t hugepagesize = 2048;
  std::uint64_t hugetlb = 0;
  std::uint64_t direct_map_4k = 0;
  std::uint64_t direct_map_2m = 0;
  std::uint64_t direct_map_1g = 0;

  bool show_zswap = true;
  bool show_hardware_corrupted = false;
  bool show_thp = true;
  bool show_cma = false;
  bool show_unaccepted = false;
  // Unconditional since Linux 6.15 (NR_BALLOON_PAGES); false renders an older kernel.
  bool show_balloon = true;
  bool show_hugetlb = true;       // CONFIG_HUGETLB_PAGE
  bool show_direct_map = true;      // x86's arch_report_meminfo(); riscv64 has none
  bool show_direct_map_1g = false;  // x86: only when direct_gbpages
};

// The whole file.
std::string format_meminfo(const Meminfo& m);

}  // namespace vmlab::proc
