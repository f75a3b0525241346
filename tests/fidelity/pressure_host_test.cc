// The pressure suite's host side, where the host can run it (root, a memory and a pids
// cgroup controller, swapon; elsewhere each test is skipped with the probe's reason):
// every named case runs on the host kernel, and whatever ends a case, nothing it made is
// left behind: no swap area on, no swap file, no cgroup. vmlab's side is not involved
// (FidelityPressureSuite in CMakeLists.txt compares the two).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fidelity/case.h"
#include "fidelity/fidelity.h"

namespace vmlab::fidelity {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The probe's answer, or a reason to skip.
json probe_or_skip_reason(std::string& why) {
  const json probe = probe_pressure_host(default_native_runner());
  if (!probe.value("ok", false)) why = probe.value("why", std::string("the probe failed"));
  return probe;
}

#define SKIP_UNLESS_HOST_CAN(probe)                             \
  std::string why_not;                                          \
  const json probe = probe_or_skip_reason(why_not);             \
  if (!why_not.empty()) GTEST_SKIP() << "pressure suite: " << why_not

// What the suite's runners left on the host: swap areas and swap directories named
// vmlab-pressure-swap.*, groups named vmlab-pressure-* under the probe's parents.
std::vector<std::string> leftovers(const json& probe) {
  std::vector<std::string> out;
  std::ifstream swaps("/proc/swaps");
  std::string line;
  while (std::getline(swaps, line)) {
    if (line.find("vmlab-pressure-swap.") != std::string::npos) out.push_back("swap area: " + line);
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(probe.at("swap_dir").get<std::string>(), ec)) {
    if (e.path().filename().string().rfind("vmlab-pressure-swap.", 0) == 0) out.push_back(e.path().string());
  }
  for (const char* parent : {"group_parent", "pids_parent"}) {
    for (const auto& e : fs::directory_iterator(probe.at(parent).get<std::string>(), ec)) {
      if (e.path().filename().string().rfind("vmlab-pressure-", 0) == 0) out.push_back(e.path().string());
    }
  }
  return out;
}

// Polls for up to 10 s until nothing is left.
std::vector<std::string> leftovers_after_a_while(const json& probe) {
  for (int i = 0; i < 200; ++i) {
    if (leftovers(probe).empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return leftovers(probe);
}

TEST(PressureHost, EveryNamedCaseRunsAndLeavesNothing) {
  SKIP_UNLESS_HOST_CAN(probe);
  ASSERT_EQ(leftovers(probe), std::vector<std::string>{});
  const std::string work = ::testing::TempDir() + "/vmlab-pressure-host-test";
  int ran = 0;
  for (const Case& c : load_cases(default_pressure_cases_dir())) {
    if (c.linux_rule) continue;  // checked on vmlab alone
    const Record r = run_native(c, default_native_runner(), work + "/" + std::to_string(ran++));
    EXPECT_EQ(r.error, "") << c.name;
    EXPECT_EQ(leftovers(probe), std::vector<std::string>{}) << "after " << c.name;
  }
  EXPECT_GE(ran, 60);
  fs::remove_all(work);
}

// A case that runs for a while: 32 MiB written again and again in a 16 MiB group.
std::string long_case_file(const std::string& dir) {
  json steps = json::array({{{"op", "mmap"}, {"map", "A"}, {"pages", 8192}, {"prot", "rw"},
                             {"flags", "private|anonymous"}}});
  for (int i = 0; i < 50; ++i) steps.push_back({{"op", "touch"}, {"map", "A"}, {"write", true}, {"value", i + 1}});
  const std::string path = dir + "/long.json";
  std::ofstream(path) << json{{"name", "long"}, {"pressure", {{"memory_max", "16M"}}}, {"steps", steps}}.dump();
  return path;
}

// Starts the runner on `case_file`, waits until its swap area is on, then sends `sig`
// to the runner alone, or to its whole process group (as the harness does at its
// deadline).
void interrupt_runner(const std::string& case_file, const std::string& dir, int sig, bool whole_group) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    const std::string runner = default_native_runner();
    ::execl(runner.c_str(), runner.c_str(), "--dir", dir.c_str(), case_file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::setpgid(pid, pid);
  bool swapping = false;
  for (int i = 0; i < 400 && !swapping; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream swaps("/proc/swaps");
    std::string line;
    while (std::getline(swaps, line)) swapping = swapping || line.find("vmlab-pressure-swap.") != std::string::npos;
  }
  EXPECT_TRUE(swapping) << "the runner never swapped on its area";
  ::kill(whole_group ? -pid : pid, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the runner finished before the signal: make the case longer";
}

TEST(PressureHost, NothingLeftWhenTheRunnerIsStopped) {
  SKIP_UNLESS_HOST_CAN(probe);
  const std::string dir = ::testing::TempDir() + "/vmlab-pressure-stop-test";
  fs::create_directories(dir + "/files");
  const std::string case_file = long_case_file(dir);
  struct Way {
    int sig;
    bool whole_group;
  };
  // SIGTERM and SIGINT: its own handler; SIGKILL: the cleanup guard.
  for (const Way w : {Way{SIGTERM, false}, Way{SIGINT, false}, Way{SIGKILL, false}, Way{SIGKILL, true}}) {
    interrupt_runner(case_file, dir + "/files", w.sig, w.whole_group);
    EXPECT_EQ(leftovers_after_a_while(probe), std::vector<std::string>{})
        << "after signal " << w.sig << (w.whole_group ? " to its process group" : "");
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vmlab::fidelity
