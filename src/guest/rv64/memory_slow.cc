// What the handlers do when the soft TLB does not answer: translate through the MMU
// (one modelled TLB lookup per attempt), run the kernel's fault handler when the MMU
// refuses, and retry: the one loop of kernel/fault_in.h that every user access shares.
//
// Misaligned accesses within a page complete as one access, as on hardware that
// supports them. One that crosses a page is what Linux's misaligned-access emulation
// does with it (arch/riscv/kernel/traps_misaligned.c): a byte at a time through the
// user-access path, faulting pages in as needed; when that fails the process gets
// SIGBUS BUS_ADRALN at the instruction (do_trap_load_misaligned()), and bytes already
// stored stay stored.
#include <cstring>

#include "guest/rv64/engine.h"

namespace vmlab::guest::rv64 {

SigInfo Engine::fault(std::uint64_t va, hw::AccessType type, unsigned error_code) {
  if (fp_host_ready()) {  // the common case: no FP state to set aside (fp_env.cc)
    SigInfo s = kernel.user_fault(*task, va, type, error_code);
    fp_host_done();
    return s;
  }
  fp_leave();
  SigInfo s = kernel.user_fault(*task, va, type, error_code);
  fp_enter();
  return s;
}

kern::FaultIn Engine::fault_in(std::uint64_t va, hw::AccessType type) {
  return kern::fault_in_page(mmu, cpu, va, type,
                             [&](unsigned error_code) { return fault(va, type, error_code); });
}

// One access within a page, faulting as needed; `copy` moves the bytes. The signal of
// a fault that cannot be resolved, or none. A store to a frame holding decoded code
// reaches here, and the translation drops the decoded copy before the bytes change.
template <class Copy>
SigInfo Engine::access_page(std::uint64_t va, bool write, bool& faulted, Copy copy) {
  const kern::FaultIn page = fault_in(va, write ? hw::AccessType::write : hw::AccessType::read);
  faulted |= page.faults > 0;
  if (!page.ok()) return page.sig;
  copy(mem.frame(page.pfn) + (va & (kPageSize - 1)));
  return {};
}

// A misaligned access across a page: byte by byte; a failure is SIGBUS BUS_ADRALN at
// the instruction (SIGKILL, from the OOM killer, stays what it is).
template <class CopyByte>
Slow Engine::access_bytewise(std::uint64_t va, unsigned size, bool write, bool& faulted, CopyByte copy_byte) {
  for (unsigned i = 0; i < size; ++i) {
    const SigInfo s = access_page(va + i, write, faulted, [&](std::uint8_t* p) { copy_byte(i, p); });
    if (s.signo == Signal::sigkill) {
      sig = s;
      return Slow::signal;
    }
    if (s.signo != Signal::none) {
      sig = SigInfo{Signal::sigbus, kBusAdrAln, 0};
      sig_at_pc = true;
      return Slow::signal;
    }
  }
  return Slow::ok;
}

Slow Engine::load_slow(std::uint64_t va, unsigned size, void* out) {
  const std::uint64_t drops_before = cache->drops();
  auto* bytes = static_cast<std::uint8_t*>(out);
  bool faulted = false;
  if ((va & (kPageSize - 1)) + size <= kPageSize) {
    const SigInfo s = access_page(va, false, faulted, [&](std::uint8_t* p) { std::memcpy(out, p, size); });
    if (s.signo != Signal::none) {
      sig = s;
      return Slow::signal;
    }
  } else if (access_bytewise(va, size, false, faulted, [&](unsigned i, std::uint8_t* p) { bytes[i] = *p; }) ==
             Slow::signal) {
    return Slow::signal;
  }
  return faulted || cache->drops() != drops_before ? Slow::leave : Slow::ok;
}

Slow Engine::store_slow(std::uint64_t va, unsigned size, const void* in) {
  const std::uint64_t drops_before = cache->drops();
  const auto* bytes = static_cast<const std::uint8_t*>(in);
  bool faulted = false;
  if ((va & (kPageSize - 1)) + size <= kPageSize) {
    const SigInfo s = access_page(va, true, faulted, [&](std::uint8_t* p) { std::memcpy(p, in, size); });
    if (s.signo != Signal::none) {
      sig = s;
      return Slow::signal;
    }
  } else if (access_bytewise(va, size, true, faulted, [&](unsigned i, std::uint8_t* p) { *p = bytes[i]; }) ==
             Slow::signal) {
    return Slow::signal;
  }
  return faulted || cache->drops() != drops_before ? Slow::leave : Slow::ok;
}

Slow Engine::atomic_slow(std::uint64_t va, unsigned size, bool write, std::uint8_t** host) {
  // Misaligned LR/SC/AMOs are not emulated: Linux's handlers do not recognise them and
  // send SIGBUS BUS_ADRALN at the instruction.
  if ((va & (size - 1)) != 0) {
    sig = SigInfo{Signal::sigbus, kBusAdrAln, 0};
    sig_at_pc = true;
    return Slow::signal;
  }
  const std::uint64_t drops_before = cache->drops();
  const kern::FaultIn page = fault_in(va, write ? hw::AccessType::write : hw::AccessType::read);
  if (!page.ok()) {
    sig = page.sig;
    return Slow::signal;
  }
  *host = mem.frame(page.pfn) + (va & (kPageSize - 1));
  const bool faulted = page.faults > 0;
  return faulted || cache->drops() != drops_before ? Slow::leave : Slow::ok;
}

DecodedPage* Engine::fetch_slow(std::uint64_t pc) {
  const kern::FaultIn page = fault_in(pc, hw::AccessType::exec);
  // Every translation is a lookup sent to the MMU; each one that failed retired nothing.
  mmu_fetches += page.faults + (page.ok() ? 1 : 0);
  extra_fetches += page.faults;
  if (!page.ok()) {
    sig = page.sig;
    return nullptr;
  }
  DecodedPage* decoded = cache->page(page.pfn);
  hw::SoftTlbEntry& s = cpu.l1i.soft_for(pc >> kPageShift);
  if (s.page == (pc & kPageMask)) s.code = decoded;
  return decoded;
}

Slow Engine::fetch_parcel(std::uint64_t va, std::uint16_t* out) {
  ++extra_fetches;  // the second lookup of one instruction
  const hw::SoftTlbEntry& s = isoft[(va >> kPageShift) & imask];
  if (s.page == va) {  // va is a page start
    std::memcpy(out, reinterpret_cast<const void*>(va + s.addend), 2);
    return Slow::ok;
  }
  ++mmu_fetches;
  const hw::Translation t = mmu.translate(cpu, va, hw::AccessType::exec);
  if (t.ok()) {
    std::memcpy(out, mem.frame(t.pfn) + (va & (kPageSize - 1)), 2);
    return Slow::ok;
  }
  const SigInfo si = fault(va, hw::AccessType::exec, t.error_code);
  if (si.signo != Signal::none) {
    sig = si;
    return Slow::signal;
  }
  return Slow::leave;  // the instruction starts over
}

}  // namespace vmlab::guest::rv64
