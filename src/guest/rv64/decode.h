// Instruction decoding: raw encodings to Insn fields (op, registers, immediate,
// rounding mode). The code cache fills in the rest (handler, offset, block count).
// Encodings the RV64GC user ISA does not define decode to Op::illegal.
#pragma once

#include <cstdint>

#include "guest/rv64/insn.h"

namespace vmlab::guest::rv64 {

// A 32-bit instruction (low two bits 11). Sets stride to kStride4.
void decode32(std::uint32_t raw, Insn& out);
// A 16-bit compressed instruction (low two bits not 11), as the 32-bit form it
// expands to (the C extension's table). Sets stride to kStride2.
void decode16(std::uint16_t raw, Insn& out);

// The F and D encodings (opcodes LOAD-FP, STORE-FP, the fused multiply-adds, OP-FP).
void decode_fp(std::uint32_t raw, Insn& out);

// Field helpers shared by the decoders.
constexpr std::uint32_t bits(std::uint32_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}
constexpr std::int32_t sext(std::uint32_t v, unsigned width) {
  const unsigned shift = 32 - width;
  return static_cast<std::int32_t>(v << shift) >> shift;
}
// An integer destination: x0 becomes the sink register.
constexpr std::uint8_t xdest(std::uint32_t rd) { return rd == 0 ? kSinkReg : static_cast<std::uint8_t>(rd); }

inline void set_illegal(Insn& out) {
  out.op = Op::illegal;
  out.rd = out.rs1 = out.rs2 = out.rs3 = 0;
  out.imm = 0;
  out.rm = 0;
}

}  // namespace vmlab::guest::rv64
