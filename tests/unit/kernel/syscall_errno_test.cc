// The riscv64 system calls called directly, without the interpreter: each errno for
// a bad argument as Linux gives it, and the values the good calls return.
#include "unit/kernel/syscall_fixture.h"

#include "kernel/pipe.h"
#include "kernel/sched.h"
#include "kernel/stack_image.h"

namespace vmlab::kern::test {
namespace {

// asm-generic numbers.
enum : std::uint64_t {
  kGetcwd = 17, kDup = 23, kDup3 = 24, kFcntl = 25, kIoctl = 29, kMkdirat = 34, kUnlinkat = 35, kFaccessat = 48,
  kChdir = 49, kOpenat = 56, kClose = 57, kPipe2 = 59, kGetdents64 = 61, kLseek = 62, kRead = 63, kWrite = 64,
  kReadv = 65, kWritev = 66, kPread64 = 67, kReadlinkat = 78, kNewfstatat = 79, kFstat = 80, kFsync = 82,
  kExit = 93, kExitGroup = 94, kSetTidAddress = 96, kSetRobustList = 99, kNanosleep = 101, kClockGettime = 113,
  kClockGetres = 114, kClockNanosleep = 115, kSchedYield = 124, kTimes = 153, kGetpgid = 155, kSetsid = 157,
  kUname = 160, kGetrlimit = 163, kGetrusage = 165, kUmask = 166, kPrctl = 167, kGettimeofday = 169,
  kGetpid = 172, kGetppid = 173, kGetuid = 174, kGettid = 178, kSysinfo = 179, kBrk = 214, kMunmap = 215,
  kClone = 220, kExecve = 221, kMmap = 222, kMincore = 232, kWait4 = 260, kPrlimit64 = 261, kGetrandom = 278,
  kStatx = 291, kClone3 = 435, kFaccessat2 = 439, kRiscvFlushIcache = 259,
};
constexpr std::uint64_t kAtFdcwd = static_cast<std::uint64_t>(-100);

TEST_F(SyscallTest, UnknownNumberIsEnosysWithOneWarning) {
  constexpr std::uint64_t kPkeyAlloc = 289;  // named, not implemented
  EXPECT_EQ(sys(kPkeyAlloc, 0, 0), e(Errno::nosys));
  EXPECT_EQ(sys(kPkeyAlloc, 0, 0), e(Errno::nosys));
  EXPECT_EQ(sys(1000), e(Errno::nosys));
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "vmlab: system call 289 (pkey_alloc) is not implemented: ENOSYS");
  EXPECT_EQ(warnings[1], "vmlab: system call 1000 is not implemented: ENOSYS");
  // A call vmlab has answers with its own errors, without a word.
  EXPECT_EQ(sys(kClone3, buf, 8), e(Errno::inval));  // smaller than CLONE_ARGS_SIZE_VER0
  EXPECT_EQ(warnings.size(), 2u);
  EXPECT_EQ(syscall_name(221), "execve");
  EXPECT_EQ(syscall_name(79), "newfstatat");
}

TEST_F(SyscallTest, PcMovesPastTheEcall) {
  t->regs.pc = 0x20000;
  EXPECT_EQ(sys(kGetpid), p->tid);
  EXPECT_EQ(t->regs.pc, 0x20004u);
}

TEST_F(SyscallTest, Ids) {
  EXPECT_EQ(sys(kGetpid), p->tid);
  EXPECT_EQ(sys(kGettid), p->tid);
  EXPECT_EQ(sys(kGetppid), 1);
  EXPECT_EQ(sys(kGetuid), 1000);
  EXPECT_EQ(sys(kSetTidAddress, buf), p->tid);
  EXPECT_EQ(t->clear_child_tid, buf);
  EXPECT_EQ(sys(kSetRobustList, buf, 24), 0);
  EXPECT_EQ(sys(kSetRobustList, buf, 23), e(Errno::inval));
  EXPECT_EQ(sys(kGetpgid, 0), p->tid);
  EXPECT_EQ(sys(kGetpgid, 99999), e(Errno::srch));
  EXPECT_EQ(sys(kSetsid), e(Errno::perm));  // a process group leader
  EXPECT_EQ(sys(kUmask, 077), 022);
  EXPECT_EQ(sys(kUmask, 022), 077);
  EXPECT_EQ(sys(kSchedYield), 0);
}

TEST_F(SyscallTest, Prctl) {
  put_str(0, "a-very-long-process-name");
  EXPECT_EQ(sys(kPrctl, 15, buf), 0);
  EXPECT_EQ(p->comm, "a-very-long-pro");
  EXPECT_EQ(sys(kPrctl, 16, buf + 100), 0);
  EXPECT_EQ(get_bytes(buf + 100, 16), std::string("a-very-long-pro\0", 16));
  EXPECT_EQ(sys(kPrctl, 15, kBad), e(Errno::fault));
  EXPECT_EQ(sys(kPrctl, 12345), e(Errno::inval));
}

TEST_F(SyscallTest, ResourceLimits) {
  EXPECT_EQ(sys(kPrlimit64, 0, kRlimitStack, 0, buf), 0);
  EXPECT_EQ(get<std::uint64_t>(buf), machine().config.stack_rlimit);
  EXPECT_EQ(get<std::uint64_t>(buf + 8), kRlimInfinity);
  EXPECT_EQ(sys(kPrlimit64, 0, kRlimitNofile, 0, buf), 0);
  EXPECT_EQ(get<std::uint64_t>(buf), 1024u);
  EXPECT_EQ(get<std::uint64_t>(buf + 8), 4096u);
  EXPECT_EQ(sys(kPrlimit64, 0, 16, 0, buf), e(Errno::inval));
  EXPECT_EQ(sys(kPrlimit64, 99999, kRlimitStack, 0, buf), e(Errno::srch));
  EXPECT_EQ(sys(kPrlimit64, 0, kRlimitStack, kBad, 0), e(Errno::fault));
  put(0, std::array<std::uint64_t, 2>{10, 5});
  EXPECT_EQ(sys(kPrlimit64, 0, kRlimitNofile, buf, 0), e(Errno::inval));  // cur > max
  put(0, std::array<std::uint64_t, 2>{10, 8192});
  EXPECT_EQ(sys(kPrlimit64, 0, kRlimitNofile, buf, 0), e(Errno::perm));  // raising the hard limit
  put(0, std::array<std::uint64_t, 2>{3, 4096});
  EXPECT_EQ(sys(kPrlimit64, 0, kRlimitNofile, buf, buf + 16), 0);
  EXPECT_EQ(get<std::uint64_t>(buf + 16), 1024u);
  // Descriptors 0-2 are open: the next one is 3, beyond the new limit.
  put_str(64, "/dev/null");
  EXPECT_EQ(sys(kOpenat, kAtFdcwd, buf + 64, 0), e(Errno::mfile));
  EXPECT_EQ(sys(kGetrlimit, kRlimitNofile, buf + 32), 0);
  EXPECT_EQ(get<std::uint64_t>(buf + 32), 3u);
  EXPECT_EQ(sys(kGetrlimit, 16, buf), e(Errno::inval));
}

TEST_F(SyscallTest, OpenCloseAndDescriptors) {
  EXPECT_EQ(sys(kOpenat, kAtFdcwd, put_str(0, "/nonexistent"), 0), e(Errno::noent));
  EXPECT_EQ(sys(kOpenat, kAtFdcwd, kBad, 0), e(Errno::fault));
  EXPECT_EQ(sys(kOpenat, kAtFdcwd, put_str(0, ""), 0), e(Errno::noent));
  std::string longname(5000, 'a');
  EXPECT_EQ(sys(kOpenat, kAtFdcwd, put_str(0, "/" + longname), 0), e(Errno::nametoolong));
  const std::int64_t fd = sys(kOpenat, kAtFdcwd, put_str(0, "/tmp/f"), kOCreat | kORdwr | 02000000, 0644);
  ASSERT_EQ(fd, 3);
  EXPECT_EQ(sys(kFcntl, fd, 1), 1);  // FD_CLOEXEC from O_CLOEXEC
  EXPECT_EQ(sys(kFcntl, fd, 3), kORdwr | 0100000);  // F_GETFL: O_LARGEFILE, no O_CREAT/O_CLOEXEC
  EXPECT_EQ(sys(kFcntl, fd, 2, 0), 0);
  EXPECT_EQ(sys(kFcntl, fd, 1), 0);
  EXPECT_EQ(sys(kFcntl, fd, 4, kOAppend | 04000), 0);
  EXPECT_EQ(sys(kFcntl, fd, 3), kORdwr | kOAppend | 04000 | 0100000);
  EXPECT_EQ(sys(kFcntl, fd, 999), e(Errno::inval));
  EXPECT_EQ(sys(kFcntl, 77, 1), e(Errno::badf));
  EXPECT_EQ(sys(kFcntl, fd, 0, 1024), e(Errno::inval));  // F_DUPFD at the limit
  EXPECT_EQ(sys(kFcntl, fd, 0, 10), 10);
  EXPECT_EQ(sys(kFcntl, fd, 1030, 5), 5);  // F_DUPFD_CLOEXEC
  EXPECT_EQ(sys(kFcntl, 5, 1), 1);
  EXPECT_EQ(sys(kDup, fd), 4);
  EXPECT_EQ(sys(kDup, 99), e(Errno::badf));
  EXPECT_EQ(sys(kDup3, fd, fd, 0), e(Errno::inval));
  EXPECT_EQ(sys(kDup3, fd, 20, 1), e(Errno::inval));
  EXPECT_EQ(sys(kDup3, fd, 1024, 0), e(Errno::badf));
  EXPECT_EQ(sys(kDup3, 99, 20, 0), e(Errno::badf));
  EXPECT_EQ(sys(kDup3, fd, 20, 02000000), 20);
  EXPECT_EQ(sys(kFcntl, 20, 1), 1);
  EXPECT_EQ(sys(kClose, 20), 0);
  EXPECT_EQ(sys(kClose, 20), e(Errno::badf));
  EXPECT_EQ(sys(kClose, -1), e(Errno::badf));
  // Guests see no terminal.
  EXPECT_EQ(sys(kIoctl, 1, 0x5401, buf), e(Errno::notty));  // TCGETS
  EXPECT_EQ(sys(kIoctl, 1, 0x5413, buf), e(Errno::notty));  // TIOCGWINSZ
  EXPECT_EQ(sys(kIoctl, 99, 0x5401, buf), e(Errno::badf));
  EXPECT_EQ(sys(kIoctl, fd, 0x5450), 0);  // FIONCLEX
}

TEST_F(SyscallTest, ReadWrite) {
  const std::int64_t fd = sys(kOpenat, kAtFdcwd, put_str(0, "/tmp/rw"), kOCreat | kORdwr, 0644);
  ASSERT_GE(fd, 0);
  put_str(100, "hello world");
  EXPECT_EQ(sys(kWrite, fd, buf + 100, 11), 11);
  EXPECT_EQ(sys(kWrite, 99, buf + 100, 11), e(Errno::badf));
  EXPECT_EQ(sys(kWrite, fd, kBad, 11), e(Errno::fault));
  EXPECT_EQ(sys(kWrite, fd, 0x3fffffff00, 0x1000000), e(Errno::fault));  // beyond TASK_SIZE
  EXPECT_EQ(sys(kLseek, fd, 0, 0), 0);
  EXPECT_EQ(sys(kLseek, fd, 0, 7), e(Errno::inval));
  EXPECT_EQ(sys(kRead, fd, buf + 200, 100), 11);
  EXPECT_EQ(get_bytes(buf + 200, 11), "hello world");
  EXPECT_EQ(sys(kRead, fd, buf + 200, 100), 0);
  EXPECT_EQ(sys(kPread64, fd, buf + 300, 5, 6), 5);
  EXPECT_EQ(get_bytes(buf + 300, 5), "world");
  EXPECT_EQ(sys(kPread64, fd, buf + 300, 5, static_cast<std::uint64_t>(-1)), e(Errno::inval));
  // readv/writev
  put(400, std::array<std::uint64_t, 4>{buf + 100, 5, buf + 106, 5});
  EXPECT_EQ(sys(kWritev, fd, buf + 400, 2), 10);
  EXPECT_EQ(sys(kWritev, fd, buf + 400, 1025), e(Errno::inval));
  EXPECT_EQ(sys(kWritev, fd, kBad, 2), e(Errno::fault));
  put(500, std::array<std::uint64_t, 2>{buf + 100, static_cast<std::uint64_t>(-1)});
  EXPECT_EQ(sys(kWritev, fd, buf + 500, 1), e(Errno::inval));
  EXPECT_EQ(sys(kLseek, fd, 11, 0), 11);
  put(400, std::array<std::uint64_t, 4>{buf + 600, 3, buf + 700, 7});
  EXPECT_EQ(sys(kReadv, fd, buf + 400, 2), 10);
  EXPECT_EQ(get_bytes(buf + 600, 3) + get_bytes(buf + 700, 7), "helloworld");
  // A read-only descriptor does not write.
  const std::int64_t ro = sys(kOpenat, kAtFdcwd, put_str(0, "/tmp/rw"), kORdonly);
  EXPECT_EQ(sys(kWrite, ro, buf + 100, 1), e(Errno::badf));
  EXPECT_EQ(sys(kFsync, ro), 0);
  EXPECT_EQ(sys(kFsync, 99), e(Errno::badf));
}

TEST_F(SyscallTest, Pipes) {
  EXPECT_EQ(sys(kPipe2, buf, 1), e(Errno::inval));
  EXPECT_EQ(sys(kPipe2, kBad, 0), e(Errno::fault));
  EXPECT_EQ(p->fds().size(), 3u);  // nothing installed
  ASSERT_EQ(sys(kPipe2, buf, 04000), 0);  // O_NONBLOCK
  const int r = get<std::int32_t>(buf), w = get<std::int32_t>(buf + 4);
  EXPECT_EQ(r, 3);
  EXPECT_EQ(w, 4);
  EXPECT_EQ(sys(kRead, r, buf + 100, 10), e(Errno::again));
  EXPECT_EQ(sys(kWrite, r, buf + 100, 10), e(Errno::badf));
  EXPECT_EQ(sys(kRead, w, buf + 100, 10), e(Errno::badf));
  EXPECT_EQ(sys(kLseek, r, 0, 0), e(Errno::spipe));
  EXPECT_EQ(sys(kPread64, r, buf, 1, 0), e(Errno::spipe));
  EXPECT_EQ(sys(kFsync, w), e(Errno::inval));
  EXPECT_EQ(sys(kFcntl, r, 3), 04000);  // O_RDONLY | O_NONBLOCK
  EXPECT_EQ(sys(kFcntl, w, 1032), 65536);  // F_GETPIPE_SZ
  put_str(200, "data");
  EXPECT_EQ(sys(kWrite, w, buf + 200, 4), 4);
  EXPECT_EQ(sys(kIoctl, r, 0x541b, buf + 300), 0);  // FIONREAD
  EXPECT_EQ(get<std::int32_t>(buf + 300), 4);
  EXPECT_EQ(sys(kRead, r, buf + 400, 100), 4);
  EXPECT_EQ(get_bytes(buf + 400, 4), "data");
  // fstat: a FIFO.
  EXPECT_EQ(sys(kFstat, r, buf + 1024), 0);
  EXPECT_EQ(get<std::uint32_t>(buf + 1024 + 16), 0010600u);
  EXPECT_EQ(sys(kNewfstatat, w, put_str(600, ""), buf + 1024, 0x1000), 0);  // AT_EMPTY_PATH
  EXPECT_EQ(get<std::uint32_t>(buf + 1024 + 16), 0010600u);
  // Full: 64 KiB, then EAGAIN (non-blocking) for an atomic write.
  std::uint64_t written = 0;
  std::int64_t n;
  while ((n = sys(kWrite, w, buf, 4096)) > 0) written += static_cast<std::uint64_t>(n);
  EXPECT_EQ(n, e(Errno::again));
  EXPECT_EQ(written, 65536u);
  // No writers: end of file after the data; no readers: EPIPE and SIGPIPE.
  EXPECT_EQ(sys(kClose, r), 0);
  EXPECT_EQ(sys(kWrite, w, buf, 1), e(Errno::pipe));
  EXPECT_TRUE(pending_set(*t) & sig_bit(13));  // send_sig(): to the process
}

TEST_F(SyscallTest, BlockingPipeReadWaitsForAWriter) {
  ASSERT_EQ(sys(kPipe2, buf, 0), 0);
  const int r = get<std::int32_t>(buf), w = get<std::int32_t>(buf + 4);
  t->regs.pc = 0x30000;
  EXPECT_EQ(sys(kRead, r, buf + 100, 10), static_cast<std::int64_t>(r));  // a0 untouched
  EXPECT_EQ(outcome, SysOutcome::blocked);
  EXPECT_EQ(t->regs.pc, 0x30000u);  // at the ecall again
  EXPECT_EQ(t->wait.kind, WaitKind::pipe_read);
  EXPECT_FALSE(wait_is_over(k(), *t));
  // The write end goes away: the wait is over, and the call returns end of file.
  ASSERT_TRUE(k().close(*p, w).ok());
  EXPECT_TRUE(wait_is_over(k(), *t));
  t->wait.woken = true;
  EXPECT_EQ(sys(kRead, r, buf + 100, 10), 0);
  EXPECT_EQ(outcome, SysOutcome::done);
  EXPECT_EQ(t->wait.kind, WaitKind::none);
}

TEST_F(SyscallTest, PathCalls) {
  EXPECT_EQ(sys(kMkdirat, kAtFdcwd, put_str(0, "/tmp/d"), 0755), 0);
  EXPECT_EQ(sys(kMkdirat, kAtFdcwd, put_str(0, "/tmp/d"), 0755), e(Errno::exist));
  EXPECT_EQ(sys(kMkdirat, kAtFdcwd, kBad, 0755), e(Errno::fault));
  EXPECT_EQ(sys(kChdir, put_str(0, "/tmp/d")), 0);
  EXPECT_EQ(sys(kGetcwd, buf + 100, 7), 7);
  EXPECT_EQ(get_bytes(buf + 100, 7), std::string("/tmp/d\0", 7));
  EXPECT_EQ(sys(kGetcwd, buf + 100, 6), e(Errno::range));
  EXPECT_EQ(sys(kGetcwd, kBad, 100), e(Errno::fault));
  EXPECT_EQ(sys(kChdir, put_str(0, "/nonexistent")), e(Errno::noent));
  EXPECT_EQ(sys(kFaccessat, kAtFdcwd, put_str(0, "/tmp"), 8), e(Errno::inval));
  EXPECT_EQ(sys(kFaccessat2, kAtFdcwd, put_str(0, "/tmp"), 0, 0x8000), e(Errno::inval));
  EXPECT_EQ(sys(kFaccessat, kAtFdcwd, put_str(0, "/tmp"), 7), 0);
  EXPECT_EQ(sys(kFaccessat, kAtFdcwd, put_str(0, "/nonexistent"), 0), e(Errno::noent));
  EXPECT_EQ(sys(kNewfstatat, kAtFdcwd, put_str(0, "/tmp"), buf + 1024, 0x8000), e(Errno::inval));
  EXPECT_EQ(sys(kNewfstatat, kAtFdcwd, put_str(0, "/tmp"), buf + 1024, 0), 0);
  EXPECT_EQ(get<std::uint32_t>(buf + 1024 + 16) & 0170000, 0040000u);
  EXPECT_EQ(sys(kNewfstatat, kAtFdcwd, put_str(0, "/tmp"), kBad, 0), e(Errno::fault));
  EXPECT_EQ(sys(kNewfstatat, kAtFdcwd, put_str(0, ""), buf + 1024, 0), e(Errno::noent));
  EXPECT_EQ(sys(kStatx, kAtFdcwd, put_str(0, "/tmp"), 0x6000, 0x7ff, buf + 1024), e(Errno::inval));
  EXPECT_EQ(sys(kStatx, kAtFdcwd, put_str(0, "/tmp"), 0, 0x80000000, buf + 1024), e(Errno::inval));
  EXPECT_EQ(sys(kStatx, kAtFdcwd, put_str(0, "/tmp"), 0, 0x7ff, buf + 1024), 0);
  EXPECT_EQ(get<std::uint32_t>(buf + 1024), 0x7ffu);
  EXPECT_EQ(get<std::uint16_t>(buf + 1024 + 28) & 0170000, 0040000u);
  EXPECT_EQ(sys(kReadlinkat, kAtFdcwd, put_str(0, "/tmp"), buf + 100, 0), e(Errno::inval));
  EXPECT_EQ(sys(kReadlinkat, kAtFdcwd, put_str(0, "/tmp"), buf + 100, 100), e(Errno::inval));
  EXPECT_EQ(sys(kUnlinkat, kAtFdcwd, put_str(0, "/tmp/d"), 1), e(Errno::inval));
  EXPECT_EQ(sys(kUnlinkat, kAtFdcwd, put_str(0, "/tmp/d"), 0), e(Errno::isdir));
  EXPECT_EQ(sys(kChdir, put_str(0, "/")), 0);
  EXPECT_EQ(sys(kUnlinkat, kAtFdcwd, put_str(0, "/tmp/d"), 0x200), 0);  // AT_REMOVEDIR
  const std::int64_t dir = sys(kOpenat, kAtFdcwd, put_str(0, "/tmp"), kORdonly | 0200000);
  ASSERT_GE(dir, 0);
  EXPECT_GT(sys(kGetdents64, dir, buf + 1024, 4096), 0);
  EXPECT_EQ(sys(kGetdents64, 99, buf + 1024, 4096), e(Errno::badf));
}

TEST_F(SyscallTest, Time) {
  machine().sys.clock().charge(2'500'000'123);
  put<std::uint64_t>(0, 0);  // fault the buffer in first
  // Each value is read before the result is copied out (which may cost a page walk).
  std::uint64_t now = k().now_ns();
  EXPECT_EQ(sys(kClockGettime, 1, buf), 0);  // CLOCK_MONOTONIC
  EXPECT_EQ(get<std::int64_t>(buf), static_cast<std::int64_t>(now / 1000000000));
  EXPECT_EQ(get<std::int64_t>(buf + 8), static_cast<std::int64_t>(now % 1000000000));
  now = k().now_ns();
  EXPECT_EQ(sys(kClockGettime, 0, buf), 0);  // CLOCK_REALTIME: the epoch plus virtual time
  EXPECT_EQ(get<std::int64_t>(buf), static_cast<std::int64_t>(hw::kRealtimeEpochSec + now / 1000000000));
  EXPECT_EQ(get<std::int64_t>(buf + 8), static_cast<std::int64_t>(now % 1000000000));
  EXPECT_EQ(sys(kClockGettime, 6, buf), 0);  // CLOCK_MONOTONIC_COARSE: whole ticks
  EXPECT_EQ(get<std::int64_t>(buf + 8) % 4000000, 0);
  EXPECT_EQ(sys(kClockGettime, 10, buf), e(Errno::inval));
  EXPECT_EQ(sys(kClockGettime, 8, buf), e(Errno::inval));  // CLOCK_REALTIME_ALARM: no RTC
  EXPECT_EQ(sys(kClockGettime, 1, kBad), e(Errno::fault));
  EXPECT_EQ(sys(kClockGetres, 1, buf), 0);
  EXPECT_EQ(get<std::int64_t>(buf + 8), 1);
  EXPECT_EQ(sys(kClockGetres, 5, buf), 0);
  EXPECT_EQ(get<std::int64_t>(buf + 8), 4000000);
  EXPECT_EQ(sys(kClockGetres, 1, 0), 0);
  EXPECT_EQ(sys(kClockGetres, 99, buf), e(Errno::inval));
  now = k().now_ns();
  EXPECT_EQ(sys(kGettimeofday, buf, buf + 16), 0);
  EXPECT_EQ(get<std::int64_t>(buf + 8), static_cast<std::int64_t>(now % 1000000000 / 1000));
  EXPECT_EQ(sys(kGettimeofday, kBad, 0), e(Errno::fault));
  // times(): clock ticks; the result counts from five minutes before the jiffies wrap.
  t->usage.utime_ns = 1'230'000'000;
  now = k().now_ns();
  EXPECT_EQ(sys(kTimes, buf), static_cast<std::int64_t>(((0x100000000ULL - 75000) + now / 4000000) * 100 / 250));
  EXPECT_EQ(get<std::int64_t>(buf), 123);
  EXPECT_EQ(sys(kTimes, kBad), e(Errno::fault));
  EXPECT_EQ(sys(kGetrusage, 2, buf), e(Errno::inval));
  EXPECT_EQ(sys(kGetrusage, 0, kBad), e(Errno::fault));
  EXPECT_EQ(sys(kGetrusage, 0, buf), 0);
  EXPECT_EQ(get<std::int64_t>(buf), 1);         // ru_utime.tv_sec
  EXPECT_EQ(get<std::int64_t>(buf + 8), 230000);  // ru_utime.tv_usec
  EXPECT_EQ(get<std::int64_t>(buf + 64), static_cast<std::int64_t>(p->usage.min_flt));
}

TEST_F(SyscallTest, NanosleepBlocksUntilTheDeadline) {
  put(0, std::array<std::int64_t, 2>{0, 1000000000});
  EXPECT_EQ(sys(kNanosleep, buf, 0), e(Errno::inval));
  put(0, std::array<std::int64_t, 2>{-1, 0});
  EXPECT_EQ(sys(kNanosleep, buf, 0), e(Errno::inval));
  EXPECT_EQ(sys(kNanosleep, kBad, 0), e(Errno::fault));
  put(0, std::array<std::int64_t, 2>{0, 0});
  EXPECT_EQ(sys(kNanosleep, buf, 0), 0);
  put(0, std::array<std::int64_t, 2>{2, 500});
  const std::uint64_t start = k().now_ns();
  sys(kNanosleep, buf, 0);
  EXPECT_EQ(outcome, SysOutcome::blocked);
  EXPECT_EQ(t->wait.kind, WaitKind::sleep);
  EXPECT_EQ(t->wait.deadline_ns, start + 2'000'000'500);
  EXPECT_FALSE(wait_is_over(k(), *t));
  machine().sys.clock().advance_to(0, t->wait.deadline_ns);
  EXPECT_TRUE(wait_is_over(k(), *t));
  t->wait.woken = true;
  EXPECT_EQ(sys(kNanosleep, buf, 0), 0);
  EXPECT_EQ(outcome, SysOutcome::done);
  // clock_nanosleep: the clocks it refuses, and an absolute time already past.
  EXPECT_EQ(sys(kClockNanosleep, 3, 0, buf, 0), e(Errno::inval));
  EXPECT_EQ(sys(kClockNanosleep, 2, 0, buf, 0), e(Errno::opnotsupp));
  EXPECT_EQ(sys(kClockNanosleep, 42, 0, buf, 0), e(Errno::inval));
  put(0, std::array<std::int64_t, 2>{1, 0});
  EXPECT_EQ(sys(kClockNanosleep, 1, 1, buf, 0), 0);  // TIMER_ABSTIME, 1 s after boot
}

TEST_F(SyscallTest, MachineInfo) {
  EXPECT_EQ(sys(kUname, buf), 0);
  EXPECT_EQ(get_bytes(buf, 6), std::string("Linux\0", 6));
  EXPECT_EQ(get_bytes(buf + 65, 6), std::string("vmlab\0", 6));
  EXPECT_EQ(get_bytes(buf + 65 * 2, 2), "6.");
  EXPECT_EQ(get_bytes(buf + 65 * 4, 8), std::string("riscv64\0", 8));
  EXPECT_EQ(sys(kUname, kBad), e(Errno::fault));
  EXPECT_EQ(sys(kSysinfo, buf), 0);
  EXPECT_EQ(get<std::uint64_t>(buf + 32), machine().sys.total_pages() * kPageSize);  // totalram
  EXPECT_EQ(get<std::uint16_t>(buf + 80), 1);                                          // procs
  EXPECT_EQ(get<std::uint32_t>(buf + 104), 1u);                                        // mem_unit
  EXPECT_EQ(sys(kSysinfo, kBad), e(Errno::fault));
  EXPECT_EQ(sys(kGetrandom, buf, 16, 8), e(Errno::inval));
  EXPECT_EQ(sys(kGetrandom, buf, 16, 6), e(Errno::inval));  // GRND_INSECURE | GRND_RANDOM
  EXPECT_EQ(sys(kGetrandom, kBad, 16, 0), e(Errno::fault));
  EXPECT_EQ(sys(kGetrandom, buf, 16, 0), 16);
  const std::string first = get_bytes(buf, 16);
  // The same seed gives the same stream on another machine (the failed call above
  // drew its 16 bytes too).
  detail::MachineState other(riscv());
  std::uint8_t b[16];
  other.kernel.random_bytes(b, 16);
  other.kernel.random_bytes(b, 16);
  EXPECT_EQ(std::string(b, b + 16), first);
  EXPECT_EQ(sys(kRiscvFlushIcache, 0, ~0ULL, 0), 0);
  EXPECT_EQ(sys(kRiscvFlushIcache, 0, ~0ULL, 2), e(Errno::inval));
}

TEST_F(SyscallTest, MemoryCalls) {
  EXPECT_EQ(sys(kMmap, 0, 4096, kProtRead, kMapPrivate | kMapAnonymous, -1, 1), e(Errno::inval));
  EXPECT_EQ(sys(kMmap, 0, 0, kProtRead, kMapPrivate | kMapAnonymous, -1, 0), e(Errno::inval));
  EXPECT_EQ(sys(kMmap, 0, 4096, kProtRead, kMapPrivate, 99, 0), e(Errno::badf));
  const std::int64_t a = sys(kMmap, 0, 4 * kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_GT(a, 0);
  ASSERT_TRUE(put_user<std::uint8_t>(k(), *p, static_cast<VirtAddr>(a) + kPageSize, 1).ok());
  EXPECT_EQ(sys(kMincore, a + 1, kPageSize, buf), e(Errno::inval));
  EXPECT_EQ(sys(kMincore, a, 4 * kPageSize, kBad), e(Errno::fault));
  EXPECT_EQ(sys(kMincore, a, 4 * kPageSize, buf), 0);
  EXPECT_EQ(get_bytes(buf, 4), std::string("\0\1\0\0", 4));
  EXPECT_EQ(sys(kMunmap, a, 4 * kPageSize), 0);
  EXPECT_EQ(sys(kMincore, a, kPageSize, buf), e(Errno::nomem));
  EXPECT_EQ(sys(kMunmap, a + 1, kPageSize), e(Errno::inval));
  const std::int64_t brk = sys(kBrk, 0);
  EXPECT_EQ(sys(kBrk, brk + kPageSize), brk + static_cast<std::int64_t>(kPageSize));
}

TEST_F(SyscallTest, WaitAndClone) {
  EXPECT_EQ(sys(kWait4, -1, 0, 0, 0), e(Errno::child));
  EXPECT_EQ(sys(kWait4, -1, 0, 0x100, 0), e(Errno::inval));
  EXPECT_EQ(sys(kWait4, INT32_MIN, 0, 0, 0), e(Errno::srch));
  // Namespaces need CAP_SYS_ADMIN; CLONE_SIGHAND needs CLONE_VM.
  EXPECT_EQ(sys(kClone, 0x20000 | 17, 0, 0, 0, 0), e(Errno::perm));
  EXPECT_EQ(sys(kClone, 0x800 | 17, 0, 0, 0, 0), e(Errno::inval));
  EXPECT_EQ(sys(kClone, 0x10000 | 17, 0, 0, 0, 0), e(Errno::inval));
  // fork with CLONE_CHILD_SETTID: the child sees its pid there, the parent not.
  put<std::int32_t>(0, 0);
  const std::int64_t child = sys(kClone, 0x01000000 | 0x00200000 | 17, 0, 0, 0, buf);
  ASSERT_GT(child, 0);
  Task* ct = k().find_task(static_cast<int>(child));
  ASSERT_NE(ct, nullptr);
  EXPECT_EQ(ct->regs.x[10], 0u);
  EXPECT_EQ(ct->regs.pc, t->regs.pc);
  EXPECT_EQ(ct->clear_child_tid, buf);
  EXPECT_EQ(get<std::int32_t>(buf), 0);
  Task* cp = k().find(static_cast<int>(child));
  k().schedule_tail(*ct);  // the child's first run writes its tid
  EXPECT_EQ(*get_user<std::int32_t>(k(), *cp, buf), child);
  EXPECT_EQ(get<std::int32_t>(buf), 0);
  EXPECT_EQ(sys(kWait4, child, buf + 100, 1, 0), 0);  // WNOHANG, still running
  // A blocking wait: a0 keeps its argument for the call to run again.
  EXPECT_EQ(sys(kWait4, -1, buf + 100, 0, 0), -1);
  EXPECT_EQ(outcome, SysOutcome::blocked);
  EXPECT_FALSE(wait_is_over(k(), *t));
  sys_on(*ct, kExitGroup, 7);
  EXPECT_FALSE(ct->alive());
  EXPECT_FALSE(t->pending.set & sig_bit(17));  // SIGCHLD's default action ignores it: not queued
  EXPECT_TRUE(wait_is_over(k(), *t));
  t->wait.woken = true;
  EXPECT_EQ(sys(kWait4, -1, buf + 100, 0, buf + 200), child);
  EXPECT_EQ(get<std::int32_t>(buf + 100), 7 << 8);
  EXPECT_EQ(get<std::int64_t>(buf + 200 + 64), static_cast<std::int64_t>(cp->usage.min_flt));  // ru_minflt
  EXPECT_EQ(sys(kWait4, -1, 0, 0, 0), e(Errno::child));
  // The reaped child's task is released.
  EXPECT_EQ(k().find_task(static_cast<int>(child)), nullptr);
}

TEST_F(SyscallTest, ExecveErrors) {
  EXPECT_EQ(sys(kExecve, kBad, 0, 0), e(Errno::fault));
  EXPECT_EQ(sys(kExecve, put_str(0, ""), 0, 0), e(Errno::noent));
  EXPECT_EQ(sys(kExecve, put_str(0, "/nonexistent"), 0, 0), e(Errno::noent));
  EXPECT_EQ(sys(kExecve, put_str(0, "/tmp"), 0, 0), e(Errno::acces));
  put(100, std::array<std::uint64_t, 2>{kBad, 0});
  EXPECT_EQ(sys(kExecve, put_str(0, "/dev/null"), buf + 100, 0), e(Errno::fault));
  EXPECT_TRUE(t->alive());
}

TEST_F(SyscallTest, ExitMakesAZombie) {
  EXPECT_EQ(sys(kExit, 0x1234), 0x1234);
  EXPECT_EQ(outcome, SysOutcome::exited);
  EXPECT_FALSE(t->alive());
  const ThreadGroup* gone = k().find_group(p->tid);
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->exit_code, 0x34 << 8);
}

}  // namespace
}  // namespace vmlab::kern::test
