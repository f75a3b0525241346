#include "hw/tlb.h"

#include <algorithm>

namespace vmlab::hw {

Tlb::Tlb(const TlbGeometry& g)
    : entries_(g.entries), soft_(g.entries / g.ways), set_mask_(g.entries / g.ways - 1), ways_(g.ways) {}

const TlbEntry* Tlb::peek(std::uint64_t vpn) const {
  const TlbEntry* set = &entries_[(vpn & set_mask_) * ways_];
  for (unsigned w = 0; w < ways_; ++w) {
    if (set[w].vpn == vpn) return &set[w];
  }
  return nullptr;
}

TlbEntry* Tlb::insert(const TlbEntry& e) {
  forget_soft(e.vpn & set_mask_);
  TlbEntry* set = &entries_[(e.vpn & set_mask_) * ways_];
  unsigned victim = ways_ - 1;
  for (unsigned w = 0; w < ways_; ++w) {
    if (set[w].vpn == e.vpn) {
      victim = w;
      break;
    }
  }
  // As `set[victim] = e; promote(set, victim)`, without reading back the entry just
  // written (a store-forwarding stall on every fill).
  const TlbEntry entry = e;
  std::copy_backward(set, set + victim, set + victim + 1);
  set[0] = entry;
  return set;
}

void Tlb::flush_page(std::uint64_t vpn) {
  TlbEntry* set = &entries_[(vpn & set_mask_) * ways_];
  for (unsigned w = 0; w < ways_; ++w) {
    if (set[w].vpn != vpn) continue;
    forget_soft(vpn & set_mask_);
    // Keep the valid entries first so LRU order among the rest is preserved.
    for (unsigned i = w; i + 1 < ways_; ++i) set[i] = set[i + 1];
    set[ways_ - 1] = TlbEntry{};
    ++counters_.page_flushes;
    return;
  }
}

void Tlb::flush_all() {
  for (auto& e : entries_) e = TlbEntry{};
  for (auto& s : soft_) s = SoftTlbEntry{};
  ++counters_.full_flushes;
}

}  // namespace vmlab::hw
