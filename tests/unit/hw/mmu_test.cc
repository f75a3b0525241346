// hw::Mmu: the page walk (A on every level and the leaf, D on write), the x86 error
// codes of a fault, the TLB fill, and shootdowns with the 33-page ceiling.
#include <gtest/gtest.h>

#include "hw/mmu.h"
#include "hw/physical_memory.h"
#include "hw/pte.h"

namespace vmlab::hw {
namespace {

// Page tables built by hand in a small physical memory: PGD at frame 1, then one
// table of each lower level per 2 MiB region as needed, data frames from 100 up.
class MmuTest : public ::testing::Test {
 protected:
  static MachineConfig config(unsigned cpus) {
    MachineConfig c;
    c.ram_bytes = 1 * MiB;  // 256 frames
    c.cpus = cpus;
    return c;
  }
  explicit MmuTest(unsigned cpus = 2) : cfg_(config(cpus)), mem_(cfg_.ram_pages(), true), mmu_(mem_, cfg_) {
    mem_.zero(kRoot);
  }

  Pte* table(Pfn pfn) { return reinterpret_cast<Pte*>(mem_.frame(pfn)); }

  // The entry at `level` on the way to `va`, allocating lower tables (entries without
  // the accessed bit, so the walk's setting of it can be seen).
  Pte& entry(VirtAddr va, unsigned level) {
    Pfn t = kRoot;
    for (unsigned l = 0; l < level; ++l) {
      Pte& e = table(t)[table_index(va, l)];
      if (!(e & kPtePresent)) {
        const Pfn next = next_table_++;
        mem_.zero(next);
        e = pfn_pte(next, kPtePresent | kPteWrite | kPteUser);
      }
      t = pte_pfn(e);
    }
    return table(t)[table_index(va, level)];
  }
  Pte& leaf(VirtAddr va) { return entry(va, 3); }
  void map(VirtAddr va, Pfn pfn, Pte bits) { leaf(va) = pfn_pte(pfn, bits); }

  Cpu& cpu(unsigned i = 0) { return mmu_.cpu(i); }
  void run(unsigned i = 0) { mmu_.switch_to(cpu(i), kMm, kRoot); }

  static constexpr Pfn kRoot = 1;
  static constexpr Pte kUserRw = kPtePresent | kPteWrite | kPteUser;
  static constexpr Pte kUserRo = kPtePresent | kPteUser;
  const void* const kMm = reinterpret_cast<const void*>(0x1000);
  const void* const kOtherMm = reinterpret_cast<const void*>(0x2000);
  MachineConfig cfg_;
  PhysicalMemory mem_;
  Mmu mmu_;
  Pfn next_table_ = 2;
};

constexpr VirtAddr kVa = 0x7f1234567000;

TEST_F(MmuTest, ReadSetsAccessedOnEveryLevelButNotDirty) {
  map(kVa, 100, kUserRw);
  run();
  Translation t = mmu_.translate(cpu(), kVa + 0x10, AccessType::read);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.pfn, 100u);
  for (unsigned level = 0; level < 4; ++level) {
    EXPECT_TRUE(entry(kVa, level) & kPteAccessed) << "level " << level;
  }
  EXPECT_FALSE(leaf(kVa) & kPteDirty);
  EXPECT_EQ(cpu().walks, 1u);
}

TEST_F(MmuTest, WriteSetsDirtyOnTheLeaf) {
  map(kVa, 100, kUserRw);
  run();
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::write).ok());
  EXPECT_TRUE(leaf(kVa) & kPteAccessed);
  EXPECT_TRUE(leaf(kVa) & kPteDirty);
  // Upper levels get A only; D is a leaf bit.
  for (unsigned level = 0; level < 3; ++level) {
    EXPECT_TRUE(entry(kVa, level) & kPteAccessed) << level;
    EXPECT_FALSE(entry(kVa, level) & kPteDirty) << level;
  }
}

TEST_F(MmuTest, NotPresentFaultHasNoProtectionBit) {
  run();
  Translation t = mmu_.translate(cpu(), kVa, AccessType::read);
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.error_code, kFaultUser);
  t = mmu_.translate(cpu(), kVa, AccessType::write);
  EXPECT_EQ(t.error_code, kFaultUser | kFaultWrite);
  t = mmu_.translate(cpu(), kVa, AccessType::exec);
  EXPECT_EQ(t.error_code, kFaultUser | kFaultFetch);
  // Upper levels present, leaf empty: still not a protection fault.
  map(kVa + kPageSize, 101, kUserRw);
  t = mmu_.translate(cpu(), kVa, AccessType::write);
  EXPECT_EQ(t.error_code, kFaultUser | kFaultWrite);
}

TEST_F(MmuTest, ProtectionFaultErrorCodes) {
  map(kVa, 100, kUserRo | kPteNoExec);
  run();
  Translation t = mmu_.translate(cpu(), kVa, AccessType::write);
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.error_code, kFaultProtection | kFaultWrite | kFaultUser);
  EXPECT_FALSE(leaf(kVa) & kPteDirty);  // a refused write sets nothing on the leaf
  t = mmu_.translate(cpu(), kVa, AccessType::exec);
  EXPECT_EQ(t.error_code, kFaultProtection | kFaultFetch | kFaultUser);
  // Reading is allowed.
  EXPECT_TRUE(mmu_.translate(cpu(), kVa, AccessType::read).ok());
  // A supervisor-only page refuses a user read with P set.
  map(kVa + kPageSize, 101, kPtePresent | kPteWrite);
  t = mmu_.translate(cpu(), kVa + kPageSize, AccessType::read);
  EXPECT_EQ(t.error_code, kFaultProtection | kFaultUser);
}

TEST_F(MmuTest, ProtNoneEntryIsNotPresentToTheHardware) {
  map(kVa, 100, kPteProtNone | kPteAccessed);
  run();
  Translation t = mmu_.translate(cpu(), kVa, AccessType::read);
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.error_code, kFaultUser);
}

TEST_F(MmuTest, NoAddressSpaceFaults) {
  Translation t = mmu_.translate(cpu(), kVa, AccessType::read);  // root is kNoPfn
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.error_code, kFaultUser);
}

TEST_F(MmuTest, WalkFillsL1AndL2AndTheNextAccessHits) {
  map(kVa, 100, kUserRw);
  run();
  const std::uint64_t vpn = kVa >> kPageShift;
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::read).ok());
  ASSERT_NE(cpu().l1d.peek(vpn), nullptr);
  ASSERT_NE(cpu().l2.peek(vpn), nullptr);
  EXPECT_EQ(cpu().l1i.peek(vpn), nullptr);
  EXPECT_EQ(cpu().l1d.peek(vpn)->pfn, 100u);
  EXPECT_TRUE(cpu().l1d.peek(vpn)->writable);
  EXPECT_FALSE(cpu().l1d.peek(vpn)->dirty);
  EXPECT_EQ(cpu().l1d.counters().misses, 1u);
  EXPECT_EQ(cpu().l2.counters().misses, 1u);

  const std::uint64_t hits = cpu().l1d.counters().hits;
  ASSERT_TRUE(mmu_.translate(cpu(), kVa + 8, AccessType::read).ok());
  EXPECT_EQ(cpu().l1d.counters().hits, hits + 1);
  EXPECT_EQ(cpu().walks, 1u);

  // With L1 emptied (and the CPU's last translation forgotten), L2 supplies it.
  cpu().l1d.flush_all();
  cpu().forget_mru();
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::read).ok());
  EXPECT_EQ(cpu().l2.counters().hits, 1u);
  EXPECT_EQ(cpu().walks, 1u);
  EXPECT_NE(cpu().l1d.peek(vpn), nullptr);
}

TEST_F(MmuTest, ExecFillsTheInstructionTlb) {
  map(kVa, 100, kUserRo);
  run();
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::exec).ok());
  const std::uint64_t vpn = kVa >> kPageShift;
  EXPECT_NE(cpu().l1i.peek(vpn), nullptr);
  EXPECT_EQ(cpu().l1d.peek(vpn), nullptr);
  EXPECT_NE(cpu().l2.peek(vpn), nullptr);
  EXPECT_TRUE(leaf(kVa) & kPteAccessed);
}

TEST_F(MmuTest, StoreThroughACleanEntryRewalksToSetDirty) {
  map(kVa, 100, kUserRw);
  run();
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::read).ok());
  EXPECT_EQ(cpu().walks, 1u);
  EXPECT_FALSE(leaf(kVa) & kPteDirty);
  // The TLB holds a writable but clean entry: the store walks to set D.
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::write).ok());
  EXPECT_EQ(cpu().walks, 2u);
  EXPECT_TRUE(leaf(kVa) & kPteDirty);
  EXPECT_TRUE(cpu().l1d.peek(kVa >> kPageShift)->dirty);
  // Now it is dirty in the TLB: later stores need no walk.
  ASSERT_TRUE(mmu_.translate(cpu(), kVa + 16, AccessType::write).ok());
  EXPECT_EQ(cpu().walks, 2u);
}

TEST_F(MmuTest, StoreThroughADirtyEntryNeedsNoWalkEvenIfTheTableWasCleaned) {
  // The hardware trusts its TLB: a kernel that clears D without a flush loses the
  // next write's D bit. (This is why folio_mkclean() flushes.)
  map(kVa, 100, kUserRw);
  run();
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::write).ok());
  leaf(kVa) &= ~kPteDirty;
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::write).ok());
  EXPECT_FALSE(leaf(kVa) & kPteDirty);
  mmu_.flush_page(kMm, kVa);
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::write).ok());
  EXPECT_TRUE(leaf(kVa) & kPteDirty);
}

TEST_F(MmuTest, PermissionUpgradeWithoutFlushIsSeenByARewalk) {
  map(kVa, 100, kUserRo);
  run();
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::read).ok());
  leaf(kVa) |= kPteWrite;  // the kernel made it writable and did not flush
  Translation t = mmu_.translate(cpu(), kVa, AccessType::write);
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(leaf(kVa) & kPteDirty);
  EXPECT_TRUE(cpu().l1d.peek(kVa >> kPageShift)->writable);
}

TEST_F(MmuTest, FaultAfterAStaleEntryDropsItFromTheTlbs) {
  map(kVa, 100, kUserRo);
  run();
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::read).ok());
  const std::uint64_t vpn = kVa >> kPageShift;
  ASSERT_NE(cpu().l1d.peek(vpn), nullptr);
  EXPECT_FALSE(mmu_.translate(cpu(), kVa, AccessType::write).ok());
  EXPECT_EQ(cpu().l1d.peek(vpn), nullptr);
  EXPECT_EQ(cpu().l2.peek(vpn), nullptr);
}

TEST_F(MmuTest, FlushRangeUpToTheCeilingIsPerPage) {
  constexpr unsigned kPages = 40;
  for (unsigned i = 0; i < kPages; ++i) map(kVa + i * kPageSize, 100 + i, kUserRw);
  run();
  for (unsigned i = 0; i < kPages; ++i) ASSERT_TRUE(mmu_.translate(cpu(), kVa + i * kPageSize, AccessType::read).ok());
  const TlbCounters l1 = cpu().l1d.counters();
  const TlbCounters l2 = cpu().l2.counters();
  mmu_.flush_range(kMm, kVa, kVa + Mmu::kFlushCeiling * kPageSize);
  EXPECT_EQ(cpu().l1d.counters().full_flushes, l1.full_flushes);
  EXPECT_EQ(cpu().l2.counters().full_flushes, l2.full_flushes);
  EXPECT_EQ(cpu().l1d.counters().page_flushes, l1.page_flushes + 33);
  EXPECT_EQ(cpu().l2.counters().page_flushes, l2.page_flushes + 33);
  for (unsigned i = 0; i < kPages; ++i) {
    const bool flushed = i < 33;
    EXPECT_EQ(cpu().l1d.peek((kVa >> kPageShift) + i) == nullptr, flushed) << i;
    EXPECT_EQ(cpu().l2.peek((kVa >> kPageShift) + i) == nullptr, flushed) << i;
  }
}

TEST_F(MmuTest, FlushRangeBeyondTheCeilingFlushesEverything) {
  constexpr unsigned kPages = 40;
  for (unsigned i = 0; i < kPages; ++i) map(kVa + i * kPageSize, 100 + i, kUserRw);
  run();
  for (unsigned i = 0; i < kPages; ++i) ASSERT_TRUE(mmu_.translate(cpu(), kVa + i * kPageSize, AccessType::read).ok());
  const std::uint64_t l1d = cpu().l1d.counters().full_flushes;
  const std::uint64_t l1i = cpu().l1i.counters().full_flushes;
  const std::uint64_t l2 = cpu().l2.counters().full_flushes;
  const std::uint64_t pages = cpu().l1d.counters().page_flushes;
  mmu_.flush_range(kMm, kVa, kVa + (Mmu::kFlushCeiling + 1) * kPageSize);
  EXPECT_EQ(cpu().l1d.counters().full_flushes, l1d + 1);
  EXPECT_EQ(cpu().l1i.counters().full_flushes, l1i + 1);
  EXPECT_EQ(cpu().l2.counters().full_flushes, l2 + 1);
  EXPECT_EQ(cpu().l1d.counters().page_flushes, pages);
  for (unsigned i = 0; i < kPages; ++i) EXPECT_EQ(cpu().l1d.peek((kVa >> kPageShift) + i), nullptr) << i;
  // The next access walks again.
  const std::uint64_t walks = cpu().walks;
  ASSERT_TRUE(mmu_.translate(cpu(), kVa + 39 * kPageSize, AccessType::read).ok());
  EXPECT_EQ(cpu().walks, walks + 1);
}

TEST_F(MmuTest, ShootdownReachesEveryCpuRunningTheMmOnly) {
  map(kVa, 100, kUserRw);
  run(0);
  run(1);
  ASSERT_TRUE(mmu_.translate(cpu(0), kVa, AccessType::read).ok());
  ASSERT_TRUE(mmu_.translate(cpu(1), kVa, AccessType::read).ok());
  const std::uint64_t vpn = kVa >> kPageShift;
  // A flush for another address space touches neither CPU.
  mmu_.flush_page(kOtherMm, kVa);
  EXPECT_NE(cpu(0).l1d.peek(vpn), nullptr);
  EXPECT_NE(cpu(1).l1d.peek(vpn), nullptr);
  mmu_.flush_page(kMm, kVa);
  EXPECT_EQ(cpu(0).l1d.peek(vpn), nullptr);
  EXPECT_EQ(cpu(1).l1d.peek(vpn), nullptr);
  EXPECT_EQ(cpu(0).l2.peek(vpn), nullptr);
  EXPECT_EQ(cpu(1).l2.peek(vpn), nullptr);

  // CPU 1 switches to another address space: later shootdowns skip it.
  ASSERT_TRUE(mmu_.translate(cpu(0), kVa, AccessType::read).ok());
  mmu_.switch_to(cpu(1), kOtherMm, kRoot);
  const std::uint64_t full1 = cpu(1).l1d.counters().full_flushes;
  mmu_.flush_mm(kMm);
  EXPECT_EQ(cpu(0).l1d.peek(vpn), nullptr);
  EXPECT_EQ(cpu(1).l1d.counters().full_flushes, full1);
}

TEST_F(MmuTest, SwitchToFlushesOnlyWhenTheRootChanges) {
  map(kVa, 100, kUserRw);
  run();
  ASSERT_TRUE(mmu_.translate(cpu(), kVa, AccessType::read).ok());
  const std::uint64_t full = cpu().l1d.counters().full_flushes;
  run();  // the same address space: no CR3 write
  EXPECT_EQ(cpu().l1d.counters().full_flushes, full);
  EXPECT_NE(cpu().l1d.peek(kVa >> kPageShift), nullptr);
  mmu_.switch_to(cpu(), kOtherMm, kRoot);
  EXPECT_EQ(cpu().l1d.counters().full_flushes, full + 1);
  EXPECT_EQ(cpu().l1d.peek(kVa >> kPageShift), nullptr);
  mmu_.drop_mm(kOtherMm);
  EXPECT_EQ(cpu().mm, nullptr);
  EXPECT_EQ(cpu().root, kNoPfn);
  EXPECT_FALSE(mmu_.translate(cpu(), kVa, AccessType::read).ok());
}

}  // namespace
}  // namespace vmlab::hw
