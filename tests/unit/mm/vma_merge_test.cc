// VMA split and merge rules (mm/vma.c), seen as Linux users see them: lines of
// /proc/PID/maps after mmap, partial mprotect, munmap and madvise.
#include <gtest/gtest.h>

#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using test::count_lines;
using test::kPrivAnon;
using test::kRW;
using test::maps_containing;

constexpr std::uint64_t P = kPageSize;

class VmaMergeTest : public ::testing::Test {
 protected:
  VmaMergeTest() : m_(test::small_config()), p_(m_.spawn("merge")) { base_ = lines(); }
  ~VmaMergeTest() override { test::expect_consistent(m_); }
  std::size_t lines() { return count_lines(p_.proc("maps")); }
  std::string perms(VirtAddr a) { return maps_containing(p_.proc("maps"), a).perms; }
  Machine m_;
  Process p_;
  std::size_t base_ = 0;
};

TEST_F(VmaMergeTest, MprotectOfTheMiddlePageSplitsInThreeAndMergesBack) {
  auto a = p_.mmap(0, 3 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(lines(), base_ + 1);
  ASSERT_TRUE(p_.mprotect(*a + P, P, kProtRead).ok());
  EXPECT_EQ(lines(), base_ + 3);
  EXPECT_EQ(perms(*a), "rw-p");
  EXPECT_EQ(perms(*a + P), "r--p");
  EXPECT_EQ(perms(*a + 2 * P), "rw-p");
  const auto mid = maps_containing(p_.proc("maps"), *a + P);
  EXPECT_EQ(mid.start, *a + P);
  EXPECT_EQ(mid.end, *a + 2 * P);
  ASSERT_TRUE(p_.mprotect(*a + P, P, kRW).ok());
  EXPECT_EQ(lines(), base_ + 1);
  const auto whole = maps_containing(p_.proc("maps"), *a);
  EXPECT_EQ(whole.start, *a);
  EXPECT_EQ(whole.end, *a + 3 * P);
}

TEST_F(VmaMergeTest, SplitAndMergeWithPagesPresent) {
  auto a = p_.mmap(0, 3 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p_.store<std::uint32_t>(*a + i * P, 100 + i).ok());
  ASSERT_TRUE(p_.mprotect(*a + P, P, kProtRead).ok());
  EXPECT_EQ(lines(), base_ + 3);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a + P), 101u);
  auto w = p_.store<std::uint32_t>(*a + P, 7);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().signo, Signal::sigsegv);
  EXPECT_EQ(w.error().code, kSegvAccErr);
  test::expect_consistent(m_);
  // The pieces share one anon_vma: they merge back.
  ASSERT_TRUE(p_.mprotect(*a + P, P, kRW).ok());
  EXPECT_EQ(lines(), base_ + 1);
  // change_protection() made the exclusive, dirty page writable again at once
  // (can_change_pte_writable()): the store takes no fault.
  const std::uint64_t flt = p_.minflt();
  ASSERT_TRUE(p_.store<std::uint32_t>(*a + P, 7).ok());
  EXPECT_EQ(p_.minflt(), flt);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a + P), 7u);
  EXPECT_EQ(*p_.load<std::uint32_t>(*a + 2 * P), 102u);
}

TEST_F(VmaMergeTest, MprotectOfTheFirstPageSplitsInTwo) {
  auto a = p_.mmap(0, 3 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.mprotect(*a, P, kProtNone).ok());
  EXPECT_EQ(lines(), base_ + 2);
  EXPECT_EQ(perms(*a), "---p");
  EXPECT_EQ(perms(*a + P), "rw-p");
  ASSERT_TRUE(p_.mprotect(*a, 3 * P, kRW).ok());
  EXPECT_EQ(lines(), base_ + 1);
}

TEST_F(VmaMergeTest, MprotectMakingNeighboursEqualMergesThem) {
  const VirtAddr x = 0x10000000;
  ASSERT_TRUE(p_.mmap(x, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(x + P, P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(x + 2 * P, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());
  EXPECT_EQ(lines(), base_ + 3);
  ASSERT_TRUE(p_.mprotect(x + P, P, kProtRead).ok());
  EXPECT_EQ(lines(), base_ + 1);
  const auto m = maps_containing(p_.proc("maps"), x);
  EXPECT_EQ(m.start, x);
  EXPECT_EQ(m.end, x + 3 * P);
}

TEST_F(VmaMergeTest, MunmapOfTheMiddleLeavesTwo) {
  auto a = p_.mmap(0, 3 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.munmap(*a + P, P).ok());
  EXPECT_EQ(lines(), base_ + 2);
  EXPECT_EQ(maps_containing(p_.proc("maps"), *a + P).end, 0u);
  auto r = p_.load<std::uint8_t>(*a + P);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kSegvMapErr);
  ASSERT_TRUE(p_.munmap(*a, 3 * P).ok());  // across the hole: fine
  EXPECT_EQ(lines(), base_);
}

TEST_F(VmaMergeTest, AdjacentAnonymousMappingsMerge) {
  auto a = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  auto b = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b + 2 * P, *a);  // top-down: directly below
  EXPECT_EQ(lines(), base_ + 1);
  auto c = p_.mmap(0, 2 * P, kProtRead, kPrivAnon, -1, 0);  // other protections: a line of its own
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c + 2 * P, *b);
  EXPECT_EQ(lines(), base_ + 2);
}

TEST_F(VmaMergeTest, FileMappingsMergeOnlyAtContiguousOffsets) {
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(8)).ok());
  auto fd = p_.open("/tmp/f", kORdonly);
  ASSERT_TRUE(fd.ok());
  const VirtAddr x = 0x10000000;
  ASSERT_TRUE(p_.mmap(x, 2 * P, kProtRead, kMapPrivate | kMapFixed, *fd, 0).ok());
  ASSERT_TRUE(p_.mmap(x + 2 * P, 2 * P, kProtRead, kMapPrivate | kMapFixed, *fd, 2 * P).ok());
  EXPECT_EQ(lines(), base_ + 1);
  // Offset 5 pages after offset 0..1: not contiguous.
  ASSERT_TRUE(p_.mmap(x + 4 * P, P, kProtRead, kMapPrivate | kMapFixed, *fd, 5 * P).ok());
  EXPECT_EQ(lines(), base_ + 2);
  EXPECT_EQ(maps_containing(p_.proc("maps"), x + 4 * P).offset, 5 * P);
  EXPECT_EQ(*p_.load<char>(x + 3 * P), 'd');
  EXPECT_EQ(*p_.load<char>(x + 4 * P), 'f');
  // Anonymous memory never merges with a file mapping.
  ASSERT_TRUE(p_.mmap(x + 5 * P, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());
  EXPECT_EQ(lines(), base_ + 3);
}

TEST_F(VmaMergeTest, MadviseFlagChangesSplitAndMerge) {
  auto a = p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.madvise(*a + P, 2 * P, kMadvDontfork).ok());
  EXPECT_EQ(lines(), base_ + 3);
  ASSERT_TRUE(p_.madvise(*a + P, 2 * P, kMadvDofork).ok());
  EXPECT_EQ(lines(), base_ + 1);
  // Advice that changes no flag splits nothing.
  ASSERT_TRUE(p_.madvise(*a + P, P, kMadvDontneed).ok());
  ASSERT_TRUE(p_.madvise(*a + P, P, kMadvWillneed).ok());
  EXPECT_EQ(lines(), base_ + 1);
}

TEST_F(VmaMergeTest, MapFixedOverTheMiddleReplacesIt) {
  auto a = p_.mmap(0, 3 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t anon = p_.status_kb("RssAnon");
  ASSERT_TRUE(p_.store<std::uint8_t>(*a + P, 9).ok());
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 4);
  // MAP_FIXED with other protections over the middle: three lines, the old page gone.
  ASSERT_TRUE(p_.mmap(*a + P, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());
  EXPECT_EQ(lines(), base_ + 3);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon);
  EXPECT_EQ(*p_.load<std::uint8_t>(*a + P), 0u);
}

}  // namespace
}  // namespace vmlab
