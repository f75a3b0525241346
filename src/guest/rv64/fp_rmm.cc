// Round to nearest, ties away from zero (RMM), which the host cannot do. RMM and RNE
// give the same result except when the exact value lies exactly halfway between two
// neighbours, where RNE takes the even one and RMM the one of larger magnitude. So the
// host computes the RNE result (and its flags), and the exact value is checked for a
// tie: exactly where an error-free transformation gives it (TwoSum for sums, a wider
// format for products and quotients). Square roots are never ties.
#include <cfenv>
#include <cmath>
#include <limits>

#include "guest/rv64/engine.h"
#include "guest/rv64/fpu.h"

namespace vmlab::guest::rv64 {

namespace {

// r = RNE(v), v = r + diff exactly (diff given in a type that holds it exactly).
template <class F, class W>
F away_on_tie(F r, W diff) {
  if (diff == 0 || !std::isfinite(r)) return r;
  const F n = std::nextafter(r, diff > 0 ? std::numeric_limits<F>::infinity() : -std::numeric_limits<F>::infinity());
  if (!std::isfinite(n)) return r;  // a tie beyond the largest value already rounded to infinity
  const W gap = static_cast<W>(n) - static_cast<W>(r);
  if (diff * 2 != gap) return r;
  return std::fabs(n) > std::fabs(r) ? n : r;
}

// TwoSum: s + err == a + b exactly (RNE, no overflow).
template <class W>
W two_sum_err(W a, W b, W s) {
  const W bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

float tie_s(float r, double v, double err) {
  // v + err is the exact value in double; a float tie has 25 significant bits, so a
  // nonzero err (the value needs more than 53) is no tie.
  if (err != 0) return r;
  return away_on_tie(r, v - static_cast<double>(r));
}

#ifdef __SIZEOF_FLOAT128__
using Wide = __float128;
#else
using Wide = long double;  // quad precision where long double is (aarch64); else ties of fma.d are missed
#endif

}  // namespace

void Engine::fp_rmm(const Insn& e) {
  const int saved_round = std::fegetround();
  std::fesetround(FE_TONEAREST);
  const std::uint64_t a = f[e.rs1], b = f[e.rs2], c = f[e.rs3];
  const std::uint64_t xa = x[e.rs1];
  const float sa = fp::fs(fp::unbox(a)), sb = fp::fs(fp::unbox(b)), sc = fp::fs(fp::unbox(c));
  const double da = fp::fd(a), db = fp::fd(b), dc = fp::fd(c);
  // The RNE result, with its flags.
  fp_native(e);
  std::uint64_t& d = f[e.rd];
  // The tie check must leave the flags as the operation set them.
  std::fenv_t env;
  std::fegetenv(&env);
  const float rs = fp::fs(static_cast<std::uint32_t>(d));
  const double rd = fp::fd(d);
  switch (e.op) {
    case Op::fadd_s: case Op::fsub_s: {
      const double y = e.op == Op::fadd_s ? double{sb} : -double{sb};
      const double v = double{sa} + y;
      d = fp::box(std::bit_cast<std::uint32_t>(tie_s(rs, v, two_sum_err(double{sa}, y, v))));
      break;
    }
    case Op::fmul_s:
      d = fp::box(std::bit_cast<std::uint32_t>(tie_s(rs, double{sa} * double{sb}, 0.0)));  // exact in double
      break;
    case Op::fmadd_s: case Op::fmsub_s: case Op::fnmsub_s: case Op::fnmadd_s: {
      double p = double{sa} * double{sb};  // exact
      double z = sc;
      if (e.op == Op::fnmsub_s || e.op == Op::fnmadd_s) p = -p;
      if (e.op == Op::fmsub_s || e.op == Op::fnmadd_s) z = -z;
      const double v = p + z;
      d = fp::box(std::bit_cast<std::uint32_t>(tie_s(rs, v, two_sum_err(p, z, v))));
      break;
    }
    case Op::fcvt_s_d:
      d = fp::box(std::bit_cast<std::uint32_t>(tie_s(rs, da, 0.0)));
      break;
    case Op::fcvt_s_w: case Op::fcvt_s_wu: case Op::fcvt_s_l: case Op::fcvt_s_lu: {
      // Integers are exact in long double (64-bit significand or more).
      const long double v = e.op == Op::fcvt_s_w    ? static_cast<long double>(static_cast<std::int32_t>(xa))
                            : e.op == Op::fcvt_s_wu ? static_cast<long double>(static_cast<std::uint32_t>(xa))
                            : e.op == Op::fcvt_s_l  ? static_cast<long double>(static_cast<std::int64_t>(xa))
                                                    : static_cast<long double>(xa);
      d = fp::box(std::bit_cast<std::uint32_t>(away_on_tie(rs, v - static_cast<long double>(rs))));
      break;
    }
    case Op::fadd_d: case Op::fsub_d: {
      const double y = e.op == Op::fadd_d ? db : -db;
      d = std::bit_cast<std::uint64_t>(away_on_tie(rd, two_sum_err(da, y, rd)));
      break;
    }
    case Op::fmul_d: {
      // Exact in the wide format, subnormal results included (where a fused residual
      // would itself be rounded).
      const Wide v = static_cast<Wide>(da) * static_cast<Wide>(db);
      if (std::isfinite(rd)) d = std::bit_cast<std::uint64_t>(away_on_tie(rd, v - static_cast<Wide>(rd)));
      break;
    }
    case Op::fdiv_d: {
      // A quotient is a tie only when subnormal, and then exactly representable in the
      // wide format; an inexact wide quotient is too far from any midpoint to look like one.
      const Wide v = static_cast<Wide>(da) / static_cast<Wide>(db);
      if (std::isfinite(rd)) d = std::bit_cast<std::uint64_t>(away_on_tie(rd, v - static_cast<Wide>(rd)));
      break;
    }
    case Op::fdiv_s:
      d = fp::box(std::bit_cast<std::uint32_t>(tie_s(rs, double{sa} / double{sb}, 0.0)));
      break;
    case Op::fmadd_d: case Op::fmsub_d: case Op::fnmsub_d: case Op::fnmadd_d: {
      Wide p = static_cast<Wide>(da) * static_cast<Wide>(db);  // exact in 113 bits
      Wide z = dc;
      if (e.op == Op::fnmsub_d || e.op == Op::fnmadd_d) p = -p;
      if (e.op == Op::fmsub_d || e.op == Op::fnmadd_d) z = -z;
      const Wide v = p + z;
      if (std::isfinite(rd) && two_sum_err(p, z, v) == 0) {
        d = std::bit_cast<std::uint64_t>(away_on_tie(rd, v - static_cast<Wide>(rd)));
      }
      break;
    }
    case Op::fcvt_d_l: case Op::fcvt_d_lu: {
      const long double v = e.op == Op::fcvt_d_l ? static_cast<long double>(static_cast<std::int64_t>(xa))
                                                 : static_cast<long double>(xa);
      d = std::bit_cast<std::uint64_t>(away_on_tie(rd, v - static_cast<long double>(rd)));
      break;
    }
    default:
      break;  // fsqrt: never a tie
  }
  std::fesetenv(&env);
  std::fesetround(saved_round);
}

}  // namespace vmlab::guest::rv64
