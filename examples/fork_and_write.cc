// A complete C++ API program: the copy-on-write experiment by hand, with the numbers
// a learner would read from /proc on Linux. Build target: vmlab_example_fork_and_write.
//
//   build/examples/fork_and_write            # the default machine (2 GiB)
//   build/examples/fork_and_write 64         # touch 64 MiB instead of 100
#include <cstdint>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "vmlab/machine.h"

using namespace vmlab;

namespace {

// The "Name:   value kB" lines of /proc/PID/status a learner greps for.
void show(Process& p, std::string_view label) {
  fmt::print("{:<8} pid {}  VmRSS {:>7} kB  VmPTE {:>4} kB  minflt {:>6}  cow faults {:>6}\n", label, p.pid(),
             p.status_kb("VmRSS"), p.status_kb("VmPTE"), p.minflt(), p.faults(obs::FaultKind::cow_copy));
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100;
  const std::uint64_t len = mib * MiB;

  Machine m;  // Linux defaults: 2 GiB of RAM, overcommit heuristic, the zero page
  Process parent = m.spawn("parent");
  Result<VirtAddr> a = parent.mmap(0, len, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  if (!a) {
    fmt::print(stderr, "mmap: {}\n", errno_name(a.error()));
    return 1;
  }
  // Demand paging: each first write is a minor fault that allocates one frame.
  for (VirtAddr va = *a; va < *a + len; va += kPageSize) {
    Access<bool> w = parent.store<std::uint64_t>(va, va);
    if (!w) {
      fmt::print(stderr, "store at {:#x}: {}\n", va, signal_name(w.error().signo));
      return 1;
    }
  }
  std::cout << parent.proc("maps");
  show(parent, "parent");

  // fork() copies page tables, not pages: MemFree falls by the child's page tables.
  const std::uint64_t free0 = m.meminfo_kb("MemFree");
  Result<Process> child = parent.fork();
  if (!child) {
    fmt::print(stderr, "fork: {}\n", errno_name(child.error()));
    return 1;
  }
  fmt::print("after fork:        MemFree {:+} kB (PageTables now {} kB)\n",
             static_cast<std::int64_t>(m.meminfo_kb("MemFree")) - static_cast<std::int64_t>(free0),
             m.meminfo_kb("PageTables"));

  // The child's writes copy each page once (do_wp_page -> wp_page_copy).
  const std::uint64_t free1 = m.meminfo_kb("MemFree");
  for (VirtAddr va = *a; va < *a + len; va += kPageSize) (void)child->store<std::uint8_t>(va, 0xff);
  fmt::print("after child wrote: MemFree {:+} kB\n",
             static_cast<std::int64_t>(m.meminfo_kb("MemFree")) - static_cast<std::int64_t>(free1));
  show(parent, "parent");
  show(*child, "child");

  // The parent's memory is its own again: its pages now have one mapper each.
  const Access<std::uint64_t> first = parent.load<std::uint64_t>(*a);
  const bool unchanged = first && *first == *a;
  fmt::print("parent's first word: {:#x} ({})\n", first ? *first : 0, unchanged ? "as it wrote it" : "CHANGED");

  const CheckReport check = m.check();
  for (const std::string& problem : check.problems) fmt::print(stderr, "check: {}\n", problem);
  return check.ok() ? 0 : 1;
}
