// `vmlab fidelity`: runs cases side by side on the host kernel (through the native
// runner) and on vmlab, and reports every disagreement.
//
//   int rc = vmlab::fidelity::fidelity_main(argc, argv);   // argv[0] is the command name
//
// or, with options already parsed:
//
//   vmlab::fidelity::FidelityOptions o;  o.cases = "tests/fidelity/cases";
//   int rc = vmlab::fidelity::run_fidelity(o, std::cout, std::cerr);
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "fidelity/case.h"
#include "fidelity/record.h"
#include "vmlab/config.h"

namespace vmlab::fidelity {

// The default corpus, or the cases that run under memory pressure (tests/fidelity/
// pressure-cases and random_pressure_case(); they need root, swapon and a memory cgroup).
enum class Suite { standard, pressure };

struct FidelityOptions {
  Suite suite = Suite::standard;
  std::string cases;             // a directory or file of cases; "" with random > 0: random cases only
  bool run_corpus = true;        // false when only --random was asked for
  std::uint64_t random = 0;      // generated cases to run as well
  std::uint64_t seed = 1;
  // A case that differs runs on the host again, up to this many runs in all, and agrees
  // if one of them gives vmlab's answer: where the host's own answer varies from run to
  // run (writeback, a read completing during the case), vmlab's must be one it gives.
  unsigned host_runs = 3;
  std::string filter;            // run only cases whose name contains this
  std::string native_runner;     // path of vmlab-native-runner; "" = the built one
  std::string dump_dir;          // if set, write each case's two records there
  std::string save_random_dir;   // if set, write each generated case there as a case file
  bool verbose = false;          // a line per case
  std::vector<std::string> config_overrides;  // --set key=value over the host-like config
};

// The default corpus directories and native runner, as built.
std::string default_cases_dir();
std::string default_pressure_cases_dir();
std::string default_native_runner();

// Parses `vmlab fidelity` arguments (argv[0] is skipped): [--cases DIR] [--random N]
// [--seed S] [--filter TEXT] [--host-runs N] [--runner PATH] [--dump DIR]
// [--save-random DIR] [-v] [--set key=value]. On error or --help: nullopt, with
// `exit_code` set (2 or 0) and the message written to `err`/`out`.
std::optional<FidelityOptions> parse_fidelity_args(int argc, char** argv, std::ostream& out, std::ostream& err,
                                                   int& exit_code);

// Runs the cases; prints each difference as `case step field: linux=X vmlab=Y`, each
// case that agreed only on a later host run as `case: agreed on host run R of N (...)`,
// then `fidelity: N cases, M observations, K differ`. 0 when nothing differs and every
// case ran.
int run_fidelity(const FidelityOptions& options, std::ostream& out, std::ostream& err);

// parse_fidelity_args + run_fidelity on std::cout / std::cerr.
int fidelity_main(int argc, char** argv);

// One case on each side.
Record run_native(const Case& c, const std::string& runner, const std::string& workdir);
Record run_vmlab(const Case& c, const MachineConfig& config);
struct HostSwapFacts;
Record run_vmlab_pressure(const Case& c, const MachineConfig& config, const HostSwapFacts& host);

// What the native runner finds of the host for pressure cases (--probe-pressure).
nlohmann::json probe_pressure_host(const std::string& runner);

// The n-th random case of a seed (valid and invalid step sequences).
Case random_case(std::uint64_t seed, std::uint64_t n);
// The n-th random pressure case of a seed (random_pressure_case.cc).
Case random_pressure_case(std::uint64_t seed, std::uint64_t n);

}  // namespace vmlab::fidelity
