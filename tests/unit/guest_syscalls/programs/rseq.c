/* rseq(2): the registration rules and their errno values, the cpu_id fields the kernel
   keeps, and the abort of a critical section when the task is preempted or gets a
   signal inside it. glibc 2.36 does not register rseq on riscv64, so the program
   registers its own area. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIG 0xf1401073u /* the signature Linux's riscv selftests use */

struct rseq_area {
  uint32_t cpu_id_start, cpu_id;
  uint64_t rseq_cs;
  uint32_t flags, node_id, mm_cid;
} __attribute__((aligned(32)));

struct rseq_cs_desc {
  uint32_t version, flags;
  uint64_t start_ip, post_commit_offset, abort_ip;
} __attribute__((aligned(32)));

static struct rseq_area area, other;
static char buffer[128] __attribute__((aligned(64)));
struct rseq_cs_desc spin_desc, kill_desc, bad_desc;

/* spin_cs(area, n): n loop turns inside a critical section; 1 when they all ran, 0
   when the kernel moved the pc to the abort handler.
   kill_cs(area, pid, sig, desc): kill(pid, sig) from inside a critical section. */
extern int spin_cs(struct rseq_area *, long);
extern int kill_cs(struct rseq_area *, long, long, struct rseq_cs_desc *);
extern char spin_start[], spin_post[], spin_abort[], kill_start[], kill_post[], kill_abort[], bad_abort[];
__asm__(
    ".text\n"
    ".globl spin_cs\n"
    "spin_cs:\n"
    "  la t0, spin_desc\n"
    "  sd t0, 8(a0)\n"
    ".globl spin_start\n"
    "spin_start:\n"
    "  addi a1, a1, -1\n"
    "  bnez a1, spin_start\n"
    ".globl spin_post\n"
    "spin_post:\n"
    "  sd zero, 8(a0)\n"
    "  li a0, 1\n"
    "  ret\n"
    "  .4byte 0xf1401073\n"
    ".globl spin_abort\n"
    "spin_abort:\n"
    "  li a0, 0\n"
    "  ret\n"
    ".globl kill_cs\n"
    "kill_cs:\n"
    "  sd a3, 8(a0)\n"
    "  mv t2, a0\n"
    "  mv a0, a1\n"
    "  mv a1, a2\n"
    "  li a7, 129\n"
    ".globl kill_start\n"
    "kill_start:\n"
    "  ecall\n"
    "  nop\n"
    ".globl kill_post\n"
    "kill_post:\n"
    "  sd zero, 8(t2)\n"
    "  li a0, 1\n"
    "  ret\n"
    "  .4byte 0xf1401073\n"
    ".globl kill_abort\n"
    "kill_abort:\n"
    "  li a0, 0\n"
    "  ret\n"
    "  .4byte 0\n"
    ".globl bad_abort\n"
    "bad_abort:\n"
    "  li a0, 0\n"
    "  ret\n");

static long do_rseq(void *p, uint32_t len, int flags, uint32_t sig) { return syscall(__NR_rseq, p, len, flags, sig); }

static void show(const char *what, long r) {
  if (r < 0) printf("%s: %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static int handled;
static void on_usr1(int sig) {
  (void)sig;
  handled++;
}

static void describe(struct rseq_cs_desc *d, char *start, char *post, char *abort_ip) {
  d->version = 0;
  d->flags = 0;
  d->start_ip = (uintptr_t)start;
  d->post_commit_offset = (uintptr_t)post - (uintptr_t)start;
  d->abort_ip = (uintptr_t)abort_ip;
}

static void wait_and_show(const char *what, pid_t pid) {
  int status;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) printf("%s: killed by %d\n", what, WTERMSIG(status));
  else printf("%s: exited %d\n", what, WEXITSTATUS(status));
}

int main(void) {
  describe(&spin_desc, spin_start, spin_post, spin_abort);
  describe(&kill_desc, kill_start, kill_post, kill_abort);
  describe(&bad_desc, kill_start, kill_post, bad_abort);

  /* Registration, and the fields the kernel fills before the return to user mode. */
  area.cpu_id = 77;
  area.cpu_id_start = 77;
  area.mm_cid = 77;
  area.rseq_cs = 0x1234; /* stale: cleared, not refused */
  show("register", do_rseq(&area, 32, 0, SIG));
  printf("cpu_id_start %u cpu_id %u node_id %u mm_cid %u rseq_cs %#lx\n", area.cpu_id_start, area.cpu_id,
         area.node_id, area.mm_cid, (unsigned long)area.rseq_cs);
  show("again", do_rseq(&area, 32, 0, SIG));
  show("again, another signature", do_rseq(&area, 32, 0, SIG + 1));
  show("another area", do_rseq(&other, 32, 0, SIG));
  show("another length", do_rseq(&area, 64, 0, SIG));
  show("unknown flag", do_rseq(&area, 32, 2, SIG));
  show("unregister with an unknown flag", do_rseq(&area, 32, 1 | 2, SIG));
  show("unregister, another signature", do_rseq(&area, 32, 1, SIG + 1));
  show("unregister, another area", do_rseq(&other, 32, 1, SIG));
  show("unregister, another length", do_rseq(&area, 64, 1, SIG));
  show("unregister", do_rseq(&area, 32, 1, SIG));
  printf("cpu_id after unregistering: %d\n", (int)area.cpu_id);
  show("unregister again", do_rseq(&area, 32, 1, SIG));

  /* What a new registration must be. */
  show("length 28", do_rseq(buffer, 28, 0, SIG));
  show("32 bytes at 16-byte alignment", do_rseq(buffer + 16, 32, 0, SIG));
  show("64 bytes at 16-byte alignment", do_rseq(buffer + 16, 64, 0, SIG));
  show("beyond user space", do_rseq((void *)0xffffffffffffffe0ul, 32, 0, SIG));
  char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  show("an inaccessible page", do_rseq(none, 32, 0, SIG));
  show("64 bytes at 32-byte alignment", do_rseq(buffer + 32, 64, 0, SIG));
  show("unregister it", do_rseq(buffer + 32, 64, 1, SIG));

  /* A read-only area registers, then the cpu_id update on the way back to user mode
     cannot be written: SIGSEGV. */
  char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    do_rseq(ro, 32, 0, SIG);
    _exit(0);
  }
  wait_and_show("read-only area", pid);

  show("register", do_rseq(&area, 32, 0, SIG));
  /* Alone, nothing interrupts the section. */
  printf("alone: %s\n", spin_cs(&area, 200000) ? "completed" : "aborted");
  /* With another process running, the quantum ends inside the section. */
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    for (volatile long i = 0; i < 200000; i++) {
    }
    _exit(0);
  }
  printf("preempted: %s\n", spin_cs(&area, 200000) ? "completed" : "aborted");
  wait_and_show("busy child", pid);
  printf("child inherits the registration: ");
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    printf("%s\n", do_rseq(&area, 32, 0, SIG) < 0 && errno == EBUSY ? "EBUSY" : "no");
    fflush(stdout);
    _exit(0);
  }
  wait_and_show("child", pid);

  /* A signal delivered while the pc is inside the section: the handler runs and the
     section resumes at its abort handler. */
  signal(SIGUSR1, on_usr1);
  printf("signal: %s, handler ran %d\n", kill_cs(&area, getpid(), SIGUSR1, &kill_desc) ? "completed" : "aborted",
         handled);
  /* The signature before the abort handler must be the registered one. */
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    kill_cs(&area, getpid(), SIGUSR1, &bad_desc);
    _exit(0);
  }
  wait_and_show("wrong signature", pid);
  return 0;
}
