// The riscv64 system-call ABI (arch/riscv/kernel/traps.c do_trap_ecall_u() and the
// asm-generic syscall table riscv64 uses): the number in a7, arguments in a0..a5,
// the result in a0, failures as -errno. pc is advanced past the ecall before the call
// runs, so a handler that rewrites the registers (rt_sigreturn, execve) leaves them as
// they must be. An unknown number is -ENOSYS with one warning line per number.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "kernel/task.h"
#include "vmlab/result.h"

namespace vmlab::kern {

class Kernel;

using SysArgs = std::array<std::uint64_t, 6>;

struct SysCtx {
  Kernel& k;
  Task& t;  // current: the task making the call
  std::uint64_t nr;
  // The wait this execution of the call continues after being woken, or null.
  const WaitState* resume = nullptr;
};

// What a handler returns besides a value or -errno: the task sleeps (it set t.wait;
// the call runs again when the wait ends), or no result is to be stored (the task
// exited).
inline constexpr std::int64_t kSysBlocked = INT64_MIN + 1;
inline constexpr std::int64_t kSysNoReturn = INT64_MIN + 2;

using SysFn = std::int64_t (*)(SysCtx&, const SysArgs&);

// The asm-generic (and riscv64) numbers of the calls named in the code.
namespace nr {
inline constexpr std::uint64_t kRtSigreturn = 139;
inline constexpr std::uint64_t kExecve = 221;
inline constexpr std::uint64_t kClone = 220;
inline constexpr std::uint64_t kExitGroup = 94;
}  // namespace nr

// The name of a system call number ("openat"), or "" when it has none.
std::string_view syscall_name(std::uint64_t number);
// The handler vmlab has for a number, or null.
SysFn syscall_handler(std::uint64_t number);

enum class SysOutcome : std::uint8_t {
  done,     // the result is in a0; signals are delivered before the task goes on
  blocked,  // the task waits (t.wait); pc is at the ecall again unless it was vfork
  exited,   // the task is gone
};

// Serves the ecall at t.regs.pc.
SysOutcome do_syscall(Kernel& k, Task& t);

// Helpers for handlers.
inline std::int64_t err(Errno e) { return -static_cast<std::int64_t>(errno_value(e)); }
template <class T>
std::int64_t ret(const Result<T>& r) {
  if (!r) return err(r.error());
  if constexpr (std::is_void_v<T>) {
    return 0;
  } else {
    return static_cast<std::int64_t>(*r);
  }
}
// Makes the task sleep on `w` (kind and data filled in by the caller).
std::int64_t block(SysCtx& c, WaitState w);

}  // namespace vmlab::kern
