// cow: 100 MiB written by a parent, two forks, and the second child writes every page.
#include <gtest/gtest.h>

#include "cli/demos/demos.h"
#include "vmlab/machine.h"

namespace vmlab {
namespace {

constexpr std::uint64_t kLength = 100 * MiB;
constexpr std::uint64_t kPages = kLength / kPageSize;

TEST(CowDemo, ForkCopiesPageTablesAndWritesCopyPages) {
  Machine m;
  const demos::Experiment e = demos::run_cow(m);
  ASSERT_EQ(e.stopped, "");
  ASSERT_EQ(e.steps.size(), 4u);

  const demos::Step& touch = e.step("touch");
  EXPECT_EQ(touch.value("minflt_delta"), 25600);
  EXPECT_EQ(touch.value("vm_rss_kb"), 102404);

  // fork(): the only new memory is page tables. VmPTE does not count the PGD page
  // (mm_pgtables_bytes() covers PUD, PMD and PTE tables); PageTables does.
  const demos::Step& fork = e.step("fork");
  EXPECT_EQ(fork.value("children_vm_pte_kb"), 212 + 212);
  EXPECT_EQ(fork.value("children_pgd_kb"), 2 * 4);
  EXPECT_EQ(fork.value("page_tables_delta_kb"), fork.value("children_vm_pte_kb") + 2 * 4);
  EXPECT_EQ(fork.value("memfree_delta_kb"), -fork.value("page_tables_delta_kb"));
  EXPECT_EQ(fork.value("memfree_delta_kb"), -432);
  // dup_mmap() charges each child's private writable VMAs again: 100 MiB + the stack.
  EXPECT_EQ(fork.value("committed_as_delta_kb"), 2 * (102400 + 132));
  EXPECT_EQ(fork.value("child1_vm_rss_kb"), 102404);
  EXPECT_EQ(fork.value("child2_vm_rss_kb"), 102404);
  EXPECT_EQ(fork.process("child 1").minflt, 0u);
  EXPECT_EQ(fork.process("child 2").minflt, 0u);

  // Child 2's writes: 25600 copy-on-write faults, 100 MiB of copies and nothing else
  // (its page tables were copied at fork).
  const demos::Step& writes = e.step("child2-writes");
  EXPECT_EQ(writes.value("child2_minflt_delta"), 25600);
  EXPECT_EQ(writes.value("child2_cow_faults"), 25600);
  EXPECT_EQ(writes.value("memfree_delta_kb"), -102400);
  EXPECT_EQ(writes.value("page_tables_delta_kb"), 0);
  EXPECT_EQ(writes.value("child2_vm_rss_delta_kb"), 0);

  const demos::Step& sharing = e.step("sharing");
  for (const char* who : {"parent", "child1"}) {
    EXPECT_EQ(sharing.value(std::string(who) + "_rss_kb"), 102400) << who;
    EXPECT_EQ(sharing.value(std::string(who) + "_pss_kb"), 51200) << who;
    EXPECT_EQ(sharing.value(std::string(who) + "_shared_dirty_kb"), 102400) << who;
    EXPECT_EQ(sharing.value(std::string(who) + "_private_dirty_kb"), 0) << who;
  }
  EXPECT_EQ(sharing.value("child2_rss_kb"), 102400);
  EXPECT_EQ(sharing.value("child2_pss_kb"), 102400);
  EXPECT_EQ(sharing.value("child2_shared_dirty_kb"), 0);
  EXPECT_EQ(sharing.value("child2_private_dirty_kb"), 102400);
  EXPECT_EQ(sharing.value("parent_pattern_mismatches"), 0);
  EXPECT_EQ(sharing.value("child1_pattern_mismatches"), 0);
  EXPECT_EQ(sharing.value("child2_own_bytes"), 25600);
  const std::vector<std::string> parent_smaps = sharing.process("parent").smaps;
  ASSERT_EQ(parent_smaps.size(), 8u);
  EXPECT_EQ(parent_smaps[0], "7ffff1a00000-7ffff7e00000 rw-p 00000000 00:00 0 ");
  EXPECT_EQ(parent_smaps[1], "Rss:              102400 kB");
  EXPECT_EQ(parent_smaps[2], "Pss:               51200 kB");
  EXPECT_EQ(parent_smaps[4], "Shared_Dirty:     102400 kB");

  EXPECT_TRUE(e.check_problems.empty());
  EXPECT_TRUE(m.check().ok());
}

TEST(CowDirect, SecondChildCopiesEveryPageItWrites) {
  Machine m;
  Process parent = m.spawn("parent");
  const VirtAddr a = *parent.mmap(0, kLength, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  for (std::uint64_t i = 0; i < kPages; ++i) ASSERT_TRUE(parent.store<std::uint32_t>(a + i * kPageSize, 0xab000000u + i).ok());

  const std::uint64_t free_before_fork = m.meminfo_kb("MemFree");
  Process child1 = *parent.fork();
  Process child2 = *parent.fork();
  const std::uint64_t fork_drop = free_before_fork - m.meminfo_kb("MemFree");
  const std::uint64_t children_pte = child1.status_kb("VmPTE") + child2.status_kb("VmPTE");
  EXPECT_EQ(fork_drop, children_pte + 2 * 4);  // + one PGD page per child

  const std::uint64_t free0 = m.meminfo_kb("MemFree");
  const std::uint64_t tables0 = m.meminfo_kb("PageTables");
  const std::uint64_t minflt0 = child2.minflt();
  for (std::uint64_t i = 0; i < kPages; ++i) ASSERT_TRUE(child2.store<std::uint8_t>(a + i * kPageSize, 0xc2).ok());
  EXPECT_EQ(child2.minflt() - minflt0, 25600u);
  EXPECT_EQ(child2.faults(obs::FaultKind::cow_copy), 25600u);
  EXPECT_EQ(free0 - m.meminfo_kb("MemFree"), 102400u);
  EXPECT_EQ(m.meminfo_kb("PageTables"), tables0);

  // The parent's bytes are unchanged; child 1 sees them too.
  for (std::uint64_t i = 0; i < kPages; ++i) {
    ASSERT_EQ(*parent.load<std::uint32_t>(a + i * kPageSize), 0xab000000u + i) << i;
    ASSERT_EQ(*child1.load<std::uint32_t>(a + i * kPageSize), 0xab000000u + i) << i;
    ASSERT_EQ(*child2.load<std::uint8_t>(a + i * kPageSize), 0xc2) << i;
  }
  const std::string smaps = parent.proc("smaps");
  EXPECT_NE(smaps.find("Rss:              102400 kB\nPss:               51200 kB\n"), std::string::npos);
  EXPECT_NE(smaps.find("Shared_Dirty:     102400 kB\n"), std::string::npos);
  EXPECT_TRUE(m.check().ok());
}

}  // namespace
}  // namespace vmlab
