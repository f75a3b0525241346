#include "mm/workingset.h"

#include "mm/memory_system.h"
#include "mm/vmscan.h"

namespace vmlab::mm {

namespace {
constexpr unsigned kMemcgBits = 16;
}  // namespace

std::uint64_t Shadow::pack() const {
  return (eviction << (kMemcgBits + 1)) | (std::uint64_t{memcg} << 1) | (workingset ? 1 : 0);
}

Shadow Shadow::unpack(std::uint64_t v) {
  return Shadow{v >> (kMemcgBits + 1), static_cast<std::uint16_t>(v >> 1), (v & 1) != 0};
}

void workingset_age_nonresident(MemCgroup& cg, std::uint64_t pages) {
  for (MemCgroup* c = &cg; c != nullptr; c = c->parent) c->lruvec.nonresident_age += pages;
}

void workingset_activation(MemorySystem& sys, Pfn pfn) {
  workingset_age_nonresident(sys.memcg(sys.frame(pfn).memcg), 1);
}

std::uint64_t workingset_eviction(MemorySystem& sys, Pfn pfn, MemCgroup& target) {
  // The clock is read, then advanced by the page leaving.
  const std::uint64_t eviction = target.lruvec.nonresident_age;
  workingset_age_nonresident(target, 1);
  return Shadow{eviction, target.id, sys.frame(pfn).test(PG_workingset)}.pack();
}

void workingset_refault(MemorySystem& sys, Pfn pfn, std::uint64_t packed) {
  Frame& f = sys.frame(pfn);
  const bool file = !f.test(PG_swapbacked);
  obs::VmStat& st = sys.stat();
  ++st[file ? obs::VmEvent::workingset_refault_file : obs::VmEvent::workingset_refault_anon];
  // workingset_test_recent(): the distance the page has been away, on the clock of
  // the group that evicted it, against what it would have to displace to stay.
  const Shadow shadow = Shadow::unpack(packed);
  if (shadow.memcg >= sys.memcgs().size() || sys.memcgs()[shadow.memcg] == nullptr) return;  // the group is gone
  MemCgroup& evictor = sys.memcg(shadow.memcg);
  const std::uint64_t distance = evictor.lruvec.nonresident_age - shadow.eviction;
  const bool swap_room = sys.swap_headroom(evictor) > 0;
  std::uint64_t workingset = sys.lru_size(evictor, LruList::active_file);
  if (file) {
    if (swap_room) workingset += sys.lru_size(evictor, LruList::active_anon) + sys.lru_size(evictor, LruList::inactive_anon);
  } else {
    workingset += sys.lru_size(evictor, LruList::inactive_file);
    if (swap_room) workingset += sys.lru_size(evictor, LruList::active_anon);
  }
  if (distance > workingset) return;
  // Recent: it goes back on the active list, and a page that was in the workingset
  // when evicted is restored (its refault cost counts against its kind).
  f.set(PG_active);
  MemCgroup& own = sys.memcg(f.memcg);
  workingset_age_nonresident(own, 1);
  ++st[file ? obs::VmEvent::workingset_activate_file : obs::VmEvent::workingset_activate_anon];
  if (shadow.workingset) {
    f.set(PG_workingset);
    lru_note_cost(sys, own, file, 1, 0);
    ++st[file ? obs::VmEvent::workingset_restore_file : obs::VmEvent::workingset_restore_anon];
  }
}

}  // namespace vmlab::mm
