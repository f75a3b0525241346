// read, write, pread, pwrite, lseek and ftruncate through the page cache, seen in
// /proc/meminfo (Cached, Dirty) and in the mappings of the file.
#include <gtest/gtest.h>

#include <cstring>

#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using test::kPrivAnon;
using test::kRW;

constexpr std::uint64_t P = kPageSize;

class PageCacheTest : public ::testing::Test {
 protected:
  PageCacheTest() : m_(test::small_config(64 * MiB)), p_(m_.spawn("pc")) {
    auto b = p_.mmap(0, 16 * P, kRW, kPrivAnon, -1, 0);
    buf_ = *b;
  }
  ~PageCacheTest() override { test::expect_consistent(m_); }
  // Puts `s` in the process's buffer.
  void put(const std::string& s, VirtAddr at = 0) { ASSERT_TRUE(p_.write_string(buf_ + at, s).ok()); }
  std::string get(std::uint64_t n, VirtAddr at = 0) { return *p_.read_string(buf_ + at, n); }
  Machine m_;
  Process p_;
  VirtAddr buf_ = 0;
};

TEST_F(PageCacheTest, WriteFillsTheCacheAndItStaysAfterExit) {
  const std::uint64_t cached = m_.meminfo_kb("Cached");
  const std::uint64_t dirty = m_.meminfo_kb("Dirty");
  Process w = m_.spawn("writer");
  auto wb = w.mmap(0, 3 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(wb.ok());
  ASSERT_TRUE(w.write_string(*wb, test::pattern_file(3)).ok());
  auto fd = w.open("/tmp/data", kOWronly | kOCreat | kOTrunc);
  ASSERT_TRUE(fd.ok());
  auto n = w.write(*fd, *wb, 3 * P);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3 * P);
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached + 12);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), dirty + 12);
  // The new pages wait in this CPU's LRU batch: cached, but on no list yet.
  EXPECT_EQ(m_.meminfo_kb("Inactive(file)"), 0u);
  w.exit(0);
  // The page cache belongs to the file, not the writer. Freeing the writer's pages
  // drained the batch (free_pages_and_swap_cache()).
  EXPECT_EQ(m_.meminfo_kb("Inactive(file)"), 12u);
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached + 12);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), dirty + 12);
  EXPECT_EQ(*m_.read_file("/tmp/data"), test::pattern_file(3));
  m_.sync();
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached + 12);  // clean pages stay cached
}

TEST_F(PageCacheTest, ReadAndWriteMoveTheOffset) {
  auto fd = p_.open("/tmp/f", kORdwr | kOCreat);
  ASSERT_TRUE(fd.ok());
  put("hello, world");
  EXPECT_EQ(*p_.write(*fd, buf_, 12), 12u);
  EXPECT_EQ(*p_.lseek(*fd, 0, kSeekCur), 12u);
  EXPECT_EQ(*p_.lseek(*fd, 7, kSeekSet), 7u);
  EXPECT_EQ(*p_.read(*fd, buf_ + P, 100), 5u);  // short: end of file
  EXPECT_EQ(get(5, P), "world");
  EXPECT_EQ(*p_.read(*fd, buf_ + P, 100), 0u);  // at EOF
  EXPECT_EQ(*p_.lseek(*fd, -5, kSeekEnd), 7u);
  EXPECT_EQ(*p_.lseek(*fd, 2, kSeekCur), 9u);
  // Seeking past the end and writing leaves a hole that reads zeros.
  EXPECT_EQ(*p_.lseek(*fd, 2 * P, kSeekSet), 2 * P);
  EXPECT_EQ(*p_.write(*fd, buf_, 5), 5u);
  const std::string all = *m_.read_file("/tmp/f");
  EXPECT_EQ(all.size(), 2 * P + 5);
  EXPECT_EQ(all.substr(0, 12), "hello, world");
  EXPECT_EQ(all[100], '\0');
  EXPECT_EQ(all[P + 3], '\0');
  EXPECT_EQ(all.substr(2 * P), "hello");
}

TEST_F(PageCacheTest, PreadAndPwriteLeaveTheOffsetAlone) {
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(3)).ok());
  auto fd = p_.open("/tmp/f", kORdwr);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(*p_.pread(*fd, buf_, 4, P + 10), 4u);
  EXPECT_EQ(get(4), "bbbb");
  EXPECT_EQ(*p_.lseek(*fd, 0, kSeekCur), 0u);
  put("XYZ");
  EXPECT_EQ(*p_.pwrite(*fd, buf_, 3, 2 * P - 1), 3u);  // across a page boundary
  EXPECT_EQ(*p_.lseek(*fd, 0, kSeekCur), 0u);
  const std::string all = *m_.read_file("/tmp/f");
  EXPECT_EQ(all.substr(2 * P - 2, 5), "bXYZc");
  EXPECT_EQ(all.size(), 3 * P);
  // pread beyond EOF reads nothing; pwrite beyond EOF extends the file.
  EXPECT_EQ(*p_.pread(*fd, buf_, 10, 10 * P), 0u);
  EXPECT_EQ(*p_.pwrite(*fd, buf_, 3, 4 * P), 3u);
  EXPECT_EQ(m_.read_file("/tmp/f")->size(), 4 * P + 3);
}

TEST_F(PageCacheTest, AppendWritesAtTheEnd) {
  ASSERT_TRUE(m_.write_file("/tmp/f", "abc").ok());
  auto fd = p_.open("/tmp/f", kOWronly | kOAppend);
  ASSERT_TRUE(fd.ok());
  put("de");
  EXPECT_EQ(*p_.write(*fd, buf_, 2), 2u);
  EXPECT_EQ(*m_.read_file("/tmp/f"), "abcde");
}

TEST_F(PageCacheTest, TruncatingOpenDropsTheCachedPages) {
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(4)).ok());
  const std::uint64_t cached = m_.meminfo_kb("Cached");
  auto fd = p_.open("/tmp/f", kORdwr | kOTrunc);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached - 16);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  EXPECT_EQ(*m_.read_file("/tmp/f"), "");
}

TEST_F(PageCacheTest, UnlinkedFileKeepsItsPagesUntilTheLastUserGoes) {
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(2)).ok());
  const std::uint64_t cached = m_.meminfo_kb("Cached");
  auto fd = p_.open("/tmp/f", kORdonly);
  ASSERT_TRUE(fd.ok());
  auto a = p_.mmap(0, 2 * P, kProtRead, kMapShared, *fd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.unlink("/tmp/f").ok());
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached);
  EXPECT_EQ(*p_.load<char>(*a + P), 'b');
  EXPECT_NE(test::maps_containing(p_.proc("maps"), *a).name.find("/tmp/f (deleted)"), std::string::npos);
  ASSERT_TRUE(p_.close(*fd).ok());
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached);  // the mapping still holds the file
  ASSERT_TRUE(p_.munmap(*a, 2 * P).ok());
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached - 8);
}

TEST_F(PageCacheTest, FtruncateShrinkingUnmapsPagesBeyondEof) {
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(4)).ok());
  auto fd = p_.open("/tmp/f", kORdwr);
  ASSERT_TRUE(fd.ok());
  auto shared = p_.mmap(0, 4 * P, kRW, kMapShared, *fd, 0);
  auto priv = p_.mmap(0, 4 * P, kRW, kMapPrivate, *fd, 0);
  ASSERT_TRUE(shared.ok());
  ASSERT_TRUE(priv.ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(p_.load<char>(*shared + i * P).ok());
  ASSERT_TRUE(p_.store<char>(*priv + 3 * P, 'P').ok());  // a private copy beyond the new EOF
  EXPECT_EQ(test::smaps_kb(p_.proc("smaps"), *shared, "Rss"), 16u);
  const std::uint64_t cached = m_.meminfo_kb("Cached");
  ASSERT_TRUE(p_.ftruncate(*fd, P + 10).ok());
  // Pages 2 and 3 are gone from the mapping and the cache; page 1 stays, its tail zeroed.
  EXPECT_EQ(test::smaps_kb(p_.proc("smaps"), *shared, "Rss"), 8u);
  EXPECT_EQ(m_.meminfo_kb("Cached"), cached - 8);
  EXPECT_EQ(*p_.load<char>(*shared + P + 9), 'b');
  EXPECT_EQ(*p_.load<char>(*shared + P + 10), 0);
  auto bus = p_.load<char>(*shared + 2 * P);
  ASSERT_FALSE(bus.ok());
  EXPECT_EQ(bus.error().signo, Signal::sigbus);
  // Private copies go too (unmap_mapping_range() with even_cows): SIGBUS there as well.
  EXPECT_EQ(test::smaps_kb(p_.proc("smaps"), *priv, "Anonymous"), 0u);
  auto bus2 = p_.load<char>(*priv + 3 * P);
  ASSERT_FALSE(bus2.ok());
  EXPECT_EQ(bus2.error().signo, Signal::sigbus);
  // Growing the file again: the range reads zeros, no SIGBUS.
  ASSERT_TRUE(p_.ftruncate(*fd, 4 * P).ok());
  EXPECT_EQ(*p_.load<char>(*shared + 3 * P), 0);
  EXPECT_EQ(*p_.load<char>(*priv + 3 * P), 0);
  EXPECT_EQ(m_.read_file("/tmp/f")->size(), 4 * P);
}

TEST_F(PageCacheTest, FsyncAndSyncClearDirty) {
  auto fd = p_.open("/tmp/f", kORdwr | kOCreat);
  ASSERT_TRUE(fd.ok());
  put(std::string(2 * P, 'q'));
  ASSERT_EQ(*p_.write(*fd, buf_, 2 * P), 2 * P);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 8u);
  ASSERT_TRUE(p_.fsync(*fd).ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  EXPECT_EQ(m_.meminfo_kb("Writeback"), 0u);
  ASSERT_EQ(*p_.pwrite(*fd, buf_, 1, 0), 1u);
  ASSERT_TRUE(m_.write_file("/tmp/g", "g").ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 8u);
  m_.sync();
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  EXPECT_GE(m_.vmstat_value("pgpgout"), 16u);  // kB written back
}

// Pages dirtied through a MAP_SHARED mapping: fsync cleans them and write-protects
// their PTEs (folio_mkclean()), so the next store faults and dirties the page again;
// sync reaches a file that is only mapped, closed and unlinked.
TEST_F(PageCacheTest, FsyncAndSyncCleanPagesDirtiedThroughAMapping) {
  ASSERT_TRUE(m_.write_file("/tmp/m", test::pattern_file(2)).ok());
  m_.sync();
  auto fd = p_.open("/tmp/m", kORdwr);
  ASSERT_TRUE(fd.ok());
  auto a = p_.mmap(0, 2 * P, kRW, kMapShared, *fd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<char>(*a, 'x').ok());
  ASSERT_TRUE(p_.store<char>(*a + P, 'y').ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 8u);
  ASSERT_TRUE(p_.fsync(*fd).ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  const std::string smaps = p_.proc("smaps");
  EXPECT_EQ(test::smaps_kb(smaps, *a, "Shared_Dirty") + test::smaps_kb(smaps, *a, "Private_Dirty"), 0u);
  const std::uint64_t flt = p_.minflt();
  ASSERT_TRUE(p_.store<char>(*a, 'X').ok());  // write-protected now: a minor fault
  EXPECT_EQ(p_.minflt(), flt + 1);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 4u);
  ASSERT_TRUE(p_.close(*fd).ok());
  ASSERT_TRUE(p_.unlink("/tmp/m").ok());
  m_.sync();
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
  EXPECT_EQ(*p_.load<char>(*a), 'X');
}

TEST_F(PageCacheTest, MmapAndWriteSeeTheSamePage) {
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(1)).ok());
  auto fd = p_.open("/tmp/f", kORdwr);
  ASSERT_TRUE(fd.ok());
  auto a = p_.mmap(0, P, kProtRead, kMapShared, *fd, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*p_.load<char>(*a + 7), 'a');
  put("W");
  ASSERT_EQ(*p_.pwrite(*fd, buf_, 1, 7), 1u);
  EXPECT_EQ(*p_.load<char>(*a + 7), 'W');  // no fault: the same page-cache page
  // A private mapping sees the cache until it writes its own copy.
  auto b = p_.mmap(0, P, kRW, kMapPrivate, *fd, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*p_.load<char>(*b + 7), 'W');
  ASSERT_TRUE(p_.store<char>(*b + 8, 'p').ok());
  put("V");
  ASSERT_EQ(*p_.pwrite(*fd, buf_, 1, 7), 1u);
  EXPECT_EQ(*p_.load<char>(*b + 7), 'W');  // the copy was made before the write
  EXPECT_EQ(*p_.load<char>(*a + 7), 'V');
  EXPECT_EQ(*p_.load<char>(*a + 8), 'a');
}

TEST_F(PageCacheTest, CachedReadOfAFileIsNotAMajorFault) {
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(4)).ok());
  auto fd = p_.open("/tmp/f", kORdonly);
  ASSERT_TRUE(fd.ok());
  auto n = p_.read(*fd, buf_, 4 * P);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4 * P);
  EXPECT_EQ(get(2, 2 * P), "cc");
  EXPECT_EQ(p_.majflt(), 0u);
  EXPECT_EQ(m_.vmstat_value("pgmajfault"), 0u);
}

}  // namespace
}  // namespace vmlab
