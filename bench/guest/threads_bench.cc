// Whole-run thread benchmarks under `vmlab run`:
//
//  - bench/guest/spin.c: the same integer work in one thread and split over four, on a
//    four-CPU machine. Threads must cost the interpreter nothing per instruction: the
//    host CPU time per guest instruction (MIPS) should be the same.
//  - bench/guest/pingpong.c: two threads handing a token back and forth through
//    FUTEX_WAIT and FUTEX_WAKE, on a two-CPU machine, against the host kernel running
//    the x86-64 build of the same source: round trips per second of host CPU time (the
//    child's user + system time, from wait4).
//
// Runs alternate between the variants, so that load on a shared machine falls on all
// of them alike; medians are printed.
//
//   vmlab_threads_bench [--runs N] [--rounds R] [--trips T]
#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "guest/child_run.h"

namespace {

using bench::die;
using bench::median;
using bench::Run;
using bench::run;

// `vmlab run --report REPORT ARGS...`: the run and the instructions its report counts.
struct VmlabRun {
  Run run;
  std::uint64_t instructions = 0;
};

VmlabRun vmlab_run(const std::vector<std::string>& args) {
  char report_path[] = "/tmp/vmlab_threads_bench.XXXXXX";
  const int fd = mkstemp(report_path);
  if (fd < 0) die("cannot create a temporary file");
  close(fd);
  std::vector<std::string> argv{VMLAB_THREADS_BENCH_VMLAB, "run", "--report", report_path};
  argv.insert(argv.end(), args.begin(), args.end());
  VmlabRun v{run(argv)};
  std::ifstream in(report_path);
  v.instructions = nlohmann::json::parse(in)["instructions"].get<std::uint64_t>();
  std::remove(report_path);
  return v;
}

void spin(int runs, const std::string& rounds) {
  std::vector<double> mips1, mips4, user1, user4;
  std::string answer[2];
  for (int i = 0; i < runs; ++i) {
    for (const char* threads : {"1", "4"}) {
      const VmlabRun v = vmlab_run({"--set", "cpu.count=4", VMLAB_THREADS_BENCH_SPIN, threads, rounds});
      std::string& want = answer[threads[0] == '4'];
      if (!want.empty() && v.run.out != want) die("two spin runs disagree on their answer");
      want = v.run.out;
      const double mips = static_cast<double>(v.instructions) / v.run.user / 1e6;
      (threads[0] == '1' ? mips1 : mips4).push_back(mips);
      (threads[0] == '1' ? user1 : user4).push_back(v.run.user);
    }
  }
  const double m1 = median(mips1), m4 = median(mips4);
  fmt::print("bench/guest/spin.c ({} rounds of xorshift, 4 CPUs; medians of {})\n", rounds, runs);
  fmt::print("  1 thread:   {:.3f} s user, {:.0f} MIPS\n", median(user1), m1);
  fmt::print("  4 threads:  {:.3f} s user, {:.0f} MIPS\n", median(user4), m4);
  fmt::print("  ratio:      4 threads run at {:.2f}x the single-thread MIPS (target >= 0.90)\n", m4 / m1);
}

void pingpong(int runs, const std::string& trips) {
  std::vector<double> vmlab_rate, native_rate, vmlab_cpu, native_cpu;
  const double n = std::atof(trips.c_str());
  for (int i = 0; i < runs; ++i) {
    const VmlabRun v = vmlab_run({"--set", "cpu.count=2", VMLAB_THREADS_BENCH_PINGPONG, trips});
    const Run h = run({VMLAB_THREADS_BENCH_PINGPONG_NATIVE, trips});
    if (v.run.out != h.out) die("vmlab and the host kernel print different pingpong answers");
    vmlab_cpu.push_back(v.run.user + v.run.sys);
    native_cpu.push_back(h.user + h.sys);
    vmlab_rate.push_back(n / (v.run.user + v.run.sys));
    native_rate.push_back(n / (h.user + h.sys));
  }
  const double vr = median(vmlab_rate), nr = median(native_rate);
  fmt::print("bench/guest/pingpong.c ({} futex round trips between two threads; medians of {})\n", trips, runs);
  fmt::print("  vmlab run (2 CPUs):        {:.3f} s of host CPU, {:.0f} round trips/s\n", median(vmlab_cpu), vr);
  fmt::print("  host kernel (x86-64 build): {:.3f} s of host CPU, {:.0f} round trips/s\n", median(native_cpu), nr);
  fmt::print("  ratio:                     vmlab does {:.2f}x the host kernel's round trips per CPU second\n", vr / nr);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string rounds = "100000000", trips = "100000";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--rounds") == 0) rounds = argv[i + 1];
    else if (std::strcmp(argv[i], "--trips") == 0) trips = argv[i + 1];
    else die(std::string("unknown option ") + argv[i]);
  }
  spin(runs, rounds);
  pingpong(runs, trips);
  return 0;
}
