// What one side (the host kernel or vmlab) showed while running a case: for every
// step, named fields with their values as text. Two records of one case are compared
// field by field.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace vmlab::fidelity {

struct StepRecord {
  int index = 0;
  std::string label;  // "3 main mmap A"
  std::vector<std::pair<std::string, std::string>> fields;
  void add(std::string name, std::string value) { fields.emplace_back(std::move(name), std::move(value)); }
};

struct Record {
  std::string name;
  std::string error;  // non-empty: the run failed (the runner crashed, timed out, or the case is malformed)
  std::vector<StepRecord> steps;
};

nlohmann::json record_to_json(const Record& r);
Record record_from_json(const nlohmann::json& j);

}  // namespace vmlab::fidelity
