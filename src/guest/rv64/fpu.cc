// fclass and the conversions to integers, done on the bits so that no host flag is
// raised that RISC-V would not raise ("F" chapter: FCVT.int.fmt, Table "Domains of
// float-to-integer conversions and behavior for invalid inputs").
#include "guest/rv64/fpu.h"

namespace vmlab::guest::rv64::fp {

namespace {

// The ten fclass bits from the fields of a value.
std::uint64_t classify(bool sign, bool exp_all_ones, bool exp_zero, bool frac_zero, bool quiet) {
  if (exp_all_ones) {
    if (frac_zero) return sign ? 1u << 0 : 1u << 7;  // -inf / +inf
    return quiet ? 1u << 9 : 1u << 8;                 // qNaN / sNaN
  }
  if (exp_zero) {
    if (frac_zero) return sign ? 1u << 3 : 1u << 4;  // -0 / +0
    return sign ? 1u << 2 : 1u << 5;                  // subnormal
  }
  return sign ? 1u << 1 : 1u << 6;  // normal
}

// Rounds `m * 2^-shift` (m the significand with its implicit bit, shift > 0) to an
// integer magnitude by `rm`; `inexact` tells whether anything was dropped.
std::uint64_t round_shifted(std::uint64_t m, unsigned shift, bool negative, unsigned rm, bool& inexact) {
  std::uint64_t q, rem, half;
  if (shift >= 64) {
    // Below 2^-10: the quotient is 0 and the remainder less than half.
    q = 0;
    rem = m;
    half = ~0ull;
  } else {
    q = m >> shift;
    rem = m & ((1ull << shift) - 1);
    half = 1ull << (shift - 1);
  }
  inexact = rem != 0;
  bool up = false;
  switch (rm) {
    case kRne: up = rem > half || (rem == half && (q & 1)); break;
    case kRtz: up = false; break;
    case kRdn: up = negative && rem != 0; break;
    case kRup: up = !negative && rem != 0; break;
    default: up = rem >= half && half != ~0ull; break;  // RMM: ties away from zero
  }
  return q + (up ? 1 : 0);
}

// The common part: sign, unbiased exponent and significand (with implicit bit) of a
// finite nonzero value of `frac_bits` fraction bits.
std::uint64_t to_int(bool negative, int exp, std::uint64_t m, unsigned frac_bits, bool is_signed, unsigned width,
                     unsigned rm, std::uint32_t& flags) {
  const std::uint64_t max_pos = is_signed ? (width == 64 ? 0x7fffffffffffffffull : 0x7fffffffull)
                                          : (width == 64 ? ~0ull : 0xffffffffull);
  const std::uint64_t max_neg = is_signed ? (width == 64 ? 0x8000000000000000ull : 0x80000000ull) : 0;  // magnitude
  const auto saturate = [&](bool neg) -> std::uint64_t {
    flags |= kNV;
    if (!is_signed) return neg ? 0 : ~0ull;  // the 32-bit maximum sign-extends to all ones too
    return neg ? (width == 64 ? 0x8000000000000000ull : 0xffffffff80000000ull)
               : (width == 64 ? 0x7fffffffffffffffull : 0x7fffffffull);
  };
  std::uint64_t mag;
  bool inexact = false;
  const int shift = static_cast<int>(frac_bits) - exp;  // value = m * 2^-shift
  if (shift <= 0) {
    if (exp >= 64) return saturate(negative);
    mag = m << -shift;  // exact; exp < 64 keeps it within 64 bits
  } else {
    mag = round_shifted(m, static_cast<unsigned>(shift), negative, rm, inexact);
  }
  if (negative ? mag > max_neg : mag > max_pos) return saturate(negative);
  if (inexact) flags |= kNX;
  std::uint64_t v = negative ? (0 - mag) : mag;
  if (width == 32) v = static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v)));
  return v;
}

}  // namespace

std::uint64_t classify_s(std::uint64_t a) {
  const std::uint32_t b = unbox(a);
  const std::uint32_t e = (b >> 23) & 0xff, f = b & 0x7fffff;
  return classify(b >> 31, e == 0xff, e == 0, f == 0, (f >> 22) & 1);
}

std::uint64_t classify_d(std::uint64_t b) {
  const std::uint64_t e = (b >> 52) & 0x7ff, f = b & 0xfffffffffffffull;
  return classify(b >> 63, e == 0x7ff, e == 0, f == 0, (f >> 51) & 1);
}

std::uint64_t to_int_s(std::uint64_t a, bool is_signed, unsigned width, unsigned rm, std::uint32_t& flags) {
  const std::uint32_t b = unbox(a);
  const bool negative = b >> 31;
  const std::uint32_t e = (b >> 23) & 0xff, f = b & 0x7fffff;
  if (e == 0xff) {
    // NaN converts as +inf would (the largest value).
    const bool neg = f == 0 && negative;
    flags |= kNV;
    if (!is_signed) return neg ? 0 : ~0ull;
    return neg ? (width == 64 ? 0x8000000000000000ull : 0xffffffff80000000ull)
               : (width == 64 ? 0x7fffffffffffffffull : 0x7fffffffull);
  }
  if (e == 0 && f == 0) return 0;
  const std::uint64_t m = e == 0 ? f : (f | 0x800000u);
  const int exp = e == 0 ? -126 : static_cast<int>(e) - 127;
  return to_int(negative, exp, m, 23, is_signed, width, rm, flags);
}

std::uint64_t to_int_d(std::uint64_t b, bool is_signed, unsigned width, unsigned rm, std::uint32_t& flags) {
  const bool negative = b >> 63;
  const std::uint64_t e = (b >> 52) & 0x7ff, f = b & 0xfffffffffffffull;
  if (e == 0x7ff) {
    const bool neg = f == 0 && negative;
    flags |= kNV;
    if (!is_signed) return neg ? 0 : ~0ull;
    return neg ? (width == 64 ? 0x8000000000000000ull : 0xffffffff80000000ull)
               : (width == 64 ? 0x7fffffffffffffffull : 0x7fffffffull);
  }
  if (e == 0 && f == 0) return 0;
  const std::uint64_t m = e == 0 ? f : (f | (1ull << 52));
  const int exp = e == 0 ? -1022 : static_cast<int>(e) - 1023;
  return to_int(negative, exp, m, 52, is_signed, width, rm, flags);
}

}  // namespace vmlab::guest::rv64::fp
