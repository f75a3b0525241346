// What the scheduler asks the kernel about a sleeping task: whether the thing it
// waits for has happened (the wake-up a Linux waker would have done), and which
// children a wait4() may reap.
#pragma once

#include <cstdint>

#include "kernel/task.h"

namespace vmlab::kern {

class Kernel;

// wait4() option bits.
inline constexpr int kWnohang = 1;
inline constexpr int kWuntraced = 2;
inline constexpr int kWcontinued = 8;
inline constexpr int kWnothread = 0x20000000;
inline constexpr int kWall = 0x40000000;
inline constexpr int kWclone = static_cast<int>(0x80000000U);

// eligible_child(): whether child process `child` of the caller matches wait4's pid
// argument (> 0 that pid, -1 any, 0 the caller's process group, < -1 that group) and
// the __WCLONE / __WALL rule on its exit signal.
bool child_eligible(Kernel& k, const Task& caller, int child, int pid_arg, int options);

// Whether the wait of a blocked task is over: the call it sleeps in can complete.
bool wait_is_over(Kernel& k, const Task& t);

}  // namespace vmlab::kern
