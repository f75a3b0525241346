#include "fs/proc/meminfo_format.h"

#include <iterator>
#include <string_view>

#include <fmt/format.h>

namespace vmlab::proc {
namespace {

// show_val_kb(): a label padded to 16 columns, the value right-aligned in 8, " kB".
// Values wider than 8 digits push " kB" right (VmallocTotal).
void show_val_kb(std::string& out, std::string_view label, std::uint64_t kb) {
  fmt::format_to(std::back_inserter(out), "{:<16}{:>8} kB\n", label, kb);
}

}  // namespace

std::string format_meminfo(const Meminfo& m) {
  std::string out;
  auto it = std::back_inserter(out);
  // as meminfo_proc_show()
  show_val_kb(out, "MemTotal:", m.mem_total);
  show_val_kb(out, "MemFree:", m.mem_free);
  show_val_kb(out, "MemAvailable:", m.mem_available);
  show_val_kb(out, "Buffers:", m.buffers);
  show_val_kb(out, "Cached:", m.cached);
  show_val_kb(out, "SwapCached:", m.swap_cached);
  show_val_kb(out, "Active:", m.active);
  show_val_kb(out, "Inactive:", m.inactive);
  show_val_kb(out, "Active(anon):", m.active_anon);
  show_val_kb(out, "Inactive(anon):", m.inactive_anon);
  show_val_kb(out, "Active(file):", m.active_file);
  show_val_kb(out, "Inactive(file):", m.inactive_file);
  show_val_kb(out, "Unevictable:", m.unevictable);
  show_val_kb(out, "Mlocked:", m.mlocked);
  show_val_kb(out, "SwapTotal:", m.swap_total);
  show_val_kb(out, "SwapFree:", m.swap_free);
  if (m.show_zswap) {
    show_val_kb(out, "Zswap:", m.zswap);
    show_val_kb(out, "Zswapped:", m.zswapped);
  }
  show_val_kb(out, "Dirty:", m.dirty);
  show_val_kb(out, "Writeback:", m.writeback);
  show_val_kb(out, "AnonPages:", m.anon_pages);
  show_val_kb(out, "Mapped:", m.mapped);
  show_val_kb(out, "Shmem:", m.shmem);
  show_val_kb(out, "KReclaimable:", m.kreclaimable);
  show_val_kb(out, "Slab:", m.slab);
  show_val_kb(out, "SReclaimable:", m.sreclaimable);
  show_val_kb(out, "SUnreclaim:", m.sunreclaim);
  show_val_kb(out, "KernelStack:", m.kernel_stack);
  show_val_kb(out, "PageTables:", m.page_tables);
  show_val_kb(out, "SecPageTables:", m.sec_page_tables);
  show_val_kb(out, "NFS_Unstable:", m.nfs_unstable);
  show_val_kb(out, "Bounce:", m.bounce);
  show_val_kb(out, "WritebackTmp:", m.writeback_tmp);
  show_val_kb(out, "CommitLimit:", m.commit_limit);
  show_val_kb(out, "Committed_AS:", m.committed_as);
  show_val_kb(out, "VmallocTotal:", m.vmalloc_total);
  show_val_kb(out, "VmallocUsed:", m.vmalloc_used);
  show_val_kb(out, "VmallocChunk:", m.vmalloc_chunk);
  show_val_kb(out, "Percpu:", m.percpu);
  if (m.show_hardware_corrupted)  // its own seq_printf: "%5lu" after a longer label
    fmt::format_to(it, "HardwareCorrupted: {:>5} kB\n", m.hardware_corrupted);
  if (m.show_thp) {
    show_val_kb(out, "AnonHugePages:", m.anon_huge_pages);
    show_val_kb(out, "ShmemHugePages:", m.shmem_huge_pages);
    show_val_kb(out, "ShmemPmdMapped:", m.shmem_pmd_mapped);
    show_val_kb(out, "FileHugePages:", m.file_huge_pages);
    show_val_kb(out, "FilePmdMapped:", m.file_pmd_mapped);
  }
  if (m.show_cma) {
    show_val_kb(out, "CmaTotal:", m.cma_total);
    show_val_kb(out, "CmaFree:", m.cma_free);
  }
  if (m.show_unaccepted) show_val_kb(out, "Unaccepted:", m.unaccepted);
  if (m.show_balloon) show_val_kb(out, "Balloon:", m.balloon);
  if (m.show_hugetlb) {
    // hugetlb_report_meminfo()
    fmt::format_to(it, "HugePages_Total:   {:>5}\n", m.hugepages_total);
    fmt::format_to(it, "HugePages_Free:    {:>5}\n", m.hugepages_free);
    fmt::format_to(it, "HugePages_Rsvd:    {:>5}\n", m.hugepages_rsvd);
    fmt::format_to(it, "HugePages_Surp:    {:>5}\n", m.hugepages_surp);
    fmt::format_to(it, "Hugepagesize:   {:>8} kB\n", m.hugepagesize);
    fmt::format_to(it, "Hugetlb:        {:>8} kB\n", m.hugetlb);
  }
  // arch_report_meminfo() on x86-64
  if (m.show_direct_map) {
    fmt::format_to(it, "DirectMap4k:    {:>8} kB\n", m.direct_map_4k);
    fmt::format_to(it, "DirectMap2M:    {:>8} kB\n", m.direct_map_2m);
    if (m.show_direct_map_1g) fmt::format_to(it, "DirectMap1G:    {:>8} kB\n", m.direct_map_1g);
  }
  return out;
}

}  // namespace vmlab::proc
