// The instruction groups, each by a guest program whose output was recorded with
// qemu-riscv64 (tests/unit/guest/expected, record_expected.sh): RV64I and M, A, F and
// D in every rounding mode, C, Zicsr, Zifencei with self-modifying code, and a static
// glibc program. Also what qemu cannot be the reference for: the exact counters, a
// store to code without fence.i, instructions that cross a page.
#include <gtest/gtest.h>

#include "unit/guest/guest_programs.h"
#include "unit/guest/mini_runner.h"

namespace vmlab::test {
namespace {

class IsaTest : public ::testing::TestWithParam<const char*> {};

TEST_P(IsaTest, OutputIsQemus) {
  MiniRunner r;
  r.load(guest_program(GetParam()));
  RunResult res = r.run();
  ASSERT_TRUE(res.exited) << "stopped with signal " << static_cast<int>(res.stop.sig.signo) << " at pc "
                          << std::hex << r.state().pc;
  EXPECT_EQ(res.exit_code, 0);
  const std::string want = expected_output(GetParam());
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(first_difference(res.out, want), "");
}

INSTANTIATE_TEST_SUITE_P(Programs, IsaTest,
                         ::testing::Values("isa_int", "isa_atomic", "isa_fp", "isa_compressed", "isa_csr", "smc",
                                           "misaligned", "libc_mix"));

std::uint64_t value_of(const std::string& out, const std::string& label) {
  const auto at = out.find(label + " ");
  if (at == std::string::npos) return ~0ull;
  return std::stoull(out.substr(at + label.size() + 1, 16), nullptr, 16);
}

TEST(Counters, InstretAndCycleCountRetiredInstructions) {
  MiniRunner r;
  r.load(guest_program("isa_csr"), {"isa_csr", "counters"});
  RunResult res = r.run();
  ASSERT_TRUE(res.exited);
  // rdinstret; ten nops; rdinstret: the second reads the first and the ten.
  EXPECT_EQ(value_of(res.out, "instret delta"), 11u) << res.out;
  EXPECT_EQ(value_of(res.out, "cycle delta"), 4u) << res.out;
  // time: the virtual clock at 10 MHz, one nanosecond per instruction by default (and
  // 20 per TLB walk, of which the loop has none or few).
  const std::uint64_t n = value_of(res.out, "loop instret");
  const std::uint64_t t = value_of(res.out, "loop time");
  EXPECT_GT(n, 100000u);
  EXPECT_GE(t, n / 100 - 1);
  EXPECT_LE(t, n / 100 + 2);
}

TEST(Counters, RunsChargeTheVirtualClock) {
  MiniRunner r;
  r.load(guest_program("tlb_pattern"));
  const std::uint64_t before = r.machine().sys.clock().now();
  RunResult res = r.run();
  ASSERT_TRUE(res.exited);
  // At least one nanosecond per instruction (faults add their own cost).
  EXPECT_GE(r.machine().sys.clock().now() - before, res.instret);
}

TEST(SelfModifyingCode, AStoreToCodeIsSeenWithoutFenceI) {
  MiniRunner r;
  r.load(guest_program("smc"), {"smc", "nofence"});
  RunResult res = r.run();
  ASSERT_TRUE(res.exited);
  EXPECT_EQ(value_of(res.out, "self no fence"), 99u) << res.out;
}

TEST(SelfModifyingCode, InvalidateCodeForgetsEveryDecodedPage) {
  MiniRunner r;
  r.load(guest_program("isa_int"));
  RunResult first = r.run(100000);
  EXPECT_FALSE(first.exited);
  r.hart().invalidate_code();
  RunResult rest = r.run();
  ASSERT_TRUE(rest.exited);
  EXPECT_EQ(first_difference(first.out + rest.out, expected_output("isa_int")), "");
}

TEST(CrossPage, InstructionsSplitByAPageBoundaryRun) {
  MiniRunner r;
  r.load(guest_program("cross_page"));
  RunResult res = r.run();
  ASSERT_TRUE(res.exited);
  EXPECT_EQ(res.exit_code, 62);
}

// Stopping every few instructions and resuming gives the same run: the same output,
// instruction count, registers and TLB counters.
TEST(Budget, SlicedRunsEqualOneRun) {
  // (Not programs with LR/SC loops: a stop between LR and SC clears the reservation,
  // as Linux's trap return does, and the loop runs again.)
  for (const char* name : {"isa_int", "isa_fp", "isa_compressed", "cross_page", "smc"}) {
    MiniRunner whole;
    whole.load(guest_program(name));
    RunResult a = whole.run();
    for (std::uint64_t slice : {1ull, 7ull, 1000ull}) {
      if (slice == 1 && std::string(name) == "isa_fp") continue;  // long; covered by the other slices
      MiniRunner sliced;
      sliced.load(guest_program(name));
      RunResult b = sliced.run(~0ull >> 1, slice);
      EXPECT_EQ(a.out, b.out) << name << " slice " << slice;
      EXPECT_EQ(a.exit_code, b.exit_code) << name << " slice " << slice;
      EXPECT_EQ(a.instret, b.instret) << name << " slice " << slice;
      EXPECT_EQ(whole.state().x, sliced.state().x) << name << " slice " << slice;
      const hw::Cpu& c1 = whole.machine().mmu.cpu(0);
      const hw::Cpu& c2 = sliced.machine().mmu.cpu(0);
      EXPECT_EQ(c1.l1i.counters().hits, c2.l1i.counters().hits) << name << " slice " << slice;
      EXPECT_EQ(c1.l1i.counters().misses, c2.l1i.counters().misses) << name << " slice " << slice;
      EXPECT_EQ(c1.l1d.counters().hits, c2.l1d.counters().hits) << name << " slice " << slice;
      EXPECT_EQ(c1.l1d.counters().misses, c2.l1d.counters().misses) << name << " slice " << slice;
      EXPECT_EQ(c1.l2.counters().hits, c2.l2.counters().hits) << name << " slice " << slice;
      EXPECT_EQ(c1.walks, c2.walks) << name << " slice " << slice;
    }
  }
}

}  // namespace
}  // namespace vmlab::test
