#include "obs/free_format.h"

#include <iterator>

#include <fmt/format.h>

namespace vmlab::obs {
namespace {

// procps free's print_head_col(): the row label padded to 9 columns.
void head_col(std::string& out, std::string_view label) {
  fmt::format_to(std::back_inserter(out), "{:<9}", label);
}

// procps free's scale_size() without -h: kibibytes as /proc/meminfo gives them,
// or (long)(bytes / 1024^2) for -m.
std::uint64_t scale(std::uint64_t kb, FreeOptions::Unit unit) {
  return unit == FreeOptions::Unit::mebi ? kb / 1024 : kb;
}

}  // namespace

std::string format_free(const proc::Meminfo& m, FreeOptions opt) {
  // procps library meminfo_read_failed(): the derived values.
  std::uint64_t available = m.mem_available;
  if (available == 0 || available > m.mem_total) available = m.mem_free;
  const std::uint64_t used = m.mem_total - available;
  const std::uint64_t cached_all = m.cached + m.sreclaimable;
  const std::uint64_t swap_used = m.swap_free < m.swap_total ? m.swap_total - m.swap_free : 0;

  std::string out;
  auto it = std::back_inserter(out);
  auto col = [&](std::uint64_t kb, bool first = false) {
    if (!first) out.push_back(' ');
    fmt::format_to(it, "{:>11}", scale(kb, opt.unit));
  };
  if (opt.wide)
    out += "               total        used        free      shared     buffers       cache   available\n";
  else
    out += "               total        used        free      shared  buff/cache   available\n";
  head_col(out, "Mem:");
  col(m.mem_total, true);
  col(used);
  col(m.mem_free);
  col(m.shmem);
  if (opt.wide) {
    col(m.buffers);
    col(cached_all);
  } else {
    col(m.buffers + cached_all);
  }
  col(available);
  out.push_back('\n');
  head_col(out, "Swap:");
  col(m.swap_total, true);
  col(swap_used);
  col(m.swap_free);
  out.push_back('\n');
  if (opt.total) {
    head_col(out, "Total:");
    col(m.mem_total + m.swap_total, true);
    col(used + swap_used);
    col(m.mem_free + m.swap_free);
    out.push_back('\n');
  }
  return out;
}

std::string format_sar_banner(std::string_view sysname, std::string_view release,
                              std::string_view nodename, std::string_view date,
                              std::string_view machine, unsigned ncpu) {
  return fmt::format("{} {} ({}) \t{} \t_{}_\t({} CPU)\n\n", sysname, release, nodename, date,
                     machine, ncpu);
}

std::string format_sar_r_header(std::string_view timestamp) {
  // print_hdr_line(): "%-11s" then " %9s" per column.
  std::string out = fmt::format("{:<11}", timestamp);
  for (std::string_view h : {"kbmemfree", "kbavail", "kbmemused", "%memused", "kbbuffers",
                             "kbcached", "kbcommit", "%commit", "kbactive", "kbinact",
                             "kbdirty"})
    fmt::format_to(std::back_inserter(out), " {:>9}", h);
  out.push_back('\n');
  return out;
}

std::string format_sar_r_line(std::string_view timestamp, const proc::Meminfo& m) {
  // print_ram_memory_stats(): cprintf_u64 " %9llu", cprintf_xpc " %9.2f".
  std::uint64_t nousedmem = m.mem_free + m.buffers + m.cached + m.slab;
  if (nousedmem > m.mem_total) nousedmem = m.mem_total;
  const double memused_pct =
      m.mem_total ? static_cast<double>(m.mem_total - nousedmem) / m.mem_total * 100 : 0.0;
  const std::uint64_t commit_base = m.mem_total + m.swap_total;
  const double commit_pct =
      commit_base ? static_cast<double>(m.committed_as) / commit_base * 100 : 0.0;
  return fmt::format("{:<11} {:>9} {:>9} {:>9} {:>9.2f} {:>9} {:>9} {:>9} {:>9.2f} {:>9} {:>9} {:>9}\n",
                     timestamp, m.mem_free, m.mem_available, m.mem_total - nousedmem,
                     memused_pct, m.buffers, m.cached, m.committed_as, commit_pct, m.active,
                     m.inactive, m.dirty);
}

}  // namespace vmlab::obs
