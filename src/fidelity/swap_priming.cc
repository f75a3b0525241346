#include "fidelity/swap_priming.h"

namespace vmlab::fidelity {

nlohmann::json swap_priming_steps() {
  using nlohmann::json;
  json steps = json::array();
  steps.push_back({{"op", "mmap"}, {"map", kPrimingMap}, {"pages", 1}});
  // Not a zero page: Linux writes none of those to the area (swap_writeout()'s zeromap).
  const json write = {{"op", "store"}, {"map", kPrimingMap}, {"value", 0x5a}};
  steps.push_back(write);
  for (int swapin = 0; swapin < 3; ++swapin) {
    steps.push_back({{"op", "madvise"}, {"map", kPrimingMap}, {"advice", "pageout"}});
    steps.push_back({{"op", "settle"}});
    steps.push_back({{"op", "load"}, {"map", kPrimingMap}});
    steps.push_back({{"op", "madvise"}, {"map", kPrimingMap}, {"advice", "pageout"}});
    steps.push_back(write);
  }
  steps.push_back({{"op", "munmap"}, {"map", kPrimingMap}});
  return steps;
}

}  // namespace vmlab::fidelity
