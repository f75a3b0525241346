#include "fidelity/native/cleanup_guard.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "fidelity/native/swap_file.h"

namespace vmlab::fidelity {

namespace {

[[noreturn]] void guard_main(const CgroupPlace& place, pid_t runner, int alive_fd) {
  ::setpgid(0, 0);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGALRM}) ::signal(sig, SIG_IGN);
  ::alarm(0);
  // Nothing of the runner's stays open here: above all not its standard output, which
  // the harness reads until every holder has closed it.
  const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
  for (int fd = 3; fd < 1024; ++fd) {
    if (fd != alive_fd) ::close(fd);
  }
  char b;
  ssize_t r;
  do r = ::read(alive_fd, &b, 1);
  while (r > 0 || (r < 0 && errno == EINTR));
  // End of file: the runner and every worker have exited (or closed it on purpose).
  try {
    remove_cgroups_of(place, runner);
    remove_swap_files_of(runner);
  } catch (...) {
    _exit(1);
  }
  _exit(0);
}

}  // namespace

CleanupGuard::CleanupGuard(const CgroupPlace& place) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  const pid_t runner = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::close(fds[1]);
    guard_main(place, runner, fds[0]);
  }
  const int err = errno;
  ::close(fds[0]);
  if (pid_ < 0) {
    ::close(fds[1]);
    throw std::runtime_error(std::string("cannot start the cleanup guard: ") + std::strerror(err));
  }
  alive_fd_ = fds[1];
}

CleanupGuard::~CleanupGuard() {
  ::close(alive_fd_);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace vmlab::fidelity
