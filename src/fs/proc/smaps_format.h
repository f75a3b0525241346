// /proc/PID/smaps and /proc/PID/smaps_rollup, as show_smap(), __show_smap(),
// show_smaps_rollup() and show_smap_vma_flags() in fs/proc/task_mmu.c print them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fs/proc/maps_format.h"

namespace vmlab::proc {

// Linux keeps PSS in fixed point with 12 fractional bits (PSS_SHIFT): a page mapped
// by n processes adds (PAGE_SIZE << PSS_SHIFT) / n.
inline constexpr unsigned kPssShift = 12;

// struct mem_size_stats plus the per-VMA values show_smap() prints. Sizes in bytes;
// the *_shifted members are bytes << kPssShift, exactly as Linux accumulates them.
struct SmapsCounts {
  std::uint64_t size = 0;  // vm_end - vm_start
  std::uint64_t kernel_page_size = 4096;
  std::uint64_t mmu_page_size = 4096;
  std::uint64_t rss = 0;  // mss->resident
  std::uint64_t pss_shifted = 0;
  std::uint64_t pss_dirty_shifted = 0;
  std::uint64_t pss_anon_shifted = 0;   // rollup only
  std::uint64_t pss_file_shifted = 0;   // rollup only
  std::uint64_t pss_shmem_shifted = 0;  // rollup only
  std::uint64_t shared_clean = 0;
  std::uint64_t shared_dirty = 0;
  std::uint64_t private_clean = 0;
  std::uint64_t private_dirty = 0;
  std::uint64_t referenced = 0;
  std::uint64_t anonymous = 0;
  std::uint64_t ksm = 0;
  std::uint64_t lazyfree = 0;
  std::uint64_t anon_huge = 0;         // AnonHugePages (mss->anonymous_thp)
  std::uint64_t shmem_pmd_mapped = 0;  // mss->shmem_thp
  std::uint64_t file_pmd_mapped = 0;   // mss->file_thp
  std::uint64_t shared_hugetlb = 0;
  std::uint64_t private_hugetlb = 0;
  std::uint64_t swap = 0;
  std::uint64_t swap_pss_shifted = 0;
  // "Locked:" is mss->pss_locked >> PSS_SHIFT: the PSS of pages in VM_LOCKED VMAs.
  std::uint64_t pss_locked_shifted = 0;
  bool thp_eligible = false;
  // Printed only where arch_pkeys_enabled() (CPU with PKU); the 6.18 host has none.
  std::optional<unsigned> protection_key;
  // Mnemonics joined by single spaces, e.g. "rd wr mr mw me ac" (format_vm_flags()).
  std::string vm_flags;
};

// show_smap_vma_flags(): the two-letter mnemonic of every set bit, lowest bit first,
// joined by single spaces. Bits Linux has no name for print "??"; protection-key
// bits print nothing (they come out via ProtectionKey:). x86-64 with soft-dirty,
// shadow stacks and userfaultfd minor faults configured.
std::string format_vm_flags(std::uint64_t flags);

// A maps header line followed by the smaps fields, ending with the VmFlags line.
std::string format_smaps_entry(const MapsEntry& vma, const SmapsCounts& c);

// /proc/PID/smaps_rollup: header "start-end ---p 00000000 00:00 0 ... [rollup]" with
// start = first VMA's start and end = last VMA's end (both 0 for an empty mm), then
// __show_smap() in rollup mode (with Pss_Anon/File/Shmem, without THPeligible and
// VmFlags). Only the __show_smap() members of c are read.
std::string format_smaps_rollup(std::uint64_t first_start, std::uint64_t last_end,
                                const SmapsCounts& c);

}  // namespace vmlab::proc
