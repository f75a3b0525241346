// vmlab's C++ API: a Machine is one simulated computer (physical memory, CPUs with
// TLBs, the kernel and its processes); a Process is a handle to one of its processes.
//
//   vmlab::Machine m;                                  // Linux defaults, 2 GiB
//   vmlab::Process p = m.spawn("demo");
//   auto addr = p.mmap(0, 100 * vmlab::MiB, vmlab::kProtRead | vmlab::kProtWrite,
//                      vmlab::kMapPrivate | vmlab::kMapAnonymous, -1, 0);
//   p.store<std::uint8_t>(*addr, 42);                  // a demand-zero fault
//   std::cout << p.proc("status");                     // VmRSS: ... kB
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vmlab/config.h"
#include "vmlab/events.h"
#include "vmlab/process.h"
#include "vmlab/result.h"

namespace vmlab {

namespace detail {
struct MachineState;
}

// What the consistency checker found: every counter recounted from the page tables,
// VMAs, page cache and free lists. Empty `problems` means all agree.
struct CheckReport {
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// One record of the kernel log (docs/kernel-log.md), as /dev/kmsg describes it.
struct LogRecord {
  std::uint64_t seq = 0;      // the record's sequence number, from 0
  std::uint64_t time_ns = 0;  // virtual time since boot when it was logged
  int facility = 0;           // 0 the kernel, 1 LOG_USER (/dev/kmsg writers)
  int level = 0;              // 0 (KERN_EMERG) to 7 (KERN_DEBUG)
  std::string text;           // without its final newline; inner newlines kept
};

class Machine {
 public:
  Machine();
  explicit Machine(const MachineConfig& config);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  const MachineConfig& config() const;

  // A new process with an empty address space (a stack and an empty heap).
  Process spawn(std::string_view name = "a.out");
  // A handle to an existing process (acting as its first thread); throws
  // std::out_of_range if there is none.
  Process process(int pid);
  // The processes not yet reaped.
  std::vector<int> pids() const;

  // Files, seen from outside any process (as a shell would write and cat them). Writes
  // go through the page cache like write(2). A new file gets `mode` (0755 for a
  // program to exec: execve wants an execute bit); an existing one keeps its own.
  Result<void> write_file(std::string_view path, std::string_view contents, std::uint32_t mode = 0644);
  Result<std::string> read_file(std::string_view path);
  Result<void> mkdir(std::string_view path);
  // Copies a host file into the simulated filesystem (e.g. an ELF program to exec),
  // with the host file's permission bits. Throws std::runtime_error if the host file
  // cannot be read.
  void import_host_file(const std::string& host_path, std::string_view path);
  void sync();

  // System-wide /proc files and single values from them.
  std::string meminfo() const;
  std::string vmstat() const;
  std::uint64_t meminfo_kb(std::string_view field) const;  // e.g. "MemFree"
  std::uint64_t vmstat_value(std::string_view field) const;  // e.g. "pgfault"

  // The kernel log: the records still in its ring (the oldest go when its 128 KiB are
  // full), complete ones only. kernel_log() is their text as the console prints it,
  // "[    1.234567] text" on every line, whatever the level (`dmesg` without the
  // level filter).
  std::vector<LogRecord> kernel_log_records() const;
  std::string kernel_log() const;
  // The console: `fn` gets the text of each record below kernel.console_loglevel as it
  // is logged, the records already there first (as a console registered at boot
  // replays the log). Null detaches it. `vmlab run` prints it on stderr.
  void set_console(std::function<void(std::string_view)> fn);

  // Recounts every counter from scratch and compares (refcounts, map counts, RSS,
  // free lists, LRU sizes, page-cache and commit totals).
  CheckReport check() const;

  // Observers: called for every event the kernel emits.
  void subscribe(std::function<void(const obs::Event&)> fn);

  // One CPU's TLB counters. `flushes` counts whole-TLB flushes, `page_flushes` the
  // single-page invalidations that found an entry (both of the L1 data TLB);
  // `shootdowns` the flushes other CPUs asked of this one.
  struct TlbStats {
    std::uint64_t l1d_hits, l1d_misses, l1i_hits, l1i_misses, l2_hits, l2_misses, walks, flushes, page_flushes,
        shootdowns;
  };
  TlbStats tlb_stats(unsigned cpu = 0) const;

  // Virtual time since boot, in nanoseconds: the kernel's work priced by the cost
  // model (config `cost.*`) plus a page walk's cost for every TLB miss, on the CPU
  // that did it; with several CPUs, the latest of their clocks.
  std::uint64_t virtual_time_ns() const;

  detail::MachineState& state() { return *state_; }

 private:
  std::unique_ptr<detail::MachineState> state_;
};

}  // namespace vmlab
