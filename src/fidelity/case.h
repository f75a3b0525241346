// The fidelity harness's case files: a named sequence of steps over one or more
// processes, with symbolic addresses, run the same way on the host kernel and on vmlab.
// See docs/fidelity.md for the format.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fidelity/pressure.h"

namespace vmlab::fidelity {

struct Case {
  std::string name;
  std::string origin;       // the file it came from ("" for generated cases)
  std::string description;
  nlohmann::json steps;     // an array of step objects, interpreted by the driver
  // A rule case ("linux": "rule") checks vmlab against Linux's documented rule where
  // the host cannot show the behaviour (a setting it cannot take, such as a small
  // machine in overcommit mode 2): its steps carry the expected fields ("expect") and
  // vmlab runs with `config` (key=value settings) over the host-like configuration.
  bool linux_rule = false;
  std::vector<std::string> config;
  // A pressure case ("pressure": {...}) runs its processes in a memory cgroup with a
  // swap area beside it (pressure.h).
  std::optional<PressureConfig> pressure;
};

// The case as a case file holds it (what the native runner is given).
nlohmann::json case_to_json(const Case& c);

// A case file holds one case (an object with "name" and "steps"), an array of them, or
// {"cases": [...]}. Throws std::runtime_error naming the file and the problem.
std::vector<Case> parse_cases(const nlohmann::json& j, const std::string& origin);
// Every *.json file under `path` (a file or a directory, recursively, sorted by path).
std::vector<Case> load_cases(const std::string& path);

}  // namespace vmlab::fidelity
