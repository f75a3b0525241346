// /proc/PID/stat (do_task_stat() in fs/proc/array.c) and /proc/PID/statm
// (proc_pid_statm(), with task_statm() from fs/proc/task_mmu.c).
#pragma once

#include <cstdint>
#include <string>

namespace vmlab::proc {

// The 52 fields of /proc/PID/stat in order, named as in proc_pid_stat(5). Times are
// clock ticks (USER_HZ 100), sizes as Linux gives them (vsize in bytes, rss in
// pages). Defaults are what Linux shows for what vmlab does not model.
struct StatInfo {
  std::int64_t pid = 1;          // (1)
  std::string comm;              // (2) printed raw inside parentheses
  char state = 'R';              // (3)
  std::int64_t ppid = 0;         // (4)
  std::int64_t pgrp = 0;         // (5)
  std::int64_t session = 0;      // (6)
  std::int64_t tty_nr = 0;       // (7)
  std::int64_t tpgid = -1;       // (8) no controlling terminal
  std::uint64_t flags = 0x400000;  // (9) PF_* ; PF_RANDOMIZE as on the host
  std::uint64_t minflt = 0;      // (10)
  std::uint64_t cminflt = 0;     // (11)
  std::uint64_t majflt = 0;      // (12)
  std::uint64_t cmajflt = 0;     // (13)
  std::uint64_t utime = 0;       // (14)
  std::uint64_t stime = 0;       // (15)
  std::int64_t cutime = 0;       // (16)
  std::int64_t cstime = 0;       // (17)
  std::int64_t priority = 20;    // (18) nice 0 under CFS/EEVDF
  std::int64_t nice = 0;         // (19)
  std::int64_t num_threads = 1;  // (20)
  std::uint64_t itrealvalue = 0; // (21) always 0 since 2.6.17
  std::uint64_t starttime = 0;   // (22) ticks after boot
  std::uint64_t vsize = 0;       // (23) bytes
  std::uint64_t rss = 0;         // (24) pages
  std::uint64_t rsslim = 18446744073709551615ULL;  // (25) RLIM_INFINITY
  std::uint64_t start_code = 0;  // (26)
  std::uint64_t end_code = 0;    // (27)
  std::uint64_t start_stack = 0; // (28)
  std::uint64_t kstkesp = 0;     // (29) 0 unless the task is dumping core
  std::uint64_t kstkeip = 0;     // (30)
  std::uint64_t signal = 0;      // (31) these four are masked with 0x7fffffff
  std::uint64_t blocked = 0;     // (32)
  std::uint64_t sigignore = 0;   // (33)
  std::uint64_t sigcatch = 0;    // (34)
  std::uint64_t wchan = 0;       // (35) 1 if sleeping in the kernel, else 0
  std::uint64_t nswap = 0;       // (36)
  std::uint64_t cnswap = 0;      // (37)
  std::int64_t exit_signal = 17; // (38) SIGCHLD
  std::int64_t processor = 0;    // (39)
  std::uint64_t rt_priority = 0; // (40)
  std::uint64_t policy = 0;      // (41) SCHED_NORMAL
  std::uint64_t delayacct_blkio_ticks = 0;  // (42)
  std::uint64_t guest_time = 0;  // (43)
  std::int64_t cguest_time = 0;  // (44)
  std::uint64_t start_data = 0;  // (45)
  std::uint64_t end_data = 0;    // (46)
  std::uint64_t start_brk = 0;   // (47)
  std::uint64_t arg_start = 0;   // (48)
  std::uint64_t arg_end = 0;     // (49)
  std::uint64_t env_start = 0;   // (50)
  std::uint64_t env_end = 0;     // (51)
  std::int64_t exit_code = 0;    // (52)
};

// The stat line, ending in '\n' (do_task_stat()).
std::string format_stat(const StatInfo& s);

// task_statm() values, in pages. lib and dt are always 0 since Linux 2.6.
struct StatmInfo {
  std::uint64_t size = 0;      // total_vm
  std::uint64_t resident = 0;  // file + shmem + anon RSS
  std::uint64_t shared = 0;    // file + shmem RSS
  std::uint64_t text = 0;      // pages spanned by start_code..end_code
  std::uint64_t lib = 0;
  std::uint64_t data = 0;      // data_vm + stack_vm
  std::uint64_t dt = 0;
};

// "size resident shared text lib data dt\n" (proc_pid_statm()).
std::string format_statm(const StatmInfo& s);

}  // namespace vmlab::proc
