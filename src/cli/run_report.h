// What `vmlab run` reports about a finished run: the exit status, instructions,
// virtual time, page faults by how they were resolved, peak RSS and the TLB hit
// rates and shootdowns, as a summary on stderr and as JSON (--report); and the `sar -r` lines of
// --sample, one per interval of virtual time.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fs/proc/meminfo_format.h"
#include "guest/runtime.h"
#include "vmlab/events.h"

namespace vmlab::cli {

struct RunStats {
  std::string program;
  int wait_status = 0;
  int exit_status = 0;             // as a shell shows it: the code, or 128 + signal
  std::string end;                 // "exited", "deadlock", "instruction limit"
  std::string report;              // the deadlock report
  std::uint64_t instructions = 0;
  std::uint64_t virtual_ns = 0;
  std::uint64_t processes = 0;
  std::uint64_t context_switches = 0;
  std::array<std::uint64_t, static_cast<unsigned>(obs::FaultKind::count)> faults{};
  std::uint64_t minor_faults = 0, major_faults = 0;
  std::uint64_t peak_rss_kb = 0;
  int peak_rss_pid = 0;
  // TLB counters of one CPU, or summed over all of them; `shootdowns` counts the
  // flushes other CPUs asked of it (a thread changed an mm it was running).
  struct Tlb {
    std::uint64_t l1d_hits, l1d_misses, l1i_hits, l1i_misses, l2_hits, l2_misses, walks, shootdowns;
  } tlb{};
  std::vector<Tlb> tlb_by_cpu;
};

// Collects the statistics after `rt.run()` returned `res`.
RunStats collect_stats(kern::Kernel& k, guest::Runtime& rt, const guest::RunResult& res, std::string program);

// The summary lines (each starting "vmlab: ").
std::string format_summary(const RunStats& s);

// `sar -r` samples every `interval_ns` of virtual time from boot.
class Sampler {
 public:
  Sampler(mm::MemorySystem& sys, std::uint64_t interval_ns) : sys_(sys), interval_(interval_ns), next_(interval_ns) {}
  // Lines for every interval boundary up to `now_ns` (the memory as it is now: it has
  // not changed since the last call).
  std::string advance(std::uint64_t now_ns);
  // The header (sar's banner and column line), and the "Average:" line.
  std::string header(unsigned ncpu) const;
  std::string average() const;
  const std::vector<std::pair<std::string, proc::Meminfo>>& samples() const { return samples_; }

 private:
  std::string timestamp(std::uint64_t ns) const;
  mm::MemorySystem& sys_;
  std::uint64_t interval_;
  std::uint64_t next_;
  std::vector<std::pair<std::string, proc::Meminfo>> samples_;
};

// Parses "1s", "500ms", "250us", "100ns" or a number of seconds; 0 when malformed.
std::uint64_t parse_interval_ns(const std::string& text);

// The whole report as JSON: the stats, the machine's /proc/vmstat and meminfo
// counters, and the samples.
nlohmann::ordered_json report_json(const RunStats& s, mm::MemorySystem& sys, const Sampler* sampler);

}  // namespace vmlab::cli
