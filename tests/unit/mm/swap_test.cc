// Memory under pressure through the C++ API: a 32 MiB machine with a 64 MiB swap file
// (memory.swap) reclaims and swaps when a process uses more than RAM; every byte comes
// back, fork shares the swapped pages, the accounting files agree, and the checker
// (swap_map against the entries and the swap cache) passes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using test::kPrivAnon;
using test::kRW;

constexpr std::uint64_t P = kPageSize;

MachineConfig pressure_config(std::uint64_t swap) {
  MachineConfig c = test::small_config(32 * MiB);
  c.swap_bytes = swap;
  return c;
}

// The byte each page holds: its index, scrambled so no page is all zeros.
std::uint32_t word_of(std::uint64_t page) { return static_cast<std::uint32_t>(page * 2654435761u + 1); }

class SwapTest : public ::testing::Test {
 protected:
  SwapTest() : m_(pressure_config(64 * MiB)), p_(m_.spawn("swap")) {}
  ~SwapTest() override { test::expect_consistent(m_); }
  // Maps and writes `pages` pages; returns where.
  VirtAddr fill(Process& p, std::uint64_t pages) {
    auto a = p.mmap(0, pages * P, kRW, kPrivAnon, -1, 0);
    EXPECT_TRUE(a.ok());
    for (std::uint64_t i = 0; i < pages; ++i) EXPECT_TRUE(p.store<std::uint32_t>(*a + i * P, word_of(i)).ok());
    return *a;
  }
  // Pages [first, pages) of the mapping at `a` that do not hold what fill() wrote.
  std::uint64_t wrong_words(Process& p, VirtAddr a, std::uint64_t pages, std::uint64_t first = 0) {
    std::uint64_t bad = 0;
    for (std::uint64_t i = first; i < pages; ++i) bad += *p.load<std::uint32_t>(a + i * P) != word_of(i);
    return bad;
  }
  Machine m_;
  Process p_;
};

TEST_F(SwapTest, MemorySwapMakesTheSwapFileAtBoot) {
  EXPECT_EQ(m_.meminfo_kb("SwapTotal"), 65532u);  // the header page is not usable
  EXPECT_EQ(m_.meminfo_kb("SwapFree"), 65532u);
  EXPECT_EQ(*m_.read_file("/proc/swaps"),
            "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
            "/swapfile                               file\t\t65532\t\t0\t\t-2\n");
  EXPECT_NE(m_.kernel_log().find("Adding 65532k swap on /swapfile.  Priority:-2 extents:1 across:65532k SS"),
            std::string::npos);
}

TEST_F(SwapTest, MoreThanRamIsSwappedOutAndEveryByteComesBack) {
  constexpr std::uint64_t kPages = 48 * MiB / P;  // one and a half times RAM
  const std::uint64_t anon0 = p_.status_kb("RssAnon") + p_.status_kb("VmSwap");
  const VirtAddr a = fill(p_, kPages);
  // Every page written is either resident or in swap, never both, never neither.
  EXPECT_EQ(p_.status_kb("RssAnon") + p_.status_kb("VmSwap"), anon0 + kPages * 4);
  EXPECT_GT(p_.status_kb("VmSwap"), 16u * 1024);
  EXPECT_GT(m_.vmstat_value("pswpout"), 4096u);
  EXPECT_GT(m_.vmstat_value("pgsteal_anon"), 4096u);
  // A slot in use is named by an entry, or holds a swap-cache page, or both.
  const std::uint64_t used = m_.meminfo_kb("SwapTotal") - m_.meminfo_kb("SwapFree");
  EXPECT_GE(used, p_.status_kb("VmSwap"));
  EXPECT_LE(used, p_.status_kb("VmSwap") + m_.meminfo_kb("SwapCached"));
  const std::uint64_t majflt = m_.vmstat_value("pgmajfault");
  EXPECT_EQ(wrong_words(p_, a, kPages), 0u);
  EXPECT_EQ(p_.status_kb("RssAnon") + p_.status_kb("VmSwap"), anon0 + kPages * 4);
  EXPECT_GT(m_.vmstat_value("pswpin"), 0u);
  EXPECT_GT(m_.vmstat_value("pgmajfault"), majflt);
}

// A "Name: N kB" field of the smaps block of the mapping that starts at `start`.
std::uint64_t smaps_kb(const Process& p, VirtAddr start, std::string_view field) {
  const std::string text = p.proc("smaps");
  std::size_t at = text.find(fmt::format("{:x}-", start));
  if (at == std::string::npos) return ~0ULL;
  at = text.find(fmt::format("\n{}:", field), at);
  return std::stoull(text.substr(text.find_first_of("0123456789", at)));
}

// madvise_free_pte_range(): a swapped-out page is freed at once (its entry and its
// slot go, the address reads zeros); a resident page still in the swap cache must give
// its slot up first (refused while its write is in flight: it then stays as it was).
TEST_F(SwapTest, MadvFreeFreesSwapEntries) {
  constexpr std::uint64_t kPages = 48 * MiB / P;
  const VirtAddr a = fill(p_, kPages);
  const std::uint64_t swap_kb = smaps_kb(p_, a, "Swap");
  ASSERT_GT(swap_kb, 1024u);
  const std::uint64_t other_swap_kb = p_.status_kb("VmSwap") - swap_kb;
  ASSERT_TRUE(p_.madvise(a, kPages * P, kMadvFree).ok());
  EXPECT_EQ(smaps_kb(p_, a, "Swap"), 0u);
  EXPECT_EQ(p_.status_kb("VmSwap"), other_swap_kb);
  // What the range's slots still hold is swap cache whose writes are in flight.
  const std::uint64_t used_kb = m_.meminfo_kb("SwapTotal") - m_.meminfo_kb("SwapFree");
  EXPECT_LE(used_kb, m_.meminfo_kb("SwapCached") + other_swap_kb);
  // Each page reads what fill() wrote (resident: lazily freeable, or kept) or zeros
  // (swapped out before, or discarded since); at least every swapped one is zero.
  std::uint64_t zeros = 0;
  for (std::uint64_t i = 0; i < kPages; ++i) {
    const std::uint32_t w = *p_.load<std::uint32_t>(a + i * P);
    ASSERT_TRUE(w == 0 || w == word_of(i)) << i;
    zeros += w == 0;
  }
  EXPECT_GE(zeros * 4, swap_kb);
}

TEST_F(SwapTest, ForkSharesSwappedPagesAndEachSideKeepsItsOwnWrites) {
  constexpr std::uint64_t kPages = 40 * MiB / P;
  const VirtAddr a = fill(p_, kPages);
  const std::uint64_t swapped = p_.status_kb("VmSwap");
  ASSERT_GT(swapped, 0u);
  auto child = p_.fork();
  ASSERT_TRUE(child.ok());
  // The child names the same slots: its VmSwap starts where the parent's is.
  EXPECT_EQ(child->status_kb("VmSwap"), swapped);
  EXPECT_TRUE(child->store<std::uint32_t>(a, 0xc0ffee).ok());
  EXPECT_EQ(*p_.load<std::uint32_t>(a), word_of(0));
  EXPECT_EQ(*child->load<std::uint32_t>(a), 0xc0ffeeu);
  EXPECT_EQ(wrong_words(*child, a, kPages, 1), 0u);
  child->exit(0);
  EXPECT_EQ(wrong_words(p_, a, kPages), 0u);
}

TEST_F(SwapTest, MunmapFreesTheSlots) {
  constexpr std::uint64_t kPages = 40 * MiB / P;
  const VirtAddr a = fill(p_, kPages);
  const std::uint64_t in_range = test::smaps_kb(p_.proc("smaps"), a, "Swap");
  const std::uint64_t swapped = p_.status_kb("VmSwap");
  ASSERT_GT(in_range, 0u);
  ASSERT_TRUE(p_.munmap(a, kPages * P).ok());
  // What stays swapped is outside the range (the stack's page, say).
  EXPECT_EQ(p_.status_kb("VmSwap"), swapped - in_range);
  const std::uint64_t used = m_.meminfo_kb("SwapTotal") - m_.meminfo_kb("SwapFree");
  EXPECT_LE(used, p_.status_kb("VmSwap") + m_.meminfo_kb("SwapCached"));
}

TEST_F(SwapTest, OomScoreAdjIsWritableWithLinuxsRules) {
  auto fd = p_.open("/proc/self/oom_score_adj", kORdwr);
  ASSERT_TRUE(fd.ok());
  auto buf = p_.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(buf.ok());
  auto put = [&](std::string_view text) {
    EXPECT_TRUE(p_.write_bytes(*buf, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}).ok());
    return p_.write(*fd, *buf, text.size());
  };
  EXPECT_EQ(*put("500\n"), 4u);
  EXPECT_EQ(*m_.read_file("/proc/" + std::to_string(p_.pid()) + "/oom_score_adj"), "500\n");
  EXPECT_EQ(put("1001").error(), Errno::inval);
  EXPECT_EQ(put("x").error(), Errno::inval);
  // Below the last privileged setting (0) needs CAP_SYS_RESOURCE.
  EXPECT_EQ(put("-1").error(), Errno::acces);
  EXPECT_EQ(*put("0"), 1u);
}

TEST(SwapOom, WithoutSwapTheLargestProcessIsKilledAndLogged) {
  Machine m(pressure_config(0));
  Process small = m.spawn("small");
  Process big = m.spawn("big");
  auto a = big.mmap(0, 64 * MiB, kRW, kPrivAnon | kMapNoreserve, -1, 0);
  ASSERT_TRUE(a.ok());
  bool stored = true;
  for (std::uint64_t off = 0; off < 64 * MiB && stored; off += P) stored = big.store<std::uint8_t>(*a + off, 1).ok();
  EXPECT_FALSE(stored);  // SIGKILL
  EXPECT_FALSE(big.alive());
  EXPECT_EQ(big.exit_status(), 9);  // killed by SIGKILL, as wait() reports it
  EXPECT_TRUE(small.alive());
  EXPECT_EQ(m.vmstat_value("oom_kill"), 1u);
  const std::string log = m.kernel_log();
  EXPECT_NE(log.find("Out of memory: Killed process " + std::to_string(big.pid()) + " (big)"), std::string::npos) << log;
  test::expect_consistent(m);
}

}  // namespace
}  // namespace vmlab
