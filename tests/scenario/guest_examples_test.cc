// The classic experiments as real riscv64 programs (examples/*.c) run by `vmlab run`,
// with the numbers Linux gives.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_run.h"

namespace vmlab {
namespace {

using testing_support::CliRun;

const std::string kGuest = VMLAB_GUEST_DIR;
const std::string kExamples = kGuest + "/examples";

// `vmlab run ARGS` with the examples mounted at /ex.
CliRun run(const std::string& args, const std::string& stdin_from = "/dev/null") {
  return testing_support::run_cli(VMLAB_CLI, "run --mount " + kExamples + ":/ex " + args + " <" + stdin_from);
}

std::string sh_c(const std::string& command) { return kGuest + "/bin/sh -c '" + command + "'"; }

// A host directory of the test's own.
std::string fresh_dir(const std::string& name) {
  const std::string d = testing_support::test_temp(name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

// The numeric columns of each `sar -r` line --sample printed ("00:00:03  2085416 ...").
std::vector<std::vector<long>> sar_lines(const std::string& err) {
  std::vector<std::vector<long>> rows;
  std::istringstream in(err);
  std::string line;
  const std::regex row(R"(^\d\d:\d\d:\d\d\s+\d+.*)");
  while (std::getline(in, line)) {
    if (!std::regex_match(line, row)) continue;
    std::istringstream f(line.substr(8));
    std::vector<long> cols;
    std::string v;
    while (f >> v) cols.push_back(std::stol(v));  // %memused and %commit become their integer part
    rows.push_back(cols);
  }
  return rows;
}

// The "Mem:" line of free's output after `marker`: {total, used, free, shared, buff/cache, available}.
std::vector<long> free_mem_after(const std::string& out, const std::string& marker) {
  const auto at = out.find("Mem:", out.find(marker));
  std::istringstream f(out.substr(at + 4));
  std::vector<long> v(6);
  for (auto& x : v) f >> x;
  return v;
}

long smaps_kb(const std::string& text, const std::string& field) {
  const auto at = text.find("\n" + field + ":");
  return at == std::string::npos ? -1 : std::stol(text.substr(at + field.size() + 2));
}

TEST(GuestExamples, Filemap) {
  const std::string dir = fresh_dir("filemap");
  std::ofstream(dir + "/testfile") << "hello";
  const CliRun r = testing_support::run_cli(
      VMLAB_CLI, "run --mount " + dir + ":/home/user:rw --mount " + kExamples + ":/ex " +
                     sh_c("/ex/filemap && cat testfile") + " </dev/null");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto before = r.out.find("--- /proc/");
  const auto after = r.out.find("after mmap ---");
  ASSERT_NE(after, std::string::npos) << r.out;
  // The 100 MiB shared mapping appears in the maps only after mmap.
  const std::regex line(R"(([0-9a-f]+)-([0-9a-f]+) rw-s 00000000 [0-9a-f]+:[0-9a-f]+ \d+ +/home/user/testfile\n)");
  std::smatch m;
  const std::string after_text = r.out.substr(after);
  ASSERT_TRUE(std::regex_search(after_text, m, line)) << after_text;
  EXPECT_EQ(std::stoull(m[2], nullptr, 16) - std::stoull(m[1], nullptr, 16), 100ULL << 20);
  EXPECT_EQ(r.out.substr(before, after - before).find("/home/user/testfile"), std::string::npos);
  EXPECT_NE(r.out.find("testfile says: hello\n"), std::string::npos);
  // Overwritten through memory: `cat testfile` in the guest, and the host file.
  EXPECT_TRUE(r.out.ends_with("testfile now says: HELLO\nHELLO")) << r.out;
  EXPECT_EQ(testing_support::slurp(dir + "/testfile"), "HELLO");
}

TEST(GuestExamples, DemandPaging) {
  const std::string report = testing_support::test_temp("report.json");
  // Enter comes 2 virtual seconds after the start: `sleep 2` ends and the pipe closes.
  const CliRun r = run("--sample 1s --report " + report + " " + sh_c("sleep 2 | /ex/demand-paging"));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto rows = sar_lines(r.err);
  ASSERT_EQ(rows.size(), 12u) << r.err;  // 2 s of waiting, 10 steps of one second
  const int kbmemused = 2, kbcommit = 6;
  // Allocated, not touched: used memory stays flat while the 100 MiB are committed.
  EXPECT_EQ(rows[0][kbmemused], rows[1][kbmemused]);
  EXPECT_GT(rows[0][kbcommit], 100 * 1024);
  // Then 10 MiB a second: 2560 pages, and 20 kB of page tables each second as well
  // (the 100 MiB span 51 page tables; one more every 2 MiB touched).
  for (std::size_t i = 3; i < rows.size(); ++i) {
    const long grew = rows[i][kbmemused] - rows[i - 1][kbmemused];
    EXPECT_GE(grew, 10240 + 16) << "second " << i + 1;
    EXPECT_LE(grew, 10240 + 24) << "second " << i + 1;
  }
  const auto j = nlohmann::json::parse(testing_support::slurp(report));
  // Every page touched is one demand-zero fault: 25600 of them, beyond the few the
  // loader and libc take.
  EXPECT_GE(j["faults"]["demand-zero"].get<long>(), 25600);
  EXPECT_LT(j["faults"]["demand-zero"].get<long>(), 25600 + 200);
  EXPECT_GE(j["virtual_time_ns"].get<long>(), 12'000'000'000L);
}

// The value after "Name:" of a `show()` line of examples/threads.c ("after:  VmSize: N kB ...").
long shown(const std::string& out, const std::string& when, const std::string& name) {
  const auto line = out.find(when + ":");
  const auto at = out.find(name + ": ", line);
  return at == std::string::npos ? -1 : std::stol(out.substr(at + name.size() + 2));
}

TEST(GuestExamples, Threads) {
  const std::string report = testing_support::test_temp("threads.json");
  const CliRun r = run("--set cpu.count=2 --report " + report + " " + kExamples + "/threads");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  // Four threads: each an 8 MiB stack with its 4 KiB guard page and a 64 MiB arena.
  EXPECT_EQ(shown(r.out, "after", "VmSize") - shown(r.out, "before", "VmSize"), 4 * (8192 + 4 + 65536)) << r.out;
  EXPECT_EQ(shown(r.out, "after", "Threads"), 5);
  // VmRSS grows by the 8 MiB the threads touched (and their stacks' first pages).
  const long rss = shown(r.out, "after", "VmRSS") - shown(r.out, "before", "VmRSS");
  EXPECT_GE(rss, 4 * 2048) << r.out;
  EXPECT_LT(rss, 4 * 2048 + 512) << r.out;
  // In the maps: four arenas aligned to 64 MiB (rw-p as used, ---p up to 64 MiB), and
  // four stacks each above a guard page.
  const std::regex arena(R"(([0-9a-f]+)-([0-9a-f]+) rw-p 00000000 00:00 0 \n  ([0-9a-f]+)-([0-9a-f]+) ---p )");
  int arenas = 0;
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), arena), end; it != end; ++it) {
    const std::uint64_t lo = std::stoull((*it)[1], nullptr, 16), top = std::stoull((*it)[4], nullptr, 16);
    arenas += top - lo == (64ULL << 20) && lo % (64ULL << 20) == 0;
  }
  EXPECT_EQ(arenas, 4) << r.out;
  const std::regex stack(R"(([0-9a-f]+)-([0-9a-f]+) ---p 00000000 00:00 0 \n  \2-([0-9a-f]+) rw-p )");
  int stacks = 0;
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), stack), end; it != end; ++it) {
    const std::uint64_t guard = std::stoull((*it)[1], nullptr, 16), lo = std::stoull((*it)[2], nullptr, 16);
    stacks += lo - guard == 4096 && std::stoull((*it)[3], nullptr, 16) - lo >= (8ULL << 20);
  }
  EXPECT_EQ(stacks, 4) << r.out;
  // The unmapping thread ran on CPU 0; CPU 1, which had the buffer cached for the
  // other thread, took the shootdown.
  const auto j = nlohmann::json::parse(testing_support::slurp(report));
  EXPECT_GE(j["tlb_by_cpu"][1]["shootdowns"].get<long>(), 1) << j["tlb_by_cpu"].dump();
  EXPECT_NE(r.err.find("TLB shootdowns (cpu0 0, cpu1 "), std::string::npos) << r.err;
  EXPECT_EQ(shown(r.out, "at the end", "Threads"), 1);
}

TEST(GuestExamples, CopyOnWrite) {
  const CliRun r = run(kExamples + "/cow");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto before = free_mem_after(r.out, "before fork");
  const auto after = free_mem_after(r.out, "after the child's writes");
  // Used memory rises by the 100 MiB the child copied (and a few pages of its own).
  const long rise = after[1] - before[1];
  EXPECT_GE(rise, 100 * 1024) << r.out;
  EXPECT_LE(rise, 100 * 1024 + 1024) << r.out;
  EXPECT_NE(r.out.find("parent: data unchanged, OK"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(" 25651 cow-copy"), std::string::npos) << r.err;
}

TEST(GuestExamples, MallocVsMmap) {
  const CliRun r = run(kExamples + "/malloc-vs-mmap");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto split = r.out.find("--- after writing");
  const auto begin = r.out.find("--- before writing");
  const std::string before = r.out.substr(begin, split - begin);
  const std::string after = r.out.substr(split);
  // The small and the 40 KiB block come from the brk heap; the 1 MiB one, above
  // M_MMAP_THRESHOLD, gets an anonymous mapping of its own.
  for (const char* b : {"small", "medium"}) {
    const auto at = before.find(std::string(b) + " (");
    EXPECT_NE(before.find("[heap]", at), std::string::npos);
    EXPECT_LT(before.find("[heap]", at), before.find("Size:", at)) << b;
  }
  const std::string large_before = before.substr(before.find("large ("));
  const std::string large_after = after.substr(after.find("large ("));
  EXPECT_EQ(large_before.find("[heap]"), std::string::npos);
  // Writing the block adds 256 of its chunk's 257 pages: glibc's chunk header had
  // already touched the first.
  EXPECT_EQ(smaps_kb(large_after, "  Rss") - smaps_kb(large_before, "  Rss"), 256 * 4) << large_before << large_after;
}

TEST(GuestExamples, SharedLibraryTwice) {
  // Two instances at once (a static shell, so that only they map libc): the second
  // prints its libc smaps while the first still sleeps.
  const CliRun r = run(kGuest + "/static/sh -c '/ex/shared-lib 2 >/tmp/first | /ex/shared-lib 1'");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const auto text_at = r.out.find("r-xp");
  ASSERT_NE(text_at, std::string::npos) << r.out;
  const std::string text = r.out.substr(text_at, r.out.find("VmFlags", text_at) - text_at);
  ASSERT_NE(text.find("/lib/libc.so.6"), std::string::npos);
  const long rss = smaps_kb(text, "Rss"), pss = smaps_kb(text, "Pss");
  const long shared = smaps_kb(text, "Shared_Clean"), priv = smaps_kb(text, "Private_Clean");
  // One page-cache copy of libc's text, mapped by both: shared pages count half.
  EXPECT_EQ(smaps_kb(text, "Shared_Dirty") + smaps_kb(text, "Private_Dirty"), 0);
  EXPECT_EQ(shared + priv, rss);
  EXPECT_GE(shared * 10, rss * 9) << text;
  EXPECT_EQ(pss, shared / 2 + priv) << text;
}

}  // namespace
}  // namespace vmlab
