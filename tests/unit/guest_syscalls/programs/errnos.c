// System calls with bad arguments, through glibc, and the errno each gives. The
// expected output was taken from Linux: the program run by qemu-riscv64, which hands
// these calls to the host kernel. (Calls qemu emulates itself and answers unlike
// Linux, such as pipe2 with unknown flags, madvise, mincore, sysinfo(NULL), are
// checked by the unit tests instead.)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errno_name.h"


#define TRY(what, call)                                      \
  do {                                                       \
    errno = 0;                                               \
    long r_ = (long)(call);                                  \
    printf("%-44s %s\n", what, r_ < 0 || r_ == (long)MAP_FAILED ? errno_name(errno) : "OK"); \
  } while (0)

int main(void) {
  char buf[256];
  int fds[2];
  pipe(fds);
  int devnull = open("/dev/null", O_RDONLY);
  TRY("close(-1)", close(-1));
  TRY("close(999)", close(999));
  TRY("read(999)", read(999, buf, 1));
  TRY("write(pipe write end, bad buffer)", syscall(SYS_write, fds[1], (void*)16, 10));
  TRY("read(pipe write end)", read(fds[1], buf, 1));
  TRY("write(pipe read end)", write(fds[0], buf, 1));
  TRY("open(\"\")", open("", O_RDONLY));
  TRY("open(NULL)", syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY));
  TRY("open(/nonexistent/x)", open("/nonexistent/x", O_RDONLY));
  TRY("open(/dev/null/x)", open("/dev/null/x", O_RDONLY));
  TRY("open(/, O_WRONLY)", open("/", O_WRONLY));
  TRY("open(/dev/null, O_DIRECTORY)", open("/dev/null", O_RDONLY | O_DIRECTORY));
  TRY("openat(999, x)", openat(999, "x", O_RDONLY));
  TRY("openat(/dev/null fd, x)", openat(devnull, "x", O_RDONLY));
  memset(buf, 'a', sizeof buf);
  char longpath[5000];
  memset(longpath, 'a', sizeof longpath);
  longpath[0] = '/';
  longpath[sizeof longpath - 1] = 0;
  TRY("open(5000-byte path)", open(longpath, O_RDONLY));
  TRY("dup2(999, 5)", dup2(999, 5));
  TRY("dup3(1, 1, 0)", dup3(1, 1, 0));
  TRY("dup3(1, 5, 1)", dup3(1, 5, 1));
  TRY("fcntl(1, 12345)", fcntl(1, 12345));
  TRY("fcntl(999, F_GETFD)", fcntl(999, F_GETFD));
  TRY("lseek(pipe)", lseek(fds[0], 0, SEEK_SET));
  TRY("lseek(whence 99)", lseek(devnull, 0, 99));
  TRY("pread(pipe)", pread(fds[0], buf, 1, 0));
  TRY("ioctl(pipe, TCGETS)", syscall(SYS_ioctl, fds[0], 0x5401, buf));
  TRY("mmap(length 0)", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  TRY("mmap(neither shared nor private)", mmap(NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0));
  TRY("mmap(fd -1, not anonymous)", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0));
  TRY("mmap(unaligned offset)", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, devnull, 100));
  TRY("mmap(pipe)", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fds[0], 0));
  TRY("munmap(unaligned)", munmap((void*)0x10001, 4096));
  TRY("mprotect(unaligned)", mprotect((void*)0x10001, 4096, PROT_READ));
  TRY("mprotect(unmapped)", mprotect((void*)0x10000, 4096, PROT_READ));
  TRY("msync(MS_SYNC|MS_ASYNC)", msync((void*)0x10000, 4096, MS_SYNC | MS_ASYNC));
  TRY("mincore(unmapped)", mincore((void*)0x10000, 4096, (unsigned char*)buf));
  TRY("kill(self, 99)", kill(getpid(), 99));
  TRY("kill(INT_MAX, 0)", kill(INT_MAX, 0));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  TRY("sigaction(SIGKILL)", sigaction(SIGKILL, &sa, NULL));
  TRY("sigaction(SIGSTOP)", sigaction(SIGSTOP, &sa, NULL));
  TRY("sigaction(99)", syscall(SYS_rt_sigaction, 99, &sa, NULL, 8));
  TRY("rt_sigaction(sigsetsize 16)", syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 16));
  sigset_t set;
  sigemptyset(&set);
  TRY("sigprocmask(how 99)", sigprocmask(99, &set, NULL));
  TRY("waitpid(-1) without children", waitpid(-1, NULL, 0));
  TRY("waitpid(options 0x100)", waitpid(-1, NULL, 0x100));
  struct timespec ts = {0, 2000000000};
  TRY("nanosleep(tv_nsec 2e9)", nanosleep(&ts, NULL));
  TRY("clock_gettime(99)", clock_gettime(99, &ts));
  TRY("clock_gettime(bad pointer)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void*)16));
  struct rlimit rl;
  TRY("getrlimit(99)", getrlimit(99, &rl));
  rl.rlim_cur = 10;
  rl.rlim_max = 5;
  TRY("setrlimit(cur > max)", setrlimit(RLIMIT_NOFILE, &rl));
  stack_t ss = {.ss_sp = buf, .ss_size = 100, .ss_flags = 0};
  TRY("sigaltstack(100 bytes)", sigaltstack(&ss, NULL));
  ss.ss_flags = 4;
  ss.ss_size = 65536;
  TRY("sigaltstack(flags 4)", sigaltstack(&ss, NULL));
  TRY("chdir(/nonexistent)", chdir("/nonexistent"));
  TRY("chdir(/dev/null)", chdir("/dev/null"));
  TRY("getcwd(size 1)", syscall(SYS_getcwd, buf, 1));
  TRY("execve(/nonexistent)", execve("/nonexistent", (char*[]){NULL}, (char*[]){NULL}));
  TRY("execve(/)", execve("/", (char*[]){NULL}, (char*[]){NULL}));
  TRY("execve(/dev/null)", execve("/dev/null", (char*[]){NULL}, (char*[]){NULL}));
  TRY("unlink(/)", unlink("/"));
  TRY("rmdir(/)", rmdir("/"));
  TRY("mkdir(/)", mkdir("/", 0755));
  TRY("mkdir(/nonexistent/x)", mkdir("/nonexistent/x", 0755));
  TRY("access(/, 8)", access("/", 8));
  TRY("readlink(/)", readlink("/", buf, sizeof buf));
  TRY("readlink(bufsiz 0)", syscall(SYS_readlinkat, AT_FDCWD, "/", buf, 0));
  TRY("uname(NULL)", syscall(SYS_uname, NULL));
  TRY("getrandom(flags 0x80)", getrandom(buf, 8, 0x80));
  TRY("prctl(9999)", prctl(9999, 0, 0, 0, 0));
  TRY("clone(CLONE_SIGHAND without CLONE_VM)", syscall(SYS_clone, 0x800 | SIGCHLD, 0, 0, 0, 0));
  TRY("wait4(INT_MIN)", syscall(SYS_wait4, INT_MIN, NULL, 0, NULL));
  TRY("tgkill(0, 0, 0)", syscall(SYS_tgkill, 0, 0, 0));
  TRY("fstat(999)", fstat(999, (struct stat*)buf));
  TRY("fstatat(flags 0x8000)", fstatat(AT_FDCWD, "/", (struct stat*)buf, 0x8000));
  TRY("ftruncate(pipe)", ftruncate(fds[1], 0));
  TRY("fsync(pipe)", fsync(fds[1]));
  TRY("getdents64(pipe)", syscall(SYS_getdents64, fds[0], buf, sizeof buf));
  return 0;
}
