// demand-paging: 100 MiB private anonymous memory mapped, then touched one byte per
// page in ten 10 MiB steps.
#include <gtest/gtest.h>

#include <sstream>

#include <fmt/format.h>

#include "cli/demos/demos.h"
#include "api/machine_state.h"
#include "fs/proc/procfs.h"
#include "obs/free_format.h"
#include "vmlab/machine.h"

namespace vmlab {
namespace {

// Column `n` (0 = timestamp) of a sar -r line.
std::string sar_column(const std::string& line, int n) {
  std::istringstream in(line);
  std::string field;
  for (int i = 0; i <= n; ++i) in >> field;
  return field;
}

TEST(DemandPagingDemo, TenStepsOf10MiB) {
  Machine m;
  const demos::Experiment e = demos::run_demand_paging(m);
  ASSERT_EQ(e.stopped, "");
  ASSERT_EQ(e.steps.size(), 13u);

  const demos::Step& mmap = e.step("mmap");
  EXPECT_EQ(mmap.value("vm_size_delta_kb"), 102400);
  EXPECT_EQ(mmap.value("vm_rss_delta_kb"), 0);
  EXPECT_EQ(mmap.value("minflt_delta"), 0);
  EXPECT_EQ(mmap.value("memfree_delta_kb"), 0);
  EXPECT_EQ(mmap.value("committed_as_delta_kb"), 102400);
  EXPECT_EQ(mmap.processes.at(0).maps.at(0), "7ffff1a00000-7ffff7e00000 rw-p 00000000 00:00 0 ");
  EXPECT_EQ(mmap.processes.at(0).vm_size_line, "VmSize:\t  102532 kB");
  EXPECT_EQ(mmap.processes.at(0).vm_rss_line, "VmRSS:\t       4 kB");

  std::uint64_t rss = 4;
  std::uint64_t minflt = 1;
  for (int i = 1; i <= 10; ++i) {
    const demos::Step& s = e.step(fmt::format("touch-{}", i));
    rss += 10240;
    minflt += 2560;
    EXPECT_EQ(s.value("vm_rss_delta_kb"), 10240) << s.id;
    EXPECT_EQ(s.value("minflt_delta"), 2560) << s.id;
    // 10 MiB at a 2 MiB-aligned address: five new page-table pages of 512 entries.
    EXPECT_EQ(s.value("vm_pte_delta_kb"), 20) << s.id;
    EXPECT_EQ(s.value("page_tables_delta_kb"), 20) << s.id;
    EXPECT_EQ(s.value("memfree_delta_kb"), -(10240 + 20)) << s.id;
    EXPECT_EQ(s.value("kbmemused_delta"), 10240 + 20) << s.id;
    const demos::ProcessView& p = s.processes.at(0);
    EXPECT_EQ(p.vm_rss_line, fmt::format("VmRSS:\t{:>8} kB", rss)) << s.id;
    EXPECT_EQ(p.minflt, minflt) << s.id;
    // The sar line shows the same figures as meminfo.
    EXPECT_EQ(sar_column(s.memory.sar_line, 1), std::to_string(s.memory.mem_free_kb)) << s.id;
    EXPECT_EQ(sar_column(s.memory.sar_line, 3), std::to_string(s.memory.kbmemused)) << s.id;
  }

  const demos::Step& total = e.step("total");
  EXPECT_EQ(total.value("vm_rss_delta_kb"), 102400);
  EXPECT_EQ(total.value("minflt_delta"), 25600);
  EXPECT_EQ(total.value("memfree_delta_kb"), -(102400 + 200));
  EXPECT_EQ(total.value("vm_pte_delta_kb"), 200);
  EXPECT_EQ(total.value("demand_zero_faults"), 25600);
  EXPECT_EQ(total.processes.at(0).vm_rss_line, "VmRSS:\t  102404 kB");

  EXPECT_TRUE(e.check_problems.empty());
  EXPECT_TRUE(m.check().ok());
}

TEST(DemandPagingDirect, RssMinfltAndMemFreePerStep) {
  Machine m;
  Process p = m.spawn("demand");
  const std::uint64_t size0 = p.status_kb("VmSize");
  const std::uint64_t rss0 = p.status_kb("VmRSS");
  const std::uint64_t free0 = m.meminfo_kb("MemFree");
  const VirtAddr a = *p.mmap(0, 100 * MiB, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  EXPECT_EQ(p.status_kb("VmSize") - size0, 102400u);
  EXPECT_EQ(p.status_kb("VmRSS"), rss0);
  EXPECT_EQ(m.meminfo_kb("MemFree"), free0);

  for (int step = 0; step < 10; ++step) {
    const std::uint64_t rss = p.status_kb("VmRSS");
    const std::uint64_t minflt = p.minflt();
    const std::uint64_t pte = p.status_kb("VmPTE");
    const std::uint64_t free = m.meminfo_kb("MemFree");
    const proc::Meminfo before = proc::meminfo(m.state().sys);
    for (std::uint64_t off = 0; off < 10 * MiB; off += kPageSize)
      ASSERT_TRUE(p.store<std::uint8_t>(a + step * 10 * MiB + off, 1).ok());
    EXPECT_EQ(p.status_kb("VmRSS") - rss, 10240u);
    EXPECT_EQ(p.minflt() - minflt, 2560u);
    const std::uint64_t pte_growth = p.status_kb("VmPTE") - pte;
    EXPECT_EQ(pte_growth, 20u);
    EXPECT_EQ(free - m.meminfo_kb("MemFree"), 10240u + pte_growth);
    // sar -r: kbmemused (column 3) grows by the same amount.
    const proc::Meminfo after = proc::meminfo(m.state().sys);
    const auto used = [](const proc::Meminfo& mi) {
      std::istringstream in(obs::format_sar_r_line("00:00:00", mi));
      std::string f;
      for (int i = 0; i <= 3; ++i) in >> f;
      return std::stoull(f);
    };
    EXPECT_EQ(used(after) - used(before), 10240u + pte_growth);
  }
  // minflt is field 10 of /proc/PID/stat.
  std::istringstream stat(p.proc("stat").substr(p.proc("stat").rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 10; ++i) stat >> field;
  EXPECT_EQ(field, std::to_string(p.minflt()));
  EXPECT_EQ(p.minflt(), 1u + 25600u);
  EXPECT_TRUE(m.check().ok());
}

}  // namespace
}  // namespace vmlab
