// The vmlab command, run as a user would: exit status, stdout and stderr.
#include <gtest/gtest.h>

#include "cli_run.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

namespace vmlab {
namespace {

using testing_support::CliRun;

CliRun vmlab(const std::string& args) { return testing_support::run_cli(VMLAB_CLI, args); }

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(Cli, DemandPagingPrintsLinuxLines) {
  const CliRun r = vmlab("demo demand-paging");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* want : {
           "7ffff1a00000-7ffff7e00000 rw-p 00000000 00:00 0 \n",
           "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n",
           "VmSize:\t  102532 kB\n",
           "VmRSS:\t       4 kB\n",
           "VmRSS:\t   10244 kB\n",
           "VmRSS:\t  102404 kB\n",
           "minflt: 2561\n",
           "minflt: 25601\n",
           "               total        used        free      shared  buff/cache   available\n",
           "kbmemfree   kbavail kbmemused  %memused",
           "  VmRSS change: +10240 kB\n",
           "  minflt change: +2560 faults\n",
           "Consistency check: every counter recounted from the page tables agrees.\n",
       }) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want;
  }
}

TEST(Cli, JsonHasTheNumbers) {
  const CliRun r = vmlab("demo demand-paging --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["experiments"].size(), 1u);
  const nlohmann::json& e = j["experiments"][0];
  EXPECT_EQ(e["name"], "demand-paging");
  EXPECT_EQ(e["completed"], true);
  EXPECT_EQ(e["check"]["ok"], true);
  int touches = 0;
  for (const auto& s : e["steps"]) {
    if (s["id"] == "mmap") {
      EXPECT_EQ(s["values"]["vm_size_delta_kb"], 102400);
      EXPECT_EQ(s["values"]["vm_rss_delta_kb"], 0);
    }
    if (s["id"].get<std::string>().starts_with("touch-")) {
      ++touches;
      EXPECT_EQ(s["values"]["vm_rss_delta_kb"], 10240);
      EXPECT_EQ(s["values"]["minflt_delta"], 2560);
      EXPECT_EQ(s["values"]["memfree_delta_kb"], -10260);
      EXPECT_EQ(s["processes"][0]["status"]["VmSize"], "VmSize:\t  102532 kB");
      EXPECT_TRUE(s["memory"]["sar_r"]["line"].is_string());
    }
    if (s["id"] == "total") {
      EXPECT_EQ(s["values"]["minflt_delta"], 25600);
      EXPECT_EQ(s["processes"][0]["minflt"], 25601);
    }
  }
  EXPECT_EQ(touches, 10);
}

TEST(Cli, AllFourDemosInOrder) {
  const CliRun r = vmlab("demo --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["experiments"].size(), 4u);
  EXPECT_EQ(j["experiments"][0]["name"], "filemap");
  EXPECT_EQ(j["experiments"][1]["name"], "demand-paging");
  EXPECT_EQ(j["experiments"][2]["name"], "cow");
  EXPECT_EQ(j["experiments"][3]["name"], "shared-vs-private");
}

TEST(Cli, MalformedConfigIsOneLineAndStatus2) {
  const std::string path = write_temp("vmlab_bad.toml", "[vm]\nswappiness = 60\n= 3\n");
  const CliRun r = vmlab("demo demand-paging --config " + path);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with("vmlab: " + path + ":3:")) << r.err;
}

TEST(Cli, UnknownKeyInConfigFile) {
  const std::string path = write_temp("vmlab_unknown.toml", "[vm]\nswapiness = 60\n");
  const CliRun r = vmlab("--config " + path + " demo cow");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("swapiness"), std::string::npos) << r.err;
}

// Each bad machine option: status 2, nothing on stdout, one line naming the problem.
TEST(Cli, BadMachineOptionsAreOneLineAndStatus2) {
  const std::pair<const char*, const char*> cases[] = {
      {"demo --set nonsense=1", "vmlab: --set nonsense=1: unknown key nonsense\n"},
      {"demo cow --config /nonexistent/vmlab.toml",
       "vmlab: /nonexistent/vmlab.toml: cannot read: No such file or directory\n"},
      {"demo cow --set memory.ram", "vmlab: --set memory.ram: expected key=value\n"},
      {"demo cow --set memory.ram=lots",
       "vmlab: --set memory.ram=lots: memory.ram: must be bytes or a size such as \"512M\" (got \"lots\")\n"},
  };
  for (const auto& [args, err] : cases) {
    const CliRun r = vmlab(args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_EQ(r.err, err) << args;
  }
}

// --set and --config work before the command, after it, and between its options and
// its NAME or PROGRAM; the later ones win.
TEST(Cli, MachineOptionsGoAnywhere) {
  const CliRun demo = vmlab("demo --set memory.ram=512M demand-paging --json");
  ASSERT_EQ(demo.status, 0) << demo.err;
  EXPECT_EQ(nlohmann::json::parse(demo.out)["experiments"][0]["name"], "demand-paging");
  const CliRun config = vmlab("--set memory.ram=1G --set vm.swappiness=10 config --set memory.ram=3G");
  ASSERT_EQ(config.status, 0) << config.err;
  EXPECT_NE(config.out.find("ram = \"3G\"\n"), std::string::npos) << config.out;
  EXPECT_NE(config.out.find("swappiness = 10\n"), std::string::npos) << config.out;
  const std::string path = write_temp("vmlab_small.toml", "[memory]\nram = \"256M\"\n");
  const CliRun later = vmlab("--config /nonexistent.toml config --config " + path);
  ASSERT_EQ(later.status, 0) << later.err;
  EXPECT_NE(later.out.find("ram = \"256M\"\n"), std::string::npos) << later.out;
}

TEST(Cli, UnknownDemoIsStatus2) {
  const CliRun r = vmlab("demo nosuchdemo");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("nosuchdemo"), std::string::npos) << r.err;
}

TEST(Cli, UnknownOptionIsStatus2) {
  const CliRun r = vmlab("demo --frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
}

TEST(Cli, HelpIsHelpful) {
  const CliRun top = vmlab("--help");
  EXPECT_EQ(top.status, 0);
  for (const char* want : {"demo", "config", "--config", "--set"}) EXPECT_NE(top.out.find(want), std::string::npos);
  const CliRun demo = vmlab("demo --help");
  EXPECT_EQ(demo.status, 0);
  for (const char* want : {"filemap", "demand-paging", "cow", "shared-vs-private", "--json"})
    EXPECT_NE(demo.out.find(want), std::string::npos) << want;
}

TEST(Cli, ConfigPrintsTheEffectiveMachine) {
  const CliRun r = vmlab("config --config " + std::string(VMLAB_SOURCE_DIR) + "/configs/small.toml --set vm.swappiness=100");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("ram = \"64M\"\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("overcommit_memory = 2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("swappiness = 100\n"), std::string::npos) << r.out;
}

TEST(Cli, TooSmallMachineStopsCleanly) {
  // 64 MiB with strict overcommit: the 100 MiB mmap is refused with ENOMEM, as on Linux.
  const CliRun r = vmlab("demo cow --config " + std::string(VMLAB_SOURCE_DIR) + "/configs/small.toml");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("Stopped early: mmap(100 MiB) failed: ENOMEM"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "vmlab: demo cow stopped early: mmap(100 MiB) failed: ENOMEM\n");
}

}  // namespace
}  // namespace vmlab
