/* Zifencei and self-modifying code: instructions written into a writable and
   executable buffer, made visible by fence.i, then rewritten; and a routine that
   rewrites the instruction after it in its own block. Expected output recorded with
   qemu-riscv64 (without arguments). */
#include "rt.h"

/* A read-write-execute region: code written at run time. */
__asm__(
    ".section .smc,\"awx\",@progbits\n"
    ".balign 64\n"
    ".global smc_buf\n"
    "smc_buf:\n"
    ".space 256\n"
    ".balign 64\n"
    ".global smc_self\n"
    "smc_self:\n"
    ".option push\n"
    ".option norvc\n"
    "  lla t0, 1f\n"
    "  li t1, 0x02a00513\n" /* addi a0, zero, 42 */
    "  sw t1, 0(t0)\n"
    "  fence.i\n"
    "1: addi a0, zero, 7\n"
    "  ret\n"
    ".global smc_self_nofence\n"
    "smc_self_nofence:\n"
    "  lla t0, 2f\n"
    "  li t1, 0x06300513\n" /* addi a0, zero, 99 */
    "  sw t1, 0(t0)\n"
    "2: addi a0, zero, 8\n"
    "  ret\n"
    ".option pop\n"
    ".text\n");
extern volatile u32 smc_buf[];
extern u64 smc_self(void);
extern u64 smc_self_nofence(void);

static u32 li_a0(int imm) { return ((u32)imm << 20) | (10u << 7) | 0x13u; }
static const u32 kRet = 0x00008067u;

static u64 call_buf(void) {
  u64 (*fn)(void) = (u64(*)(void))(void*)smc_buf;
  return fn();
}

int main(int argc, char** argv) {
  (void)argv;
  if (argc > 1) {
    /* Without fence.i the architecture leaves it open which instruction runs (qemu runs
       the old one); vmlab drops decoded code on every store to it, so the new one. */
    put_hex("self no fence", smc_self_nofence());
    return 0;
  }
  smc_buf[0] = li_a0(1);
  smc_buf[1] = kRet;
  __asm__ volatile("fence.i" ::: "memory");
  put_hex("first", call_buf());
  smc_buf[0] = li_a0(2);
  __asm__ volatile("fence.i" ::: "memory");
  put_hex("rewritten", call_buf());
  u64 sum = 0;
  for (int i = 0; i < 100; ++i) {
    smc_buf[0] = li_a0(i);
    __asm__ volatile("fence.i" ::: "memory");
    sum += call_buf();
  }
  put_hex("loop sum", sum);
  /* Compressed code: c.li a0, 5; c.jr ra. */
  volatile unsigned short* h = (volatile unsigned short*)smc_buf;
  h[0] = 0x4515;
  h[1] = 0x8082;
  __asm__ volatile("fence.i" ::: "memory");
  put_hex("compressed", call_buf());
  put_hex("self", smc_self());
  put_hex("self again", smc_self());
  put("done\n");
  return 0;
}
