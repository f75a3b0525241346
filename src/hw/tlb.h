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
    TlbEntry* set = &entries_[(vpn & set_mask_) * ways_];
    for (unsigned w = 0; w < ways_; ++w) {
      if (set[w].vpn == vpn) {
        ++counters_.hits;
        return promote(set, w);
      }
    }
    ++counters_.misses;
    return nullptr;
  }
  // Lookup without counting or reordering (the checker, and shared-level probes).
  const TlbEntry* peek(std::uint64_t vpn) const;
  // Inserts (or replaces) the entry, evicting the least recently used of its set.
  TlbEntry* insert(const TlbEntry& e);
  void flush_page(std::uint64_t vpn);
  void flush_all();

  const TlbCounters& counters() const { return counters_; }
  TlbCounters& counters() { return counters_; }
  unsigned entries() const { return static_cast<unsigned>(entries_.size()); }
  unsigned ways() const { return ways_; }

 private:
  TlbEntry* promote(TlbEntry* set, unsigned w) {
    if (w == 0) return set;
    TlbEntry hit = set[w];
    for (unsigned i = w; i > 0; --i) set[i] = set[i - 1];
    set[0] = hit;
    return set;
  }

  std::vector<TlbEntry> entries_;  // sets_ x ways_, each set ordered most recent first
  std::uint64_t set_mask_;
  unsigned ways_;
  TlbCounters counters_;
};

}  // namespace vmlab::hw
