// The host side of one pressure case: the swap area and the memory cgroup the case's
// processes run in, the statistics flusher beside them, and a host made as quiet as a
// shared machine allows. Made before the case, removed after it on every path: the
// destructor; remove_now() from a signal handler; the cleanup guard for a runner that
// was killed outright (cleanup_guard.h); the next run, should the guard be killed too.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fidelity/backend.h"
#include "fidelity/native/cleanup_guard.h"
#include "fidelity/native/host_cgroup.h"
#include "fidelity/native/stats_flusher.h"
#include "fidelity/native/swap_file.h"
#include "fidelity/pressure.h"

namespace vmlab::fidelity {

class PressureHost {
 public:
  // Removes what killed runners left; puts this process (and so every process it
  // starts) on CPU 0, where vmlab's one CPU is; drops the page cache, which drains every
  // CPU's LRU batches; makes the swap area, the group and the flusher. `case_dir` is the
  // case's directory (the flusher's file goes there). Throws std::runtime_error.
  PressureHost(const PressureConfig& pressure, const std::string& case_dir);

  void join(pid_t pid) const { cgroup_->add(pid); }
  const std::string& group_procs() const { return cgroup_->procs_file(); }
  const std::string& parent_procs() const { return cgroup_->parent_procs_file(); }

  // The group's fields, exact as of now, and /proc/vmstat's pswpin and pswpout.
  PressureSample sample();
  // Waits until none of the group's pages is under writeback (at most 20 s), then
  // drains every CPU's LRU batches: the disk's completions run on another CPU, and the
  // pages they rotate wait in that CPU's batch, held, until something drains it.
  void settle();
  std::uint64_t oom_kills() const { return cgroup_->oom_kills(); }

  // Takes down the group and the swap area with system calls only (a signal handler's).
  static void remove_now();

 private:
  // Declared in the order of making; destroyed in reverse: the flusher, then the group
  // (emptied of any process left), then the swap area, then the guard, which finds
  // nothing left.
  std::unique_ptr<CleanupGuard> guard_;
  std::unique_ptr<SwapFile> swap_;
  std::unique_ptr<HostCgroup> cgroup_;
  std::unique_ptr<StatsFlusher> flusher_;
};

// What the pressure suite needs of this host, for the harness:
//   {"ok": true, "cgroup": "v1", "group_parent": DIR, "pids_parent": DIR, "swap_dir": "/var/tmp",
//    "rotational": true, "swappiness": 60, "page_cluster": 3, "foreign_swap": [...]}
// or {"ok": false, "why": "..."} (not root, no memory controller, swapon refused, MGLRU).
// It makes and removes a small swap file and group to find out.
nlohmann::json probe_pressure_host();

}  // namespace vmlab::fidelity
