// What procps-ng 4's free(1) and sysstat 12's `sar -r` print, computed from a
// /proc/meminfo snapshot the way those tools compute it.
#pragma once

#include <string>
#include <string_view>

#include "fs/proc/meminfo_format.h"

namespace vmlab::obs {

struct FreeOptions {
  enum class Unit { kibi, mebi };  // default and -k; -m
  Unit unit = Unit::kibi;
  bool wide = false;   // -w: buffers and cache in two columns
  bool total = false;  // -t: a Total: line
};

// The output of `free` (procps-ng 4.0): header, Mem:, Swap: (and Total:). As
// procps's meminfo: available falls back to MemFree when 0 or above MemTotal,
// used = MemTotal - available, buff/cache = Buffers + Cached + SReclaimable,
// shared = Shmem.
std::string format_free(const proc::Meminfo& m, FreeOptions opt = {});

// sar's first line: "Linux 6.18.0 (host) \t11/22/26 \t_x86_64_\t(2 CPU)\n" then a
// blank line (print_gal_header(), C locale).
std::string format_sar_banner(std::string_view sysname, std::string_view release,
                              std::string_view nodename, std::string_view date,
                              std::string_view machine, unsigned ncpu);

// `sar -r` column header, timestamp first (print_hdr_line()).
std::string format_sar_r_header(std::string_view timestamp);

// One `sar -r` data line (print_ram_memory_stats()); pass "Average:" as timestamp
// for the summary line. kbmemused = MemTotal - (MemFree + Buffers + Cached + Slab)
// (not below 0), %memused of MemTotal, %commit = Committed_AS of MemTotal + SwapTotal.
std::string format_sar_r_line(std::string_view timestamp, const proc::Meminfo& m);

}  // namespace vmlab::obs
