// madvise(2) effects (mm/madvise.c): MADV_DONTNEED on each kind of mapping,
// MADV_FREE and LazyFree, MADV_DONTFORK and MADV_WIPEONFORK across fork.
#include <gtest/gtest.h>

#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using obs::FaultKind;
using test::kPrivAnon;
using test::kRW;
using test::kSharedAnon;
using test::smaps_kb;

constexpr std::uint64_t P = kPageSize;

class MadviseTest : public ::testing::Test {
 protected:
  MadviseTest() : m_(test::small_config()), p_(m_.spawn("madvise")) {}
  ~MadviseTest() override { test::expect_consistent(m_); }
  std::uint64_t smaps(VirtAddr a, std::string_view f) { return smaps_kb(p_.proc("smaps"), a, f); }
  int file(const std::string& contents, int flags) {
    EXPECT_TRUE(m_.write_file("/tmp/f", contents).ok());
    auto fd = p_.open("/tmp/f", flags);
    EXPECT_TRUE(fd.ok());
    return *fd;
  }
  Machine m_;
  Process p_;
};

TEST_F(MadviseTest, DontneedOnPrivateAnonymousGivesZerosOnNextTouch) {
  auto a = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t anon = p_.status_kb("RssAnon");
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 0x42).ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a + P, 0x43).ok());
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 8);
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvDontneed).ok());
  EXPECT_EQ(p_.status_kb("RssAnon"), anon);
  EXPECT_EQ(smaps(*a, "Rss"), 0u);
  const std::uint64_t zp = p_.faults(FaultKind::zero_page);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 0u);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a + P), 0u);
  EXPECT_EQ(p_.faults(FaultKind::zero_page), zp + 2);
}

TEST_F(MadviseTest, DontneedOnPrivateFileGivesTheFileContentsAgain) {
  const int fd = file(test::pattern_file(2), kORdonly);
  auto a = p_.mmap(0, 2 * P, kRW, kMapPrivate, fd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<char>(*a, 'X').ok());
  EXPECT_EQ(smaps(*a, "Anonymous"), 4u);
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvDontneed).ok());
  EXPECT_EQ(smaps(*a, "Anonymous"), 0u);
  EXPECT_EQ(*p_.load<char>(*a), 'a');  // the copy was dropped
  EXPECT_EQ(*p_.load<char>(*a + P), 'b');
}

TEST_F(MadviseTest, DontneedOnSharedFileKeepsTheData) {
  const int fd = file(test::pattern_file(2), kORdwr);
  m_.sync();
  auto a = p_.mmap(0, 2 * P, kRW, kMapShared, fd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<char>(*a, 'X').ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);
  const std::uint64_t file_rss = p_.status_kb("RssFile");
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvDontneed).ok());
  EXPECT_EQ(p_.status_kb("RssFile"), file_rss - 4);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);  // the page cache keeps the dirty page
  EXPECT_EQ(*p_.load<char>(*a), 'X');
  EXPECT_EQ((*m_.read_file("/tmp/f"))[0], 'X');
}

TEST_F(MadviseTest, DontneedOnSharedAnonymousKeepsTheData) {
  auto a = p_.mmap(0, P, kRW, kSharedAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 0x77).ok());
  EXPECT_EQ(p_.status_kb("RssShmem"), 4u);
  ASSERT_TRUE(p_.madvise(*a, P, kMadvDontneed).ok());
  EXPECT_EQ(p_.status_kb("RssShmem"), 0u);
  EXPECT_EQ(m_.meminfo_kb("Shmem"), 4u);  // still in the shmem file
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 0x77u);
}

TEST_F(MadviseTest, DontneedAcrossVmasAndAHole) {
  const VirtAddr x = 0x10000000;
  ASSERT_TRUE(p_.mmap(x, P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(x + 2 * P, P, kProtRead | kProtWrite | kProtExec, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(x, 1).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(x + 2 * P, 2).ok());
  auto r = p_.madvise(x, 3 * P, kMadvDontneed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errno::nomem);  // the hole is reported ...
  EXPECT_EQ(*p_.load<std::uint8_t>(x), 0u);  // ... after both VMAs were processed
  EXPECT_EQ(*p_.load<std::uint8_t>(x + 2 * P), 0u);
}

TEST_F(MadviseTest, FreeMakesPagesLazyFreeAndAWriteCancelsIt) {
  // 40 pages: the per-CPU lazyfree batch moves its first 31 at once; the other 9 wait
  // in it (still swap-backed, not counted) until something drains this CPU, here the
  // next MADV_FREE (seen on 6.18: MADV_FREE of 30 pages leaves pglazyfree unchanged).
  constexpr int kPages = 40;
  auto a = p_.mmap(0, kPages * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < kPages; ++i) ASSERT_TRUE(p_.store<std::uint32_t>(*a + i * P, 10 + i).ok());
  EXPECT_EQ(smaps(*a, "LazyFree"), 0u);
  ASSERT_TRUE(p_.madvise(*a, kPages * P, kMadvFree).ok());
  EXPECT_EQ(m_.vmstat_value("pglazyfree"), 31u);
  EXPECT_EQ(smaps(*a, "LazyFree"), 31 * 4u);
  EXPECT_EQ(smaps(*a, "Rss"), kPages * 4u);
  EXPECT_EQ(smaps(*a, "Private_Clean"), kPages * 4u);  // every dirty bit was cleared
  EXPECT_EQ(smaps(*a, "Private_Dirty"), 0u);
  auto b = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(p_.madvise(*b, P, kMadvFree).ok());  // drains: the 9 follow
  EXPECT_EQ(m_.vmstat_value("pglazyfree"), static_cast<std::uint64_t>(kPages));
  EXPECT_EQ(smaps(*a, "LazyFree"), kPages * 4u);
  // Nothing reclaimed them (no memory pressure): the data is still there.
  EXPECT_EQ(*p_.load<std::uint32_t>(*a + P), 11u);
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 99).ok());
  EXPECT_EQ(smaps(*a, "LazyFree"), (kPages - 1) * 4u);
  EXPECT_EQ(smaps(*a, "Private_Dirty"), 4u);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 99u);
}

TEST_F(MadviseTest, FreeAlsoMarksCleanPagesSharedWithAChild) {
  auto a = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 1).ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a + P, 2).ok());
  Process child = *p_.fork();
  ASSERT_TRUE(child.store<std::uint32_t>(*a + P, 3).ok());  // page 1 is the child's copy now
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvFree).ok());
  // madvise_free_pte_range() skips a shared page only when the page itself is dirty
  // or in the swap cache; a clean anonymous page mapped by parent and child becomes
  // lazily freeable as well (seen on 6.18: 64 pages shared with a child, LazyFree and
  // Shared_Clean in the parent). The parent's PTEs are cleaned; the child's are not.
  // A second MADV_FREE drains the lazyfree batch the two pages wait in.
  auto b = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE(p_.madvise(*b, P, kMadvFree).ok());
  const std::string ps = p_.proc("smaps");
  EXPECT_EQ(smaps_kb(ps, *a, "LazyFree"), 8u);
  EXPECT_EQ(smaps_kb(ps, *a, "Shared_Clean"), 4u);
  EXPECT_EQ(smaps_kb(ps, *a, "Private_Clean"), 4u);
  EXPECT_EQ(smaps_kb(ps, *a, "Private_Dirty"), 0u);
  const std::string cs = child.proc("smaps");
  EXPECT_EQ(smaps_kb(cs, *a, "LazyFree"), 0u);  // the child's entry for page 0 is dirty
  EXPECT_EQ(smaps_kb(cs, *a, "Shared_Dirty"), 4u);
  EXPECT_EQ(*child.load<std::uint32_t>(*a), 1u);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a + P), 2u);
  test::expect_consistent(m_);
}

TEST_F(MadviseTest, DontforkLeavesTheChildWithoutTheMapping) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  auto keep = p_.mmap(0, P, kProtRead, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(keep.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 5).ok());
  ASSERT_TRUE(p_.madvise(*a, P, kMadvDontfork).ok());
  EXPECT_NE(test::smaps_line(p_.proc("smaps"), *a, "VmFlags").find(" dc"), std::string::npos);
  Process child = *p_.fork();
  auto r = child.load<std::uint32_t>(*a);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().signo, Signal::sigsegv);
  EXPECT_EQ(r.error().code, kSegvMapErr);
  EXPECT_EQ(test::maps_containing(child.proc("maps"), *a).end, 0u);
  EXPECT_NE(test::maps_containing(child.proc("maps"), *keep).end, 0u);
  EXPECT_EQ(child.status_kb("VmSize") + 4, p_.status_kb("VmSize"));
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 5u);
  // MADV_DOFORK undoes it for the next fork.
  ASSERT_TRUE(p_.madvise(*a, P, kMadvDofork).ok());
  Process child2 = *p_.fork();
  EXPECT_EQ(*child2.load<std::uint32_t>(*a), 5u);
}

TEST_F(MadviseTest, WipeonforkGivesTheChildZeros) {
  auto a = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 0x42).ok());
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvWipeonfork).ok());
  EXPECT_NE(test::smaps_line(p_.proc("smaps"), *a, "VmFlags").find(" wf"), std::string::npos);
  Process child = *p_.fork();
  EXPECT_EQ(child.status_kb("RssAnon") + 4, p_.status_kb("RssAnon"));
  EXPECT_EQ(*child.load<std::uint32_t>(*a), 0u);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 0x42u);
  ASSERT_TRUE(child.store<std::uint32_t>(*a, 1).ok());
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 0x42u);
  // The flag is inherited: a grandchild starts empty too.
  Process grandchild = *child.fork();
  EXPECT_EQ(*grandchild.load<std::uint32_t>(*a), 0u);
  // MADV_KEEPONFORK clears it.
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvKeeponfork).ok());
  Process child2 = *p_.fork();
  EXPECT_EQ(*child2.load<std::uint32_t>(*a), 0x42u);
}

TEST_F(MadviseTest, WillneedReadsFilePagesIntoTheCache) {
  const int fd = file(test::pattern_file(8), kORdonly);
  auto a = p_.mmap(0, 8 * P, kProtRead, kMapPrivate, fd, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t cached = m_.meminfo_kb("Cached");
  ASSERT_TRUE(p_.madvise(*a, 8 * P, kMadvWillneed).ok());
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached);  // already cached: nothing to read
  EXPECT_EQ(smaps(*a, "Rss"), 0u);              // and nothing mapped
}

TEST_F(MadviseTest, RandomAndSequentialSetVmFlags) {
  auto a = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvRandom).ok());
  EXPECT_NE(test::smaps_line(p_.proc("smaps"), *a, "VmFlags").find(" rr"), std::string::npos);
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvSequential).ok());
  const std::string f = test::smaps_line(p_.proc("smaps"), *a, "VmFlags");
  EXPECT_NE(f.find(" sr"), std::string::npos);
  EXPECT_EQ(f.find(" rr"), std::string::npos);
  ASSERT_TRUE(p_.madvise(*a, 2 * P, kMadvNormal).ok());
  EXPECT_EQ(test::smaps_line(p_.proc("smaps"), *a, "VmFlags").find(" sr"), std::string::npos);
}

TEST_F(MadviseTest, PopulateWriteFaultsEveryPageIn) {
  auto a = p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t flt = p_.minflt();
  ASSERT_TRUE(p_.madvise(*a, 4 * P, kMadvPopulateWrite).ok());
  EXPECT_EQ(p_.minflt(), flt + 4);
  EXPECT_EQ(smaps(*a, "Rss"), 16u);
  ASSERT_TRUE(p_.store<std::uint8_t>(*a, 1).ok());
  EXPECT_EQ(p_.minflt(), flt + 4);  // already writable and dirty
}

}  // namespace
}  // namespace vmlab
