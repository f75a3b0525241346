#include "cli/machine_options.h"

#include <CLI/CLI.hpp>

namespace vmlab::cli {

void MachineOptions::add_to(CLI::App& app) {
  app.add_option("--config", config_file, "Load the machine description from a TOML file (see configs/)")
      ->option_text("FILE");
  // One key=value per --set; later ones win, and all apply after --config.
  app.add_option("--set", sets, "Override one setting, e.g. --set memory.ram=512M (repeatable)")
      ->option_text("KEY=VALUE")
      ->expected(1)
      ->allow_extra_args(false)  // one value per occurrence: NAME or PROGRAM may follow
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

MachineOptions MachineOptions::then(const MachineOptions& after) const {
  MachineOptions both = *this;
  if (!after.config_file.empty()) both.config_file = after.config_file;
  both.sets.insert(both.sets.end(), after.sets.begin(), after.sets.end());
  return both;
}

MachineConfig MachineOptions::build() const {
  MachineConfig c = config_file.empty() ? MachineConfig{} : MachineConfig::from_file(config_file);
  for (const std::string& s : sets) c.apply_override(s);
  c.validate();
  return c;
}

}  // namespace vmlab::cli
