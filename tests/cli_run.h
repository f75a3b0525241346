// Runs the vmlab command as a user would, for the tests that check its output: the
// exit status, stdout, and stderr (captured in a file of the current test's own, since
// ctest runs tests in parallel).
#pragma once

#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace vmlab::testing_support {

struct CliRun {
  int status = -1;  // exit status; -1 when it did not exit normally
  std::string out;
  std::string err;
};

// A path in the test temporary directory, named after the current test.
inline std::string test_temp(const std::string& name) {
  return testing::TempDir() + "vmlab_" + testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + name;
}

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `cli ARGS` through the shell; `args` may carry redirections of its own.
inline CliRun run_cli(const std::string& cli, const std::string& args) {
  const std::string err_path = test_temp("stderr");
  const std::string cmd = cli + " " + args + " 2>" + err_path;
  CliRun r;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = slurp(err_path);
  return r;
}

}  // namespace vmlab::testing_support
