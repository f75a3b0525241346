/* Misaligned loads and stores that cross a page boundary (Linux emulates them a byte
   at a time): values through both pages, the second page faulted in on the way. With
   the argument "unmapped", a load that runs into an unmapped page: Linux's emulation
   fails and sends SIGBUS BUS_ADRALN at the instruction. Expected output (without
   arguments) recorded with qemu-riscv64. */
#include "rt.h"

static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a3 __asm__("a3") = d;
  register long a4 __asm__("a4") = e;
  register long a5 __asm__("a5") = f;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
  return a0;
}

int main(int argc, char** argv) {
  (void)argv;
  /* Two fresh anonymous pages: PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS. */
  unsigned char* p = (unsigned char*)sys6(222, 0, 2 * 4096, 3, 0x22, -1, 0);
  unsigned char* edge = p + 4096;
  if (argc > 1) {
    sys6(215, (long)edge, 4096, 0, 0, 0, 0); /* munmap the second page */
    u64 v;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(edge - 3) : "memory");
    put_hex("not reached", v);
    return 1;
  }
  for (int i = 0; i < 16; ++i) p[4096 - 8 + i] = (unsigned char)(0xa0 + i);
  for (int off = 1; off < 8; ++off) {
    u64 d, w, h;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(d) : "r"(edge - off) : "memory");
    __asm__ volatile("lw %0, 0(%1)" : "=r"(w) : "r"(edge - (off % 4 ? off % 4 : 1)) : "memory");
    __asm__ volatile("lh %0, 0(%1)" : "=r"(h) : "r"(edge - 1) : "memory");
    put_hex("ld", d);
    put_hex("lw", w);
    put_hex("lh", h);
  }
  /* A store across the boundary, then read back with aligned loads. */
  __asm__ volatile("sd %0, 0(%1)" ::"r"(0x1122334455667788ull), "r"(edge - 5) : "memory");
  __asm__ volatile("sw %0, 0(%1)" ::"r"(0xccddeeffull), "r"(edge + 4096 - 4 - 4096 - 1) : "memory");
  u64 a, b;
  __asm__ volatile("ld %0, -8(%2)\n ld %1, 0(%2)" : "=r"(a), "=r"(b) : "r"(edge) : "memory");
  put_hex("below", a);
  put_hex("above", b);
  /* FP accesses across the boundary too. */
  double x;
  u64 bits;
  __asm__ volatile("fld %1, 0(%2)\n fmv.x.d %0, %1" : "=r"(bits), "=f"(x) : "r"(edge - 2) : "memory");
  put_hex("fld", bits);
  put("done\n");
  return 0;
}
