// One simulated CPU: its TLBs, the page-table root it runs (CR3) and the address space
// that root belongs to, for shootdowns.
#pragma once

#include <cstdint>

#include "hw/tlb.h"
#include "vmlab/detail/mru_translation.h"
#include "vmlab/config.h"

namespace vmlab::hw {

struct Cpu {
  explicit Cpu(const MachineConfig& c) : l1d(c.l1d_tlb), l1i(c.l1i_tlb), l2(c.l2_tlb) {
    mru.hits = &l1d.counters().hits;
  }
  Cpu(const Cpu& o)
      : l1d(o.l1d), l1i(o.l1i), l2(o.l2), root(o.root), mm(o.mm), walks(o.walks), busy_ns(o.busy_ns),
        shootdowns(o.shootdowns), mru(o.mru) {
    mru.hits = &l1d.counters().hits;
  }
  Cpu& operator=(const Cpu&) = delete;

  Tlb l1d;  // first-level data TLB
  Tlb l1i;  // first-level instruction TLB
  Tlb l2;   // second level, shared by instructions and data (the STLB)

  Pfn root = kNoPfn;          // CR3: the PGD frame
  const void* mm = nullptr;   // identity of the address space the root belongs to
  std::uint64_t walks = 0;    // page walks done (TLB misses in both levels, and D-bit updates)
  // Work priced on this CPU while it was current, and idle time skipped (hw::Clock).
  std::uint64_t busy_ns = 0;
  // TLB shootdowns received: flushes another CPU asked of this one because it runs
  // the address space that changed (irq_tlb_count, /proc/interrupts' TLB line).
  std::uint64_t shootdowns = 0;

  // The last data translation used. It is the most recently used entry of its L1 dTLB
  // set, so another access to the same page is an L1 hit that changes no LRU state:
  // the fast path counts the hit and skips the lookup. Cleared whenever the L1 dTLB
  // changes other than by such a hit.
  detail::MruTranslation mru;
  // Beyond it, each L1 TLB keeps one SoftTlbEntry per set (Tlb::soft()): the same idea
  // for every set, used by the RISC-V interpreter for data and instruction fetches.

  void forget_mru() { mru.vpn = TlbEntry::kInvalid; }
};

}  // namespace vmlab::hw
