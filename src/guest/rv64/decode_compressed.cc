// The C extension for RV64 ("C" chapter, RVC instruction set listings): each 16-bit
// form decodes to the operation of the 32-bit instruction it expands to. Reserved
// encodings are illegal; HINTs (a write to x0, a zero shift) execute as what they
// encode, which changes nothing.
#include "guest/rv64/decode.h"

namespace vmlab::guest::rv64 {

namespace {

std::uint8_t creg(std::uint32_t field3) { return static_cast<std::uint8_t>(8 + field3); }  // x8..x15 / f8..f15

// CI-format 6-bit signed immediate: imm[5] = inst[12], imm[4:0] = inst[6:2].
std::int32_t ci_imm(std::uint32_t r) { return sext((bits(r, 12, 12) << 5) | bits(r, 6, 2), 6); }

void set(Insn& o, Op op, std::uint32_t rd, std::uint32_t rs1, std::uint32_t rs2, std::int32_t imm) {
  o.op = op;
  o.rd = static_cast<std::uint8_t>(rd);
  o.rs1 = static_cast<std::uint8_t>(rs1);
  o.rs2 = static_cast<std::uint8_t>(rs2);
  o.imm = imm;
}

void quadrant0(std::uint32_t r, Insn& o) {
  const std::uint8_t rdp = creg(bits(r, 4, 2));   // rd' / rs2'
  const std::uint8_t rs1p = creg(bits(r, 9, 7));  // rs1'
  // uimm[5:3] = inst[12:10], uimm[7:6] = inst[6:5]: the doubleword forms.
  const std::int32_t uimm_d = static_cast<std::int32_t>((bits(r, 12, 10) << 3) | (bits(r, 6, 5) << 6));
  // uimm[5:3] = inst[12:10], uimm[2] = inst[6], uimm[6] = inst[5]: the word forms.
  const std::int32_t uimm_w = static_cast<std::int32_t>((bits(r, 12, 10) << 3) | (bits(r, 6, 6) << 2) | (bits(r, 5, 5) << 6));
  switch (bits(r, 15, 13)) {
    case 0: {  // C.ADDI4SPN: nzuimm[5:4|9:6|2|3] = inst[12:11|10:7|6|5]
      const std::uint32_t nzuimm = (bits(r, 12, 11) << 4) | (bits(r, 10, 7) << 6) | (bits(r, 6, 6) << 2) | (bits(r, 5, 5) << 3);
      if (nzuimm == 0) return set_illegal(o);  // includes the all-zero parcel
      return set(o, Op::addi, rdp, 2, 0, static_cast<std::int32_t>(nzuimm));
    }
    case 1: return set(o, Op::fld, bits(r, 4, 2) + 8, rs1p, 0, uimm_d);  // C.FLD
    case 2: return set(o, Op::lw, rdp, rs1p, 0, uimm_w);                 // C.LW
    case 3: return set(o, Op::ld, rdp, rs1p, 0, uimm_d);                 // C.LD
    case 5: return set(o, Op::fsd, 0, rs1p, rdp, uimm_d);                // C.FSD
    case 6: return set(o, Op::sw, 0, rs1p, rdp, uimm_w);                 // C.SW
    case 7: return set(o, Op::sd, 0, rs1p, rdp, uimm_d);                 // C.SD
    default: return set_illegal(o);                                      // reserved (Zcb)
  }
}

void quadrant1(std::uint32_t r, Insn& o) {
  const std::uint32_t rd = bits(r, 11, 7);
  const std::uint8_t rdp = creg(bits(r, 9, 7));
  const std::uint8_t rs2p = creg(bits(r, 4, 2));
  switch (bits(r, 15, 13)) {
    case 0: return set(o, Op::addi, xdest(rd), rd, 0, ci_imm(r));  // C.ADDI (C.NOP when rd = 0)
    case 1:                                                          // C.ADDIW
      if (rd == 0) return set_illegal(o);
      return set(o, Op::addiw, rd, rd, 0, ci_imm(r));
    case 2: return set(o, Op::addi, xdest(rd), 0, 0, ci_imm(r));  // C.LI
    case 3:
      if (rd == 2) {  // C.ADDI16SP: nzimm[9] = inst[12], nzimm[4|6|8:7|5] = inst[6:2]
        const std::uint32_t v = (bits(r, 12, 12) << 9) | (bits(r, 6, 6) << 4) | (bits(r, 5, 5) << 6) |
                                (bits(r, 4, 3) << 7) | (bits(r, 2, 2) << 5);
        if (v == 0) return set_illegal(o);
        return set(o, Op::addi, 2, 2, 0, sext(v, 10));
      } else {  // C.LUI: nzimm[17] = inst[12], nzimm[16:12] = inst[6:2]
        const std::uint32_t v = (bits(r, 12, 12) << 17) | (bits(r, 6, 2) << 12);
        if (v == 0) return set_illegal(o);
        return set(o, Op::lui, xdest(rd), 0, 0, sext(v, 18));
      }
    case 4: {
      const std::uint32_t shamt = (bits(r, 12, 12) << 5) | bits(r, 6, 2);
      switch (bits(r, 11, 10)) {
        case 0: return set(o, Op::srli, rdp, rdp, 0, static_cast<std::int32_t>(shamt));  // C.SRLI
        case 1: return set(o, Op::srai, rdp, rdp, 0, static_cast<std::int32_t>(shamt));  // C.SRAI
        case 2: return set(o, Op::andi, rdp, rdp, 0, ci_imm(r));                        // C.ANDI
        default: {
          static constexpr Op ops[8] = {Op::sub, Op::xor_, Op::or_, Op::and_, Op::subw, Op::addw, Op::illegal, Op::illegal};
          const Op op = ops[(bits(r, 12, 12) << 2) | bits(r, 6, 5)];
          if (op == Op::illegal) return set_illegal(o);
          return set(o, op, rdp, rdp, rs2p, 0);
        }
      }
    }
    case 5: {  // C.J: imm[11|4|9:8|10|6|7|3:1|5] = inst[12:2]
      const std::uint32_t v = (bits(r, 12, 12) << 11) | (bits(r, 11, 11) << 4) | (bits(r, 10, 9) << 8) |
                              (bits(r, 8, 8) << 10) | (bits(r, 7, 7) << 6) | (bits(r, 6, 6) << 7) |
                              (bits(r, 5, 3) << 1) | (bits(r, 2, 2) << 5);
      return set(o, Op::jal, kSinkReg, 0, 0, sext(v, 12));
    }
    default: {  // C.BEQZ, C.BNEZ: imm[8|4:3] = inst[12:10], imm[7:6|2:1|5] = inst[6:2]
      const std::uint32_t v = (bits(r, 12, 12) << 8) | (bits(r, 11, 10) << 3) | (bits(r, 6, 5) << 6) |
                              (bits(r, 4, 3) << 1) | (bits(r, 2, 2) << 5);
      return set(o, bits(r, 15, 13) == 6 ? Op::beq : Op::bne, 0, rdp, 0, sext(v, 9));
    }
  }
}

void quadrant2(std::uint32_t r, Insn& o) {
  const std::uint32_t rd = bits(r, 11, 7);
  const std::uint32_t rs2 = bits(r, 6, 2);
  // uimm[5] = inst[12], uimm[4:3|8:6] = inst[6:2]: the doubleword SP loads.
  const std::int32_t ld_sp = static_cast<std::int32_t>((bits(r, 12, 12) << 5) | (bits(r, 6, 5) << 3) | (bits(r, 4, 2) << 6));
  // uimm[5:3|8:6] = inst[12:7]: the doubleword SP stores.
  const std::int32_t sd_sp = static_cast<std::int32_t>((bits(r, 12, 10) << 3) | (bits(r, 9, 7) << 6));
  switch (bits(r, 15, 13)) {
    case 0:  // C.SLLI
      return set(o, Op::slli, xdest(rd), rd, 0, static_cast<std::int32_t>((bits(r, 12, 12) << 5) | rs2));
    case 1: return set(o, Op::fld, rd, 2, 0, ld_sp);  // C.FLDSP
    case 2: {  // C.LWSP: uimm[5] = inst[12], uimm[4:2|7:6] = inst[6:2]
      if (rd == 0) return set_illegal(o);
      const std::uint32_t v = (bits(r, 12, 12) << 5) | (bits(r, 6, 4) << 2) | (bits(r, 3, 2) << 6);
      return set(o, Op::lw, rd, 2, 0, static_cast<std::int32_t>(v));
    }
    case 3:  // C.LDSP
      if (rd == 0) return set_illegal(o);
      return set(o, Op::ld, rd, 2, 0, ld_sp);
    case 4:
      if (bits(r, 12, 12) == 0) {
        if (rs2 == 0) {  // C.JR
          if (rd == 0) return set_illegal(o);
          return set(o, Op::jalr, kSinkReg, rd, 0, 0);
        }
        return set(o, Op::add, xdest(rd), 0, rs2, 0);  // C.MV
      }
      if (rs2 == 0) {
        if (rd == 0) return set(o, Op::ebreak, 0, 0, 0, 0);  // C.EBREAK
        return set(o, Op::jalr, 1, rd, 0, 0);                // C.JALR
      }
      return set(o, Op::add, xdest(rd), rd, rs2, 0);  // C.ADD
    case 5: return set(o, Op::fsd, 0, 2, rs2, sd_sp);  // C.FSDSP
    case 6: {  // C.SWSP: uimm[5:2|7:6] = inst[12:7]
      const std::uint32_t v = (bits(r, 12, 9) << 2) | (bits(r, 8, 7) << 6);
      return set(o, Op::sw, 0, 2, rs2, static_cast<std::int32_t>(v));
    }
    default: return set(o, Op::sd, 0, 2, rs2, sd_sp);  // C.SDSP
  }
}

}  // namespace

void decode16(std::uint16_t raw, Insn& o) {
  const std::uint32_t r = raw;
  o.stride = kStride2;
  o.rs3 = 0;
  o.rm = 7;  // C.FLD/C.FSD carry no rounding mode; 7 keeps every FP check uniform
  switch (r & 3) {
    case 0: quadrant0(r, o); break;
    case 1: quadrant1(r, o); break;
    default: quadrant2(r, o); break;
  }
  if (o.op == Op::illegal) o.stride = kStride2;
}

}  // namespace vmlab::guest::rv64
