// free(1) and sar -r renderings against output captured on the Linux 6.18 host
// (procps-ng 4.0.2, sysstat 12.6.1, C locale).
#include <gtest/gtest.h>

#include "obs/free_format.h"

namespace vmlab::obs {
namespace {

// /proc/meminfo read just before and after the host's free commands (unchanged).
proc::Meminfo host_meminfo() {
  proc::Meminfo m;
  m.mem_total = 24684092;
  m.mem_free = 24414724;
  m.mem_available = 24386680;
  m.buffers = 1428;
  m.cached = 140160;
  m.shmem = 8856;
  m.sreclaimable = 54176;
  return m;
}

TEST(FreeFormat, DefaultMatchesHost) {
  EXPECT_EQ(format_free(host_meminfo()),
            "               total        used        free      shared  buff/cache   available\n"
            "Mem:        24684092      297412    24414724        8856      195764    24386680\n"
            "Swap:              0           0           0\n");
  FreeOptions k;
  k.unit = FreeOptions::Unit::kibi;
  EXPECT_EQ(format_free(host_meminfo(), k), format_free(host_meminfo()));
}

TEST(FreeFormat, WideMebiAndTotalMatchHost) {
  FreeOptions w;
  w.wide = true;
  EXPECT_EQ(format_free(host_meminfo(), w),
            "               total        used        free      shared     buffers       cache   available\n"
            "Mem:        24684092      297412    24414724        8856        1428      194336    24386680\n"
            "Swap:              0           0           0\n");
  FreeOptions mb;
  mb.unit = FreeOptions::Unit::mebi;
  EXPECT_EQ(format_free(host_meminfo(), mb),
            "               total        used        free      shared  buff/cache   available\n"
            "Mem:           24105         290       23842           8         191       23815\n"
            "Swap:              0           0           0\n");
  FreeOptions t;
  t.total = true;
  EXPECT_EQ(format_free(host_meminfo(), t),
            "               total        used        free      shared  buff/cache   available\n"
            "Mem:        24684092      297412    24414724        8856      195764    24386680\n"
            "Swap:              0           0           0\n"
            "Total:      24684092      297412    24414724\n");
}

TEST(FreeFormat, SwapAndProcpsFallbacks) {
  proc::Meminfo m;
  m.mem_total = 1000;
  m.mem_free = 600;
  m.mem_available = 2000;  // above MemTotal: procps uses MemFree
  m.swap_total = 4194300;
  m.swap_free = 4000000;
  EXPECT_EQ(format_free(m),
            "               total        used        free      shared  buff/cache   available\n"
            "Mem:            1000         400         600           0           0         600\n"
            "Swap:        4194300      194300     4000000\n");
  m.mem_available = 0;  // a kernel without MemAvailable
  EXPECT_NE(format_free(m).find("Mem:            1000         400         600"),
            std::string::npos);
}

TEST(SarFormat, MemoryReportMatchesHost) {
  EXPECT_EQ(format_sar_banner("Linux", "6.18.44-fc-v657", "vm", "11/22/26", "x86_64", 2),
            "Linux 6.18.44-fc-v657 (vm) \t11/22/26 \t_x86_64_\t(2 CPU)\n\n");
  EXPECT_EQ(format_sar_r_header("04:30:10"),
            "04:30:10    kbmemfree   kbavail kbmemused  %memused kbbuffers  kbcached  kbcommit"
            "   %commit  kbactive   kbinact   kbdirty\n");
  proc::Meminfo m;
  m.mem_total = 24684092;
  m.mem_free = 24318740;
  m.mem_available = 24306480;
  m.buffers = 8564;
  m.cached = 165588;
  m.slab = 74684;
  m.committed_as = 56900;
  m.active = 131012;
  m.inactive = 41132;
  m.dirty = 2312;
  EXPECT_EQ(format_sar_r_line("04:30:11", m),
            "04:30:11     24318740  24306480    116516      0.47      8564    165588     56900"
            "      0.23    131012     41132      2312\n");
  EXPECT_EQ(format_sar_r_line("Average:", m),
            "Average:     24318740  24306480    116516      0.47      8564    165588     56900"
            "      0.23    131012     41132      2312\n");
}

TEST(SarFormat, PercentagesWithSwapAndFullMemory) {
  proc::Meminfo m;
  m.mem_total = 1000;
  m.mem_free = 900;
  m.buffers = 200;  // free + buffers + cached + slab above total: used is 0
  m.swap_total = 3000;
  m.committed_as = 4500;  // over 100 %
  const std::string line = format_sar_r_line("12:00:00", m);
  EXPECT_EQ(line,
            "12:00:00          900         0         0      0.00       200         0      4500"
            "    112.50         0         0         0\n");
}

}  // namespace
}  // namespace vmlab::obs
