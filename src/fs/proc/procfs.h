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
struct Process;
}

namespace vmlab::proc {

// What /proc shows of a process's one thread beyond its address space: its signal
// sets, RLIMIT_SIGPENDING and the queued signals of its user (SigQ), CPU times in
// clock ticks, context switches, its process group and session, and whether it sleeps
// in a system call. The guest runtime's tasks have all of these; a process of the C++
// API runs no thread of its own and shows the defaults with the machine's initial
// SIGPENDING limit.
struct ThreadState {
  std::uint64_t sig_pnd = 0, shd_pnd = 0, sig_blk = 0, sig_ign = 0, sig_cgt = 0;
  std::uint64_t sigq_queued = 0, sigq_limit = 0;
  std::uint64_t utime = 0, stime = 0;
  std::int64_t cutime = 0, cstime = 0;
  std::uint64_t nvcsw = 0, nivcsw = 0;
  int exit_signal = 17;  // SIGCHLD
  int pgid = 0, sid = 0;  // process group and session
  bool sleeping = false;
};

// The maps line fields of one VMA (show_map_vma(), get_vma_name()).
MapsEntry maps_entry(const mm::AddressSpace& mm, const mm::Vma& vma);
// smaps_pte_range() and smaps_account() over one VMA.
SmapsCounts smaps_counts(mm::MemorySystem& sys, mm::AddressSpace& mm, const mm::Vma& vma);
// meminfo_proc_show() from the machine's counters.
Meminfo meminfo(const mm::MemorySystem& sys);
// task_mem() and proc_pid_status()'s other lines.
StatusInfo status_info(const kern::Process& p, const ThreadState& t, const mm::MemorySystem& sys);

std::string maps_text(const mm::AddressSpace& mm);
std::string smaps_text(mm::MemorySystem& sys, mm::AddressSpace& mm);
std::string smaps_rollup_text(mm::MemorySystem& sys, mm::AddressSpace& mm);
std::string status_text(const kern::Process& p, const ThreadState& t, const mm::MemorySystem& sys);
std::string stat_text(const kern::Process& p, const ThreadState& t, const mm::MemorySystem& sys);
std::string statm_text(const kern::Process& p);
std::string meminfo_text(const mm::MemorySystem& sys);
std::string vmstat_text(const mm::MemorySystem& sys);

}  // namespace vmlab::proc
