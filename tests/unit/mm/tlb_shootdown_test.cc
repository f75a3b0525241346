// TLB shootdowns on a machine with two CPUs running one address space: each place
// Linux flushes must take the stale translation out of the other CPU's TLBs too, or
// that CPU would go on reading (or writing) a frame the page no longer maps.
#include <gtest/gtest.h>

#include <stdexcept>

#include "api/machine_state.h"
#include "hw/mmu.h"
#include "kernel/checker.h"
#include "unit/mm/test_util.h"
#include "vmlab/machine.h"
#include "vmlab/mman.h"

namespace vmlab {
namespace {

class TlbShootdownTest : public ::testing::Test {
 protected:
  static MachineConfig two_cpus() {
    MachineConfig c;
    c.ram_bytes = 64 * MiB;
    c.cpus = 2;
    return c;
  }
  TlbShootdownTest() : m_(two_cpus()), p_(m_.kernel.spawn("two")) {
    m_.kernel.switch_to(p_, 0);
    m_.kernel.switch_to(p_, 1);
  }
  void TearDown() override { EXPECT_EQ(kern::check_consistency(m_.kernel), std::vector<std::string>{}); }

  hw::Cpu& cpu(unsigned i) { return m_.mmu.cpu(i); }
  // An access on CPU `i` as user code makes it: a fault is handled and retried.
  Pfn access(unsigned i, VirtAddr va, hw::AccessType type) {
    hw::Translation t = m_.mmu.translate(cpu(i), va, type);
    if (!t.ok()) {
      EXPECT_EQ(m_.kernel.user_fault(p_, va, type, t.error_code).signo, Signal::none);
      t = m_.mmu.translate(cpu(i), va, type);
    }
    EXPECT_TRUE(t.ok());
    return t.pfn;
  }
  // Whether CPU `i` has a translation of `va` cached at any level.
  bool cached(unsigned i, VirtAddr va) {
    const std::uint64_t vpn = va >> kPageShift;
    return cpu(i).l1d.peek(vpn) != nullptr || cpu(i).l2.peek(vpn) != nullptr;
  }
  VirtAddr anon_page() {
    auto a = m_.kernel.mmap(p_, 0, kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
    EXPECT_TRUE(a.ok());
    return *a;
  }

  detail::MachineState m_;
  kern::Task& p_;
};

// wp_page_copy(): ptep_clear_flush() before the copy is mapped.
TEST_F(TlbShootdownTest, CopyOnWriteBreakFlushesTheOtherCpu) {
  const VirtAddr a = anon_page();
  const Pfn first = access(0, a, hw::AccessType::write);
  ASSERT_TRUE(m_.kernel.fork(p_).ok());  // write-protects the page, shared with the child
  m_.kernel.switch_to(p_, 0);
  m_.kernel.switch_to(p_, 1);
  EXPECT_EQ(access(1, a, hw::AccessType::read), first);  // CPU 1 caches the shared frame
  ASSERT_TRUE(cached(1, a));
  const std::uint64_t flushes = cpu(1).l1d.counters().page_flushes;
  const Pfn copy = access(0, a, hw::AccessType::write);  // CPU 0 breaks the sharing
  EXPECT_NE(copy, first);
  EXPECT_FALSE(cached(1, a));
  EXPECT_EQ(cpu(1).l1d.counters().page_flushes, flushes + 1);
  EXPECT_EQ(access(1, a, hw::AccessType::read), copy);  // CPU 1 now reads the copy
}

// mprotect() from read-write to read-only: a store on the other CPU must fault.
TEST_F(TlbShootdownTest, MprotectTakesWriteAccessFromTheOtherCpu) {
  const VirtAddr a = anon_page();
  access(1, a, hw::AccessType::write);
  ASSERT_TRUE(cached(1, a));
  ASSERT_TRUE(m_.kernel.mprotect(p_, a, kPageSize, kProtRead).ok());
  EXPECT_FALSE(cached(1, a));
  const hw::Translation t = m_.mmu.translate(cpu(1), a, hw::AccessType::write);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(m_.kernel.user_fault(p_, a, hw::AccessType::write, t.error_code).signo, Signal::sigsegv);
}

// zap_page_range() (MADV_DONTNEED) and munmap(): the page leaves both CPUs.
TEST_F(TlbShootdownTest, PagesLeavingMemoryLeaveEveryCpu) {
  const VirtAddr a = anon_page();
  const Pfn old = access(0, a, hw::AccessType::write);
  access(1, a, hw::AccessType::read);
  ASSERT_TRUE(m_.kernel.madvise(p_, a, kPageSize, kMadvDontneed).ok());
  EXPECT_FALSE(cached(0, a));
  EXPECT_FALSE(cached(1, a));
  EXPECT_NE(access(1, a, hw::AccessType::read), old);  // the zero page now
  ASSERT_TRUE(m_.kernel.munmap(p_, a, kPageSize).ok());
  EXPECT_FALSE(cached(1, a));
  EXPECT_FALSE(m_.mmu.translate(cpu(1), a, hw::AccessType::read).ok());
}

// MADV_COLD clears the accessed bits (ptep_test_and_clear_young() and a flush), so
// the next access sets them again: smaps' Referenced falls to zero and comes back.
TEST_F(TlbShootdownTest, MadvColdClearsReferencedAndFlushes) {
  const VirtAddr a = anon_page();
  access(0, a, hw::AccessType::write);
  access(1, a, hw::AccessType::read);
  auto referenced = [&] {
    return test::smaps_kb(*m_.kernel.proc_text("/proc/" + std::to_string(p_.tid) + "/smaps", &p_), a, "Referenced");
  };
  ASSERT_EQ(referenced(), 4u);
  ASSERT_TRUE(m_.kernel.madvise(p_, a, kPageSize, kMadvCold).ok());
  EXPECT_EQ(referenced(), 0u);
  EXPECT_FALSE(cached(0, a));
  EXPECT_FALSE(cached(1, a));
  access(1, a, hw::AccessType::read);  // the walk sets the accessed bit again
  EXPECT_EQ(referenced(), 4u);
}


// Process::run_on(): the accesses fill the chosen CPU's TLBs; stat's processor field
// (39) follows; a forked child starts on its parent's CPU.
TEST(RunOn, AccessesRunOnTheChosenCpu) {
  MachineConfig c;
  c.ram_bytes = 64 * MiB;
  c.cpus = 2;
  Machine m(c);
  Process p = m.spawn("mover");
  auto a = p.mmap(0, kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p.store<std::uint8_t>(*a, 1).ok());
  const auto cpu1 = m.tlb_stats(1);
  EXPECT_EQ(cpu1.l1d_hits + cpu1.l1d_misses, 0u);
  p.run_on(1);
  EXPECT_EQ(*p.load<std::uint8_t>(*a), 1u);
  EXPECT_EQ(m.tlb_stats(1).l1d_misses, 1u);  // a walk on CPU 1
  EXPECT_EQ(*p.load<std::uint8_t>(*a), 1u);
  EXPECT_EQ(m.tlb_stats(1).l1d_hits, 1u);
  EXPECT_EQ(test::stat_num(p.proc("stat"), 39), 1u);
  Process child = *p.fork();
  EXPECT_EQ(test::stat_num(child.proc("stat"), 39), 1u);
  EXPECT_THROW(p.run_on(2), std::out_of_range);
  EXPECT_TRUE(m.check().ok());
}

}  // namespace
}  // namespace vmlab
