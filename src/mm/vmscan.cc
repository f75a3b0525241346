#include "mm/vmscan.h"

#include <algorithm>
#include <array>

#include "mm/filemap.h"
#include "mm/kswapd.h"
#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/page_io.h"
#include "mm/rmap.h"
#include "mm/swap_state.h"
#include "mm/workingset.h"

namespace vmlab::mm {

using obs::NodeStat;
using obs::VmEvent;

void lru_note_cost(MemorySystem& sys, MemCgroup& cg, bool file, std::uint64_t nr_io, std::uint64_t nr_rotated) {
  const std::uint64_t cost = nr_io * kSwapClusterMax + nr_rotated;
  if (cost == 0) return;
  for (MemCgroup* c = &cg; c != nullptr; c = c->parent) {
    Lruvec& lru = c->lruvec;
    (file ? lru.file_cost : lru.anon_cost) += cost;
    const std::uint64_t pages = sys.lru_size(*c, LruList::inactive_anon) + sys.lru_size(*c, LruList::active_anon) +
                                sys.lru_size(*c, LruList::inactive_file) + sys.lru_size(*c, LruList::active_file);
    if (lru.file_cost + lru.anon_cost > pages / 4) {
      lru.file_cost /= 2;
      lru.anon_cost /= 2;
    }
  }
}

bool folio_isolate_lru(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (!f.test(PG_lru)) return false;
  sys.get_page(pfn);
  sys.lruvec(pfn).remove(pfn);
  return true;
}

void folio_putback_lru(MemorySystem& sys, Pfn pfn) {
  sys.lruvec(pfn).add(pfn);
  sys.put_page(pfn);
}

namespace {

// What one shrink_folio_list() call found (struct reclaim_stat).
struct ReclaimStat {
  std::uint64_t nr_dirty = 0, nr_unqueued_dirty = 0, nr_congested = 0, nr_writeback = 0, nr_immediate = 0;
  std::uint64_t nr_pageout = 0;
  std::array<std::uint64_t, 2> nr_activate{};  // [anon, file]
  std::uint64_t nr_ref_keep = 0, nr_unmap_fail = 0, nr_lazyfree_fail = 0;
};

// folio_is_file_lru(): not swap-backed (a lazily freed anonymous page counts as file).
bool is_file_lru(const Frame& f) { return !f.test(PG_swapbacked); }

enum class FolioRef : std::uint8_t { reclaim, reclaim_clean, keep, activate };

// folio_check_references(): a page mapped and used once gets a second trip round
// the inactive list (PG_referenced); used again, or by several mappings, or an
// executable file page used at all, it is activated.
FolioRef folio_check_references(MemorySystem& sys, Pfn pfn, const ScanControl& sc) {
  Frame& f = sys.frame(pfn);
  const Referenced r = folio_referenced(sys, pfn, sc.target);
  if (r.vm_flags & VM_LOCKED) return FolioRef::activate;
  const bool referenced_folio = f.test(PG_referenced);
  f.clear(PG_referenced);
  if (r.mappings > 0) {
    f.set(PG_referenced);
    if (referenced_folio || r.mappings > 1) return FolioRef::activate;
    if ((r.vm_flags & VM_EXEC) && is_file_lru(f)) return FolioRef::activate;
    return FolioRef::keep;
  }
  if (referenced_folio && is_file_lru(f)) return FolioRef::reclaim_clean;
  return FolioRef::reclaim;
}

// try_to_unmap_flush(): the deferred flush, now.
void flush_unmapped(MemorySystem& sys, TlbFlushBatch& batch) {
  if (!batch.mms.empty()) sys.mmu().flush_batch(batch.mms);
  batch.mms.clear();
  batch.writable = false;
}

enum class Pageout : std::uint8_t { keep, activate, success, clean };

// pageout(): reclaim writes only anonymous and shmem pages (to swap); a dirty page of
// a regular file is left to the flusher.
Pageout pageout(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  // is_page_cache_freeable(): only the (page or swap) cache and reclaim hold it.
  if (f.refcount != 2) return Pageout::keep;
  const bool shmem = !f.anon() && f.inode() != nullptr && f.inode()->is_shmem();
  if (!f.test(PG_swapcache) && !shmem) return f.inode() ? Pageout::activate : Pageout::keep;
  if (shmem) return Pageout::activate;  // shmem_writeout(): shmem pages are swapped with the shmem swap work
  if (!f.test(PG_dirty)) return Pageout::clean;  // folio_clear_dirty_for_io()
  f.clear(PG_dirty);
  f.set(PG_reclaim);
  (void)swap_writeout(sys, pfn);  // every outcome is read back from the page's flags
  if (!f.test(PG_writeback)) f.clear(PG_reclaim);
  ++sys.stat()[VmEvent::nr_vmscan_write];
  return Pageout::success;
}

// __remove_mapping(): the last references are the cache's and reclaim's: the page
// leaves its cache (a workingset shadow in its place) and can be freed.
bool remove_mapping(MemorySystem& sys, Pfn pfn, const ScanControl& sc) {
  Frame& f = sys.frame(pfn);
  if (f.refcount != 2 || f.test(PG_dirty)) return false;
  MemCgroup& evictor = sc.target ? *sc.target : sys.root_memcg();
  if (f.test(PG_swapcache)) {
    const hw::SwapEntry e = page_swap_entry(sys, pfn);
    swap_cache_del(sys, pfn, workingset_eviction(sys, pfn, evictor));
    SwapArea& area = sys.swap().area(e);
    if (area.put_cache(e.offset)) mem_cgroup_uncharge_swap(sys, area, e.offset);
    sys.put_page(pfn);  // the swap cache's reference
    return true;
  }
  fs::Inode* inode = f.inode();
  if (inode == nullptr) return false;
  const std::uint64_t shadow = is_file_lru(f) ? workingset_eviction(sys, pfn, evictor) : 0;
  mm::page_cache_evict(sys, *inode, pfn, shadow);  // drops the page cache's reference
  return true;
}

// shrink_folio_list(): tries to reclaim each isolated page, in the order isolated.
// Survivors are left in `pages` (those to activate with PG_active set), each still
// holding its isolation reference. Returns the pages freed.
std::uint64_t shrink_folio_list(MemorySystem& sys, std::vector<Pfn>& pages, ScanControl& sc, ReclaimStat& stat) {
  std::vector<Pfn> kept;
  std::uint64_t reclaimed = 0;
  TlbFlushBatch batch;
  for (Pfn pfn : pages) {
    Frame& f = sys.frame(pfn);
    auto activate = [&] {
      // Not a candidate for swapping: the slot can go (swap is short, or it is locked).
      if (f.test(PG_swapcache) && (mem_cgroup_swap_full(sys, pfn) || f.test(PG_mlocked))) {
        (void)folio_free_swap(sys, pfn);  // refused while under writeback: the slot stays
      }
      if (!f.test(PG_mlocked)) {
        f.set(PG_active);
        ++stat.nr_activate[is_file_lru(f) ? 1 : 0];
      }
      kept.push_back(pfn);
    };
    auto keep = [&] { kept.push_back(pfn); };

    if (f.test(PG_locked)) {  // folio_trylock() failed: a read is in flight
      keep();
      continue;
    }
    ++sc.nr_scanned;
    if (f.test(PG_mlocked)) {
      activate();
      continue;
    }
    if (!sc.may_unmap && f.mapcount > 0) {
      keep();
      continue;
    }
    // folio_check_dirty_writeback(): file pages only (not lazily freed anonymous ones).
    if (is_file_lru(f) && !f.anon()) {
      const bool dirty = f.test(PG_dirty), writeback = f.test(PG_writeback);
      if (dirty || writeback) ++stat.nr_dirty;
      if (dirty && !writeback) ++stat.nr_unqueued_dirty;
      if (writeback && f.test(PG_reclaim)) ++stat.nr_congested;
    }
    if (f.test(PG_writeback)) {
      // Still being written: marked so its completion rotates it to the tail.
      if (sc.reclaimer == Reclaimer::kswapd && f.test(PG_reclaim) && sys.reclaim_state().writeback) {
        ++stat.nr_immediate;
      } else {
        f.set(PG_reclaim);
        ++stat.nr_writeback;
      }
      activate();
      continue;
    }
    FolioRef ref = FolioRef::reclaim;
    if (!sc.ignore_references) {
      ref = folio_check_references(sys, pfn, sc);
      if (ref == FolioRef::activate) {
        activate();
        continue;
      }
      if (ref == FolioRef::keep) {
        ++stat.nr_ref_keep;
        keep();
        continue;
      }
    }
    if (f.anon() && f.test(PG_swapbacked) && !f.test(PG_swapcache)) {
      if (!folio_alloc_swap(sys, pfn)) {  // no slot: swap is full, or the group's swap.max
        activate();
        continue;
      }
      f.set(PG_dirty);  // its contents are not in the slot yet
    }
    if (f.mapcount > 0) {
      const bool was_swapbacked = f.test(PG_swapbacked);
      if (!try_to_unmap(sys, pfn, batch)) {
        ++stat.nr_unmap_fail;
        if (!was_swapbacked && f.test(PG_swapbacked)) ++stat.nr_lazyfree_fail;
        activate();
        continue;
      }
    }
    if (f.test(PG_dirty)) {
      if (is_file_lru(f) && !f.anon()) {
        // Written by the flusher, then reclaimed straight away (PG_reclaim).
        ++sys.stat()[VmEvent::nr_vmscan_immediate_reclaim];
        f.set(PG_reclaim);
        activate();
        continue;
      }
      if (ref == FolioRef::reclaim_clean || !sc.may_writepage) {
        keep();
        continue;
      }
      if (batch.writable) flush_unmapped(sys, batch);  // try_to_unmap_flush_dirty()
      switch (pageout(sys, pfn)) {
        case Pageout::keep: keep(); continue;
        case Pageout::activate: activate(); continue;
        case Pageout::success:
          ++stat.nr_pageout;
          if (f.test(PG_writeback) || f.test(PG_dirty)) {
            keep();
            continue;
          }
          break;  // written synchronously (a zero page): free it now
        case Pageout::clean: break;
      }
    }
    if (f.anon() && !f.test(PG_swapbacked)) {
      // A lazily freed page nobody else holds: dropped, dirty or not.
      if (f.refcount != 1) {
        keep();
        continue;
      }
      ++sys.stat()[VmEvent::pglazyfreed];
    } else if (!remove_mapping(sys, pfn, sc)) {
      keep();
      continue;
    }
    ++reclaimed;
    sys.put_page(pfn);  // the isolation reference, the last one: the page is freed
  }
  flush_unmapped(sys, batch);
  sys.stat()[VmEvent::pgactivate] += stat.nr_activate[0] + stat.nr_activate[1];
  pages = std::move(kept);
  return reclaimed;
}

// move_folios_to_lru(): survivors back on the head of their lists; a page put on an
// active list ages the nonresident clock.
void move_folios_to_lru(MemorySystem& sys, const std::vector<Pfn>& pages) {
  for (Pfn pfn : pages) {
    const Frame& f = sys.frame(pfn);
    if (f.refcount == 1) {  // only the isolation holds it: it goes
      sys.put_page(pfn);
      continue;
    }
    if (f.test(PG_active)) workingset_age_nonresident(sys.memcg(f.memcg), 1);
    folio_putback_lru(sys, pfn);
  }
}

VmEvent scan_event(Reclaimer r) { return r == Reclaimer::kswapd ? VmEvent::pgscan_kswapd : r == Reclaimer::direct ? VmEvent::pgscan_direct : VmEvent::pgscan_proactive; }
VmEvent steal_event(Reclaimer r) { return r == Reclaimer::kswapd ? VmEvent::pgsteal_kswapd : r == Reclaimer::direct ? VmEvent::pgsteal_direct : VmEvent::pgsteal_proactive; }

// isolate_lru_folios(): up to `nr` pages from the tail of `list`. A page reclaim may
// not unmap, or that nobody references, goes to the head instead (still counted as
// scanned). Returns the pages scanned.
std::uint64_t isolate_lru_folios(MemorySystem& sys, Lruvec& lru, LruList list, std::uint64_t nr, const ScanControl& sc,
                                 std::vector<Pfn>& out) {
  std::uint64_t scanned = 0;
  std::vector<Pfn> rotate;
  while (scanned < nr) {
    const Pfn pfn = lru.tail(list);
    if (pfn == kNoPfn) break;
    ++scanned;
    const Frame& f = sys.frame(pfn);
    if ((!sc.may_unmap && f.mapcount > 0) || f.refcount == 0) {
      lru.remove(pfn);
      rotate.push_back(pfn);
      continue;
    }
    (void)folio_isolate_lru(sys, pfn);  // on the list: it succeeds
    out.push_back(pfn);
  }
  for (Pfn pfn : rotate) lru.add(pfn);
  return scanned;
}

// shrink_inactive_list().
std::uint64_t shrink_inactive_list(MemorySystem& sys, MemCgroup& cg, LruList list, std::uint64_t nr_to_scan,
                                   ScanControl& sc) {
  lru_add_drain(sys);
  std::vector<Pfn> pages;
  const std::uint64_t scanned = isolate_lru_folios(sys, cg.lruvec, list, nr_to_scan, sc, pages);
  const bool file = is_file_lru(list);
  if (sc.target == nullptr) sys.stat()[scan_event(sc.reclaimer)] += scanned;
  sys.stat()[file ? VmEvent::pgscan_file : VmEvent::pgscan_anon] += scanned;
  if (pages.empty()) return 0;
  sc.nr_taken += pages.size();
  if (file) sc.nr_file_taken += pages.size();
  const std::uint64_t taken = pages.size();
  ReclaimStat stat;
  const std::uint64_t reclaimed = shrink_folio_list(sys, pages, sc, stat);
  move_folios_to_lru(sys, pages);
  if (sc.target == nullptr) sys.stat()[steal_event(sc.reclaimer)] += reclaimed;
  sys.stat()[file ? VmEvent::pgsteal_file : VmEvent::pgsteal_anon] += reclaimed;
  lru_note_cost(sys, cg, file, stat.nr_pageout, scanned - reclaimed);
  sc.nr_dirty += stat.nr_dirty;
  sc.nr_unqueued_dirty += stat.nr_unqueued_dirty;
  sc.nr_congested += stat.nr_congested;
  sc.nr_writeback += stat.nr_writeback;
  sc.nr_immediate += stat.nr_immediate;
  // Every page taken was dirty and not yet queued: the flusher is behind.
  if (stat.nr_unqueued_dirty > 0 && stat.nr_unqueued_dirty == taken) sys.wake_flusher();
  return reclaimed;
}

// shrink_active_list(): ages active pages into the inactive list. Only an executable
// file page that was referenced stays active.
void shrink_active_list(MemorySystem& sys, MemCgroup& cg, LruList list, std::uint64_t nr_to_scan, ScanControl& sc) {
  lru_add_drain(sys);
  std::vector<Pfn> pages;
  const std::uint64_t scanned = isolate_lru_folios(sys, cg.lruvec, list, nr_to_scan, sc, pages);
  const bool file = is_file_lru(list);
  if (sc.target == nullptr) sys.stat()[VmEvent::pgrefill] += scanned;
  std::vector<Pfn> active, inactive;
  std::uint64_t rotated = 0;
  for (Pfn pfn : pages) {
    Frame& f = sys.frame(pfn);
    if (f.test(PG_mlocked)) {
      folio_putback_lru(sys, pfn);
      continue;
    }
    const Referenced r = folio_referenced(sys, pfn, sc.target);
    if (r.mappings != 0 && (r.vm_flags & VM_EXEC) && is_file_lru(f)) {
      ++rotated;
      active.push_back(pfn);
      continue;
    }
    f.clear(PG_active);
    f.set(PG_workingset);
    inactive.push_back(pfn);
  }
  move_folios_to_lru(sys, active);
  move_folios_to_lru(sys, inactive);
  sys.stat()[VmEvent::pgdeactivate] += inactive.size();
  lru_note_cost(sys, cg, file, 0, rotated);
}

// inactive_is_low(): the inactive list is too small against the active one, by a
// ratio that grows with the square root of the lists' size in GiB.
bool inactive_is_low(const MemorySystem& sys, const MemCgroup& cg, bool file) {
  const std::uint64_t inactive = sys.lru_size(cg, file ? LruList::inactive_file : LruList::inactive_anon);
  const std::uint64_t active = sys.lru_size(cg, file ? LruList::active_file : LruList::active_anon);
  const std::uint64_t gb = (inactive + active) >> (30 - kPageShift);
  std::uint64_t ratio = 1;
  if (gb > 0) {
    ratio = 1;
    while ((ratio + 1) * (ratio + 1) <= 10 * gb) ++ratio;  // int_sqrt(10 * gb)
  }
  return inactive * ratio < active;
}

// can_reclaim_anon_pages(): somewhere to swap to.
bool can_reclaim_anon(const MemorySystem& sys, const MemCgroup& cg, const ScanControl& sc) {
  if (sc.target == nullptr) return sys.swap().free_pages() > 0;
  return sys.swap_headroom(cg) > 0;
}

// get_scan_count(): how many pages of each list this pass scans.
std::array<std::uint64_t, 4> get_scan_count(MemorySystem& sys, MemCgroup& cg, ScanControl& sc) {
  enum class Balance { equal, fract, anon, file } balance = Balance::fract;
  const int swappiness = sys.swappiness();
  std::uint64_t ap = 0, fp = 0;
  if (!sc.may_swap || !can_reclaim_anon(sys, cg, sc)) balance = Balance::file;
  else if (sc.target != nullptr && swappiness == 0) balance = Balance::file;
  else if (sc.priority == 0 && swappiness != 0) balance = Balance::equal;
  else if (sc.file_is_tiny) balance = Balance::anon;
  else if (sc.cache_trim_mode) balance = Balance::file;
  else {
    // calculate_pressure_balance(): each kind gets at least a third of the pressure
    // before swappiness weighs in, the rest by the other kind's cost.
    const std::uint64_t a = sc.anon_cost, f = sc.file_cost, t = a + f;
    const std::uint64_t A = t + a, F = t + f, T = A + F;
    ap = static_cast<std::uint64_t>(swappiness) * (T + 1) / (A + 1);
    fp = static_cast<std::uint64_t>(200 - swappiness) * (T + 1) / (F + 1);
  }
  std::array<std::uint64_t, 4> nr{};
  constexpr std::array<LruList, 4> kLists{LruList::inactive_anon, LruList::active_anon, LruList::inactive_file,
                                          LruList::active_file};
  for (unsigned i = 0; i < 4; ++i) {
    const bool file = is_file_lru(kLists[i]);
    std::uint64_t scan = cg.lruvec.size(kLists[i]) >> sc.priority;
    switch (balance) {
      case Balance::equal: break;
      case Balance::fract: scan = scan * (file ? fp : ap) / (ap + fp); break;
      case Balance::file: if (!file) scan = 0; break;
      case Balance::anon: if (file) scan = 0; break;
    }
    nr[i] = scan;
  }
  return nr;
}

// shrink_lruvec(): one memory cgroup's lists at this priority, 32 pages of each at a
// time.
void shrink_lruvec(MemorySystem& sys, MemCgroup& cg, ScanControl& sc) {
  std::array<std::uint64_t, 4> nr = get_scan_count(sys, cg, sc);
  const std::array<std::uint64_t, 4> targets = nr;
  constexpr std::array<LruList, 4> kLists{LruList::inactive_anon, LruList::active_anon, LruList::inactive_file,
                                          LruList::active_file};
  // Global direct reclaim at the first priority scans everything it set out to.
  const bool proportional = sc.target == nullptr && sc.reclaimer == Reclaimer::direct && sc.priority == kDefPriority;
  std::uint64_t reclaimed = 0;
  const std::uint64_t to_reclaim = sc.nr_to_reclaim;
  bool scan_adjusted = false;
  while (nr[0] || nr[2] || nr[3]) {
    for (unsigned i = 0; i < 4; ++i) {
      if (nr[i] == 0) continue;
      const std::uint64_t n = std::min(nr[i], kSwapClusterMax);
      nr[i] -= n;
      const LruList l = kLists[i];
      if (is_active_lru(l)) {
        const bool may = is_file_lru(l) ? sc.may_deactivate_file : sc.may_deactivate_anon;
        if (may) shrink_active_list(sys, cg, l, n, sc);
        else sc.skipped_deactivate = true;
      } else {
        reclaimed += shrink_inactive_list(sys, cg, l, n, sc);
      }
    }
    if (reclaimed < to_reclaim || proportional || scan_adjusted) continue;
    // Enough: stop the kind with less left, and cut the other's remaining scan to the
    // share of its target the stopped kind had reached.
    const std::uint64_t nr_file = nr[2] + nr[3], nr_anon = nr[0] + nr[1];
    if (!nr_file || !nr_anon) break;
    const bool stop_file = nr_file <= nr_anon;
    const unsigned stopped = stop_file ? 2 : 0, other = stop_file ? 0 : 2;
    const std::uint64_t stopped_target = targets[stopped] + targets[stopped + 1] + 1;
    const std::uint64_t stopped_left = stop_file ? nr_file : nr_anon;
    const std::uint64_t percentage = stopped_left * 100 / stopped_target;
    nr[stopped] = nr[stopped + 1] = 0;
    for (unsigned i = other; i < other + 2; ++i) {
      const std::uint64_t scanned = targets[i] - nr[i];
      const std::uint64_t want = targets[i] * (100 - percentage) / 100;
      nr[i] = want > scanned ? want - scanned : 0;
    }
    scan_adjusted = true;
  }
  sc.nr_reclaimed += reclaimed;
  // Anonymous pages age only when they can be swapped.
  if (can_reclaim_anon(sys, cg, sc) && inactive_is_low(sys, cg, false)) {
    shrink_active_list(sys, cg, LruList::active_anon, kSwapClusterMax, sc);
  }
}

// prepare_scan_control(): the pass's costs and deactivation decisions, from the
// target's lists.
void prepare_scan_control(MemorySystem& sys, ScanControl& sc) {
  MemCgroup& target = sc.target ? *sc.target : sys.root_memcg();
  sc.anon_cost = target.lruvec.anon_cost;
  sc.file_cost = target.lruvec.file_cost;
  if (!sc.force_deactivate) {
    const std::uint64_t act_anon = sys.stat()[VmEvent::workingset_activate_anon];
    const std::uint64_t act_file = sys.stat()[VmEvent::workingset_activate_file];
    sc.may_deactivate_anon = act_anon != target.lruvec.refaults[0] || inactive_is_low(sys, target, false);
    sc.may_deactivate_file = act_file != target.lruvec.refaults[1] || inactive_is_low(sys, target, true);
  } else {
    sc.may_deactivate_anon = sc.may_deactivate_file = true;
  }
  sc.cache_trim_mode = (sys.lru_size(target, LruList::inactive_file) >> sc.priority) != 0 && !sc.may_deactivate_file;
  sc.file_is_tiny = false;
  if (sc.target == nullptr) {
    const std::uint64_t file = sys.lru_size(LruList::active_file) + sys.lru_size(LruList::inactive_file);
    sc.file_is_tiny = file + sys.buddy().free_pages() <= sys.watermarks().high && !sc.may_deactivate_anon &&
                      (sys.lru_size(LruList::inactive_anon) >> sc.priority) != 0;
  }
}

// shrink_node(): every memory cgroup under the target, the target first (pre-order),
// then what the pass found about writeback.
void shrink_node(MemorySystem& sys, ScanControl& sc) {
  sc.nr_dirty = sc.nr_unqueued_dirty = sc.nr_congested = sc.nr_writeback = sc.nr_immediate = 0;
  sc.nr_taken = sc.nr_file_taken = 0;
  prepare_scan_control(sys, sc);
  MemCgroup& target = sc.target ? *sc.target : sys.root_memcg();
  const std::uint64_t reclaimed_before = sc.nr_reclaimed;
  for (MemCgroup* cg : sys.memcg_subtree(target)) {
    shrink_lruvec(sys, *cg, sc);
    // Direct reclaim stops at the group that reached its goal.
    if (sc.reclaimer == Reclaimer::direct && sc.target == nullptr && sc.nr_reclaimed >= sc.nr_to_reclaim) break;
  }
  // Progress revives a kswapd that had given up on the node.
  if (sc.nr_reclaimed > reclaimed_before) sys.kswapd().failures = 0;
  NodeReclaimState& node = sys.reclaim_state();
  const bool kswapd = sc.reclaimer == Reclaimer::kswapd;
  if (kswapd) {
    if (sc.nr_writeback != 0 && sc.nr_writeback == sc.nr_taken) node.writeback = true;
    if (sc.nr_unqueued_dirty != 0 && sc.nr_unqueued_dirty == sc.nr_file_taken) node.dirty = true;
    // reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK): pages are coming back from the
    // device faster than kswapd can use them; it waits for a write to finish.
    if (sc.nr_immediate != 0) reclaim_throttle(sys, Throttle::writeback);
  }
  if (kswapd && sc.nr_dirty != 0 && sc.nr_dirty == sc.nr_congested) node.congested = true;
  // Direct reclaim stalls for the device while the node is congested.
  if (!kswapd && node.congested) reclaim_throttle(sys, Throttle::congested);
}

// snapshot_refaults(): the workingset activations reclaim has seen.
void snapshot_refaults(MemorySystem& sys, MemCgroup& target) {
  target.lruvec.refaults[0] = sys.stat()[VmEvent::workingset_activate_anon];
  target.lruvec.refaults[1] = sys.stat()[VmEvent::workingset_activate_file];
}

}  // namespace

std::uint64_t do_try_to_free_pages(MemorySystem& sys, ScanControl& sc) {
  const int initial = sc.priority;
  bool retried_deactivate = false;
  for (;;) {
    if (sc.target == nullptr && sc.reclaimer == Reclaimer::direct) sys.count_allocstall(sc.reclaim_idx);
    do {
      sc.nr_scanned = 0;
      complete_io(sys);
      shrink_node(sys, sc);
      // consider_reclaim_throttle(): direct reclaim that reached priority 1 with
      // nothing waits a jiffy for I/O to free something.
      if (sc.reclaimer == Reclaimer::direct && sc.target == nullptr && sc.priority == 1 && sc.nr_reclaimed == 0) {
        reclaim_throttle(sys, Throttle::noprogress);
      }
      if (sc.nr_reclaimed >= sc.nr_to_reclaim) break;
      if (sc.priority < kDefPriority - 2) sc.may_writepage = true;
    } while (--sc.priority >= 0);
    snapshot_refaults(sys, sc.target ? *sc.target : sys.root_memcg());
    if (sc.nr_reclaimed > 0) return sc.nr_reclaimed;
    // Nothing: once more, ageing active lists even where the refault test said not to.
    if (sc.skipped_deactivate && !retried_deactivate) {
      retried_deactivate = true;
      sc.priority = initial;
      sc.force_deactivate = true;
      sc.skipped_deactivate = false;
      continue;
    }
    return 0;
  }
}

std::uint64_t zone_reclaimable_pages(const MemorySystem& sys) {
  std::uint64_t n = sys.lru_size(LruList::inactive_file) + sys.lru_size(LruList::active_file);
  if (sys.swap().free_pages() > 0) n += sys.lru_size(LruList::inactive_anon) + sys.lru_size(LruList::active_anon);
  return n;
}

void reclaim_throttle(MemorySystem& sys, Throttle reason) {
  const std::uint64_t now = sys.clock().now();
  if (reason == Throttle::writeback) {
    sleep_on_io(sys, now + hw::kHz / 10 * hw::kTickNs, kSwapClusterMax + 1);  // __acct_reclaim_writeback()
    return;
  }
  // skip_throttle_noprogress()
  const std::int64_t write_pending = sys.stat()[NodeStat::nr_file_dirty] + sys.stat()[NodeStat::nr_writeback];
  if (sys.kswapd().failures >= kMaxReclaimRetries ||
      2 * static_cast<std::uint64_t>(write_pending) <= zone_reclaimable_pages(sys)) {
    return;
  }
  sleep_on_io(sys, now + hw::kTickNs, 0);
}

std::uint64_t balance_pgdat(MemorySystem& sys, ZoneIdx highest_zoneidx) {
  ++sys.stat()[VmEvent::pageoutrun];
  ScanControl sc;
  sc.reclaimer = Reclaimer::kswapd;
  sc.reclaim_idx = highest_zoneidx;
  sc.priority = kDefPriority;
  MemCgroup& root = sys.root_memcg();
  do {
    if (pgdat_balanced(sys)) break;
    const std::uint64_t before = sc.nr_reclaimed;
    // kswapd_age_node(): with swap, anonymous pages age even when no allocation asks
    // for them, so that the inactive list has candidates.
    if (sys.swap().total_pages() > 0 && inactive_is_low(sys, root, false)) {
      for (MemCgroup* cg : sys.memcg_subtree(root)) shrink_active_list(sys, *cg, LruList::active_anon, kSwapClusterMax, sc);
    }
    // kswapd_shrink_node(): the high watermark's worth, at least 32 pages.
    sc.nr_scanned = 0;
    sc.nr_to_reclaim = std::max(sys.watermarks().high, kSwapClusterMax);
    complete_io(sys);
    shrink_node(sys, sc);
    const bool raise_priority = sc.nr_scanned < sc.nr_to_reclaim;
    if (raise_priority || sc.nr_reclaimed == before) --sc.priority;
  } while (sc.priority >= 1);
  snapshot_refaults(sys, root);
  return sc.nr_reclaimed;
}

std::uint64_t try_to_free_pages(MemorySystem& sys, ZoneIdx zone) {
  ScanControl sc;
  sc.reclaimer = Reclaimer::direct;
  sc.reclaim_idx = zone;
  return do_try_to_free_pages(sys, sc);
}

std::uint64_t try_to_free_mem_cgroup_pages(MemorySystem& sys, MemCgroup& cg, std::uint64_t nr_pages, bool may_swap) {
  ScanControl sc;
  sc.nr_to_reclaim = std::max(nr_pages, kSwapClusterMax);
  sc.target = &cg;
  sc.reclaimer = Reclaimer::direct;
  sc.may_swap = may_swap;
  return do_try_to_free_pages(sys, sc);
}

std::uint64_t reclaim_pages(MemorySystem& sys, std::vector<Pfn>& isolated) {
  ScanControl sc;
  sc.reclaimer = Reclaimer::proactive;
  sc.ignore_references = true;
  ReclaimStat stat;
  const std::uint64_t freed = shrink_folio_list(sys, isolated, sc, stat);
  move_folios_to_lru(sys, isolated);
  isolated.clear();
  return freed;
}

}  // namespace vmlab::mm
