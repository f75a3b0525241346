// One TLB: set-associative, least-recently-used within a set, with hit/miss/flush
// counters. Entries cache a leaf translation and the permission and dirty bits the
// walker saw, as the hardware does.
#pragma once

#include <cstdint>
#include <vector>

#include "vmlab/config.h"
#include "vmlab/units.h"

namespace vmlab::hw {

struct TlbEntry {
  static constexpr std::uint64_t kInvalid = ~0ULL;
  std::uint64_t vpn = kInvalid;
  Pfn pfn = kNoPfn;
  bool writable = false;
  bool dirty = false;    // the PTE's D bit was set when this entry was filled or written
  bool exec = false;
};

// A host-side shortcut to the most recently used way of one set (the "soft TLB"
// of an interpreter). It is filled right after a translation made that way the most
// recent, and the Tlb forgets it whenever the set changes in any other way, so an
// access that matches it is exactly an L1 hit that changes no LRU order: the user
// counts the hit and skips the lookup.
struct SoftTlbEntry {
  static constexpr std::uint64_t kNone = ~0ULL;
  // Tags are page addresses (vpn << 12), so a user can compare an access's address
  // masked to the page (and, if it likes, to its alignment) in one step.
  std::uint64_t page = kNone;        // the MRU way's page; kNone when not known
  std::uint64_t write_page = kNone;  // the same when a store needs no walk (writable, dirty, no decoded code)
  std::uintptr_t addend = 0;         // host address of the frame's contents minus the page's address
  void* code = nullptr;              // instruction TLBs: the front end's decoded copy of the frame
};
static_assert(sizeof(SoftTlbEntry) == 32, "indexed by shifting");

struct TlbCounters {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t page_flushes = 0;  // INVLPG-like single-entry invalidations that hit
  std::uint64_t full_flushes = 0;  // whole-TLB flushes (CR3 write, range over the ceiling)
};

class Tlb {
 public:
  explicit Tlb(const TlbGeometry& g);

  // The entry for `vpn`, made most recently used, or nullptr. Counts a hit or a miss.
  TlbEntry* lookup(std::uint64_t vpn) {
    const std::uint64_t index = vpn & set_mask_;
    TlbEntry* set = &entries_[index * ways_];
    for (unsigned w = 0; w < ways_; ++w) {
      if (set[w].vpn == vpn) {
        ++counters_.hits;
        if (w == 0) return set;
        forget_soft(index);
        return promote(set, w);
      }
    }
    ++counters_.misses;
    return nullptr;
  }
  // Lookup without counting or reordering (the checker, and shared-level probes).
  const TlbEntry* peek(std::uint64_t vpn) const;
  // Every valid entry, in no particular order (the checker).
  template <class F>
  void for_each_entry(F&& f) const {
    for (const TlbEntry& e : entries_)
      if (e.vpn != TlbEntry::kInvalid) f(e);
  }
  // Inserts (or replaces) the entry, evicting the least recently used of its set.
  TlbEntry* insert(const TlbEntry& e);
  void flush_page(std::uint64_t vpn);
  void flush_all();

  const TlbCounters& counters() const { return counters_; }
  TlbCounters& counters() { return counters_; }
  unsigned entries() const { return static_cast<unsigned>(entries_.size()); }
  unsigned ways() const { return ways_; }
  unsigned sets() const { return static_cast<unsigned>(set_mask_ + 1); }
  std::uint64_t set_mask() const { return set_mask_; }

  // The soft TLB: one entry per set (index vpn & set_mask()).
  SoftTlbEntry* soft() { return soft_.data(); }
  SoftTlbEntry& soft_for(std::uint64_t vpn) { return soft_[vpn & set_mask_]; }
  void forget_soft(std::uint64_t set_index) {
    soft_[set_index].page = SoftTlbEntry::kNone;
    soft_[set_index].write_page = SoftTlbEntry::kNone;
  }

 private:
  TlbEntry* promote(TlbEntry* set, unsigned w) {
    TlbEntry hit = set[w];
    for (unsigned i = w; i > 0; --i) set[i] = set[i - 1];
    set[0] = hit;
    return set;
  }

  std::vector<TlbEntry> entries_;  // sets_ x ways_, each set ordered most recent first
  std::vector<SoftTlbEntry> soft_;  // one per set
  std::uint64_t set_mask_;
  unsigned ways_;
  TlbCounters counters_;
};

}  // namespace vmlab::hw
