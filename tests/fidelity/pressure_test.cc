// The pressure suite's parts that need neither root nor vmlab's reclaim: the case
// format, the v1 and v2 memory.stat fields, the skip patterns, the swap priming, the
// generator, and the one line the suite prints where the host cannot run it. The suite
// itself (tests/fidelity/CMakeLists.txt, FidelityPressureSuite) is disabled until vmlab
// reclaims and swaps.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fidelity/case.h"
#include "fidelity/fidelity.h"
#include "fidelity/memcg_stat.h"
#include "fidelity/pressure.h"
#include "fidelity/swap_priming.h"
#include "fidelity/vmlab_backend.h"

namespace vmlab::fidelity {
namespace {

using nlohmann::json;

TEST(Pressure, BlockParsing) {
  const PressureConfig p = parse_pressure(json::parse(R"({"memory_max": "32M", "swap_max": "8M", "swappiness": 200})"));
  EXPECT_EQ(p.memory_max, 32u << 20);
  EXPECT_EQ(p.swap, 64u << 20);  // the default area
  EXPECT_EQ(p.swap_max, 8u << 20);
  EXPECT_EQ(p.swappiness, 200);
  EXPECT_EQ(parse_pressure(json::parse(R"({"memory_max": 16777216, "swap": "0"})")).swap, 0u);
  for (const char* bad : {R"({"swap": "64M"})", R"({"memory_max": "32X"})", R"({"memory_max": "1000"})",
                          R"({"memory_max": "1G"})", R"({"memory_max": "32M", "swappiness": 201})",
                          R"({"memory_max": "32M", "colour": 1})"}) {
    EXPECT_THROW(parse_pressure(json::parse(bad)), std::invalid_argument) << bad;
  }
  EXPECT_EQ(parse_byte_size("64k"), 64u << 10);
  EXPECT_FALSE(parse_byte_size("M"));
}

TEST(Pressure, CaseFormat) {
  const json j = json::parse(R"({"name": "p", "pressure": {"memory_max": "16M"}, "steps": [{"op": "settle"}]})");
  const Case c = parse_cases(j, "p.json").at(0);
  ASSERT_TRUE(c.pressure);
  // What the native runner is given keeps the block.
  const Case again = parse_cases(case_to_json(c), "again").at(0);
  ASSERT_TRUE(again.pressure);
  EXPECT_EQ(again.pressure->memory_max, 16u << 20);
  // A rule case may be a pressure case too (checked on vmlab alone, in its group).
  json rule = j;
  rule["linux"] = "rule";
  rule["steps"][0]["expect"] = {{"ret", "0"}};
  const Case r = parse_cases(case_to_json(parse_cases(rule, "r.json").at(0)), "again").at(0);
  EXPECT_TRUE(r.linux_rule);
  EXPECT_TRUE(r.pressure);
}

TEST(Pressure, MemcgFieldsFromV1) {
  // A host's v1 memory.stat (local values first, then the hierarchy's).
  const std::string stat =
      "cache 8192\nrss 262144\nrss_huge 0\nshmem 4096\nmapped_file 8192\ndirty 4096\nwriteback 0\n"
      "workingset_refault_anon 64\nworkingset_refault_file 2\nswap 131072\nswapcached 16384\npgpgin 9\n"
      "pgpgout 3\npgfault 100\npgmajfault 11\ninactive_anon 0\nactive_anon 262144\ninactive_file 8192\n"
      "active_file 0\nunevictable 0\nhierarchical_memory_limit 33554432\ntotal_cache 8192\ntotal_rss 999\n";
  const MemcgFields f = memcg_fields_from_v1(stat, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  EXPECT_EQ(f.at("anon"), 262144u);  // rss, not total_rss
  EXPECT_EQ(f.at("file"), 8192u);
  EXPECT_EQ(f.at("file_mapped"), 8192u);
  EXPECT_EQ(f.at("file_dirty"), 4096u);
  EXPECT_EQ(f.at("swap"), 131072u);
  EXPECT_EQ(f.at("swapcached"), 16384u);
  EXPECT_EQ(f.at("pgmajfault"), 11u);
  EXPECT_EQ(f.at("oom_kill"), 2u);
  EXPECT_FALSE(f.contains("active_anon"));
  EXPECT_THROW(memcg_fields_from_v1("rss 1\n", "oom_kill 0\n"), std::runtime_error);
}

TEST(Pressure, MemcgFieldsFromV2) {
  // v2 charges a slot from allocation to release: v1's count is swap.current less the
  // swap cache.
  const std::string stat =
      "anon 262144\nfile 8192\nkernel 4096\nshmem 4096\nfile_mapped 8192\nfile_dirty 4096\nswapcached 16384\n"
      "workingset_refault_anon 64\nworkingset_refault_file 2\npgmajfault 11\n";
  const MemcgFields f = memcg_fields_from_v2(stat, "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n",
                                             147456);
  EXPECT_EQ(f, memcg_fields_from_v1("rss 262144\ncache 8192\nshmem 4096\nmapped_file 8192\ndirty 4096\n"
                                    "swapcached 16384\nworkingset_refault_anon 64\nworkingset_refault_file 2\n"
                                    "pgmajfault 11\nswap 131072\n",
                                    "oom_kill 1\n"));
  EXPECT_TRUE(memcg_field_is_cumulative("pgmajfault"));
  EXPECT_TRUE(memcg_field_is_cumulative("oom_kill"));
  EXPECT_FALSE(memcg_field_is_cumulative("swap"));
}

TEST(Pressure, SwapPrimingSwapsInThreeTimes) {
  const json steps = swap_priming_steps();
  int pageouts = 0, writes = 0;
  for (const json& s : steps) {
    if (s["op"] == "madvise") ++pageouts;
    if (s["op"] == "store") ++writes;
  }
  EXPECT_EQ(pageouts, 6);
  EXPECT_EQ(writes, 4);  // the first fault, then one swap-in each
  EXPECT_EQ(steps.front()["op"], "mmap");
  EXPECT_EQ(steps.back()["op"], "munmap");
}

// A step's "skip" patterns drop fields on both sides alike (here on vmlab alone).
TEST(Pressure, SkipDropsMatchingFields) {
  const json j = json::parse(R"({"name": "s", "steps": [
      {"op": "mmap", "map": "A", "pages": 2, "prot": "rw", "flags": "private|anonymous"},
      {"op": "touch", "map": "A", "write": true},
      {"op": "observe", "skip": ["majflt", "smaps.*.Rss", "maps.*"]}]})");
  const Record r = run_vmlab(parse_cases(j, "s.json").at(0), MachineConfig{});
  ASSERT_TRUE(r.error.empty()) << r.error;
  std::vector<std::string> names;
  for (const auto& f : r.steps.at(2).fields) names.push_back(f.first);
  EXPECT_NE(std::find(names.begin(), names.end(), "minflt"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "smaps.A[0].Pss"), names.end());
  for (const char* gone : {"majflt", "smaps.A[0].Rss", "maps.A[0]"}) {
    EXPECT_EQ(std::find(names.begin(), names.end(), gone), names.end()) << gone;
  }
}

TEST(Pressure, RandomCasesRepeat) {
  const Case a = random_pressure_case(3, 7);
  EXPECT_EQ(a.name, "pressure-random-3-7");
  ASSERT_TRUE(a.pressure);
  EXPECT_EQ(case_to_json(a).dump(), case_to_json(random_pressure_case(3, 7)).dump());
  EXPECT_NE(a.steps.dump(), random_pressure_case(3, 8).steps.dump());
  // Every generated case is one a case file could hold.
  for (std::uint64_t n = 0; n < 50; ++n) {
    EXPECT_NO_THROW(parse_cases(case_to_json(random_pressure_case(1, n)), "gen")) << n;
  }
}

TEST(Pressure, OverridesGiveTheSwapArea) {
  PressureConfig p;
  p.memory_max = 32 << 20;
  p.swappiness = 0;
  const auto kv = pressure_overrides(p, HostSwapFacts{true, 60, 3});
  EXPECT_EQ(kv, (std::vector<std::string>{"memory.swap=67108864", "memory.swap_device=hdd", "vm.swappiness=0",
                                          "vm.page-cluster=3"}));
}

TEST(Pressure, SuiteOption) {
  const char* argv[] = {"fidelity", "--suite", "pressure", "--random", "4"};
  int code = -1;
  std::ostringstream out, err;
  auto o = parse_fidelity_args(5, const_cast<char**>(argv), out, err, code);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->suite, Suite::pressure);
  EXPECT_EQ(o->cases, default_pressure_cases_dir());
  const char* bad[] = {"fidelity", "--suite", "heavy"};
  EXPECT_FALSE(parse_fidelity_args(3, const_cast<char**>(bad), out, err, code));
  EXPECT_EQ(code, 2);
}

// Where the host cannot run the suite (not root, no swapon, no memory controller), one
// line says why and the run succeeds.
TEST(Pressure, SkippedWithOneLineWhereTheHostCannot) {
  const std::string dir = ::testing::TempDir() + "/vmlab-pressure-skip";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string runner = dir + "/runner";
  std::ofstream(runner) << "#!/bin/sh\necho '{\"ok\": false, \"why\": \"swapon: Operation not permitted\"}'\n";
  std::filesystem::permissions(runner, std::filesystem::perms::owner_all);
  FidelityOptions o;
  o.suite = Suite::pressure;
  o.cases = default_pressure_cases_dir();
  o.native_runner = runner;
  std::ostringstream out, err;
  EXPECT_EQ(run_fidelity(o, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "fidelity: pressure suite skipped: swapon: Operation not permitted\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vmlab::fidelity
