// The user-mode registers of one riscv64 hart: the integer registers and pc of
// struct pt_regs, the FP registers and fcsr of __riscv_d_ext_state, the retired
// instruction count, and an LR reservation. What a task keeps while switched out, what
// a signal frame saves and fork copies; the interpreter loads and stores it.
#pragma once

#include <array>
#include <cstdint>

namespace vmlab::hw {

struct Rv64Regs {
  std::array<std::uint64_t, 32> x{};   // integer registers; x[0] reads as 0
  std::array<std::uint64_t, 32> f{};   // FP registers, raw bits; singles NaN-boxed
  std::uint32_t fcsr = 0;              // frm << 5 | fflags
  std::uint64_t pc = 0;
  std::uint64_t instret = 0;           // retired instructions (the instret/cycle CSRs)
  std::uint64_t reservation = ~0ULL;   // LR's reserved address, ~0 when none
};

}  // namespace vmlab::hw
