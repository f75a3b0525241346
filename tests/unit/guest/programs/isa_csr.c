/* Zicsr: the FP CSRs through every CSR instruction form. With the argument
   "counters", prints instret/cycle/time differences instead (vmlab's counters are
   exact, qemu's are not comparable), checked by the test itself. */
#include "rt.h"

static void fp_csrs(void) {
  u64 r, old;
  __asm__ volatile("csrrwi %0, fflags, 0x1f" : "=r"(old));
  __asm__ volatile("csrr %0, fflags" : "=r"(r));
  put_hex("fflags after csrrwi", r);
  __asm__ volatile("csrrci %0, fflags, 0x5" : "=r"(old));
  put_hex("csrrci old", old);
  __asm__ volatile("csrr %0, fflags" : "=r"(r));
  put_hex("csrrci new", r);
  __asm__ volatile("csrrsi %0, fflags, 0x1" : "=r"(old));
  __asm__ volatile("csrr %0, fcsr" : "=r"(r));
  put_hex("fcsr", r);
  __asm__ volatile("csrrw %0, frm, %1" : "=r"(old) : "r"(3ul));
  __asm__ volatile("csrr %0, fcsr" : "=r"(r));
  put_hex("fcsr frm=3", r);
  __asm__ volatile("csrrs %0, fcsr, %1" : "=r"(old) : "r"(0xe0ul));
  __asm__ volatile("csrr %0, frm" : "=r"(r));
  put_hex("frm after csrrs fcsr", r);
  __asm__ volatile("csrrc %0, fcsr, %1" : "=r"(old) : "r"(0xfful));
  put_hex("csrrc fcsr old", old);
  __asm__ volatile("csrr %0, fcsr" : "=r"(r));
  put_hex("fcsr cleared", r);
  /* Writes keep only the defined bits. */
  __asm__ volatile("csrw fcsr, %0" ::"r"(~0ul));
  __asm__ volatile("csrr %0, fcsr" : "=r"(r));
  put_hex("fcsr all ones", r);
  __asm__ volatile("csrw fcsr, zero");
  /* Flags raised by arithmetic appear in fflags, in the dynamic mode set by frm. */
  double a = 1.0, b = 3.0, q;
  __asm__ volatile("fsrm %1\n fdiv.d %0, %2, %3" : "=f"(q) : "r"(1ul), "f"(a), "f"(b));
  __asm__ volatile("frflags %0" : "=r"(r));
  put_hex("1/3 rtz flags", r);
  union { double d; u64 u; } bits = {q};
  put_hex("1/3 rtz", bits.u);
  __asm__ volatile("fsrm %1\n fdiv.d %0, %2, %3" : "=f"(q) : "r"(3ul), "f"(a), "f"(b));
  bits.d = q;
  put_hex("1/3 rup", bits.u);
  __asm__ volatile("csrw fcsr, zero");
  __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(q) : "f"(a), "f"(0.0));
  __asm__ volatile("frflags %0" : "=r"(r));
  put_hex("1/0 flags", r);
}

static void counters(void) {
  u64 a, b;
  __asm__ volatile("rdinstret %0\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n nop\n rdinstret %1"
                   : "=r"(a), "=r"(b));
  put_hex("instret delta", b - a);
  __asm__ volatile("rdcycle %0\n nop\n nop\n nop\n rdcycle %1" : "=r"(a), "=r"(b));
  put_hex("cycle delta", b - a);
  u64 t0, t1, i0, i1;
  __asm__ volatile("rdtime %0\n rdinstret %1" : "=r"(t0), "=r"(i0));
  for (volatile int i = 0; i < 100000; ++i) {
  }
  __asm__ volatile("rdtime %0\n rdinstret %1" : "=r"(t1), "=r"(i1));
  put_hex("loop instret", i1 - i0);
  put_hex("loop time", t1 - t0);
}

int main(int argc, char** argv) {
  if (argc > 1 && argv[1][0] == 'c') counters();
  else fp_csrs();
  put("done\n");
  return 0;
}
