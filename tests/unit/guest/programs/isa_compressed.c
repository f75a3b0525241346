/* C: every RV64C instruction written out explicitly (c.* mnemonics), with operands
   that reach the edges of their immediates. Expected output recorded with qemu-riscv64. */
#include "rt.h"

static u64 mem[8] __attribute__((aligned(16)));
/* Pinned registers are not kept across calls: results go here before printing. */
static volatile u64 out[8];

static void alu(void) {
  register u64 s0 __asm__("s0") = 0x0123456789abcdefull;
  register u64 s1 __asm__("s1") = 0xfedcba9876543210ull;
  register u64 a0 __asm__("a0") = 0x00000000ffffffffull;
  register u64 a1 __asm__("a1") = 5;
  register u64 a2 __asm__("a2") = 0;
  register u64 a3 __asm__("a3") = 0;
  register u64 a4 __asm__("a4") = 0;
  register u64 a5 __asm__("a5") = 0;
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "c.addi a1, -32\n"
      "c.addi a1, 31\n"
      "c.addiw a0, 1\n"
      "c.li a2, -32\n"
      "c.li a3, 31\n"
      "c.lui a4, 0xfffff\n"
      "c.lui a5, 1\n"
      "c.nop\n"
      ".option pop\n"
      : "+r"(s0), "+r"(s1), "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5));
  out[0] = a1; out[1] = a0; out[2] = a2; out[3] = a3; out[4] = a4; out[5] = a5;
  put_hex("c.addi", out[0]);
  put_hex("c.addiw", out[1]);
  put_hex("c.li -32", out[2]);
  put_hex("c.li 31", out[3]);
  put_hex("c.lui 0xfffff", out[4]);
  put_hex("c.lui 1", out[5]);
  a0 = 0x8000000000000001ull;
  a1 = 0x8000000000000001ull;
  a2 = 0x8000000000000001ull;
  a3 = 0xf0f0f0f0f0f0f0f0ull;
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "c.srli a0, 1\n"
      "c.srai a1, 63\n"
      "c.slli a2, 63\n"
      "c.andi a3, -17\n"
      ".option pop\n"
      : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3));
  out[0] = a0; out[1] = a1; out[2] = a2; out[3] = a3;
  put_hex("c.srli", out[0]);
  put_hex("c.srai", out[1]);
  put_hex("c.slli", out[2]);
  put_hex("c.andi", out[3]);
  s0 = 0x0123456789abcdefull;
  s1 = 0xfedcba9876543210ull;
  a0 = s0; a1 = s0; a2 = s0; a3 = s0; a4 = 0x7fffffff; a5 = 0x80000000;
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "c.sub a0, s1\n"
      "c.xor a1, s1\n"
      "c.or a2, s1\n"
      "c.and a3, s1\n"
      "c.addw a4, a4\n"
      "c.subw a5, s1\n"
      ".option pop\n"
      : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5)
      : "r"(s1));
  out[0] = a0; out[1] = a1; out[2] = a2; out[3] = a3; out[4] = a4; out[5] = a5;
  put_hex("c.sub", out[0]);
  put_hex("c.xor", out[1]);
  put_hex("c.or", out[2]);
  put_hex("c.and", out[3]);
  put_hex("c.addw", out[4]);
  put_hex("c.subw", out[5]);
  u64 t5 = 0, t6 = 0;
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "li t5, 1234\n"
      "c.mv t6, t5\n"
      "c.add t6, t5\n"
      "c.add t6, t6\n"
      ".option pop\n"
      "mv %0, t5\n mv %1, t6\n"
      : "=r"(t5), "=r"(t6)
      :
      : "t5", "t6");
  put_hex("c.mv/add", t6);
}

static void memory(void) {
  for (int i = 0; i < 8; ++i) mem[i] = 0x1111111111111111ull * (u64)(i + 1) + 0x0fedcba987654321ull;
  register u64* s0 __asm__("s0") = mem;
  register u64 a0 __asm__("a0") = 0;
  register u64 a1 __asm__("a1") = 0;
  register u64 a2 __asm__("a2") = 0x8badf00ddeadbeefull;
  register u64 a3 __asm__("a3") = 0;
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "c.ld a0, 56(s0)\n"
      "c.lw a1, 4(s0)\n"
      "c.sd a2, 8(s0)\n"
      "c.sw a2, 20(s0)\n"
      "c.fld fa4, 48(s0)\n"
      "c.fsd fa4, 0(s0)\n"
      "c.ld a3, 0(s0)\n"
      ".option pop\n"
      : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3)
      : "r"(s0)
      : "fa4", "memory");
  out[0] = a0; out[1] = a1; out[2] = a3;
  put_hex("c.ld", out[0]);
  put_hex("c.lw", out[1]);
  put_hex("c.fld/fsd", out[2]);
  for (int i = 0; i < 4; ++i) put_hex("mem", mem[i]);
  /* The stack-pointer forms, on a frame made with c.addi16sp and c.addi4spn. */
  u64 r1, r2, r3, r4;
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "c.addi16sp sp, -64\n"
      "li t0, 0x5555\n"
      "c.sdsp t0, 8(sp)\n"
      "c.swsp t0, 4(sp)\n"
      "c.swsp t0, 0(sp)\n"
      "c.ldsp t1, 0(sp)\n"
      "c.lwsp t2, 8(sp)\n"
      "c.fldsp ft0, 0(sp)\n"
      "c.fsdsp ft0, 16(sp)\n"
      "c.ldsp t3, 16(sp)\n"
      "c.addi4spn a5, sp, 24\n"
      "sub t4, a5, sp\n"
      "c.addi16sp sp, 64\n"
      ".option pop\n"
      "mv %0, t1\n mv %1, t2\n mv %2, t3\n mv %3, t4\n"
      : "=r"(r1), "=r"(r2), "=r"(r3), "=r"(r4)
      :
      : "t0", "t1", "t2", "t3", "t4", "a5", "ft0", "memory");
  put_hex("c.ldsp", r1);
  put_hex("c.lwsp", r2);
  put_hex("c.fldsp/fsdsp", r3);
  put_hex("c.addi4spn", r4);
}

static u64 twice(u64 x) { return 2 * x; }

static void control(void) {
  u64 r = 0;
  register u64 a0 __asm__("a0");
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "li %0, 0\n"
      "li a0, 0\n"
      "c.beqz a0, 1f\n"
      "addi %0, %0, 1\n"
      "1: c.bnez a0, 2f\n"
      "addi %0, %0, 2\n"
      "2: li a0, 7\n"
      "c.bnez a0, 3f\n"
      "addi %0, %0, 4\n"
      "3: c.beqz a0, 4f\n"
      "addi %0, %0, 8\n"
      "4: c.j 5f\n"
      "addi %0, %0, 16\n"
      "5:\n"
      ".option pop\n"
      : "=&r"(r), "=&r"(a0));
  put_hex("c.branches", r);
  u64 (*volatile fp)(u64) = twice;
  u64 v;
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "li a0, 21\n"
      "mv t0, %1\n"
      "c.jalr t0\n"
      "mv %0, a0\n"
      ".option pop\n"
      : "=r"(v)
      : "r"(fp)
      : "a0", "t0", "ra", "memory");
  put_hex("c.jalr", v);
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "lla t0, 1f\n"
      "li %0, 1\n"
      "c.jr t0\n"
      "li %0, 2\n"
      "1:\n"
      ".option pop\n"
      : "=&r"(v)
      :
      : "t0");
  put_hex("c.jr", v);
}

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  alu();
  memory();
  control();
  put("done\n");
  return 0;
}
