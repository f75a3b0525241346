// POSIX threads in riscv64 programs, side by side with the host kernel running the same
// sources built for x86-64: glibc's pthread_create() is clone() with CLONE_VM, FS,
// FILES, SIGHAND, THREAD, SYSVSEM, SETTLS and the tid words; joins, mutexes, condition
// variables and barriers are futexes; /proc shows the threads and their stacks.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "unit/guest_syscalls/guest_run.h"

namespace vmlab::test {
namespace {

std::string run_native(const char* path) {
  std::string out;
  FILE* pipe = ::popen(path, "r");
  if (pipe == nullptr) return "popen failed";
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = ::pclose(pipe);
  if (status != 0) out += "exit status " + std::to_string(status);
  return out;
}

MachineConfig with_cpus(unsigned cpus) {
  MachineConfig c = guest_config();
  c.cpus = cpus;
  return c;
}

constexpr const char* kThreadsOut =
    "join: the squares of 2..5 sum to 54\n"
    "mutex: 4 threads x 20000 increments = 80000\n"
    "condvar: 1000 items through 8 slots, sum 500500, in order yes\n"
    "barrier: 3 rounds, every thread waited for the others: yes\n"
    "__thread: each thread kept its own value: yes\n"
    "errno: each thread kept its own: yes\n"
    "pthread_kill: handled in the target thread: yes\n"
    "shared futex: the child saw 1 and answered 2, exit status 0\n"
    "fork from a thread: the child has 1 thread\n"
    "exit from a thread: the process exited with 42\n"
    "after execve from a thread: 1 thread, pid is the tid: yes\n"
    "execve from a thread: exit status 3\n"
    "main: 1 thread left\n";

TEST(Threads, PosixThreadsAgreeWithTheHostKernel) {
  EXPECT_EQ(run_native(VMLAB_THREADS_NATIVE), kThreadsOut) << "the host kernel disagrees";
  const GuestOutput g = run_guest("threads");
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.warnings, "");
  EXPECT_EQ(g.out, kThreadsOut);
  EXPECT_EQ(g.exit_status, 0);
  EXPECT_EQ(g.check, std::vector<std::string>{});
}

// The same program on four CPUs: the threads run side by side, and the run is the same
// every time (deterministic interleaving).
TEST(Threads, FourCpusGiveTheSameAnswersEveryTime) {
  const GuestOutput a = run_guest("threads", {}, 10000, with_cpus(4));
  EXPECT_EQ(a.out, kThreadsOut);
  EXPECT_EQ(a.check, std::vector<std::string>{});
  const GuestOutput b = run_guest("threads", {}, 10000, with_cpus(4));
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.virtual_ns, a.virtual_ns);
  EXPECT_EQ(b.result.instructions, a.result.instructions);
  EXPECT_EQ(b.result.context_switches, a.result.context_switches);
  EXPECT_EQ(b.minflt, a.minflt);
}

TEST(Threads, TaskFilesStacksAndArenasAsTheHostKernelShowsThem) {
  const std::string want =
      "Threads: 4\n"
      "/proc/self/task entries: 4\n"
      "/proc/self/stat: pid getpid(), state R, num_threads 4\n"
      "task/TID/status: Pid and NSpid the tid, Tgid and NStgid the pid, Threads 4: yes\n"
      "task/TID/stat: the tid, sleeping in the barrier, num_threads 4: yes\n"
      "task/TID/maps: the process's maps: yes\n"
      "VmSize grew by 221196 kB for 3 threads: 3 x (8192 + 4) kB of stack and guard, 3 x 65536 kB of arena\n"
      "thread 0: 8192 kB stack in a rw-p mapping, guard page below: ---p 4 kB\n"
      "thread 1: 8192 kB stack in a rw-p mapping, guard page below: ---p 4 kB\n"
      "thread 2: 8192 kB stack in a rw-p mapping, guard page below: ---p 4 kB\n"
      "VmSize grew by 0 kB when one thread malloc'd 64 x 1000 bytes in its arena\n"
      "VmRSS grew by less than 1 MiB: yes\n"
      "its arena: rw-p 132 kB then ---p 65404 kB, 65536 kB in all, aligned to it: yes\n"
      "chunks hold what was written: yes\n"
      "Threads after join: 1\n";
  EXPECT_EQ(run_native(VMLAB_THREADMAPS_NATIVE), want) << "the host kernel disagrees";
  const GuestOutput g = run_guest("threadmaps", {}, 10000, with_cpus(2));
  EXPECT_EQ(g.err, "");
  EXPECT_EQ(g.out, want);
  EXPECT_EQ(g.check, std::vector<std::string>{});
}

}  // namespace
}  // namespace vmlab::test
