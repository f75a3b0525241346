// The list `vmlab demo` runs, in order, and lookup by name.
#include <array>

#include "cli/demos/demos.h"

namespace vmlab::demos {

namespace {
constexpr std::array kDemos = {
    DemoInfo{"filemap", "a file mapped MAP_SHARED 100 MiB long, written through memory; SIGBUS past its end",
             run_filemap},
    DemoInfo{"demand-paging", "100 MiB mapped, then touched 10 MiB at a time", run_demand_paging},
    DemoInfo{"cow", "100 MiB touched, two forks, the second child writes: copy-on-write", run_cow},
    DemoInfo{"shared-vs-private", "one file mapped MAP_SHARED and MAP_PRIVATE: who sees whose writes",
             run_shared_vs_private},
};
}  // namespace

std::span<const DemoInfo> all_demos() { return kDemos; }

const DemoInfo* find_demo(std::string_view name) {
  for (const DemoInfo& d : kDemos)
    if (d.name == name) return &d;
  return nullptr;
}

Experiment run(const DemoInfo& demo, const MachineConfig& config) {
  Machine m(config);
  return demo.run(m);
}

}  // namespace vmlab::demos
