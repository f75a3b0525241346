// The fidelity harness as a test: the corpus in cases/ and 200 random cases must show
// no difference between the host kernel and vmlab.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "fidelity/compare.h"
#include "fidelity/driver.h"
#include "fidelity/fidelity.h"

namespace vmlab::fidelity {
namespace {

TEST(Fidelity, Corpus) {
  FidelityOptions o;
  o.cases = default_cases_dir();
  std::ostringstream out, err;
  const int rc = run_fidelity(o, out, err);
  EXPECT_EQ(rc, 0) << out.str() << err.str();
  EXPECT_NE(out.str().find(" 0 differ"), std::string::npos) << out.str();
  std::cout << out.str().substr(out.str().rfind("fidelity:"));
}

TEST(Fidelity, Random200Seed1) {
  FidelityOptions o;
  o.run_corpus = false;
  o.random = 200;
  o.seed = 1;
  std::ostringstream out, err;
  const int rc = run_fidelity(o, out, err);
  EXPECT_EQ(rc, 0) << out.str() << err.str();
  std::cout << out.str().substr(out.str().rfind("fidelity:"));
}

TEST(Fidelity, RandomCasesRepeat) {
  EXPECT_EQ(random_case(7, 3).steps.dump(), random_case(7, 3).steps.dump());
  EXPECT_NE(random_case(7, 3).steps.dump(), random_case(7, 4).steps.dump());
}

TEST(Fidelity, ComparerReportsEachField) {
  Record a, b;
  a.name = b.name = "x";
  a.steps.push_back({0, "0:observe", {{"minflt", "1"}, {"majflt", "0"}}});
  b.steps.push_back({0, "0:observe", {{"minflt", "2"}, {"majflt", "0"}}});
  Comparison c = compare_records(a, b);
  EXPECT_EQ(c.observations, 2u);
  ASSERT_EQ(c.differences.size(), 1u);
  EXPECT_EQ(c.differences[0].field, "minflt");
  EXPECT_EQ(c.differences[0].linux_value, "1");
  EXPECT_EQ(c.differences[0].vmlab_value, "2");
}

// A rule case compares vmlab with the values its steps expect, under its own config;
// a wrong expectation is reported like any difference.
TEST(Fidelity, RuleCaseChecksExpectations) {
  const auto rule = [](const char* ret) {
    return nlohmann::json::parse(std::string(R"({"name": "r", "linux": "rule",
      "config": {"memory.ram": "64M", "vm.overcommit_memory": 2},
      "steps": [{"op": "mmap", "map": "A", "pages": 10240, "prot": "rw", "flags": "private|anonymous",
                 "expect": {"ret": ")") + ret + R"("}}]})");
  };
  const std::string dir = ::testing::TempDir() + "/vmlab-rule-cases";
  std::filesystem::create_directories(dir);
  for (const char* ret : {"ENOMEM", "EINVAL"}) {
    std::ofstream(dir + "/r.json") << rule(ret).dump();
    FidelityOptions o;
    o.cases = dir;
    std::ostringstream out, err;
    const int rc = run_fidelity(o, out, err);
    if (std::string(ret) == "ENOMEM") {
      EXPECT_EQ(rc, 0) << out.str() << err.str();
    } else {
      EXPECT_NE(out.str().find("r 0:mmap A ret: linux=EINVAL vmlab=ENOMEM"), std::string::npos) << out.str();
    }
  }
  std::filesystem::remove_all(dir);
}

// A case whose host answer varies: a wrapper around the native runner makes the first
// host runs differ (minflt 7), later runs are the runner's own. With the default three
// host runs the case agrees on the first run that agrees, and the run says so; with one
// run, or when every run differs, it differs.
TEST(Fidelity, CaseThatDiffersRunsOnTheHostAgain) {
  const std::string dir = ::testing::TempDir() + "/vmlab-host-runs";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/case.json") << R"({"name": "varies", "steps": [{"op": "observe"}]})";
  const std::string wrapper = dir + "/runner";
  // The first N runs differ, N read from the file `differing`; `ran` counts the runs.
  const std::string runner = "'" + default_native_runner() + "' \"$@\"";
  std::ofstream(wrapper) << "#!/bin/sh\n"
                         << "echo >> '" << dir << "/ran'\n"
                         << "if [ \"$(wc -l < '" << dir << "/ran')\" -gt \"$(cat '" << dir << "/differing')\" ]; then\n"
                         << "  exec " << runner << "\n"
                         << "fi\n"
                         << runner << " | sed 's/\\[\"minflt\",\"0\"\\]/[\"minflt\",\"7\"]/'\n";
  std::ofstream(dir + "/differing") << "1\n";
  std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all);
  FidelityOptions o;
  o.cases = dir + "/case.json";
  o.native_runner = wrapper;
  std::ostringstream out, err;
  EXPECT_EQ(run_fidelity(o, out, err), 0) << out.str() << err.str();
  EXPECT_NE(out.str().find("varies: agreed on host run 2 of 3 (run 1 differed in 1 observation: "
                           "0:observe minflt: linux=7 vmlab=0)"),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("fidelity: 1 case agreed only on a later host run"), std::string::npos) << out.str();

  std::filesystem::remove(dir + "/ran");
  o.host_runs = 1;
  std::ostringstream out1, err1;
  EXPECT_EQ(run_fidelity(o, out1, err1), 1) << out1.str() << err1.str();
  EXPECT_NE(out1.str().find("varies 0:observe minflt: linux=7 vmlab=0"), std::string::npos) << out1.str();
  EXPECT_NE(out1.str().find(" 1 differ"), std::string::npos) << out1.str();

  // Two runs that differ, then one that agrees: the third of three.
  std::filesystem::remove(dir + "/ran");
  std::ofstream(dir + "/differing") << "2\n";
  o.host_runs = 3;
  std::ostringstream out3, err3;
  EXPECT_EQ(run_fidelity(o, out3, err3), 0) << out3.str() << err3.str();
  EXPECT_NE(out3.str().find("varies: agreed on host run 3 of 3"), std::string::npos) << out3.str();

  // Every run differs: a difference, and no case reported as agreeing.
  std::filesystem::remove(dir + "/ran");
  std::ofstream(dir + "/differing") << "3\n";
  std::ostringstream out4, err4;
  EXPECT_EQ(run_fidelity(o, out4, err4), 1) << out4.str() << err4.str();
  EXPECT_NE(out4.str().find("varies 0:observe minflt: linux=7 vmlab=0"), std::string::npos) << out4.str();
  EXPECT_EQ(out4.str().find("agreed"), std::string::npos) << out4.str();
  std::filesystem::remove_all(dir);
}

TEST(Fidelity, ConfigNeedsRule) {
  auto j = nlohmann::json::parse(R"({"name": "c", "config": {"vm.overcommit_memory": 2}, "steps": [{"op": "observe"}]})");
  EXPECT_THROW(parse_cases(j, "x.json"), std::runtime_error);
  j = nlohmann::json::parse(R"({"name": "c", "linux": "rule", "steps": [{"op": "observe"}]})");
  EXPECT_THROW(parse_cases(j, "x.json"), std::runtime_error);
}

TEST(Fidelity, ArgumentParsing) {
  const char* argv[] = {"fidelity", "--random", "5", "--seed", "9"};
  int code = -1;
  std::ostringstream out, err;
  auto o = parse_fidelity_args(5, const_cast<char**>(argv), out, err, code);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->random, 5u);
  EXPECT_EQ(o->seed, 9u);
  EXPECT_FALSE(o->run_corpus);
  EXPECT_EQ(o->host_runs, 3u);
  const char* bad[] = {"fidelity", "--random", "x"};
  EXPECT_FALSE(parse_fidelity_args(3, const_cast<char**>(bad), out, err, code));
  EXPECT_EQ(code, 2);
  const char* runs[] = {"fidelity", "--cases", "c.json", "--random", "2", "--host-runs", "1"};
  o = parse_fidelity_args(7, const_cast<char**>(runs), out, err, code);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->host_runs, 1u);
  EXPECT_TRUE(o->run_corpus);
  EXPECT_EQ(o->cases, "c.json");
  const char* zero[] = {"fidelity", "--host-runs", "0"};
  EXPECT_FALSE(parse_fidelity_args(3, const_cast<char**>(zero), out, err, code));
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.str().find("vmlab fidelity: --host-runs"), std::string::npos) << err.str();
}

TEST(Fidelity, NameTables) {
  EXPECT_EQ(parse_prot(nlohmann::json("rw")), 3);
  EXPECT_EQ(parse_map_flags(nlohmann::json("private|anonymous|fixed")), 0x32);
  EXPECT_EQ(parse_advice(nlohmann::json("dontneed")), 4);
  EXPECT_EQ(errno_text(22), "EINVAL");
}

}  // namespace
}  // namespace vmlab::fidelity
