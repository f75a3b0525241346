// cow: a parent writes 100 MiB, forks twice, and the second child writes every page.
// Shows that fork() copies page tables, not pages; that a write to a shared page takes
// a copy-on-write fault that copies exactly that page; and how smaps divides shared
// pages among their users (Pss).
#include "cli/demos/recorder.h"

namespace vmlab::demos {

namespace {

constexpr std::uint64_t kLength = 100 * MiB;
constexpr std::uint64_t kPages = kLength / kPageSize;

// The word the parent leaves at the start of page i, to check that nobody else's
// writes reach it.
std::uint64_t pattern(std::uint64_t i) { return 0x5eed000000000000ULL | i; }

// How many pages of [a, a + kLength) do not start with pattern(i).
std::int64_t pattern_mismatches(Process& p, VirtAddr a) {
  std::int64_t bad = 0;
  for (std::uint64_t i = 0; i < kPages; ++i) {
    const auto w = p.load<std::uint64_t>(a + i * kPageSize);
    if (!w || *w != pattern(i)) ++bad;
  }
  return bad;
}

void body(detail::Recorder& r) {
  using detail::delta;
  using detail::must;
  Machine& m = r.machine();

  r.begin("touch", "The parent maps 100 MiB and writes every page",
          "Each first write is a demand-zero fault: a fresh frame per page, 25600 in all. The parent "
          "writes a different 8-byte pattern at the start of each page, to check later that the "
          "children never change its memory.",
          "");
  Process parent = m.spawn("parent");
  const ProcessView v0 = detail::view_of(parent, "parent");
  const VirtAddr a = must(parent.mmap(0, kLength, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0),
                          "mmap(100 MiB)");
  r.event(fmt::format("mmap(NULL, {}, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = {:#x}", kLength,
                      a));
  for (std::uint64_t i = 0; i < kPages; ++i)
    detail::must_store<std::uint64_t>(parent, a + i * kPageSize, pattern(i));
  r.event(fmt::format("store an 8-byte pattern at the start of each of the {} pages", kPages));
  const ProcessView v1 = r.show(parent, "parent");
  r.end(true);
  const MemoryView m1 = r.step().memory;
  r.step().notice = fmt::format("minflt {:+} and VmRSS {:+} kB: one fault and one frame per page.",
                                delta(v1.minflt, v0.minflt), delta(v1.vm_rss_kb, v0.vm_rss_kb));
  r.change("minflt_delta", "minflt change", delta(v1.minflt, v0.minflt), "faults");
  r.value("vm_rss_kb", "parent VmRSS", static_cast<std::int64_t>(v1.vm_rss_kb), "kB");

  r.begin("fork", "fork() twice",
          "fork() gives each child a copy of the parent's page tables, not of its pages "
          "(copy_page_range()): every private page is now mapped by three processes, and each writable "
          "entry, the parent's included, is made read-only so that the first write to a shared page "
          "faults. The only new memory is the children's page tables.",
          "");
  Process child1 = must(parent.fork(), "fork");
  Process child2 = must(parent.fork(), "fork");
  r.event(fmt::format("fork() = {}", child1.pid()));
  r.event(fmt::format("fork() = {}", child2.pid()));
  r.show(parent, "parent");
  const ProcessView c1 = r.show(child1, "child 1");
  const ProcessView c2 = r.show(child2, "child 2");
  r.end(true);
  const MemoryView m2 = r.step().memory;
  const std::int64_t children_pte = static_cast<std::int64_t>(c1.vm_pte_kb + c2.vm_pte_kb);
  const std::int64_t tables = delta(m2.page_tables_kb, m1.page_tables_kb);
  const std::int64_t memfree = delta(m2.mem_free_kb, m1.mem_free_kb);
  r.step().notice = fmt::format(
      "MemFree {:+} kB only: the children's page tables, VmPTE {} + {} kB, plus one top-level table (PGD) "
      "each, {} kB, which VmPTE leaves out and PageTables counts. Each child's VmRSS is {} kB although "
      "nothing was copied: RSS counts every page mapped, shared or not.",
      memfree, c1.vm_pte_kb, c2.vm_pte_kb, tables - children_pte, c1.vm_rss_kb);
  r.change("memfree_delta_kb", "MemFree change", memfree, "kB");
  r.change("page_tables_delta_kb", "PageTables change", tables, "kB");
  r.value("children_vm_pte_kb", "VmPTE of child 1 + child 2", children_pte, "kB");
  r.value("children_pgd_kb", "the children's PGD pages", tables - children_pte, "kB");
  r.change("committed_as_delta_kb", "Committed_AS change", delta(m2.committed_as_kb, m1.committed_as_kb), "kB");
  r.value("child1_vm_rss_kb", "child 1 VmRSS", static_cast<std::int64_t>(c1.vm_rss_kb), "kB");
  r.value("child2_vm_rss_kb", "child 2 VmRSS", static_cast<std::int64_t>(c2.vm_rss_kb), "kB");

  r.begin("child2-writes", "Child 2 writes one byte in every page",
          "Each first write of child 2 hits a read-only entry of a page three processes share: "
          "do_wp_page() copies the 4 kB into a new frame (wp_page_copy()), maps the copy writable for "
          "child 2 alone and drops child 2's reference to the original. Copy-on-write: memory is copied "
          "only when, and only where, someone writes.",
          "");
  const std::uint64_t cow0 = child2.faults(obs::FaultKind::cow_copy);
  for (std::uint64_t i = 0; i < kPages; ++i)
    detail::must_store<std::uint8_t>(child2, a + i * kPageSize + 8, 0xc2);
  r.event(fmt::format("child 2: store 1 byte (0xc2) at offset 8 of each of the {} pages", kPages));
  const ProcessView c2w = r.show(child2, "child 2");
  r.end(true);
  const MemoryView m3 = r.step().memory;
  const std::int64_t cow = delta(child2.faults(obs::FaultKind::cow_copy), cow0);
  const std::int64_t memfree3 = delta(m3.mem_free_kb, m2.mem_free_kb);
  const std::int64_t tables3 = delta(m3.page_tables_kb, m2.page_tables_kb);
  r.step().notice = fmt::format(
      "minflt {:+}, all of them copy-on-write faults ({}). MemFree {:+} kB: 100 MiB of copies and {} kB "
      "of page tables (child 2's were copied at fork). Child 2's VmRSS did not change ({:+} kB): each "
      "copy replaces the shared page it mapped.",
      delta(c2w.minflt, c2.minflt), cow, memfree3, tables3, delta(c2w.vm_rss_kb, c2.vm_rss_kb));
  r.change("child2_minflt_delta", "child 2 minflt change", delta(c2w.minflt, c2.minflt), "faults");
  r.change("child2_cow_faults", "child 2 copy-on-write faults", cow, "faults");
  r.change("memfree_delta_kb", "MemFree change", memfree3, "kB");
  r.change("page_tables_delta_kb", "PageTables change", tables3, "kB");
  r.change("child2_vm_rss_delta_kb", "child 2 VmRSS change", delta(c2w.vm_rss_kb, c2.vm_rss_kb), "kB");

  r.begin("sharing", "Who shares what: /proc/PID/smaps",
          "The parent and child 1 still share the 25600 original frames; child 2 maps its own copies. "
          "smaps divides each page's cost among the processes that map it: Pss adds 4 kB / n for a "
          "page mapped by n processes, and a page counts as Shared when n is 2 or more.",
          "Parent and child 1: Rss 102400 kB, Pss 51200 kB, all Shared_Dirty. Child 2: Pss = Rss, all "
          "Private_Dirty. The parent's and child 1's patterns are intact: child 2 wrote into its own "
          "copies.");
  const ProcessView sp = r.show(parent, "parent", a);
  const ProcessView s1 = r.show(child1, "child 1", a);
  const ProcessView s2 = r.show(child2, "child 2", a);
  const std::int64_t parent_bad = pattern_mismatches(parent, a);
  const std::int64_t child1_bad = pattern_mismatches(child1, a);
  std::int64_t child2_own = 0;
  for (std::uint64_t i = 0; i < kPages; ++i) {
    const auto b = child2.load<std::uint8_t>(a + i * kPageSize + 8);
    if (b && *b == 0xc2) ++child2_own;
  }
  r.event(fmt::format("parent: {} of {} pages differ from the pattern", parent_bad, kPages));
  r.event(fmt::format("child 1: {} of {} pages differ from the pattern", child1_bad, kPages));
  r.event(fmt::format("child 2: {} of {} pages hold its own byte 0xc2", child2_own, kPages));
  r.end();
  for (const auto& [who, v] : {std::pair{"parent", &sp}, std::pair{"child1", &s1}, std::pair{"child2", &s2}}) {
    for (const auto& [field, key] : {std::pair{"Rss", "rss"}, std::pair{"Pss", "pss"},
                                     std::pair{"Shared_Dirty", "shared_dirty"},
                                     std::pair{"Private_Dirty", "private_dirty"}}) {
      r.value(fmt::format("{}_{}_kb", who, key), fmt::format("{} {}", v->label, field),
              static_cast<std::int64_t>(detail::smaps_kb(v->smaps, field)), "kB");
    }
  }
  r.value("parent_pattern_mismatches", "parent pages not holding the pattern", parent_bad, "pages");
  r.value("child1_pattern_mismatches", "child 1 pages not holding the pattern", child1_bad, "pages");
  r.value("child2_own_bytes", "child 2 pages holding its byte", child2_own, "pages");
}

}  // namespace

Experiment run_cow(Machine& m) {
  return detail::run_recorded(
      m, "cow", "Copy-on-write after fork()",
      "A parent writes 100 MiB and forks twice; the second child's writes take 25600 copy-on-write "
      "faults and 100 MiB of new frames, while the parent and the first child keep sharing theirs.",
      body);
}

}  // namespace vmlab::demos
