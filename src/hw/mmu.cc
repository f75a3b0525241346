#include "hw/mmu.h"

#include <algorithm>

namespace vmlab::hw {

Mmu::Mmu(PhysicalMemory& mem, const MachineConfig& config) : mem_(mem) {
  cpus_.reserve(config.cpus);
  for (unsigned i = 0; i < config.cpus; ++i) cpus_.emplace_back(config);
}

Translation Mmu::walk(Cpu& cpu, VirtAddr va, AccessType type, TlbEntry* out) {
  ++cpu.walks;
  const bool write = type == AccessType::write;
  unsigned error = kFaultUser | (write ? kFaultWrite : 0) | (type == AccessType::exec ? kFaultFetch : 0);
  if (cpu.root == kNoPfn) return {kNoPfn, error};
  Pfn table = cpu.root;
  for (unsigned level = 0; level < kLevels; ++level) {
    auto* entries = reinterpret_cast<Pte*>(mem_.frame(table));
    Pte& e = entries[table_index(va, level)];
    if (!(e & kPtePresent)) return {kNoPfn, error};  // the hardware ignores PROT_NONE
    if (level + 1 < kLevels) {
      e |= kPteAccessed;
      table = pte_pfn(e);
      continue;
    }
    if ((write && !pte_write(e)) || (type == AccessType::exec && (e & kPteNoExec)) ||
        !(e & kPteUser)) {
      return {kNoPfn, error | kFaultProtection};
    }
    e |= kPteAccessed | (write ? kPteDirty : 0);
    *out = TlbEntry{va >> kPageShift, pte_pfn(e), pte_write(e), pte_dirty(e), !(e & kPteNoExec)};
    return {out->pfn, 0};
  }
  return {kNoPfn, error};
}

void Mmu::remember(Cpu& cpu, const TlbEntry& e) {
  // A frame holding decoded code is never written on a fast path: the write must
  // reach translate_slow(), which tells the code cache.
  const bool writable_dirty = e.writable && e.dirty && !mem_.holds_code(e.pfn);
  cpu.mru.vpn = e.vpn;
  cpu.mru.pfn = e.pfn;
  cpu.mru.host = mem_.data_contents() ? mem_.frame(e.pfn) : nullptr;
  cpu.mru.writable_dirty = writable_dirty;
  cpu.mru.mm = cpu.mm;
  if (mem_.data_contents()) {
    SoftTlbEntry& s = cpu.l1d.soft_for(e.vpn);
    s.page = e.vpn << kPageShift;
    s.write_page = writable_dirty ? s.page : SoftTlbEntry::kNone;
    s.addend = reinterpret_cast<std::uintptr_t>(mem_.frame(e.pfn)) - (e.vpn << kPageShift);
    s.code = nullptr;
  }
}

void Mmu::remember_fetch(Cpu& cpu, const TlbEntry& e) {
  if (!mem_.data_contents()) return;
  SoftTlbEntry& s = cpu.l1i.soft_for(e.vpn);
  s.page = e.vpn << kPageShift;
  s.write_page = SoftTlbEntry::kNone;
  s.addend = reinterpret_cast<std::uintptr_t>(mem_.frame(e.pfn)) - (e.vpn << kPageShift);
  s.code = nullptr;
}

void Mmu::mark_code_frame(Pfn pfn) {
  mem_.mark_code(pfn);
  // Take back the store fast paths that reach the frame.
  for (Cpu& cpu : cpus_) {
    if (cpu.mru.pfn == pfn) cpu.mru.writable_dirty = false;
    SoftTlbEntry* soft = cpu.l1d.soft();
    for (unsigned i = 0; i < cpu.l1d.sets(); ++i) {
      SoftTlbEntry& s = soft[i];
      if (s.write_page == SoftTlbEntry::kNone) continue;
      const std::uintptr_t host = s.addend + s.write_page;
      if (host == reinterpret_cast<std::uintptr_t>(mem_.frame(pfn))) s.write_page = SoftTlbEntry::kNone;
    }
  }
}

Translation Mmu::translate(Cpu& cpu, VirtAddr va, AccessType type) {
  if (type != AccessType::exec) return translate_data(cpu, va, type == AccessType::write);
  return translate_slow(cpu, va, type);
}

Translation Mmu::translate_slow(Cpu& cpu, VirtAddr va, AccessType type) {
  const std::uint64_t vpn = va >> kPageShift;
  const bool write = type == AccessType::write;
  Tlb& l1 = type == AccessType::exec ? cpu.l1i : cpu.l1d;
  if (type != AccessType::exec) cpu.forget_mru();

  TlbEntry* e = l1.lookup(vpn);
  if (e == nullptr) {
    if (const TlbEntry* e2 = cpu.l2.lookup(vpn)) {
      e = l1.insert(*e2);
    }
  }
  if (e != nullptr) {
    const bool allowed = type == AccessType::exec ? e->exec : (!write || e->writable);
    if (allowed && (!write || e->dirty)) {
      if (type != AccessType::exec) remember(cpu, *e);
      else remember_fetch(cpu, *e);
      if (write) mem_.code_written(e->pfn);
      return {e->pfn, 0};
    }
    // A store through a clean entry makes the hardware walk to set D; a permission
    // miss re-walks too, because the PTE may have been upgraded without a flush
    // (Linux leaves spurious faults to the walk).
  }

  TlbEntry fresh;
  Translation t = walk(cpu, va, type, &fresh);
  if (!t.ok()) {
    if (e != nullptr) {  // a stale entry must not satisfy the retry after the fault
      l1.flush_page(vpn);
      cpu.l2.flush_page(vpn);
    }
    return t;
  }
  cpu.l2.insert(fresh);
  TlbEntry* filled = l1.insert(fresh);
  if (type != AccessType::exec) remember(cpu, *filled);
  else remember_fetch(cpu, *filled);
  if (write) mem_.code_written(t.pfn);
  return t;
}

void Mmu::switch_to(Cpu& cpu, const void* mm, Pfn root) {
  if (cpu.mm == mm && cpu.root == root) return;
  cpu.mm = mm;
  cpu.root = root;
  cpu.l1d.flush_all();
  cpu.l1i.flush_all();
  cpu.l2.flush_all();
  cpu.forget_mru();
}

void Mmu::count_shootdown(Cpu& cpu) {
  if (&cpu != &cpus_[current_]) ++cpu.shootdowns;
}

void Mmu::flush_range(const void* mm, VirtAddr start, VirtAddr end) {
  const std::uint64_t pages = (end - start) >> kPageShift;
  for (Cpu& cpu : cpus_) {
    if (cpu.mm != mm) continue;
    count_shootdown(cpu);
    cpu.forget_mru();
    if (pages > kFlushCeiling) {
      cpu.l1d.flush_all();
      cpu.l1i.flush_all();
      cpu.l2.flush_all();
      continue;
    }
    for (std::uint64_t vpn = start >> kPageShift; vpn < end >> kPageShift; ++vpn) {
      cpu.l1d.flush_page(vpn);
      cpu.l1i.flush_page(vpn);
      cpu.l2.flush_page(vpn);
    }
  }
}

void Mmu::flush_mm(const void* mm) {
  for (Cpu& cpu : cpus_) {
    if (cpu.mm != mm) continue;
    count_shootdown(cpu);
    cpu.forget_mru();
    cpu.l1d.flush_all();
    cpu.l1i.flush_all();
    cpu.l2.flush_all();
  }
}

void Mmu::flush_batch(const std::vector<const void*>& mms) {
  for (Cpu& cpu : cpus_) {
    if (cpu.mm == nullptr || std::find(mms.begin(), mms.end(), cpu.mm) == mms.end()) continue;
    count_shootdown(cpu);
    cpu.forget_mru();
    cpu.l1d.flush_all();
    cpu.l1i.flush_all();
    cpu.l2.flush_all();
  }
}

void Mmu::drop_mm(const void* mm) {
  for (Cpu& cpu : cpus_) {
    if (cpu.mm != mm) continue;
    switch_to(cpu, nullptr, kNoPfn);
  }
}

}  // namespace vmlab::hw
