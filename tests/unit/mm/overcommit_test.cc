// Commit accounting and the overcommit policies (mm/util.c __vm_enough_memory(),
// mm/mmap.c accountable_mapping(), mm/mprotect.c mprotect_fixup()), seen through
// /proc/meminfo's CommitLimit and Committed_AS.
#include <gtest/gtest.h>

#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using test::kPrivAnon;
using test::kRW;
using test::kSharedAnon;

constexpr std::uint64_t P = kPageSize;

MachineConfig mode(int overcommit, std::uint64_t ram) {
  MachineConfig c = test::small_config(ram);
  c.overcommit_memory = overcommit;
  return c;
}

std::uint64_t committed(const Machine& m) { return m.meminfo_kb("Committed_AS"); }

// ---- mode 0 (the default): what is charged --------------------------------------

class CommitChargeTest : public ::testing::Test {
 protected:
  CommitChargeTest() : m_(mode(0, 256 * MiB)), p_(m_.spawn("commit")) { base_ = committed(m_); }
  ~CommitChargeTest() override { test::expect_consistent(m_); }
  static constexpr std::uint64_t kLen = 64 * MiB;
  static constexpr std::uint64_t kLenKb = kLen / 1024;
  int sparse_file(const char* path, int flags) {
    auto fd = p_.open(path, flags | kOCreat);
    EXPECT_TRUE(fd.ok());
    EXPECT_TRUE(p_.ftruncate(*fd, kLen).ok());
    return *fd;
  }
  Machine m_;
  Process p_;
  std::uint64_t base_ = 0;
};

TEST_F(CommitChargeTest, StackOfANewProcessIsCharged) {
  const auto st = test::maps_named(p_.proc("maps"), "[stack]");
  EXPECT_EQ(base_, (st.end - st.start) / 1024);
}

TEST_F(CommitChargeTest, PrivateAnonymousWritableIsChargedAndUnmapUncharges) {
  auto a = p_.mmap(0, kLen, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(committed(m_), base_ + kLenKb);
  EXPECT_NE(test::smaps_line(p_.proc("smaps"), *a, "VmFlags").find(" ac"), std::string::npos);
  ASSERT_TRUE(p_.munmap(*a + kLen / 2, kLen / 2).ok());
  EXPECT_EQ(committed(m_), base_ + kLenKb / 2);
  ASSERT_TRUE(p_.munmap(*a, kLen / 2).ok());
  EXPECT_EQ(committed(m_), base_);
}

TEST_F(CommitChargeTest, ReadOnlyIsNotCharged) {
  ASSERT_TRUE(p_.mmap(0, kLen, kProtRead, kPrivAnon, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(0, kLen, kProtNone, kPrivAnon, -1, 0).ok());
  EXPECT_EQ(committed(m_), base_);
}

TEST_F(CommitChargeTest, MprotectReadOnlyToWritableCharges) {
  auto a = p_.mmap(0, kLen, kProtRead, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.mprotect(*a, kLen, kRW).ok());
  EXPECT_EQ(committed(m_), base_ + kLenKb);
  // Back to read-only before any page was touched (no anon_vma): the charge goes.
  ASSERT_TRUE(p_.mprotect(*a, kLen, kProtRead).ok());
  EXPECT_EQ(committed(m_), base_);
  // Writable again, a page touched, then read-only: the charge stays (VM_ACCOUNT kept).
  ASSERT_TRUE(p_.mprotect(*a, kLen, kRW).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(*a, 1).ok());
  ASSERT_TRUE(p_.mprotect(*a, kLen, kProtRead).ok());
  EXPECT_EQ(committed(m_), base_ + kLenKb);
  // Writable once more: already charged, not again.
  ASSERT_TRUE(p_.mprotect(*a, kLen, kRW).ok());
  EXPECT_EQ(committed(m_), base_ + kLenKb);
}

TEST_F(CommitChargeTest, NoreserveIsNotChargedInModeZero) {
  auto a = p_.mmap(0, kLen, kRW, kPrivAnon | kMapNoreserve, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(committed(m_), base_);
  EXPECT_NE(test::smaps_line(p_.proc("smaps"), *a, "VmFlags").find(" nr"), std::string::npos);
  // Touching it charges nothing either.
  ASSERT_TRUE(p_.store<std::uint8_t>(*a, 1).ok());
  EXPECT_EQ(committed(m_), base_);
}

TEST_F(CommitChargeTest, SharedAnonymousIsChargedAsShmem) {
  auto a = p_.mmap(0, kLen, kRW, kSharedAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(committed(m_), base_ + kLenKb);
  // Read-only shared anonymous memory is charged too (shmem_acct_size()).
  auto b = p_.mmap(0, kLen, kProtRead, kSharedAnon, -1, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(committed(m_), base_ + 2 * kLenKb);
  ASSERT_TRUE(p_.munmap(*a, kLen).ok());
  ASSERT_TRUE(p_.munmap(*b, kLen).ok());
  EXPECT_EQ(committed(m_), base_);
}

TEST_F(CommitChargeTest, SharedFileIsNotChargedPrivateFileWritableIs) {
  const int fd = sparse_file("/tmp/big", kORdwr);
  ASSERT_TRUE(p_.mmap(0, kLen, kRW, kMapShared, fd, 0).ok());
  EXPECT_EQ(committed(m_), base_);
  ASSERT_TRUE(p_.mmap(0, kLen, kProtRead, kMapPrivate, fd, 0).ok());
  EXPECT_EQ(committed(m_), base_);
  ASSERT_TRUE(p_.mmap(0, kLen, kRW, kMapPrivate, fd, 0).ok());
  EXPECT_EQ(committed(m_), base_ + kLenKb);
}

TEST_F(CommitChargeTest, ForkChargesPrivateWritableMemoryAgain) {
  ASSERT_TRUE(p_.mmap(0, kLen, kRW, kPrivAnon, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(0, kLen, kRW, kSharedAnon, -1, 0).ok());
  const std::uint64_t before = committed(m_);
  Process child = *p_.fork();
  // The child's private writable VMAs (the mapping and the stack) are charged again;
  // the shared mapping's shmem file is charged once.
  EXPECT_EQ(committed(m_), before + kLenKb + base_);
  child.exit(0);
  EXPECT_EQ(committed(m_), before);
}

// Every charge leaves with the last user: after all processes exit, Committed_AS and
// MemFree are what they were before the first one started.
TEST(CommitCharge, ExitReturnsEveryCharge) {
  Machine m(mode(0, 256 * MiB));
  const std::uint64_t free0 = m.meminfo_kb("MemFree");
  ASSERT_EQ(committed(m), 0u);
  Process p = m.spawn("p");
  auto priv = p.mmap(0, 4 * MiB, kRW, kPrivAnon, -1, 0);
  auto shared = p.mmap(0, 4 * MiB, kRW, kSharedAnon, -1, 0);
  ASSERT_TRUE(priv.ok() && shared.ok());
  for (VirtAddr va = *priv; va < *priv + 4 * MiB; va += P) ASSERT_TRUE(p.store<std::uint8_t>(va, 1).ok());
  ASSERT_TRUE(p.store<std::uint8_t>(*shared, 1).ok());
  const VirtAddr brk = p.brk(0);
  ASSERT_EQ(p.brk(brk + 16 * P), brk + 16 * P);
  Process child = *p.fork();
  ASSERT_TRUE(child.store<std::uint8_t>(*priv, 2).ok());  // a copy-on-write copy
  ASSERT_TRUE(child.mmap(0, MiB, kRW, kPrivAnon, -1, 0).ok());
  EXPECT_GT(committed(m), 8u * 1024);
  child.exit(0);
  p.exit(0);
  EXPECT_EQ(committed(m), 0u);
  EXPECT_EQ(m.meminfo_kb("Shmem"), 0u);
  EXPECT_EQ(m.meminfo_kb("AnonPages"), 0u);
  EXPECT_EQ(m.meminfo_kb("PageTables"), 0u);
  EXPECT_EQ(m.meminfo_kb("MemFree"), free0);
  test::expect_consistent(m);
}

// A vfork child shares its parent's address space, charges nothing of its own, and
// releases the parent when it exits without exec.
TEST(CommitCharge, VforkChildExitWithoutExec) {
  Machine m(mode(0, 256 * MiB));
  Process parent = m.spawn("parent");
  auto a = parent.mmap(0, MiB, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(parent.store<std::uint8_t>(*a, 1).ok());
  const std::uint64_t before = committed(m);
  const std::uint64_t free0 = m.meminfo_kb("MemFree");
  Process child = *parent.vfork();
  EXPECT_EQ(committed(m), before);
  EXPECT_EQ(m.meminfo_kb("MemFree"), free0);  // no page tables copied
  EXPECT_THROW((void)parent.brk(0), std::logic_error);  // the parent waits
  ASSERT_TRUE(child.store<std::uint8_t>(*a, 7).ok());  // the same memory
  child.exit(3);
  auto w = parent.wait(child.pid());
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, 3 << 8);
  EXPECT_EQ(*parent.load<std::uint8_t>(*a), 7u);
  EXPECT_EQ(committed(m), before);
  EXPECT_EQ(m.meminfo_kb("MemFree"), free0);
  EXPECT_TRUE(parent.mmap(0, P, kRW, kPrivAnon, -1, 0).ok());
  test::expect_consistent(m);
}

TEST_F(CommitChargeTest, BrkIsCharged) {
  const VirtAddr start = p_.brk(0);
  EXPECT_EQ(p_.brk(start + 10 * P), start + 10 * P);
  EXPECT_EQ(committed(m_), base_ + 40);
  EXPECT_EQ(p_.brk(start), start);
  EXPECT_EQ(committed(m_), base_);
}

TEST_F(CommitChargeTest, ModeZeroRefusesOneMappingLargerThanRamPlusSwap) {
  auto big = p_.mmap(0, 512 * MiB, kRW, kPrivAnon, -1, 0);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error(), Errno::nomem);
  EXPECT_EQ(committed(m_), base_);
  // Not charged, so not refused: read-only, or MAP_NORESERVE.
  EXPECT_TRUE(p_.mmap(0, 512 * MiB, kProtRead, kPrivAnon, -1, 0).ok());
  EXPECT_TRUE(p_.mmap(0, 512 * MiB, kRW, kPrivAnon | kMapNoreserve, -1, 0).ok());
  // Many mappings that each fit are all accepted, far beyond RAM.
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(p_.mmap(0, 200 * MiB, kRW, kPrivAnon, -1, 0).ok()) << i;
  EXPECT_EQ(committed(m_), base_ + 8 * 200 * 1024);
  // And mprotect of a huge read-only mapping to writable is refused the same way.
  auto ro = p_.mmap(0, 512 * MiB, kProtRead, kPrivAnon, -1, 0);
  ASSERT_TRUE(ro.ok());
  auto r = p_.mprotect(*ro, 512 * MiB, kRW);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno::nomem);
}

TEST(Overcommit, ModeOneAcceptsEverything) {
  Machine m(mode(1, 64 * MiB));
  Process p = m.spawn("always");
  const std::uint64_t base = committed(m);
  ASSERT_TRUE(p.mmap(0, 1 * GiB, kRW, kPrivAnon, -1, 0).ok());
  EXPECT_EQ(committed(m), base + 1024 * 1024);  // still counted
  test::expect_consistent(m);
}

// ---- mode 2 (never overcommit) ---------------------------------------------------

TEST(Overcommit, ModeTwoCommitLimitIsHalfTheRam) {
  Machine m(mode(2, 64 * MiB));
  // (RAM pages, less the zero page) * 50 / 100.
  EXPECT_EQ(m.meminfo_kb("CommitLimit"), (64 * MiB / P - 1) * 50 / 100 * 4);
  MachineConfig c = mode(2, 64 * MiB);
  c.overcommit_ratio = 80;
  Machine m80(c);
  EXPECT_EQ(m80.meminfo_kb("CommitLimit"), (64 * MiB / P - 1) * 80 / 100 * 4);
  c.overcommit_kbytes = 10000;
  Machine mk(c);
  EXPECT_EQ(mk.meminfo_kb("CommitLimit"), 10000u);
}

TEST(Overcommit, ModeTwoRefusesPrivateWritableBeyondTheLimit) {
  Machine m(mode(2, 64 * MiB));
  Process p = m.spawn("never");
  const std::uint64_t limit = m.meminfo_kb("CommitLimit");  // ~32 MiB
  ASSERT_GT(limit, 30000u);
  ASSERT_LT(limit, 33000u);
  auto too_big = p.mmap(0, 40 * MiB, kRW, kPrivAnon, -1, 0);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error(), Errno::nomem);
  // MAP_NORESERVE does not help in mode 2.
  auto noreserve = p.mmap(0, 40 * MiB, kRW, kPrivAnon | kMapNoreserve, -1, 0);
  ASSERT_FALSE(noreserve.ok());
  EXPECT_EQ(noreserve.error(), Errno::nomem);
  // Nor does sharing: shared anonymous memory is charged.
  auto shared = p.mmap(0, 40 * MiB, kRW, kSharedAnon, -1, 0);
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.error(), Errno::nomem);
  // Read-only memory is free to map, and refused when made writable.
  auto ro = p.mmap(0, 40 * MiB, kProtRead, kPrivAnon, -1, 0);
  ASSERT_TRUE(ro.ok());
  auto mp = p.mprotect(*ro, 40 * MiB, kRW);
  ASSERT_FALSE(mp.ok());
  EXPECT_EQ(mp.error(), Errno::nomem);
  // 16 MiB fits; a second 16 MiB does not (the admin reserve is kept back).
  ASSERT_TRUE(p.mmap(0, 16 * MiB, kRW, kPrivAnon, -1, 0).ok());
  auto second = p.mmap(0, 16 * MiB, kRW, kPrivAnon, -1, 0);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), Errno::nomem);
  // brk is refused the same way: it returns the old break.
  const VirtAddr start = p.brk(0);
  EXPECT_EQ(p.brk(start + 16 * MiB), start);
  // Committed_AS never passes the limit.
  EXPECT_LT(committed(m), limit);
  test::expect_consistent(m);
}

TEST(Overcommit, ModeTwoBoundaryWithoutReserves) {
  MachineConfig c = mode(2, 64 * MiB);
  c.admin_reserve_kbytes = 0;
  c.user_reserve_kbytes = 0;
  Machine m(c);
  Process p = m.spawn("edge");
  const std::uint64_t limit_pages = m.meminfo_kb("CommitLimit") / 4;
  const std::uint64_t used_pages = committed(m) / 4;
  // __vm_enough_memory(): committed + request must stay below the limit.
  const std::uint64_t room = limit_pages - used_pages;
  auto exact = p.mmap(0, room * P, kRW, kPrivAnon, -1, 0);
  ASSERT_FALSE(exact.ok());
  EXPECT_EQ(exact.error(), Errno::nomem);
  auto fits = p.mmap(0, (room - 1) * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(fits.ok());
  EXPECT_EQ(committed(m), (limit_pages - 1) * 4);
  auto one_more = p.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_FALSE(one_more.ok());
  // Shared file mappings need no commit at all.
  ASSERT_TRUE(m.write_file("/tmp/f", "x").ok());
  auto fd = p.open("/tmp/f", kORdwr);
  ASSERT_TRUE(fd.ok());
  EXPECT_TRUE(p.mmap(0, P, kRW, kMapShared, *fd, 0).ok());
  // Freeing some makes room again.
  ASSERT_TRUE(p.munmap(*fits, P).ok());
  EXPECT_TRUE(p.mmap(0, P, kRW, kPrivAnon, -1, 0).ok());
  test::expect_consistent(m);
}

TEST(Overcommit, MremapMoveChargesOnlyTheGrowth) {
  // vrm_charge(): a move charges the change in size; the moved pages keep their charge
  // (unmap_source_vma() hides VM_ACCOUNT from the unmap of the old range).
  MachineConfig c = mode(2, 64 * MiB);
  c.admin_reserve_kbytes = 0;
  c.user_reserve_kbytes = 0;
  Machine m(c);
  Process p = m.spawn("mover");
  const std::uint64_t limit_pages = m.meminfo_kb("CommitLimit") / 4;
  const std::uint64_t n = limit_pages * 6 / 10;
  const VirtAddr x = 0x30000000;
  ASSERT_TRUE(p.mmap(x, n * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p.mmap(x + n * P, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());  // no growth in place
  const std::uint64_t before = committed(m);
  auto r = p.mremap(x, n * P, (n + 1) * P, kMremapMaymove);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(*r, x);
  EXPECT_EQ(committed(m), before + 4);
  // MREMAP_DONTUNMAP leaves the old range mapped and charged: the new one is charged
  // whole, which does not fit here.
  auto d = p.mremap(*r, (n + 1) * P, (n + 1) * P, kMremapMaymove | kMremapDontunmap, 0);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error(), Errno::nomem);
  EXPECT_EQ(committed(m), before + 4);
  test::expect_consistent(m);
}

TEST(Overcommit, ModeTwoRefusesForkBeyondTheLimit) {
  MachineConfig c = mode(2, 64 * MiB);
  c.admin_reserve_kbytes = 0;
  c.user_reserve_kbytes = 0;
  Machine m(c);
  Process p = m.spawn("forker");
  ASSERT_TRUE(p.mmap(0, 20 * MiB, kRW, kPrivAnon, -1, 0).ok());
  const std::uint64_t before = committed(m);
  auto child = p.fork();  // would need another 20 MiB of commit
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error(), Errno::nomem);
  EXPECT_EQ(committed(m), before);
  test::expect_consistent(m);
}

}  // namespace
}  // namespace vmlab
