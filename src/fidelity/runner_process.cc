#include "fidelity/runner_process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iostream>
#include <sstream>

namespace vmlab::fidelity {

namespace {

// Long enough for a runner to swap off an area the case filled.
constexpr int kGraceMs = 10000;

std::uint64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000 + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000;
}

// Ends the runner's process group and reaps the runner: its wait status.
int end_group(pid_t pid) {
  ::kill(-pid, SIGTERM);
  int status = 0;
  for (int waited = 0; waited < kGraceMs; waited += 10) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) {
      ::kill(-pid, SIGKILL);  // anything of it still running
      return status;
    }
    ::usleep(10000);
  }
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

RunnerExit run_runner(const std::string& runner, const std::vector<std::string>& args, const std::string& err_file,
                      int timeout_ms, const volatile sig_atomic_t& stop) {
  RunnerExit r;
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    r.failure = "pipe failed";
    return r;
  }
  std::vector<char*> argv{const_cast<char*>(runner.c_str())};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    r.failure = "fork failed";
    return r;
  }
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: whatever it leaves running is ended with it
    ::dup2(out_pipe[1], 1);
    const int e = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (e >= 0) ::dup2(e, 2);
    ::execv(runner.c_str(), argv.data());
    _exit(127);
  }
  ::setpgid(pid, pid);
  ::close(out_pipe[1]);
  const std::uint64_t deadline = now_ms() + static_cast<std::uint64_t>(timeout_ms);
  char buf[65536];
  for (;;) {
    const std::uint64_t t = now_ms();
    if (t >= deadline || stop) {
      r.timed_out = true;
      break;
    }
    pollfd pfd{out_pipe[0], POLLIN, 0};
    const int pr = ::poll(&pfd, 1, static_cast<int>(std::min<std::uint64_t>(deadline - t, 1000)));
    if (pr <= 0) continue;
    const ssize_t n = ::read(out_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    r.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out_pipe[0]);
  r.status = end_group(pid);
  std::ifstream f(err_file);
  std::stringstream ss;
  ss << f.rdbuf();
  r.errors = ss.str();
  return r;
}

}  // namespace vmlab::fidelity
