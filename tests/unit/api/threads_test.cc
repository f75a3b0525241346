// Threads through the C++ API: a Process handle acts as one task; create_thread() makes
// another sharing the address space, on a CPU of its own; signals reach real tasks.
#include <gtest/gtest.h>

#include <string>

#include "vmlab/machine.h"
#include "vmlab/mman.h"

namespace vmlab {
namespace {

MachineConfig two_cpus() {
  MachineConfig c;
  c.ram_bytes = 64 * MiB;
  c.cpus = 2;
  return c;
}

std::string status_line(const Process& p, const std::string& file, const std::string& name) {
  const std::string text = p.proc(file);
  const auto at = text.find(name + ":");
  return at == std::string::npos ? "" : text.substr(at, text.find('\n', at) - at);
}

TEST(ApiThreads, ThreadsShareTheAddressSpaceAndShowInProc) {
  Machine m(two_cpus());
  Process p = m.spawn("main");
  auto t = p.create_thread();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->pid(), p.pid());
  EXPECT_NE(t->tid(), p.tid());
  EXPECT_EQ(p.status_kb("Threads"), 2u);
  // Memory mapped by one thread is the other's.
  auto a = p.mmap(0, 4 * kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p.store<std::uint32_t>(*a, 0xfeed).ok());
  EXPECT_EQ(*t->load<std::uint32_t>(*a), 0xfeedu);
  // Each thread has its own /proc/PID/task/TID; Pid is the thread's, Tgid the process's.
  const std::string tfile = "task/" + std::to_string(t->tid()) + "/status";
  EXPECT_EQ(status_line(p, tfile, "Pid"), "Pid:\t" + std::to_string(t->tid()));
  EXPECT_EQ(status_line(p, tfile, "Tgid"), "Tgid:\t" + std::to_string(p.pid()));
  EXPECT_EQ(status_line(p, tfile, "Threads"), "Threads:\t2");
  // Faults count for the thread that took them, and for the process as a whole.
  EXPECT_EQ(p.minflt(), t->minflt());
  // exit_thread() ends one thread; the process goes on.
  t->exit_thread(0);
  EXPECT_FALSE(t->alive());
  EXPECT_TRUE(p.alive());
  EXPECT_EQ(p.status_kb("Threads"), 1u);
  EXPECT_THROW(p.proc(tfile), std::invalid_argument);  // released: no such directory
  EXPECT_TRUE(m.check().ok());
}

// A thread on another CPU caches a page; the munmap on this CPU must reach it.
TEST(ApiThreads, MunmapShootsDownTheOtherThreadsCpu) {
  Machine m(two_cpus());
  Process p = m.spawn("main");
  auto t = p.create_thread();
  ASSERT_TRUE(t.ok());
  t->run_on(1);
  auto a = p.mmap(0, kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p.store<std::uint8_t>(*a, 7).ok());
  ASSERT_EQ(*t->load<std::uint8_t>(*a), 7);
  const std::uint64_t before = m.tlb_stats(1).shootdowns;
  ASSERT_TRUE(p.munmap(*a, kPageSize).ok());
  EXPECT_EQ(m.tlb_stats(1).shootdowns, before + 1);
  EXPECT_EQ(m.tlb_stats(0).shootdowns, 0u);  // the CPU that unmapped flushed its own
  EXPECT_EQ(t->load<std::uint8_t>(*a).error().signo, Signal::sigsegv);
  EXPECT_TRUE(m.check().ok());
}

TEST(ApiThreads, ExitFromAnyThreadEndsTheProcess) {
  Machine m(two_cpus());
  Process parent = m.spawn("parent");
  auto child = parent.fork();
  ASSERT_TRUE(child.ok());
  auto t = child->create_thread();
  ASSERT_TRUE(t.ok());
  t->exit(3);  // exit_group()
  EXPECT_FALSE(child->alive());
  EXPECT_FALSE(t->alive());
  // The parent got SIGCHLD; its default action ignores it, so nothing is pending.
  EXPECT_EQ(status_line(parent, "status", "ShdPnd"), "ShdPnd:\t0000000000000000");
  auto w = parent.wait(child->pid());
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->status, 3 << 8);
  EXPECT_TRUE(m.check().ok());
}

TEST(ApiThreads, SignalsTakeTheirDefaultAction) {
  Machine m(two_cpus());
  Process p = m.spawn("target");
  p.signal(Signal::sigchld);  // ignored by default: not even queued
  EXPECT_TRUE(p.alive());
  EXPECT_EQ(status_line(p, "status", "ShdPnd"), "ShdPnd:\t0000000000000000");
  auto t = p.create_thread();
  ASSERT_TRUE(t.ok());
  p.signal(Signal::sigterm);  // fatal: every thread ends, the status is the signal
  EXPECT_FALSE(p.alive());
  EXPECT_FALSE(t->alive());
  EXPECT_EQ(p.exit_status(), static_cast<int>(Signal::sigterm));
}

}  // namespace
}  // namespace vmlab
