#include "kernel/checker.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

#include "fs/inode.h"
#include "kernel/kernel.h"
#include "mm/page_table.h"
#include "mm/swap_state.h"

namespace vmlab::kern {

namespace {

using obs::NodeStat;

struct Expected {
  std::int64_t mapcount = 0;
  std::int64_t refs = 0;  // references the recount can see: PTEs, the page cache, the LRU batches
};

// Counts the table pages below an upper-level table (PUD, PMD and PTE tables).
std::uint64_t count_tables(mm::AddressSpace& mm, Pfn table, unsigned level, std::set<Pfn>& tables) {
  std::uint64_t n = 0;
  hw::Pte* entries = mm::table_of(mm, table);
  for (unsigned i = 0; i < hw::kPtesPerTable; ++i) {
    if (!(entries[i] & hw::kPtePresent) || level == 3) continue;
    const Pfn child = hw::pte_pfn(entries[i]);
    tables.insert(child);
    n += 1 + (level + 1 < 3 ? count_tables(mm, child, level + 1, tables) : 0);
  }
  return n;
}

}  // namespace

std::vector<std::string> check_consistency(Kernel& k) {
  std::vector<std::string> problems;
  auto report = [&](std::string s) { problems.push_back(std::move(s)); };
  mm::MemorySystem& sys = k.sys();
  const mm::FrameTable& frames = sys.frames();

  if (!sys.buddy().check()) report("buddy: free lists disagree with their counts");

  std::unordered_map<Pfn, Expected> expect;
  std::map<std::pair<unsigned, std::uint64_t>, std::int64_t> slot_refs;  // (type, offset): entries naming it
  std::set<Pfn> tables;
  std::set<const mm::AddressSpace*> mms;
  std::int64_t committed = 0;
  for (const auto& [pid, p] : k.tasks()) {
    if (!p->mm || !mms.insert(p->mm.get()).second) continue;
    mm::AddressSpace& mm = *p->mm;
    tables.insert(mm.pgd);
    const std::uint64_t table_pages = count_tables(mm, mm.pgd, 0, tables);
    if (table_pages * kPageSize != mm.pgtables_bytes) {
      report(fmt::format("pid {}: VmPTE {} kB, page tables hold {} kB", pid, mm.pgtables_bytes >> 10, table_pages * 4));
    }
    std::int64_t rss[4] = {};
    std::uint64_t total = 0, data = 0, exec = 0, stack = 0;
    VirtAddr prev_end = 0;
    for (mm::Vma& v : mm.vmas) {
      if (v.start >= v.end || !page_aligned(v.start) || !page_aligned(v.end) || v.start < prev_end) {
        report(fmt::format("pid {}: bad VMA {:x}-{:x}", pid, v.start, v.end));
      }
      if (v.mm != &mm) report(fmt::format("pid {}: VMA {:x} points at another mm", pid, v.start));
      prev_end = v.end;
      total += v.pages();
      if ((v.flags & (mm::VM_EXEC | mm::VM_WRITE | mm::VM_GROWSDOWN)) == mm::VM_EXEC) exec += v.pages();
      else if (v.flags & mm::VM_GROWSDOWN) stack += v.pages();
      else if ((v.flags & (mm::VM_WRITE | mm::VM_SHARED)) == mm::VM_WRITE) data += v.pages();
      if (v.flags & mm::VM_ACCOUNT) committed += static_cast<std::int64_t>(v.pages());
      mm::for_each_pte(mm, v.start, v.end, [&](VirtAddr va, hw::Pte& pte) {
        if (hw::is_swap_pte(pte)) {
          const hw::SwapEntry e = hw::pte_swap_entry(pte);
          const mm::SwapArea* area = sys.swap().area(e.type);
          if (area == nullptr || e.offset == 0 || e.offset >= area->max_pages()) {
            report(fmt::format("pid {}: swap entry {:x} at {:x} names no slot", pid, pte, va));
            return;
          }
          if (!v.is_cow()) report(fmt::format("pid {}: swap entry at {:x} in a shared mapping", pid, va));
          ++rss[static_cast<unsigned>(mm::RssKind::swapents)];
          ++slot_refs[{e.type, e.offset}];
          return;
        }
        if (!hw::pte_present(pte)) {
          report(fmt::format("pid {}: non-present entry {:x} at {:x}", pid, pte, va));
          return;
        }
        if (hw::pte_special(pte)) {
          if (hw::pte_pfn(pte) != sys.zero_pfn()) report(fmt::format("pid {}: special entry at {:x}", pid, va));
          if (hw::pte_write(pte)) report(fmt::format("pid {}: writable zero page at {:x}", pid, va));
          return;
        }
        const Pfn pfn = hw::pte_pfn(pte);
        const mm::Frame& f = frames[pfn];
        ++expect[pfn].mapcount;
        ++expect[pfn].refs;
        if (f.anon()) {
          ++rss[static_cast<unsigned>(mm::RssKind::anon)];
          if (v.page_index(va) != f.index) report(fmt::format("pid {}: anon page at {:x} has index {}", pid, va, f.index));
        } else if (fs::Inode* inode = f.inode()) {
          ++rss[static_cast<unsigned>(inode->is_shmem() ? mm::RssKind::shmem : mm::RssKind::file)];
          if (v.inode() != inode || v.page_index(va) != f.index) {
            report(fmt::format("pid {}: file page at {:x} is not the VMA's", pid, va));
          }
        } else {
          report(fmt::format("pid {}: entry at {:x} maps a frame with no owner", pid, va));
        }
        if (hw::pte_write(pte) && v.is_cow() && !(f.anon() && f.test(mm::PG_anon_exclusive))) {
          report(fmt::format("pid {}: writable entry at {:x} to a shared private page", pid, va));
        }
      });
    }
    for (unsigned kind = 0; kind < 4; ++kind) {
      if (rss[kind] != mm.rss(static_cast<mm::RssKind>(kind))) {
        report(fmt::format("pid {}: RSS counter {} is {}, page tables map {}", pid, kind,
                           mm.rss(static_cast<mm::RssKind>(kind)), rss[kind]));
      }
    }
    if (total != mm.total_vm || data != mm.data_vm || exec != mm.exec_vm || stack != mm.stack_vm) {
      report(fmt::format("pid {}: total/data/exec/stack vm {}/{}/{}/{} pages, VMAs give {}/{}/{}/{}", pid, mm.total_vm,
                         mm.data_vm, mm.exec_vm, mm.stack_vm, total, data, exec, stack));
    }
  }

  std::int64_t file_pages = 0, shmem = 0, dirty = 0;
  for (fs::Inode* inode : k.inodes()) {
    committed += inode->committed_pages;
    for (const auto& [index, pfn] : inode->pages) {
      const mm::Frame& f = frames[pfn];
      ++expect[pfn].refs;
      ++file_pages;
      if (inode->is_shmem()) ++shmem;
      else if (f.test(mm::PG_dirty)) ++dirty;
      if (f.inode() != inode || f.index != index) report(fmt::format("page cache: frame {} is not at its index", pfn));
    }
  }

  // The swap areas: every slot's count is the entries naming it, its cache mark says
  // whether it has a page in the swap cache, and that page holds a reference for it.
  std::int64_t swapcached = 0;
  for (const auto& area : sys.swap().areas()) {
    if (area == nullptr) continue;
    std::uint64_t inuse = 0;
    for (std::uint64_t off = 1; off < area->max_pages(); ++off) {
      const auto it = slot_refs.find({area->type(), off});
      const std::int64_t refs = it == slot_refs.end() ? 0 : it->second;
      const bool cached = area->cache.contains(off);
      if (area->map(off) == mm::kSwapMapBad) continue;
      if (area->map(off) != 0) ++inuse;
      if (area->count(off) != refs) {
        report(fmt::format("swap {}: slot {} counts {} references, {} entries name it", area->type(), off,
                           area->count(off), refs));
      }
      if (bool(area->map(off) & mm::kSwapHasCache) != cached) {
        report(fmt::format("swap {}: slot {} cache mark {}, page in cache {}", area->type(), off,
                           bool(area->map(off) & mm::kSwapHasCache), cached));
      }
    }
    if (inuse != area->inuse_pages()) {
      report(fmt::format("swap {}: {} slots in use, says {}", area->type(), inuse, area->inuse_pages()));
    }
    for (const auto& [off, pfn] : area->cache) {
      const mm::Frame& f = frames[pfn];
      ++expect[pfn].refs;
      ++file_pages;
      ++swapcached;
      if (!f.test(mm::PG_swapcache) || mm::unpack_swap(f.swap) != hw::SwapEntry{area->type(), off}) {
        report(fmt::format("swap cache: frame {} is not slot {}:{}", pfn, area->type(), off));
      }
    }
  }

  // Every page waiting in a per-CPU LRU batch holds a reference for it.
  const mm::LruBatches& batches = sys.lru_batches();
  for (unsigned cpu = 0; cpu < batches.cpus(); ++cpu) {
    for (unsigned b = 0; b < static_cast<unsigned>(mm::LruBatch::count); ++b) {
      for (Pfn pfn : batches.of(cpu, static_cast<mm::LruBatch>(b))) ++expect[pfn].refs;
    }
  }

  std::int64_t anon_mapped = 0, file_mapped = 0, table_frames = 0;
  std::uint64_t used = 0, lru_pages = 0;
  for (Pfn pfn = 0; pfn < frames.size(); ++pfn) {
    const mm::Frame& f = frames[pfn];
    if (f.test(mm::PG_buddy)) {
      pfn += (1u << f.order) - 1;
      continue;
    }
    if (f.test(mm::PG_reserved)) continue;
    if (f.refcount == 0 && f.flags == 0 && f.mapping == nullptr) continue;  // inside a free block
    ++used;
    if (f.test(mm::PG_lru)) ++lru_pages;
    if (f.test(mm::PG_table)) {
      ++table_frames;
      if (!tables.count(pfn)) report(fmt::format("frame {}: page table no address space uses", pfn));
      continue;
    }
    const Expected e = expect.count(pfn) ? expect[pfn] : Expected{};
    if (f.mapcount != e.mapcount) {
      report(fmt::format("frame {}: mapcount {}, {} entries map it", pfn, f.mapcount, e.mapcount));
    }
    if (f.refcount != e.refs) report(fmt::format("frame {}: refcount {}, {} references found", pfn, f.refcount, e.refs));
    if (f.mapcount > 0) (f.anon() ? anon_mapped : file_mapped)++;
    if (e.refs == 0) report(fmt::format("frame {}: in use but nothing refers to it (leak)", pfn));
  }
  const std::uint64_t free = sys.buddy().free_pages();
  if (used + free != sys.total_pages()) {
    report(fmt::format("frames: {} used + {} free != {} total", used, free, sys.total_pages()));
  }
  std::uint64_t lru_total = 0;
  for (const auto& cg : sys.memcgs()) {
    if (cg == nullptr) continue;
    const mm::Lruvec& lru = cg->lruvec;
    for (unsigned l = 0; l < mm::kLruLists; ++l) {
      const auto list = static_cast<mm::LruList>(l);
      std::uint64_t n = 0;
      Pfn prev = kNoPfn;
      for (Pfn p = lru.head(list); p != kNoPfn; prev = p, p = frames[p].next) {
        const mm::Frame& f = frames[p];
        if (f.lru_list != l) report(fmt::format("lru: frame {} on list {} says {}", p, l, f.lru_list));
        if (mm::Lruvec::list_for(f) != list) report(fmt::format("lru: frame {} on list {}, its flags say another", p, l));
        if (f.prev != prev) report(fmt::format("lru: frame {} links back to {}, not {}", p, f.prev, prev));
        if (sys.memcg(f.memcg).id != cg->id) report(fmt::format("lru: frame {} of group {} on group {}'s list", p, f.memcg, cg->id));
        ++n;
      }
      if (prev != lru.tail(list)) report(fmt::format("lru: group {} list {} ends at {}, tail says {}", cg->id, l, prev, lru.tail(list)));
      if (n != lru.size(list)) report(fmt::format("lru: group {} list {} holds {}, says {}", cg->id, l, n, lru.size(list)));
      lru_total += n;
    }
  }
  if (lru_total != lru_pages) report(fmt::format("lru: {} pages on lists, {} flagged", lru_total, lru_pages));

  const obs::VmStat& st = sys.stat();
  auto compare = [&](NodeStat s, std::int64_t counted) {
    if (st[s] != counted) report(fmt::format("{}: counter {}, recount {}", obs::node_stat_name(s), st[s], counted));
  };
  compare(NodeStat::nr_anon_mapped, anon_mapped);
  compare(NodeStat::nr_file_mapped, file_mapped);
  compare(NodeStat::nr_file_pages, file_pages);
  compare(NodeStat::nr_shmem, shmem);
  compare(NodeStat::nr_file_dirty, dirty);
  compare(NodeStat::nr_page_table, table_frames);
  compare(NodeStat::nr_swapcached, swapcached);
  // Every CPU's cached translations: none may outlive its PTE or allow more than it
  // does (a missed shootdown). Linux leaves stale entries only where the PTE now
  // allows more, and a spurious fault refreshes them.
  for (unsigned c = 0; c < sys.mmu().cpu_count(); ++c) {
    const hw::Cpu& cpu = sys.mmu().cpu(c);
    mm::AddressSpace* running = nullptr;
    for (const auto& [pid, p] : k.tasks())
      if (p->mm && p->mm.get() == cpu.mm) running = p->mm.get();
    auto check_entry = [&](std::string_view tlb, const hw::TlbEntry& e) {
      const VirtAddr va = e.vpn << kPageShift;
      const hw::Pte* pte = running ? mm::pte_lookup(*running, va) : nullptr;
      std::string_view what;
      if (pte == nullptr || !(*pte & hw::kPtePresent)) what = "a page no longer mapped";
      else if (hw::pte_pfn(*pte) != e.pfn) what = "another frame than its PTE";
      else if (e.writable && !hw::pte_write(*pte)) what = "write access its PTE no longer gives";
      else if (e.dirty && !hw::pte_dirty(*pte)) what = "a dirty bit its PTE has lost";
      else if (e.exec && (*pte & hw::kPteNoExec)) what = "execute access its PTE no longer gives";
      else return;
      report(fmt::format("cpu {}: {} caches {:#x} with {}", c, tlb, va, what));
    };
    cpu.l1d.for_each_entry([&](const hw::TlbEntry& e) { check_entry("L1d", e); });
    cpu.l1i.for_each_entry([&](const hw::TlbEntry& e) { check_entry("L1i", e); });
    cpu.l2.for_each_entry([&](const hw::TlbEntry& e) { check_entry("L2", e); });
  }

  // Committed_AS: every VM_ACCOUNT VMA of a live address space.
  if (committed != sys.committed_pages()) {
    report(fmt::format("Committed_AS: counter {} pages, VMAs charge {}", sys.committed_pages(), committed));
  }
  return problems;
}

}  // namespace vmlab::kern
