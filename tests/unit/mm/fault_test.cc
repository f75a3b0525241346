// Fault kinds through the C++ API (mm/memory.c handle_pte_fault() and its handlers),
// counted by Process::faults() and seen in /proc: the zero page, demand zero,
// fault-around, private and shared file writes, copy-on-write after fork, stack
// growth, SIGSEGV and SIGBUS.
#include <gtest/gtest.h>

#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using obs::FaultKind;
using test::kPrivAnon;
using test::kRW;
using test::smaps_kb;

constexpr std::uint64_t P = kPageSize;
constexpr std::uint64_t kGuardGap = 256 * P;  // stack_guard_gap

class FaultTest : public ::testing::Test {
 protected:
  explicit FaultTest(MachineConfig c = test::small_config()) : m_(c), p_(m_.spawn("fault")) {}
  ~FaultTest() override { test::expect_consistent(m_); }

  // Opens `path` after writing `contents` to it.
  int file(const std::string& path, const std::string& contents, int flags = kORdonly) {
    EXPECT_TRUE(m_.write_file(path, contents).ok());
    auto fd = p_.open(path, flags);
    EXPECT_TRUE(fd.ok());
    return fd.ok() ? *fd : -1;
  }
  std::uint64_t smaps(VirtAddr a, std::string_view field) { return smaps_kb(p_.proc("smaps"), a, field); }

  Machine m_;
  Process p_;
};

// ---- anonymous memory ------------------------------------------------------------

TEST_F(FaultTest, AnonymousReadMapsTheZeroPageThenAWriteFaultsAgain) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t rss = p_.status_kb("VmRSS");
  const std::uint64_t anon = p_.status_kb("RssAnon");
  const std::uint64_t anon_pages = m_.meminfo_kb("AnonPages");
  const std::uint64_t flt = p_.minflt();
  // spawn() wrote the stack: its faults are there already.
  const std::uint64_t dz = p_.faults(FaultKind::demand_zero);

  auto v = p_.load<std::uint64_t>(*a + 64);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 0u);
  EXPECT_EQ(p_.minflt(), flt + 1);
  EXPECT_EQ(p_.faults(FaultKind::zero_page), 1u);
  EXPECT_EQ(p_.faults(FaultKind::demand_zero), dz);
  // vm_normal_page() is NULL for the zero page: no RSS, nothing in smaps.
  EXPECT_EQ(p_.status_kb("VmRSS"), rss);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon);
  EXPECT_EQ(m_.meminfo_kb("AnonPages"), anon_pages);
  EXPECT_EQ(smaps(*a, "Rss"), 0u);
  EXPECT_EQ(smaps(*a, "Anonymous"), 0u);
  // Another read of the same page: no fault.
  ASSERT_TRUE(p_.load<std::uint8_t>(*a + 100).ok());
  EXPECT_EQ(p_.minflt(), flt + 1);

  // The write: do_wp_page() replaces the zero page with a zeroed page of its own.
  ASSERT_TRUE(p_.store<std::uint64_t>(*a + 64, 0xfeed).ok());
  EXPECT_EQ(p_.minflt(), flt + 2);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 4);
  EXPECT_EQ(m_.meminfo_kb("AnonPages"), anon_pages + 4);
  EXPECT_EQ(smaps(*a, "Rss"), 4u);
  EXPECT_EQ(smaps(*a, "Anonymous"), 4u);
  EXPECT_EQ(smaps(*a, "Private_Dirty"), 4u);
  EXPECT_EQ(*p_.load<std::uint64_t>(*a + 64), 0xfeedu);
  EXPECT_EQ(*p_.load<std::uint64_t>(*a), 0u);
}

TEST_F(FaultTest, AnonymousWriteIsOneDemandZeroFault) {
  auto a = p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t anon = p_.status_kb("RssAnon");
  const std::uint64_t flt = p_.minflt();
  const std::uint64_t dz = p_.faults(FaultKind::demand_zero);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p_.store<std::uint32_t>(*a + i * P + 8, i).ok());
  EXPECT_EQ(p_.minflt(), flt + 4);
  EXPECT_EQ(p_.faults(FaultKind::demand_zero), dz + 4);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 16);
  EXPECT_EQ(smaps(*a, "Rss"), 16u);
  EXPECT_EQ(smaps(*a, "Pss"), 16u);
  EXPECT_EQ(smaps(*a, "Private_Dirty"), 16u);
  // Writing again costs nothing.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p_.store<std::uint32_t>(*a + i * P, i).ok());
  EXPECT_EQ(p_.minflt(), flt + 4);
}

class NoZeroPageTest : public FaultTest {
 protected:
  static MachineConfig config() {
    MachineConfig c = test::small_config();
    c.zero_page = false;  // --set vm.zero_page=false, like the CI host kernel
    return c;
  }
  NoZeroPageTest() : FaultTest(config()) {}
};

TEST_F(NoZeroPageTest, AnonymousReadAllocatesAPage) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t anon = p_.status_kb("RssAnon");
  const std::uint64_t flt = p_.minflt();
  const std::uint64_t dz = p_.faults(FaultKind::demand_zero);
  EXPECT_EQ(*p_.load<std::uint64_t>(*a), 0u);
  EXPECT_EQ(p_.minflt(), flt + 1);
  EXPECT_EQ(p_.faults(FaultKind::zero_page), 0u);
  EXPECT_EQ(p_.faults(FaultKind::demand_zero), dz + 1);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 4);
  EXPECT_EQ(smaps(*a, "Rss"), 4u);
  // The page is already writable: the write does not fault.
  ASSERT_TRUE(p_.store<std::uint64_t>(*a, 5).ok());
  EXPECT_EQ(p_.minflt(), flt + 1);
}

// do_anonymous_page() makes the entry dirty (and writable) only in a writable VMA: a
// read fault in a read-only one maps a clean page, as the host kernel shows
// (fidelity case kind-readonly-private-anon).
TEST_F(NoZeroPageTest, AnonymousReadInReadOnlyVmaMapsACleanPage) {
  auto ro = p_.mmap(0, P, kProtRead, kPrivAnon, -1, 0);
  auto rw = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(ro.ok() && rw.ok());
  EXPECT_EQ(*p_.load<std::uint8_t>(*ro), 0u);
  EXPECT_EQ(*p_.load<std::uint8_t>(*rw), 0u);
  EXPECT_EQ(smaps(*ro, "Private_Clean"), 4u);
  EXPECT_EQ(smaps(*ro, "Private_Dirty"), 0u);
  EXPECT_EQ(smaps(*rw, "Private_Clean"), 0u);
  EXPECT_EQ(smaps(*rw, "Private_Dirty"), 4u);
}

// ---- file mappings -------------------------------------------------------------

TEST_F(FaultTest, FileReadFaultsAroundSixteenCachedPages) {
  const int fd = file("/tmp/f40", test::pattern_file(40));
  const VirtAddr x = 0x20000000;  // 64 KiB aligned: the window starts at the fault
  auto a = p_.mmap(x, 40 * P, kProtRead, kMapPrivate, fd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(*a, x);
  const std::uint64_t file_rss = p_.status_kb("RssFile");
  const std::uint64_t flt = p_.minflt();
  const std::uint64_t pgfault = m_.vmstat_value("pgfault");
  EXPECT_EQ(*p_.load<char>(x), 'a');
  EXPECT_EQ(p_.minflt(), flt + 1);
  EXPECT_EQ(m_.vmstat_value("pgfault"), pgfault + 1);
  EXPECT_EQ(p_.majflt(), 0u);  // the pages were in the cache
  EXPECT_EQ(p_.faults(FaultKind::file), 1u);
  EXPECT_EQ(smaps(x, "Rss"), 64u);
  EXPECT_EQ(p_.status_kb("RssFile"), file_rss + 64);
  // Pages 1-15 are mapped: reading them takes no fault.
  for (int i = 1; i < 16; ++i) EXPECT_EQ(*p_.load<char>(x + i * P), 'a' + i) << i;
  EXPECT_EQ(p_.minflt(), flt + 1);
  // Page 16 is not: another fault, another window.
  EXPECT_EQ(*p_.load<char>(x + 16 * P), 'a' + 16);
  EXPECT_EQ(p_.minflt(), flt + 2);
  EXPECT_EQ(smaps(x, "Rss"), 128u);
  EXPECT_EQ(smaps(x, "Anonymous"), 0u);
}

TEST_F(FaultTest, FaultAroundWindowIsClampedToTheVma) {
  const int fd = file("/tmp/f40", test::pattern_file(40));
  const VirtAddr x = 0x20000000;
  ASSERT_TRUE(p_.mmap(x, 40 * P, kProtRead, kMapPrivate, fd, 0).ok());
  // Page 39: window from ALIGN_DOWN(39, 16) = 32 to the end of the VMA.
  EXPECT_EQ(*p_.load<char>(x + 39 * P), 'a' + 39 % 26);
  EXPECT_EQ(smaps(x, "Rss"), 8 * 4u);
  // A VMA starting mid-window: the window starts at the VMA.
  ASSERT_TRUE(p_.mmap(x + 0x100000 + 5 * P, 20 * P, kProtRead, kMapPrivate, fd, 0).ok());
  EXPECT_EQ(*p_.load<char>(x + 0x100000 + 6 * P), 'b');  // VMA page 1
  // PTE offsets: the VMA starts at 261, the fault is at 262. from = max(ALIGN_DOWN(262,
  // 16) = 256, 261) = 261; to = from + 16 - 1: VMA pages 0-15, 16 pages.
  EXPECT_EQ(smaps(x + 0x100000 + 5 * P, "Rss"), 64u);
}

TEST_F(FaultTest, FaultAroundStopsAtEndOfFile) {
  const int fd = file("/tmp/f10", test::pattern_file(10, 100));  // 10 pages + 100 bytes
  const VirtAddr x = 0x20000000;
  ASSERT_TRUE(p_.mmap(x, 16 * P, kProtRead, kMapPrivate, fd, 0).ok());
  EXPECT_EQ(*p_.load<char>(x), 'a');
  EXPECT_EQ(smaps(x, "Rss"), 11 * 4u);
  // The tail of the last page reads zero; the page after it is beyond EOF.
  EXPECT_EQ(*p_.load<char>(x + 10 * P + 99), 'z');
  EXPECT_EQ(*p_.load<char>(x + 10 * P + 100), 0);
  auto bus = p_.load<char>(x + 11 * P);
  ASSERT_FALSE(bus.ok());
  EXPECT_EQ(bus.error().signo, Signal::sigbus);
}

TEST_F(FaultTest, FaultAroundDisabledMapsOnePage) {
  // Reset in a machine of its own with fault_around_bytes = 4096.
  MachineConfig c = test::small_config();
  c.fault_around_bytes = 4096;
  Machine m(c);
  Process p = m.spawn("one");
  ASSERT_TRUE(m.write_file("/tmp/f", test::pattern_file(8)).ok());
  auto fd = p.open("/tmp/f", kORdonly);
  ASSERT_TRUE(fd.ok());
  auto a = p.mmap(0, 8 * P, kProtRead, kMapPrivate, *fd, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*p.load<char>(*a + 3 * P), 'd');
  EXPECT_EQ(smaps_kb(p.proc("smaps"), *a, "Rss"), 4u);
  test::expect_consistent(m);
}

TEST_F(FaultTest, PrivateFileWriteMakesAnAnonymousCopy) {
  const int fd = file("/tmp/f", test::pattern_file(8));
  auto a = p_.mmap(0, 8 * P, kRW, kMapPrivate, fd, 0);  // O_RDONLY is enough for private
  ASSERT_TRUE(a.ok());
  const std::uint64_t anon = p_.status_kb("RssAnon");
  const std::uint64_t flt = p_.minflt();
  ASSERT_TRUE(p_.store<char>(*a + 5 * P, 'X').ok());
  EXPECT_EQ(p_.minflt(), flt + 1);
  EXPECT_EQ(p_.faults(FaultKind::file_cow), 1u);
  EXPECT_EQ(smaps(*a, "Rss"), 4u);  // no fault-around on a write
  EXPECT_EQ(smaps(*a, "Anonymous"), 4u);
  EXPECT_EQ(smaps(*a, "Private_Dirty"), 4u);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 4);
  EXPECT_EQ(*p_.load<char>(*a + 5 * P), 'X');
  EXPECT_EQ(*p_.load<char>(*a + 5 * P + 1), 'f');  // the rest of the page was copied
  // The file is unchanged.
  EXPECT_EQ((*m_.read_file("/tmp/f"))[5 * P], 'f');
  // A read fault maps the file pages around it, leaving the copy alone.
  EXPECT_EQ(*p_.load<char>(*a), 'a');
  EXPECT_EQ(smaps(*a, "Rss"), 32u);
  EXPECT_EQ(smaps(*a, "Anonymous"), 4u);
}

TEST_F(FaultTest, PrivateFileWriteAfterReadCopiesTheMappedPage) {
  const int fd = file("/tmp/f", test::pattern_file(2));
  auto a = p_.mmap(0, 2 * P, kRW, kMapPrivate, fd, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t file_rss = p_.status_kb("RssFile");
  const std::uint64_t anon = p_.status_kb("RssAnon");
  EXPECT_EQ(*p_.load<char>(*a), 'a');
  EXPECT_EQ(p_.status_kb("RssFile"), file_rss + 8);
  ASSERT_TRUE(p_.store<char>(*a, 'Q').ok());  // do_wp_page() -> wp_page_copy()
  EXPECT_EQ(p_.faults(FaultKind::cow_copy), 1u);
  EXPECT_EQ(p_.status_kb("RssFile"), file_rss + 4);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 4);
  EXPECT_EQ(smaps(*a, "Anonymous"), 4u);
  EXPECT_EQ((*m_.read_file("/tmp/f"))[0], 'a');
}

TEST_F(FaultTest, SharedFileReadThenWriteCostsTwoFaultsAndDirtiesTheCache) {
  const int fd = file("/tmp/f", test::pattern_file(4), kORdwr);
  m_.sync();
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  auto a = p_.mmap(0, 4 * P, kRW, kMapShared, fd, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t flt = p_.minflt();
  EXPECT_EQ(*p_.load<char>(*a), 'a');
  EXPECT_EQ(p_.minflt(), flt + 1);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  ASSERT_TRUE(p_.store<char>(*a, 'W').ok());  // write-notify: wp_page_shared()
  EXPECT_EQ(p_.minflt(), flt + 2);
  EXPECT_EQ(p_.faults(FaultKind::file), 1u);
  EXPECT_EQ(p_.faults(FaultKind::shared_write), 1u);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);
  EXPECT_EQ(smaps(*a, "Rss"), 16u);
  EXPECT_EQ(smaps(*a, "Anonymous"), 0u);
  // One mapper: the dirty page is private to it (seen on 6.18: Private_Dirty).
  EXPECT_EQ(smaps(*a, "Private_Dirty"), 4u);
  EXPECT_EQ(smaps(*a, "Private_Clean"), 12u);
  EXPECT_EQ(smaps(*a, "Shared_Dirty"), 0u);
  EXPECT_EQ((*m_.read_file("/tmp/f"))[0], 'W');
  // A second store to the page is free.
  ASSERT_TRUE(p_.store<char>(*a + 1, 'V').ok());
  EXPECT_EQ(p_.minflt(), flt + 2);
}

TEST_F(FaultTest, SharedFileWriteFirstIsOneFault) {
  const int fd = file("/tmp/f", test::pattern_file(4), kORdwr);
  m_.sync();
  auto a = p_.mmap(0, 4 * P, kRW, kMapShared, fd, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t flt = p_.minflt();
  ASSERT_TRUE(p_.store<char>(*a + P, 'W').ok());  // do_shared_fault()
  EXPECT_EQ(p_.minflt(), flt + 1);
  EXPECT_EQ(p_.faults(FaultKind::shared_write), 1u);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);
  EXPECT_EQ(smaps(*a, "Rss"), 4u);
}

TEST_F(FaultTest, SharedFilePageMappedByTwoProcessesIsShared) {
  const int fd = file("/tmp/f", test::pattern_file(1), kORdwr);
  m_.sync();
  Process q = m_.spawn("other");
  auto qfd = q.open("/tmp/f", kORdwr);
  ASSERT_TRUE(qfd.ok());
  auto a = p_.mmap(0, P, kRW, kMapShared, fd, 0);
  auto b = q.mmap(0, P, kRW, kMapShared, *qfd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(p_.store<char>(*a, 'P').ok());
  EXPECT_EQ(*q.load<char>(*b), 'P');  // the same page-cache page
  ASSERT_TRUE(q.store<char>(*b + 1, 'Q').ok());
  EXPECT_EQ(*p_.load<char>(*a + 1), 'Q');
  EXPECT_EQ(smaps(*a, "Shared_Dirty"), 4u);
  EXPECT_EQ(smaps(*a, "Pss"), 2u);
  EXPECT_EQ(smaps_kb(q.proc("smaps"), *b, "Shared_Dirty"), 4u);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);
}

TEST_F(FaultTest, SharedAnonymousMemoryIsShmem) {
  auto a = p_.mmap(0, 2 * P, kRW, test::kSharedAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t shmem = m_.meminfo_kb("Shmem");
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 0u);  // a shmem page, not the zero page
  ASSERT_TRUE(p_.store<std::uint32_t>(*a + P, 3).ok());
  EXPECT_EQ(p_.status_kb("RssShmem"), 8u);
  EXPECT_EQ(m_.meminfo_kb("Shmem"), shmem + 8);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);  // shmem is never counted dirty
  auto child = p_.fork();
  ASSERT_TRUE(child.ok());
  ASSERT_TRUE(child->store<std::uint32_t>(*a, 77).ok());
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 77u);  // shared with the child, no copy
  EXPECT_EQ(child->faults(FaultKind::cow_copy), 0u);
  test::expect_consistent(m_);
}

// ---- copy-on-write ---------------------------------------------------------------

TEST_F(FaultTest, ForkParentWritesFirstAndCopiesChildReuses) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 1).ok());
  auto c = p_.fork();
  ASSERT_TRUE(c.ok());
  Process child = *c;
  const std::uint64_t anon_pages = m_.meminfo_kb("AnonPages");
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 2).ok());
  EXPECT_EQ(p_.faults(FaultKind::cow_copy), 1u);
  EXPECT_EQ(m_.meminfo_kb("AnonPages"), anon_pages + 4);
  EXPECT_EQ(*child.load<std::uint32_t>(*a), 1u);
  const std::uint64_t cflt = child.minflt();
  ASSERT_TRUE(child.store<std::uint32_t>(*a, 3).ok());
  EXPECT_EQ(child.minflt(), cflt + 1);  // the PTE was write-protected at fork
  EXPECT_EQ(child.faults(FaultKind::cow_reuse), 1u);
  EXPECT_EQ(child.faults(FaultKind::cow_copy), 0u);
  EXPECT_EQ(m_.meminfo_kb("AnonPages"), anon_pages + 4);  // no third page
  EXPECT_EQ(m_.vmstat_value("pgreuse"), 1u);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 2u);
  EXPECT_EQ(*child.load<std::uint32_t>(*a), 3u);
  test::expect_consistent(m_);
}

TEST_F(FaultTest, ForkChildWritesFirstAndCopiesParentReuses) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 1).ok());
  Process child = *p_.fork();
  ASSERT_TRUE(child.store<std::uint32_t>(*a, 3).ok());
  EXPECT_EQ(child.faults(FaultKind::cow_copy), 1u);
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 2).ok());
  EXPECT_EQ(p_.faults(FaultKind::cow_reuse), 1u);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 2u);
  EXPECT_EQ(*child.load<std::uint32_t>(*a), 3u);
}

TEST_F(FaultTest, ThreeSharersCopyCopyReuse) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 1).ok());
  Process c1 = *p_.fork();
  Process c2 = *p_.fork();
  ASSERT_TRUE(c1.store<std::uint32_t>(*a, 10).ok());
  ASSERT_TRUE(c2.store<std::uint32_t>(*a, 20).ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 30).ok());
  EXPECT_EQ(c1.faults(FaultKind::cow_copy), 1u);
  EXPECT_EQ(c2.faults(FaultKind::cow_copy), 1u);
  EXPECT_EQ(p_.faults(FaultKind::cow_reuse), 1u);
  EXPECT_EQ(*c1.load<std::uint32_t>(*a), 10u);
  EXPECT_EQ(*c2.load<std::uint32_t>(*a), 20u);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 30u);
}

TEST_F(FaultTest, ChildReadsAfterForkWithoutFaultingPrivateAnon) {
  auto a = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 1).ok());
  Process child = *p_.fork();
  // The VMA has an anon_vma: its entries were copied, reading takes no fault.
  const std::uint64_t flt = child.minflt();
  EXPECT_EQ(*child.load<std::uint32_t>(*a), 1u);
  EXPECT_EQ(child.minflt(), flt);
  EXPECT_EQ(child.status_kb("RssAnon"), p_.status_kb("RssAnon"));
}

TEST_F(FaultTest, ChildRefaultsANeverWrittenPrivateFileMapping) {
  const int fd = file("/tmp/f", test::pattern_file(4));
  auto a = p_.mmap(0, 4 * P, kProtRead, kMapPrivate, fd, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*p_.load<char>(*a), 'a');
  Process child = *p_.fork();
  // vma_needs_copy() is false: the child's tables are empty there (seen on 6.18).
  const std::uint64_t flt = child.minflt();
  EXPECT_EQ(*child.load<char>(*a + P), 'b');
  EXPECT_EQ(child.minflt(), flt + 1);
}

TEST_F(FaultTest, PssAfterForkIsHalf) {
  auto a = p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p_.store<std::uint32_t>(*a + i * P, i).ok());
  EXPECT_EQ(smaps(*a, "Pss"), 16u);
  Process child = *p_.fork();
  const std::string ps = p_.proc("smaps");
  EXPECT_EQ(smaps_kb(ps, *a, "Rss"), 16u);
  EXPECT_EQ(smaps_kb(ps, *a, "Pss"), 8u);
  EXPECT_EQ(smaps_kb(ps, *a, "Pss_Dirty"), 8u);
  EXPECT_EQ(smaps_kb(ps, *a, "Shared_Dirty"), 16u);
  EXPECT_EQ(smaps_kb(ps, *a, "Private_Dirty"), 0u);
  EXPECT_EQ(smaps_kb(ps, *a, "Anonymous"), 16u);
  const std::string cs = child.proc("smaps");
  EXPECT_EQ(smaps_kb(cs, *a, "Pss"), 8u);
  EXPECT_EQ(smaps_kb(cs, *a, "Shared_Dirty"), 16u);
  // copy_present_pte() makes the child's entries old (seen on 6.18: Referenced 0 in
  // the child, unchanged in the parent).
  EXPECT_EQ(smaps_kb(cs, *a, "Referenced"), 0u);
  EXPECT_EQ(smaps_kb(ps, *a, "Referenced"), 16u);
  // One page written by the child is private again in both.
  ASSERT_TRUE(child.store<std::uint32_t>(*a, 9).ok());
  EXPECT_EQ(smaps(*a, "Pss"), 10u);
  EXPECT_EQ(smaps(*a, "Private_Dirty"), 4u);
  // When the child is gone, all four are private again.
  child.exit(0);
  ASSERT_TRUE(p_.wait(child.pid()).ok());
  EXPECT_EQ(smaps(*a, "Pss"), 16u);
  EXPECT_EQ(smaps(*a, "Private_Dirty"), 16u);
  EXPECT_EQ(smaps(*a, "Shared_Dirty"), 0u);
}

// ---- the stack -------------------------------------------------------------------

TEST_F(FaultTest, StackGrowsDownWithinRlimitStack) {
  const auto st = test::maps_named(p_.proc("maps"), "[stack]");
  ASSERT_NE(st.end, 0u);
  EXPECT_EQ(st.end, 0x7ffffffff000u);
  const std::uint64_t stk = p_.status_kb("VmStk");
  EXPECT_EQ(stk, (st.end - st.start) / 1024);
  ASSERT_TRUE(p_.store<std::uint64_t>(st.start - 8, 1).ok());
  auto grown = test::maps_named(p_.proc("maps"), "[stack]");
  EXPECT_EQ(grown.start, st.start - P);
  EXPECT_EQ(grown.end, st.end);
  EXPECT_EQ(p_.status_kb("VmStk"), stk + 4);
  // Far below, still within RLIMIT_STACK (8 MiB): the stack grows to the address.
  const VirtAddr low = st.end - 8 * MiB;
  ASSERT_TRUE(p_.load<std::uint8_t>(low).ok());
  grown = test::maps_named(p_.proc("maps"), "[stack]");
  EXPECT_EQ(grown.start, low);
  EXPECT_EQ(p_.status_kb("VmStk"), 8 * 1024u);
  // One page more would make it larger than RLIMIT_STACK.
  auto r = p_.load<std::uint8_t>(low - 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().signo, Signal::sigsegv);
  EXPECT_EQ(r.error().code, kSegvMapErr);
  EXPECT_EQ(r.error().addr, low - 1);
}

TEST_F(FaultTest, StackGrowthKeepsTheGuardGap) {
  const auto st = test::maps_named(p_.proc("maps"), "[stack]");
  // A mapping 2 MiB below the stack: the stack may grow to 1 MiB above its end.
  const VirtAddr below = st.start - 2 * MiB;
  ASSERT_TRUE(p_.mmap(below, P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  auto r = p_.load<std::uint8_t>(below + P + 512 * KiB);  // inside the gap
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().signo, Signal::sigsegv);
  EXPECT_EQ(r.error().code, kSegvMapErr);
  ASSERT_TRUE(p_.load<std::uint8_t>(below + P + MiB).ok());  // exactly the gap left
  EXPECT_EQ(test::maps_named(p_.proc("maps"), "[stack]").start, below + P + MiB);
}

TEST_F(FaultTest, GrowsdownMappingGrowsLikeAStack) {
  const VirtAddr x = 0x40000000;
  ASSERT_TRUE(p_.mmap(x, P, kRW, kPrivAnon | kMapGrowsdown | kMapFixed, -1, 0).ok());
  EXPECT_NE(test::smaps_line(p_.proc("smaps"), x, "VmFlags").find(" gd"), std::string::npos);
  // Seen on 6.18: a store two pages below grows the VMA to that page.
  ASSERT_TRUE(p_.store<std::uint8_t>(x - 2 * P, 1).ok());
  const auto line = test::maps_containing(p_.proc("maps"), x);
  EXPECT_EQ(line.start, x - 2 * P);
  EXPECT_EQ(line.end, x + P);
  EXPECT_EQ(line.name, "");  // only the initial stack is [stack]
  // A mapping 1 MiB + 8 pages below: the guard gap stops growth 16 pages down.
  ASSERT_TRUE(p_.mmap(x - MiB - 8 * P, P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  auto r = p_.store<std::uint8_t>(x - 16 * P, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().signo, Signal::sigsegv);
  EXPECT_EQ(r.error().code, kSegvMapErr);  // seen on 6.18
  ASSERT_TRUE(p_.store<std::uint8_t>(x - 7 * P, 1).ok());  // exactly 1 MiB left
}

TEST_F(FaultTest, MmapHintInsideTheStackGuardGapIsMoved) {
  const auto st = test::maps_named(p_.proc("maps"), "[stack]");
  auto a = p_.mmap(st.start - 4 * P, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_NE(*a, st.start - 4 * P);
  EXPECT_TRUE(*a + P <= st.start - kGuardGap || *a >= st.end);
}

// ---- signals ---------------------------------------------------------------------

TEST_F(FaultTest, SegvMapErrForNoMappingCountsNowhere) {
  const std::uint64_t flt = p_.minflt();
  const std::uint64_t pgfault = m_.vmstat_value("pgfault");
  auto r = p_.load<std::uint32_t>(0x10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().signo, Signal::sigsegv);
  EXPECT_EQ(r.error().code, kSegvMapErr);
  EXPECT_EQ(r.error().addr, 0x10u);
  EXPECT_EQ(p_.minflt(), flt);
  EXPECT_EQ(m_.vmstat_value("pgfault"), pgfault);
  EXPECT_EQ(p_.faults(FaultKind::sigsegv), 1u);
  EXPECT_TRUE(p_.alive());  // as if it had a handler
}

TEST_F(FaultTest, SegvAccErrForForbiddenAccess) {
  auto ro = p_.mmap(0, P, kProtRead, kPrivAnon, -1, 0);
  auto none = p_.mmap(0, P, kProtNone, kPrivAnon, -1, 0);
  ASSERT_TRUE(ro.ok());
  ASSERT_TRUE(none.ok());
  auto w = p_.store<std::uint8_t>(*ro + 5, 1);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().signo, Signal::sigsegv);
  EXPECT_EQ(w.error().code, kSegvAccErr);
  EXPECT_EQ(w.error().addr, *ro + 5);
  EXPECT_TRUE(p_.load<std::uint8_t>(*ro).ok());  // reading is fine
  auto n = p_.load<std::uint8_t>(*none);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, kSegvAccErr);
  // Present but read-only after a read: the write is still refused.
  auto w2 = p_.store<std::uint8_t>(*ro, 1);
  ASSERT_FALSE(w2.ok());
  EXPECT_EQ(w2.error().code, kSegvAccErr);
  // A hole between mappings is MAPERR.
  auto hole = p_.load<std::uint8_t>(*ro - 0x100000);
  ASSERT_FALSE(hole.ok());
  EXPECT_EQ(hole.error().code, kSegvMapErr);
}

TEST_F(FaultTest, SigbusBeyondEndOfFile) {
  const int fd = file("/tmp/f", test::pattern_file(1));
  auto a = p_.mmap(0, 3 * P, kProtRead, kMapShared, fd, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*p_.load<char>(*a + P - 1), 'a');
  const std::uint64_t flt = p_.minflt();
  const std::uint64_t pgfault = m_.vmstat_value("pgfault");
  auto r = p_.load<char>(*a + 2 * P + 8);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().signo, Signal::sigbus);
  EXPECT_EQ(r.error().code, kBusAdrErr);
  EXPECT_EQ(kBusAdrErr, 2);  // BUS_ADRERR (seen on 6.18)
  EXPECT_EQ(r.error().addr, *a + 2 * P + 8);
  // pgfault counts it, the task's minflt does not (mm_account_fault()).
  EXPECT_EQ(m_.vmstat_value("pgfault"), pgfault + 1);
  EXPECT_EQ(p_.minflt(), flt);
  EXPECT_EQ(p_.faults(FaultKind::sigbus), 1u);
  // Growing the file makes the page readable.
  auto wfd = p_.open("/tmp/f", kORdwr);
  ASSERT_TRUE(wfd.ok());
  ASSERT_TRUE(p_.ftruncate(*wfd, 3 * P).ok());
  EXPECT_EQ(*p_.load<char>(*a + 2 * P + 8), 0);
}

}  // namespace
}  // namespace vmlab
