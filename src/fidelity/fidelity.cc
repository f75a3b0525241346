#include "fidelity/fidelity.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "fidelity/compare.h"
#include "fidelity/driver.h"
#include "fidelity/rule.h"
#include "fidelity/runner_process.h"
#include "fidelity/vmlab_backend.h"

#ifndef VMLAB_FIDELITY_CASES_DIR
#define VMLAB_FIDELITY_CASES_DIR ""
#endif
#ifndef VMLAB_FIDELITY_PRESSURE_CASES_DIR
#define VMLAB_FIDELITY_PRESSURE_CASES_DIR ""
#endif
#ifndef VMLAB_NATIVE_RUNNER_PATH
#define VMLAB_NATIVE_RUNNER_PATH ""
#endif

namespace vmlab::fidelity {

namespace {
constexpr int kCaseTimeoutMs = 120000;

// Set by SIGINT/SIGTERM during a run: the run stops after the current case and cleans up.
volatile sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

Record failed(const Case& c, const std::string& why) {
  Record r;
  r.name = c.name;
  r.error = why;
  return r;
}
}  // namespace

std::string default_cases_dir() {
  if (const char* e = std::getenv("VMLAB_FIDELITY_CASES")) return e;
  return VMLAB_FIDELITY_CASES_DIR;
}

std::string default_pressure_cases_dir() {
  if (const char* e = std::getenv("VMLAB_FIDELITY_PRESSURE_CASES")) return e;
  return VMLAB_FIDELITY_PRESSURE_CASES_DIR;
}

std::string default_native_runner() {
  if (const char* e = std::getenv("VMLAB_NATIVE_RUNNER")) return e;
  // Beside the running program, else where the build put it.
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto dir : {self.parent_path(), self.parent_path().parent_path() / "fidelity",
                     self.parent_path().parent_path() / "src" / "fidelity"}) {
      auto p = dir / "vmlab-native-runner";
      if (std::filesystem::exists(p, ec)) return p.string();
    }
  }
  return VMLAB_NATIVE_RUNNER_PATH;
}

Record run_native(const Case& c, const std::string& runner, const std::string& workdir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(workdir, ec);
  const std::string case_file = workdir + "/case.json";
  std::ofstream(case_file) << case_to_json(c).dump();
  const std::string dir = workdir + "/files";
  fs::create_directories(dir, ec);
  const RunnerExit r = run_runner(runner, {"--dir", dir, case_file}, workdir + "/stderr", kCaseTimeoutMs, g_stop);
  fs::remove_all(workdir, ec);
  if (!r.failure.empty()) return failed(c, r.failure);
  if (r.timed_out) return failed(c, "native runner timed out");
  if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
    std::string why = WIFSIGNALED(r.status) ? fmt::format("native runner killed by signal {}", WTERMSIG(r.status))
                                            : fmt::format("native runner exited with {}", WEXITSTATUS(r.status));
    if (!r.errors.empty()) why += ": " + r.errors.substr(0, 400);
    return failed(c, why);
  }
  try {
    auto j = nlohmann::json::parse(r.output);
    if (!j.is_array() || j.empty()) return failed(c, "native runner printed no record");
    return record_from_json(j[0]);
  } catch (const std::exception& e) {
    return failed(c, std::string("native runner output unreadable: ") + e.what());
  }
}

nlohmann::json probe_pressure_host(const std::string& runner) {
  char tmpl[] = "/tmp/vmlab-fidelity-probe.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return {{"ok", false}, {"why", "cannot create a temporary directory"}};
  const RunnerExit r = run_runner(runner, {"--probe-pressure"}, std::string(tmpl) + "/stderr", kCaseTimeoutMs, g_stop);
  std::error_code ec;
  std::filesystem::remove_all(tmpl, ec);
  try {
    if (r.failure.empty() && !r.timed_out && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0) {
      return nlohmann::json::parse(r.output);
    }
  } catch (const std::exception&) {
  }
  return {{"ok", false}, {"why", "the native runner's probe failed: " + r.failure + r.errors.substr(0, 200)}};
}

// A pressure case's machine: the host-like one with the case's swap area and the host's
// swap settings (pressure_overrides()).
Record run_vmlab_pressure(const Case& c, const MachineConfig& config, const HostSwapFacts& host) {
  MachineConfig pressure_config = config;
  try {
    for (const std::string& kv : pressure_overrides(*c.pressure, host)) pressure_config.apply_override(kv);
    pressure_config.validate();
  } catch (const std::exception& e) {
    return failed(c, std::string("config: ") + e.what());
  }
  return run_vmlab(c, pressure_config);
}

Record run_vmlab(const Case& c, const MachineConfig& config) {
  try {
    VmlabBackend b(config, c.pressure);
    return run_case(c, b);
  } catch (const std::exception& e) {
    return failed(c, std::string("vmlab: ") + e.what());
  }
}

int run_fidelity(const FidelityOptions& o, std::ostream& out, std::ostream& err) {
  std::vector<Case> cases;
  try {
    if (o.run_corpus) cases = load_cases(o.cases);
  } catch (const std::exception& e) {
    err << "vmlab fidelity: " << e.what() << "\n";
    return 2;
  }
  for (std::uint64_t n = 0; n < o.random; ++n) {
    cases.push_back(o.suite == Suite::pressure ? random_pressure_case(o.seed, n) : random_case(o.seed, n));
    if (!o.save_random_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o.save_random_dir, ec);
      std::ofstream f(o.save_random_dir + "/" + cases.back().name + ".json");
      f << case_to_json(cases.back()).dump(2) << "\n";
    }
  }
  if (!o.filter.empty()) {
    std::erase_if(cases, [&](const Case& c) { return c.name.find(o.filter) == std::string::npos; });
  }
  MachineConfig config = host_like_config();
  try {
    for (const auto& s : o.config_overrides) config.apply_override(s);
    config.validate();
  } catch (const std::exception& e) {
    err << "vmlab fidelity: " << e.what() << "\n";
    return 2;
  }
  const std::string runner = o.native_runner.empty() ? default_native_runner() : o.native_runner;
  if (runner.empty() || ::access(runner.c_str(), X_OK) != 0) {
    err << "vmlab fidelity: cannot run the native runner '" << runner
        << "' (build the vmlab-native-runner target or pass --runner)\n";
    return 2;
  }
  g_stop = 0;
  // Pressure cases need root, swapon and a memory cgroup; the runner says whether the
  // host has them and what vmlab copies of its swap.
  HostSwapFacts swap_facts;
  if (std::any_of(cases.begin(), cases.end(), [](const Case& c) { return c.pressure.has_value(); })) {
    const nlohmann::json probe = probe_pressure_host(runner);
    if (!probe.value("ok", false)) {
      const std::string why = probe.value("why", std::string("unknown"));
      if (o.suite == Suite::pressure) {
        out << "fidelity: pressure suite skipped: " << why << "\n";
        return 0;
      }
      const auto skipped = std::erase_if(cases, [](const Case& c) { return c.pressure.has_value(); });
      out << "fidelity: " << skipped << " pressure cases skipped: " << why << "\n";
    } else {
      swap_facts = {probe.at("rotational").get<bool>(), probe.at("swappiness").get<int>(),
                    probe.at("page_cluster").get<int>()};
      out << "pressure: memory cgroup " << probe.at("cgroup").get<std::string>() << " under "
          << probe.at("group_parent").get<std::string>() << ", pids cgroup under "
          << probe.at("pids_parent").get<std::string>() << ", swap files in "
          << probe.at("swap_dir").get<std::string>() << " on a " << (swap_facts.rotational ? "rotational" : "solid-state")
          << " disk (vmlab memory.swap_device=" << (swap_facts.rotational ? "hdd" : "ssd")
          << "), vm.swappiness=" << swap_facts.swappiness << " vm.page-cluster=" << swap_facts.page_cluster << "\n";
      const auto& foreign = probe.at("foreign_swap");
      if (!foreign.empty()) {
        out << "pressure: the host has swap of its own (" << foreign.dump()
            << "): pswpin and pswpout count its traffic too\n";
      }
    }
  }
  // The host settings vmlab copies, so a difference can be traced to them.
  out << "host: vm.overcommit_memory=" << config.overcommit_memory << " vm.zero_page=" << config.zero_page
      << " vm.read_ahead_kb=" << config.read_ahead_kb << "\n";
  char tmpl[] = "/tmp/vmlab-fidelity-run.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    err << "vmlab fidelity: cannot create a temporary directory\n";
    return 2;
  }
  const std::string tmp = tmpl;
  // A build leaves the host with much dirty page cache. While the flusher writes that
  // back it takes the cases' fresh dirty pages as well, cleaning them and locking them
  // under a fault (fault-around skips a locked page): start from a written-back disk.
  if (const int fd = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
    ::syncfs(fd);
    ::close(fd);
  }
  // Interrupted or writing to a closed pipe, the run still removes what it made.
  struct sigaction sa {}, old_int {}, old_term {}, old_pipe {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &old_int);
  ::sigaction(SIGTERM, &sa, &old_term);
  sa.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &sa, &old_pipe);
  std::size_t observations = 0, differ = 0, failed_cases = 0, host_varied = 0;
  for (std::size_t i = 0; i < cases.size() && !g_stop; ++i) {
    const Case& c = cases[i];
    Record lin, vml;
    if (c.linux_rule) {
      lin = expected_record(c);
      MachineConfig rule_config = config;
      try {
        if (c.pressure) {
          for (const std::string& kv : pressure_overrides(*c.pressure, swap_facts)) rule_config.apply_override(kv);
        }
        for (const auto& kv : c.config) rule_config.apply_override(kv);
        rule_config.validate();
        vml = restrict_to(run_vmlab(c, rule_config), lin);
      } catch (const std::exception& e) {
        vml.name = c.name;
        vml.error = std::string("config: ") + e.what();
      }
      for (std::size_t s = 0; s < lin.steps.size() && s < vml.steps.size(); ++s) lin.steps[s].label = vml.steps[s].label;
    } else {
      lin = run_native(c, runner, tmp + "/" + std::to_string(i));
      vml = c.pressure ? run_vmlab_pressure(c, config, swap_facts) : run_vmlab(c, config);
    }
    // A side that failed compares only what it ran (a step at a time, as far as it got).
    if (!lin.error.empty() || !vml.error.empty()) {
      const std::size_t both = std::min(lin.steps.size(), vml.steps.size());
      lin.steps.resize(both);
      vml.steps.resize(both);
    }
    Comparison cmp = compare_records(lin, vml);
    // The host's answer to some cases varies from run to run: writeback cleaning and
    // locking a case's dirty pages while it runs, a read completing before or after a
    // fault (docs/fidelity.md). vmlab's answer has to be one the host gives, so a case
    // that differs runs there again.
    const bool may_rerun = !c.linux_rule && lin.error.empty() && vml.error.empty() && !cmp.differences.empty();
    for (unsigned run = 2; may_rerun && run <= o.host_runs && !g_stop; ++run) {
      Record again = run_native(c, runner, tmp + "/" + std::to_string(i) + "-" + std::to_string(run));
      Comparison again_cmp = compare_records(again, vml);
      if (!again.error.empty() || !again_cmp.differences.empty()) continue;
      const Difference& d = cmp.differences.front();
      out << c.name << ": agreed on host run " << run << " of " << o.host_runs << " (run 1 differed in "
          << cmp.differences.size() << (cmp.differences.size() == 1 ? " observation" : " observations") << ": "
          << d.step << " " << d.field << ": linux=" << d.linux_value << " vmlab=" << d.vmlab_value << ")\n";
      ++host_varied;
      lin = std::move(again);
      cmp = std::move(again_cmp);
      break;
    }
    if (!o.dump_dir.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(o.dump_dir, ec);
      std::ofstream(o.dump_dir + "/" + c.name + ".linux.json") << record_to_json(lin).dump(1) << "\n";
      std::ofstream(o.dump_dir + "/" + c.name + ".vmlab.json") << record_to_json(vml).dump(1) << "\n";
    }
    if (!lin.error.empty() || !vml.error.empty()) {
      ++failed_cases;
      if (!lin.error.empty()) out << c.name << ": FAILED on linux: " << lin.error << "\n";
      if (!vml.error.empty()) out << c.name << ": FAILED on vmlab: " << vml.error << "\n";
    }
    observations += cmp.observations;
    differ += cmp.differences.size();
    for (const auto& d : cmp.differences) {
      out << c.name << " " << d.step << " " << d.field << ": linux=" << d.linux_value << " vmlab=" << d.vmlab_value
          << "\n";
    }
    if (o.verbose) {
      out << c.name << ": " << cmp.observations << " observations, " << cmp.differences.size() << " differ\n";
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  if (g_stop) {
    err << "vmlab fidelity: interrupted\n";
    return 130;
  }
  out << "fidelity: " << cases.size() << " cases, " << observations << " observations, " << differ << " differ\n";
  if (failed_cases > 0) out << "fidelity: " << failed_cases << " cases failed to run\n";
  if (host_varied > 0) {
    out << "fidelity: " << host_varied << (host_varied == 1 ? " case" : " cases")
        << " agreed only on a later host run (the host's own answer varied)\n";
  }
  return differ == 0 && failed_cases == 0 ? 0 : 1;
}

int fidelity_main(int argc, char** argv) {
  int code = 0;
  auto o = parse_fidelity_args(argc, argv, std::cout, std::cerr, code);
  if (!o) return code;
  return run_fidelity(*o, std::cout, std::cerr);
}

}  // namespace vmlab::fidelity
