// The 32-bit base encodings: RV64I, M, A, Zicsr, Zifencei (the unprivileged ISA's
// opcode map, chapter "RV32/64G Instruction Set Listings"). F and D are in
// decode_fp.cc, the C extension in decode_compressed.cc.
#include "guest/rv64/decode.h"

namespace vmlab::guest::rv64 {

namespace {

std::int32_t imm_i(std::uint32_t r) { return static_cast<std::int32_t>(r) >> 20; }
std::int32_t imm_s(std::uint32_t r) { return sext((bits(r, 31, 25) << 5) | bits(r, 11, 7), 12); }
std::int32_t imm_b(std::uint32_t r) {
  return sext((bits(r, 31, 31) << 12) | (bits(r, 7, 7) << 11) | (bits(r, 30, 25) << 5) | (bits(r, 11, 8) << 1), 13);
}
std::int32_t imm_u(std::uint32_t r) { return static_cast<std::int32_t>(r & 0xfffff000u); }
std::int32_t imm_j(std::uint32_t r) {
  return sext((bits(r, 31, 31) << 20) | (bits(r, 19, 12) << 12) | (bits(r, 20, 20) << 11) | (bits(r, 30, 21) << 1),
              21);
}

void decode_op_imm(std::uint32_t r, Insn& o) {
  const std::uint32_t f3 = bits(r, 14, 12);
  const std::uint32_t f6 = bits(r, 31, 26);
  o.imm = imm_i(r);
  switch (f3) {
    case 0: o.op = Op::addi; return;
    case 2: o.op = Op::slti; return;
    case 3: o.op = Op::sltiu; return;
    case 4: o.op = Op::xori; return;
    case 6: o.op = Op::ori; return;
    case 7: o.op = Op::andi; return;
    case 1:
      if (f6 != 0) break;
      o.op = Op::slli;
      o.imm = static_cast<std::int32_t>(bits(r, 25, 20));
      return;
    case 5:
      if (f6 != 0 && f6 != 0x10) break;
      o.op = f6 == 0 ? Op::srli : Op::srai;
      o.imm = static_cast<std::int32_t>(bits(r, 25, 20));
      return;
  }
  set_illegal(o);
}

void decode_op_imm32(std::uint32_t r, Insn& o) {
  const std::uint32_t f3 = bits(r, 14, 12);
  const std::uint32_t f7 = bits(r, 31, 25);
  switch (f3) {
    case 0: o.op = Op::addiw; o.imm = imm_i(r); return;
    case 1:
      if (f7 != 0) break;
      o.op = Op::slliw;
      o.imm = static_cast<std::int32_t>(bits(r, 24, 20));
      return;
    case 5:
      if (f7 != 0 && f7 != 0x20) break;
      o.op = f7 == 0 ? Op::srliw : Op::sraiw;
      o.imm = static_cast<std::int32_t>(bits(r, 24, 20));
      return;
  }
  set_illegal(o);
}

void decode_op(std::uint32_t r, Insn& o) {
  const std::uint32_t f3 = bits(r, 14, 12);
  const std::uint32_t f7 = bits(r, 31, 25);
  static constexpr Op base[8] = {Op::add, Op::sll, Op::slt, Op::sltu, Op::xor_, Op::srl, Op::or_, Op::and_};
  static constexpr Op muldiv[8] = {Op::mul, Op::mulh, Op::mulhsu, Op::mulhu, Op::div, Op::divu, Op::rem, Op::remu};
  if (f7 == 0) {
    o.op = base[f3];
  } else if (f7 == 1) {
    o.op = muldiv[f3];
  } else if (f7 == 0x20 && f3 == 0) {
    o.op = Op::sub;
  } else if (f7 == 0x20 && f3 == 5) {
    o.op = Op::sra;
  } else {
    set_illegal(o);
  }
}

void decode_op32(std::uint32_t r, Insn& o) {
  const std::uint32_t f3 = bits(r, 14, 12);
  const std::uint32_t f7 = bits(r, 31, 25);
  if (f7 == 0 && f3 == 0) o.op = Op::addw;
  else if (f7 == 0 && f3 == 1) o.op = Op::sllw;
  else if (f7 == 0 && f3 == 5) o.op = Op::srlw;
  else if (f7 == 0x20 && f3 == 0) o.op = Op::subw;
  else if (f7 == 0x20 && f3 == 5) o.op = Op::sraw;
  else if (f7 == 1 && f3 == 0) o.op = Op::mulw;
  else if (f7 == 1 && f3 == 4) o.op = Op::divw;
  else if (f7 == 1 && f3 == 5) o.op = Op::divuw;
  else if (f7 == 1 && f3 == 6) o.op = Op::remw;
  else if (f7 == 1 && f3 == 7) o.op = Op::remuw;
  else set_illegal(o);
}

void decode_amo(std::uint32_t r, Insn& o) {
  const std::uint32_t f3 = bits(r, 14, 12);
  const std::uint32_t f5 = bits(r, 31, 27);
  if (f3 != 2 && f3 != 3) return set_illegal(o);
  const bool d = f3 == 3;
  switch (f5) {
    case 0x02:  // LR: rs2 must be zero
      if (bits(r, 24, 20) != 0) return set_illegal(o);
      o.op = d ? Op::lr_d : Op::lr_w;
      return;
    case 0x03: o.op = d ? Op::sc_d : Op::sc_w; return;
    case 0x00: case 0x01: case 0x04: case 0x08: case 0x0c:
    case 0x10: case 0x14: case 0x18: case 0x1c:
      o.op = d ? Op::amo_d : Op::amo_w;
      o.imm = static_cast<std::int32_t>(f5);
      return;
    default: return set_illegal(o);
  }
}

void decode_system(std::uint32_t r, Insn& o) {
  const std::uint32_t f3 = bits(r, 14, 12);
  if (f3 == 0) {
    // ECALL and EBREAK; the privileged returns, WFI and SFENCE.VMA trap in U-mode.
    if (r == 0x00000073u) o.op = Op::ecall;
    else if (r == 0x00100073u) o.op = Op::ebreak;
    else set_illegal(o);
    return;
  }
  if (f3 == 4) return set_illegal(o);
  o.op = Op::csr;
  o.imm = static_cast<std::int32_t>(bits(r, 31, 20));
  o.rm = static_cast<std::uint8_t>(f3);
}

}  // namespace

void decode32(std::uint32_t r, Insn& o) {
  o.stride = kStride4;
  o.rd = xdest(bits(r, 11, 7));
  o.rs1 = static_cast<std::uint8_t>(bits(r, 19, 15));
  o.rs2 = static_cast<std::uint8_t>(bits(r, 24, 20));
  o.rs3 = 0;
  o.rm = 0;
  o.imm = 0;
  const std::uint32_t f3 = bits(r, 14, 12);
  switch (bits(r, 6, 0)) {
    case 0x37: o.op = Op::lui; o.imm = imm_u(r); return;
    case 0x17: o.op = Op::auipc; o.imm = imm_u(r); return;
    case 0x6f: o.op = Op::jal; o.imm = imm_j(r); return;
    case 0x67:
      if (f3 != 0) return set_illegal(o);
      o.op = Op::jalr;
      o.imm = imm_i(r);
      return;
    case 0x63: {
      static constexpr Op ops[8] = {Op::beq, Op::bne, Op::illegal, Op::illegal,
                                    Op::blt, Op::bge, Op::bltu,    Op::bgeu};
      if (ops[f3] == Op::illegal) return set_illegal(o);
      o.op = ops[f3];
      o.imm = imm_b(r);
      o.rd = 0;
      return;
    }
    case 0x03: {
      static constexpr Op ops[8] = {Op::lb, Op::lh, Op::lw, Op::ld, Op::lbu, Op::lhu, Op::lwu, Op::illegal};
      if (ops[f3] == Op::illegal) return set_illegal(o);
      o.op = ops[f3];
      o.imm = imm_i(r);
      return;
    }
    case 0x23: {
      if (f3 > 3) return set_illegal(o);
      static constexpr Op ops[4] = {Op::sb, Op::sh, Op::sw, Op::sd};
      o.op = ops[f3];
      o.imm = imm_s(r);
      o.rd = 0;
      return;
    }
    case 0x13: return decode_op_imm(r, o);
    case 0x1b: return decode_op_imm32(r, o);
    case 0x33: return decode_op(r, o);
    case 0x3b: return decode_op32(r, o);
    case 0x0f:
      // FENCE (and its hints: PAUSE, FENCE.TSO) orders nothing a single hart could
      // observe here; FENCE.I forgets decoded code.
      if (f3 == 0) o.op = Op::fence;
      else if (f3 == 1) o.op = Op::fence_i;
      else set_illegal(o);
      return;
    case 0x73: return decode_system(r, o);
    case 0x2f: return decode_amo(r, o);
    case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53:
      return decode_fp(r, o);
    default: return set_illegal(o);
  }
}

bool ends_block(Op op) {
  switch (op) {
    case Op::jal: case Op::jal_local: case Op::jalr:
    case Op::beq: case Op::bne: case Op::blt: case Op::bge: case Op::bltu: case Op::bgeu:
    case Op::beq_local: case Op::bne_local: case Op::blt_local: case Op::bge_local:
    case Op::bltu_local: case Op::bgeu_local:
    case Op::ecall: case Op::ebreak: case Op::fence_i: case Op::csr:
    case Op::illegal: case Op::cross_page:
      return true;
    default:
      return false;
  }
}

Op local_variant(Op op) {
  switch (op) {
    case Op::jal: return Op::jal_local;
    case Op::beq: return Op::beq_local;
    case Op::bne: return Op::bne_local;
    case Op::blt: return Op::blt_local;
    case Op::bge: return Op::bge_local;
    case Op::bltu: return Op::bltu_local;
    case Op::bgeu: return Op::bgeu_local;
    default: return Op::count;
  }
}

Op generic_variant(Op op) {
  switch (op) {
    case Op::jal_local: return Op::jal;
    case Op::beq_local: return Op::beq;
    case Op::bne_local: return Op::bne;
    case Op::blt_local: return Op::blt;
    case Op::bge_local: return Op::bge;
    case Op::bltu_local: return Op::bltu;
    case Op::bgeu_local: return Op::bgeu;
    default: return op;
  }
}

void to_local(Insn& i, Op local) {
  i.op = local;
  i.imm = i.imm / 2 * static_cast<std::int32_t>(sizeof(Insn));
}

void to_generic(Insn& i) {
  const Op g = generic_variant(i.op);
  if (g == i.op) return;
  i.op = g;
  i.imm = i.imm / static_cast<std::int32_t>(sizeof(Insn)) * 2;
}

const char* op_name(Op op) {
  static constexpr const char* names[] = {
#define VMLAB_RV64_NAME(name) #name,
      VMLAB_RV64_OPS(VMLAB_RV64_NAME)
#undef VMLAB_RV64_NAME
  };
  const auto i = static_cast<unsigned>(op);
  return i < kOpCount ? names[i] : "?";
}

}  // namespace vmlab::guest::rv64
