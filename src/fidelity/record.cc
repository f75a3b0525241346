#include "fidelity/record.h"

namespace vmlab::fidelity {

nlohmann::json record_to_json(const Record& r) {
  nlohmann::json j;
  j["case"] = r.name;
  if (!r.error.empty()) j["error"] = r.error;
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : r.steps) {
    nlohmann::json fields = nlohmann::json::array();
    for (const auto& [k, v] : s.fields) fields.push_back({k, v});
    steps.push_back({{"step", s.index}, {"label", s.label}, {"fields", fields}});
  }
  j["steps"] = steps;
  return j;
}

Record record_from_json(const nlohmann::json& j) {
  Record r;
  r.name = j.value("case", "");
  r.error = j.value("error", "");
  if (j.contains("steps")) {
    for (const auto& s : j["steps"]) {
      StepRecord sr;
      sr.index = s.value("step", 0);
      sr.label = s.value("label", "");
      for (const auto& f : s["fields"]) sr.add(f[0].get<std::string>(), f[1].get<std::string>());
      r.steps.push_back(std::move(sr));
    }
  }
  return r;
}

}  // namespace vmlab::fidelity
