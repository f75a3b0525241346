// One side of the comparison: a kernel (the host's, or vmlab's) that runs the raw
// operations of a case in numbered process slots. Addresses here are absolute; the
// driver (driver.h) turns a case's symbolic addresses into them. System calls return
// their raw value, or -errno.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fidelity/memcg_stat.h"

namespace vmlab::fidelity {

// Process slots per case (the main process and its descendants).
inline constexpr int kMaxProcs = 8;
// Where both sides put the fence: every gap from here up to 2 MiB below the stack is
// filled with PROT_NONE mappings of a one-page file, so that the case's own mappings
// are placed top-down from this address on both sides, whatever the host process
// already has mapped above it. 2 MiB aligned, below the host's libraries and vmlab's
// mmap_base alike.
inline constexpr std::uint64_t kFenceTop = 0x7f0000000000ULL;

struct FileArg {
  enum class Kind { path, bad_fd, directory } kind = Kind::path;
  std::string name;   // relative to the case's directory
  int open_flags = 2;  // O_RDONLY 0, O_WRONLY 1, O_RDWR 2
};

struct AccessOutcome {
  int signo = 0;
  int code = 0;
  std::uint64_t addr = 0;  // the faulting address
  std::string bytes;       // what a load read
  std::uint64_t done = 0;  // pages a touch completed
};

struct ObserveOutcome {
  std::uint64_t minflt = 0;  // since the process started, less the harness's own faults
  std::uint64_t majflt = 0;
  std::string maps;
  std::string smaps;
  // /proc/PID/status. VmRSS includes what the process had before the case (the native
  // runner's own program and buffers): a pressure case compares its growth.
  std::uint64_t vmrss_kb = 0;
  std::uint64_t vmswap_kb = 0;
};

// What a pressure case sees besides its processes: the memory cgroup's fields
// (memcg_stat.h) and the machine's swap traffic (/proc/vmstat).
struct PressureSample {
  MemcgFields memcg;
  std::uint64_t pswpin = 0;
  std::uint64_t pswpout = 0;
};

struct MincoreOutcome {
  std::int64_t ret = 0;   // 0 or -errno
  std::string resident;   // one '0' or '1' per page
};

// Thrown by a backend when the process a step ran in died during it: the OOM killer
// chose it (SIGKILL), and it could not answer.
struct ProcessKilled {
  int slot = 0;
};

enum class Fill { zero, pattern, text };

// The byte at offset `i` of a "pattern" file: one letter per page.
inline char pattern_byte(std::uint64_t i) { return static_cast<char>('A' + (i >> 12) % 26); }

class Backend {
 public:
  virtual ~Backend() = default;
  // Creates the case's directory and slot 0's process, with its fence.
  virtual void start() = 0;
  virtual std::uint64_t brk0() const = 0;
  // The prefix of the case directory's paths as /proc/PID/maps shows them ("/tmp/x/").
  virtual std::string file_prefix() const = 0;

  virtual std::int64_t mmap(int slot, std::uint64_t addr, std::uint64_t len, int prot, int flags,
                            const FileArg* file, std::uint64_t off) = 0;
  virtual std::int64_t munmap(int slot, std::uint64_t addr, std::uint64_t len) = 0;
  virtual std::int64_t mprotect(int slot, std::uint64_t addr, std::uint64_t len, int prot) = 0;
  virtual std::int64_t madvise(int slot, std::uint64_t addr, std::uint64_t len, int advice) = 0;
  virtual std::int64_t msync(int slot, std::uint64_t addr, std::uint64_t len, int flags) = 0;
  virtual std::int64_t mremap(int slot, std::uint64_t addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                              std::uint64_t new_addr) = 0;
  virtual std::uint64_t brk(int slot, std::uint64_t addr) = 0;

  // Loads (len bytes) or stores (data) through the process's memory, in ascending order.
  virtual AccessOutcome access(int slot, std::uint64_t addr, std::uint64_t len, std::string_view data, bool write) = 0;
  // Reads or writes the first byte of each of `pages` pages.
  virtual AccessOutcome touch(int slot, std::uint64_t addr, std::uint64_t pages, bool write, std::uint8_t value) = 0;

  virtual std::int64_t file_create(int slot, const std::string& name, std::uint64_t size, Fill fill,
                                   const std::string& text) = 0;
  virtual std::int64_t file_write(int slot, const std::string& name, std::uint64_t off, const std::string& data) = 0;
  virtual std::int64_t file_truncate(int slot, const std::string& name, std::uint64_t size) = 0;
  // fsync, then drop the file's clean unmapped cached pages (POSIX_FADV_DONTNEED).
  virtual std::int64_t file_evict(int slot, const std::string& name) = 0;
  virtual std::int64_t file_unlink(int slot, const std::string& name) = 0;

  // The process in `slot` forks; the child runs in `child_slot`. Returns 0 or -errno.
  virtual std::int64_t fork(int slot, int child_slot) = 0;
  virtual void exit(int slot, int code) = 0;
  // The process in `slot` waits for the one in `child_slot`: its wait status.
  virtual std::int64_t wait(int slot, int child_slot) = 0;
  virtual ObserveOutcome observe(int slot) = 0;

  // Pressure cases only (the backend was made for one): its processes run in the
  // case's memory cgroup, the main process from start() on, the others by birth.
  virtual PressureSample sample_pressure() = 0;
  // Waits until the swap and file writes the case started have completed (the host's
  // are asynchronous), then drains every CPU's LRU batches (the pages those writes
  // rotated wait there, held, until something drains them).
  virtual void settle() = 0;
  // Writes /proc/PID/oom_score_adj as root does (the harness, not the process): 0 or -errno.
  virtual std::int64_t set_oom_score_adj(int slot, int value) = 0;
  virtual MincoreOutcome mincore(int slot, std::uint64_t addr, std::uint64_t len) = 0;
  // The slots whose processes were killed since the previous call (the case's exit op
  // is not a kill), in slot order.
  virtual std::vector<int> take_killed() = 0;
  // The wait status of a dead process no process of the case waits for (the main
  // process, or one whose parent died before it): the harness reaps it.
  virtual std::int64_t reap(int slot) = 0;
};

}  // namespace vmlab::fidelity
