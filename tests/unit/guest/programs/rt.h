/* A freestanding runtime for the guest test programs (built -nostdlib): _start, the
   write and exit system calls, and printing of strings and hex numbers. Programs
   define `int main(int argc, char** argv)`. */
#ifndef VMLAB_GUEST_RT_H
#define VMLAB_GUEST_RT_H

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef int i32;

static inline long sys3(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

static inline void sys_exit(int code) {
  sys3(93, code, 0, 0);
  for (;;) {
  }
}

static inline u64 str_len(const char* s) {
  u64 n = 0;
  while (s[n]) ++n;
  return n;
}

static inline void put(const char* s) { sys3(64, 1, (long)s, (long)str_len(s)); }

/* One line per value keeps outputs easy to compare: "<label> <16 hex digits>\n". */
static inline void put_hex(const char* label, u64 v) {
  char buf[64];
  u64 n = 0;
  while (label[n] && n < 40) {
    buf[n] = label[n];
    ++n;
  }
  buf[n++] = ' ';
  for (int i = 15; i >= 0; --i) buf[n++] = "0123456789abcdef"[(v >> (4 * i)) & 15];
  buf[n++] = '\n';
  sys3(64, 1, (long)buf, (long)n);
}

static inline u64 parse_u64(const char* s) {
  u64 v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (u64)(*s++ - '0');
  return v;
}

int main(int argc, char** argv);

/* The kernel leaves argc at sp, argv after it. gp is the linker's
   __global_pointer$, set without relaxation (it is not set yet). */
__asm__(
    ".section .text._start,\"ax\",@progbits\n"
    ".global _start\n"
    "_start:\n"
    ".option push\n"
    ".option norelax\n"
    "  lla gp, __global_pointer$\n"
    ".option pop\n"
    "  ld a0, 0(sp)\n"
    "  addi a1, sp, 8\n"
    "  call rt_start\n"
    "1: j 1b\n");

__attribute__((used)) void rt_start(int argc, char** argv) { sys_exit(main(argc, argv)); }

#endif
