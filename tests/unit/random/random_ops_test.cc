// Random sequences of memory and file operations on several processes of one Machine,
// checked step by step against the shadow model (shadow_model.h) and the consistency
// checker. Fixed seeds keep CI deterministic; a failure prints the seed, the step and
// every operation so far, and the run can be replayed alone with
//   VMLAB_RANDOM_SEED=<seed> VMLAB_RANDOM_STEPS=<n> [VMLAB_RANDOM_CONTENTS=0]
//   [VMLAB_RANDOM_ZERO_PAGE=0] [VMLAB_RANDOM_RAM_MIB=n VMLAB_RANDOM_SWAP_MIB=n] unit_random --gtest_filter='*Replay*'
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "unit/random/random_runner.h"

namespace vmlab::random_test {
namespace {

void run_seeds(std::initializer_list<std::uint64_t> seeds, int steps, bool contents, bool zero_page,
               std::uint64_t ram = 256 * MiB, std::uint64_t swap = 0) {
  for (std::uint64_t seed : seeds) {
    const auto t0 = std::chrono::steady_clock::now();
    Runner runner(RunConfig{seed, steps, contents, zero_page, ram, swap});
    const bool ok = runner.run();
    EXPECT_TRUE(ok) << runner.failure();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("seed %llu: %d steps in %.2f s\n", static_cast<unsigned long long>(seed), steps, s);
    if (swap > 0) {
      // The run must have been under pressure, or it tested nothing new.
      EXPECT_GT(runner.vmstat("pswpout"), 0u) << "seed " << seed;
      EXPECT_GT(runner.vmstat("pswpin"), 0u) << "seed " << seed;
      std::printf("  pswpout %llu, pswpin %llu, pgsteal_kswapd %llu, pgsteal_direct %llu free %llu anon %llu\n",
                  static_cast<unsigned long long>(runner.vmstat("pswpout")),
                  static_cast<unsigned long long>(runner.vmstat("pswpin")),
                  static_cast<unsigned long long>(runner.vmstat("pgsteal_kswapd")),
                  static_cast<unsigned long long>(runner.vmstat("pgsteal_direct")), static_cast<unsigned long long>(runner.vmstat("nr_free_pages")), static_cast<unsigned long long>(runner.vmstat("nr_anon_pages")));
    }
    if (!ok) return;
  }
}

TEST(RandomOps, AgainstTheShadowModel) { run_seeds({1, 2, 3, 4}, 2000, true, true); }

TEST(RandomOps, WithoutTheZeroPage) { run_seeds({11, 12}, 2000, true, false); }

TEST(RandomOps, MetadataOnlyMachine) { run_seeds({21, 22}, 2000, false, true); }

// 16 MiB of RAM under processes that write runs of up to 256 pages: every step may find its pages swapped out, in the swap cache or read back
// with their neighbours, shared with a forked child, and the checker compares swap_map
// counts with the entries and the swap cache after each one.
TEST(RandomOps, UnderMemoryPressure) { run_seeds({31, 33}, 2000, true, true, 16 * MiB, 256 * MiB); }

// Replays one run from the environment (see the top of this file).
TEST(RandomOps, Replay) {
  const char* seed = std::getenv("VMLAB_RANDOM_SEED");
  if (seed == nullptr) GTEST_SKIP() << "set VMLAB_RANDOM_SEED (and VMLAB_RANDOM_STEPS) to replay a run";
  RunConfig rc;
  rc.seed = std::strtoull(seed, nullptr, 10);
  if (const char* s = std::getenv("VMLAB_RANDOM_STEPS")) rc.steps = std::atoi(s);
  if (const char* s = std::getenv("VMLAB_RANDOM_CONTENTS")) rc.contents = std::atoi(s) != 0;
  if (const char* s = std::getenv("VMLAB_RANDOM_ZERO_PAGE")) rc.zero_page = std::atoi(s) != 0;
  if (const char* s = std::getenv("VMLAB_RANDOM_RAM_MIB")) rc.ram_bytes = std::strtoull(s, nullptr, 10) * MiB;
  if (const char* s = std::getenv("VMLAB_RANDOM_SWAP_MIB")) rc.swap_bytes = std::strtoull(s, nullptr, 10) * MiB;
  Runner runner(rc);
  EXPECT_TRUE(runner.run()) << runner.failure();
  if (std::getenv("VMLAB_RANDOM_TRACE")) {
    for (const std::string& l : runner.trace()) std::printf("%s\n", l.c_str());
  }
}

}  // namespace
}  // namespace vmlab::random_test
