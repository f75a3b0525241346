// riscv64 programs run end to end on the interpreter, the scheduler and the system
// calls: signals, processes, pipes, virtual time, errno values, determinism.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "unit/guest_syscalls/guest_run.h"

namespace vmlab::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The standard output of a host program, which must exit with 0.
std::string run_native(const char* program) {
  std::string out;
  FILE* pipe = ::popen(program, "r");
  EXPECT_NE(pipe, nullptr) << program;
  if (pipe == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  EXPECT_EQ(::pclose(pipe), 0) << program;
  return out;
}

TEST(GuestSyscalls, Signals) {
  const GuestOutput g = run_guest("signals");
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.out,
            "SIGSEGV at 0x10 code 1 (SEGV_MAPERR)\n"
            "write to read-only page: code 2 (SEGV_ACCERR), at page+5\n"
            "fixed up and returned: page[5]=42 after 1 fault\n"
            "SIGUSR1 handler on the alternate stack: 1\n"
            "SA_RESETHAND: ran 1, now SIG_DFL\n"
            "blocked SIGHUP: pending 1, ran 0\n"
            "unblocked: ran 1\n"
            "sigsuspend returned -1; SIGCHLD from the child: 1, status 7, code 1 (CLD_EXITED)\n"
            "blocked SIGSEGV: killed by 11\n");
  EXPECT_EQ(g.result.end, guest::RunResult::End::exited);
  EXPECT_EQ(g.exit_status, 0);
}

// The signal sets, SigQ and task states of /proc/PID/status and stat, against the
// host kernel running the same program (all but SigQ, which counts the queued signals
// of every process of the user and has a limit that scales with the host's RAM).
TEST(GuestSyscalls, ProcStatusSignalsAndStates) {
  const std::string want_but_sigq =
      "Umask:\t0027\n"
      "State:\tR (running)\n"
      "SigPnd:\t0000000000004000\n"
      "ShdPnd:\t0000000000000001\n"
      "SigBlk:\t0000000000004001\n"
      "SigIgn:\t0000000000000800\n"
      "SigCgt:\t0000000000000200\n"
      "stat: state R signal 16384 blocked 16385 sigignore 2048 sigcatch 512 wchan 0 exit_signal 17\n"
      "process group and session as expected: yes\n"
      "child in read(): State:\tS (sleeping)\n"
      "stat: state S signal 0 blocked 16385 sigignore 2048 sigcatch 512 wchan 1 exit_signal 17\n"
      "process group and session as expected: yes\n"
      "vfork parent: State:\tD (disk sleep)\n";
  const auto drop_sigq = [](std::string s) {
    const auto at = s.find("SigQ:");
    if (at != std::string::npos) s.erase(at, s.find('\n', at) + 1 - at);
    return s;
  };
  const GuestOutput g = run_guest("procstatus");
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.exit_status, 0);
  // Two queued signals of this user; RLIMIT_SIGPENDING of the test's 256 MiB machine
  // (MemTotal / 128 KiB threads, halved).
  EXPECT_NE(g.out.find("SigQ:\t2/1023\n"), std::string::npos) << g.out;
  EXPECT_EQ(drop_sigq(g.out), want_but_sigq);

  const std::string native = run_native(VMLAB_PROCSTATUS_NATIVE);
  EXPECT_EQ(drop_sigq(native), want_but_sigq) << "the host kernel disagrees";
}

// chmod, chown, utimensat, renameat2 and statfs as an unprivileged user, side by side
// with the host kernel: the program's output on both is expected/fsattr.txt.
TEST(GuestSyscalls, FileAttributesRenameAndStatfsAsOnTheHost) {
  const std::string want = read_file(std::string(VMLAB_SYSCALL_EXPECTED) + "/fsattr.txt");
  const GuestOutput g = run_guest("fsattr");
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.warnings, "");
  EXPECT_EQ(g.exit_status, 0);
  EXPECT_EQ(g.out, want);
  EXPECT_EQ(g.check, std::vector<std::string>{});
  EXPECT_EQ(run_native(VMLAB_FSATTR_NATIVE), want) << "the host kernel disagrees";
}

// The kernel log through syslog(2), /dev/kmsg and /proc/kmsg (klog.c), as an
// unprivileged user and as root, side by side with the host kernel: both must print
// expected/klog_user.txt and klog_root.txt. The host parts need a host like Debian's
// (dmesg_restrict 1) and root to start from.

TEST(GuestSyscalls, KernelLogAsAnUnprivilegedUserAsOnTheHost) {
  const std::string want = read_file(std::string(VMLAB_SYSCALL_EXPECTED) + "/klog_user.txt");
  const GuestOutput g = run_guest("klog", {"user"});
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.warnings, "");
  EXPECT_EQ(g.exit_status, 0);
  EXPECT_EQ(g.out, want);
  EXPECT_EQ(g.console, "");
  if (read_file("/proc/sys/kernel/dmesg_restrict") != "1\n" || ::geteuid() != 0) {
    GTEST_SKIP() << "the host is not a root shell on a kernel with dmesg_restrict 1";
  }
  EXPECT_EQ(run_native((std::string(VMLAB_KLOG_NATIVE) + " user").c_str()), want) << "the host kernel disagrees";
}

TEST(GuestSyscalls, KernelLogAsRootAsOnTheHost) {
  const std::string want = read_file(std::string(VMLAB_SYSCALL_EXPECTED) + "/klog_root.txt");
  const GuestOutput g = run_guest("klog", {"root"}, 10000, guest_config(), 0);
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.warnings, "");
  EXPECT_EQ(g.exit_status, 0);
  EXPECT_EQ(g.out, want);
  EXPECT_EQ(g.check, std::vector<std::string>{});
  if (::geteuid() != 0) GTEST_SKIP() << "the host part writes to the host's /dev/kmsg as root";
  EXPECT_EQ(run_native((std::string(VMLAB_KLOG_NATIVE) + " root").c_str()), want) << "the host kernel disagrees";
}

// Every action on a log that holds only what the program does: exact records and
// sequence numbers, partial and consuming reads, clears, console levels, sleeping
// readers woken by a child, records lost under a reader, the write rate limit; and
// what the console printed meanwhile (times as [T]).
TEST(GuestSyscalls, KernelLogEveryActionOnAFreshMachine) {
  const GuestOutput g = run_guest("klog", {"vmlab"}, 10000, guest_config(), 0);
  EXPECT_EQ(g.result.end, guest::RunResult::End::exited) << g.result.report;
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.warnings, "");
  EXPECT_EQ(g.exit_status, 0);
  EXPECT_EQ(g.out, read_file(std::string(VMLAB_SYSCALL_EXPECTED) + "/klog_vmlab.txt"));
  EXPECT_EQ(std::regex_replace(g.console, std::regex(R"(\[ *[0-9]+\.[0-9]{6}\])"), "[T]"),
            read_file(std::string(VMLAB_SYSCALL_EXPECTED) + "/klog_vmlab_console.txt"));
  EXPECT_EQ(g.check, std::vector<std::string>{});
}

TEST(GuestSyscalls, ProcessesAndSpawn) {
  const GuestOutput g = run_guest("procs");
  EXPECT_EQ(g.err, "");
  // The child processes print before the parent, whose stdout (a pipe, not a tty) is
  // flushed when it exits, as on Linux.
  EXPECT_EQ(g.out,
            "waitpid returned the child: 1\n"
            "exit(42): exited 42\n"
            "WNOHANG while it runs: 0\n"
            "SIGKILL: killed by 9\n"
            "abort(): killed by 6\n"
            "child touched 64 pages: minflt >= 64: 1\n"
            "orphan's parent: 1\n"
            "spawned by posix_spawn\n"
            "after vfork\n"
            "posix_spawn returned 0\n"
            "echo: exited 0\n"
            "posix_spawn of a missing file: No such file or directory\n"
            "system(\"exit 3\"): exited 3\n"
            "popen read: through popen\n"
            "pclose: exited 0\n"
            "vfork child: exited 0\n"
            "/tmp/script arg\n"
            "script: exited 9\n");
  EXPECT_EQ(g.exit_status, 5);
  EXPECT_EQ(g.warnings, "");
}

TEST(GuestSyscalls, Pipes) {
  const GuestOutput g = run_guest("pipes");
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.out,
            "writer sum 127499040\n"
            "reader got 1000000 bytes, sum 127499040, then read returned 0\n"
            "writer without a reader: killed by 13\n"
            "with SIGPIPE ignored: -1, Broken pipe\n"
            "empty non-blocking read: -1, Resource temporarily unavailable\n"
            "non-blocking pipe holds 65536 bytes, then Resource temporarily unavailable\n"
            "cat echoed: through cat\n"
            "cat exited 0\n"
            "FD_CLOEXEC: 1\n");
  EXPECT_EQ(g.exit_status, 0);
}

// A "#!" script started by the runtime (binfmt_script runs /bin/sh SCRIPT ARG), whose
// comm stays the script's name. sh
// reads a script a line at a time; it used to shrink its line buffer to the first
// line without updating its capacity, so a longer second line overran the heap
// ("realloc(): invalid next size").
TEST(GuestSyscalls, ShellScriptWithLongerLines) {
  const std::filesystem::path dir = testing::TempDir() + "vmlab_guest_sh_script";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // The shell's comm is the script's name, as bprm->filename gives it.
  std::ofstream(dir / "script.sh") << "#!/bin/sh\necho script says \"$0\" \"$1\"\ncat /proc/$$/comm\nexit 9\n";
  // Lines past the first buffer (256 bytes), then short ones again, with the quoting
  // and expansion forms that build words byte by byte.
  const std::string x300(300, 'x');
  std::ofstream(dir / "long.sh") << "#!/bin/sh\n"
                                 << "v=" << x300 << "\n"
                                 << "echo \"$v\" '" << x300 << "' ${u:-\"d $1\"} \\$ $#\n"
                                 << "set -- \"$v\" b\"c\"'d'\n"
                                 << "echo \"$*\" $2\n"
                                 << "exit 9\n";
  for (const char* name : {"script.sh", "long.sh"}) {
    std::filesystem::permissions(dir / name, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                 std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                                 std::filesystem::perms::others_exec);
  }
  MachineConfig config = guest_config();
  for (MountSpec& m : config.mounts) {
    if (m.guest == "/t") m.host = dir.string();
  }
  GuestOutput g = run_guest("script.sh", {"arg"}, 10000, config);
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.out, "script says /t/script.sh arg\nscript.sh\n");
  EXPECT_EQ(g.result.end, guest::RunResult::End::exited);
  EXPECT_EQ(g.exit_status, 9);
  g = run_guest("long.sh", {"arg"}, 10000, config);
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.out, x300 + " " + x300 + " d arg $ 1\n" + x300 + " bcd bcd\n");
  EXPECT_EQ(g.exit_status, 9);
  std::filesystem::remove_all(dir);
}

// execve wants an execute bit (may_open(MAY_EXEC)): a file made by `echo >` (0666 less
// the umask) and a directory are EACCES, which sh reports as "Permission denied", 126.
TEST(GuestSyscalls, ExecWithoutExecutePermissionIsEacces) {
  const std::filesystem::path dir = testing::TempDir() + "vmlab_guest_exec_perm";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "perm.sh") << "#!/bin/sh\n"
                                 << "echo 'echo ran' > /tmp/f\n"
                                 << "/tmp/f\n"
                                 << "echo \"file: $?\"\n"
                                 << "/tmp\n"
                                 << "echo \"directory: $?\"\n"
                                 << "sh /tmp/f\n"
                                 << "echo \"sh f: $?\"\n";
  std::filesystem::permissions(dir / "perm.sh", std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                    std::filesystem::perms::group_exec |
                                                    std::filesystem::perms::others_read |
                                                    std::filesystem::perms::others_exec);
  MachineConfig config = guest_config();
  for (MountSpec& m : config.mounts) {
    if (m.guest == "/t") m.host = dir.string();
  }
  const GuestOutput g = run_guest("perm.sh", {}, 10000, config);
  EXPECT_EQ(g.out, "file: 126\ndirectory: 126\nran\nsh f: 0\n");
  EXPECT_EQ(g.err, "/t/perm.sh: 3: /tmp/f: Permission denied\n/t/perm.sh: 5: /tmp: Permission denied\n");
  std::filesystem::remove_all(dir);
}

TEST(GuestSyscalls, SleepingAdvancesVirtualTimeOnly) {
  const GuestOutput g = run_guest("timing");
  EXPECT_EQ(g.out,
            "realtime starts in 2024: 1\n"
            "nanosleep 3.25 s: between 3250 and 3260 ms passed: 1\n"
            "clock_nanosleep to +2 s: reached 1\n"
            "waited for a 5 s sleeper: 5 s\n"
            "100 pages touched: 100 minor faults, 0 major\n"
            "children's rusage has faults: 1\n");
  // 3.25 + 2 + 5 s asleep, a little more running.
  EXPECT_GE(g.virtual_ns, 10'250'000'000ULL);
  EXPECT_LT(g.virtual_ns, 10'500'000'000ULL);
}

TEST(GuestSyscalls, DeadlockIsReported) {
  const GuestOutput g = run_guest("deadlock");
  EXPECT_EQ(g.result.end, guest::RunResult::End::deadlock);
  EXPECT_NE(g.result.report.find("pid 1000 (deadlock) in read on an empty pipe"), std::string::npos)
      << g.result.report;
}

TEST(GuestSyscalls, UnknownSystemCallWarnsOnce) {
  const GuestOutput g = run_guest("enosys");
  EXPECT_EQ(g.out,
            "syscall 444: -1 Function not implemented\n"
            "syscall 444: -1 Function not implemented\n");
  EXPECT_EQ(g.warnings, "vmlab: system call 444 (landlock_create_ruleset) is not implemented: ENOSYS\n");
}

TEST(GuestSyscalls, RseqRegistrationAndAborts) {
  const GuestOutput g = run_guest("rseq");
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.warnings, "");
  EXPECT_EQ(g.out,
            "register: 0\n"
            "cpu_id_start 0 cpu_id 0 node_id 0 mm_cid 0 rseq_cs 0\n"
            "again: EBUSY\n"
            "again, another signature: EPERM\n"
            "another area: EINVAL\n"
            "another length: EINVAL\n"
            "unknown flag: EINVAL\n"
            "unregister with an unknown flag: EINVAL\n"
            "unregister, another signature: EPERM\n"
            "unregister, another area: EINVAL\n"
            "unregister, another length: EINVAL\n"
            "unregister: 0\n"
            "cpu_id after unregistering: -1\n"
            "unregister again: EINVAL\n"
            "length 28: EINVAL\n"
            "32 bytes at 16-byte alignment: EINVAL\n"
            "64 bytes at 16-byte alignment: EINVAL\n"
            "beyond user space: EFAULT\n"
            "an inaccessible page: EFAULT\n"
            "64 bytes at 32-byte alignment: 0\n"
            "unregister it: 0\n"
            "read-only area: killed by 11\n"
            "register: 0\n"
            "alone: completed\n"
            "preempted: aborted\n"
            "busy child: exited 0\n"
            "child inherits the registration: EBUSY\n"
            "child: exited 0\n"
            "signal: aborted, handler ran 1\n"
            "wrong signature: killed by 11\n");
  EXPECT_EQ(g.exit_status, 0);
}

TEST(GuestSyscalls, ErrnoValuesAreLinuxs) {
  const GuestOutput g = run_guest("errnos");
  EXPECT_EQ(g.out, read_file(std::string(VMLAB_SYSCALL_EXPECTED) + "/errnos.txt"));
  EXPECT_EQ(g.exit_status, 0);
}

TEST(GuestSyscalls, CountersAgreeWithTheCheckerAfterARun) {
  for (const char* name : {"signals", "procs", "pipes", "timing"}) {
    const GuestOutput g = run_guest(name);
    EXPECT_EQ(g.check, std::vector<std::string>{}) << name;
  }
}

TEST(GuestSyscalls, TwoRunsAreIdentical) {
  const GuestOutput a = run_guest("procs");
  const GuestOutput b = run_guest("procs");
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.virtual_ns, b.virtual_ns);
  EXPECT_EQ(a.result.instructions, b.result.instructions);
  EXPECT_EQ(a.result.context_switches, b.result.context_switches);
  EXPECT_EQ(a.minflt, b.minflt);
  EXPECT_EQ(a.faults, b.faults);
}

TEST(GuestSyscalls, ResultsDoNotDependOnTheQuantum) {
  // Another time slice interleaves the processes differently; what they compute and
  // the faults they take stay the same.
  const GuestOutput a = run_guest("pipes", {}, 10000);
  const GuestOutput b = run_guest("pipes", {}, 1777);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.exit_status, b.exit_status);
  EXPECT_NE(a.result.context_switches, b.result.context_switches);
}

}  // namespace
}  // namespace vmlab::test
