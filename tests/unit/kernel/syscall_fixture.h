// A riscv64 machine with one process and its guest task, for calling system-call
// handlers directly: registers are filled by hand as an ecall would leave them, and
// user memory is a scratch mapping.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "api/machine_state.h"
#include "kernel/checker.h"
#include "kernel/signal.h"
#include "kernel/syscall_table.h"
#include "kernel/kernel.h"
#include "kernel/user_mem.h"
#include "vmlab/mman.h"

namespace vmlab::kern::test {

class SyscallTest : public ::testing::Test {
 protected:
  static MachineConfig riscv() {
    MachineConfig c;
    c.layout = Layout::riscv64;
    c.ram_bytes = 64 * MiB;
    return c;
  }

  SyscallTest() : m_(riscv()) {
    m_.kernel.set_warning_sink([this](std::string_view w) { warnings.emplace_back(w); });
    t = p = &m_.kernel.spawn("test");
    auto b = m_.kernel.mmap(*p, 0, 16 * kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
    buf = *b;
    t->regs.x[2] = p->mm->start_stack;
    t->regs.pc = 0x10000;
  }

  // Whatever a test did, the counters must still agree with a recount.
  void TearDown() override { EXPECT_EQ(check_consistency(m_.kernel), std::vector<std::string>{}); }

  Kernel& k() { return m_.kernel; }
  detail::MachineState& machine() { return m_; }

  // The ecall: a7 = nr, a0..a5 = args. Returns a0 afterwards.
  std::int64_t sys(std::uint64_t nr, std::uint64_t a0 = 0, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                   std::uint64_t a3 = 0, std::uint64_t a4 = 0, std::uint64_t a5 = 0) {
    return sys_on(*t, nr, a0, a1, a2, a3, a4, a5);
  }
  std::int64_t sys_on(Task& task, std::uint64_t nr, std::uint64_t a0 = 0, std::uint64_t a1 = 0, std::uint64_t a2 = 0,
                      std::uint64_t a3 = 0, std::uint64_t a4 = 0, std::uint64_t a5 = 0) {
    auto& x = task.regs.x;
    x[17] = nr;
    x[10] = a0, x[11] = a1, x[12] = a2, x[13] = a3, x[14] = a4, x[15] = a5;
    outcome = do_syscall(m_.kernel, task);
    return static_cast<std::int64_t>(x[10]);
  }
  static std::int64_t e(Errno err) { return -static_cast<std::int64_t>(errno_value(err)); }

  // Scratch memory.
  VirtAddr put_str(std::uint64_t off, const std::string& s) {
    std::vector<std::uint8_t> b(s.begin(), s.end());
    b.push_back(0);
    EXPECT_TRUE(m_.kernel.copy_to_user(*p, buf + off, b).ok());
    return buf + off;
  }
  template <class T>
  VirtAddr put(std::uint64_t off, const T& v) {
    EXPECT_TRUE(put_user(m_.kernel, *p, buf + off, v).ok());
    return buf + off;
  }
  template <class T>
  T get(VirtAddr addr) {
    auto v = get_user<T>(m_.kernel, *p, addr);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : T{};
  }
  std::string get_bytes(VirtAddr addr, std::size_t n) {
    std::vector<std::uint8_t> b(n);
    EXPECT_TRUE(m_.kernel.copy_from_user(*p, b, addr).ok());
    return std::string(b.begin(), b.end());
  }

  // An address nothing is mapped at.
  static constexpr VirtAddr kBad = 0x1000;

 private:
  detail::MachineState m_;

 protected:
  Task* p = nullptr;  // the process, as its first task
  Task* t = nullptr;  // the task making the calls: the same one
  VirtAddr buf = 0;
  SysOutcome outcome = SysOutcome::done;
  std::vector<std::string> warnings;
};

}  // namespace vmlab::kern::test
