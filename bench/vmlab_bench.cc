// vmlab against the host kernel: each experiment runs through vmlab's C++ API and, as
// "native", on the host with real mmap, munmap and fork (bench/native/). Run them all
// with bench/run, which prints the medians side by side with the targets.
//
//   frame_bytes         host memory per simulated frame (metadata-only machine)
//   demand_zero/...     one-byte stores to a fresh anonymous mapping, then munmap
//   cow/...             a forked child writes one byte per page of a populated mapping
//   fork_1g/...         fork of a process with 1 GiB populated
//   tlb_load/..., tlb_store/...   64-bit accesses over 4 pages already mapped
#include <benchmark/benchmark.h>

#include <cstdint>
#include <ctime>
#include <fstream>
#include <string>

#include "hw/physical_memory.h"
#include "mm/frame.h"
#include "native/native.h"
#include "vmlab/machine.h"

namespace {

using namespace vmlab;

constexpr std::uint64_t kFaultPages = 16384;  // 64 MiB per demand-zero or COW round
constexpr std::uint64_t kForkBytes = 1 * GiB;
constexpr std::uint64_t kTlbPages = 4;
constexpr std::uint64_t kTlbWords = kTlbPages * kPageSize / sizeof(std::uint64_t);
constexpr int kRw = kProtRead | kProtWrite;
constexpr int kAnon = kMapPrivate | kMapAnonymous;

// CPU time of this thread (user and system, host page faults included), for the
// manually timed benchmarks. Google Benchmark's own rates use process CPU time too, so
// other load on the host does not count against either side.
double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// VmRSS of this process, in kB.
std::uint64_t vm_rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// Stores one byte to each of `pages` pages from `a`; false if any raised a signal.
bool touch(Process& p, VirtAddr a, std::uint64_t pages, std::uint8_t v) {
  bool ok = true;
  for (std::uint64_t i = 0; i < pages; ++i) ok &= p.store<std::uint8_t>(a + i * kPageSize, v).ok();
  return ok;
}

// ---- host memory per simulated frame ----------------------------------------------

// A 4 GiB metadata-only machine with (almost) every frame faulted in. Reports the
// static per-frame metadata (the frame record and the host-zero bit) and the measured
// growth of this process's VmRSS per simulated frame, with and without the page-table
// frames (simulated memory that keeps its contents even in metadata-only mode).
void frame_bytes(benchmark::State& st) {
  constexpr std::uint64_t kRam = 4 * GiB;
  constexpr std::uint64_t kFrames = kRam >> kPageShift;
  constexpr std::uint64_t kTouch = kFrames - 16384;  // room for the page tables
  double rss_per_frame = 0, rss_per_frame_no_pt = 0;
  for (auto _ : st) {
    const std::uint64_t before = vm_rss_kb();
    MachineConfig c;
    c.ram_bytes = kRam;
    c.contents = false;
    Machine m(c);
    Process p = m.spawn("frames");
    auto a = p.mmap(0, kTouch * kPageSize, kRw, kAnon | kMapNoreserve, -1, 0);
    if (!a || !touch(p, *a, kTouch, 1)) {
      st.SkipWithError("mmap or store failed");
      return;
    }
    const std::uint64_t grown = (vm_rss_kb() - before) * 1024;
    const std::uint64_t table_bytes = m.meminfo_kb("PageTables") * 1024;
    rss_per_frame = static_cast<double>(grown) / kFrames;
    rss_per_frame_no_pt = static_cast<double>(grown - table_bytes) / kFrames;
  }
  st.counters["frame_struct"] = sizeof(mm::Frame);
  st.counters["metadata_per_frame"] = sizeof(mm::Frame) + 1.0 / 8;  // + PhysicalMemory::host_zero_
  st.counters["rss_per_frame"] = rss_per_frame;
  st.counters["rss_per_frame_no_pgtables"] = rss_per_frame_no_pt;
}

// ---- demand-zero faults ------------------------------------------------------------

void vmlab_demand_zero(benchmark::State& st, bool contents) {
  MachineConfig c;
  c.contents = contents;
  Machine m(c);
  Process p = m.spawn("dz");
  const std::uint64_t before = p.faults(obs::FaultKind::demand_zero);
  for (auto _ : st) {
    auto a = p.mmap(0, kFaultPages * kPageSize, kRw, kAnon, -1, 0);
    if (!a || !touch(p, *a, kFaultPages, 1) || !p.munmap(*a, kFaultPages * kPageSize)) {
      st.SkipWithError("mmap, store or munmap failed");
      return;
    }
  }
  if (p.faults(obs::FaultKind::demand_zero) - before != st.iterations() * kFaultPages) {
    st.SkipWithError("not one demand-zero fault per page");
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kFaultPages));
}

void native_demand_zero(benchmark::State& st) {
  for (auto _ : st) {
    if (::native_demand_zero(kFaultPages) != 0) {
      st.SkipWithError("mmap failed");
      return;
    }
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kFaultPages));
}

// ---- copy-on-write faults ----------------------------------------------------------

// Only the child's faulting loop is timed; populating, fork, exit and munmap are not.
void vmlab_cow(benchmark::State& st) {
  Machine m;
  Process parent = m.spawn("cow");
  std::uint64_t copies = 0;
  for (auto _ : st) {
    auto a = parent.mmap(0, kFaultPages * kPageSize, kRw, kAnon, -1, 0);
    if (!a || !touch(parent, *a, kFaultPages, 1)) {
      st.SkipWithError("mmap or store failed");
      return;
    }
    auto child = parent.fork();
    if (!child) {
      st.SkipWithError("fork failed");
      return;
    }
    const double t0 = thread_cpu_seconds();
    const bool ok = touch(*child, *a, kFaultPages, 2);
    st.SetIterationTime(thread_cpu_seconds() - t0);
    copies += child->faults(obs::FaultKind::cow_copy);
    child->exit(0);
    (void)parent.wait(child->pid());
    if (!ok || !parent.munmap(*a, kFaultPages * kPageSize)) {
      st.SkipWithError("store or munmap failed");
      return;
    }
  }
  if (copies != st.iterations() * kFaultPages) st.SkipWithError("not one copy-on-write fault per page");
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kFaultPages));
}

void native_cow(benchmark::State& st) {
  for (auto _ : st) {
    const std::int64_t ns = ::native_cow(kFaultPages);
    if (ns < 0) {
      st.SkipWithError("mmap, pipe or fork failed");
      return;
    }
    st.SetIterationTime(static_cast<double>(ns) * 1e-9);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kFaultPages));
}

// ---- fork with 1 GiB populated -----------------------------------------------------

// Times fork() alone; the child's exit and the parent's wait are not timed.
void vmlab_fork(benchmark::State& st) {
  Machine m;
  Process parent = m.spawn("fork");
  auto a = parent.mmap(0, kForkBytes, kRw, kAnon, -1, 0);
  if (!a || !touch(parent, *a, kForkBytes >> kPageShift, 1)) {
    st.SkipWithError("mmap or store failed");
    return;
  }
  for (auto _ : st) {
    const double t0 = thread_cpu_seconds();
    auto child = parent.fork();
    st.SetIterationTime(thread_cpu_seconds() - t0);
    if (!child) {
      st.SkipWithError("fork failed");
      return;
    }
    child->exit(0);
    (void)parent.wait(child->pid());
  }
}

void native_fork(benchmark::State& st) {
  void* p = ::native_populate(kForkBytes);
  if (p == nullptr) {
    st.SkipWithError("mmap failed");
    return;
  }
  for (auto _ : st) {
    const std::int64_t ns = ::native_fork_once();
    if (ns < 0) {
      st.SkipWithError("fork failed");
      break;
    }
    st.SetIterationTime(static_cast<double>(ns) * 1e-9);
  }
  ::native_release(p, kForkBytes);
}

// ---- loads and stores that hit the TLB ---------------------------------------------

constexpr std::uint64_t kTlbRounds = 64;  // passes over the 4 pages per iteration

void vmlab_tlb_load(benchmark::State& st) {
  Machine m;
  Process p = m.spawn("tlb");
  auto a = p.mmap(0, kTlbPages * kPageSize, kRw, kAnon, -1, 0);
  if (!a || !touch(p, *a, kTlbPages, 1)) {
    st.SkipWithError("mmap or store failed");
    return;
  }
  for (auto _ : st) {
    std::uint64_t sum = 0;
    for (std::uint64_t r = 0; r < kTlbRounds; ++r) {
      for (std::uint64_t w = 0; w < kTlbWords; ++w) {
        Access<std::uint64_t> v = p.load<std::uint64_t>(*a + w * 8);
        sum += v.ok() ? *v : 1;
      }
    }
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kTlbRounds * kTlbWords));
}

void vmlab_tlb_store(benchmark::State& st) {
  Machine m;
  Process p = m.spawn("tlb");
  auto a = p.mmap(0, kTlbPages * kPageSize, kRw, kAnon, -1, 0);
  if (!a || !touch(p, *a, kTlbPages, 1)) {
    st.SkipWithError("mmap or store failed");
    return;
  }
  for (auto _ : st) {
    bool ok = true;
    for (std::uint64_t r = 0; r < kTlbRounds; ++r) {
      for (std::uint64_t w = 0; w < kTlbWords; ++w) ok &= p.store<std::uint64_t>(*a + w * 8, r + w).ok();
    }
    benchmark::DoNotOptimize(ok);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kTlbRounds * kTlbWords));
}

alignas(4096) std::uint64_t native_words[kTlbWords];

void native_tlb_load(benchmark::State& st) {
  for (auto _ : st) benchmark::DoNotOptimize(::native_load_loop(native_words, kTlbWords, kTlbRounds));
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kTlbRounds * kTlbWords));
}

void native_tlb_store(benchmark::State& st) {
  for (auto _ : st) ::native_store_loop(native_words, kTlbWords, kTlbRounds);
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kTlbRounds * kTlbWords));
}

}  // namespace

// frame_bytes runs first, before other benchmarks have grown the heap.
BENCHMARK(frame_bytes)->Name("frame_bytes/vmlab")->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(vmlab_demand_zero, metadata, false)->Name("demand_zero/vmlab_metadata")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(vmlab_demand_zero, contents, true)->Name("demand_zero/vmlab_contents")->Unit(benchmark::kMillisecond);
BENCHMARK(native_demand_zero)->Name("demand_zero/native")->Unit(benchmark::kMillisecond);
BENCHMARK(vmlab_cow)->Name("cow/vmlab")->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(native_cow)->Name("cow/native")->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(vmlab_fork)->Name("fork_1g/vmlab")->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(native_fork)->Name("fork_1g/native")->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(vmlab_tlb_load)->Name("tlb_load/vmlab")->Unit(benchmark::kMicrosecond);
BENCHMARK(native_tlb_load)->Name("tlb_load/native")->Unit(benchmark::kMicrosecond);
BENCHMARK(vmlab_tlb_store)->Name("tlb_store/vmlab")->Unit(benchmark::kMicrosecond);
BENCHMARK(native_tlb_store)->Name("tlb_store/native")->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
