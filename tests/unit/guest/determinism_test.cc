// Two runs of the same program on two fresh machines are identical: the same
// instructions retired, registers, output, TLB counters, faults and virtual time. No
// host time or randomness reaches the guest.
#include <gtest/gtest.h>

#include "unit/guest/guest_programs.h"
#include "unit/guest/mini_runner.h"
#include "vmlab/machine.h"

namespace vmlab::test {
namespace {

struct Snapshot {
  RunResult res;
  guest::rv64::HartState state;
  Machine::TlbStats tlb{};
  std::uint64_t min_flt = 0, clock = 0;
};

Snapshot run(const std::string& name) {
  MiniRunner r;
  r.load(guest_program(name));
  Snapshot s;
  s.res = r.run();
  s.state = r.state();
  const hw::Cpu& c = r.machine().mmu.cpu(0);
  s.tlb = {c.l1d.counters().hits, c.l1d.counters().misses, c.l1i.counters().hits, c.l1i.counters().misses,
           c.l2.counters().hits,  c.l2.counters().misses,  c.walks,                c.l1d.counters().full_flushes};
  s.min_flt = r.process().usage.min_flt;
  s.clock = r.machine().sys.clock().now();
  return s;
}

TEST(Determinism, TwoRunsAreIdentical) {
  for (const char* name : {"libc_mix", "isa_fp", "smc"}) {
    const Snapshot a = run(name), b = run(name);
    ASSERT_TRUE(a.res.exited) << name;
    EXPECT_EQ(a.res.out, b.res.out) << name;
    EXPECT_EQ(a.res.instret, b.res.instret) << name;
    EXPECT_EQ(a.state.x, b.state.x) << name;
    EXPECT_EQ(a.state.f, b.state.f) << name;
    EXPECT_EQ(a.state.fcsr, b.state.fcsr) << name;
    EXPECT_EQ(a.tlb.l1d_hits, b.tlb.l1d_hits) << name;
    EXPECT_EQ(a.tlb.l1d_misses, b.tlb.l1d_misses) << name;
    EXPECT_EQ(a.tlb.l1i_hits, b.tlb.l1i_hits) << name;
    EXPECT_EQ(a.tlb.l1i_misses, b.tlb.l1i_misses) << name;
    EXPECT_EQ(a.tlb.l2_hits, b.tlb.l2_hits) << name;
    EXPECT_EQ(a.tlb.walks, b.tlb.walks) << name;
    EXPECT_EQ(a.min_flt, b.min_flt) << name;
    EXPECT_EQ(a.clock, b.clock) << name;
  }
}

}  // namespace
}  // namespace vmlab::test
