#include "fidelity/compare.h"

#include <algorithm>
#include <map>

namespace vmlab::fidelity {

Comparison compare_records(const Record& a, const Record& b) {
  Comparison c;
  const std::size_t n = std::max(a.steps.size(), b.steps.size());
  for (std::size_t i = 0; i < n; ++i) {
    const StepRecord* sa = i < a.steps.size() ? &a.steps[i] : nullptr;
    const StepRecord* sb = i < b.steps.size() ? &b.steps[i] : nullptr;
    const std::string label = sa ? sa->label : sb->label;
    // Fields in the order the host showed them, then any only vmlab showed.
    std::vector<std::string> order;
    std::map<std::string, std::string> fa, fb;
    if (sa) {
      for (const auto& [k, v] : sa->fields) {
        if (fa.emplace(k, v).second) order.push_back(k);
      }
    }
    if (sb) {
      for (const auto& [k, v] : sb->fields) {
        if (fb.emplace(k, v).second && !fa.count(k)) order.push_back(k);
      }
    }
    for (const auto& k : order) {
      ++c.observations;
      auto ia = fa.find(k);
      auto ib = fb.find(k);
      const std::string va = ia == fa.end() ? "(none)" : ia->second;
      const std::string vb = ib == fb.end() ? "(none)" : ib->second;
      if (va != vb) c.differences.push_back({label, k, va, vb});
    }
  }
  return c;
}

}  // namespace vmlab::fidelity
