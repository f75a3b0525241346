// The host's swap area for one pressure case: a file in a fresh directory under
// /var/tmp, allocated without holes (swapon refuses a file with holes), readable by
// root only, formatted by mkswap and swapped on at the highest priority, so that the
// case's pages go to it even where the host has swap of its own. The destructor swaps it
// off and removes it; a signal handler does the same through remove_now().
//
// The directory is named for the runner's pid (vmlab-pressure-swap.PID.XXXXXX): an area
// left by a runner that was killed is found in /proc/swaps by the next run and removed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vmlab::fidelity {

inline constexpr const char* kSwapDirPrefix = "/var/tmp/vmlab-pressure-swap.";

class SwapFile {
 public:
  // Throws std::runtime_error naming the step that failed (whatever it made is removed).
  explicit SwapFile(std::uint64_t bytes);
  ~SwapFile();
  SwapFile(const SwapFile&) = delete;
  SwapFile& operator=(const SwapFile&) = delete;

  const std::string& path() const { return path_; }

  // Swaps off and removes the area of this process, if any, with system calls only
  // (async-signal-safe).
  static void remove_now();

 private:
  std::string dir_, path_;
};

// Swap areas (and their directories) of runners that are no longer running: swapped off
// and removed. Throws std::runtime_error if one belongs to a runner still running (its
// swap traffic would mix with this run's).
void remove_stale_swap_files();

// The areas and directories of the runner with pid `runner`: swapped off and removed
// (what CleanupGuard does once that runner is gone).
void remove_swap_files_of(int runner);

// The active swap areas that are not this project's, as /proc/swaps names them.
std::vector<std::string> foreign_swap_areas();

// Whether `pid` is a vmlab-native-runner still running.
bool runner_is_running(int pid);

}  // namespace vmlab::fidelity
