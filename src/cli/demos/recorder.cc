#include "cli/demos/recorder.h"

#include <sstream>

#include "api/machine_state.h"
#include "fs/proc/procfs.h"
#include "obs/free_format.h"

namespace vmlab::demos {

std::int64_t Step::value(std::string_view key) const {
  for (const Value& v : values)
    if (v.key == key) return v.value;
  throw std::out_of_range(fmt::format("step {}: no value {}", id, key));
}

const ProcessView& Step::process(std::string_view label) const {
  for (const ProcessView& p : processes)
    if (p.label == label) return p;
  throw std::out_of_range(fmt::format("step {}: no process {}", id, label));
}

const Step& Experiment::step(std::string_view id) const {
  for (const Step& s : steps)
    if (s.id == id) return s;
  throw std::out_of_range(fmt::format("{}: no step {}", name, id));
}

}  // namespace vmlab::demos

namespace vmlab::demos::detail {

namespace {
// The si_code names of include/uapi/asm-generic/siginfo.h for the signals an access raises.
std::string_view si_code_name(const SigInfo& s) {
  if (s.signo == Signal::sigsegv) {
    if (s.code == kSegvMapErr) return "SEGV_MAPERR";
    if (s.code == kSegvAccErr) return "SEGV_ACCERR";
  }
  if (s.signo == Signal::sigbus) {
    if (s.code == 1) return "BUS_ADRALN";
    if (s.code == kBusAdrErr) return "BUS_ADRERR";
    if (s.code == kBusObjErr) return "BUS_OBJERR";
  }
  return {};
}
}  // namespace

std::string describe(const SigInfo& s) {
  // A fault the kernel cannot back with memory ends in the OOM killer's SIGKILL.
  if (s.signo == Signal::sigkill) return "SIGKILL (out of memory)";
  const std::string_view code = si_code_name(s);
  if (code.empty()) return fmt::format("{} (si_code {}) at {:#x}", signal_name(s.signo), s.code, s.addr);
  return fmt::format("{} ({}) at {:#x}", signal_name(s.signo), code, s.addr);
}

std::string c_quoted(std::string_view bytes) {
  std::string out = "\"";
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '"' || c == '\\') out += fmt::format("\\{}", c);
    else if (u < 0x20 || u >= 0x7f) out += fmt::format("\\{:o}", u);
    else out.push_back(c);
  }
  return out + "\"";
}

std::uint64_t stat_minflt(const std::string& stat) {
  // The command name may hold spaces and parentheses: fields resume after the last ')'.
  const auto close = stat.rfind(')');
  std::istringstream in(stat.substr(close == std::string::npos ? 0 : close + 1));
  std::string field;
  // Fields 3 (state) to 9 (flags), then 10 (minflt).
  for (int i = 3; i <= 9; ++i) in >> field;
  std::uint64_t minflt = 0;
  in >> minflt;
  return minflt;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string status_line(const std::string& status, std::string_view field) {
  const std::string prefix = std::string(field) + ":";
  for (const std::string& line : split_lines(status))
    if (line.starts_with(prefix)) return line;
  return {};
}

std::vector<std::string> smaps_entry(const std::string& smaps, VirtAddr start) {
  static constexpr std::string_view kFields[] = {"Rss:",          "Pss:",          "Shared_Clean:",
                                                 "Shared_Dirty:", "Private_Clean:", "Private_Dirty:",
                                                 "Anonymous:"};
  const std::string header = fmt::format("{:08x}-", start);
  std::vector<std::string> out;
  bool inside = false;
  for (const std::string& line : split_lines(smaps)) {
    if (line.starts_with("VmFlags:")) {
      if (inside) break;
      continue;
    }
    if (!inside) {
      inside = line.starts_with(header);
      if (inside) out.push_back(line);
      continue;
    }
    for (std::string_view f : kFields)
      if (line.starts_with(f)) out.push_back(line);
  }
  return out;
}

std::uint64_t smaps_kb(const std::vector<std::string>& entry, std::string_view field) {
  const std::string prefix = std::string(field) + ":";
  for (const std::string& line : entry)
    if (line.starts_with(prefix)) return std::stoull(line.substr(prefix.size()));
  return 0;
}

ProcessView view_of(Process& p, std::string label, VirtAddr smaps_of) {
  ProcessView v;
  v.label = std::move(label);
  v.pid = p.pid();
  v.maps = split_lines(p.proc("maps"));
  const std::string status = p.proc("status");
  v.vm_size_line = status_line(status, "VmSize");
  v.vm_rss_line = status_line(status, "VmRSS");
  v.vm_size_kb = p.status_kb("VmSize");
  v.vm_rss_kb = p.status_kb("VmRSS");
  v.vm_pte_kb = p.status_kb("VmPTE");
  v.minflt = stat_minflt(p.proc("stat"));
  if (smaps_of != 0) v.smaps = smaps_entry(p.proc("smaps"), smaps_of);
  return v;
}

MemoryView memory_of(Machine& m, unsigned sample) {
  const proc::Meminfo mi = proc::meminfo(m.state().sys);
  // One sample a second from boot: deterministic timestamps in sar's C-locale form.
  const std::string time = fmt::format("{:02}:{:02}:{:02}", sample / 3600, sample / 60 % 60, sample % 60);
  MemoryView v;
  v.free = obs::format_free(mi);
  v.sar_header = obs::format_sar_r_header(time);
  v.sar_line = obs::format_sar_r_line(time, mi);
  if (v.sar_header.ends_with('\n')) v.sar_header.pop_back();
  if (v.sar_line.ends_with('\n')) v.sar_line.pop_back();
  v.mem_free_kb = mi.mem_free;
  v.cached_kb = mi.cached;
  v.dirty_kb = mi.dirty;
  v.anon_pages_kb = mi.anon_pages;
  v.page_tables_kb = mi.page_tables;
  v.committed_as_kb = mi.committed_as;
  const std::uint64_t not_used = std::min(mi.mem_total, mi.mem_free + mi.buffers + mi.cached + mi.slab);
  v.kbmemused = mi.mem_total - not_used;
  return v;
}

Step& Recorder::begin(std::string id, std::string title, std::string explanation, std::string notice) {
  if (!ended_) end();
  Step& s = e_.steps.emplace_back();
  s.id = std::move(id);
  s.title = std::move(title);
  s.explanation = std::move(explanation);
  s.notice = std::move(notice);
  ended_ = false;
  return s;
}

void Recorder::value(std::string key, std::string label, std::int64_t v, std::string unit, bool change) {
  step().values.push_back(Value{std::move(key), std::move(label), v, std::move(unit), change});
}

ProcessView Recorder::show(Process& p, std::string label, VirtAddr smaps_of) {
  return step().processes.emplace_back(view_of(p, std::move(label), smaps_of));
}

void Recorder::end(bool show_free) {
  step().memory = memory_of(m_, static_cast<unsigned>(e_.steps.size()));
  step().show_free = show_free;
  ended_ = true;
}

Experiment run_recorded(Machine& m, std::string_view name, std::string title, std::string summary,
                        const std::function<void(Recorder&)>& body) {
  Experiment e;
  e.name = std::string(name);
  e.title = std::move(title);
  e.summary = std::move(summary);
  if (!m.config().contents)
    e.summary += " (memory.contents = false: this machine keeps no page contents, so every byte reads as 0.)";
  Recorder r(m, e);
  try {
    body(r);
  } catch (const Stop& stop) {
    e.stopped = stop.what();
    if (!e.steps.empty()) {
      r.event(fmt::format("stopped: {}", stop.what()));
      r.step().notice = fmt::format("This step could not run on this machine: {}.", stop.what());
    }
  }
  if (!r.ended_) r.end(true);
  e.check_problems = m.check().problems;
  return e;
}

}  // namespace vmlab::demos::detail
