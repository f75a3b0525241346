/* F and D: arithmetic in every rounding mode (static and dynamic), fused
   multiply-adds, conversions, min/max, comparisons, fclass, sign injection and moves,
   each with the exception flags it raises. Results are hashed per operation and mode;
   some are printed one by one. Expected output recorded with qemu-riscv64. */
#include "rt.h"

static const u64 dv[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
    0x3ff8000000000000ull, 0x4004000000000000ull, 0xc004000000000000ull, 0x3fb999999999999aull,
    0x7fefffffffffffffull, 0xffefffffffffffffull, 0x0010000000000000ull, 0x0000000000000001ull,
    0x000fffffffffffffull, 0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
    0x7ff4000000000000ull, 0x4008000000000000ull, 0x3fd5555555555555ull, 0x4340000000000001ull,
    0x41dfffffffe00000ull, 0x41e0000000000000ull, 0xc1e0000000200000ull, 0x43e0000000000000ull,
    0x43f0000000000000ull, 0x41efffffffff0000ull, 0xbfe0000000000000ull, 0x3fe0000000000001ull,
    0x4330000000000001ull, 0xfff8000000000001ull};
#define ND (sizeof(dv) / sizeof(dv[0]))
static const u32 sv[] = {0x00000000u, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x3fc00000u, 0x40200000u,
                         0xc0200000u, 0x3dcccccdu, 0x7f7fffffu, 0xff7fffffu, 0x00800000u, 0x00000001u,
                         0x007fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7fa00000u, 0x40400000u,
                         0x3eaaaaabu, 0x4b800001u, 0x4effffffu, 0x4f000000u, 0xcf000001u, 0x5f000000u,
                         0x5f800000u, 0x4f7fffffu, 0xbf000000u, 0x33800001u, 0xffc00001u};
#define NS (sizeof(sv) / sizeof(sv[0]))

static inline double d_of(u64 b) { union { u64 u; double d; } x = {b}; return x.d; }
static inline u64 bits_d(double d) { union { double d; u64 u; } x = {d}; return x.u; }
static inline float s_of(u32 b) { union { u32 u; float f; } x = {b}; return x.f; }
static inline u32 bits_s(float f) { union { float f; u32 u; } x = {f}; return x.u; }
static inline u64 mix(u64 acc, u64 v, u64 fl) { return (acc * 1000003u + v) * 31 + fl; }
static inline void set_frm(u64 m) { __asm__ volatile("fsrm %0" ::"r"(m)); }
static inline u64 take_flags(void) {
  u64 f;
  __asm__ volatile("frflags %0\n fsflags x0" : "=r"(f));
  return f;
}

#define MODES(X) X("rne") X("rtz") X("rdn") X("rup") X("rmm") X("dyn")

#define BIN_D(op, rm)                                                                     \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < ND; ++i)                                                     \
      for (unsigned j = 0; j < ND; ++j) {                                                 \
        double r;                                                                         \
        take_flags();                                                                     \
        __asm__ volatile(op " %0, %1, %2, " rm : "=f"(r) : "f"(d_of(dv[i])), "f"(d_of(dv[j]))); \
        acc = mix(acc, bits_d(r), take_flags());                                          \
      }                                                                                   \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
#define BIN_S(op, rm)                                                                     \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NS; ++i)                                                     \
      for (unsigned j = 0; j < NS; ++j) {                                                 \
        float r;                                                                          \
        take_flags();                                                                     \
        __asm__ volatile(op " %0, %1, %2, " rm : "=f"(r) : "f"(s_of(sv[i])), "f"(s_of(sv[j]))); \
        acc = mix(acc, bits_s(r), take_flags());                                          \
      }                                                                                   \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
#define UN_D(op, rm)                                                                      \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < ND; ++i) {                                                   \
      double r;                                                                           \
      take_flags();                                                                       \
      __asm__ volatile(op " %0, %1, " rm : "=f"(r) : "f"(d_of(dv[i])));                   \
      acc = mix(acc, bits_d(r), take_flags());                                            \
    }                                                                                     \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
#define UN_S(op, rm)                                                                      \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NS; ++i) {                                                   \
      float r;                                                                            \
      take_flags();                                                                       \
      __asm__ volatile(op " %0, %1, " rm : "=f"(r) : "f"(s_of(sv[i])));                   \
      acc = mix(acc, bits_s(r), take_flags());                                            \
    }                                                                                     \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
/* Float to integer: every value of both formats. */
#define TOI_D(op, rm)                                                                     \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < ND; ++i) {                                                   \
      u64 r;                                                                              \
      take_flags();                                                                       \
      __asm__ volatile(op " %0, %1, " rm : "=r"(r) : "f"(d_of(dv[i])));                   \
      acc = mix(acc, r, take_flags());                                                    \
    }                                                                                     \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
#define TOI_S(op, rm)                                                                     \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NS; ++i) {                                                   \
      u64 r;                                                                              \
      take_flags();                                                                       \
      __asm__ volatile(op " %0, %1, " rm : "=r"(r) : "f"(s_of(sv[i])));                   \
      acc = mix(acc, r, take_flags());                                                    \
    }                                                                                     \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
/* Integer to float: edge integers. */
static const u64 iv[] = {0, 1, 0xffffffffffffffffull, 0x7fffffffull, 0x80000000ull, 0xffffffffull,
                         0x7fffffffffffffffull, 0x8000000000000000ull, 0x1000001ull, 0x1000003ull,
                         0x20000000000001ull, 0x20000000000003ull, 0xfffffffffffffc01ull, 0x123456789abcdefull,
                         0xffffffff7fffffffull, 0x00000000fffffe80ull};
#define NI (sizeof(iv) / sizeof(iv[0]))
#define FROMI_D(op, rm)                                                                   \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NI; ++i) {                                                   \
      double r;                                                                           \
      take_flags();                                                                       \
      __asm__ volatile(op " %0, %1, " rm : "=f"(r) : "r"(iv[i]));                         \
      acc = mix(acc, bits_d(r), take_flags());                                            \
    }                                                                                     \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
#define FROMI_S(op, rm)                                                                   \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NI; ++i) {                                                   \
      float r;                                                                            \
      take_flags();                                                                       \
      __asm__ volatile(op " %0, %1, " rm : "=f"(r) : "r"(iv[i]));                         \
      acc = mix(acc, bits_s(r), take_flags());                                            \
    }                                                                                     \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
/* Fused multiply-adds on a smaller set (every triple). */
#define NF 14
#define FMA_D(op, rm)                                                                     \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NF; ++i)                                                     \
      for (unsigned j = 0; j < NF; ++j)                                                   \
        for (unsigned k = 0; k < NF; ++k) {                                               \
          double r;                                                                       \
          take_flags();                                                                   \
          __asm__ volatile(op " %0, %1, %2, %3, " rm : "=f"(r)                            \
                           : "f"(d_of(dv[i])), "f"(d_of(dv[j + 8])), "f"(d_of(dv[k + 16]))); \
          acc = mix(acc, bits_d(r), take_flags());                                        \
        }                                                                                 \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
#define FMA_S(op, rm)                                                                     \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NF; ++i)                                                     \
      for (unsigned j = 0; j < NF; ++j)                                                   \
        for (unsigned k = 0; k < NF; ++k) {                                               \
          float r;                                                                        \
          take_flags();                                                                   \
          __asm__ volatile(op " %0, %1, %2, %3, " rm : "=f"(r)                            \
                           : "f"(s_of(sv[i])), "f"(s_of(sv[j + 8])), "f"(s_of(sv[k + 15]))); \
          acc = mix(acc, bits_s(r), take_flags());                                        \
        }                                                                                 \
    put_hex(op " " rm, acc);                                                              \
  } while (0)
/* Operations without a rounding mode. */
#define NORM_D(op)                                                                        \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < ND; ++i)                                                     \
      for (unsigned j = 0; j < ND; ++j) {                                                 \
        double r;                                                                         \
        take_flags();                                                                     \
        __asm__ volatile(op " %0, %1, %2" : "=f"(r) : "f"(d_of(dv[i])), "f"(d_of(dv[j]))); \
        acc = mix(acc, bits_d(r), take_flags());                                          \
      }                                                                                   \
    put_hex(op, acc);                                                                     \
  } while (0)
#define NORM_S(op)                                                                        \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NS; ++i)                                                     \
      for (unsigned j = 0; j < NS; ++j) {                                                 \
        float r;                                                                          \
        take_flags();                                                                     \
        __asm__ volatile(op " %0, %1, %2" : "=f"(r) : "f"(s_of(sv[i])), "f"(s_of(sv[j]))); \
        acc = mix(acc, bits_s(r), take_flags());                                          \
      }                                                                                   \
    put_hex(op, acc);                                                                     \
  } while (0)
#define CMP_D(op)                                                                         \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < ND; ++i)                                                     \
      for (unsigned j = 0; j < ND; ++j) {                                                 \
        u64 r;                                                                            \
        take_flags();                                                                     \
        __asm__ volatile(op " %0, %1, %2" : "=r"(r) : "f"(d_of(dv[i])), "f"(d_of(dv[j]))); \
        acc = mix(acc, r, take_flags());                                                  \
      }                                                                                   \
    put_hex(op, acc);                                                                     \
  } while (0)
#define CMP_S(op)                                                                         \
  do {                                                                                    \
    u64 acc = 0;                                                                          \
    for (unsigned i = 0; i < NS; ++i)                                                     \
      for (unsigned j = 0; j < NS; ++j) {                                                 \
        u64 r;                                                                            \
        take_flags();                                                                     \
        __asm__ volatile(op " %0, %1, %2" : "=r"(r) : "f"(s_of(sv[i])), "f"(s_of(sv[j]))); \
        acc = mix(acc, r, take_flags());                                                  \
      }                                                                                   \
    put_hex(op, acc);                                                                     \
  } while (0)

static void arith(void) {
#define X(rm) BIN_D("fadd.d", rm); BIN_D("fsub.d", rm); BIN_D("fmul.d", rm); BIN_D("fdiv.d", rm); UN_D("fsqrt.d", rm);
  for (u64 frm = 0; frm < 5; ++frm) {
    set_frm(frm);
    put_hex("frm", frm);
    if (frm == 0) {
      MODES(X)
    } else {
      X("dyn")
    }
  }
#undef X
#define X(rm) BIN_S("fadd.s", rm); BIN_S("fsub.s", rm); BIN_S("fmul.s", rm); BIN_S("fdiv.s", rm); UN_S("fsqrt.s", rm);
  for (u64 frm = 0; frm < 5; ++frm) {
    set_frm(frm);
    put_hex("frm", frm);
    if (frm == 0) {
      MODES(X)
    } else {
      X("dyn")
    }
  }
#undef X
  set_frm(0);
}

static void fused(void) {
#define X(rm) FMA_D("fmadd.d", rm); FMA_D("fmsub.d", rm); FMA_D("fnmsub.d", rm); FMA_D("fnmadd.d", rm); \
  FMA_S("fmadd.s", rm); FMA_S("fmsub.s", rm); FMA_S("fnmsub.s", rm); FMA_S("fnmadd.s", rm);
  MODES(X)
#undef X
  set_frm(4);
  FMA_D("fmadd.d", "dyn");
  FMA_S("fmadd.s", "dyn");
  set_frm(0);
  /* inf * 0 + qNaN signals invalid. */
  double r;
  take_flags();
  __asm__ volatile("fmadd.d %0, %1, %2, %3" : "=f"(r) : "f"(d_of(0x7ff0000000000000ull)), "f"(0.0), "f"(d_of(0x7ff8000000000000ull)));
  put_hex("inf*0+qnan", bits_d(r));
  put_hex("inf*0+qnan flags", take_flags());
}

static void conversions(void) {
#define X(rm) TOI_D("fcvt.w.d", rm); TOI_D("fcvt.wu.d", rm); TOI_D("fcvt.l.d", rm); TOI_D("fcvt.lu.d", rm); \
  TOI_S("fcvt.w.s", rm); TOI_S("fcvt.wu.s", rm); TOI_S("fcvt.l.s", rm); TOI_S("fcvt.lu.s", rm);            \
  FROMI_D("fcvt.d.l", rm); FROMI_D("fcvt.d.lu", rm);                                                      \
  FROMI_S("fcvt.s.l", rm); FROMI_S("fcvt.s.lu", rm); FROMI_S("fcvt.s.w", rm); FROMI_S("fcvt.s.wu", rm);
  MODES(X)
#undef X
  for (u64 frm = 1; frm < 5; ++frm) {
    set_frm(frm);
    TOI_D("fcvt.l.d", "dyn");
    FROMI_S("fcvt.s.l", "dyn");
  }
  set_frm(0);
  /* fcvt.s.d: double to single, every mode. */
  static const char* names[] = {"rne", "rtz", "rdn", "rup", "rmm"};
  for (int m = 0; m < 5; ++m) {
    set_frm((u64)m);
    u64 acc = 0;
    for (unsigned i = 0; i < ND; ++i) {
      float r;
      take_flags();
      __asm__ volatile("fcvt.s.d %0, %1" : "=f"(r) : "f"(d_of(dv[i])));
      acc = mix(acc, bits_s(r), take_flags());
    }
    put_hex(names[m], acc);
  }
  set_frm(0);
  /* The exact conversions (no rounding-mode operand). */
  {
    u64 acc = 0;
    for (unsigned i = 0; i < NI; ++i) {
      double a, b;
      take_flags();
      __asm__ volatile("fcvt.d.w %0, %2\n fcvt.d.wu %1, %2" : "=&f"(a), "=f"(b) : "r"(iv[i]));
      acc = mix(mix(acc, bits_d(a), 0), bits_d(b), take_flags());
    }
    for (unsigned i = 0; i < NS; ++i) {
      double a;
      take_flags();
      __asm__ volatile("fcvt.d.s %0, %1" : "=f"(a) : "f"(s_of(sv[i])));
      acc = mix(acc, bits_d(a), take_flags());
    }
    put_hex("exact conversions", acc);
  }
  /* Individual values worth seeing. */
  u64 r;
  __asm__ volatile("fcvt.w.d %0, %1, rtz" : "=r"(r) : "f"(-2147483648.9));
  put_hex("fcvt.w.d -2^31-0.9", r);
  put_hex("flags", take_flags());
  __asm__ volatile("fcvt.wu.d %0, %1, rtz" : "=r"(r) : "f"(-0.9));
  put_hex("fcvt.wu.d -0.9", r);
  put_hex("flags", take_flags());
  __asm__ volatile("fcvt.wu.d %0, %1, rtz" : "=r"(r) : "f"(4294967295.0));
  put_hex("fcvt.wu.d 2^32-1", r);
  put_hex("flags", take_flags());
  __asm__ volatile("fcvt.l.d %0, %1, rmm" : "=r"(r) : "f"(-2.5));
  put_hex("fcvt.l.d rmm -2.5", r);
  put_hex("flags", take_flags());
}

static void others(void) {
  NORM_D("fmin.d"); NORM_D("fmax.d"); NORM_D("fsgnj.d"); NORM_D("fsgnjn.d"); NORM_D("fsgnjx.d");
  NORM_S("fmin.s"); NORM_S("fmax.s"); NORM_S("fsgnj.s"); NORM_S("fsgnjn.s"); NORM_S("fsgnjx.s");
  CMP_D("feq.d"); CMP_D("flt.d"); CMP_D("fle.d");
  CMP_S("feq.s"); CMP_S("flt.s"); CMP_S("fle.s");
  u64 acc = 0;
  for (unsigned i = 0; i < ND; ++i) {
    u64 r;
    __asm__ volatile("fclass.d %0, %1" : "=r"(r) : "f"(d_of(dv[i])));
    acc = acc * 1031 + r;
  }
  put_hex("fclass.d", acc);
  acc = 0;
  for (unsigned i = 0; i < NS; ++i) {
    u64 r;
    __asm__ volatile("fclass.s %0, %1" : "=r"(r) : "f"(s_of(sv[i])));
    acc = acc * 1031 + r;
  }
  put_hex("fclass.s", acc);
  /* Moves keep bits; fmv.x.w sign-extends. */
  u64 r;
  double t;
  __asm__ volatile("fmv.d.x %1, %2\n fmv.x.w %0, %1" : "=r"(r), "=f"(t) : "r"(0x12345678deadbeefull));
  put_hex("fmv.x.w", r);
  __asm__ volatile("fmv.w.x %1, %2\n fmv.x.d %0, %1" : "=r"(r), "=f"(t) : "r"(0x12345678deadbeefull));
  put_hex("fmv.w.x boxed", r);
  /* A single that is not NaN-boxed reads as the canonical NaN. */
  __asm__ volatile("fmv.d.x %1, %2\n fadd.s %1, %1, %1\n fmv.x.d %0, %1" : "=r"(r), "=f"(t) : "r"(0x000000003f800000ull));
  put_hex("unboxed add", r);
  __asm__ volatile("fmv.d.x %1, %2\n fclass.s %0, %1" : "=r"(r), "=f"(t) : "r"(0x000000003f800000ull));
  put_hex("unboxed class", r);
  __asm__ volatile("fmv.d.x %1, %2\n fsgnj.s %1, %1, %1\n fmv.x.d %0, %1" : "=r"(r), "=f"(t) : "r"(0xfffffffe3f800000ull));
  put_hex("unboxed sgnj", r);
  /* Loads and stores move bits unchanged. */
  static u64 mem[2];
  mem[0] = 0x7ff4000000000001ull;
  __asm__ volatile("fld %1, 0(%2)\n fsd %1, 8(%2)\n ld %0, 8(%2)" : "=r"(r), "=f"(t) : "r"(mem) : "memory");
  put_hex("fld/fsd snan", r);
  mem[0] = 0x11111111ff800001ull;
  __asm__ volatile("flw %1, 0(%2)\n fmv.x.d %0, %1" : "=r"(r), "=f"(t) : "r"(mem) : "memory");
  put_hex("flw boxes", r);
  __asm__ volatile("flw %1, 0(%2)\n fsw %1, 8(%2)\n lwu %0, 8(%2)" : "=r"(r), "=f"(t) : "r"(mem) : "memory");
  put_hex("fsw", r);
  take_flags();
  put_hex("move flags", take_flags());
}

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  arith();
  fused();
  conversions();
  others();
  put("done\n");
  return 0;
}
