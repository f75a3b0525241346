// The consistency checker: recounts the memory state from the page tables, VMAs,
// page caches and free lists, and compares with the counters kept incrementally.
#pragma once

#include <string>
#include <vector>

namespace vmlab::kern {

class Kernel;

// One line per disagreement; empty when everything agrees.
std::vector<std::string> check_consistency(Kernel& kernel);

}  // namespace vmlab::kern
