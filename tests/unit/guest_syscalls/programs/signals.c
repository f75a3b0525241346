// Signal delivery as a riscv64 program sees it: handlers with siginfo, a SIGSEGV
// handler that longjmps out and one that fixes the fault up and returns (through
// rt_sigreturn), the alternate stack, SA_RESETHAND, blocked signals delivered on
// unblock, sigsuspend, and SIGCHLD.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf jump;
static volatile uintptr_t fault_addr;
static volatile int fault_code;
static char* page;
static volatile int count;
static volatile uintptr_t handler_sp;
static volatile int last_sig, chld_pid, chld_status, chld_code;

static void longjmp_out(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  fault_addr = (uintptr_t)si->si_addr;
  fault_code = si->si_code;
  siglongjmp(jump, 1);
}

static void fix_up(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)si;
  (void)uc;
  mprotect(page, 4096, PROT_READ | PROT_WRITE);
  count++;
}

static void on_stack(int sig) {
  int local;
  handler_sp = (uintptr_t)&local;
  last_sig = sig;
}

static void counter(int sig) {
  last_sig = sig;
  count++;
}

static void on_chld(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  chld_pid = si->si_pid;
  chld_status = si->si_status;
  chld_code = si->si_code;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = longjmp_out;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  volatile uintptr_t bad = 0x10;
  if (sigsetjmp(jump, 1) == 0) {
    *(volatile int*)bad = 1;
    puts("not reached");
  }
  printf("SIGSEGV at %#lx code %d (SEGV_MAPERR)\n", (unsigned long)fault_addr, fault_code);

  page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (sigsetjmp(jump, 1) == 0) page[5] = 1;
  printf("write to read-only page: code %d (SEGV_ACCERR), at page+%ld\n", fault_code,
         (long)(fault_addr - (uintptr_t)page));
  sa.sa_sigaction = fix_up;
  sigaction(SIGSEGV, &sa, NULL);
  *(volatile char*)&page[5] = 42;  // faults once; the handler makes it writable
  printf("fixed up and returned: page[5]=%d after %d fault\n", page[5], count);

  // An alternate stack for SIGUSR1.
  stack_t ss;
  ss.ss_sp = malloc(65536);
  ss.ss_size = 65536;
  ss.ss_flags = 0;
  sigaltstack(&ss, NULL);
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stack;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  printf("SIGUSR1 handler on the alternate stack: %d\n",
         handler_sp >= (uintptr_t)ss.ss_sp && handler_sp < (uintptr_t)ss.ss_sp + ss.ss_size);

  // SA_RESETHAND: the second SIGUSR2 finds the default action... ignored here.
  count = 0;
  sa.sa_handler = counter;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGUSR2, &sa, NULL);
  kill(getpid(), SIGUSR2);
  struct sigaction old;
  sigaction(SIGUSR2, NULL, &old);
  printf("SA_RESETHAND: ran %d, now %s\n", count, old.sa_handler == SIG_DFL ? "SIG_DFL" : "other");

  // Blocked, then delivered when unblocked.
  sigset_t set, prev;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  signal(SIGHUP, counter);
  sigprocmask(SIG_BLOCK, &set, &prev);
  count = 0;
  raise(SIGHUP);
  sigset_t pending;
  sigpending(&pending);
  printf("blocked SIGHUP: pending %d, ran %d\n", sigismember(&pending, SIGHUP), count);
  sigprocmask(SIG_SETMASK, &prev, NULL);
  printf("unblocked: ran %d\n", count);

  // SIGCHLD with siginfo, and sigsuspend until it arrives.
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGCHLD, &sa, NULL);
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, &prev);
  pid_t child = fork();
  if (child == 0) _exit(7);
  sigset_t wait_mask;
  sigemptyset(&wait_mask);
  int r = sigsuspend(&wait_mask);
  printf("sigsuspend returned %d; SIGCHLD from the child: %d, status %d, code %d (CLD_EXITED)\n", r,
         chld_pid == child, chld_status, chld_code);
  int st;
  waitpid(child, &st, 0);
  sigprocmask(SIG_SETMASK, &prev, NULL);

  // A fault with SIGSEGV blocked kills, whatever the handler.
  fflush(stdout);
  child = fork();
  if (child == 0) {
    sigprocmask(SIG_BLOCK, &(sigset_t){{1UL << (SIGSEGV - 1)}}, NULL);
    *(volatile int*)(bad - 0x10) = 0;
    _exit(0);
  }
  waitpid(child, &st, 0);
  printf("blocked SIGSEGV: killed by %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : -1);
  return 0;
}
