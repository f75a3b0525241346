// A simulated process (task_struct, single-threaded): its address space, open files,
// parent and children, fault counters and exit state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mm/address_space.h"
#include "vmlab/events.h"

namespace vmlab::fs {
class OpenFile;
}

namespace vmlab::kern {

enum class TaskState : std::uint8_t { running, vfork_waiting, zombie };

// nsec_to_clock_t(): the clock ticks (USER_HZ 100) times(), /proc/PID/stat and
// SIGCHLD's siginfo count in.
constexpr std::int64_t nsec_to_clock_t(std::uint64_t ns) { return static_cast<std::int64_t>(ns / 10000000ULL); }

struct Process {
  int pid = 0;
  int ppid = 0;
  std::string comm;                           // the name /proc shows (15 chars at most)
  std::shared_ptr<mm::AddressSpace> mm;       // shared with a vfork child until it execs
  const void* mm_id = nullptr;                // mm.get(), where the C++ API's fast path reads it
  std::vector<std::shared_ptr<fs::OpenFile>> fds;
  std::vector<int> children;
  TaskState state = TaskState::running;
  int exit_code = 0;                          // the wait status once a zombie
  int vfork_child = 0;                        // the child this parent waits for
  bool vforked = false;                       // this child shares its parent's mm
  std::string cwd = "/";                      // canonical: no symlinks, "." or ".."
  std::string exe;                            // the executable's path (/proc/PID/exe)
  std::uint32_t umask = 022;                  // applied to the modes of files it creates
  std::uint32_t uid = 1000, gid = 1000;
  std::uint64_t start_time_ns = 0;
  unsigned cpu = 0;                           // task_cpu(): the CPU it runs on (stat's processor)

  // Counted as mm_account_fault() does: resolved faults only.
  std::uint64_t min_flt = 0, maj_flt = 0;
  std::uint64_t cmin_flt = 0, cmaj_flt = 0;   // of reaped children
  // Faults by how they were resolved, for reports.
  std::array<std::uint64_t, static_cast<unsigned>(obs::FaultKind::count)> faults_by_kind{};

  void set_mm(std::shared_ptr<mm::AddressSpace> m) {
    mm = std::move(m);
    mm_id = mm.get();
  }
  bool alive() const { return state != TaskState::zombie; }
  bool privileged() const { return uid == 0; }
};

}  // namespace vmlab::kern
