// The OOM killer (mm/oom_kill.c): when reclaim can free nothing more, the process whose
// death frees the most memory is killed. Its score (oom_badness()) is its resident
// pages, swap entries and page tables, plus oom_score_adj thousandths of all memory;
// -1000 exempts a process. The choice is logged as Linux logs it (the invoking task,
// the task table, the victim's line).
//
// vmlab's victim dies at once when it is another process (it exits before the
// allocation retries, as a victim that exits quickly does on Linux: no oom_reaper
// line); when the allocating process is chosen, it gets SIGKILL and dies on its way
// back to user mode, having finished the fault with the reserves.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "kernel/ratelimit.h"
#include "mm/kernel_hooks.h"

namespace vmlab::kern {

class Kernel;
struct Task;

inline constexpr int kOomScoreAdjMin = -1000;  // OOM_SCORE_ADJ_MIN: never chosen
inline constexpr int kOomScoreAdjMax = 1000;
// LONG_MIN from oom_badness(): the task cannot be chosen.
inline constexpr std::int64_t kOomUnkillable = std::numeric_limits<std::int64_t>::min();

// What the OOM killer keeps between calls: its report's rate limit (oom_rs, the
// default 10 reports in 5 s).
struct OomState {
  Ratelimit reports{kDefaultRatelimitInterval, kDefaultRatelimitBurst};
};

// oom_badness() of `t`'s process against `totalpages` (RAM and swap, or the memory
// cgroup's limit).
std::int64_t oom_badness(const Task& t, std::uint64_t totalpages);
// /proc/PID/oom_score: badness scaled to 0..2000 against RAM and swap.
unsigned oom_score(Kernel& k, const Task& t);

// out_of_memory() for an allocation of `gfp` by the current task, global or within
// `memcg`.
mm::OomOutcome out_of_memory(Kernel& k, mm::Gfp gfp, mm::MemCgroup* memcg);

}  // namespace vmlab::kern
