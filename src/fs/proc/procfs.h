// procfs: the /proc files, rendered from live state in Linux's formats (the text
// renderers beside this file) at the moment they are opened.
#pragma once

#include <cstdint>
#include <string>

#include "fs/proc/maps_format.h"
#include "fs/proc/meminfo_format.h"
#include "fs/proc/smaps_format.h"
#include "fs/proc/status_format.h"

namespace vmlab::mm {
class AddressSpace;
class MemorySystem;
struct Vma;
}  // namespace vmlab::mm

namespace vmlab::kern {
struct Task;
}

namespace vmlab::proc {

// What /proc shows of a task beyond its own record, gathered from the kernel's tables:
// its queued signals as SigQ counts them (the user's, against RLIMIT_SIGPENDING), and
// for /proc/PID (the whole process, do_task_stat()'s `whole`) the times and faults of
// every thread, dead ones included. /proc/PID/task/TID shows the thread's own.
struct TaskView {
  const kern::Task& task;  // the thread shown: the leader for /proc/PID
  bool whole = true;
  unsigned threads = 1;    // the process's threads (num_threads, Threads:)
  std::uint64_t sigq_queued = 0, sigq_limit = 0;
  std::uint64_t utime_ns = 0, stime_ns = 0;  // the thread's, or the process's when whole
  std::uint64_t min_flt = 0, maj_flt = 0;
};

// The maps line fields of one VMA (show_map_vma(), get_vma_name()).
MapsEntry maps_entry(const mm::AddressSpace& mm, const mm::Vma& vma);
// smaps_pte_range() and smaps_account() over one VMA.
SmapsCounts smaps_counts(mm::MemorySystem& sys, mm::AddressSpace& mm, const mm::Vma& vma);
// meminfo_proc_show() from the machine's counters.
Meminfo meminfo(const mm::MemorySystem& sys);
// task_mem() and proc_pid_status()'s other lines.
StatusInfo status_info(const TaskView& v, const mm::MemorySystem& sys);

std::string maps_text(const mm::AddressSpace& mm);
std::string smaps_text(mm::MemorySystem& sys, mm::AddressSpace& mm);
std::string smaps_rollup_text(mm::MemorySystem& sys, mm::AddressSpace& mm);
std::string status_text(const TaskView& v, const mm::MemorySystem& sys);
std::string stat_text(const TaskView& v, const mm::MemorySystem& sys);
std::string statm_text(const kern::Task& t);
std::string meminfo_text(const mm::MemorySystem& sys);
std::string vmstat_text(const mm::MemorySystem& sys);

}  // namespace vmlab::proc
