/* A: every AMO, .w and .d, over edge operands (old value and new memory), and LR/SC
   pairs that succeed and fail. Expected output recorded with qemu-riscv64. */
#include "rt.h"

static const u64 vals[] = {0, 1, 0x7fffffffull, 0x80000000ull, 0xffffffffull, 0xffffffff80000000ull,
                           0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffffffffffull,
                           0x123456789abcdef0ull};
#define NV (sizeof(vals) / sizeof(vals[0]))

static u64 d64[2] __attribute__((aligned(8)));
static u32 w32[2] __attribute__((aligned(8)));

#define AMO(name)                                                                          \
  do {                                                                                     \
    u64 acc = 0;                                                                           \
    for (unsigned i = 0; i < NV; ++i)                                                      \
      for (unsigned j = 0; j < NV; ++j) {                                                  \
        u64 old;                                                                           \
        d64[0] = vals[i];                                                                  \
        __asm__ volatile(#name ".d %0, %1, (%2)" : "=r"(old) : "r"(vals[j]), "r"(&d64[0]) : "memory"); \
        acc = (acc * 31 + old) * 31 + d64[0];                                              \
        w32[0] = (u32)vals[i];                                                             \
        __asm__ volatile(#name ".w %0, %1, (%2)" : "=r"(old) : "r"(vals[j]), "r"(&w32[0]) : "memory"); \
        acc = (acc * 31 + old) * 31 + w32[0];                                              \
      }                                                                                    \
    put_hex(#name, acc);                                                                   \
  } while (0)

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  AMO(amoadd); AMO(amoswap); AMO(amoxor); AMO(amoand); AMO(amoor);
  AMO(amomin); AMO(amomax); AMO(amominu); AMO(amomaxu);
  /* Acquire/release bits change nothing observable here. */
  u64 old;
  d64[0] = 5;
  __asm__ volatile("amoadd.d.aqrl %0, %1, (%2)" : "=r"(old) : "r"(7ul), "r"(&d64[0]) : "memory");
  put_hex("aqrl old", old);
  put_hex("aqrl new", d64[0]);

  u64 v, fail;
  d64[0] = 100;
  __asm__ volatile("lr.d %0, (%2)\n sc.d %1, %3, (%2)" : "=&r"(v), "=&r"(fail) : "r"(&d64[0]), "r"(200ul) : "memory");
  put_hex("lr.d", v);
  put_hex("sc.d ok", fail);
  put_hex("sc.d mem", d64[0]);
  /* A second SC without a new LR fails and stores nothing. */
  __asm__ volatile("sc.d %0, %2, (%1)" : "=&r"(fail) : "r"(&d64[0]), "r"(300ul) : "memory");
  put_hex("sc.d again", fail);
  put_hex("sc.d mem2", d64[0]);
  /* LR on one address, SC on another: fails. */
  __asm__ volatile("lr.d %0, (%2)\n sc.d %1, %4, (%3)" : "=&r"(v), "=&r"(fail) : "r"(&d64[0]), "r"(&d64[1]), "r"(7ul) : "memory");
  put_hex("sc.d other", fail);
  put_hex("sc.d other mem", d64[1]);
  w32[0] = 0xfffffff0u;
  __asm__ volatile("lr.w %0, (%2)\n sc.w %1, %3, (%2)" : "=&r"(v), "=&r"(fail) : "r"(&w32[0]), "r"(0x12345678ul) : "memory");
  put_hex("lr.w", v);
  put_hex("sc.w ok", fail);
  put_hex("sc.w mem", w32[0]);
  /* The usual retry loop: an atomic increment. */
  for (int i = 0; i < 10; ++i) {
    __asm__ volatile(
        "1: lr.w.aq %0, (%1)\n"
        "   addi %0, %0, 3\n"
        "   sc.w.rl %0, %0, (%1)\n"
        "   bnez %0, 1b\n"
        : "=&r"(v)
        : "r"(&w32[1])
        : "memory");
  }
  put_hex("lr/sc loop", w32[1]);
  put("done\n");
  return 0;
}
