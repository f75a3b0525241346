// The decoders on single encodings: fields and immediates at their extremes, the
// compressed forms as the 32-bit instructions they expand to, and reserved encodings
// as illegal.
#include <gtest/gtest.h>

#include "guest/rv64/decode.h"

namespace vmlab::guest::rv64 {
namespace {

Insn d32(std::uint32_t raw) {
  Insn i;
  decode32(raw, i);
  return i;
}
Insn d16(std::uint16_t raw) {
  Insn i;
  decode16(raw, i);
  return i;
}

TEST(Decode, ImmediatesAtTheirExtremes) {
  EXPECT_EQ(d32(0x80000093).imm, -2048);         // addi x1, x0, -2048
  EXPECT_EQ(d32(0x7ff00093).imm, 2047);          // addi x1, x0, 2047
  EXPECT_EQ(d32(0xfe000fa3).imm, -1);            // sb x0, -1(x0)
  EXPECT_EQ(d32(0x80000063).imm, -4096);         // beq x0, x0, -4096
  EXPECT_EQ(d32(0x7e000fe3).imm, 4094);          // beq x0, x0, 4094
  EXPECT_EQ(d32(0x800000ef).imm, -(1 << 20));    // jal ra, -1 MiB
  EXPECT_EQ(d32(0x7ffff0ef).imm, (1 << 20) - 2);  // jal ra, 1 MiB - 2
  EXPECT_EQ(d32(0xfffff0b7).imm, static_cast<std::int32_t>(0xfffff000u));  // lui ra, 0xfffff
  const Insn srai = d32(0x43f0d093);  // srai ra, ra, 63
  EXPECT_EQ(srai.op, Op::srai);
  EXPECT_EQ(srai.imm, 63);
}

TEST(Decode, WritesToX0GoToTheSink) {
  EXPECT_EQ(d32(0x00500013).rd, kSinkReg);  // addi x0, x0, 5
  EXPECT_EQ(d32(0x0000006f).rd, kSinkReg);  // j 0
  EXPECT_EQ(d32(0x00000013).rs1, 0);
  // FP destinations are f registers: f0 is real.
  const Insn fadd = d32(0x02107053);  // fadd.d f0, f0, f1
  EXPECT_EQ(fadd.op, Op::fadd_d);
  EXPECT_EQ(fadd.rd, 0);
}

TEST(Decode, CompressedFormsDecodeAsTheirExpansion) {
  struct Case {
    std::uint16_t c;
    std::uint32_t full;
  };
  const Case cases[] = {
      {0x0040, 0x00410413},  // c.addi4spn s0, sp, 4  = addi s0, sp, 4
      {0x1ffd, 0xffff8f93},  // c.addi t6, -1 = addi t6, t6, -1
      {0x557d, 0xfff00513},  // c.li a0, -1
      {0x6141, 0x01010113},  // c.addi16sp sp, 16
      {0x7179, 0xfd010113},  // c.addi16sp sp, -48
      {0x8082, 0x00008067},  // c.jr ra = ret
      {0x9002, 0x00100073},  // c.ebreak
      {0x852e, 0x00b00533},  // c.mv a0, a1 = add a0, x0, a1
      {0x952e, 0x00b50533},  // c.add a0, a1
      {0x6522, 0x00813503},  // c.ldsp a0, 8(sp)
      {0xe42a, 0x00a13423},  // c.sdsp a0, 8(sp)
      {0x8d0d, 0x40b50533},  // c.sub a0, a1
  };
  for (const Case& k : cases) {
    const Insn c = d16(k.c), f = d32(k.full);
    EXPECT_EQ(c.op, f.op) << std::hex << k.c << " " << op_name(c.op) << " vs " << op_name(f.op);
    if (c.op == Op::ebreak) continue;  // no operands
    EXPECT_EQ(c.rd, f.rd) << std::hex << k.c;
    EXPECT_EQ(c.rs1, f.rs1) << std::hex << k.c;
    if (c.op != Op::addi && c.op != Op::ld && c.op != Op::sd) EXPECT_EQ(c.rs2, f.rs2) << std::hex << k.c;
    EXPECT_EQ(c.imm, f.imm) << std::hex << k.c;
    EXPECT_EQ(c.stride, kStride2);
  }
}

TEST(Decode, ReservedEncodingsAreIllegal) {
  EXPECT_EQ(d16(0x0000).op, Op::illegal);  // the all-zero parcel
  EXPECT_EQ(d16(0x6101).op, Op::illegal);  // c.addi16sp with zero immediate
  EXPECT_EQ(d16(0x6081).op, Op::illegal);  // c.lui ra, 0: reserved
  EXPECT_EQ(d16(0x4002).op, Op::illegal);  // c.lwsp x0
  EXPECT_EQ(d16(0x8002).op, Op::illegal);  // c.jr x0
  EXPECT_EQ(d16(0x2001).op, Op::illegal);  // c.addiw x0
  EXPECT_EQ(d16(0x9c41).op, Op::illegal);  // reserved in the c.subw/c.addw group
  EXPECT_EQ(d32(0x0000707f).op, Op::illegal);
  EXPECT_EQ(d32(0x02a55553).op, Op::illegal);  // fadd.d rm=5
  EXPECT_EQ(d32(0x02a56553).op, Op::illegal);  // fadd.d rm=6
  EXPECT_EQ(d32(0x02a57553).op, Op::fadd_d);   // rm=7 (dynamic) is checked when run
  EXPECT_EQ(d32(0x10500073).op, Op::illegal);  // wfi
  EXPECT_EQ(d32(0x0000100f).op, Op::fence_i);
  EXPECT_EQ(d32(0x0ff0000f).op, Op::fence);
  EXPECT_EQ(d32(0x1005352f).op, Op::lr_d);     // lr.d a0, (a0)
  EXPECT_EQ(d32(0x1015352f).op, Op::illegal);  // lr.d with rs2 != 0
}

}  // namespace
}  // namespace vmlab::guest::rv64
