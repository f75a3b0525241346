// Every error case of the memory system calls (mmap, munmap, mprotect, mremap,
// madvise, msync, brk) and of the file system calls, each asserting the exact errno
// Linux gives. Cases marked "host" were checked with a small C program on the Linux
// 6.18 x86-64 host (as an unprivileged user where privilege matters).
#include <gtest/gtest.h>

#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using test::kPrivAnon;
using test::kRW;
using test::kSharedAnon;

constexpr std::uint64_t P = kPageSize;
constexpr VirtAddr kTaskSize = 0x7ffffffff000;
constexpr VirtAddr kFree = 0x60000000;  // nothing is ever mapped here

#define EXPECT_ERRNO(expr, e)                                                         \
  do {                                                                                \
    auto _r = (expr);                                                                 \
    ASSERT_FALSE(_r.ok()) << #expr << " succeeded, expected " << errno_name(e);       \
    EXPECT_EQ(_r.error(), e) << #expr << ": " << errno_name(_r.error()) << ", expected " \
                             << errno_name(e);                                        \
  } while (0)

#define EXPECT_OK(expr)                                                                   \
  do {                                                                                    \
    auto _r = (expr);                                                                     \
    EXPECT_TRUE(_r.ok()) << #expr << " failed with " << (_r.ok() ? "" : errno_name(_r.error())); \
  } while (0)

class ErrnoTest : public ::testing::Test {
 protected:
  ErrnoTest() : m_(test::small_config(64 * MiB)), p_(m_.spawn("errno")) {
    EXPECT_TRUE(m_.write_file("/tmp/f", test::pattern_file(2)).ok());
    rw_ = *p_.open("/tmp/f", kORdwr);
    ro_ = *p_.open("/tmp/f", kORdonly);
    wo_ = *p_.open("/tmp/f", kOWronly);
    dir_ = *p_.open("/tmp", kORdonly | kODirectory);
  }
  ~ErrnoTest() override { test::expect_consistent(m_); }

  // Three pages of private anonymous memory at a fixed place, a hole of one page,
  // then one more page: [x, x+3P) hole [x+4P, x+5P).
  VirtAddr with_hole() {
    const VirtAddr x = 0x20000000;
    EXPECT_TRUE(p_.mmap(x, 3 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
    EXPECT_TRUE(p_.mmap(x + 4 * P, P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
    return x;
  }
  VirtAddr anon(std::uint64_t len = P, int prot = kRW, int flags = kPrivAnon) {
    auto a = p_.mmap(0, len, prot, flags, -1, 0);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : 0;
  }

  Machine m_;
  Process p_;
  int rw_ = -1, ro_ = -1, wo_ = -1, dir_ = -1;
};

// ---- mmap --------------------------------------------------------------------------

TEST_F(ErrnoTest, MmapLengthZero) { EXPECT_ERRNO(p_.mmap(0, 0, kRW, kPrivAnon, -1, 0), Errno::inval); }

TEST_F(ErrnoTest, MmapLengthOverflowingPageAlignment) {
  EXPECT_ERRNO(p_.mmap(0, ~0ULL, kRW, kPrivAnon, -1, 0), Errno::nomem);  // host
  EXPECT_ERRNO(p_.mmap(0, ~0ULL - 100, kRW, kPrivAnon, -1, 0), Errno::nomem);
}

TEST_F(ErrnoTest, MmapLengthBeyondTaskSize) {
  EXPECT_ERRNO(p_.mmap(0, 0x800000000000, kRW, kPrivAnon | kMapNoreserve, -1, 0), Errno::nomem);  // host
}

TEST_F(ErrnoTest, MmapFixedUnaligned) {
  EXPECT_ERRNO(p_.mmap(0x10000001, P, kRW, kPrivAnon | kMapFixed, -1, 0), Errno::inval);  // host
  EXPECT_ERRNO(p_.mmap(0x10000001, P, kRW, kPrivAnon | kMapFixedNoreplace, -1, 0), Errno::inval);  // host
}

TEST_F(ErrnoTest, MmapUnalignedHintIsMovedNotRefused) {
  auto a = p_.mmap(0x10000123, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 0x10000000u);  // host
  // A hint below mmap_min_addr rounds to NULL: no hint at all (host).
  auto b = p_.mmap(0x10, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_GT(*b, 0x10000000u);
}

TEST_F(ErrnoTest, MmapUnalignedOffset) {
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate, ro_, 100), Errno::inval);  // host
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate, ro_, P + 1), Errno::inval);
}

TEST_F(ErrnoTest, MmapOffsetPlusLengthOverflows) {
  EXPECT_ERRNO(p_.mmap(0, 2 * P, kProtRead, kMapPrivate, ro_, 0xfffffffffffff000), Errno::overflow);  // host
}

TEST_F(ErrnoTest, MmapNeitherSharedNorPrivate) {
  EXPECT_ERRNO(p_.mmap(0, P, kRW, kMapAnonymous, -1, 0), Errno::inval);  // host
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, 0, ro_, 0), Errno::inval);       // host
  EXPECT_ERRNO(p_.mmap(0, P, kRW, kMapAnonymous | 0x0c, -1, 0), Errno::inval);
}

TEST_F(ErrnoTest, MmapSharedValidate) {
  // Accepted for files (host) ...
  EXPECT_OK(p_.mmap(0, P, kRW, kMapSharedValidate, rw_, 0));
  // ... and /dev/zero (host), but not with MAP_ANONYMOUS: EINVAL (host).
  auto zero = p_.open("/dev/zero", kORdwr);
  ASSERT_TRUE(zero.ok());
  EXPECT_OK(p_.mmap(0, P, kRW, kMapSharedValidate, *zero, 0));
  EXPECT_ERRNO(p_.mmap(0, P, kRW, kMapSharedValidate | kMapAnonymous, -1, 0), Errno::inval);
  // Flags outside LEGACY_MAP_MASK are EOPNOTSUPP with MAP_SHARED_VALIDATE (host),
  // MAP_FIXED_NOREPLACE and MAP_SYNC (no DAX) included; plain MAP_SHARED ignores them.
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapSharedValidate | 0x200000, rw_, 0), Errno::opnotsupp);
  EXPECT_ERRNO(p_.mmap(0x30000000, P, kProtRead, kMapSharedValidate | kMapFixedNoreplace, rw_, 0), Errno::opnotsupp);
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapSharedValidate | kMapSync, rw_, 0), Errno::opnotsupp);
  EXPECT_OK(p_.mmap(0, P, kProtRead, kMapShared | kMapSync, rw_, 0));
  EXPECT_OK(p_.mmap(0, P, kProtRead, kMapPrivate | 0x200000, rw_, 0));  // host
}

TEST_F(ErrnoTest, MmapBadFd) {
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate, 99, 0), Errno::badf);  // host
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate, -1, 0), Errno::badf);
  ASSERT_TRUE(p_.close(ro_).ok());
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate, ro_, 0), Errno::badf);
}

TEST_F(ErrnoTest, MmapFdIgnoredWithMapAnonymous) {
  EXPECT_OK(p_.mmap(0, P, kRW, kPrivAnon, 99, 0));  // host
  EXPECT_OK(p_.mmap(0, P, kRW, kPrivAnon, dir_, 0));
}

TEST_F(ErrnoTest, MmapOfADirectoryIsEnodev) {
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate, dir_, 0), Errno::nodev);  // host
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapShared, dir_, 0), Errno::nodev);
}

TEST_F(ErrnoTest, MmapOfDevNullIsEnodev) {
  auto null = p_.open("/dev/null", kORdwr);
  ASSERT_TRUE(null.ok());
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate, *null, 0), Errno::nodev);  // host
}

TEST_F(ErrnoTest, MmapOfAWriteOnlyFdIsEacces) {
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate, wo_, 0), Errno::acces);  // host
  EXPECT_ERRNO(p_.mmap(0, P, kProtWrite, kMapShared, wo_, 0), Errno::acces);  // host
}

TEST_F(ErrnoTest, MmapSharedWritableOfAReadOnlyFdIsEacces) {
  EXPECT_ERRNO(p_.mmap(0, P, kRW, kMapShared, ro_, 0), Errno::acces);  // host
  EXPECT_OK(p_.mmap(0, P, kRW, kMapPrivate, ro_, 0));                 // host
  EXPECT_OK(p_.mmap(0, P, kProtRead, kMapShared, ro_, 0));
}

TEST_F(ErrnoTest, MmapGrowsdownOfAFileOrSharedMemory) {
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate | kMapGrowsdown, ro_, 0), Errno::inval);  // host
  EXPECT_ERRNO(p_.mmap(0, P, kRW, kSharedAnon | kMapGrowsdown, -1, 0), Errno::inval);          // host
  EXPECT_OK(p_.mmap(0, P, kRW, kPrivAnon | kMapGrowsdown, -1, 0));
}

TEST_F(ErrnoTest, MmapFixedNoreplaceOverlap) {
  const VirtAddr x = with_hole();
  EXPECT_ERRNO(p_.mmap(x + P, P, kRW, kPrivAnon | kMapFixedNoreplace, -1, 0), Errno::exist);  // host
  EXPECT_ERRNO(p_.mmap(x + 3 * P, 2 * P, kRW, kPrivAnon | kMapFixedNoreplace, -1, 0), Errno::exist);
  auto ok = p_.mmap(x + 3 * P, P, kRW, kPrivAnon | kMapFixedNoreplace, -1, 0);  // exactly the hole
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, x + 3 * P);
}

TEST_F(ErrnoTest, MmapFixedBelowMmapMinAddr) {
  EXPECT_ERRNO(p_.mmap(0, P, kRW, kPrivAnon | kMapFixed, -1, 0), Errno::perm);  // host, unprivileged
  EXPECT_OK(p_.mmap(0x1000, P, kRW, kPrivAnon | kMapFixed, -1, 0));            // host: min is 4096
}

TEST_F(ErrnoTest, MmapFixedBeyondTaskSize) {
  EXPECT_ERRNO(p_.mmap(0x800000000000, P, kRW, kPrivAnon | kMapFixed, -1, 0), Errno::nomem);  // host
  EXPECT_ERRNO(p_.mmap(kTaskSize, 2 * P, kRW, kPrivAnon | kMapFixed, -1, 0), Errno::nomem);   // host: straddles
  EXPECT_ERRNO(p_.mmap(kTaskSize - P, 2 * P, kRW, kPrivAnon | kMapFixed, -1, 0), Errno::nomem);
}

// do_mmap() picks and checks the address (get_unmapped_area(), mmap_min_addr, the
// MAP_FIXED_NOREPLACE overlap) before it looks at the mapping type or the file (host,
// unprivileged: each of these).
TEST_F(ErrnoTest, MmapAddressIsCheckedBeforeTypeAndFile) {
  const VirtAddr x = with_hole();
  EXPECT_ERRNO(p_.mmap(0, P, kRW, kMapFixed | kMapAnonymous, -1, 0), Errno::perm);
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate | kMapFixed, dir_, 0), Errno::perm);
  EXPECT_ERRNO(p_.mmap(x, P, kProtRead, kMapPrivate | kMapFixedNoreplace, wo_, 0), Errno::exist);
  EXPECT_ERRNO(p_.mmap(x, P, kProtRead, kMapPrivate | kMapFixedNoreplace, dir_, 0), Errno::exist);
  EXPECT_ERRNO(p_.mmap(0x800000000000, P, kProtRead, kMapPrivate | kMapFixed, wo_, 0), Errno::nomem);
  EXPECT_ERRNO(p_.mmap(0, ~0ULL, kRW, kMapAnonymous, -1, 0), Errno::nomem);
  // The descriptor itself is looked up first of all (ksys_mmap_pgoff()).
  EXPECT_ERRNO(p_.mmap(0, P, kProtRead, kMapPrivate | kMapFixed, 99, 0), Errno::badf);
}

TEST_F(ErrnoTest, MmapBogusProtBitsAreIgnored) {
  EXPECT_OK(p_.mmap(0, P, 0x10 | kProtRead, kPrivAnon, -1, 0));  // host: mmap does not check prot
}

// max_map_count = 65530. do_mmap() refuses only when map_count > max, so a new VMA
// can make 65531; a split refuses at map_count >= max (host: all of this, as root).
TEST_F(ErrnoTest, MaxMapCount) {
  const VirtAddr big = 0x100000000;
  ASSERT_TRUE(p_.mmap(big, 3 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  std::size_t count = test::count_lines(p_.proc("maps"));
  const VirtAddr base = 0x200000000;
  std::uint64_t i = 0;
  auto map_next = [&] {
    // Alternating protections: no two neighbours merge.
    return p_.mmap(base + i * P, P, (i & 1) ? kProtRead : kRW, kPrivAnon | kMapFixed, -1, 0);
  };
  for (; count < 65530; ++i, ++count) ASSERT_TRUE(map_next().ok()) << count;
  ASSERT_EQ(test::count_lines(p_.proc("maps")), 65530u);

  // At the limit: a split is refused ...
  EXPECT_ERRNO(p_.mprotect(big + P, P, kProtRead), Errno::nomem);
  EXPECT_ERRNO(p_.munmap(big + P, P), Errno::nomem);
  EXPECT_ERRNO(p_.madvise(big + P, P, kMadvDontfork), Errno::nomem);
  // ... but unmapping the first page splits only to remove: allowed.
  EXPECT_OK(p_.munmap(big, P));
  EXPECT_ERRNO(p_.mprotect(big + P, P, kProtRead), Errno::nomem);  // still needs a split
  // A change that merges instead of splitting is fine: page 1 (read-only) made
  // writable joins pages 0 and 2.
  EXPECT_OK(p_.mprotect(base + P, P, kRW));
  EXPECT_EQ(test::count_lines(p_.proc("maps")), 65528u);
  EXPECT_OK(p_.mprotect(base + P, P, kProtRead));  // a split at 65528: fine again
  EXPECT_EQ(test::count_lines(p_.proc("maps")), 65530u);

  // One more mapping is allowed (65531), the next is not, even one that would merge.
  ++i;
  EXPECT_OK(map_next());
  EXPECT_EQ(test::count_lines(p_.proc("maps")), 65531u);
  ++i;
  EXPECT_ERRNO(map_next(), Errno::nomem);
  --i;
  EXPECT_ERRNO(p_.mmap(base + (i + 1) * P, P, (i & 1) ? kProtRead : kRW, kPrivAnon | kMapFixed, -1, 0), Errno::nomem);
  EXPECT_ERRNO(p_.mmap(0, P, kRW, kPrivAnon, -1, 0), Errno::nomem);
  // brk cannot add a VMA either (do_brk_flags(): map_count > max).
  const VirtAddr brk = p_.brk(0);
  EXPECT_EQ(p_.brk(brk + P), brk);
  // Unmapping one whole VMA makes room again.
  EXPECT_OK(p_.munmap(base, P));
  EXPECT_OK(p_.mmap(0, P, kRW, kPrivAnon, -1, 0));
}

// ---- munmap ------------------------------------------------------------------------

TEST_F(ErrnoTest, MunmapUnaligned) { EXPECT_ERRNO(p_.munmap(anon() + 1, P), Errno::inval); }  // host

TEST_F(ErrnoTest, MunmapLengthZero) { EXPECT_ERRNO(p_.munmap(anon(), 0), Errno::inval); }  // host

TEST_F(ErrnoTest, MunmapBeyondTaskSize) {
  EXPECT_ERRNO(p_.munmap(kTaskSize, 2 * P), Errno::inval);  // host
  EXPECT_ERRNO(p_.munmap(anon(), ~0ULL), Errno::inval);     // host
}

TEST_F(ErrnoTest, MunmapOfNothingSucceeds) { EXPECT_OK(p_.munmap(kFree, P)); }  // host

// ---- mprotect ----------------------------------------------------------------------

TEST_F(ErrnoTest, MprotectUnaligned) { EXPECT_ERRNO(p_.mprotect(anon() + 1, P, kProtRead), Errno::inval); }  // host

TEST_F(ErrnoTest, MprotectBadProtBits) {
  const VirtAddr a = anon();
  EXPECT_ERRNO(p_.mprotect(a, P, 0x10), Errno::inval);  // host
  EXPECT_ERRNO(p_.mprotect(a, P, 0x80 | kProtRead), Errno::inval);
  EXPECT_OK(p_.mprotect(a, P, 0x8 | kRW));  // PROT_SEM is accepted (host)
}

TEST_F(ErrnoTest, MprotectLengthZeroSucceedsEvenUnmapped) {
  EXPECT_OK(p_.mprotect(kFree, 0, kProtRead));  // host
}

TEST_F(ErrnoTest, MprotectUnmapped) { EXPECT_ERRNO(p_.mprotect(kFree, P, kProtRead), Errno::nomem); }  // host

TEST_F(ErrnoTest, MprotectWrapping) {
  const VirtAddr a = anon();
  EXPECT_ERRNO(p_.mprotect(a, ~0ULL - a + 10, kProtRead), Errno::nomem);  // host
}

TEST_F(ErrnoTest, MprotectHoleChangesTheVmasBeforeIt) {
  const VirtAddr x = with_hole();
  EXPECT_ERRNO(p_.mprotect(x, 5 * P, kProtRead), Errno::nomem);  // host
  auto w = p_.store<std::uint8_t>(x, 1);  // host: the first VMA became read-only
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, kSegvAccErr);
  EXPECT_TRUE(p_.store<std::uint8_t>(x + 4 * P, 1).ok());  // after the hole: unchanged
  // A range starting in a hole fails before changing anything.
  EXPECT_ERRNO(p_.mprotect(x + 3 * P, 2 * P, kProtNone), Errno::nomem);
  EXPECT_TRUE(p_.store<std::uint8_t>(x + 4 * P, 2).ok());
}

TEST_F(ErrnoTest, MprotectGrowsFlags) {
  const VirtAddr a = anon();
  EXPECT_ERRNO(p_.mprotect(a, P, kProtRead | kProtGrowsdown | kProtGrowsup), Errno::inval);  // host
  EXPECT_ERRNO(p_.mprotect(a, P, kProtRead | kProtGrowsdown), Errno::inval);  // host: not VM_GROWSDOWN
  EXPECT_ERRNO(p_.mprotect(a, P, kProtRead | kProtGrowsup), Errno::inval);    // host
  const auto st = test::maps_named(p_.proc("maps"), "[stack]");
  EXPECT_OK(p_.mprotect(st.end - P, P, kRW | kProtGrowsdown));
}

TEST_F(ErrnoTest, MprotectWritableOnASharedReadOnlyFileMapping) {
  auto a = p_.mmap(0, P, kProtRead, kMapShared, ro_, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_ERRNO(p_.mprotect(*a, P, kRW), Errno::acces);  // host
  auto b = p_.mmap(0, P, kProtRead, kMapPrivate, ro_, 0);
  ASSERT_TRUE(b.ok());
  EXPECT_OK(p_.mprotect(*b, P, kRW));  // host
}

// ---- madvise -----------------------------------------------------------------------

TEST_F(ErrnoTest, MadviseBadAdvice) {
  const VirtAddr a = anon();
  EXPECT_ERRNO(p_.madvise(a, P, 12345), Errno::inval);  // host
  EXPECT_ERRNO(p_.madvise(a, P, -1), Errno::inval);
  EXPECT_ERRNO(p_.madvise(a, P, 25), Errno::inval);  // host: MADV_COLLAPSE on this VMA
}

TEST_F(ErrnoTest, MadviseUnaligned) { EXPECT_ERRNO(p_.madvise(anon() + 1, P, kMadvDontneed), Errno::inval); }  // host

TEST_F(ErrnoTest, MadviseLengthRoundingToZero) {
  EXPECT_ERRNO(p_.madvise(anon(), ~0ULL, kMadvDontneed), Errno::inval);  // host
}

TEST_F(ErrnoTest, MadviseLengthZeroSucceedsEvenUnmapped) { EXPECT_OK(p_.madvise(kFree, 0, kMadvDontneed)); }  // host

TEST_F(ErrnoTest, MadviseUnmapped) { EXPECT_ERRNO(p_.madvise(kFree, P, kMadvDontneed), Errno::nomem); }  // host

TEST_F(ErrnoTest, MadviseHoleProcessesTheMappedParts) {
  const VirtAddr x = with_hole();
  ASSERT_TRUE(p_.store<std::uint8_t>(x, 1).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(x + 4 * P, 1).ok());
  EXPECT_ERRNO(p_.madvise(x, 5 * P, kMadvDontneed), Errno::nomem);  // host
  EXPECT_EQ(*p_.load<std::uint8_t>(x), 0u);
  EXPECT_EQ(*p_.load<std::uint8_t>(x + 4 * P), 0u);
}

TEST_F(ErrnoTest, MadviseDontneedOnALockedVma) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon | kMapLocked, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_ERRNO(p_.madvise(*a, P, kMadvDontneed), Errno::inval);  // host
  EXPECT_ERRNO(p_.madvise(*a, P, kMadvFree), Errno::inval);      // host
  EXPECT_ERRNO(p_.madvise(*a, P, kMadvCold), Errno::inval);
  EXPECT_ERRNO(p_.madvise(*a, P, kMadvRemove), Errno::inval);
}

TEST_F(ErrnoTest, MadviseDontneedLockedIsAllowedOnALockedVma) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon | kMapLocked, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint32_t>(*a, 5).ok());
  EXPECT_OK(p_.madvise(*a, P, kMadvDontneedLocked));  // host
  EXPECT_EQ(*p_.load<std::uint32_t>(*a), 0u);
}

TEST_F(ErrnoTest, MadviseFreeOnFileOrSharedMemory) {
  auto file = p_.mmap(0, P, kRW, kMapPrivate, ro_, 0);
  auto shared = p_.mmap(0, P, kRW, kSharedAnon, -1, 0);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(shared.ok());
  EXPECT_ERRNO(p_.madvise(*file, P, kMadvFree), Errno::inval);    // host
  EXPECT_ERRNO(p_.madvise(*shared, P, kMadvFree), Errno::inval);  // host
}

TEST_F(ErrnoTest, MadviseWipeonforkOnFileOrSharedMemory) {
  auto file = p_.mmap(0, P, kRW, kMapPrivate, ro_, 0);
  auto shared = p_.mmap(0, P, kRW, kSharedAnon, -1, 0);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(shared.ok());
  EXPECT_ERRNO(p_.madvise(*file, P, kMadvWipeonfork), Errno::inval);    // host
  EXPECT_ERRNO(p_.madvise(*shared, P, kMadvWipeonfork), Errno::inval);  // host
  EXPECT_OK(p_.madvise(anon(), P, kMadvWipeonfork));
}

TEST_F(ErrnoTest, MadviseRemove) {
  EXPECT_ERRNO(p_.madvise(anon(), P, kMadvRemove), Errno::inval);  // host: no file
  auto priv = p_.mmap(0, P, kRW, kMapPrivate, ro_, 0);
  auto shared_ro = p_.mmap(0, P, kProtRead, kMapShared, ro_, 0);
  ASSERT_TRUE(priv.ok());
  ASSERT_TRUE(shared_ro.ok());
  EXPECT_ERRNO(p_.madvise(*priv, P, kMadvRemove), Errno::acces);       // host
  EXPECT_ERRNO(p_.madvise(*shared_ro, P, kMadvRemove), Errno::acces);  // host
  auto shared = p_.mmap(0, 2 * P, kRW, kMapShared, rw_, 0);
  ASSERT_TRUE(shared.ok());
  EXPECT_OK(p_.madvise(*shared, P, kMadvRemove));
  EXPECT_EQ(*p_.load<char>(*shared), 0);  // the hole reads zeros
  EXPECT_EQ(*p_.load<char>(*shared + P), 'b');
}

TEST_F(ErrnoTest, MadviseMergeableWithoutKsm) {
  // vmlab models CONFIG_KSM=n (docs/limitations.md); the host has KSM and says 0.
  EXPECT_ERRNO(p_.madvise(anon(), P, kMadvMergeable), Errno::inval);
}

// MADV_PAGEOUT is valid on Linux (host: 0 on private anonymous memory); vmlab, which
// models no reclaim yet, refuses it with EINVAL. Kept here, disabled, as the record of
// a known disagreement.
TEST_F(ErrnoTest, DISABLED_MadvisePageoutIsValid) { EXPECT_OK(p_.madvise(anon(), P, kMadvPageout)); }

// ---- msync -------------------------------------------------------------------------

TEST_F(ErrnoTest, MsyncBadFlags) {
  const VirtAddr a = anon();
  EXPECT_ERRNO(p_.msync(a, P, 8), Errno::inval);  // host
  EXPECT_ERRNO(p_.msync(a, P, kMsSync | 0x100), Errno::inval);
}

TEST_F(ErrnoTest, MsyncSyncAndAsyncTogether) {
  EXPECT_ERRNO(p_.msync(anon(), P, kMsSync | kMsAsync), Errno::inval);  // host
}

TEST_F(ErrnoTest, MsyncUnaligned) { EXPECT_ERRNO(p_.msync(anon() + 1, P, kMsSync), Errno::inval); }  // host

TEST_F(ErrnoTest, MsyncUnmapped) {
  EXPECT_ERRNO(p_.msync(kFree, P, kMsSync), Errno::nomem);   // host
  EXPECT_ERRNO(p_.msync(kFree, P, kMsAsync), Errno::nomem);  // host
}

TEST_F(ErrnoTest, MsyncHole) {
  const VirtAddr x = with_hole();
  EXPECT_ERRNO(p_.msync(x, 5 * P, kMsSync), Errno::nomem);   // host
  EXPECT_ERRNO(p_.msync(x, 5 * P, kMsAsync), Errno::nomem);  // host
  EXPECT_OK(p_.msync(x, 3 * P, kMsSync));
}

TEST_F(ErrnoTest, MsyncHoleStillWritesBackTheMappedParts) {
  const VirtAddr x = 0x20000000;
  ASSERT_TRUE(p_.mmap(x, P, kRW, kMapShared | kMapFixed, rw_, 0).ok());
  ASSERT_TRUE(p_.mmap(x + 2 * P, P, kRW, kMapShared | kMapFixed, rw_, P).ok());
  m_.sync();
  ASSERT_TRUE(p_.store<char>(x, 'A').ok());
  ASSERT_TRUE(p_.store<char>(x + 2 * P, 'B').ok());
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 8u);
  EXPECT_ERRNO(p_.msync(x, 3 * P, kMsSync), Errno::nomem);
  EXPECT_EQ(m_.meminfo_kb("Dirty"), 0u);
}

TEST_F(ErrnoTest, MsyncLengthZeroSucceeds) { EXPECT_OK(p_.msync(kFree, 0, kMsSync)); }  // host

TEST_F(ErrnoTest, MsyncWrapping) {
  const VirtAddr a = anon();
  EXPECT_ERRNO(p_.msync(a, ~0ULL - a + 10, kMsSync), Errno::nomem);  // host
}

TEST_F(ErrnoTest, MsyncInvalidateOfLockedMemory) {
  auto a = p_.mmap(0, P, kRW, kPrivAnon | kMapLocked, -1, 0);
  ASSERT_TRUE(a.ok());
  EXPECT_ERRNO(p_.msync(*a, P, kMsInvalidate), Errno::busy);  // host
  EXPECT_ERRNO(p_.msync(*a, P, kMsSync | kMsInvalidate), Errno::busy);
  EXPECT_OK(p_.msync(*a, P, kMsSync));
  EXPECT_OK(p_.msync(anon(), P, kMsInvalidate));  // host
}

// ---- mremap ------------------------------------------------------------------------

TEST_F(ErrnoTest, MremapUnaligned) { EXPECT_ERRNO(p_.mremap(anon() + 1, P, P, 0), Errno::inval); }  // host

TEST_F(ErrnoTest, MremapNewSizeZero) { EXPECT_ERRNO(p_.mremap(anon(), P, 0, kMremapMaymove), Errno::inval); }  // host

TEST_F(ErrnoTest, MremapBadFlags) { EXPECT_ERRNO(p_.mremap(anon(), P, P, 8), Errno::inval); }  // host

TEST_F(ErrnoTest, MremapFixedWithoutMaymove) {
  EXPECT_ERRNO(p_.mremap(anon(), P, P, kMremapFixed, 0x50000000), Errno::inval);  // host
}

TEST_F(ErrnoTest, MremapDontunmapRules) {
  const VirtAddr a = anon(2 * P);
  EXPECT_ERRNO(p_.mremap(a, P, P, kMremapDontunmap, 0x50000000), Errno::inval);                   // host: needs MAYMOVE
  EXPECT_ERRNO(p_.mremap(a, P, 2 * P, kMremapMaymove | kMremapDontunmap, 0x50000000), Errno::inval);  // host: resize
}

TEST_F(ErrnoTest, MremapFixedNewAddressChecks) {
  const VirtAddr a = anon();
  EXPECT_ERRNO(p_.mremap(a, P, P, kMremapMaymove | kMremapFixed, 0x50000001), Errno::inval);  // host
  EXPECT_ERRNO(p_.mremap(a, P, P, kMremapMaymove | kMremapFixed, kTaskSize), Errno::inval);   // host
}

TEST_F(ErrnoTest, MremapOverlappingRanges) {
  const VirtAddr x = with_hole();
  EXPECT_ERRNO(p_.mremap(x, 2 * P, 2 * P, kMremapMaymove | kMremapFixed, x + P), Errno::inval);  // host
  EXPECT_ERRNO(p_.mremap(x + P, P, 2 * P, kMremapMaymove | kMremapFixed, x), Errno::inval);
}

TEST_F(ErrnoTest, MremapNewSizeBeyondTaskSize) {
  EXPECT_ERRNO(p_.mremap(anon(), P, 0x800000000000, kMremapMaymove), Errno::inval);  // host
  EXPECT_ERRNO(p_.mremap(anon(), P, 0x800000000000, 0), Errno::inval);               // host
}

TEST_F(ErrnoTest, MremapOfNothing) {
  EXPECT_ERRNO(p_.mremap(kFree, P, 2 * P, kMremapMaymove), Errno::fault);  // host
  EXPECT_ERRNO(p_.mremap(kFree, P, P, 0), Errno::fault);
}

TEST_F(ErrnoTest, MremapGrowAcrossAVmaBoundary) {
  const VirtAddr x = with_hole();
  EXPECT_ERRNO(p_.mremap(x + 2 * P, 3 * P, 4 * P, kMremapMaymove), Errno::fault);  // host
}

TEST_F(ErrnoTest, MremapCannotGrowInPlaceWithoutMaymove) {
  const VirtAddr x = 0x30000000;
  ASSERT_TRUE(p_.mmap(x, 2 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.mmap(x + 2 * P, P, kProtRead, kPrivAnon | kMapFixed, -1, 0).ok());
  EXPECT_ERRNO(p_.mremap(x, 2 * P, 4 * P, 0), Errno::nomem);  // host
  EXPECT_OK(p_.mremap(x, 2 * P, 2 * P, 0));  // host: same size is a no-op
  EXPECT_OK(p_.mremap(x, 3 * P, P, 0));      // host: shrinking across the boundary unmaps
}

TEST_F(ErrnoTest, MremapOldSizeZero) {
  EXPECT_ERRNO(p_.mremap(anon(), 0, P, kMremapMaymove), Errno::inval);   // host: private
  EXPECT_OK(p_.mremap(anon(P, kRW, kSharedAnon), 0, P, kMremapMaymove));  // host: shared duplicates
}

// ---- brk ---------------------------------------------------------------------------

TEST_F(ErrnoTest, BrkBelowStartIsIgnored) {
  const VirtAddr start = p_.brk(0);
  EXPECT_EQ(p_.brk(0x1000), start);  // host: the old break comes back
  EXPECT_EQ(p_.brk(start - 1), start);
  EXPECT_EQ(p_.brk(start + P), start + P);
  EXPECT_EQ(p_.brk(start - P), start + P);
}

TEST_F(ErrnoTest, BrkBeyondRlimitDataIsRefused) {
  MachineConfig c = test::small_config(64 * MiB);
  c.data_rlimit = 16 * P;
  Machine m(c);
  Process p = m.spawn("rlimit");
  const VirtAddr start = p.brk(0);
  EXPECT_EQ(p.brk(start + 16 * P), start + 16 * P);
  EXPECT_EQ(p.brk(start + 17 * P), start + 16 * P);
  test::expect_consistent(m);
}

// ---- file system calls -------------------------------------------------------------

TEST_F(ErrnoTest, OpenMissing) {
  EXPECT_ERRNO(p_.open("/tmp/nope", kORdonly), Errno::noent);        // host
  EXPECT_ERRNO(p_.open("/tmp/nope/x", kORdonly), Errno::noent);      // host
  EXPECT_ERRNO(p_.open("/nodir/x", kORdwr | kOCreat), Errno::noent);  // host
  EXPECT_ERRNO(p_.open("", kORdonly), Errno::noent);                 // host
}

TEST_F(ErrnoTest, OpenThroughAFileIsEnotdir) {
  EXPECT_ERRNO(p_.open("/tmp/f/x", kORdonly), Errno::notdir);             // host
  EXPECT_ERRNO(p_.open("/tmp/f", kORdonly | kODirectory), Errno::notdir);  // host
}

TEST_F(ErrnoTest, OpenExclusiveOfAnExistingFile) {
  EXPECT_ERRNO(p_.open("/tmp/f", kORdwr | kOCreat | kOExcl), Errno::exist);  // host
  EXPECT_OK(p_.open("/tmp/new", kORdwr | kOCreat | kOExcl));
}

TEST_F(ErrnoTest, OpenADirectoryForWriting) {
  EXPECT_ERRNO(p_.open("/tmp", kORdwr), Errno::isdir);  // host
}

TEST_F(ErrnoTest, ReadOfAWriteOnlyFd) {
  const VirtAddr buf = anon();
  EXPECT_ERRNO(p_.read(wo_, buf, 10), Errno::badf);      // host
  EXPECT_ERRNO(p_.pread(wo_, buf, 10, 0), Errno::badf);
}

TEST_F(ErrnoTest, WriteOfAReadOnlyFd) {
  const VirtAddr buf = anon();
  EXPECT_ERRNO(p_.write(ro_, buf, 10), Errno::badf);  // host
  EXPECT_ERRNO(p_.pwrite(ro_, buf, 10, 0), Errno::badf);
}

TEST_F(ErrnoTest, BadFdEverywhere) {
  const VirtAddr buf = anon();
  EXPECT_ERRNO(p_.read(99, buf, 1), Errno::badf);  // host
  EXPECT_ERRNO(p_.write(99, buf, 1), Errno::badf);
  EXPECT_ERRNO(p_.pread(-1, buf, 1, 0), Errno::badf);
  EXPECT_ERRNO(p_.pwrite(99, buf, 1, 0), Errno::badf);
  EXPECT_ERRNO(p_.lseek(99, 0, kSeekSet), Errno::badf);
  EXPECT_ERRNO(p_.ftruncate(99, 0), Errno::badf);
  EXPECT_ERRNO(p_.fsync(99), Errno::badf);
  EXPECT_ERRNO(p_.close(99), Errno::badf);
  EXPECT_OK(p_.close(ro_));
  EXPECT_ERRNO(p_.close(ro_), Errno::badf);  // host: closing twice
}

TEST_F(ErrnoTest, FtruncateOfAReadOnlyFd) {
  EXPECT_ERRNO(p_.ftruncate(ro_, 0), Errno::inval);   // host
  EXPECT_ERRNO(p_.ftruncate(dir_, 0), Errno::inval);  // host
}

TEST_F(ErrnoTest, FtruncateToANegativeLength) {
  EXPECT_ERRNO(p_.ftruncate(rw_, ~0ULL), Errno::inval);  // host: ftruncate(fd, -1)
  EXPECT_ERRNO(p_.ftruncate(rw_, 1ULL << 63), Errno::inval);
}

TEST_F(ErrnoTest, LseekBadWhenceOrNegativeResult) {
  EXPECT_ERRNO(p_.lseek(rw_, 0, 7), Errno::inval);            // host
  EXPECT_ERRNO(p_.lseek(rw_, -10, kSeekSet), Errno::inval);   // host
  EXPECT_ERRNO(p_.lseek(rw_, -100000, kSeekEnd), Errno::inval);  // host
  EXPECT_EQ(*p_.lseek(rw_, -1, kSeekEnd), 2 * P - 1);
}

TEST_F(ErrnoTest, ReadIntoAnUnmappedBuffer) {
  EXPECT_ERRNO(p_.read(ro_, kFree, 10), Errno::fault);   // host
  EXPECT_ERRNO(p_.write(rw_, kFree, 10), Errno::fault);  // host
}

TEST_F(ErrnoTest, ReadIntoAReadOnlyOrInaccessibleBuffer) {
  EXPECT_ERRNO(p_.read(ro_, anon(P, kProtRead), 10), Errno::fault);   // host
  EXPECT_ERRNO(p_.write(rw_, anon(P, kProtNone), 10), Errno::fault);  // host
}

TEST_F(ErrnoTest, ReadIntoAPartlyMappedBufferIsShort) {
  const VirtAddr x = 0x20000000;
  ASSERT_TRUE(p_.mmap(x, P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  auto r = p_.read(ro_, x + P - 100, 2 * P);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 100u);
  EXPECT_EQ(*p_.load<char>(x + P - 1), 'a');
}

TEST_F(ErrnoTest, ReadOfADirectory) {
  EXPECT_ERRNO(p_.read(dir_, anon(), 10), Errno::isdir);  // host
}

TEST_F(ErrnoTest, DevNullAndDevZero) {
  auto null = p_.open("/dev/null", kORdwr);
  auto zero = p_.open("/dev/zero", kORdwr);
  ASSERT_TRUE(null.ok());
  ASSERT_TRUE(zero.ok());
  const VirtAddr buf = anon();
  ASSERT_TRUE(p_.store<std::uint32_t>(buf, 0xffffffff).ok());
  EXPECT_EQ(*p_.pread(*null, buf, 4, 0), 0u);   // host: EOF, not ESPIPE
  EXPECT_EQ(*p_.pwrite(*null, buf, 4, 0), 4u);  // host
  EXPECT_EQ(*p_.pread(*zero, buf, 4, 0), 4u);   // host
  EXPECT_EQ(*p_.load<std::uint32_t>(buf), 0u);
}

TEST_F(ErrnoTest, MkdirAndUnlink) {
  EXPECT_ERRNO(p_.mkdir("/tmp"), Errno::exist);         // host
  EXPECT_ERRNO(p_.mkdir("/tmp/a/b"), Errno::noent);     // host
  EXPECT_ERRNO(p_.mkdir("/tmp/f/b"), Errno::notdir);
  EXPECT_ERRNO(p_.unlink("/tmp/nonexist"), Errno::noent);  // host
  EXPECT_ERRNO(p_.unlink("/tmp"), Errno::isdir);           // host
  EXPECT_OK(p_.unlink("/tmp/f"));
  EXPECT_ERRNO(p_.open("/tmp/f", kORdonly), Errno::noent);
}

}  // namespace
}  // namespace vmlab
