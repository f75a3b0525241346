// A decoded instruction and a decoded code page. A page has one entry per 2-byte
// parcel (with the C extension an instruction may start at any even offset), decoded
// lazily from the entries execution reaches. Entries are fixed-size so the engine can
// step from one to the next by a byte stride and jump within the page by index.
#pragma once

#include <cstdint>

#include "guest/rv64/ops.h"
#include "vmlab/units.h"

namespace vmlab::guest::rv64 {

struct Insn {
  const void* handler = nullptr;  // the engine's label for `op`
  std::int32_t imm = 0;           // immediate, CSR number, or AMO funct5
  std::uint8_t rd = 0;            // integer destinations: 0 is renamed to kSinkReg
  std::uint8_t rs1 = 0, rs2 = 0, rs3 = 0;
  std::uint16_t off = 0;    // byte offset of the instruction in its page (pc = page base + off)
  std::uint16_t count = 0;  // instructions from here to the end of the block, this one included; 0: not decoded
  Op op = Op::decode;
  std::uint8_t stride = 0;  // bytes to the next entry: length / 2 * sizeof(Insn)
  std::uint8_t rm = 0;      // FP rounding mode, CSR funct3

  unsigned length() const { return stride / (sizeof(Insn) / 2); }
};
static_assert(sizeof(Insn) == 24, "entries are packed for cache density");

// Writes to x0 go to this extra register, so no handler tests rd.
inline constexpr std::uint8_t kSinkReg = 32;

inline constexpr unsigned kSlots = static_cast<unsigned>(kPageSize / 2);  // entries per page
inline constexpr std::uint8_t kStride2 = sizeof(Insn);      // a compressed instruction
inline constexpr std::uint8_t kStride4 = 2 * sizeof(Insn);  // a 32-bit instruction

struct DecodedPage {
  Pfn pfn = kNoPfn;
  // kSlots entries, then a sentinel that continues in the next page.
  Insn insns[kSlots + 1];
};

// The block decoder's view of an operation: whether it ends a block (changes control
// flow, or must see exact state), and the local variant of a pc-relative jump.
bool ends_block(Op op);
Op local_variant(Op op);    // Op::count when none
Op generic_variant(Op op);  // the pc-computing form of a local variant, else `op`
// A local variant's imm is the byte distance between the entries (pc offset / 2 *
// sizeof(Insn)); these convert an entry between the two forms.
void to_local(Insn& i, Op local);
void to_generic(Insn& i);

}  // namespace vmlab::guest::rv64
