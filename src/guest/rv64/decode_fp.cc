// The F and D encodings. Rounding modes 5 and 6 are reserved (illegal at decode); 7
// (dynamic) is checked against frm when the instruction runs. Operations whose result
// does not depend on rounding still carry the field and are checked the same way.
#include "guest/rv64/decode.h"

namespace vmlab::guest::rv64 {

namespace {

bool valid_rm(std::uint32_t rm) { return rm != 5 && rm != 6; }

// OP-FP (0x53): funct7 selects the operation and format (bit 0: 0 single, 1 double).
void decode_op_fp(std::uint32_t r, Insn& o) {
  const std::uint32_t f7 = bits(r, 31, 25);
  const std::uint32_t rm = bits(r, 14, 12);
  const std::uint32_t rs2 = bits(r, 24, 20);
  const bool d = (f7 & 1) != 0;
  const std::uint32_t fmt = bits(r, 26, 25);
  if (fmt > 1) return set_illegal(o);  // H and Q formats are not implemented
  const std::uint8_t xrd = xdest(bits(r, 11, 7));
  const auto pick = [d](Op s, Op dd) { return d ? dd : s; };
  switch (f7 >> 2) {
    case 0x00: case 0x01: case 0x02: case 0x03: {  // fadd, fsub, fmul, fdiv
      if (!valid_rm(rm)) return set_illegal(o);
      static constexpr Op s_ops[4] = {Op::fadd_s, Op::fsub_s, Op::fmul_s, Op::fdiv_s};
      static constexpr Op d_ops[4] = {Op::fadd_d, Op::fsub_d, Op::fmul_d, Op::fdiv_d};
      o.op = d ? d_ops[f7 >> 2] : s_ops[f7 >> 2];
      return;
    }
    case 0x0b:  // fsqrt
      if (rs2 != 0 || !valid_rm(rm)) return set_illegal(o);
      o.op = pick(Op::fsqrt_s, Op::fsqrt_d);
      return;
    case 0x04:  // fsgnj, fsgnjn, fsgnjx
      if (rm > 2) return set_illegal(o);
      o.op = rm == 0 ? pick(Op::fsgnj_s, Op::fsgnj_d) : rm == 1 ? pick(Op::fsgnjn_s, Op::fsgnjn_d) : pick(Op::fsgnjx_s, Op::fsgnjx_d);
      return;
    case 0x05:  // fmin, fmax
      if (rm > 1) return set_illegal(o);
      o.op = rm == 0 ? pick(Op::fmin_s, Op::fmin_d) : pick(Op::fmax_s, Op::fmax_d);
      return;
    case 0x08:  // fcvt.s.d (0x20, rs2 1), fcvt.d.s (0x21, rs2 0)
      if (!valid_rm(rm)) return set_illegal(o);
      if (!d && rs2 == 1) o.op = Op::fcvt_s_d;
      else if (d && rs2 == 0) o.op = Op::fcvt_d_s;
      else set_illegal(o);
      return;
    case 0x14:  // fle, flt, feq
      if (rm > 2) return set_illegal(o);
      o.rd = xrd;
      o.op = rm == 0 ? pick(Op::fle_s, Op::fle_d) : rm == 1 ? pick(Op::flt_s, Op::flt_d) : pick(Op::feq_s, Op::feq_d);
      return;
    case 0x18: {  // fcvt.{w,wu,l,lu}.{s,d}
      if (rs2 > 3 || !valid_rm(rm)) return set_illegal(o);
      static constexpr Op s_ops[4] = {Op::fcvt_w_s, Op::fcvt_wu_s, Op::fcvt_l_s, Op::fcvt_lu_s};
      static constexpr Op d_ops[4] = {Op::fcvt_w_d, Op::fcvt_wu_d, Op::fcvt_l_d, Op::fcvt_lu_d};
      o.rd = xrd;
      o.op = d ? d_ops[rs2] : s_ops[rs2];
      return;
    }
    case 0x1a: {  // fcvt.{s,d}.{w,wu,l,lu}
      if (rs2 > 3 || !valid_rm(rm)) return set_illegal(o);
      static constexpr Op s_ops[4] = {Op::fcvt_s_w, Op::fcvt_s_wu, Op::fcvt_s_l, Op::fcvt_s_lu};
      static constexpr Op d_ops[4] = {Op::fcvt_d_w, Op::fcvt_d_wu, Op::fcvt_d_l, Op::fcvt_d_lu};
      o.op = d ? d_ops[rs2] : s_ops[rs2];
      return;
    }
    case 0x1c:  // fmv.x.{w,d} (rm 0), fclass (rm 1)
      if (rs2 != 0 || rm > 1) return set_illegal(o);
      o.rd = xrd;
      o.op = rm == 0 ? pick(Op::fmv_x_w, Op::fmv_x_d) : pick(Op::fclass_s, Op::fclass_d);
      return;
    case 0x1e:  // fmv.{w,d}.x
      if (rs2 != 0 || rm != 0) return set_illegal(o);
      o.op = pick(Op::fmv_w_x, Op::fmv_d_x);
      return;
    default:
      return set_illegal(o);
  }
}

}  // namespace

void decode_fp(std::uint32_t r, Insn& o) {
  // FP destinations are f registers: f0 is a real register, so no sink renaming.
  o.rd = static_cast<std::uint8_t>(bits(r, 11, 7));
  o.rs1 = static_cast<std::uint8_t>(bits(r, 19, 15));
  o.rs2 = static_cast<std::uint8_t>(bits(r, 24, 20));
  o.rm = static_cast<std::uint8_t>(bits(r, 14, 12));
  const std::uint32_t f3 = bits(r, 14, 12);
  switch (bits(r, 6, 0)) {
    case 0x07:  // LOAD-FP
      if (f3 != 2 && f3 != 3) return set_illegal(o);
      o.op = f3 == 2 ? Op::flw : Op::fld;
      o.imm = static_cast<std::int32_t>(r) >> 20;
      o.rm = 0;
      return;
    case 0x27:  // STORE-FP
      if (f3 != 2 && f3 != 3) return set_illegal(o);
      o.op = f3 == 2 ? Op::fsw : Op::fsd;
      o.imm = sext((bits(r, 31, 25) << 5) | bits(r, 11, 7), 12);
      o.rd = 0;
      o.rm = 0;
      return;
    case 0x43: case 0x47: case 0x4b: case 0x4f: {
      const std::uint32_t fmt = bits(r, 26, 25);
      if (fmt > 1 || !valid_rm(f3)) return set_illegal(o);
      o.rs3 = static_cast<std::uint8_t>(bits(r, 31, 27));
      static constexpr Op s_ops[4] = {Op::fmadd_s, Op::fmsub_s, Op::fnmsub_s, Op::fnmadd_s};
      static constexpr Op d_ops[4] = {Op::fmadd_d, Op::fmsub_d, Op::fnmsub_d, Op::fnmadd_d};
      const unsigned which = (bits(r, 6, 0) - 0x43) >> 2;
      o.op = fmt == 1 ? d_ops[which] : s_ops[which];
      return;
    }
    case 0x53:
      return decode_op_fp(r, o);
    default:
      return set_illegal(o);
  }
}

}  // namespace vmlab::guest::rv64
