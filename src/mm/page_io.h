// Swap I/O (mm/page_io.c): writing a swap-cache page to its slot and reading it back,
// on the swap device's clock.
//
// A write is asynchronous, as a bio to a swap file is: the page is under writeback
// (PG_writeback, counted in Writeback) until the device finishes it, and reclaim
// leaves it on the list meanwhile. A read is waited for by the fault that needs it;
// pages read ahead with it stay locked (PG_locked) until the device gets to them, and
// a fault that finds one locked waits too. Completions are applied when the clock of
// the CPU that looks has passed them (complete_io()).
#pragma once

#include <cstdint>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "vmlab/units.h"

namespace vmlab::mm {

class MemorySystem;

// What swap_writeout() did.
enum class Writeout : std::uint8_t {
  slot_freed,  // no PTE names the slot any more: it was given up, no I/O (the page stays, dirty)
  zero,        // an all-zero page: recorded in the zeromap, nothing written (swpout_zero)
  submitted,   // the write was submitted: the page is under writeback (pswpout)
};

// swap_writeout(): `pfn`, a swap-cache page whose dirty bit pageout() just cleared.
Writeout swap_writeout(MemorySystem& sys, Pfn pfn);

// swap_read_folio(): fills `pfns` (consecutive slots of one area, the pages already in
// the swap cache and locked) in one request. A slot recorded as zeros is filled
// without I/O (swpin_zero); the rest count pswpin. Returns when the request completes
// (the current time if nothing was read); the pages stay locked until then.
std::uint64_t swap_read_folios(MemorySystem& sys, const std::vector<Pfn>& pfns);

// In-flight page I/O, completed in time order. A page has at most one I/O in flight
// (it is locked for a read, under writeback for a write).
class IoCompletions {
 public:
  enum class Kind : std::uint8_t { write, read };
  struct Entry {
    std::uint64_t at;
    std::uint64_t seq;  // submission order, for equal times
    Pfn pfn;
    Kind kind;
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  void add(std::uint64_t at, Pfn pfn, Kind kind) {
    q_.push(Entry{at, seq_++, pfn, kind});
    due_[pfn] = at;
  }
  bool empty() const { return q_.empty(); }
  std::size_t size() const { return q_.size(); }
  // When the earliest in-flight I/O completes (empty(): never).
  std::uint64_t next() const { return q_.empty() ? ~0ULL : q_.top().at; }
  // When `pfn`'s I/O completes, if it has one in flight.
  std::optional<std::uint64_t> due(Pfn pfn) const {
    auto it = due_.find(pfn);
    if (it == due_.end()) return std::nullopt;
    return it->second;
  }
  Entry pop() {
    Entry e = q_.top();
    q_.pop();
    due_.erase(e.pfn);
    return e;
  }

 private:
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> q_;
  std::unordered_map<Pfn, std::uint64_t> due_;
  std::uint64_t seq_ = 0;
};

// Applies every I/O completion due by the current CPU's time: a finished write ends
// writeback (folio_end_writeback(): a page reclaim wanted is rotated to the inactive
// tail), a finished read makes the page uptodate and unlocks it.
void complete_io(MemorySystem& sys);
// Waits (the current CPU idles) until `pfn`'s I/O completes, then completes it.
void wait_on_page_io(MemorySystem& sys, Pfn pfn);
// The current CPU sleeps until `deadline`, or until the `writes`th write completes if
// that comes first (0: no such wake-up); the I/O finishing meanwhile completes, in
// order.
void sleep_on_io(MemorySystem& sys, std::uint64_t deadline, unsigned writes);

}  // namespace vmlab::mm
