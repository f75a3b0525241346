// Compares the host kernel's record of a case with vmlab's, field by field.
#pragma once

#include <string>
#include <vector>

#include "fidelity/record.h"

namespace vmlab::fidelity {

struct Difference {
  std::string step;   // the step's label, "3:mmap A"
  std::string field;  // "ret", "minflt", "maps.A[0]", "smaps.A[0].Rss", ...
  std::string linux_value, vmlab_value;
};

struct Comparison {
  std::size_t observations = 0;  // fields compared
  std::vector<Difference> differences;
};

Comparison compare_records(const Record& linux_rec, const Record& vmlab_rec);

}  // namespace vmlab::fidelity
