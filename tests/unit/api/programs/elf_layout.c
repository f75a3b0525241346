// An x86-64 program with no libc (linked -static -nostdlib -no-pie -z norelro), so its
// address space is exactly what execve() left: it prints /proc/self/maps and the Vm
// lines of /proc/self/status, grows the break by two pages, prints them again, and
// prints its argv and envp. ExecLayout runs it on the host kernel and execs the same
// file in vmlab, and compares. Its data segment ends inside a page the file continues
// into, and its bss runs on for pages beyond: padzero() and the anonymous bss mapping.
typedef unsigned long u64;

static long sys3(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

enum { kRead = 0, kWrite = 1, kOpen = 2, kClose = 3, kBrk = 12, kExit = 60 };

char data[5000] = {1, 2, 3};
char bss[40000];
static char buf[16384];

static u64 length(const char* s) {
  u64 n = 0;
  while (s[n]) ++n;
  return n;
}

static void put(const char* s) { sys3(kWrite, 1, (long)s, (long)length(s)); }

static void cat(const char* path) {
  long fd = sys3(kOpen, (long)path, 0, 0);
  long n, total = 0;
  while ((n = sys3(kRead, fd, (long)buf + total, (long)sizeof buf - total)) > 0) total += n;
  sys3(kClose, fd, 0, 0);
  sys3(kWrite, 1, (long)buf, total);
}

__attribute__((used)) static void main_with_stack(long* sp) {
  long argc = sp[0];
  char** argv = (char**)(sp + 1);
  char** envp = argv + argc + 1;
  cat("/proc/self/maps");
  cat("/proc/self/status");
  put("--\n");
  long cur = sys3(kBrk, 0, 0, 0);
  sys3(kBrk, cur + 8192, 0, 0);
  cat("/proc/self/maps");
  put("--\n");
  for (long i = 0; i < argc; ++i) {
    put(argv[i]);
    put("\n");
  }
  for (char** e = envp; *e; ++e) {
    put(*e);
    put("\n");
  }
  bss[0] = data[0];
  sys3(kExit, 0, 0, 0);
}

// The kernel's initial stack: argc, argv[], NULL, envp[], NULL, auxv.
__asm__(".globl _start\n_start:\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call main_with_stack\n  hlt\n");
