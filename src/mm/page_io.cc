#include "mm/page_io.h"

#include <algorithm>
#include <stdexcept>

#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/swap_state.h"

namespace vmlab::mm {

using obs::NodeStat;
using obs::VmEvent;

namespace {

// is_folio_zero_filled(). Without kept contents nothing is known to be zero.
bool zero_filled(MemorySystem& sys, Pfn pfn) {
  if (!sys.mem().data_contents()) return false;
  const std::uint8_t* p = sys.mem().frame(pfn);
  return std::all_of(p, p + kPageSize, [](std::uint8_t b) { return b == 0; });
}

// folio_end_writeback().
void end_writeback(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  if (f.test(PG_reclaim)) {
    f.clear(PG_reclaim);
    folio_rotate_reclaimable(sys, pfn);
  }
  f.clear(PG_writeback);
  --sys.stat()[NodeStat::nr_writeback];
}

// The end of a read: the contents are there.
void end_read(MemorySystem& sys, Pfn pfn) {
  Frame& f = sys.frame(pfn);
  f.set(PG_uptodate);
  f.clear(PG_locked);
}

void complete(MemorySystem& sys, const IoCompletions::Entry& e) {
  if (e.kind == IoCompletions::Kind::write) end_writeback(sys, e.pfn);
  else end_read(sys, e.pfn);
}

}  // namespace

Writeout swap_writeout(MemorySystem& sys, Pfn pfn) {
  if (folio_free_swap(sys, pfn)) return Writeout::slot_freed;
  Frame& f = sys.frame(pfn);
  const hw::SwapEntry e = page_swap_entry(sys, pfn);
  SwapArea& area = sys.swap().area(e);
  if (zero_filled(sys, pfn)) {
    area.zeromap[e.offset] = true;
    ++sys.stat()[VmEvent::swpout_zero];
    return Writeout::zero;
  }
  area.zeromap[e.offset] = false;
  // __swap_writepage(): the contents go to the slot now; the device finishes later.
  if (sys.mem().data_contents()) area.backing().write_slot(e.offset, sys.mem().frame(pfn));
  f.set(PG_writeback);
  ++sys.stat()[NodeStat::nr_writeback];
  ++sys.stat()[VmEvent::pswpout];
  // Writeback holds no reference: the swap cache keeps the page, and nothing takes a
  // page out of it while it is under writeback.
  const std::uint64_t done = sys.swap_device().submit(sys.clock().now(), true, 1);
  sys.io().add(done, pfn, IoCompletions::Kind::write);
  return Writeout::submitted;
}

std::uint64_t swap_read_folios(MemorySystem& sys, const std::vector<Pfn>& pfns) {
  unsigned reads = 0;
  for (Pfn pfn : pfns) {
    const hw::SwapEntry e = page_swap_entry(sys, pfn);
    SwapArea& area = sys.swap().area(e);
    if (area.zeromap[e.offset]) {
      // swap_read_folio_zeromap(): zeros, at once.
      sys.mem().zero_data(pfn);
      ++sys.stat()[VmEvent::swpin_zero];
      end_read(sys, pfn);
      continue;
    }
    if (sys.mem().data_contents()) area.backing().read_slot(e.offset, sys.mem().frame_to_fill(pfn));
    ++sys.stat()[VmEvent::pswpin];
    ++reads;
  }
  if (reads == 0) return sys.clock().now();
  const std::uint64_t done = sys.swap_device().submit(sys.clock().now(), false, reads);
  for (Pfn pfn : pfns) {
    if (!sys.frame(pfn).test(PG_locked)) continue;  // a zero page, done already
    sys.io().add(done, pfn, IoCompletions::Kind::read);
  }
  return done;
}

void complete_io(MemorySystem& sys) {
  const std::uint64_t now = sys.clock().now();
  while (!sys.io().empty() && sys.io().next() <= now) complete(sys, sys.io().pop());
}

void wait_on_page_io(MemorySystem& sys, Pfn pfn) {
  const auto due = sys.io().due(pfn);
  if (!due) return;
  sys.clock().advance_to(sys.mmu().current(), *due);
  complete_io(sys);
}

void sleep_on_io(MemorySystem& sys, std::uint64_t deadline, unsigned writes) {
  const unsigned cpu = sys.mmu().current();
  unsigned written = 0;
  while (!sys.io().empty() && sys.io().next() <= deadline) {
    const IoCompletions::Entry e = sys.io().pop();
    sys.clock().advance_to(cpu, e.at);
    complete(sys, e);
    if (e.kind == IoCompletions::Kind::write && ++written == writes) return;
  }
  sys.clock().advance_to(cpu, deadline);
}

}  // namespace vmlab::mm
