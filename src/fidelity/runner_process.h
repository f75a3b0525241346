// The native runner as a child process: in a process group of its own (whatever it
// leaves running ends with it), its standard output captured and its standard error
// kept in a file, within a deadline. It is ended with SIGTERM first, which lets it take
// down a pressure case's swap area and memory cgroup, and with SIGKILL after a grace
// period.
#pragma once

#include <signal.h>

#include <string>
#include <vector>

namespace vmlab::fidelity {

struct RunnerExit {
  std::string failure;     // non-empty: it could not be started (pipe or fork failed)
  std::string output;      // its standard output
  std::string errors;      // its standard error
  int status = 0;          // as waitpid() gives it
  bool timed_out = false;  // the deadline passed, or `stop` was set, before it finished
};

RunnerExit run_runner(const std::string& runner, const std::vector<std::string>& args, const std::string& err_file,
                      int timeout_ms, const volatile sig_atomic_t& stop);

}  // namespace vmlab::fidelity
