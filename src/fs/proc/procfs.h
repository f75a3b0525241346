// procfs: the /proc files, rendered from live state in Linux's formats (the text
// renderers beside this file) at the moment they are opened.
#pragma once

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

// The maps line fields of one VMA (show_map_vma(), get_vma_name()).
MapsEntry maps_entry(const mm::AddressSpace& mm, const mm::Vma& vma);
// smaps_pte_range() and smaps_account() over one VMA.
SmapsCounts smaps_counts(mm::MemorySystem& sys, mm::AddressSpace& mm, const mm::Vma& vma);
// meminfo_proc_show() from the machine's counters.
Meminfo meminfo(const mm::MemorySystem& sys);
// task_mem() and proc_pid_status()'s other lines.
StatusInfo status_info(const kern::Process& p, const mm::MemorySystem& sys);

std::string maps_text(const mm::AddressSpace& mm);
std::string smaps_text(mm::MemorySystem& sys, mm::AddressSpace& mm);
std::string smaps_rollup_text(mm::MemorySystem& sys, mm::AddressSpace& mm);
std::string status_text(const kern::Process& p, const mm::MemorySystem& sys);
std::string stat_text(const kern::Process& p, const mm::MemorySystem& sys);
std::string statm_text(const kern::Process& p);
std::string meminfo_text(const mm::MemorySystem& sys);
std::string vmstat_text(const mm::MemorySystem& sys);

}  // namespace vmlab::proc
