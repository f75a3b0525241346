// The signals a guest instruction raises, with Linux's si_code and si_addr: SIGILL for
// illegal instructions, SIGSEGV for a NULL load and for a fetch from a page without
// execute permission, SIGBUS for misaligned atomics, SIGTRAP for ebreak. The pc stays at
// the instruction and the instruction does not retire.
#include <gtest/gtest.h>

#include "unit/guest/guest_programs.h"
#include "unit/guest/mini_runner.h"

namespace vmlab::test {
namespace {

using guest::rv64::StopReason;

struct Outcome {
  RunResult res;
  std::uint64_t pc = 0;
  std::uint32_t insn = 0;  // the 32 bits at pc (for checking which instruction stopped)
};

Outcome run(const char* name, const char* arg) {
  MiniRunner r;
  r.load(guest_program(name), {name, arg});
  Outcome o;
  o.res = r.run(1'000'000);
  o.pc = r.state().pc;
  std::uint8_t bytes[4] = {};
  (void)r.machine().kernel.copy_from_user(r.process(), bytes, o.pc);
  o.insn = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (static_cast<std::uint32_t>(bytes[3]) << 24);
  return o;
}

TEST(Signals, IllegalInstructionsRaiseSigillAtThePc) {
  // The all-zero parcel, an undefined opcode, a write to cycle, a machine CSR, mret,
  // and an FP operation in an invalid dynamic rounding mode.
  const std::uint32_t want[] = {0x0000, 0xffffffff, 0xc0001073, 0x30002573, 0x30200073, 0x02a57553};
  for (int i = 0; i < 6; ++i) {
    const std::string arg = std::to_string(i);
    Outcome o = run("sig_illegal", arg.c_str());
    ASSERT_EQ(o.res.stop.reason, StopReason::signal) << i;
    EXPECT_EQ(o.res.stop.sig.signo, Signal::sigill) << i;
    EXPECT_EQ(o.res.stop.sig.code, kIllOpc) << i;
    EXPECT_EQ(o.res.stop.sig.addr, o.pc) << i;
    if (i == 0) EXPECT_EQ(o.insn & 0xffff, 0u);
    else EXPECT_EQ(o.insn, want[i]) << i;
  }
}

TEST(Signals, NullLoadIsSegvMaperrAtZero) {
  Outcome o = run("sig_null", "0");
  ASSERT_EQ(o.res.stop.reason, StopReason::signal);
  EXPECT_EQ(o.res.stop.sig.signo, Signal::sigsegv);
  EXPECT_EQ(o.res.stop.sig.code, kSegvMapErr);
  EXPECT_EQ(o.res.stop.sig.addr, 0u);
  EXPECT_EQ(o.insn & 0xfff, 0x303u) << std::hex << o.insn;  // the ld
  // li, addi, and the program's entry instructions retired; the ld did not.
  EXPECT_EQ(o.res.instret, 2u);
}

TEST(Signals, FetchFromANonExecutablePageIsSegvAccerr) {
  for (const char* arg : {"0", "1"}) {  // the data segment, the stack
    Outcome o = run("sig_nx", arg);
    ASSERT_EQ(o.res.stop.reason, StopReason::signal) << arg;
    EXPECT_EQ(o.res.stop.sig.signo, Signal::sigsegv) << arg;
    EXPECT_EQ(o.res.stop.sig.code, kSegvAccErr) << arg;
    EXPECT_EQ(o.res.stop.sig.addr, o.pc) << arg;
  }
}

TEST(Signals, MisalignedAtomicsAreSigbusAdralnAtThePc) {
  for (const char* arg : {"0", "1", "2"}) {  // amoadd.w, lr.d, sc.w
    Outcome o = run("sig_amo", arg);
    ASSERT_EQ(o.res.stop.reason, StopReason::signal) << arg;
    EXPECT_EQ(o.res.stop.sig.signo, Signal::sigbus) << arg;
    EXPECT_EQ(o.res.stop.sig.code, kBusAdrAln) << arg;
    EXPECT_EQ(o.res.stop.sig.addr, o.pc) << arg;
    EXPECT_EQ(o.insn & 0x7f, 0x2fu) << arg;  // an AMO-major-opcode instruction
  }
}

TEST(Signals, MisalignedLoadIntoAnUnmappedPageIsSigbusAdralnAtThePc) {
  // Linux's emulation of the access fails (do_trap_load_misaligned()).
  Outcome o = run("misaligned", "unmapped");
  ASSERT_EQ(o.res.stop.reason, StopReason::signal);
  EXPECT_EQ(o.res.stop.sig.signo, Signal::sigbus);
  EXPECT_EQ(o.res.stop.sig.code, kBusAdrAln);
  EXPECT_EQ(o.res.stop.sig.addr, o.pc);
  EXPECT_TRUE((o.insn & 0x707f) == 0x3003u || (o.insn & 0xe003) == 0x6000u) << std::hex << o.insn;  // ld / c.ld
}

TEST(Signals, EbreakIsSigtrapBrkpt) {
  for (const char* arg : {"0", "1"}) {  // ebreak, c.ebreak
    Outcome o = run("sig_ebreak", arg);
    ASSERT_EQ(o.res.stop.reason, StopReason::signal) << arg;
    EXPECT_EQ(o.res.stop.sig.signo, Signal::sigtrap) << arg;
    EXPECT_EQ(o.res.stop.sig.code, kTrapBrkpt) << arg;
    EXPECT_EQ(o.res.stop.sig.addr, o.pc) << arg;
    if (arg[0] == '0') EXPECT_EQ(o.insn, 0x00100073u);
    else EXPECT_EQ(o.insn & 0xffff, 0x9002u);
  }
}

TEST(Signals, EcallStopsAtTheEcall) {
  // The first stop of tlb_pattern is its exit ecall.
  MiniRunner t;
  t.load(guest_program("tlb_pattern"));
  const auto stop = t.hart().run(t.process(), ~0ull >> 1);
  ASSERT_EQ(stop.reason, StopReason::ecall);
  std::uint8_t bytes[4] = {};
  ASSERT_TRUE(t.machine().kernel.copy_from_user(t.process(), bytes, t.state().pc));
  EXPECT_EQ(bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24), 0x00000073);
  EXPECT_EQ(t.state().x[17], 93u);  // a7: exit
}

}  // namespace
}  // namespace vmlab::test
