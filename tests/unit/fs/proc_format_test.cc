// The /proc renderers against text captured from a Linux 6.18 x86-64 host.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fs/proc/maps_format.h"
#include "fs/proc/meminfo_format.h"
#include "fs/proc/smaps_format.h"
#include "fs/proc/stat_format.h"
#include "fs/proc/status_format.h"
#include "fs/proc/vmstat_format.h"
#include "mm/vm_flags.h"

namespace vmlab::proc {
namespace {

MapsEntry file_vma(std::uint64_t start, std::uint64_t end, const char* perms,
                   std::uint64_t offset, std::uint32_t maj, std::uint32_t min,
                   std::uint64_t ino, std::string name) {
  MapsEntry e;
  e.start = start;
  e.end = end;
  e.read = perms[0] == 'r';
  e.write = perms[1] == 'w';
  e.exec = perms[2] == 'x';
  e.shared = perms[3] == 's';
  e.offset = offset;
  e.dev_major = maj;
  e.dev_minor = min;
  e.inode = ino;
  e.name = std::move(name);
  return e;
}

// ---- maps -------------------------------------------------------------------------

TEST(MapsFormat, FileMappingsMatchHost) {
  EXPECT_EQ(format_maps_line(file_vma(0x56451658c000, 0x56451658e000, "r--p", 0, 0xfe, 0,
                                      247134, "/usr/bin/cat")),
            "56451658c000-56451658e000 r--p 00000000 fe:00 247134                     "
            "/usr/bin/cat\n");
  EXPECT_EQ(format_maps_line(file_vma(0x7fe3342f6000, 0x7fe3342f8000, "rw-p", 0x1d3000, 0xfe,
                                      0, 332835, "/usr/lib/x86_64-linux-gnu/libc.so.6")),
            "7fe3342f6000-7fe3342f8000 rw-p 001d3000 fe:00 332835                     "
            "/usr/lib/x86_64-linux-gnu/libc.so.6\n");
  EXPECT_EQ(format_maps_line(file_vma(0x7fe334308000, 0x7fe33430f000, "r--s", 0, 0xfe, 0,
                                      332280,
                                      "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache")),
            "7fe334308000-7fe33430f000 r--s 00000000 fe:00 332280                     "
            "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache\n");
}

TEST(MapsFormat, SpecialAndAnonymousMatchHost) {
  EXPECT_EQ(format_maps_line(file_vma(0x564533354000, 0x564533375000, "rw-p", 0, 0, 0, 0,
                                      "[heap]")),
            "564533354000-564533375000 rw-p 00000000 00:00 0                          [heap]\n");
  // Unnamed anonymous memory keeps the space after the inode and nothing else.
  EXPECT_EQ(format_maps_line(file_vma(0x7fe3340a0000, 0x7fe3340c2000, "rw-p", 0, 0, 0, 0, "")),
            "7fe3340a0000-7fe3340c2000 rw-p 00000000 00:00 0 \n");
  EXPECT_EQ(format_maps_line(file_vma(0xffffffffff600000, 0xffffffffff601000, "--xp", 0, 0, 0,
                                      0, "[vsyscall]")),
            "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  "
            "[vsyscall]\n");
}

TEST(MapsFormat, NameAlwaysAtColumn73WhenThePrefixIsShort) {
  const std::string line = format_maps_line(
      file_vma(0x400000, 0x452000, "r-xp", 0, 8, 2, 173521, "/usr/bin/dbus-daemon"));
  EXPECT_EQ(line,
            "00400000-00452000 r-xp 00000000 08:02 173521"
            "                             /usr/bin/dbus-daemon\n");
  EXPECT_EQ(line.find('/'), kMapsNameColumn);
}

TEST(MapsFormat, LongPrefixGetsOneExtraSpaceAndNewlinesAreEscaped) {
  // 16+1+16+1+4+1+10+1+3+1+4+1+20+1 = 80 columns before the name: seq_pad only adds ' '.
  const std::string line =
      format_maps_line(file_vma(0xffffffffff600000, 0xffffffffff601000, "rwxs", 0x123456789a,
                                0x103, 0x1ffff, 18446744073709551615ull, "/a\nb"));
  EXPECT_EQ(line,
            "ffffffffff600000-ffffffffff601000 rwxs 123456789a 103:1ffff "
            "18446744073709551615  /a\\012b\n");
}

// ---- smaps ------------------------------------------------------------------------

TEST(SmapsFormat, VmFlagsMnemonics) {
  using namespace vmlab::mm;
  EXPECT_EQ(format_vm_flags(VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
                            VM_GROWSDOWN | VM_ACCOUNT),
            "rd wr mr mw me gd ac");  // the host's [stack]
  EXPECT_EQ(format_vm_flags(VM_READ | VM_MAYREAD | VM_PFNMAP | VM_IO | VM_DONTEXPAND |
                            VM_DONTDUMP),
            "rd mr pf io de dd");  // the host's [vvar]
  EXPECT_EQ(format_vm_flags(VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
                            VM_DONTEXPAND),
            "rd ex mr mw me de");  // the host's [vdso]
  EXPECT_EQ(format_vm_flags(VM_SHARED | VM_MAYSHARE | VM_LOCKED | VM_HUGEPAGE | VM_MERGEABLE),
            "sh ms lo hg mg");
  EXPECT_EQ(format_vm_flags(0), "");
  EXPECT_EQ(format_vm_flags(1ull << 11), "??");  // no name in 6.18
  EXPECT_EQ(format_vm_flags(VM_READ | (1ull << 32) | (1ull << 35)), "rd");  // pkey bits
  EXPECT_EQ(format_vm_flags((1ull << 37) | (1ull << 40) | (1ull << 41) | (1ull << 42)),
            "ss dp ui sl");
  EXPECT_EQ(format_vm_flags(1ull << 63), "??");
}

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t shifted(std::uint64_t bytes) { return bytes << kPssShift; }

TEST(SmapsFormat, FileEntryMatchesHost) {
  MapsEntry vma = file_vma(0x55c8295f6000, 0x55c8295f8000, "r--p", 0, 0xfe, 0, 247134,
                           "/usr/bin/cat");
  SmapsCounts c;
  c.size = 8 * kKiB;
  c.rss = 8 * kKiB;
  c.pss_shifted = shifted(8 * kKiB);
  c.private_clean = 8 * kKiB;
  c.referenced = 8 * kKiB;
  c.vm_flags = format_vm_flags(mm::VM_READ | mm::VM_MAYREAD | mm::VM_MAYWRITE | mm::VM_MAYEXEC);
  EXPECT_EQ(format_smaps_entry(vma, c),
            "55c8295f6000-55c8295f8000 r--p 00000000 fe:00 247134                     "
            "/usr/bin/cat\n"
            "Size:                  8 kB\n"
            "KernelPageSize:        4 kB\n"
            "MMUPageSize:           4 kB\n"
            "Rss:                   8 kB\n"
            "Pss:                   8 kB\n"
            "Pss_Dirty:             0 kB\n"
            "Shared_Clean:          0 kB\n"
            "Shared_Dirty:          0 kB\n"
            "Private_Clean:         8 kB\n"
            "Private_Dirty:         0 kB\n"
            "Referenced:            8 kB\n"
            "Anonymous:             0 kB\n"
            "KSM:                   0 kB\n"
            "LazyFree:              0 kB\n"
            "AnonHugePages:         0 kB\n"
            "ShmemPmdMapped:        0 kB\n"
            "FilePmdMapped:         0 kB\n"
            "Shared_Hugetlb:        0 kB\n"
            "Private_Hugetlb:       0 kB\n"
            "Swap:                  0 kB\n"
            "SwapPss:               0 kB\n"
            "Locked:                0 kB\n"
            "THPeligible:           0\n"
            "VmFlags: rd mr mw me \n");
}

TEST(SmapsFormat, SharedLibraryAndStackMatchHost) {
  MapsEntry libc = file_vma(0x7f74d2007000, 0x7f74d215d000, "r-xp", 0x26000, 0xfe, 0, 332835,
                            "/usr/lib/x86_64-linux-gnu/libc.so.6");
  SmapsCounts c;
  c.size = 1368 * kKiB;
  c.rss = 868 * kKiB;
  // 3 private pages plus a share of 214 pages mapped by several processes.
  c.pss_shifted = shifted(12 * kKiB) + 108 * (shifted(4096) / 5) + 106 * (shifted(4096) / 6);
  c.shared_clean = 856 * kKiB;
  c.private_clean = 12 * kKiB;
  c.referenced = 868 * kKiB;
  c.vm_flags = "rd ex mr mw me";
  const std::string text = format_smaps_entry(libc, c);
  EXPECT_NE(text.find("Pss:                 169 kB\n"), std::string::npos) << text;
  EXPECT_EQ(text.substr(0, text.find("Pss:")),
            "7f74d2007000-7f74d215d000 r-xp 00026000 fe:00 332835                     "
            "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
            "Size:               1368 kB\n"
            "KernelPageSize:        4 kB\n"
            "MMUPageSize:           4 kB\n"
            "Rss:                 868 kB\n");

  MapsEntry stack = file_vma(0x7fff84364000, 0x7fff84385000, "rw-p", 0, 0, 0, 0, "[stack]");
  SmapsCounts s;
  s.size = 132 * kKiB;
  s.rss = s.private_dirty = s.referenced = s.anonymous = 16 * kKiB;
  s.pss_shifted = s.pss_dirty_shifted = shifted(16 * kKiB);
  s.vm_flags = "rd wr mr mw me gd ac";
  EXPECT_EQ(format_smaps_entry(stack, s),
            "7fff84364000-7fff84385000 rw-p 00000000 00:00 0                          [stack]\n"
            "Size:                132 kB\n"
            "KernelPageSize:        4 kB\n"
            "MMUPageSize:           4 kB\n"
            "Rss:                  16 kB\n"
            "Pss:                  16 kB\n"
            "Pss_Dirty:            16 kB\n"
            "Shared_Clean:          0 kB\n"
            "Shared_Dirty:          0 kB\n"
            "Private_Clean:         0 kB\n"
            "Private_Dirty:        16 kB\n"
            "Referenced:           16 kB\n"
            "Anonymous:            16 kB\n"
            "KSM:                   0 kB\n"
            "LazyFree:              0 kB\n"
            "AnonHugePages:         0 kB\n"
            "ShmemPmdMapped:        0 kB\n"
            "FilePmdMapped:         0 kB\n"
            "Shared_Hugetlb:        0 kB\n"
            "Private_Hugetlb:       0 kB\n"
            "Swap:                  0 kB\n"
            "SwapPss:               0 kB\n"
            "Locked:                0 kB\n"
            "THPeligible:           0\n"
            "VmFlags: rd wr mr mw me gd ac \n");
}

TEST(SmapsFormat, PssIsTruncatedLikeLinux) {
  SmapsCounts c;
  // One page mapped three times: (4096 << 12) / 3 = 5592405, >> 12 = 1365 B, >> 10 = 1 kB.
  c.pss_shifted = shifted(4096) / 3;
  c.swap_pss_shifted = 2 * (shifted(4096) / 3);  // 2730 B -> 2 kB
  c.pss_locked_shifted = shifted(4096) / 3 * 3;  // 4095.99.. B -> 3 kB
  c.thp_eligible = true;
  c.protection_key = 0;
  c.private_hugetlb = 123456789 * kKiB;  // wider than Linux's width 7
  const std::string text = format_smaps_entry(MapsEntry{}, c);
  EXPECT_NE(text.find("\nPss:                   1 kB\n"), std::string::npos);
  EXPECT_NE(text.find("\nSwapPss:               2 kB\n"), std::string::npos);
  EXPECT_NE(text.find("\nLocked:                3 kB\n"), std::string::npos);
  EXPECT_NE(text.find("\nPrivate_Hugetlb: 123456789 kB\n"), std::string::npos);
  EXPECT_NE(text.find("\nTHPeligible:           1\nProtectionKey:         0\nVmFlags: \n"),
            std::string::npos);
  EXPECT_EQ(text.substr(0, 27), "00000000-00000000 ---p 0000");
}

TEST(SmapsFormat, RollupMatchesHost) {
  SmapsCounts c;
  c.rss = 1776 * kKiB;
  c.pss_shifted = shifted(469 * kKiB) + 77;
  c.pss_dirty_shifted = shifted(112 * kKiB);
  c.pss_anon_shifted = shifted(112 * kKiB);
  c.pss_file_shifted = shifted(357 * kKiB) + 77;
  c.shared_clean = 1592 * kKiB;
  c.private_clean = 72 * kKiB;
  c.private_dirty = 112 * kKiB;
  c.referenced = 1776 * kKiB;
  c.anonymous = 112 * kKiB;
  c.vm_flags = "rd";  // not printed in the rollup
  EXPECT_EQ(format_smaps_rollup(0x555b1753e000, 0x7ffed75b7000, c),
            "555b1753e000-7ffed75b7000 ---p 00000000 00:00 0                          [rollup]\n"
            "Rss:                1776 kB\n"
            "Pss:                 469 kB\n"
            "Pss_Dirty:           112 kB\n"
            "Pss_Anon:            112 kB\n"
            "Pss_File:            357 kB\n"
            "Pss_Shmem:             0 kB\n"
            "Shared_Clean:       1592 kB\n"
            "Shared_Dirty:          0 kB\n"
            "Private_Clean:        72 kB\n"
            "Private_Dirty:       112 kB\n"
            "Referenced:         1776 kB\n"
            "Anonymous:           112 kB\n"
            "KSM:                   0 kB\n"
            "LazyFree:              0 kB\n"
            "AnonHugePages:         0 kB\n"
            "ShmemPmdMapped:        0 kB\n"
            "FilePmdMapped:         0 kB\n"
            "Shared_Hugetlb:        0 kB\n"
            "Private_Hugetlb:       0 kB\n"
            "Swap:                  0 kB\n"
            "SwapPss:               0 kB\n"
            "Locked:                0 kB\n");
}

// ---- status -----------------------------------------------------------------------

const char* const kHostMems =
    "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
    "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
    "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,"
    "00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001";

TEST(StatusFormat, UserProcessMatchesHost) {
  StatusInfo s;
  s.name = "cat";
  s.state = 'R';
  s.tgid = s.pid = 3772;
  s.ppid = 3767;
  s.fd_size = 256;
  s.pgid = 3767;
  s.sid = 2671;
  s.vm_peak = s.vm_size = 3060;
  s.vm_hwm = s.vm_rss = 1620;
  s.rss_anon = 116;
  s.rss_file = 1504;
  s.vm_data = 360;
  s.vm_stk = 132;
  s.vm_exe = 20;
  s.vm_lib = 1528;
  s.vm_pte = 40;
  const std::string expected = std::string(
      "Name:\tcat\n"
      "Umask:\t0022\n"
      "State:\tR (running)\n"
      "Tgid:\t3772\n"
      "Ngid:\t0\n"
      "Pid:\t3772\n"
      "PPid:\t3767\n"
      "TracerPid:\t0\n"
      "Uid:\t0\t0\t0\t0\n"
      "Gid:\t0\t0\t0\t0\n"
      "FDSize:\t256\n"
      "Groups:\t \n"
      "NStgid:\t3772\n"
      "NSpid:\t3772\n"
      "NSpgid:\t3767\n"
      "NSsid:\t2671\n"
      "Kthread:\t0\n"
      "VmPeak:\t    3060 kB\n"
      "VmSize:\t    3060 kB\n"
      "VmLck:\t       0 kB\n"
      "VmPin:\t       0 kB\n"
      "VmHWM:\t    1620 kB\n"
      "VmRSS:\t    1620 kB\n"
      "RssAnon:\t     116 kB\n"
      "RssFile:\t    1504 kB\n"
      "RssShmem:\t       0 kB\n"
      "VmData:\t     360 kB\n"
      "VmStk:\t     132 kB\n"
      "VmExe:\t      20 kB\n"
      "VmLib:\t    1528 kB\n"
      "VmPTE:\t      40 kB\n"
      "VmSwap:\t       0 kB\n"
      "HugetlbPages:\t       0 kB\n"
      "CoreDumping:\t0\n"
      "THP_enabled:\t1\n"
      "untag_mask:\t0xffffffffffffffff\n"
      "Threads:\t1\n"
      "SigQ:\t0/96365\n"
      "SigPnd:\t0000000000000000\n"
      "ShdPnd:\t0000000000000000\n"
      "SigBlk:\t0000000000000000\n"
      "SigIgn:\t0000000000000000\n"
      "SigCgt:\t0000000000000000\n"
      "CapInh:\t0000000000000000\n"
      "CapPrm:\t000001fffeffffff\n"
      "CapEff:\t000001fffeffffff\n"
      "CapBnd:\t000001fffeffffff\n"
      "CapAmb:\t0000000000000000\n"
      "NoNewPrivs:\t0\n"
      "Seccomp:\t0\n"
      "Seccomp_filters:\t0\n"
      "Speculation_Store_Bypass:\tvulnerable\n"
      "SpeculationIndirectBranch:\talways enabled\n"
      "Cpus_allowed:\t3\n"
      "Cpus_allowed_list:\t0-1\n"
      "Mems_allowed:\t") + kHostMems + "\n"
      "Mems_allowed_list:\t0\n"
      "voluntary_ctxt_switches:\t0\n"
      "nonvoluntary_ctxt_switches:\t0\n";
  EXPECT_EQ(format_status(s), expected);
}

TEST(StatusFormat, KernelThreadMatchesHost) {
  StatusInfo s;
  s.name = "kthreadd";
  s.state = 'S';
  s.tgid = s.pid = 2;
  s.ppid = 0;
  s.pgid = s.sid = 0;
  s.kthread = true;
  s.has_mm = false;
  s.sig_ign = ~0ull;
  s.cap_prm = s.cap_eff = s.cap_bnd = 0x000001ffffffffffULL;
  s.voluntary_ctxt_switches = 59;
  const std::string expected = std::string(
      "Name:\tkthreadd\n"
      "Umask:\t0022\n"
      "State:\tS (sleeping)\n"
      "Tgid:\t2\n"
      "Ngid:\t0\n"
      "Pid:\t2\n"
      "PPid:\t0\n"
      "TracerPid:\t0\n"
      "Uid:\t0\t0\t0\t0\n"
      "Gid:\t0\t0\t0\t0\n"
      "FDSize:\t64\n"
      "Groups:\t \n"
      "NStgid:\t2\n"
      "NSpid:\t2\n"
      "NSpgid:\t0\n"
      "NSsid:\t0\n"
      "Kthread:\t1\n"
      "Threads:\t1\n"
      "SigQ:\t0/96365\n"
      "SigPnd:\t0000000000000000\n"
      "ShdPnd:\t0000000000000000\n"
      "SigBlk:\t0000000000000000\n"
      "SigIgn:\tffffffffffffffff\n"
      "SigCgt:\t0000000000000000\n"
      "CapInh:\t0000000000000000\n"
      "CapPrm:\t000001ffffffffff\n"
      "CapEff:\t000001ffffffffff\n"
      "CapBnd:\t000001ffffffffff\n"
      "CapAmb:\t0000000000000000\n"
      "NoNewPrivs:\t0\n"
      "Seccomp:\t0\n"
      "Seccomp_filters:\t0\n"
      "Speculation_Store_Bypass:\tvulnerable\n"
      "SpeculationIndirectBranch:\talways enabled\n"
      "Cpus_allowed:\t3\n"
      "Cpus_allowed_list:\t0-1\n"
      "Mems_allowed:\t") + kHostMems + "\n"
      "Mems_allowed_list:\t0\n"
      "voluntary_ctxt_switches:\t59\n"
      "nonvoluntary_ctxt_switches:\t0\n";
  EXPECT_EQ(format_status(s), expected);
}

TEST(StatusFormat, DetailsOfNameGroupsUmaskAndBitmaps) {
  StatusInfo s;
  s.name = "a\\b\nc";
  s.umask = 0;
  s.groups = {4, 24, 1000};
  s.state = 'Z';
  const std::string text = format_status(s);
  EXPECT_EQ(text.substr(0, text.find("State")), "Name:\ta\\\\b\\nc\nUmask:\t0000\n");
  EXPECT_NE(text.find("State:\tZ (zombie)\n"), std::string::npos);
  EXPECT_NE(text.find("Groups:\t4 24 1000 \n"), std::string::npos);
  EXPECT_EQ(task_state_name('I'), "I (idle)");
  EXPECT_EQ(task_state_name('t'), "t (tracing stop)");

  EXPECT_EQ(format_bitmap_mask({0xff}, 8), "ff");
  EXPECT_EQ(format_bitmap_mask({0x1}, 1), "1");
  EXPECT_EQ(format_bitmap_mask({0x3}, 4), "3");
  EXPECT_EQ(format_bitmap_mask({~0ull}, 64), "ffffffff,ffffffff");
  EXPECT_EQ(format_bitmap_mask({~0ull, 0x3}, 66), "3,ffffffff,ffffffff");
  EXPECT_EQ(format_bitmap_mask({0x1}, 36), "0,00000001");
  EXPECT_EQ(format_bitmap_list({0b111101}, 8), "0,2-5");
  EXPECT_EQ(format_bitmap_list({0}, 8), "");
  EXPECT_EQ(format_bitmap_list({1ull << 63, 1}, 65), "63-64");
}

// ---- stat, statm ------------------------------------------------------------------

TEST(StatFormat, UserProcessMatchesHost) {
  StatInfo s;
  s.pid = 4168;
  s.comm = "cat";
  s.state = 'R';
  s.ppid = 4166;
  s.pgrp = 4166;
  s.session = 2671;
  s.minflt = 101;
  s.majflt = 1;
  s.starttime = 46926;
  s.vsize = 3133440;
  s.rss = 372;
  s.start_code = 94206243840000ull;
  s.end_code = 94206243859881ull;
  s.start_stack = 140721148490432ull;
  s.processor = 1;
  s.start_data = 94206243875888ull;
  s.end_data = 94206243877504ull;
  s.start_brk = 94206405345280ull;
  s.arg_start = 140721148496522ull;
  s.arg_end = s.env_start = 140721148496542ull;
  s.env_end = 140721148497899ull;
  EXPECT_EQ(format_stat(s),
            "4168 (cat) R 4166 4166 2671 0 -1 4194304 101 0 1 0 0 0 0 0 20 0 1 0 46926 "
            "3133440 372 18446744073709551615 94206243840000 94206243859881 "
            "140721148490432 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94206243875888 "
            "94206243877504 94206405345280 140721148496522 140721148496542 "
            "140721148496542 140721148497899 0\n");
}

TEST(StatFormat, KernelThreadMatchesHost) {
  StatInfo s;
  s.pid = 2;
  s.comm = "kthreadd";
  s.state = 'S';
  s.flags = 2129984;
  s.starttime = 25;
  s.sigignore = ~0ull;  // only the low 31 bits are shown
  s.wchan = 1;
  s.processor = 1;
  EXPECT_EQ(format_stat(s),
            "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 25 0 0 "
            "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 17 1 0 0 0 0 0 0 0 0 0 0 "
            "0 0 0\n");
}

TEST(StatFormat, NegativeFieldsAndStatm) {
  StatInfo s;
  s.comm = "a b) c";
  s.priority = -51;  // SCHED_FIFO rt_priority 50
  s.nice = -5;
  s.exit_code = -1;
  const std::string text = format_stat(s);
  EXPECT_EQ(text.substr(0, 14), "1 (a b) c) R 0");
  EXPECT_NE(text.find(" -51 -5 1 0 "), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 4), " -1\n");

  EXPECT_EQ(format_statm({765, 439, 411, 5, 0, 123, 0}), "765 439 411 5 0 123 0\n");
}

// ---- meminfo ----------------------------------------------------------------------

TEST(MeminfoFormat, MatchesHost) {
  Meminfo m;
  m.mem_total = 24684092;
  m.mem_free = 24537728;
  m.mem_available = 24445004;
  m.buffers = 576;
  m.cached = 14996;
  m.active = 7164;
  m.inactive = 5888;
  m.active_anon = 1528;
  m.inactive_anon = 4812;
  m.active_file = 5636;
  m.inactive_file = 1076;
  m.unevictable = 13252;
  m.mlocked = 12180;
  m.dirty = 68;
  m.anon_pages = 10852;
  m.mapped = 10624;
  m.shmem = 8856;
  m.kreclaimable = 50832;
  m.slab = 72204;
  m.sreclaimable = 50832;
  m.sunreclaim = 21372;
  m.kernel_stack = 1352;
  m.page_tables = 1184;
  m.commit_limit = 12342044;
  m.committed_as = 55960;
  m.vmalloc_used = 14108;
  m.percpu = 688;
  m.direct_map_4k = 26624;
  m.direct_map_2m = 2070528;
  m.direct_map_1g = 25165824;
  m.show_direct_map_1g = true;
  EXPECT_EQ(format_meminfo(m),
            "MemTotal:       24684092 kB\n"
            "MemFree:        24537728 kB\n"
            "MemAvailable:   24445004 kB\n"
            "Buffers:             576 kB\n"
            "Cached:            14996 kB\n"
            "SwapCached:            0 kB\n"
            "Active:             7164 kB\n"
            "Inactive:           5888 kB\n"
            "Active(anon):       1528 kB\n"
            "Inactive(anon):     4812 kB\n"
            "Active(file):       5636 kB\n"
            "Inactive(file):     1076 kB\n"
            "Unevictable:       13252 kB\n"
            "Mlocked:           12180 kB\n"
            "SwapTotal:             0 kB\n"
            "SwapFree:              0 kB\n"
            "Zswap:                 0 kB\n"
            "Zswapped:              0 kB\n"
            "Dirty:                68 kB\n"
            "Writeback:             0 kB\n"
            "AnonPages:         10852 kB\n"
            "Mapped:            10624 kB\n"
            "Shmem:              8856 kB\n"
            "KReclaimable:      50832 kB\n"
            "Slab:              72204 kB\n"
            "SReclaimable:      50832 kB\n"
            "SUnreclaim:        21372 kB\n"
            "KernelStack:        1352 kB\n"
            "PageTables:         1184 kB\n"
            "SecPageTables:         0 kB\n"
            "NFS_Unstable:          0 kB\n"
            "Bounce:                0 kB\n"
            "WritebackTmp:          0 kB\n"
            "CommitLimit:    12342044 kB\n"
            "Committed_AS:      55960 kB\n"
            "VmallocTotal:   34359738367 kB\n"
            "VmallocUsed:       14108 kB\n"
            "VmallocChunk:          0 kB\n"
            "Percpu:              688 kB\n"
            "AnonHugePages:         0 kB\n"
            "ShmemHugePages:        0 kB\n"
            "ShmemPmdMapped:        0 kB\n"
            "FileHugePages:         0 kB\n"
            "FilePmdMapped:         0 kB\n"
            "Balloon:               0 kB\n"
            "HugePages_Total:       0\n"
            "HugePages_Free:        0\n"
            "HugePages_Rsvd:        0\n"
            "HugePages_Surp:        0\n"
            "Hugepagesize:       2048 kB\n"
            "Hugetlb:               0 kB\n"
            "DirectMap4k:       26624 kB\n"
            "DirectMap2M:     2070528 kB\n"
            "DirectMap1G:    25165824 kB\n");
}

TEST(MeminfoFormat, ConfigurationSwitches) {
  Meminfo m;
  m.show_direct_map_1g = false;
  m.show_balloon = false;
  m.show_cma = true;
  m.cma_total = 16384;
  m.show_hardware_corrupted = true;
  m.hardware_corrupted = 12;
  m.hugepages_total = 100000;  // wider than %5lu
  const std::string text = format_meminfo(m);
  EXPECT_EQ(text.find("DirectMap1G"), std::string::npos);
  EXPECT_EQ(text.find("Balloon"), std::string::npos);
  EXPECT_NE(text.find("Percpu:                0 kB\nHardwareCorrupted:    12 kB\nAnonHugePages:"),
            std::string::npos);
  EXPECT_NE(text.find("FilePmdMapped:         0 kB\nCmaTotal:          16384 kB\n"
                      "CmaFree:               0 kB\nHugePages_Total:   100000\n"),
            std::string::npos);
}

// ---- vmstat -----------------------------------------------------------------------

TEST(VmstatFormat, NamesInHostOrder) {
  const auto names = vmstat_counter_names();
  ASSERT_EQ(names.size(), 192u);
  EXPECT_EQ(names.front(), "nr_free_pages");
  EXPECT_EQ(names[1], "nr_free_pages_blocks");
  EXPECT_EQ(names.back(), "nr_unstable");
  const auto pgfault = vmstat_index("pgfault");
  const auto pgmajfault = vmstat_index("pgmajfault");
  ASSERT_TRUE(pgfault && pgmajfault);
  EXPECT_EQ(*pgmajfault, *pgfault + 1);
  EXPECT_LT(*vmstat_index("pgpgin"), *vmstat_index("pswpin"));
  EXPECT_LT(*vmstat_index("thp_fault_alloc"), *vmstat_index("oom_kill") + 100);
  EXPECT_FALSE(vmstat_index("no_such_counter"));
}

TEST(VmstatFormat, Lines) {
  const VmstatEntry entries[] = {{"pgfault", 1144680}, {"pgmajfault", 1206}, {"pgreuse", 0}};
  EXPECT_EQ(format_vmstat(std::span<const VmstatEntry>(entries)),
            "pgfault 1144680\npgmajfault 1206\npgreuse 0\n");

  std::vector<std::uint64_t> values(vmstat_counter_names().size(), 0);
  values[0] = 1067859;
  values[*vmstat_index("pgfault")] = 42;
  const std::string text = format_vmstat(std::span<const std::uint64_t>(values));
  EXPECT_EQ(text.substr(0, 47), "nr_free_pages 1067859\nnr_free_pages_blocks 0\nnr");
  EXPECT_NE(text.find("\npgfault 42\npgmajfault 0\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 15), "\nnr_unstable 0\n");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 192);
}

}  // namespace
}  // namespace vmlab::proc
