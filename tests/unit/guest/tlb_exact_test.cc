// The fast paths (soft TLBs, counting a block's fetches at once) leave exactly the TLB
// state and counters that one Mmu::translate() per fetch and per access leaves: every
// program runs twice, fast and in the hart's reference mode, and every counter agrees.
// And a program whose data accesses are known page by page gives exactly the hits and
// misses of an hw::Tlb of the L1 dTLB's geometry fed the same pages.
#include <gtest/gtest.h>

#include <set>

#include "hw/tlb.h"
#include "unit/guest/guest_programs.h"
#include "unit/guest/mini_runner.h"

namespace vmlab::test {
namespace {

struct Counters {
  hw::TlbCounters l1d, l1i, l2;
  std::uint64_t walks = 0, min_flt = 0, instret = 0;
  std::string out;
};

Counters run(const std::vector<std::string>& argv, bool reference) {
  MiniRunner r;
  r.load(guest_program(argv[0]), argv);
  r.hart().set_reference_mode(reference);
  RunResult res = r.run();
  EXPECT_TRUE(res.exited || res.stop.reason == guest::rv64::StopReason::signal) << argv[0];
  const hw::Cpu& c = r.machine().mmu.cpu(0);
  return Counters{c.l1d.counters(), c.l1i.counters(), c.l2.counters(), c.walks, r.process().usage.min_flt, res.instret,
                  res.out};
}

void expect_same(const hw::TlbCounters& a, const hw::TlbCounters& b, const std::string& what) {
  EXPECT_EQ(a.hits, b.hits) << what;
  EXPECT_EQ(a.misses, b.misses) << what;
  EXPECT_EQ(a.page_flushes, b.page_flushes) << what;
  EXPECT_EQ(a.full_flushes, b.full_flushes) << what;
}

class TlbExactTest : public ::testing::TestWithParam<std::vector<std::string>> {};

TEST_P(TlbExactTest, FastRunCountsWhatTheReferenceRunCounts) {
  const auto& argv = GetParam();
  const Counters fast = run(argv, false);
  const Counters ref = run(argv, true);
  expect_same(fast.l1d, ref.l1d, argv[0] + " l1d");
  expect_same(fast.l1i, ref.l1i, argv[0] + " l1i");
  expect_same(fast.l2, ref.l2, argv[0] + " l2");
  EXPECT_EQ(fast.walks, ref.walks) << argv[0];
  EXPECT_EQ(fast.min_flt, ref.min_flt) << argv[0];
  EXPECT_EQ(fast.instret, ref.instret) << argv[0];
  EXPECT_EQ(fast.out, ref.out) << argv[0];
  EXPECT_GT(fast.l1i.hits + fast.l1i.misses, 0u) << argv[0];
}

INSTANTIATE_TEST_SUITE_P(
    Programs, TlbExactTest,
    ::testing::Values(std::vector<std::string>{"isa_int"}, std::vector<std::string>{"isa_atomic"},
                      std::vector<std::string>{"isa_compressed"}, std::vector<std::string>{"isa_csr"},
                      std::vector<std::string>{"smc"}, std::vector<std::string>{"smc", "nofence"},
                      std::vector<std::string>{"cross_page"}, std::vector<std::string>{"misaligned"},
                      std::vector<std::string>{"misaligned", "unmapped"}, std::vector<std::string>{"touch_pages", "150"},
                      std::vector<std::string>{"tlb_pattern"}, std::vector<std::string>{"libc_mix"},
                      std::vector<std::string>{"sig_null"}, std::vector<std::string>{"sig_nx", "1"}));

// tlb_pattern's loads, page by page (see programs/tlb_pattern.S), relative to its
// 64 KiB-aligned buffer.
std::vector<std::uint64_t> pattern_pages() {
  std::vector<std::uint64_t> pages;
  for (int pass = 0; pass < 2; ++pass) {
    for (std::uint64_t i = 0; i < 200; ++i) pages.push_back(i);
  }
  for (int pass = 0; pass < 5; ++pass) {
    for (std::uint64_t i = 0; i < 8; ++i) pages.push_back(16 * i);
  }
  for (int i = 0; i < 100; ++i) {
    pages.push_back(3);
    pages.push_back(4);
  }
  return pages;
}

TEST(TlbExact, DataAccessesHitAndMissAsTheTlbModelSays) {
  MiniRunner r;
  r.load(guest_program("tlb_pattern"));
  hw::Cpu& cpu = r.machine().mmu.cpu(0);
  // Start from an empty TLB (execve's own accesses filled some entries).
  r.machine().mmu.flush_mm(r.process().mm.get());
  const hw::TlbCounters before = cpu.l1d.counters();
  RunResult res = r.run();
  ASSERT_TRUE(res.exited);
  const std::uint64_t hits = cpu.l1d.counters().hits - before.hits;
  const std::uint64_t misses = cpu.l1d.counters().misses - before.misses;

  // The model: a page's first load faults (a miss that walks to nothing), the retry
  // misses again and fills the entry; later loads look up as usual.
  hw::Tlb model(r.machine().config.l1d_tlb);
  std::set<std::uint64_t> touched;
  for (std::uint64_t page : pattern_pages()) {
    const std::uint64_t vpn = 0x100000 + page;  // any 16-page-aligned base: same sets
    if (touched.insert(page).second) {
      EXPECT_EQ(model.lookup(vpn), nullptr);
      EXPECT_EQ(model.lookup(vpn), nullptr);
      model.insert(hw::TlbEntry{vpn, 1, false, false, false});
      continue;
    }
    if (model.lookup(vpn) == nullptr) model.insert(hw::TlbEntry{vpn, 1, false, false, false});
  }
  EXPECT_EQ(hits, model.counters().hits);
  EXPECT_EQ(misses, model.counters().misses);
  // 200 faulting pages twice, the thrashing second pass, the one-set pattern, pages 3 and 4.
  EXPECT_EQ(misses, 2 * 200 + 200 + 5 * 8 + 2);
}

}  // namespace
}  // namespace vmlab::test
