// struct kernel_clone_args: what clone() and clone3() ask for (kernel/fork.c), and
// the CLONE_* flags (include/uapi/linux/sched.h).
#pragma once

#include <cstdint>

namespace vmlab::kern {

inline constexpr std::uint64_t kCsignal = 0xff;  // the exit signal in clone()'s flags
inline constexpr std::uint64_t kCloneVm = 0x100, kCloneFs = 0x200, kCloneFiles = 0x400, kCloneSighand = 0x800;
inline constexpr std::uint64_t kClonePidfd = 0x1000, kClonePtrace = 0x2000, kCloneVfork = 0x4000;
inline constexpr std::uint64_t kCloneParent = 0x8000, kCloneThread = 0x10000, kCloneNewns = 0x20000;
inline constexpr std::uint64_t kCloneSysvsem = 0x40000, kCloneSettls = 0x80000, kCloneParentSettid = 0x100000;
inline constexpr std::uint64_t kCloneChildCleartid = 0x200000, kCloneDetached = 0x400000;
inline constexpr std::uint64_t kCloneUntraced = 0x800000, kCloneChildSettid = 0x01000000;
inline constexpr std::uint64_t kCloneNewcgroup = 0x02000000, kCloneNewuts = 0x04000000, kCloneNewipc = 0x08000000;
inline constexpr std::uint64_t kCloneNewuser = 0x10000000, kCloneNewpid = 0x20000000, kCloneNewnet = 0x40000000;
inline constexpr std::uint64_t kCloneIo = 0x80000000;
inline constexpr std::uint64_t kCloneClearSighand = 0x100000000ULL, kCloneIntoCgroup = 0x200000000ULL;
inline constexpr std::uint64_t kCloneNewtime = 0x00000080;  // clone3 only (it overlaps CSIGNAL)

struct CloneArgs {
  std::uint64_t flags = 0;        // CLONE_* (without the exit signal)
  int exit_signal = 0;            // sent to the parent when a child process ends
  std::uint64_t stack = 0;        // the child's stack pointer (0: the parent's)
  std::uint64_t stack_size = 0;   // clone3: the stack is [stack, stack + stack_size)
  std::uint64_t tls = 0;          // CLONE_SETTLS: the child's thread pointer (tp)
  std::uint64_t parent_tid = 0;   // CLONE_PARENT_SETTID: where the parent gets the tid
  std::uint64_t child_tid = 0;    // CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID
  std::uint64_t pidfd = 0;        // CLONE_PIDFD
  // clone3's set_tid array, one tid per pid namespace level from the innermost: how
  // many were given (0: the next free tid) and the first of them.
  std::uint64_t set_tid_size = 0;
  int set_tid = 0;
};

}  // namespace vmlab::kern
