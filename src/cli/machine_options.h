// The options every vmlab command shares: which machine to simulate.
#pragma once

#include <string>
#include <vector>

#include "vmlab/config.h"

namespace CLI {
class App;
}

namespace vmlab::cli {

struct MachineOptions {
  std::string config_file;        // --config FILE
  std::vector<std::string> sets;  // --set key=value, in order

  // Adds --config and --set to `app`.
  void add_to(CLI::App& app);
  // These options given before a command's name, then `after` given after it: the
  // later --config replaces the earlier, and the --set overrides of both apply in order.
  MachineOptions then(const MachineOptions& after) const;
  // The defaults, then the file, then each override, validated. Throws ConfigError
  // with a one-line message naming the file (and line) or the override.
  MachineConfig build() const;
};

}  // namespace vmlab::cli
