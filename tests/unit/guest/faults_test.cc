// Page faults of guest programs, counted as Linux counts them: each first store to an
// untouched anonymous page is one minor fault; the machine's counters stay consistent.
#include <gtest/gtest.h>

#include "kernel/checker.h"
#include "unit/guest/guest_programs.h"
#include "unit/guest/mini_runner.h"

namespace vmlab::test {
namespace {

std::uint64_t minflt_touching(int pages) {
  MiniRunner r;
  r.load(guest_program("touch_pages"), {"touch_pages", std::to_string(pages)});
  RunResult res = r.run();
  EXPECT_TRUE(res.exited);
  EXPECT_EQ(res.exit_code, static_cast<int>((pages * (pages - 1) / 2) & 0x7f));
  const auto problems = kern::check_consistency(r.machine().kernel);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front());
  return r.process().usage.min_flt;
}

TEST(Faults, TouchingAHundredPagesTakesAHundredMinorFaults) {
  const std::uint64_t base = minflt_touching(0);
  EXPECT_GT(base, 0u);  // the program's own text, data and stack
  EXPECT_EQ(minflt_touching(100), base + 100);
  EXPECT_EQ(minflt_touching(150), base + 150);
}

TEST(Faults, ExecutingFromANewPageFaultsItIn) {
  // cross_page spans five pages of text; each is faulted in (or mapped around) once.
  MiniRunner r;
  r.load(guest_program("cross_page"));
  RunResult res = r.run();
  ASSERT_TRUE(res.exited);
  EXPECT_GT(r.process().usage.min_flt, 0u);
  EXPECT_EQ(r.process().usage.maj_flt, 0u);
}

}  // namespace
}  // namespace vmlab::test
