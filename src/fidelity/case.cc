#include "fidelity/case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace vmlab::fidelity {

namespace {
Case one_case(const nlohmann::json& j, const std::string& origin) {
  if (!j.is_object()) throw std::runtime_error(origin + ": a case must be an object");
  if (!j.contains("name") || !j["name"].is_string()) throw std::runtime_error(origin + ": a case needs a \"name\"");
  if (!j.contains("steps") || !j["steps"].is_array()) {
    throw std::runtime_error(origin + ": case " + j["name"].get<std::string>() + " needs a \"steps\" array");
  }
  Case c;
  c.name = j["name"].get<std::string>();
  c.origin = origin;
  c.description = j.value("description", "");
  c.steps = j["steps"];
  bool expects = false;
  for (const auto& s : c.steps) {
    if (!s.is_object() || !s.contains("op") || !s["op"].is_string()) {
      throw std::runtime_error(origin + ": case " + c.name + ": every step needs an \"op\"");
    }
    if (s.contains("expect")) {
      if (!s["expect"].is_object()) {
        throw std::runtime_error(origin + ": case " + c.name + ": \"expect\" must map fields to values");
      }
      expects = true;
    }
  }
  if (j.contains("linux")) {
    if (j["linux"] != "rule") throw std::runtime_error(origin + ": case " + c.name + ": \"linux\" can only be \"rule\"");
    c.linux_rule = true;
    if (!expects) throw std::runtime_error(origin + ": case " + c.name + ": a rule case needs \"expect\" steps");
  }
  if (j.contains("config")) {
    // The host cannot be reconfigured, so only a rule case may set the machine up.
    if (!c.linux_rule) {
      throw std::runtime_error(origin + ": case " + c.name + ": \"config\" needs \"linux\": \"rule\"");
    }
    if (!j["config"].is_object()) throw std::runtime_error(origin + ": case " + c.name + ": \"config\" must be an object");
    for (const auto& [k, v] : j["config"].items()) {
      c.config.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
    }
  }
  if (j.contains("pressure")) {
    try {
      c.pressure = parse_pressure(j["pressure"]);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(origin + ": case " + c.name + ": " + e.what());
    }
  }
  return c;
}
}  // namespace

nlohmann::json case_to_json(const Case& c) {
  nlohmann::json j{{"name", c.name}};
  if (!c.description.empty()) j["description"] = c.description;
  if (c.linux_rule) j["linux"] = "rule";
  if (!c.config.empty()) {
    nlohmann::json config = nlohmann::json::object();
    for (const std::string& kv : c.config) config[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    j["config"] = config;
  }
  if (c.pressure) j["pressure"] = pressure_to_json(*c.pressure);
  j["steps"] = c.steps;
  return j;
}

std::vector<Case> parse_cases(const nlohmann::json& j, const std::string& origin) {
  std::vector<Case> out;
  if (j.is_array()) {
    for (const auto& c : j) out.push_back(one_case(c, origin));
  } else if (j.is_object() && j.contains("cases")) {
    for (const auto& c : j["cases"]) out.push_back(one_case(c, origin));
  } else {
    out.push_back(one_case(j, origin));
  }
  return out;
}

std::vector<Case> load_cases(const std::string& path) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  if (fs::is_directory(path)) {
    for (const auto& e : fs::recursive_directory_iterator(path)) {
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
  } else if (fs::exists(path)) {
    files.push_back(path);
  } else {
    throw std::runtime_error(path + ": no such file or directory");
  }
  std::vector<Case> out;
  std::set<std::string> names;
  for (const auto& f : files) {
    std::ifstream in(f);
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(f + ": " + e.what());
    }
    for (auto& c : parse_cases(j, f)) {
      if (!names.insert(c.name).second) throw std::runtime_error(f + ": duplicate case name " + c.name);
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace vmlab::fidelity
