// Whole-run demand paging, `vmlab run` against qemu-riscv64 on the same riscv64
// binaries (qemu's page faults are the host kernel's):
//
//  - examples/demand-paging, as the classic experiment runs it: Enter from a pipe,
//    100 MiB touched 10 MiB per step with sleep(1) between. vmlab sleeps on its
//    virtual clock, qemu on the host's, so this ratio is mostly the sleeps.
//  - bench/guest/touch.c: no sleeps, no input; 256 MiB malloc'd, one byte written per
//    page, freed, for R rounds. This one measures the fault path alone: vmlab's
//    simulated kernel in user space against the host kernel's under qemu.
//
// Runs alternate (vmlab, qemu, vmlab, ...) so load on a shared machine falls on both
// alike. Prints medians of wall, user and system time (the child's, from wait4),
// vmlab's fault counts from its --report JSON and the host's minor faults of each.
//
//   vmlab_paging_bench [--runs N] [--rounds R] [--only example|touch]
#include <unistd.h>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "guest/child_run.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

using bench::die;
using bench::median;
using bench::Run;
using bench::run;

// The demand-paging example prints its pid and heap address, which differ between
// vmlab and qemu; the rest of its output must not.
std::string without_first_line(const std::string& s) {
  const std::size_t nl = s.find('\n');
  return nl == std::string::npos ? std::string() : s.substr(nl + 1);
}

struct Workload {
  std::string label;
  std::string program;
  std::vector<std::string> args;
  std::string input;
  bool dynamic = false;  // qemu needs -L SYSROOT for the dynamic loader
};

void measure(const Workload& w, int runs) {
  const std::string vmlab = VMLAB_PAGING_BENCH_VMLAB, qemu = VMLAB_QEMU_RISCV64;
  char report_path[] = "/tmp/vmlab_paging_bench.XXXXXX";
  const int report_fd = mkstemp(report_path);
  if (report_fd < 0) die("cannot create a temporary file");
  close(report_fd);

  std::vector<double> wall, user, sys, qwall, quser, qsys;
  nlohmann::json report;
  long vmlab_minflt = 0, qemu_minflt = 0;
  std::string out;
  for (int i = 0; i < runs; ++i) {
    std::vector<std::string> vargs{vmlab, "run", "--report", report_path, w.program};
    vargs.insert(vargs.end(), w.args.begin(), w.args.end());
    const Run v = run(vargs, w.input);
    std::ifstream in(report_path);
    const nlohmann::json rep = nlohmann::json::parse(in);
    if (i > 0 && (v.out != out || rep["faults"] != report["faults"])) die("two vmlab runs of " + w.label + " differ");
    out = v.out;
    report = rep;
    vmlab_minflt = v.host_minflt;
    wall.push_back(v.wall);
    user.push_back(v.user);
    sys.push_back(v.sys);
    if (qemu.empty()) continue;
    std::vector<std::string> qargs{qemu};
    if (w.dynamic) qargs.insert(qargs.end(), {"-L", VMLAB_RISCV_SYSROOT});
    qargs.push_back(w.program);
    qargs.insert(qargs.end(), w.args.begin(), w.args.end());
    const Run q = run(qargs, w.input);
    if (without_first_line(q.out) != without_first_line(out)) die("qemu-riscv64's output of " + w.label + " differs");
    qemu_minflt = q.host_minflt;
    qwall.push_back(q.wall);
    quser.push_back(q.user);
    qsys.push_back(q.sys);
  }
  std::remove(report_path);

  const auto faults = report["faults"]["minor"].get<std::uint64_t>();
  const double vw = median(wall), vu = median(user), vs = median(sys);
  fmt::print("{}\n", w.label);
  fmt::print("  vmlab run:     {:.3f} s wall, {:.3f} s user, {:.3f} s sys (medians of {}); {} simulated faults "
             "({} demand-zero), {:.3f} s virtual time; {} host faults\n",
             vw, vu, vs, runs, faults, report["faults"]["demand-zero"].get<std::uint64_t>(),
             report["virtual_time_ns"].get<std::uint64_t>() * 1e-9, vmlab_minflt);
  if (qemu.empty()) {
    fmt::print("  qemu-riscv64:  not found, skipped\n");
    return;
  }
  const double qw = median(qwall), qu = median(quser), qs = median(qsys);
  fmt::print("  qemu-riscv64:  {:.3f} s wall, {:.3f} s user, {:.3f} s sys (medians of {}); {} host faults\n", qw, qu,
             qs, runs, qemu_minflt);
  // vmlab's system time is the host committing its frame arena (first touch of each
  // 2 MiB huge page, or 4 KiB page without THP): it varies with the host's free huge
  // pages from run to run. Its user time is the simulation itself.
  fmt::print("  ratio:         qemu-riscv64 takes {:.2f}x vmlab's wall time, {:.2f}x its cpu time (user + sys), "
             "{:.2f}x its user time\n",
             qw / vw, (qu + qs) / (vu + vs), (qu + qs) / vu);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string rounds = "16", only;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::max(1, std::atoi(argv[i + 1]));
    else if (std::strcmp(argv[i], "--rounds") == 0) rounds = argv[i + 1];
    else if (std::strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    else die(std::string("unknown option ") + argv[i]);
  }
  if (only.empty() || only == "example") {
    measure({"examples/demand-paging (100 MiB in 10 MiB steps, sleep(1) between; Enter from a pipe)",
             VMLAB_PAGING_BENCH_EXAMPLE, {}, "\n", true},
            runs);
  }
  if (only.empty() || only == "touch") {
    measure({"bench/guest/touch.c " + rounds + " (256 MiB x " + rounds + " rounds, one byte per page, no sleeps)",
             VMLAB_PAGING_BENCH_TOUCH, {rounds}, "", false},
            runs);
  }
  return 0;
}
