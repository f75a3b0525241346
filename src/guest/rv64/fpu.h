// RISC-V F and D semantics on the host's IEEE-754 arithmetic. The host computes in
// the guest's rounding mode (engine fp_enter()) and its sticky exception flags are the
// guest's fflags (x86 SSE, like RISC-V, detects tininess after rounding). What the host
// does differently is done here: NaN results are the canonical NaN; single-precision
// values live NaN-boxed in 64-bit registers; fmin/fmax follow the 2019 minimumNumber
// rules; comparisons and conversions to integers set their flags by the RISC-V rules.
// Operands and results are raw register bits.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace vmlab::guest::rv64::fp {

// fflags bits (the "F" chapter, Table "Accrued exception flag encoding").
inline constexpr std::uint32_t kNX = 1, kUF = 2, kOF = 4, kDZ = 8, kNV = 16;
// Rounding modes (frm / rm).
inline constexpr unsigned kRne = 0, kRtz = 1, kRdn = 2, kRup = 3, kRmm = 4, kDyn = 7;

inline constexpr std::uint32_t kCanonS = 0x7fc00000u;
inline constexpr std::uint64_t kCanonD = 0x7ff8000000000000ull;

inline std::uint64_t box(std::uint32_t v) { return 0xffffffff00000000ull | v; }
// A single read from a register that does not hold a NaN-boxed value is the canonical NaN.
inline std::uint32_t unbox(std::uint64_t v) { return (v >> 32) == 0xffffffffu ? static_cast<std::uint32_t>(v) : kCanonS; }

inline bool is_nan_s(std::uint32_t b) { return (b & 0x7fffffffu) > 0x7f800000u; }
inline bool is_snan_s(std::uint32_t b) { return is_nan_s(b) && !(b & 0x00400000u); }
inline bool is_nan_d(std::uint64_t b) { return (b & 0x7fffffffffffffffull) > 0x7ff0000000000000ull; }
inline bool is_snan_d(std::uint64_t b) { return is_nan_d(b) && !(b & 0x0008000000000000ull); }
inline bool is_inf_s(std::uint32_t b) { return (b & 0x7fffffffu) == 0x7f800000u; }
inline bool is_inf_d(std::uint64_t b) { return (b & 0x7fffffffffffffffull) == 0x7ff0000000000000ull; }
inline bool is_zero_s(std::uint32_t b) { return (b & 0x7fffffffu) == 0; }
inline bool is_zero_d(std::uint64_t b) { return (b & 0x7fffffffffffffffull) == 0; }

inline float fs(std::uint32_t b) { return std::bit_cast<float>(b); }
inline double fd(std::uint64_t b) { return std::bit_cast<double>(b); }
inline std::uint32_t canon(float r) {
  const auto b = std::bit_cast<std::uint32_t>(r);
  return is_nan_s(b) ? kCanonS : b;
}
inline std::uint64_t canon(double r) {
  const auto b = std::bit_cast<std::uint64_t>(r);
  return is_nan_d(b) ? kCanonD : b;
}

// Arithmetic in the host's current rounding mode.
inline std::uint64_t add_s(std::uint64_t a, std::uint64_t b) { return box(canon(fs(unbox(a)) + fs(unbox(b)))); }
inline std::uint64_t sub_s(std::uint64_t a, std::uint64_t b) { return box(canon(fs(unbox(a)) - fs(unbox(b)))); }
inline std::uint64_t mul_s(std::uint64_t a, std::uint64_t b) { return box(canon(fs(unbox(a)) * fs(unbox(b)))); }
inline std::uint64_t div_s(std::uint64_t a, std::uint64_t b) { return box(canon(fs(unbox(a)) / fs(unbox(b)))); }
inline std::uint64_t sqrt_s(std::uint64_t a) { return box(canon(std::sqrt(fs(unbox(a))))); }
inline std::uint64_t add_d(std::uint64_t a, std::uint64_t b) { return canon(fd(a) + fd(b)); }
inline std::uint64_t sub_d(std::uint64_t a, std::uint64_t b) { return canon(fd(a) - fd(b)); }
inline std::uint64_t mul_d(std::uint64_t a, std::uint64_t b) { return canon(fd(a) * fd(b)); }
inline std::uint64_t div_d(std::uint64_t a, std::uint64_t b) { return canon(fd(a) / fd(b)); }
inline std::uint64_t sqrt_d(std::uint64_t a) { return canon(std::sqrt(fd(a))); }

// Fused multiply-add: (neg_prod ? -(a*b) : a*b) + (neg_add ? -c : c), one rounding.
// RISC-V signals invalid for inf * 0 even when the addend is a quiet NaN.
inline std::uint64_t fma_s(std::uint64_t a, std::uint64_t b, std::uint64_t c, bool neg_prod, bool neg_add,
                           std::uint32_t& flags) {
  const std::uint32_t A = unbox(a), B = unbox(b), C = unbox(c);
  if (is_nan_s(C) && ((is_inf_s(A) && is_zero_s(B)) || (is_zero_s(A) && is_inf_s(B)))) flags |= kNV;
  float x = fs(A), z = fs(C);
  if (neg_prod) x = -x;
  if (neg_add) z = -z;
  return box(canon(std::fma(x, fs(B), z)));
}
inline std::uint64_t fma_d(std::uint64_t a, std::uint64_t b, std::uint64_t c, bool neg_prod, bool neg_add,
                           std::uint32_t& flags) {
  if (is_nan_d(c) && ((is_inf_d(a) && is_zero_d(b)) || (is_zero_d(a) && is_inf_d(b)))) flags |= kNV;
  double x = fd(a), z = fd(c);
  if (neg_prod) x = -x;
  if (neg_add) z = -z;
  return canon(std::fma(x, fd(b), z));
}

// Sign injection: only the sign bit changes (no NaN check, no flags).
inline std::uint64_t sgnj_s(std::uint64_t a, std::uint64_t b, unsigned kind) {
  const std::uint32_t A = unbox(a), B = unbox(b);
  const std::uint32_t s = kind == 0 ? (B & 0x80000000u) : kind == 1 ? (~B & 0x80000000u) : ((A ^ B) & 0x80000000u);
  return box((A & 0x7fffffffu) | s);
}
inline std::uint64_t sgnj_d(std::uint64_t a, std::uint64_t b, unsigned kind) {
  constexpr std::uint64_t kSign = 1ull << 63;
  const std::uint64_t s = kind == 0 ? (b & kSign) : kind == 1 ? (~b & kSign) : ((a ^ b) & kSign);
  return (a & ~kSign) | s;
}

// fmin/fmax (minimumNumber/maximumNumber): a NaN operand is ignored; both NaN gives
// the canonical NaN; -0 is less than +0; a signaling NaN operand signals invalid.
inline std::uint64_t minmax_s(std::uint64_t a, std::uint64_t b, bool max, std::uint32_t& flags) {
  const std::uint32_t A = unbox(a), B = unbox(b);
  if (is_snan_s(A) || is_snan_s(B)) flags |= kNV;
  const bool na = is_nan_s(A), nb = is_nan_s(B);
  if (na && nb) return box(kCanonS);
  if (na) return box(B);
  if (nb) return box(A);
  const float x = fs(A), y = fs(B);
  if (x == y) return box(max ? (A & B) : (A | B));  // equal: only zeros of opposite sign differ
  return box((x < y) != max ? A : B);
}
inline std::uint64_t minmax_d(std::uint64_t a, std::uint64_t b, bool max, std::uint32_t& flags) {
  if (is_snan_d(a) || is_snan_d(b)) flags |= kNV;
  const bool na = is_nan_d(a), nb = is_nan_d(b);
  if (na && nb) return kCanonD;
  if (na) return b;
  if (nb) return a;
  const double x = fd(a), y = fd(b);
  if (x == y) return max ? (a & b) : (a | b);
  return (x < y) != max ? a : b;
}

// Comparisons: feq is quiet (invalid only for a signaling NaN); flt and fle signal
// invalid for any NaN. A NaN operand compares false.
enum class Cmp { eq, lt, le };
inline std::uint64_t compare_s(std::uint64_t a, std::uint64_t b, Cmp c, std::uint32_t& flags) {
  const std::uint32_t A = unbox(a), B = unbox(b);
  if (is_nan_s(A) || is_nan_s(B)) {
    if (c != Cmp::eq || is_snan_s(A) || is_snan_s(B)) flags |= kNV;
    return 0;
  }
  const float x = fs(A), y = fs(B);
  return c == Cmp::eq ? x == y : c == Cmp::lt ? x < y : x <= y;
}
inline std::uint64_t compare_d(std::uint64_t a, std::uint64_t b, Cmp c, std::uint32_t& flags) {
  if (is_nan_d(a) || is_nan_d(b)) {
    if (c != Cmp::eq || is_snan_d(a) || is_snan_d(b)) flags |= kNV;
    return 0;
  }
  const double x = fd(a), y = fd(b);
  return c == Cmp::eq ? x == y : c == Cmp::lt ? x < y : x <= y;
}

// fclass: one bit of ten (Table "Format of result of FCLASS instruction").
std::uint64_t classify_s(std::uint64_t a);
std::uint64_t classify_d(std::uint64_t a);

// Conversions between formats and from integers, in the host's rounding mode.
inline std::uint64_t cvt_s_d(std::uint64_t a) { return box(canon(static_cast<float>(fd(a)))); }
inline std::uint64_t cvt_d_s(std::uint64_t a) { return canon(static_cast<double>(fs(unbox(a)))); }
inline std::uint64_t cvt_s_w(std::uint64_t x) { return box(std::bit_cast<std::uint32_t>(static_cast<float>(static_cast<std::int32_t>(x)))); }
inline std::uint64_t cvt_s_wu(std::uint64_t x) { return box(std::bit_cast<std::uint32_t>(static_cast<float>(static_cast<std::uint32_t>(x)))); }
inline std::uint64_t cvt_s_l(std::uint64_t x) { return box(std::bit_cast<std::uint32_t>(static_cast<float>(static_cast<std::int64_t>(x)))); }
inline std::uint64_t cvt_s_lu(std::uint64_t x) { return box(std::bit_cast<std::uint32_t>(static_cast<float>(x))); }
inline std::uint64_t cvt_d_w(std::uint64_t x) { return std::bit_cast<std::uint64_t>(static_cast<double>(static_cast<std::int32_t>(x))); }
inline std::uint64_t cvt_d_wu(std::uint64_t x) { return std::bit_cast<std::uint64_t>(static_cast<double>(static_cast<std::uint32_t>(x))); }
inline std::uint64_t cvt_d_l(std::uint64_t x) { return std::bit_cast<std::uint64_t>(static_cast<double>(static_cast<std::int64_t>(x))); }
inline std::uint64_t cvt_d_lu(std::uint64_t x) { return std::bit_cast<std::uint64_t>(static_cast<double>(x)); }

// Conversion to an integer of `width` bits (32 or 64), rounded by `rm` (0..4), in
// software: out-of-range values and NaN saturate as the spec's table says and signal
// invalid (and nothing else); other inexact results signal inexact. A 32-bit result is
// sign-extended to 64 bits, for the unsigned forms too.
std::uint64_t to_int_s(std::uint64_t a, bool is_signed, unsigned width, unsigned rm, std::uint32_t& flags);
std::uint64_t to_int_d(std::uint64_t a, bool is_signed, unsigned width, unsigned rm, std::uint32_t& flags);

}  // namespace vmlab::guest::rv64::fp
