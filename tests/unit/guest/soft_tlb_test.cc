// The soft TLB under the interpreter (hw/tlb.h SoftTlbEntry): an entry per set that is
// valid only while it names the set's most recently used way, filled by the MMU after
// a translation and forgotten by every other change to the set; stores never take it
// to a frame holding decoded code; and such a frame's writes and frees reach the code
// cache.
#include <gtest/gtest.h>

#include "hw/mmu.h"
#include "hw/tlb.h"
#include "unit/guest/mini_runner.h"
#include "vmlab/mman.h"

namespace vmlab::test {
namespace {

hw::TlbEntry entry(std::uint64_t vpn) { return hw::TlbEntry{vpn, 7, true, true, true}; }

void fill(hw::Tlb& t, std::uint64_t vpn) {
  t.soft_for(vpn).page = vpn << kPageShift;
  t.soft_for(vpn).write_page = vpn << kPageShift;
}
constexpr std::uint64_t kNone = hw::SoftTlbEntry::kNone;

TEST(SoftTlb, ForgottenWhenItsSetChanges) {
  hw::Tlb t(TlbGeometry{8, 2});  // 4 sets
  t.insert(entry(0));
  fill(t, 0);
  // A hit on the most recent way changes nothing.
  ASSERT_NE(t.lookup(0), nullptr);
  EXPECT_EQ(t.soft_for(0).page, 0u);
  // Another set's changes leave it alone.
  t.insert(entry(1));
  EXPECT_EQ(t.soft_for(0).page, 0u);
  // An insert into the set forgets it.
  t.insert(entry(4));
  EXPECT_EQ(t.soft_for(0).page, kNone);
  EXPECT_EQ(t.soft_for(0).write_page, kNone);
  // So does promoting an older way...
  fill(t, 4);
  ASSERT_NE(t.lookup(0), nullptr);
  EXPECT_EQ(t.soft_for(0).page, kNone);
  // ...a page flush that hits, and a full flush.
  fill(t, 0);
  t.flush_page(4);
  EXPECT_EQ(t.soft_for(0).page, kNone);
  fill(t, 0);
  t.flush_page(8);  // not cached: no change
  EXPECT_EQ(t.soft_for(0).page, 0u);
  t.flush_all();
  EXPECT_EQ(t.soft_for(0).page, kNone);
}

TEST(SoftTlb, TheMmuFillsItAndStoresNeedADirtyWritableEntry) {
  MiniRunner r;
  r.load(std::string(VMLAB_GUEST_TEST_DIR) + "/touch_pages", {"touch_pages", "0"});
  auto& m = r.machine();
  kern::Task& p = r.process();
  auto a = m.kernel.mmap(p, 0, 4 * kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_TRUE(a);
  hw::Cpu& cpu = m.mmu.cpu(0);
  m.kernel.switch_to(p, 0);
  const std::uint64_t vpn = *a >> kPageShift;
  // A read fault maps the zero page read-only: readable, not writable.
  hw::Translation t = m.mmu.translate(cpu, *a, hw::AccessType::read);
  ASSERT_FALSE(t.ok());
  ASSERT_EQ(m.kernel.user_fault(p, *a, hw::AccessType::read, t.error_code).signo, Signal::none);
  ASSERT_TRUE(m.mmu.translate(cpu, *a, hw::AccessType::read).ok());
  EXPECT_EQ(cpu.l1d.soft_for(vpn).page, *a);
  EXPECT_EQ(cpu.l1d.soft_for(vpn).write_page, kNone);
  // After a write fault and a store: writable and dirty.
  t = m.mmu.translate(cpu, *a, hw::AccessType::write);
  ASSERT_FALSE(t.ok());
  ASSERT_EQ(m.kernel.user_fault(p, *a, hw::AccessType::write, t.error_code).signo, Signal::none);
  t = m.mmu.translate(cpu, *a, hw::AccessType::write);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(cpu.l1d.soft_for(vpn).write_page, *a);
  EXPECT_EQ(cpu.l1d.soft_for(vpn).addend + *a, reinterpret_cast<std::uintptr_t>(m.mem.frame(t.pfn)));
  // The frame now holds decoded code: the store fast paths are taken back.
  m.mmu.mark_code_frame(t.pfn);
  EXPECT_TRUE(m.mem.holds_code(t.pfn));
  EXPECT_EQ(cpu.l1d.soft_for(vpn).write_page, kNone);
  EXPECT_FALSE(cpu.mru.writable_dirty);
  // A store through the MMU tells the code cache and ends the mark.
  ASSERT_TRUE(m.mmu.translate(cpu, *a, hw::AccessType::write).ok());
  EXPECT_FALSE(m.mem.holds_code(t.pfn));
  // So does freeing the frame.
  m.mmu.mark_code_frame(t.pfn);
  ASSERT_TRUE(m.kernel.munmap(p, *a, 4 * kPageSize));
  EXPECT_FALSE(m.mem.holds_code(t.pfn));
}

}  // namespace
}  // namespace vmlab::test
