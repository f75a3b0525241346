// The four classic virtual-memory experiments (filemap, demand-paging, cow,
// shared-vs-private), run on a simulated machine and returned as structured
// observations: per step what Linux did and why, and what /proc, free and sar show.
// The `vmlab demo` command prints them; the scenario tests assert their numbers.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "vmlab/config.h"
#include "vmlab/machine.h"

namespace vmlab::demos {

// One process as /proc shows it at the end of a step.
struct ProcessView {
  std::string label;  // its part in the experiment: "parent", "child 2", ...
  int pid = 0;
  std::vector<std::string> maps;  // /proc/PID/maps, verbatim lines without '\n'
  std::string vm_size_line;       // the "VmSize:" line of /proc/PID/status, verbatim
  std::string vm_rss_line;        // the "VmRSS:" line
  std::uint64_t vm_size_kb = 0;
  std::uint64_t vm_rss_kb = 0;
  std::uint64_t vm_pte_kb = 0;
  std::uint64_t minflt = 0;  // field 10 of /proc/PID/stat
  // One mapping's /proc/PID/smaps entry (the header and the size lines that tell
  // shared from private), verbatim; empty when the step does not look at it.
  std::vector<std::string> smaps;
};

// The whole machine: what free and sar -r print, and the meminfo fields behind them.
struct MemoryView {
  std::string free;        // `free` output (procps-ng), header and Mem:/Swap: lines
  std::string sar_header;  // `sar -r` column header, without '\n'
  std::string sar_line;    // one `sar -r` sample, without '\n'
  std::uint64_t mem_free_kb = 0;
  std::uint64_t cached_kb = 0;
  std::uint64_t dirty_kb = 0;
  std::uint64_t anon_pages_kb = 0;
  std::uint64_t page_tables_kb = 0;
  std::uint64_t committed_as_kb = 0;
  std::uint64_t kbmemused = 0;  // sar's MemTotal - (MemFree + Buffers + Cached + Slab)
};

// A number the step measured, e.g. {"vm_rss_delta_kb", "VmRSS change", 10240, "kB", true}.
struct Value {
  std::string key;    // stable name (JSON, tests)
  std::string label;  // for people
  std::int64_t value = 0;
  std::string unit;   // "kB", "faults", "pages", "bytes" or empty
  bool change = false;  // printed with a sign
};

struct Step {
  std::string id;           // stable name: "mmap", "touch-3", "fork", ...
  std::string title;
  std::string explanation;  // what Linux did and why, naming the mechanism
  std::string notice;       // what a learner should notice
  std::vector<std::string> events;  // what the program did and got back, in order
  std::vector<ProcessView> processes;
  MemoryView memory;
  bool show_free = false;  // print `free` in the text output (sar is always printed)
  std::vector<Value> values;

  // The value named `key`; throws std::out_of_range if the step has none.
  std::int64_t value(std::string_view key) const;
  const ProcessView& process(std::string_view label) const;
};

struct Experiment {
  std::string name;   // as `vmlab demo NAME` takes it
  std::string title;
  std::string summary;
  std::vector<Step> steps;
  // Empty when every step ran; otherwise why the experiment stopped early (an mmap
  // refused on a small machine, an access killed by the OOM killer, ...).
  std::string stopped;
  // Machine::check() after the last step: empty means every counter recounted equal.
  std::vector<std::string> check_problems;

  const Step& step(std::string_view id) const;  // throws std::out_of_range
};

using RunFn = Experiment (*)(Machine&);

struct DemoInfo {
  std::string_view name;
  std::string_view summary;
  RunFn run;
};

// The experiments, in the order `vmlab demo` runs them.
std::span<const DemoInfo> all_demos();
// nullptr when there is no demo of that name.
const DemoInfo* find_demo(std::string_view name);

// Each runs on the given machine (fresh, nothing else running, for the numbers the
// documentation shows) and leaves its processes alive for inspection.
Experiment run_filemap(Machine& m);
Experiment run_demand_paging(Machine& m);
Experiment run_cow(Machine& m);
Experiment run_shared_vs_private(Machine& m);

// Builds a machine from `config` and runs the demo on it.
Experiment run(const DemoInfo& demo, const MachineConfig& config);

// Rendering: the text `vmlab demo` prints, and the same observations as JSON.
std::string to_text(const Experiment& e);
nlohmann::ordered_json to_json(const Experiment& e);

}  // namespace vmlab::demos
