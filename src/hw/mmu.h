// Address translation on a CPU: the TLB fast path, the page walk (which sets the
// accessed and dirty bits as x86-64 hardware does), and the fault exit when the walk
// finds no present entry or the access is not allowed. The MMU knows nothing of VMAs:
// the kernel handles the fault and the caller retries.
#pragma once

#include <cstdint>
#include <vector>

#include "hw/cpu.h"
#include "hw/physical_memory.h"
#include "hw/pte.h"

namespace vmlab::hw {

enum class AccessType : std::uint8_t { read, write, exec };

// x86 page-fault error code bits, as the hardware reports them.
inline constexpr unsigned kFaultProtection = 1;  // P: the entry was present
inline constexpr unsigned kFaultWrite = 2;       // W/R
inline constexpr unsigned kFaultUser = 4;        // U/S
inline constexpr unsigned kFaultFetch = 16;      // I/D

struct Translation {
  Pfn pfn = kNoPfn;          // kNoPfn: the access faulted
  unsigned error_code = 0;   // valid when it faulted
  bool ok() const { return pfn != kNoPfn; }
};

class Mmu {
 public:
  Mmu(PhysicalMemory& mem, const MachineConfig& config);

  unsigned cpu_count() const { return static_cast<unsigned>(cpus_.size()); }
  Cpu& cpu(unsigned i) { return cpus_[i]; }
  const Cpu& cpu(unsigned i) const { return cpus_[i]; }
  // The CPU the kernel is running on now (smp_processor_id()): the one work is charged
  // to, and the one a flush is local to (the others running the mm get shootdowns).
  // Set when a task is switched in.
  unsigned current() const { return current_; }
  void set_current(unsigned cpu) { current_ = cpu; }

  // Translates a data access. Inline fast path: the CPU's last translation.
  Translation translate_data(Cpu& cpu, VirtAddr va, bool write) {
    const std::uint64_t vpn = va >> kPageShift;
    if (vpn == cpu.mru.vpn && (!write || cpu.mru.writable_dirty)) {
      ++cpu.l1d.counters().hits;
      return {cpu.mru.pfn, 0};
    }
    return translate_slow(cpu, va, write ? AccessType::write : AccessType::read);
  }
  Translation translate(Cpu& cpu, VirtAddr va, AccessType type);

  // CR3 write: load another address space. Without PCIDs this flushes every TLB.
  void switch_to(Cpu& cpu, const void* mm, Pfn root);
  // Flushes on every CPU running `mm`, as flush_tlb_mm_range(): more than
  // `kFlushCeiling` pages flush everything. CPUs other than the current one count a
  // shootdown each.
  void flush_range(const void* mm, VirtAddr start, VirtAddr end);
  void flush_page(const void* mm, VirtAddr va) { flush_range(mm, va, va + kPageSize); }
  void flush_mm(const void* mm);
  // arch_tlbbatch_flush(): the deferred flush reclaim's unmapping batches up
  // (TTU_BATCH_FLUSH): every CPU running one of `mms` flushes its whole TLB once.
  void flush_batch(const std::vector<const void*>& mms);
  // A CPU stops running `mm` (exit): it switches to no address space.
  void drop_mm(const void* mm);

  static constexpr std::uint64_t kFlushCeiling = 33;  // tlb_single_page_flush_ceiling

  // A front end decoded the frame's instructions: from now on every store to it takes
  // the slow path (which tells PhysicalMemory::code_written()).
  void mark_code_frame(Pfn pfn);

 private:
  Translation translate_slow(Cpu& cpu, VirtAddr va, AccessType type);
  // Fill the CPU's fast paths with the entry a translation just made most recent.
  void remember(Cpu& cpu, const TlbEntry& e);
  void remember_fetch(Cpu& cpu, const TlbEntry& e);
  // Walks the tables from the CPU's root; sets A (and D on write) on success.
  Translation walk(Cpu& cpu, VirtAddr va, AccessType type, TlbEntry* out);

  // The flush reached `cpu`: a shootdown unless it is the current CPU.
  void count_shootdown(Cpu& cpu);

  PhysicalMemory& mem_;
  std::vector<Cpu> cpus_;
  unsigned current_ = 0;
};

}  // namespace vmlab::hw
