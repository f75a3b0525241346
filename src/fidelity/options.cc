// `vmlab fidelity`'s command line (CLI11).
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "fidelity/fidelity.h"

namespace vmlab::fidelity {

std::optional<FidelityOptions> parse_fidelity_args(int argc, char** argv, std::ostream& out, std::ostream& err,
                                                   int& exit_code) {
  FidelityOptions o;
  CLI::App app{"Runs fidelity cases on the host kernel and on vmlab and prints every difference.",
               "vmlab fidelity"};
  app.add_option("--suite", o.suite,
                 "standard: the corpus and random cases; pressure: cases under memory pressure (a memory cgroup "
                 "and swap on the host; needs root)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, Suite>{{"standard", Suite::standard},
                                                                        {"pressure", Suite::pressure}}))
      ->type_name("NAME");
  app.add_option("--cases", o.cases, "A case file or a directory of them (default: the suite's corpus)")
      ->type_name("DIR|FILE");
  app.add_option("--random", o.random, "Also run N generated cases (alone, without --cases: only them)")
      ->type_name("N");
  app.add_option("--seed", o.seed, "The generator's seed")->type_name("S");
  app.add_option("--filter", o.filter, "Run only the cases whose name contains TEXT")->type_name("TEXT");
  app.add_option("--host-runs", o.host_runs,
                 "Run a case that differs on the host again, up to N (1 to 100, default 3) runs in all; "
                 "it agrees if one does")
      ->check(CLI::Range(1u, 100u).description(""))
      ->type_name("N");
  app.add_option("--runner", o.native_runner, "The native runner (default: the one built beside vmlab)")
      ->type_name("PATH");
  app.add_option("--dump", o.dump_dir, "Write each case's two records to DIR as JSON")->type_name("DIR");
  app.add_option("--save-random", o.save_random_dir, "Write the generated cases to DIR as case files")
      ->type_name("DIR");
  app.add_option("--set", o.config_overrides, "A machine setting over the host-like configuration")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
  app.add_flag("-v,--verbose", o.verbose, "A line per case");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    exit_code = 0;
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    err << "vmlab fidelity: " << e.what() << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  // --random alone runs only the random cases; add --cases to run both.
  if (o.random > 0 && app.count("--cases") == 0) o.run_corpus = false;
  if (o.cases.empty()) o.cases = o.suite == Suite::pressure ? default_pressure_cases_dir() : default_cases_dir();
  return o;
}

}  // namespace vmlab::fidelity
