// Floating-point operations whose rounding mode is not the one the host is in: a
// static rm other than frm, or frm = RMM. For RNE/RTZ/RDN/RUP the host switches mode
// around the one operation; RMM has no host mode (fp_rmm.cc).
#include <cfenv>

#include "guest/rv64/engine.h"
#include "guest/rv64/fpu.h"

namespace vmlab::guest::rv64 {

int fp_host_rounding(unsigned rm);  // fp_env.cc

bool Engine::fp_slow(const Insn& e) {
  const unsigned rm = e.rm == fp::kDyn ? frm : e.rm;
  if (rm > fp::kRmm) return false;  // dynamic mode with an invalid frm: illegal
  if (rm == fp::kRmm) {
    fp_rmm(e);
    return true;
  }
  const int saved = std::fegetround();
  std::fesetround(fp_host_rounding(rm));
  fp_native(e);
  std::fesetround(saved);
  return true;
}

void Engine::fp_native(const Insn& e) {
  const std::uint64_t a = f[e.rs1], b = f[e.rs2], c = f[e.rs3];
  const std::uint64_t xa = x[e.rs1];
  std::uint64_t& d = f[e.rd];
  switch (e.op) {
    case Op::fadd_s: d = fp::add_s(a, b); break;
    case Op::fsub_s: d = fp::sub_s(a, b); break;
    case Op::fmul_s: d = fp::mul_s(a, b); break;
    case Op::fdiv_s: d = fp::div_s(a, b); break;
    case Op::fsqrt_s: d = fp::sqrt_s(a); break;
    case Op::fmadd_s: d = fp::fma_s(a, b, c, false, false, fflags); break;
    case Op::fmsub_s: d = fp::fma_s(a, b, c, false, true, fflags); break;
    case Op::fnmsub_s: d = fp::fma_s(a, b, c, true, false, fflags); break;
    case Op::fnmadd_s: d = fp::fma_s(a, b, c, true, true, fflags); break;
    case Op::fadd_d: d = fp::add_d(a, b); break;
    case Op::fsub_d: d = fp::sub_d(a, b); break;
    case Op::fmul_d: d = fp::mul_d(a, b); break;
    case Op::fdiv_d: d = fp::div_d(a, b); break;
    case Op::fsqrt_d: d = fp::sqrt_d(a); break;
    case Op::fmadd_d: d = fp::fma_d(a, b, c, false, false, fflags); break;
    case Op::fmsub_d: d = fp::fma_d(a, b, c, false, true, fflags); break;
    case Op::fnmsub_d: d = fp::fma_d(a, b, c, true, false, fflags); break;
    case Op::fnmadd_d: d = fp::fma_d(a, b, c, true, true, fflags); break;
    case Op::fcvt_s_w: d = fp::cvt_s_w(xa); break;
    case Op::fcvt_s_wu: d = fp::cvt_s_wu(xa); break;
    case Op::fcvt_s_l: d = fp::cvt_s_l(xa); break;
    case Op::fcvt_s_lu: d = fp::cvt_s_lu(xa); break;
    case Op::fcvt_d_l: d = fp::cvt_d_l(xa); break;
    case Op::fcvt_d_lu: d = fp::cvt_d_lu(xa); break;
    case Op::fcvt_s_d: d = fp::cvt_s_d(a); break;
    default: break;  // only the operations above take this path
  }
}

}  // namespace vmlab::guest::rv64
