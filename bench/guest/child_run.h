// Whole-run benchmarks: a child process run to completion with its output captured,
// timed by the wall clock and by the CPU time wait4() reports for it.
#pragma once

#include <string>
#include <vector>

namespace bench {

struct Run {
  double wall = 0, user = 0, sys = 0;  // seconds
  long host_minflt = 0;                // the child's minor faults on the host
  std::string out;                     // its stdout
};

// Prints "NAME: what" on stderr and exits with 1.
[[noreturn]] void die(const std::string& what);

// Runs args with `input` on its stdin and stdout captured, stderr discarded; dies
// unless it exits with 0. The input must fit a pipe's buffer.
Run run(const std::vector<std::string>& args, const std::string& input = "");

double median(std::vector<double> v);

}  // namespace bench
