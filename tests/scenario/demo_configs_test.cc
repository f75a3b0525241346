// Every demo on machines other than the default: it finishes (or stops with the reason
// Linux would give), never crashes, and leaves every counter consistent.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cli/demos/demos.h"
#include "vmlab/machine.h"

namespace vmlab {
namespace {

MachineConfig with(std::initializer_list<const char*> overrides) {
  MachineConfig c;
  for (const char* o : overrides) c.apply_override(o);
  c.validate();
  return c;
}

TEST(DemoConfigs, OtherMachinesFinishConsistently) {
  for (const auto& overrides : std::vector<std::vector<const char*>>{
           {"layout.arch=riscv64"},
           {"layout.aslr=true"},
           {"cpu.count=4"},
           {"vm.zero_page=false"},
           {"vm.fault_around_bytes=4096"},
           {"vm.read_ahead_kb=0"},
       }) {
    MachineConfig c;
    for (const char* o : overrides) c.apply_override(o);
    for (const demos::DemoInfo& d : demos::all_demos()) {
      const demos::Experiment e = demos::run(d, c);
      EXPECT_EQ(e.stopped, "") << d.name << " " << overrides[0];
      EXPECT_TRUE(e.check_problems.empty()) << d.name << " " << overrides[0];
    }
  }
}

TEST(DemoConfigs, DemandPagingCountsDoNotDependOnTheLayout) {
  for (const char* o : {"layout.arch=riscv64", "layout.aslr=true", "vm.zero_page=false"}) {
    const demos::Experiment e = demos::run(*demos::find_demo("demand-paging"), with({o}));
    for (int i = 1; i <= 10; ++i) {
      const demos::Step& s = e.step(fmt::format("touch-{}", i));
      EXPECT_EQ(s.value("vm_rss_delta_kb"), 10240) << o;
      EXPECT_EQ(s.value("minflt_delta"), 2560) << o;
      // The page-table share may differ with alignment; the rule does not.
      EXPECT_EQ(s.value("memfree_delta_kb"), -(10240 + s.value("vm_pte_delta_kb"))) << o;
    }
  }
}

TEST(DemoConfigs, TooSmallMachinesStopWithLinuxsAnswer) {
  // Strict overcommit on 64 MiB: CommitLimit is 32 MiB, the 100 MiB mmap is ENOMEM.
  const demos::Experiment strict = demos::run(*demos::find_demo("cow"), with({"memory.ram=64M", "vm.overcommit_memory=2"}));
  EXPECT_EQ(strict.stopped, "mmap(100 MiB) failed: ENOMEM");
  EXPECT_TRUE(strict.check_problems.empty());
  // 256 MiB, strict: the mapping fits, a child's second charge of 100 MiB does not.
  const demos::Experiment fork = demos::run(*demos::find_demo("cow"), with({"memory.ram=256M", "vm.overcommit_memory=2"}));
  EXPECT_EQ(fork.stopped, "fork failed: ENOMEM");
  EXPECT_TRUE(fork.check_problems.empty());
  // 128 MiB, heuristic: the copies do not fit; the faulting child is killed.
  const demos::Experiment oom = demos::run(*demos::find_demo("cow"), with({"memory.ram=128M"}));
  EXPECT_NE(oom.stopped.find("SIGKILL (out of memory)"), std::string::npos) << oom.stopped;
  EXPECT_TRUE(oom.check_problems.empty());
}

TEST(DemoConfigs, NamesAndOrder) {
  std::vector<std::string> names;
  for (const demos::DemoInfo& d : demos::all_demos()) names.emplace_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"filemap", "demand-paging", "cow", "shared-vs-private"}));
  EXPECT_EQ(demos::find_demo("nonsense"), nullptr);
}

}  // namespace
}  // namespace vmlab
