// The system-call handlers, one family per file (sys_process.cc, sys_signal.cc,
// sys_time.cc, sys_info.cc, sys_fd.cc, sys_fs.cc, sys_mm.cc, sys_futex.cc). Each takes the raw
// argument registers and returns the value for a0 (or -errno, kSysBlocked,
// kSysNoReturn). syscall_table.cc maps the numbers to them.
#pragma once

#include "kernel/syscall_table.h"

namespace vmlab::kern {

#define VMLAB_SYS(name) std::int64_t sys_##name(SysCtx& c, const SysArgs& a)

// Processes (sys_process.cc).
VMLAB_SYS(clone);
VMLAB_SYS(clone3);
VMLAB_SYS(execve);
VMLAB_SYS(exit);
VMLAB_SYS(exit_group);
VMLAB_SYS(wait4);
VMLAB_SYS(getpid);
VMLAB_SYS(getppid);
VMLAB_SYS(gettid);
VMLAB_SYS(set_tid_address);
VMLAB_SYS(set_robust_list);
VMLAB_SYS(get_robust_list);
VMLAB_SYS(futex);  // sys_futex.cc
VMLAB_SYS(rseq);  // kernel/rseq.cc
VMLAB_SYS(prlimit64);
VMLAB_SYS(getrlimit);
VMLAB_SYS(setrlimit);
VMLAB_SYS(getuid);
VMLAB_SYS(geteuid);
VMLAB_SYS(getgid);
VMLAB_SYS(getegid);
VMLAB_SYS(getresuid);
VMLAB_SYS(getresgid);
VMLAB_SYS(getgroups);
VMLAB_SYS(getpgid);
VMLAB_SYS(setpgid);
VMLAB_SYS(getsid);
VMLAB_SYS(setsid);
VMLAB_SYS(sched_yield);
VMLAB_SYS(sched_setaffinity);
VMLAB_SYS(sched_getaffinity);
VMLAB_SYS(getcpu);
VMLAB_SYS(umask);
VMLAB_SYS(prctl);

// Signals (sys_signal.cc).
VMLAB_SYS(kill);
VMLAB_SYS(tkill);
VMLAB_SYS(tgkill);
VMLAB_SYS(rt_sigaction);
VMLAB_SYS(rt_sigprocmask);
VMLAB_SYS(rt_sigreturn);
VMLAB_SYS(rt_sigpending);
VMLAB_SYS(rt_sigsuspend);
VMLAB_SYS(sigaltstack);

// Time (sys_time.cc).
VMLAB_SYS(clock_gettime);
VMLAB_SYS(clock_getres);
VMLAB_SYS(gettimeofday);
VMLAB_SYS(nanosleep);
VMLAB_SYS(clock_nanosleep);
VMLAB_SYS(getrusage);
VMLAB_SYS(times);

// The machine (sys_info.cc).
VMLAB_SYS(uname);
VMLAB_SYS(sysinfo);
VMLAB_SYS(getrandom);
VMLAB_SYS(riscv_flush_icache);

// The kernel log (syslog.cc).
VMLAB_SYS(syslog);

// Descriptors (sys_fd.cc).
VMLAB_SYS(openat);
VMLAB_SYS(close);
VMLAB_SYS(read);
VMLAB_SYS(write);
VMLAB_SYS(readv);
VMLAB_SYS(writev);
VMLAB_SYS(pread64);
VMLAB_SYS(pwrite64);
VMLAB_SYS(lseek);
VMLAB_SYS(pipe2);
VMLAB_SYS(dup);
VMLAB_SYS(dup3);
VMLAB_SYS(fcntl);
VMLAB_SYS(ioctl);

// Files and paths (sys_fs.cc).
VMLAB_SYS(fstat);
VMLAB_SYS(newfstatat);
VMLAB_SYS(statx);
VMLAB_SYS(getdents64);
VMLAB_SYS(readlinkat);
VMLAB_SYS(faccessat);
VMLAB_SYS(faccessat2);
VMLAB_SYS(ftruncate);
VMLAB_SYS(fsync);
VMLAB_SYS(fdatasync);
VMLAB_SYS(unlinkat);
VMLAB_SYS(mkdirat);
VMLAB_SYS(symlinkat);
VMLAB_SYS(getcwd);
VMLAB_SYS(chdir);
VMLAB_SYS(fchdir);
VMLAB_SYS(fchmod);
VMLAB_SYS(fchmodat);
VMLAB_SYS(fchmodat2);
VMLAB_SYS(fchown);
VMLAB_SYS(fchownat);
VMLAB_SYS(utimensat);
VMLAB_SYS(statfs);
VMLAB_SYS(swapon);
VMLAB_SYS(swapoff);
VMLAB_SYS(fstatfs);
VMLAB_SYS(renameat2);

// Waiting for files (sys_poll.cc).
VMLAB_SYS(ppoll);
VMLAB_SYS(pselect6);

// Memory (sys_mm.cc).
VMLAB_SYS(brk);
VMLAB_SYS(mmap);
VMLAB_SYS(munmap);
VMLAB_SYS(mprotect);
VMLAB_SYS(mremap);
VMLAB_SYS(madvise);
VMLAB_SYS(msync);
VMLAB_SYS(mincore);

#undef VMLAB_SYS

}  // namespace vmlab::kern
