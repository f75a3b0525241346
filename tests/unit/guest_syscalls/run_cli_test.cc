// `vmlab run`, run as a user would: the program's output and exit status, the summary
// on stderr, the errors for files it cannot run, --report, --sample and --mount.
#include <gtest/gtest.h>

#include "cli_run.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace {

using vmlab::testing_support::CliRun;
using vmlab::testing_support::slurp;

std::string temp(const std::string& name) { return vmlab::testing_support::test_temp(name); }

// The guest reads /dev/null, never the test's terminal.
CliRun vmlab(const std::string& args) { return vmlab::testing_support::run_cli(VMLAB_CLI, args + " </dev/null"); }

const std::string kGuest = VMLAB_GUEST_DIR;
const std::string kTests = kGuest + "/guest_syscalls/";

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(RunCli, ArgumentsOutputAndExitStatus) {
  const CliRun r = vmlab("run " + kGuest + "/bin/echo hello -n --set world");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello -n --set world\n");
  EXPECT_NE(r.err.find("vmlab: " + kGuest + "/bin/echo exited with status 0\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" instructions, "), std::string::npos);
  EXPECT_NE(r.err.find("vmlab: page faults: "), std::string::npos);
  EXPECT_NE(r.err.find("vmlab: peak RSS "), std::string::npos);
  EXPECT_NE(r.err.find("vmlab: TLB hit rates: L1d "), std::string::npos);
  const CliRun p = vmlab("run " + kTests + "procs");
  EXPECT_EQ(p.status, 5) << p.err;
}

// The kernel log's console is stderr: records below kernel.console_loglevel (7) are
// printed as they are logged, as on a serial console.
TEST(RunCli, KernelMessagesOnTheConsole) {
  const std::string line = "] process 'klog' launched '/bin/echo' with NULL argv: empty string added\n";
  const CliRun r = vmlab("run " + kTests + "klog nullargv");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "\n");
  ASSERT_NE(r.err.find(line), std::string::npos) << r.err;
  EXPECT_EQ(r.err.substr(0, 5), "[    ");
  EXPECT_EQ(r.err.find(line) + line.size(), r.err.find("vmlab: "));
  // KERN_WARNING is not below a console level of 4.
  EXPECT_EQ(vmlab("run --set kernel.console_loglevel=4 " + kTests + "klog nullargv").err.find(line), std::string::npos);
}

TEST(RunCli, DeathBySignalIs128PlusTheSignal) {
  const CliRun r = vmlab("run " + kTests + "killself");
  EXPECT_EQ(r.status, 139);
  EXPECT_EQ(r.out, "about to fault\n");
  EXPECT_NE(r.err.find("killed by SIGSEGV (exit status 139)"), std::string::npos) << r.err;
}

TEST(RunCli, FilesItCannotRunAreOneLineErrors) {
  const std::string text = temp("text");
  std::ofstream(text) << "#!/bin/sh\necho a shell script is not an ELF file, and this one is long enough\n";
  CliRun r = vmlab("run " + text);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(count(r.err, "\n"), 1u) << r.err;
  EXPECT_NE(r.err.find("bad ELF magic"), std::string::npos) << r.err;
  // Truncated: the header promises program headers the file does not have.
  const std::string cut = temp("truncated");
  std::ofstream(cut, std::ios::binary) << slurp(kTests + "killself").substr(0, 100);
  r = vmlab("run " + cut);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(count(r.err, "\n"), 1u) << r.err;
  EXPECT_NE(r.err.find("not a riscv64 program vmlab can run"), std::string::npos) << r.err;
  // Another machine's program (the host's own vmlab).
  r = vmlab(std::string("run ") + VMLAB_CLI);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(count(r.err, "\n"), 1u) << r.err;
  EXPECT_NE(r.err.find("x86-64"), std::string::npos) << r.err;
  r = vmlab("run /nonexistent/program");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(count(r.err, "\n"), 1u) << r.err;
  r = vmlab("run --sample soon " + kTests + "procs");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--sample 'soon'"), std::string::npos) << r.err;
}

TEST(RunCli, DeadlockStopsTheRun) {
  const CliRun r = vmlab("run " + kTests + "deadlock");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("stopped: deadlock: "), std::string::npos) << r.err;
}

TEST(RunCli, ReportHasEveryCounter) {
  const std::string report = temp("report.json");
  const CliRun r = vmlab("run --report " + report + " " + kTests + "timing");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(slurp(report));
  EXPECT_EQ(j["exit_status"], 0);
  EXPECT_EQ(j["end"], "exited");
  EXPECT_GT(j["instructions"].get<std::uint64_t>(), 0u);
  EXPECT_GE(j["virtual_time_ns"].get<std::uint64_t>(), 10'250'000'000ULL);
  EXPECT_EQ(j["processes"], 2);
  EXPECT_GE(j["faults"]["demand-zero"].get<std::uint64_t>(), 100u);
  EXPECT_TRUE(j["vmstat"].contains("pgfault"));
  EXPECT_TRUE(j["meminfo_kb"].contains("MemTotal"));
  EXPECT_TRUE(j["tlb"].contains("l1d_hits"));
}

TEST(RunCli, SampleWritesSarLinesPerVirtualSecond) {
  const CliRun r = vmlab("run --sample 1s " + kTests + "timing");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("Linux 6.18.0 (vmlab) \t01/01/24 \t_riscv64_\t(1 CPU)\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("kbmemfree"), std::string::npos);
  // The program runs a little over 10 s of virtual time: ten samples and the average.
  EXPECT_EQ(count(r.err, "\n00:00:"), 11u) << r.err;  // the header line and 10 samples
  EXPECT_NE(r.err.find("00:00:10 "), std::string::npos);
  EXPECT_NE(r.err.find("\nAverage: "), std::string::npos);
}

TEST(RunCli, MountShowsAHostDirectory) {
  const std::filesystem::path dir = temp("data");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "greeting") << "hello from the host\n";
  CliRun r = vmlab("run --mount " + dir.string() + ":/data " + kGuest + "/bin/cat /data/greeting");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "hello from the host\n");
  r = vmlab("run --mount nocolon " + kGuest + "/bin/cat /data/greeting");
  EXPECT_EQ(r.status, 2);
}

}  // namespace
