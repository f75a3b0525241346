// vmlab: the command-line front end. `vmlab demo [NAME]` runs the classic experiments
// and prints what Linux would show; `vmlab config` prints the effective machine.
// Usage errors (bad options, a malformed config, an unknown demo) print one line on
// stderr and exit with status 2; an experiment that could not finish exits with 1.
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/demos/demos.h"
#include "cli/machine_options.h"
#include "cli/run_command.h"
#include "fidelity/fidelity.h"

namespace {

constexpr int kUsageError = 2;
constexpr int kRunError = 1;

// Error messages stay on one line whatever they quote.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

int usage_error(const std::string& what) {
  std::cerr << "vmlab: " << one_line(what) << '\n';
  return kUsageError;
}

std::string demo_list() {
  std::string out = "Demos (run in this order when NAME is omitted):\n";
  for (const auto& d : vmlab::demos::all_demos()) out += fmt::format("  {:<18} {}\n", d.name, d.summary);
  return out;
}

int run_demos(const vmlab::MachineConfig& config, const std::string& name, bool json) {
  std::vector<const vmlab::demos::DemoInfo*> chosen;
  if (name.empty()) {
    for (const auto& d : vmlab::demos::all_demos()) chosen.push_back(&d);
  } else if (const auto* d = vmlab::demos::find_demo(name)) {
    chosen.push_back(d);
  } else {
    std::string names;
    for (const auto& d : vmlab::demos::all_demos()) names += (names.empty() ? "" : ", ") + std::string(d.name);
    return usage_error(fmt::format("unknown demo '{}' (choose from {})", name, names));
  }

  int status = 0;
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  bool first = true;
  for (const auto* d : chosen) {
    const vmlab::demos::Experiment e = vmlab::demos::run(*d, config);
    if (json) {
      all.push_back(vmlab::demos::to_json(e));
    } else {
      if (!first) std::cout << '\n';
      std::cout << vmlab::demos::to_text(e) << std::flush;
    }
    first = false;
    if (!e.stopped.empty()) {
      std::cerr << "vmlab: demo " << e.name << " stopped early: " << one_line(e.stopped) << '\n';
      status = kRunError;
    }
    if (!e.check_problems.empty()) {
      std::cerr << "vmlab: demo " << e.name << ": consistency check failed: " << one_line(e.check_problems.front())
                << '\n';
      status = kRunError;
    }
  }
  if (json) {
    nlohmann::ordered_json out;
    out["experiments"] = std::move(all);
    std::cout << out.dump(2) << '\n';
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // `vmlab fidelity ...` has options of its own (see src/fidelity/fidelity.h): it is
  // handed over whole, before the machine options are parsed.
  if (argc >= 2 && std::string_view(argv[1]) == "fidelity") return vmlab::fidelity::fidelity_main(argc - 1, argv + 1);

  CLI::App app{
      "vmlab: the Linux virtual-memory system, simulated in user space. Runs the classic\n"
      "experiments (file mapping, demand paging, copy-on-write, shared versus private\n"
      "mappings) and shows what Linux shows: /proc maps and status lines, fault counts,\n"
      "free and sar -r.",
      "vmlab"};
  app.require_subcommand(1);
  // --config and --set may come before the command name or anywhere after it: each
  // command has them too (a parent's option met inside a command would end the
  // command's own arguments there).
  vmlab::cli::MachineOptions machine;
  machine.add_to(app);
  vmlab::cli::MachineOptions command_machine;
  app.footer(
      "Examples:\n"
      "  vmlab demo                          run the four experiments in order\n"
      "  vmlab demo cow --json               one experiment, as JSON\n"
      "  vmlab demo --config configs/small.toml --set vm.zero_page=false\n"
      "  vmlab config --set memory.ram=512M  print the effective machine as TOML\n"
      "  vmlab run [--mount H:G] [--sample 1s] [--report F] PROGRAM [ARGS...]\n"
      "                                      run a riscv64 Linux program\n"
      "  vmlab fidelity [--cases DIR] [--random N --seed S]\n"
      "                                      run cases side by side with the host kernel");

  CLI::App* demo = app.add_subcommand("demo", "Run the classic experiments (all four, or the one named)");
  std::string name;
  bool json = false;
  bool list = false;
  demo->add_option("NAME", name, "filemap, demand-paging, cow or shared-vs-private; all when omitted");
  demo->add_flag("--json", json, "Print the observations as JSON instead of text");
  demo->add_flag("--list", list, "List the demos and exit");
  command_machine.add_to(*demo);
  demo->footer(demo_list() +
               "\nEach step prints what the program did, what Linux did and why, what to notice,\n"
               "then /proc/PID/maps, the VmSize:/VmRSS: lines of /proc/PID/status, minflt (field 10\n"
               "of /proc/PID/stat), free and sar -r, in Linux's own formats. The machine options\n"
               "--config FILE and --set KEY=VALUE (see vmlab --help) may follow NAME.");

  CLI::App* config = app.add_subcommand("config", "Print the effective machine configuration as TOML");
  command_machine.add_to(*config);

  vmlab::cli::RunOptions run_options;
  CLI::App* run = vmlab::cli::add_run_command(app, run_options);
  command_machine.add_to(*run);

  try {
    // `vmlab run ... PROGRAM ARGS...`: the program's arguments are not vmlab's.
    const int parsed = vmlab::cli::run_args_start(argc, argv);
    for (int i = parsed; i < argc; ++i) run_options.args.emplace_back(argv[i]);
    app.parse(parsed, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    if (app.get_subcommands().empty() && dynamic_cast<const CLI::RequiredError*>(&e) != nullptr)
      return usage_error("a command is required: demo, run or config (see vmlab --help)");
    return usage_error(fmt::format("{} (see vmlab --help)", e.what()));
  }

  try {
    if (demo->parsed() && list) {
      std::cout << demo_list();
      return 0;
    }
    const vmlab::MachineConfig cfg = machine.then(command_machine).build();
    if (run->parsed()) return vmlab::cli::run_command(cfg, run_options);
    if (config->parsed()) {
      std::cout << cfg.to_toml();
      return 0;
    }
    return run_demos(cfg, name, json);
  } catch (const vmlab::ConfigError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    std::cerr << "vmlab: internal error: " << one_line(e.what()) << '\n';
    return kRunError;
  }
}
