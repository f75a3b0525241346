// A process beside the runner that takes down what a pressure case made on the host
// (the swap area, the cgroups) if the runner dies without doing it: killed outright
// (SIGKILL, as the harness does after its grace period), its destructors and signal
// handlers never run.
//
// The guard waits for the end of a pipe whose write end only the runner and its workers
// hold; when the last of them is gone it removes whatever is named for the runner's pid
// (remove_cgroups_of(), remove_swap_files_of()) and exits. When the runner cleaned up
// itself there is nothing left to find. The guard is in a process group of its own, so
// that a signal to the runner's group leaves it running, and ignores the signals a
// terminal sends.
#pragma once

#include <sys/types.h>

#include "fidelity/native/host_cgroup.h"

namespace vmlab::fidelity {

class CleanupGuard {
 public:
  // Starts the guard for this process. Throws std::runtime_error if it cannot.
  explicit CleanupGuard(const CgroupPlace& place);
  // Lets the guard look (there should be nothing left) and waits for it.
  ~CleanupGuard();
  CleanupGuard(const CleanupGuard&) = delete;
  CleanupGuard& operator=(const CleanupGuard&) = delete;

 private:
  pid_t pid_ = -1;
  int alive_fd_ = -1;  // the write end: open while this process lives
};

}  // namespace vmlab::fidelity
