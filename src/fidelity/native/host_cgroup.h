// The host's cgroups for one pressure case, made under the cgroups the runner is in (so
// whatever limits the host puts on the runner still hold): a memory cgroup, with cgroup
// v1's memory controller (the reference host's) or v2's where the runner's cgroup lets
// its children have it, and a pids cgroup that bounds how many processes the case can
// have (pids.max, kMaxProcs: the driver never asks for more, so a fork past it is a bug
// and fails with EAGAIN instead of filling the host). On v2 both are one directory; on
// v1 each is in its controller's hierarchy. Each is named for the runner's pid
// (vmlab-pressure-PID): one left by a runner that was killed is removed by the next run.
//
// v1: memory.limit_in_bytes; memory.memsw.limit_in_bytes (memory plus swap: the limit
// plus swap_max, or just the limit when the case has no swap); memory.swappiness.
// v2: memory.max; memory.swap.max; no per-group swappiness, so a case that sets one
// runs only where it equals vm.swappiness.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "fidelity/memcg_stat.h"
#include "fidelity/pressure.h"

namespace vmlab::fidelity {

enum class CgroupVersion { v1, v2 };

// Where this process's memory and pids cgroups are.
struct CgroupPlace {
  CgroupVersion version = CgroupVersion::v1;
  std::string parent;       // the directory of this process's own memory cgroup
  std::string pids_parent;  // and of its pids cgroup (the same directory on v2)
};

// nullopt, with `why`, when the host has no memory or no pids controller this process
// can use.
std::optional<CgroupPlace> find_memory_cgroup(std::string& why);

class HostCgroup {
 public:
  // Makes the group and sets its limits. Throws std::runtime_error naming the file.
  HostCgroup(const CgroupPlace& place, const PressureConfig& pressure);
  // Kills what is left in the group and removes it.
  ~HostCgroup();
  HostCgroup(const HostCgroup&) = delete;
  HostCgroup& operator=(const HostCgroup&) = delete;

  // The cgroup.procs files of the memory group and of its parent: writing a pid moves
  // it in (the pids group it keeps).
  const std::string& procs_file() const { return procs_; }
  const std::string& parent_procs_file() const { return parent_procs_; }
  // Moves `pid` into the pids group, then into the memory group.
  void add(pid_t pid) const;

  // The compared fields (memcg_stat.h), as memory.stat shows them now: Linux folds the
  // per-CPU statistics into them only now and then (StatsFlusher makes that happen).
  MemcgFields fields() const;
  // Bytes of the group's pages under writeback, from the same memory.stat.
  std::uint64_t writeback_bytes() const;
  // The group's OOM kills so far (memory.oom_control or memory.events).
  std::uint64_t oom_kills() const;

  // Kills every process in this process's groups, waits for them to go and removes the
  // groups, with system calls only (async-signal-safe).
  static void remove_now();

 private:
  std::string file(const char* name) const { return dir_ + "/" + name; }
  std::string read(const char* name) const;
  void write(const char* name, const std::string& value) const;
  void write_path(const std::string& path, const std::string& value) const;

  CgroupVersion version_;
  std::string dir_, procs_, parent_procs_;
  std::string pids_dir_;  // v1: the pids group; v2: empty (dir_ is both)
};

// Groups of runners that are no longer running, under `place`: emptied and removed.
void remove_stale_cgroups(const CgroupPlace& place);
// The groups of the runner with pid `runner`, under `place`: emptied and removed.
void remove_cgroups_of(const CgroupPlace& place, int runner);

}  // namespace vmlab::fidelity
