#include "fidelity/rule.h"

#include <set>

namespace vmlab::fidelity {

Record expected_record(const Case& c) {
  Record r;
  r.name = c.name;
  int i = 0;
  for (const auto& s : c.steps) {
    StepRecord sr;
    sr.index = i++;
    if (s.contains("expect")) {
      for (const auto& [k, v] : s["expect"].items()) sr.add(k, v.is_string() ? v.get<std::string>() : v.dump());
    }
    r.steps.push_back(std::move(sr));
  }
  return r;
}

Record restrict_to(const Record& actual, const Record& expected) {
  Record r;
  r.name = actual.name;
  r.error = actual.error;
  for (std::size_t i = 0; i < actual.steps.size(); ++i) {
    StepRecord sr;
    sr.index = actual.steps[i].index;
    sr.label = actual.steps[i].label;
    if (i < expected.steps.size()) {
      std::set<std::string> wanted;
      for (const auto& f : expected.steps[i].fields) wanted.insert(f.first);
      for (const auto& f : actual.steps[i].fields) {
        if (wanted.count(f.first)) sr.fields.push_back(f);
      }
    }
    r.steps.push_back(std::move(sr));
  }
  return r;
}

}  // namespace vmlab::fidelity
