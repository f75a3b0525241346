#include "vmlab/errno.h"

#include <iterator>

#include "vmlab/signal.h"

namespace vmlab {

std::string_view errno_name(Errno e) {
  switch (e) {
    case Errno::perm: return "EPERM";
    case Errno::noent: return "ENOENT";
    case Errno::srch: return "ESRCH";
    case Errno::intr: return "EINTR";
    case Errno::io: return "EIO";
    case Errno::nxio: return "ENXIO";
    case Errno::toobig: return "E2BIG";
    case Errno::noexec: return "ENOEXEC";
    case Errno::badf: return "EBADF";
    case Errno::child: return "ECHILD";
    case Errno::again: return "EAGAIN";
    case Errno::nomem: return "ENOMEM";
    case Errno::acces: return "EACCES";
    case Errno::fault: return "EFAULT";
    case Errno::busy: return "EBUSY";
    case Errno::exist: return "EEXIST";
    case Errno::xdev: return "EXDEV";
    case Errno::nodev: return "ENODEV";
    case Errno::notdir: return "ENOTDIR";
    case Errno::isdir: return "EISDIR";
    case Errno::inval: return "EINVAL";
    case Errno::nfile: return "ENFILE";
    case Errno::mfile: return "EMFILE";
    case Errno::notty: return "ENOTTY";
    case Errno::txtbsy: return "ETXTBSY";
    case Errno::fbig: return "EFBIG";
    case Errno::nospc: return "ENOSPC";
    case Errno::spipe: return "ESPIPE";
    case Errno::rofs: return "EROFS";
    case Errno::mlink: return "EMLINK";
    case Errno::pipe: return "EPIPE";
    case Errno::range: return "ERANGE";
    case Errno::nametoolong: return "ENAMETOOLONG";
    case Errno::nosys: return "ENOSYS";
    case Errno::notempty: return "ENOTEMPTY";
    case Errno::loop: return "ELOOP";
    case Errno::overflow: return "EOVERFLOW";
    case Errno::opnotsupp: return "EOPNOTSUPP";
    case Errno::timedout: return "ETIMEDOUT";
  }
  return "E?";
}

std::string_view signal_name(Signal s) {
  static constexpr std::string_view kNames[] = {
      "none",    "SIGHUP",  "SIGINT",  "SIGQUIT", "SIGILL",  "SIGTRAP", "SIGABRT",   "SIGBUS",
      "SIGFPE",  "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM",   "SIGTERM",
      "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
      "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
  const int n = static_cast<int>(s);
  if (n < 0 || n >= static_cast<int>(std::size(kNames))) return "SIG?";
  return kNames[n];
}

}  // namespace vmlab
