// A handle to one simulated process, acting as one of its threads: loads and stores
// through the MMU, and the system calls of the Linux memory and file API with Linux's
// errno values. A guest access that Linux would answer with SIGSEGV or SIGBUS returns
// that signal as a value; the process is not killed, as if it had a handler (call
// kill() to model that it had none). Every process has a real task: signals sent to
// it (signal(), SIGCHLD from its children) are pending as on Linux, and
// create_thread() gives a handle to a new thread sharing its memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "vmlab/detail/mru_translation.h"
#include "vmlab/events.h"
#include "vmlab/mman.h"
#include "vmlab/result.h"
#include "vmlab/signal.h"
#include "vmlab/units.h"

namespace vmlab {

namespace detail {
struct MachineState;
}

struct WaitStatus {
  int pid = 0;     // 0: no child has exited yet (waits never block in this API)
  int status = 0;  // as waitpid() gives it: exit code << 8, or the killing signal
};

class Process {
 public:
  int pid() const { return pid_; }  // the process (its thread group id)
  int tid() const { return tid_; }  // the thread this handle acts as (pid() for the first)
  // Whether this handle's thread still runs (for the first thread: the process).
  bool alive() const;
  // The process's wait status once it has exited.
  int exit_status() const;

  // Typed access. Inline on a TLB hit: a compare and a copy.
  template <class T>
  Access<T> load(VirtAddr va) {
    static_assert(std::is_trivially_copyable_v<T>);
    const detail::MruTranslation& m = *mru_;
    if ((va >> kPageShift) == m.vpn && m.mm == *mm_id_ && (va & (kPageSize - 1)) <= kPageSize - sizeof(T)) {
      ++*m.hits;
      T v{};
      if (m.host) std::memcpy(&v, m.host + (va & (kPageSize - 1)), sizeof(T));
      return v;
    }
    T v{};
    SigInfo s = access_slow(va, &v, sizeof(T), false);
    if (s.signo != Signal::none) return s;
    return v;
  }
  template <class T>
  Access<bool> store(VirtAddr va, T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const detail::MruTranslation& m = *mru_;
    if ((va >> kPageShift) == m.vpn && m.writable_dirty && m.mm == *mm_id_ &&
        (va & (kPageSize - 1)) <= kPageSize - sizeof(T)) {
      ++*m.hits;
      if (m.host) std::memcpy(m.host + (va & (kPageSize - 1)), &value, sizeof(T));
      return true;
    }
    SigInfo s = access_slow(va, &value, sizeof(T), true);
    if (s.signo != Signal::none) return s;
    return true;
  }
  Access<bool> read_bytes(VirtAddr va, std::span<std::uint8_t> out);
  Access<bool> write_bytes(VirtAddr va, std::span<const std::uint8_t> in);
  Access<std::string> read_string(VirtAddr va, std::size_t len);
  Access<bool> write_string(VirtAddr va, std::string_view s);

  // Memory system calls.
  Result<VirtAddr> mmap(VirtAddr addr, std::uint64_t len, int prot, int flags, int fd, std::uint64_t offset);
  Result<void> munmap(VirtAddr addr, std::uint64_t len);
  Result<void> mprotect(VirtAddr addr, std::uint64_t len, int prot);
  Result<VirtAddr> mremap(VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                          VirtAddr new_addr = 0);
  Result<void> madvise(VirtAddr addr, std::uint64_t len, int advice);
  Result<void> msync(VirtAddr addr, std::uint64_t len, int flags);
  // The raw brk system call: the new break, or the old one if refused.
  VirtAddr brk(VirtAddr addr);

  // File system calls. `buf` is an address in this process.
  Result<int> open(std::string_view path, int flags, std::uint32_t mode = 0644);
  Result<void> close(int fd);
  Result<std::uint64_t> read(int fd, VirtAddr buf, std::uint64_t len);
  Result<std::uint64_t> write(int fd, VirtAddr buf, std::uint64_t len);
  Result<std::uint64_t> pread(int fd, VirtAddr buf, std::uint64_t len, std::uint64_t offset);
  Result<std::uint64_t> pwrite(int fd, VirtAddr buf, std::uint64_t len, std::uint64_t offset);
  Result<std::uint64_t> lseek(int fd, std::int64_t offset, int whence);
  Result<void> ftruncate(int fd, std::uint64_t len);
  Result<void> fsync(int fd);
  Result<void> unlink(std::string_view path);
  Result<void> mkdir(std::string_view path, std::uint32_t mode = 0755);

  // Processes and threads.
  Result<Process> fork();
  Result<Process> vfork();
  // A new thread of this process, as pthread_create() asks clone() for one (CLONE_VM,
  // FS, FILES, SIGHAND, THREAD, SYSVSEM): it shares the address space, descriptors
  // and handlers, and runs on this thread's CPU until run_on() moves it.
  Result<Process> create_thread();
  Result<VirtAddr> execve(std::string_view path, const std::vector<std::string>& argv,
                          const std::vector<std::string>& envp = {});
  // exit_group(code): every thread ends.
  void exit(int code);
  // exit(code) of this thread only; the process ends with its last thread.
  void exit_thread(int code);
  // The process dies of `sig` at once, as if it had no handler.
  void kill(Signal sig);
  // kill(2) from outside the process: the signal is queued for the process and taken
  // at once, as by a thread returning to user mode: its default action happens (a
  // fatal one ends the process, SIGCHLD is ignored), unless a thread blocks it, in
  // which case it stays pending (ShdPnd in /proc/PID/status).
  void signal(Signal sig);
  // waitpid(child, WNOHANG): child -1 for any.
  Result<WaitStatus> wait(int child = -1);

  // The CPU this process's loads, stores and system calls run on (0 at first; a forked
  // child starts on its parent's): its TLBs are the ones filled, and the ones a
  // shootdown must reach. Moving leaves the old CPU's entries cached, as a migration
  // does. Throws std::out_of_range for a CPU the machine does not have.
  void run_on(unsigned cpu);

  // /proc/PID/<file>: "maps", "smaps", "smaps_rollup", "status", "stat", "statm",
  // "task/TID/status"...
  std::string proc(std::string_view file) const;
  // A "Name: value kB" field of /proc/PID/status, in kB (e.g. "VmRSS").
  std::uint64_t status_kb(std::string_view field) const;
  // The process's faults, every thread's (as /proc/PID/stat's minflt and majflt).
  std::uint64_t minflt() const;
  std::uint64_t majflt() const;
  // The process's faults by how they were resolved (see obs::FaultKind).
  std::uint64_t faults(obs::FaultKind kind) const;

 private:
  friend class Machine;
  Process(detail::MachineState* m, int tid);
  SigInfo access_slow(VirtAddr va, void* buf, std::size_t len, bool write);

  detail::MachineState* m_;
  int pid_;
  int tid_;
  detail::MruTranslation* mru_;
  const void* const* mm_id_;
};

}  // namespace vmlab
