/* RV64I and M: every computational instruction over edge operands, loads and stores
   of every width (misaligned ones within a page too), branches, jumps, lui/auipc.
   Prints one line per result; the expected output was recorded with qemu-riscv64. */
#include "rt.h"

static const u64 vals[] = {0,
                           1,
                           2,
                           3,
                           0x7f,
                           0x80,
                           0xffffffffffffffffull,
                           0xfffffffffffffffeull,
                           0x7fffffffffffffffull,
                           0x8000000000000000ull,
                           0x000000007fffffffull,
                           0x0000000080000000ull,
                           0x00000000ffffffffull,
                           0xffffffff80000000ull,
                           0x123456789abcdef0ull,
                           0xfedcba9876543210ull,
                           31,
                           32,
                           63,
                           64};
#define NV (sizeof(vals) / sizeof(vals[0]))

#define RR(name)                                                                   \
  do {                                                                             \
    u64 acc = 0;                                                                   \
    for (unsigned i = 0; i < NV; ++i)                                              \
      for (unsigned j = 0; j < NV; ++j) {                                          \
        u64 r;                                                                     \
        __asm__ volatile(#name " %0, %1, %2" : "=r"(r) : "r"(vals[i]), "r"(vals[j])); \
        acc = acc * 31 + r;                                                        \
        if (j == i) put_hex(#name, r);                                             \
      }                                                                            \
    put_hex(#name " sum", acc);                                                    \
  } while (0)

static void t_reg_reg(void) {
  RR(add); RR(sub); RR(sll); RR(slt); RR(sltu); RR(xor); RR(srl); RR(sra); RR(or); RR(and);
  RR(addw); RR(subw); RR(sllw); RR(srlw); RR(sraw);
  RR(mul); RR(mulh); RR(mulhsu); RR(mulhu); RR(div); RR(divu); RR(rem); RR(remu);
  RR(mulw); RR(divw); RR(divuw); RR(remw); RR(remuw);
}

#define RI(name, imm)                                                     \
  do {                                                                    \
    u64 acc = 0;                                                          \
    for (unsigned i = 0; i < NV; ++i) {                                   \
      u64 r;                                                              \
      __asm__ volatile(#name " %0, %1, " #imm : "=r"(r) : "r"(vals[i]));  \
      acc = acc * 31 + r;                                                 \
    }                                                                     \
    put_hex(#name " " #imm, acc);                                         \
  } while (0)

static void t_reg_imm(void) {
  RI(addi, 0); RI(addi, 1); RI(addi, -1); RI(addi, 2047); RI(addi, -2048);
  RI(slti, 0); RI(slti, -1); RI(slti, 100); RI(sltiu, 0); RI(sltiu, -1); RI(sltiu, 100);
  RI(xori, -1); RI(xori, 0x555); RI(ori, -2048); RI(ori, 0x2aa); RI(andi, -1); RI(andi, 0x7f0);
  RI(slli, 0); RI(slli, 1); RI(slli, 31); RI(slli, 32); RI(slli, 63);
  RI(srli, 0); RI(srli, 1); RI(srli, 31); RI(srli, 32); RI(srli, 63);
  RI(srai, 0); RI(srai, 1); RI(srai, 31); RI(srai, 32); RI(srai, 63);
  RI(addiw, 0); RI(addiw, 1); RI(addiw, -1); RI(addiw, 2047);
  RI(slliw, 0); RI(slliw, 1); RI(slliw, 31); RI(srliw, 0); RI(srliw, 1); RI(srliw, 31);
  RI(sraiw, 0); RI(sraiw, 1); RI(sraiw, 31);
}

static unsigned char buf[64] __attribute__((aligned(16)));

static void t_memory(void) {
  for (unsigned i = 0; i < sizeof buf; ++i) buf[i] = (unsigned char)(i * 37 + 0x81);
  u64 acc = 0;
  for (unsigned off = 0; off < 16; ++off) {
    const unsigned char* p = buf + off;
    u64 r;
    __asm__ volatile("lb %0, 0(%1)" : "=r"(r) : "r"(p)); acc = acc * 31 + r;
    __asm__ volatile("lbu %0, 0(%1)" : "=r"(r) : "r"(p)); acc = acc * 31 + r;
    __asm__ volatile("lh %0, 0(%1)" : "=r"(r) : "r"(p)); acc = acc * 31 + r;
    __asm__ volatile("lhu %0, 0(%1)" : "=r"(r) : "r"(p)); acc = acc * 31 + r;
    __asm__ volatile("lw %0, 0(%1)" : "=r"(r) : "r"(p)); acc = acc * 31 + r;
    __asm__ volatile("lwu %0, 0(%1)" : "=r"(r) : "r"(p)); acc = acc * 31 + r;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(r) : "r"(p)); acc = acc * 31 + r;
    __asm__ volatile("ld %0, 8(%1)" : "=r"(r) : "r"(p)); acc = acc * 31 + r;
    __asm__ volatile("lw %0, -0(%1)" : "=r"(r) : "r"(p + 4)); acc = acc * 31 + r;
    if (off % 4 == 0) put_hex("loads", acc);
  }
  put_hex("loads sum", acc);
  for (unsigned off = 0; off < 8; ++off) {
    unsigned char* p = buf + 16 + off;
    __asm__ volatile("sb %0, 0(%1)" ::"r"(0x1122334455667788ull + off), "r"(p) : "memory");
    __asm__ volatile("sh %0, 3(%1)" ::"r"(0xa1a2a3a4a5a6a7a8ull + off), "r"(p) : "memory");
    __asm__ volatile("sw %0, 7(%1)" ::"r"(0xb1b2b3b4b5b6b7b8ull + off), "r"(p) : "memory");
    __asm__ volatile("sd %0, 13(%1)" ::"r"(0xc1c2c3c4c5c6c7c8ull + off), "r"(p) : "memory");
    u64 a, b, c;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(a) : "r"(buf + 16));
    __asm__ volatile("ld %0, 8(%1)" : "=r"(b) : "r"(buf + 16));
    __asm__ volatile("ld %0, 16(%1)" : "=r"(c) : "r"(buf + 16));
    put_hex("store a", a);
    put_hex("store b", b);
    put_hex("store c", c);
  }
}

static u64 target(u64 x) { return x * 3 + 1; }

static void t_control(void) {
  u64 acc = 0;
  for (unsigned i = 0; i < NV; ++i)
    for (unsigned j = 0; j < NV; ++j) {
      const u64 a = vals[i], b = vals[j];
      u64 m = 0;
      __asm__ volatile(
          "li %0, 0\n"
          "beq %1, %2, 1f\n ori %0, %0, 1\n1:\n"
          "bne %1, %2, 1f\n ori %0, %0, 2\n1:\n"
          "blt %1, %2, 1f\n ori %0, %0, 4\n1:\n"
          "bge %1, %2, 1f\n ori %0, %0, 8\n1:\n"
          "bltu %1, %2, 1f\n ori %0, %0, 16\n1:\n"
          "bgeu %1, %2, 1f\n ori %0, %0, 32\n1:\n"
          : "=&r"(m)
          : "r"(a), "r"(b));
      acc = acc * 67 + m;
    }
  put_hex("branches", acc);
  /* jal/jalr with the link register, and through a function pointer. */
  u64 (*volatile fp)(u64) = target;
  put_hex("jalr", fp(41));
  u64 link, here;
  __asm__ volatile(
      "auipc %1, 0\n"
      "jal %0, 1f\n"
      "nop\n"
      "1:\n"
      : "=r"(link), "=r"(here));
  put_hex("jal link", link - here);
  u64 r;
  __asm__ volatile(
      ".option push\n"
      ".option norvc\n"
      "lla t0, 1f\n"
      "jalr %0, 4(t0)\n"
      "1: li %0, 5\n"
      "   j 2f\n"
      "2:\n"
      ".option pop\n"
      : "=&r"(r)
      :
      : "t0");
  put_hex("jalr skip", r != 5);
  u64 u;
  __asm__ volatile("lui %0, 0x80000" : "=r"(u));
  put_hex("lui", u);
  __asm__ volatile("lui %0, 0x7ffff" : "=r"(u));
  put_hex("lui2", u);
  u64 a1, a2;
  __asm__ volatile("auipc %0, 0\n auipc %1, 1" : "=r"(a1), "=r"(a2));
  put_hex("auipc", a2 - a1);
  /* x0 stays zero whatever is written to it. */
  u64 z;
  __asm__ volatile("addi x0, x0, 5\n lui x0, 1\n mv %0, x0" : "=r"(z));
  put_hex("x0", z);
}

int main(int argc, char** argv) {
  (void)argc;
  (void)argv;
  t_reg_reg();
  t_reg_imm();
  t_memory();
  t_control();
  put("done\n");
  return 0;
}
