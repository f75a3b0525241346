// The RISC-V interpreter's speed on a whole compute-bound program (bench/guest/
// compute.c): guest instructions per second on vmlab, every fetch and access through
// the modelled MMU and TLBs, and the same binary under qemu-riscv64 when it is
// installed. Prints medians of several runs, by wall time and by CPU time (the machine
// may be shared).
//
//   vmlab_guest_bench [--runs N] [--rounds R]
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "unit/guest/mini_runner.h"

namespace {

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

std::string chomp(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

struct Timing {
  double wall = 0, cpu = 0;
  std::string out;
};

Timing run_vmlab(const std::string& rounds, std::uint64_t& instret) {
  vmlab::test::MiniRunner r;
  r.load(VMLAB_GUEST_BENCH_PROGRAM, {"compute", rounds});
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds(RUSAGE_SELF);
  vmlab::test::RunResult res = r.run();
  const double c1 = cpu_seconds(RUSAGE_SELF);
  const auto t1 = std::chrono::steady_clock::now();
  if (!res.exited || res.exit_code != 0) {
    std::fprintf(stderr, "vmlab: the program did not exit cleanly\n");
    std::exit(1);
  }
  instret = res.instret;
  return {std::chrono::duration<double>(t1 - t0).count(), c1 - c0, chomp(res.out)};
}

Timing run_qemu(const std::string& qemu, const std::string& rounds) {
  const std::string cmd = qemu + " " + VMLAB_GUEST_BENCH_PROGRAM + " " + rounds;
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds(RUSAGE_CHILDREN);
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[256];
  while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (p != nullptr) pclose(p);
  const double c1 = cpu_seconds(RUSAGE_CHILDREN);
  const auto t1 = std::chrono::steady_clock::now();
  return {std::chrono::duration<double>(t1 - t0).count(), c1 - c0, chomp(out)};
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string rounds = "12";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--rounds") == 0) rounds = argv[i + 1];
  }
  std::vector<double> wall, cpu;
  std::uint64_t instret = 0;
  std::string out;
  for (int i = 0; i < runs; ++i) {
    Timing t = run_vmlab(rounds, instret);
    if (i > 0 && t.out != out) {
      std::fprintf(stderr, "vmlab: runs differ\n");
      return 1;
    }
    out = t.out;
    wall.push_back(t.wall);
    cpu.push_back(t.cpu);
  }
  const double w = median(wall), c = median(cpu);
  std::printf("guest program:  %s %s (%llu instructions, checksum %s)\n", VMLAB_GUEST_BENCH_PROGRAM, rounds.c_str(),
              static_cast<unsigned long long>(instret), out.c_str());
  std::printf("vmlab:          %.3f s wall, %.3f s cpu (median of %d): %.1f M instr/s wall, %.1f M instr/s cpu\n", w, c,
              runs, static_cast<double>(instret) / w * 1e-6, static_cast<double>(instret) / c * 1e-6);

  const std::string qemu = VMLAB_QEMU_RISCV64;
  if (qemu.empty()) {
    std::printf("qemu-riscv64:   not found, skipped\n");
    return 0;
  }
  std::vector<double> qwall, qcpu;
  for (int i = 0; i < runs; ++i) {
    Timing t = run_qemu(qemu, rounds);
    if (t.out != out) {
      std::fprintf(stderr, "qemu-riscv64: checksum %s differs from vmlab's %s\n", t.out.c_str(), out.c_str());
      return 1;
    }
    qwall.push_back(t.wall);
    qcpu.push_back(t.cpu);
  }
  const double qw = median(qwall), qc = median(qcpu);
  std::printf("qemu-riscv64:   %.3f s wall, %.3f s cpu (median of %d): %.1f M instr/s wall, %.1f M instr/s cpu\n", qw,
              qc, runs, static_cast<double>(instret) / qw * 1e-6, static_cast<double>(instret) / qc * 1e-6);
  std::printf("ratio:          vmlab takes %.2fx qemu's wall time, %.2fx its cpu time\n", w / qw, c / qc);
  return 0;
}
