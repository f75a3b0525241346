#include "fidelity/native/stats_flusher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace vmlab::fidelity {

namespace {

constexpr int kFaults = 256;
constexpr std::uintptr_t kPage = 4096;
constexpr std::uintptr_t kTableReach = 512 * kPage;  // what one page table maps: 2 MiB
constexpr int kReplyTimeoutMs = 20000;
// Where the flusher finds its ends of the two pipes.
constexpr int kFlusherCmdFd = 3;
constexpr int kFlusherDoneFd = 4;

bool write_byte(int fd) {
  const char b = 'f';
  ssize_t w;
  do w = ::write(fd, &b, 1);
  while (w < 0 && errno == EINTR);
  return w == 1;
}

bool read_byte(int fd) {
  char b;
  ssize_t r;
  do r = ::read(fd, &b, 1);
  while (r < 0 && errno == EINTR);
  return r == 1;
}

bool write_text(const char* path, const char* text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text, std::strlen(text)) == static_cast<ssize_t>(std::strlen(text));
  ::close(fd);
  return ok;
}

// The flusher's pages: kFaults one-page VMAs and a last one that keeps their page table,
// all inside one 2 MiB-aligned range. Each maps an even page of the file, so that no two
// neighbours continue each other and merge.
char* map_pages(int fd) {
  void* reserved = ::mmap(nullptr, 2 * kTableReach, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (reserved == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<std::uintptr_t>(reserved);
  const std::uintptr_t base = (start + kTableReach - 1) & ~(kTableReach - 1);
  for (int i = 0; i <= kFaults; ++i) {
    void* at = reinterpret_cast<void*>(base + static_cast<std::uintptr_t>(i) * kPage);
    if (::mmap(at, kPage, PROT_READ, MAP_SHARED | MAP_FIXED, fd, static_cast<off_t>(2 * i * kPage)) == MAP_FAILED) {
      return nullptr;
    }
  }
  const std::uintptr_t used_end = base + (kFaults + 1) * kPage;
  if (base > start) ::munmap(reserved, base - start);
  ::munmap(reinterpret_cast<void*>(used_end), start + 2 * kTableReach - used_end);
  return reinterpret_cast<char*>(base);
}

void fault_all(char* base) {
  ::madvise(base, kFaults * kPage, MADV_DONTNEED);
  for (int i = 0; i < kFaults; ++i) (void)*reinterpret_cast<volatile char*>(base + i * kPage);
}

bool wait_readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  int r;
  do r = ::poll(&p, 1, kReplyTimeoutMs);
  while (r < 0 && errno == EINTR);
  return r == 1;
}

}  // namespace

// The flusher process: system calls on its stack only, so that nothing it does after
// joining the group allocates.
int stats_flusher_main(const char* file, const char* group_procs) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) _exit(69);  // the runner died before the death signal was set
  // Never the OOM killer's victim where the runner may say so (CAP_SYS_RESOURCE);
  // elsewhere its small footprint (a fresh program) keeps it below every worker.
  write_text("/proc/self/oom_score_adj", "-1000");
  const int cmd = kFlusherCmdFd, done = kFlusherDoneFd;
  const int fd = ::open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) _exit(71);
  char* const base = map_pages(fd);
  if (base == nullptr) _exit(72);
  ::close(fd);
  fault_all(base);  // the page table, and this stack, before joining
  errno = 0;        // and errno's page
  if (!write_text(group_procs, "0")) _exit(73);
  if (!write_byte(done)) _exit(74);
  while (read_byte(cmd)) {
    fault_all(base);
    if (!write_byte(done)) _exit(75);
  }
  _exit(0);
}

StatsFlusher::StatsFlusher(const std::string& dir, const std::string& group_procs) {
  const std::string file = dir + "/.flush";
  {
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot create " + file + ": " + std::strerror(errno));
    char page[kPage];
    std::memset(page, 'f', sizeof page);
    bool ok = true;
    for (int i = 0; i <= 2 * kFaults && ok; ++i) ok = ::pwrite(fd, page, kPage, static_cast<off_t>(i * kPage)) == kPage;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + file);
  }
  int to_flusher[2], from_flusher[2];
  if (::pipe2(to_flusher, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (::pipe2(from_flusher, O_CLOEXEC) != 0) {
    ::close(to_flusher[0]);
    ::close(to_flusher[1]);
    throw std::runtime_error("pipe failed");
  }
  // A fresh program, not a copy of this one: the OOM killer weighs a process by its
  // resident pages, and a copy of the runner would have all of the runner's.
  std::string self = "/proc/self/exe", mode = kStatsFlusherArg, file_arg = file, procs_arg = group_procs;
  char* const argv[] = {self.data(), mode.data(), file_arg.data(), procs_arg.data(), nullptr};
  pid_ = ::fork();
  if (pid_ == 0) {
    // Out of the way of descriptors 3 and 4 first, then onto them (dup2 clears O_CLOEXEC).
    const int cmd = ::fcntl(to_flusher[0], F_DUPFD_CLOEXEC, 10);
    const int done = ::fcntl(from_flusher[1], F_DUPFD_CLOEXEC, 10);
    if (cmd < 0 || done < 0 || ::dup2(cmd, kFlusherCmdFd) < 0 || ::dup2(done, kFlusherDoneFd) < 0) _exit(68);
    ::execv(self.c_str(), argv);
    _exit(67);
  }
  ::close(to_flusher[0]);
  ::close(from_flusher[1]);
  cmd_ = to_flusher[1];
  done_ = from_flusher[0];
  if (pid_ < 0 || !wait_readable(done_) || !read_byte(done_)) {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
    stop();
    // Its exit code says which step failed (flusher_main()).
    throw std::runtime_error("the memory statistics flusher did not start (wait status " + std::to_string(status) + ")");
  }
}

StatsFlusher::~StatsFlusher() { stop(); }

void StatsFlusher::stop() {
  if (cmd_ >= 0) ::close(cmd_);
  if (done_ >= 0) ::close(done_);
  cmd_ = done_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  pid_ = -1;
}

void StatsFlusher::flush() {
  if (!write_byte(cmd_) || !wait_readable(done_) || !read_byte(done_)) {
    int status = 0;
    const bool gone = ::waitpid(pid_, &status, WNOHANG) == pid_;
    if (gone) pid_ = -1;
    throw std::runtime_error("the memory statistics flusher stopped answering" +
                             (gone ? " (wait status " + std::to_string(status) + ")" : std::string()));
  }
}

}  // namespace vmlab::fidelity
