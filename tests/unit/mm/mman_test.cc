// mremap (grow in place, move, MREMAP_FIXED, shrink), msync, brk and munmap's
// freeing of page tables, through the C++ API.
#include <gtest/gtest.h>

#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using obs::FaultKind;
using test::kPrivAnon;
using test::kRW;
using test::maps_containing;

constexpr std::uint64_t P = kPageSize;

class MmanTest : public ::testing::Test {
 protected:
  MmanTest() : m_(test::small_config()), p_(m_.spawn("mman")) {}
  ~MmanTest() override { test::expect_consistent(m_); }
  Machine m_;
  Process p_;
};

// ---- mremap ----------------------------------------------------------------------

TEST_F(MmanTest, MremapGrowsInPlaceWhenTheSpaceAfterIsFree) {
  const VirtAddr x = 0x30000000;
  ASSERT_TRUE(p_.mmap(x, 2 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(x + P, 11).ok());
  const std::uint64_t size = p_.status_kb("VmSize");
  auto r = p_.mremap(x, 2 * P, 4 * P, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, x);
  const auto line = maps_containing(p_.proc("maps"), x);
  EXPECT_EQ(line.start, x);
  EXPECT_EQ(line.end, x + 4 * P);
  EXPECT_EQ(p_.status_kb("VmSize"), size + 8);
  EXPECT_EQ(*p_.load<std::uint32_t>(x + P), 11u);
  EXPECT_EQ(*p_.load<std::uint32_t>(x + 3 * P), 0u);
  ASSERT_TRUE(p_.store<std::uint32_t>(x + 3 * P, 12).ok());
}

TEST_F(MmanTest, MremapWithoutMaymoveCannotGrowIntoANeighbour) {
  const VirtAddr x = 0x30000000;
  ASSERT_TRUE(p_.mmap(x, 2 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(x + 2 * P, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());
  auto r = p_.mremap(x, 2 * P, 4 * P, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno::nomem);
  EXPECT_EQ(maps_containing(p_.proc("maps"), x).end, x + 2 * P);
}

TEST_F(MmanTest, MremapMaymoveMovesThePagesNotTheirContents) {
  const VirtAddr x = 0x30000000;
  ASSERT_TRUE(p_.mmap(x, 2 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(x + 2 * P, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());  // blocks growth
  ASSERT_TRUE(p_.store<std::uint64_t>(x, 0x1111).ok());
  ASSERT_TRUE(p_.store<std::uint64_t>(x + P, 0x2222).ok());
  const std::uint64_t anon = p_.status_kb("RssAnon");
  const std::uint64_t anon_pages = m_.meminfo_kb("AnonPages");
  const std::uint64_t flt = p_.minflt();
  auto r = p_.mremap(x, 2 * P, 4 * P, kMremapMaymove);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(*r, x);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon);
  EXPECT_EQ(m_.meminfo_kb("AnonPages"), anon_pages);  // moved, not copied
  EXPECT_EQ(*p_.load<std::uint64_t>(*r), 0x1111u);
  EXPECT_EQ(*p_.load<std::uint64_t>(*r + P), 0x2222u);
  EXPECT_EQ(p_.minflt(), flt);  // the page-table entries moved with them
  EXPECT_EQ(*p_.load<std::uint64_t>(*r + 3 * P), 0u);
  auto old = p_.load<std::uint8_t>(x);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.error().code, kSegvMapErr);
  const auto line = maps_containing(p_.proc("maps"), *r);
  EXPECT_EQ(line.start, *r);
  EXPECT_EQ(line.end, *r + 4 * P);
}

TEST_F(MmanTest, MremapFixedPutsTheMappingWhereAsked) {
  const VirtAddr x = 0x30000000, y = 0x40000000;
  ASSERT_TRUE(p_.mmap(x, 2 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(y, 4 * P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());  // partly replaced
  ASSERT_TRUE(p_.store<std::uint32_t>(x + P, 7).ok());
  auto r = p_.mremap(x, 2 * P, 2 * P, kMremapMaymove | kMremapFixed, y);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, y);
  EXPECT_EQ(*p_.load<std::uint32_t>(y + P), 7u);
  EXPECT_EQ(maps_containing(p_.proc("maps"), y).perms, "rw-p");
  EXPECT_EQ(maps_containing(p_.proc("maps"), y).end, y + 2 * P);
  // Only [y, y + new_len) was unmapped first: the rest of the old mapping stays.
  EXPECT_EQ(maps_containing(p_.proc("maps"), y + 2 * P).perms, "r--p");
  EXPECT_EQ(maps_containing(p_.proc("maps"), y + 2 * P).end, y + 4 * P);
  EXPECT_EQ(maps_containing(p_.proc("maps"), x).end, 0u);
}

// move_ptes(): an extent (up to the next page-table boundary of either address) is
// flushed only if it moved a present entry; 8 touched pages are 8 single-page flushes.
TEST_F(MmanTest, MremapMoveFlushesOnlyWhatWasPresent) {
  const VirtAddr x = 0x30000000, y = 0x40000000, z = 0x50000000;
  ASSERT_TRUE(p_.mmap(x, 8 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  const auto s0 = m_.tlb_stats();
  ASSERT_TRUE(p_.mremap(x, 8 * P, 8 * P, kMremapMaymove | kMremapFixed, y).ok());  // nothing mapped yet
  EXPECT_EQ(m_.tlb_stats().page_flushes, s0.page_flushes);
  EXPECT_EQ(m_.tlb_stats().flushes, s0.flushes);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(p_.store<std::uint8_t>(y + i * P, 1).ok());
  const auto s1 = m_.tlb_stats();
  ASSERT_TRUE(p_.mremap(y, 8 * P, 8 * P, kMremapMaymove | kMremapFixed, z).ok());
  EXPECT_EQ(m_.tlb_stats().page_flushes, s1.page_flushes + 8);
  EXPECT_EQ(m_.tlb_stats().flushes, s1.flushes);
  EXPECT_EQ(*p_.load<std::uint8_t>(z + 7 * P), 1u);
}

TEST_F(MmanTest, MremapShrinksInPlace) {
  auto a = p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p_.store<std::uint8_t>(*a + i * P, 1).ok());
  const std::uint64_t anon = p_.status_kb("RssAnon");
  auto r = p_.mremap(*a, 4 * P, P, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, *a);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon - 12);
  EXPECT_EQ(maps_containing(p_.proc("maps"), *a).end, *a + P);
}

TEST_F(MmanTest, MremapOfSharedMemoryKeepsSharing) {
  auto a = p_.mmap(0, P, kRW, test::kSharedAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 5).ok());
  // old_size 0 on a shared mapping: a second mapping of the same pages.
  auto dup = p_.mremap(*a, 0, P, kMremapMaymove);
  ASSERT_TRUE(dup.ok());
  EXPECT_NE(*dup, *a);
  EXPECT_EQ(*p_.load<std::uint32_t>(*dup), 5u);
  ASSERT_TRUE(p_.store<std::uint32_t>(*dup, 6).ok());
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 6u);
}

// ---- MAP_POPULATE and PROT_NONE ----------------------------------------------------

TEST_F(MmanTest, MapPopulateFaultsEveryPageForTheCaller) {
  const std::uint64_t flt = p_.minflt();
  const std::uint64_t anon = p_.status_kb("RssAnon");
  const std::uint64_t pgfault = m_.vmstat_value("pgfault");
  // Private writable: populated for writing (FOLL_WRITE), so no copy-on-write later.
  auto a = p_.mmap(0, 16 * P, kRW, kPrivAnon | kMapPopulate, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(p_.minflt(), flt + 16);  // GUP faults count for the task (seen on 6.18)
  EXPECT_EQ(m_.vmstat_value("pgfault"), pgfault + 16);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 64);
  ASSERT_TRUE(p_.store<std::uint8_t>(*a + 5 * P, 1).ok());
  EXPECT_EQ(p_.minflt(), flt + 16);
  // Read-only: populated for reading, which maps the zero page.
  auto b = p_.mmap(0, 16 * P, kProtRead, kPrivAnon | kMapPopulate, -1, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(p_.minflt(), flt + 32);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 64);
  // MAP_POPULATE | MAP_NONBLOCK populates nothing.
  auto c = p_.mmap(0, 16 * P, kRW, kPrivAnon | kMapPopulate | kMapNonblock, -1, 0);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(p_.minflt(), flt + 32);
}

TEST_F(MmanTest, ProtNonePagesStayResident) {
  auto a = p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p_.store<std::uint32_t>(*a + i * P, 40 + i).ok());
  ASSERT_TRUE(p_.mprotect(*a, 4 * P, kProtNone).ok());
  // pte_present() is true for PROT_NONE entries: still counted (seen on 6.18).
  EXPECT_EQ(test::smaps_kb(p_.proc("smaps"), *a, "Rss"), 16u);
  EXPECT_EQ(test::smaps_kb(p_.proc("smaps"), *a, "Anonymous"), 16u);
  auto r = p_.load<std::uint32_t>(*a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kSegvAccErr);
  ASSERT_TRUE(p_.mprotect(*a, 4 * P, kProtRead).ok());
  EXPECT_EQ(*p_.load<std::uint32_t>(*a + 3 * P), 43u);
}

// ---- msync -----------------------------------------------------------------------

TEST_F(MmanTest, MsyncSyncWritesBackAndTheNextWriteFaultsAgain) {
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(4)).ok());
  m_.sync();
  auto fd = p_.open("/tmp/f", kORdwr);
  ASSERT_TRUE(fd.ok());
  auto a = p_.mmap(0, 4 * P, kRW, kMapShared, *fd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<char>(*a, 'A').ok());
  ASSERT_TRUE(p_.store<char>(*a + 2 * P, 'C').ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 8u);
  ASSERT_TRUE(p_.msync(*a, 4 * P, kMsAsync).ok());  // a no-op
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 8u);
  // MS_SYNC of the first page only.
  ASSERT_TRUE(p_.msync(*a, P, kMsSync).ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);
  ASSERT_TRUE(p_.msync(*a, 4 * P, kMsSync).ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  EXPECT_EQ(test::smaps_kb(p_.proc("smaps"), *a, "Private_Dirty"), 0u);
  // Writeback write-protected the entries: the next write is seen (a fault).
  const std::uint64_t flt = p_.minflt();
  const std::uint64_t sw = p_.faults(FaultKind::shared_write);
  ASSERT_TRUE(p_.store<char>(*a + 1, 'B').ok());
  EXPECT_EQ(p_.minflt(), flt + 1);
  EXPECT_EQ(p_.faults(FaultKind::shared_write), sw + 1);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);
  EXPECT_EQ((*m_.read_file("/tmp/f")).substr(0, 2), "AB");
}

TEST_F(MmanTest, MsyncOnAnonymousMemoryDoesNothing) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(*a, 1).ok());
  EXPECT_TRUE(p_.msync(*a, P, kMsSync).ok());
  EXPECT_TRUE(p_.msync(*a, P, kMsSync | kMsInvalidate).ok());
  EXPECT_EQ(*p_.load<std::uint8_t>(*a), 1u);
}

TEST_F(MmanTest, FsyncAndSyncCleanEveryDirtyPage) {
  ASSERT_TRUE(m_.write_file("/tmp/g", test::pattern_file(3)).ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 12u);  // write(2) dirtied the cache
  auto fd = p_.open("/tmp/g", kORdwr);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(p_.fsync(*fd).ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  ASSERT_TRUE(m_.write_file("/tmp/h", "x").ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);
  m_.sync();
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
}

// ---- brk -------------------------------------------------------------------------

TEST_F(MmanTest, BrkGrowsAndShrinksTheHeap) {
  const VirtAddr start = p_.brk(0);  // brk(0) reports the break
  EXPECT_EQ(test::maps_named(p_.proc("maps"), "[heap]").end, 0u);  // empty heap: no VMA
  const VirtAddr want = start + 3 * P + 100;
  EXPECT_EQ(p_.brk(want), want);
  EXPECT_EQ(p_.brk(0), want);
  auto heap = test::maps_named(p_.proc("maps"), "[heap]");
  EXPECT_EQ(heap.start, start);
  EXPECT_EQ(heap.end, start + 4 * P);  // page aligned up
  EXPECT_EQ(heap.perms, "rw-p");
  ASSERT_TRUE(p_.store<std::uint32_t>(start + 3 * P + 50, 9).ok());
  const std::uint64_t anon = p_.status_kb("RssAnon");
  const std::uint64_t data = p_.status_kb("VmData");
  // Shrink: the pages above the new break go.
  EXPECT_EQ(p_.brk(start + P), start + P);
  heap = test::maps_named(p_.proc("maps"), "[heap]");
  EXPECT_EQ(heap.end, start + P);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon - 4);
  EXPECT_EQ(p_.status_kb("VmData"), data - 12);
  auto gone = p_.load<std::uint32_t>(start + 3 * P + 50);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, kSegvMapErr);
  // Growing again extends the same VMA, which reads zero above the old break.
  EXPECT_EQ(p_.brk(start + 4 * P), start + 4 * P);
  EXPECT_EQ(test::count_lines(p_.proc("maps")), 2u);  // [heap] and [stack]
  EXPECT_EQ(*p_.load<std::uint32_t>(start + 3 * P + 50), 0u);
  // Back to the start: the heap VMA disappears.
  EXPECT_EQ(p_.brk(start), start);
  EXPECT_EQ(test::maps_named(p_.proc("maps"), "[heap]").end, 0u);
}

TEST_F(MmanTest, BrkBelowTheStartIsIgnored) {
  const VirtAddr start = p_.brk(0);
  EXPECT_EQ(p_.brk(start + 2 * P), start + 2 * P);
  EXPECT_EQ(p_.brk(start - P), start + 2 * P);  // the raw call returns the old break
  EXPECT_EQ(p_.brk(1), start + 2 * P);
  EXPECT_EQ(p_.brk(0), start + 2 * P);
}

TEST_F(MmanTest, BrkStopsBelowAMapping) {
  const VirtAddr start = p_.brk(0);
  ASSERT_TRUE(p_.mmap(start + 8 * P, P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  EXPECT_EQ(p_.brk(start + 7 * P), start + 7 * P);
  // The new break must leave a page free below the next mapping.
  EXPECT_EQ(p_.brk(start + 8 * P), start + 7 * P);
  EXPECT_EQ(p_.brk(start + 9 * P), start + 7 * P);
}

// ---- munmap and page tables -------------------------------------------------------

TEST_F(MmanTest, MunmapFreesPageTablesNoVmaNeeds) {
  const std::uint64_t pte = p_.status_kb("VmPTE");
  const std::uint64_t tables = m_.meminfo_kb("PageTables");
  // 1 GiB: PGD entry 0, PUD entry 1, a region no other mapping shares.
  const VirtAddr x = 0x40000000;
  ASSERT_TRUE(p_.mmap(x, 4 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  EXPECT_EQ(p_.status_kb("VmPTE"), pte);  // nothing touched yet: no tables
  ASSERT_TRUE(p_.store<std::uint8_t>(x, 1).ok());
  // A PUD, a PMD and a PTE table.
  EXPECT_EQ(p_.status_kb("VmPTE"), pte + 12);
  EXPECT_EQ(m_.meminfo_kb("PageTables"), tables + 12);
  ASSERT_TRUE(p_.store<std::uint8_t>(x + 3 * P, 1).ok());
  EXPECT_EQ(p_.status_kb("VmPTE"), pte + 12);
  // Unmapping part of the VMA keeps the tables (the rest still needs them).
  ASSERT_TRUE(p_.munmap(x, P).ok());
  EXPECT_EQ(p_.status_kb("VmPTE"), pte + 12);
  ASSERT_TRUE(p_.munmap(x + P, 3 * P).ok());
  EXPECT_EQ(p_.status_kb("VmPTE"), pte);
  EXPECT_EQ(m_.meminfo_kb("PageTables"), tables);
}

TEST_F(MmanTest, MunmapKeepsATableANeighbourUses) {
  const std::uint64_t pte = p_.status_kb("VmPTE");
  const VirtAddr x = 0x40000000;
  ASSERT_TRUE(p_.mmap(x, P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(x + 4 * P, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(x, 1).ok());
  ASSERT_TRUE(p_.load<std::uint8_t>(x + 4 * P).ok());
  EXPECT_EQ(p_.status_kb("VmPTE"), pte + 12);
  ASSERT_TRUE(p_.munmap(x, P).ok());
  EXPECT_EQ(p_.status_kb("VmPTE"), pte + 12);  // the PTE table still serves x + 4 pages
  ASSERT_TRUE(p_.munmap(x + 4 * P, P).ok());
  EXPECT_EQ(p_.status_kb("VmPTE"), pte);
}

TEST_F(MmanTest, MunmapFlushesPerPageUpToTheCeilingThenEverything) {
  auto a = p_.mmap(0, 40 * P, kRW, kPrivAnon, -1, 0);
  auto b = p_.mmap(0, 8 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(p_.store<std::uint8_t>(*a + i * P, 1).ok());
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(p_.store<std::uint8_t>(*b + i * P, 1).ok());
  const std::uint64_t full = m_.tlb_stats().flushes;
  const std::uint64_t pages = m_.tlb_stats().page_flushes;
  ASSERT_TRUE(p_.munmap(*b, 8 * P).ok());  // 8 pages: INVLPG each
  EXPECT_EQ(m_.tlb_stats().flushes, full);
  EXPECT_EQ(m_.tlb_stats().page_flushes, pages + 8);
  ASSERT_TRUE(p_.munmap(*a, 40 * P).ok());  // more than 33: the whole TLB
  EXPECT_EQ(m_.tlb_stats().flushes, full + 1);
  // Loads and stores that hit count as hits; the next touch of a new page walks.
  auto c = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(p_.store<std::uint8_t>(*c, 1).ok());
  const auto s0 = m_.tlb_stats();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(p_.load<std::uint8_t>(*c + i).ok());
  const auto s1 = m_.tlb_stats();
  EXPECT_EQ(s1.l1d_hits, s0.l1d_hits + 10);
  EXPECT_EQ(s1.walks, s0.walks);
}

TEST_F(MmanTest, ExitFreesEverything) {
  const std::uint64_t free0 = m_.meminfo_kb("MemFree");
  Process q = m_.spawn("q");
  auto a = q.mmap(0, 64 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(q.store<std::uint8_t>(*a + i * P, 1).ok());
  EXPECT_LT(m_.meminfo_kb("MemFree"), free0 - 256);
  q.exit(0);
  EXPECT_EQ(m_.meminfo_kb("MemFree"), free0);
}

}  // namespace
}  // namespace vmlab
