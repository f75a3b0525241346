// demand-paging: 100 MiB of private anonymous memory mapped, then touched 10 MiB at a
// time. Shows that mmap() only reserves address space and that frames (and the
// page-table pages that map them) are allocated one fault at a time, on first write.
#include "cli/demos/recorder.h"

namespace vmlab::demos {

namespace {

constexpr std::uint64_t kLength = 100 * MiB;
constexpr std::uint64_t kStep = 10 * MiB;

void body(detail::Recorder& r) {
  using detail::delta;
  using detail::must;
  Machine& m = r.machine();

  r.begin("start", "A new process",
          "A freshly created process has a stack and nothing else: one page of it is resident, "
          "mapped through a few page-table pages (VmPTE).",
          "Remember VmSize, VmRSS, minflt and MemFree: the next steps change them.");
  Process p = m.spawn("demand");
  const ProcessView v0 = r.show(p, "demand");
  r.end(true);
  const MemoryView m0 = r.step().memory;

  r.begin("mmap", "mmap() 100 MiB, private and anonymous",
          "mmap() of anonymous memory creates a VMA and charges its 100 MiB to Committed_AS (overcommit "
          "accounting of private writable memory), but allocates no frame: every page-table entry of "
          "the range is still empty.",
          "VmSize +102400 kB, VmRSS +0 kB, no fault, MemFree unchanged: address space is not memory.");
  const VirtAddr a = must(p.mmap(0, kLength, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0),
                          "mmap(100 MiB)");
  r.event(fmt::format("mmap(NULL, {}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = {:#x}", kLength,
                      a));
  const ProcessView v1 = r.show(p, "demand");
  r.end(true);
  const MemoryView m1 = r.step().memory;
  r.change("vm_size_delta_kb", "VmSize change", delta(v1.vm_size_kb, v0.vm_size_kb), "kB");
  r.change("vm_rss_delta_kb", "VmRSS change", delta(v1.vm_rss_kb, v0.vm_rss_kb), "kB");
  r.change("minflt_delta", "minflt change", delta(v1.minflt, v0.minflt), "faults");
  r.change("memfree_delta_kb", "MemFree change", delta(m1.mem_free_kb, m0.mem_free_kb), "kB");
  r.change("committed_as_delta_kb", "Committed_AS change", delta(m1.committed_as_kb, m0.committed_as_kb), "kB");

  ProcessView before = v1;
  MemoryView mem_before = m1;
  const std::uint64_t demand_zero0 = p.faults(obs::FaultKind::demand_zero);
  for (unsigned i = 0; i < kLength / kStep; ++i) {
    const std::uint64_t from = i * kStep;
    const bool first = i == 0;
    r.begin(fmt::format("touch-{}", i + 1),
            fmt::format("Write one byte in each page of MiB {}-{}", from / MiB, (from + kStep) / MiB),
            first ? "Each first write to a page faults: do_anonymous_page() takes a free frame, zeroes it "
                    "and maps it writable. That is demand paging: one minor fault and one 4 kB frame per "
                    "page, when touched. Each 2 MiB of address space also needs a page-table page of 512 "
                    "entries, so MemFree falls a little more than VmRSS grows."
                  : "Another 2560 first writes: 2560 more minor faults, 2560 more frames, and the "
                    "page-table pages that map them.",
            "");
    for (std::uint64_t off = from; off < from + kStep; off += kPageSize)
      detail::must_store<std::uint8_t>(p, a + off, 1);
    r.event(fmt::format("store 1 byte at each of the {} pages {:#x}-{:#x}", kStep / kPageSize, a + from,
                        a + from + kStep));
    const ProcessView v = r.show(p, "demand");
    const bool last = i + 1 == kLength / kStep;
    r.end(last);
    const MemoryView& mem = r.step().memory;
    const std::int64_t rss = delta(v.vm_rss_kb, before.vm_rss_kb);
    const std::int64_t flt = delta(v.minflt, before.minflt);
    const std::int64_t memfree = delta(mem.mem_free_kb, mem_before.mem_free_kb);
    const std::int64_t pte = delta(v.vm_pte_kb, before.vm_pte_kb);
    const std::int64_t used = delta(mem.kbmemused, mem_before.kbmemused);
    r.step().notice = first ? fmt::format("VmRSS {:+} kB and minflt {:+}: one fault per 4 kB page. MemFree {:+} kB: "
                                          "the pages plus {} kB of page tables (VmPTE). sar's kbmemused grows "
                                          "by the same {} kB.",
                                          rss, flt, memfree, pte, used)
                            : fmt::format("VmRSS {:+} kB, minflt {:+}, MemFree {:+} kB ({} kB of it page tables).",
                                          rss, flt, memfree, pte);
    r.change("vm_rss_delta_kb", "VmRSS change", rss, "kB");
    r.change("minflt_delta", "minflt change", flt, "faults");
    r.change("memfree_delta_kb", "MemFree change", memfree, "kB");
    r.change("vm_pte_delta_kb", "VmPTE change", pte, "kB");
    r.change("page_tables_delta_kb", "PageTables change", delta(mem.page_tables_kb, mem_before.page_tables_kb),
             "kB");
    r.change("kbmemused_delta", "sar kbmemused change", used, "kB");
    before = v;
    mem_before = mem;
  }

  r.begin("total", "All 100 MiB touched",
          "Every page now has its own frame, allocated by a demand-zero fault, and page-table pages map "
          "them. Had the program only read the pages, each would have mapped the shared zero page "
          "instead: no frame, no RSS.",
          "");
  const ProcessView v = r.show(p, "demand");
  r.end(true);
  const MemoryView& mem = r.step().memory;
  const std::int64_t pte = delta(v.vm_pte_kb, v1.vm_pte_kb);
  const std::int64_t memfree = delta(mem.mem_free_kb, m1.mem_free_kb);
  r.step().notice = fmt::format("Since the mmap: VmRSS {:+} kB, minflt {:+}, MemFree {:+} kB ({} kB of pages and "
                                "{} kB of page tables).",
                                delta(v.vm_rss_kb, v1.vm_rss_kb), delta(v.minflt, v1.minflt), memfree,
                                -memfree - pte, pte);
  r.change("vm_rss_delta_kb", "VmRSS change since the mmap", delta(v.vm_rss_kb, v1.vm_rss_kb), "kB");
  r.change("minflt_delta", "minflt change since the mmap", delta(v.minflt, v1.minflt), "faults");
  r.change("memfree_delta_kb", "MemFree change since the mmap", memfree, "kB");
  r.change("vm_pte_delta_kb", "VmPTE change since the mmap", pte, "kB");
  r.change("demand_zero_faults", "demand-zero faults since the mmap",
           delta(p.faults(obs::FaultKind::demand_zero), demand_zero0), "faults");
}

}  // namespace

Experiment run_demand_paging(Machine& m) {
  return detail::run_recorded(
      m, "demand-paging", "Demand paging: memory is allocated when touched",
      "100 MiB of private anonymous memory is mapped, then written one byte per page, 10 MiB at a "
      "time: VmRSS grows 10240 kB and minflt 2560 a step, and MemFree falls by the pages plus their "
      "page tables.",
      body);
}

}  // namespace vmlab::demos
