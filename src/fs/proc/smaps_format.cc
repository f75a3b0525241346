#include "fs/proc/smaps_format.h"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "mm/vm_flags.h"

namespace vmlab::proc {
namespace {

// The mnemonic table of show_smap_vma_flags() for x86-64, indexed by bit. nullptr
// marks the bits Linux keeps empty (the protection-key bits), which print nothing.
constexpr std::array<const char*, 64> make_mnemonics() {
  std::array<const char*, 64> t{};
  for (auto& s : t) s = "??";  // "In case if we meet a flag we don't know about."
  t[0] = "rd";   // VM_READ
  t[1] = "wr";   // VM_WRITE
  t[2] = "ex";   // VM_EXEC
  t[3] = "sh";   // VM_SHARED
  t[4] = "mr";   // VM_MAYREAD
  t[5] = "mw";   // VM_MAYWRITE
  t[6] = "me";   // VM_MAYEXEC
  t[7] = "ms";   // VM_MAYSHARE
  t[8] = "gd";   // VM_GROWSDOWN
  t[9] = "um";   // VM_UFFD_MISSING
  t[10] = "pf";  // VM_PFNMAP
  t[12] = "uw";  // VM_UFFD_WP
  t[13] = "lo";  // VM_LOCKED
  t[14] = "io";  // VM_IO
  t[15] = "sr";  // VM_SEQ_READ
  t[16] = "rr";  // VM_RAND_READ
  t[17] = "dc";  // VM_DONTCOPY
  t[18] = "de";  // VM_DONTEXPAND
  t[19] = "lf";  // VM_LOCKONFAULT
  t[20] = "ac";  // VM_ACCOUNT
  t[21] = "nr";  // VM_NORESERVE
  t[22] = "ht";  // VM_HUGETLB
  t[23] = "sf";  // VM_SYNC
  t[24] = "ar";  // VM_ARCH_1 (VM_PAT on x86)
  t[25] = "wf";  // VM_WIPEONFORK
  t[26] = "dd";  // VM_DONTDUMP
  t[27] = "sd";  // VM_SOFTDIRTY (CONFIG_MEM_SOFT_DIRTY)
  t[28] = "mm";  // VM_MIXEDMAP
  t[29] = "hg";  // VM_HUGEPAGE
  t[30] = "nh";  // VM_NOHUGEPAGE
  t[31] = "mg";  // VM_MERGEABLE
  // VM_HIGH_ARCH_0..3 are x86's four protection-key bits: shown as ProtectionKey.
  t[32] = t[33] = t[34] = t[35] = nullptr;
  t[37] = "ss";  // VM_SHADOW_STACK = VM_HIGH_ARCH_5 (CONFIG_X86_USER_SHADOW_STACK)
  t[40] = "dp";  // VM_DROPPABLE
  t[41] = "ui";  // VM_UFFD_MINOR
  t[42] = "sl";  // VM_SEALED
  return t;
}

constexpr auto kMnemonics = make_mnemonics();

// The table's low bits must be the header's values.
static_assert(mm::VM_READ == 1u << 0 && mm::VM_MAYSHARE == 1u << 7);
static_assert(mm::VM_GROWSDOWN == 1u << 8 && mm::VM_PFNMAP == 1u << 10);
static_assert(mm::VM_UFFD_WP == 1u << 12 && mm::VM_LOCKED == 1u << 13);
static_assert(mm::VM_ACCOUNT == 1u << 20 && mm::VM_ARCH_1 == 1u << 24);
static_assert(mm::VM_SOFTDIRTY == 1u << 27 && mm::VM_MERGEABLE == 1ull << 31);

// SEQ_PUT_DEC in fs/proc/task_mmu.c: seq_put_decimal_ull_width(m, str, bytes >> 10, 8).
void put_kb(std::string& out, std::string_view label, std::uint64_t bytes,
            unsigned width = 8) {
  fmt::format_to(std::back_inserter(out), "{}{:>{}} kB\n", label, bytes >> 10, width);
}

// __show_smap(): the part common to smaps and smaps_rollup.
void show_smap_common(std::string& out, const SmapsCounts& c, bool rollup) {
  put_kb(out, "Rss:            ", c.rss);
  put_kb(out, "Pss:            ", c.pss_shifted >> kPssShift);
  put_kb(out, "Pss_Dirty:      ", c.pss_dirty_shifted >> kPssShift);
  if (rollup) {
    put_kb(out, "Pss_Anon:       ", c.pss_anon_shifted >> kPssShift);
    put_kb(out, "Pss_File:       ", c.pss_file_shifted >> kPssShift);
    put_kb(out, "Pss_Shmem:      ", c.pss_shmem_shifted >> kPssShift);
  }
  put_kb(out, "Shared_Clean:   ", c.shared_clean);
  put_kb(out, "Shared_Dirty:   ", c.shared_dirty);
  put_kb(out, "Private_Clean:  ", c.private_clean);
  put_kb(out, "Private_Dirty:  ", c.private_dirty);
  put_kb(out, "Referenced:     ", c.referenced);
  put_kb(out, "Anonymous:      ", c.anonymous);
  put_kb(out, "KSM:            ", c.ksm);
  put_kb(out, "LazyFree:       ", c.lazyfree);
  put_kb(out, "AnonHugePages:  ", c.anon_huge);
  put_kb(out, "ShmemPmdMapped: ", c.shmem_pmd_mapped);
  put_kb(out, "FilePmdMapped:  ", c.file_pmd_mapped);
  put_kb(out, "Shared_Hugetlb: ", c.shared_hugetlb);
  // The one label a column longer: Linux narrows its number to width 7.
  put_kb(out, "Private_Hugetlb: ", c.private_hugetlb, 7);
  put_kb(out, "Swap:           ", c.swap);
  put_kb(out, "SwapPss:        ", c.swap_pss_shifted >> kPssShift);
  put_kb(out, "Locked:         ", c.pss_locked_shifted >> kPssShift);
}

}  // namespace

std::string format_vm_flags(std::uint64_t flags) {
  std::string out;
  for (unsigned bit = 0; bit < 64; ++bit) {
    if (!(flags & (1ull << bit)) || kMnemonics[bit] == nullptr) continue;
    if (!out.empty()) out.push_back(' ');
    out += kMnemonics[bit];
  }
  return out;
}

std::string format_smaps_entry(const MapsEntry& vma, const SmapsCounts& c) {
  // as show_smap()
  std::string out = format_maps_line(vma);
  put_kb(out, "Size:           ", c.size);
  put_kb(out, "KernelPageSize: ", c.kernel_page_size);
  put_kb(out, "MMUPageSize:    ", c.mmu_page_size);
  show_smap_common(out, c, false);
  fmt::format_to(std::back_inserter(out), "THPeligible:    {:>8}\n", c.thp_eligible ? 1 : 0);
  if (c.protection_key)
    fmt::format_to(std::back_inserter(out), "ProtectionKey:  {:>8}\n", *c.protection_key);
  // show_smap_vma_flags(): every mnemonic is followed by a space.
  out += "VmFlags: ";
  if (!c.vm_flags.empty()) {
    out += c.vm_flags;
    out.push_back(' ');
  }
  out.push_back('\n');
  return out;
}

std::string format_smaps_rollup(std::uint64_t first_start, std::uint64_t last_end,
                                const SmapsCounts& c) {
  // as show_smaps_rollup(): a header with no flags, no file, then "[rollup]".
  std::string out = format_vma_header_prefix(first_start, last_end, false, false, false,
                                             false, 0, 0, 0, 0);
  append_padded_name(out, 0, "[rollup]");
  out.push_back('\n');
  show_smap_common(out, c, true);
  return out;
}

}  // namespace vmlab::proc
