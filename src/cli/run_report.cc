#include "cli/run_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "fs/proc/procfs.h"
#include "kernel/kernel.h"
#include "kernel/kernel.h"
#include "kernel/uts.h"
#include "obs/free_format.h"

namespace vmlab::cli {

namespace {

double pct(std::uint64_t hits, std::uint64_t misses) {
  const std::uint64_t all = hits + misses;
  return all ? 100.0 * static_cast<double>(hits) / static_cast<double>(all) : 0.0;
}

// "Name:   123 kB" / "name 123" lines as a JSON object of numbers.
nlohmann::ordered_json counters_of(const std::string& text, bool colon) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t sep = colon ? line.find(':') : line.find(' ');
    if (sep == std::string::npos) continue;
    std::istringstream value(line.substr(sep + 1));
    std::uint64_t v = 0;
    if (value >> v) out[line.substr(0, sep)] = v;
  }
  return out;
}

}  // namespace

RunStats collect_stats(kern::Kernel& k, guest::Runtime& rt, const guest::RunResult& res, std::string program) {
  RunStats s;
  s.program = std::move(program);
  s.wait_status = res.wait_status;
  const int sig = res.wait_status & 0x7f;
  s.exit_status = sig ? 128 + sig : (res.wait_status >> 8) & 0xff;
  switch (res.end) {
    case guest::RunResult::End::exited: s.end = "exited"; break;
    case guest::RunResult::End::deadlock: s.end = "deadlock"; break;
    case guest::RunResult::End::limit: s.end = "instruction limit"; break;
  }
  s.report = res.report;
  s.instructions = res.instructions;
  s.virtual_ns = k.sys().clock().latest();
  s.context_switches = res.context_switches;
  s.processes = rt.all_pids().size();
  for (int pid : rt.all_pids()) {
    const kern::ThreadGroup* g = k.find_group(pid);
    if (g == nullptr) continue;
    const kern::Usage u = k.usage(*g);
    for (std::size_t i = 0; i < s.faults.size(); ++i) s.faults[i] += u.faults_by_kind[i];
    s.minor_faults += u.min_flt;
    s.major_faults += u.maj_flt;
    std::uint64_t rss_kb = g->maxrss_kb;
    if (const kern::Task* leader = k.find_task(pid); leader != nullptr && leader->mm) {
      rss_kb = std::max(rss_kb, leader->mm->peak_rss() * (kPageSize / 1024));
    }
    if (rss_kb > s.peak_rss_kb) {
      s.peak_rss_kb = rss_kb;
      s.peak_rss_pid = pid;
    }
  }
  const hw::Mmu& mmu = k.sys().mmu();
  for (unsigned c = 0; c < mmu.cpu_count(); ++c) {
    const hw::Cpu& cpu = mmu.cpu(c);
    const RunStats::Tlb t{cpu.l1d.counters().hits, cpu.l1d.counters().misses, cpu.l1i.counters().hits,
                          cpu.l1i.counters().misses, cpu.l2.counters().hits,  cpu.l2.counters().misses,
                          cpu.walks,                 cpu.shootdowns};
    s.tlb_by_cpu.push_back(t);
    s.tlb.l1d_hits += t.l1d_hits;
    s.tlb.l1d_misses += t.l1d_misses;
    s.tlb.l1i_hits += t.l1i_hits;
    s.tlb.l1i_misses += t.l1i_misses;
    s.tlb.l2_hits += t.l2_hits;
    s.tlb.l2_misses += t.l2_misses;
    s.tlb.walks += t.walks;
    s.tlb.shootdowns += t.shootdowns;
  }
  return s;
}

std::string format_summary(const RunStats& s) {
  std::string out;
  if (s.end == "exited") {
    const int sig = s.wait_status & 0x7f;
    if (sig) {
      out += fmt::format("vmlab: {} killed by {} (exit status {})\n", s.program,
                         signal_name(static_cast<Signal>(sig)), s.exit_status);
    } else {
      out += fmt::format("vmlab: {} exited with status {}\n", s.program, s.exit_status);
    }
  } else {
    out += fmt::format("vmlab: {} stopped: {}\n", s.program, s.end == "deadlock" ? s.report : s.end);
  }
  out += fmt::format("vmlab: {} instructions, {:.6f} s virtual time, {} process{}, {} context switches\n",
                     s.instructions, static_cast<double>(s.virtual_ns) / 1e9, s.processes,
                     s.processes == 1 ? "" : "es", s.context_switches);
  std::string kinds;
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    if (s.faults[i] == 0) continue;
    kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", s.faults[i],
                         obs::fault_kind_name(static_cast<obs::FaultKind>(i)));
  }
  out += fmt::format("vmlab: page faults: {} minor, {} major{}{}\n", s.minor_faults, s.major_faults,
                     kinds.empty() ? "" : "; ", kinds);
  out += fmt::format("vmlab: peak RSS {} kB (pid {})\n", s.peak_rss_kb, s.peak_rss_pid);
  out += fmt::format(
      "vmlab: TLB hit rates: L1d {:.2f}% of {}, L1i {:.2f}% of {}, L2 {:.2f}% of {}; {} page walks",
      pct(s.tlb.l1d_hits, s.tlb.l1d_misses), s.tlb.l1d_hits + s.tlb.l1d_misses, pct(s.tlb.l1i_hits, s.tlb.l1i_misses),
      s.tlb.l1i_hits + s.tlb.l1i_misses, pct(s.tlb.l2_hits, s.tlb.l2_misses), s.tlb.l2_hits + s.tlb.l2_misses,
      s.tlb.walks);
  if (s.tlb_by_cpu.size() > 1) {
    // Which CPUs were asked to flush, and how often.
    std::string per_cpu;
    for (std::size_t c = 0; c < s.tlb_by_cpu.size(); ++c) {
      per_cpu += fmt::format("{}cpu{} {}", c ? ", " : "", c, s.tlb_by_cpu[c].shootdowns);
    }
    out += fmt::format("; {} TLB shootdowns ({})", s.tlb.shootdowns, per_cpu);
  }
  out += "\n";
  return out;
}

std::string Sampler::timestamp(std::uint64_t ns) const {
  // Wall-clock time of day from the realtime epoch (midnight), in sar's C-locale form.
  const std::uint64_t sec = ns / 1000000000ULL;
  std::string t = fmt::format("{:02}:{:02}:{:02}", sec / 3600 % 24, sec / 60 % 60, sec % 60);
  if (interval_ % 1000000000ULL != 0) t += fmt::format(".{:03}", ns / 1000000 % 1000);
  return t;
}

std::string Sampler::advance(std::uint64_t now_ns) {
  std::string out;
  while (next_ <= now_ns) {
    const proc::Meminfo m = proc::meminfo(sys_);
    const std::string ts = timestamp(next_);
    out += obs::format_sar_r_line(ts, m);
    samples_.emplace_back(ts, m);
    next_ += interval_;
  }
  return out;
}

std::string Sampler::header(unsigned ncpu) const {
  return obs::format_sar_banner(kern::kUtsSysname, kern::kUtsRelease, kern::kUtsNodename, "01/01/24",
                                kern::kUtsMachine, ncpu) +
         obs::format_sar_r_header(timestamp(0));
}

std::string Sampler::average() const {
  if (samples_.empty()) return {};
  // sar averages each column over the samples.
  proc::Meminfo avg = samples_.front().second;
  auto mean = [&](std::uint64_t proc::Meminfo::*field) {
    std::uint64_t sum = 0;
    for (const auto& [ts, m] : samples_) sum += m.*field;
    avg.*field = sum / samples_.size();
  };
  for (auto field : {&proc::Meminfo::mem_free, &proc::Meminfo::mem_available, &proc::Meminfo::buffers,
                     &proc::Meminfo::cached, &proc::Meminfo::slab, &proc::Meminfo::committed_as,
                     &proc::Meminfo::active, &proc::Meminfo::inactive, &proc::Meminfo::dirty}) {
    mean(field);
  }
  return obs::format_sar_r_line("Average:", avg);
}

std::uint64_t parse_interval_ns(const std::string& text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return 0;
  double v;
  try {
    v = std::stod(text.substr(0, i));
  } catch (...) {
    return 0;
  }
  const std::string unit = text.substr(i);
  double scale;
  if (unit.empty() || unit == "s") scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us") scale = 1e3;
  else if (unit == "ns") scale = 1;
  else return 0;
  const double ns = v * scale;
  return ns >= 1 && ns < 1e18 ? static_cast<std::uint64_t>(ns) : 0;
}

nlohmann::ordered_json report_json(const RunStats& s, mm::MemorySystem& sys, const Sampler* sampler) {
  nlohmann::ordered_json j;
  j["program"] = s.program;
  j["end"] = s.end;
  if (!s.report.empty()) j["report"] = s.report;
  j["wait_status"] = s.wait_status;
  j["exit_status"] = s.exit_status;
  j["instructions"] = s.instructions;
  j["virtual_time_ns"] = s.virtual_ns;
  j["processes"] = s.processes;
  j["context_switches"] = s.context_switches;
  nlohmann::ordered_json faults;
  faults["minor"] = s.minor_faults;
  faults["major"] = s.major_faults;
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    faults[std::string(obs::fault_kind_name(static_cast<obs::FaultKind>(i)))] = s.faults[i];
  }
  j["faults"] = faults;
  j["peak_rss_kb"] = s.peak_rss_kb;
  j["peak_rss_pid"] = s.peak_rss_pid;
  j["tlb"] = {{"l1d_hits", s.tlb.l1d_hits}, {"l1d_misses", s.tlb.l1d_misses}, {"l1i_hits", s.tlb.l1i_hits},
              {"l1i_misses", s.tlb.l1i_misses}, {"l2_hits", s.tlb.l2_hits},   {"l2_misses", s.tlb.l2_misses},
              {"walks", s.tlb.walks}, {"shootdowns", s.tlb.shootdowns}};
  nlohmann::ordered_json cpus = nlohmann::ordered_json::array();
  for (const RunStats::Tlb& t : s.tlb_by_cpu) {
    cpus.push_back({{"l1d_hits", t.l1d_hits}, {"l1d_misses", t.l1d_misses}, {"l1i_hits", t.l1i_hits},
                    {"l1i_misses", t.l1i_misses}, {"l2_hits", t.l2_hits},     {"l2_misses", t.l2_misses},
                    {"walks", t.walks},         {"shootdowns", t.shootdowns}});
  }
  j["tlb_by_cpu"] = cpus;
  j["vmstat"] = counters_of(proc::vmstat_text(sys), false);
  j["meminfo_kb"] = counters_of(proc::meminfo_text(sys), true);
  if (sampler != nullptr) {
    nlohmann::ordered_json samples = nlohmann::ordered_json::array();
    for (const auto& [ts, m] : sampler->samples()) {
      samples.push_back({{"time", ts},           {"kbmemfree", m.mem_free}, {"kbavail", m.mem_available},
                         {"kbbuffers", m.buffers}, {"kbcached", m.cached},    {"kbcommit", m.committed_as},
                         {"kbactive", m.active},   {"kbinact", m.inactive},   {"kbdirty", m.dirty}});
    }
    j["samples"] = samples;
  }
  return j;
}

}  // namespace vmlab::cli
