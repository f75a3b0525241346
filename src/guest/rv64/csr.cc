// Zicsr for user mode: the FP CSRs and the counters Linux lets user mode read (its
// scounteren enables cycle, time and instret). Anything else, and any write to a
// read-only counter, is an illegal instruction ("Zicsr" chapter; privileged spec,
// "CSR Listing").
#include "guest/rv64/engine.h"

namespace vmlab::guest::rv64 {

namespace {
constexpr unsigned kFflags = 0x001, kFrm = 0x002, kFcsr = 0x003;
constexpr unsigned kCycle = 0xc00, kTime = 0xc01, kInstret = 0xc02;
constexpr std::uint64_t kTimebaseHz = 10'000'000;  // riscv,timebase-frequency of QEMU's virt board
}  // namespace

bool Engine::csr(const Insn& e, std::uint64_t instret_before) {
  const unsigned number = static_cast<unsigned>(e.imm) & 0xfff;
  const unsigned funct3 = e.rm;
  const std::uint64_t src = funct3 >= 5 ? e.rs1 : x[e.rs1];  // CSRR*I: rs1 is a 5-bit immediate
  // CSRRW/CSRRWI always write; CSRRS/CSRRC(I) write only with a nonzero source field.
  const bool writes = (funct3 & 3) == 1 || e.rs1 != 0;

  std::uint64_t old;
  switch (number) {
    case kFflags: old = read_fflags(); break;
    case kFrm: old = frm; break;
    case kFcsr: old = (frm << 5) | read_fflags(); break;
    case kCycle:  // cycle counts as instret: one instruction per cycle
    case kInstret: old = instret_before; break;
    case kTime: {
      // The virtual clock as the kernel reads it, with the instructions this run has
      // not charged yet.
      const std::uint64_t ns = kernel.sys().clock().now() +
                               (instret_before - instret_start) * kernel.sys().config().cost_instruction_ns;
      old = ns / (1'000'000'000 / kTimebaseHz);
      break;
    }
    default: return false;
  }
  if (writes) {
    std::uint64_t v;
    switch (funct3 & 3) {
      case 1: v = src; break;         // CSRRW
      case 2: v = old | src; break;   // CSRRS
      default: v = old & ~src; break; // CSRRC
    }
    switch (number) {
      case kFflags: write_fflags(static_cast<std::uint32_t>(v)); break;
      case kFrm: write_frm(static_cast<std::uint32_t>(v)); break;
      case kFcsr:
        write_fflags(static_cast<std::uint32_t>(v));
        write_frm(static_cast<std::uint32_t>(v >> 5));
        break;
      default: return false;  // the counters are read-only
    }
  }
  x[e.rd] = old;
  return true;
}

}  // namespace vmlab::guest::rv64
