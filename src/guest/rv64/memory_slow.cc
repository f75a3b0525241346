// What the handlers do when the soft TLB does not answer: translate through the MMU
// (one modelled TLB lookup per attempt), run the kernel's fault handler when the MMU
// refuses, and retry, as the C++ API's accesses do (api/process.cc).
//
// Misaligned accesses within a page complete as one access, as on hardware that
// supports them. One that crosses a page is what Linux's misaligned-access emulation
// does with it (arch/riscv/kernel/traps_misaligned.c): a byte at a time through the
// user-access path, faulting pages in as needed; when that fails the process gets
// SIGBUS BUS_ADRALN at the instruction (do_trap_load_misaligned()), and bytes already
// stored stay stored.
#include <cstring>
#include <stdexcept>

#include "guest/rv64/engine.h"

namespace vmlab::guest::rv64 {

namespace {
constexpr int kMaxAttempts = 4;  // a resolved fault that does not make the page accessible is a bug

[[noreturn]] void unresolved(std::uint64_t va) {
  throw std::logic_error("vmlab rv64: a resolved fault did not make address " + std::to_string(va) +
                         " accessible");
}
}  // namespace

SigInfo Engine::fault(std::uint64_t va, hw::AccessType type, unsigned error_code) {
  if (fp_host_ready()) {  // the common case: no FP state to set aside (fp_env.cc)
    SigInfo s = kernel.user_fault(*proc, va, type, error_code);
    fp_host_done();
    return s;
  }
  fp_leave();
  SigInfo s = kernel.user_fault(*proc, va, type, error_code);
  fp_enter();
  return s;
}

// One access within a page: translate, fault and retry until the MMU gives a frame;
// `copy` moves the bytes. The signal of a fault that cannot be resolved, or none.
template <class Copy>
SigInfo Engine::access_page(std::uint64_t va, bool write, bool& faulted, Copy copy) {
  for (int attempt = 0;; ++attempt) {
    // A store to a frame holding decoded code reaches here, and the translation drops
    // the decoded copy before the bytes change.
    const hw::Translation t = mmu.translate_data(cpu, va, write);
    if (t.ok()) {
      copy(mem.frame(t.pfn) + (va & (kPageSize - 1)));
      return {};
    }
    if (attempt == kMaxAttempts) unresolved(va);
    const SigInfo s = fault(va, write ? hw::AccessType::write : hw::AccessType::read, t.error_code);
    if (s.signo != Signal::none) return s;
    faulted = true;
  }
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
  bool faulted = false;
  for (int attempt = 0;; ++attempt) {
    const hw::Translation t = mmu.translate_data(cpu, va, write);
    if (t.ok()) {
      *host = mem.frame(t.pfn) + (va & (kPageSize - 1));
      break;
    }
    if (attempt == kMaxAttempts) unresolved(va);
    const SigInfo s = fault(va, write ? hw::AccessType::write : hw::AccessType::read, t.error_code);
    if (s.signo != Signal::none) {
      sig = s;
      return Slow::signal;
    }
    faulted = true;
  }
  return faulted || cache->drops() != drops_before ? Slow::leave : Slow::ok;
}

DecodedPage* Engine::fetch_slow(std::uint64_t pc) {
  for (int attempt = 0;; ++attempt) {
    ++mmu_fetches;
    const hw::Translation t = mmu.translate(cpu, pc, hw::AccessType::exec);
    if (t.ok()) {
      DecodedPage* page = cache->page(t.pfn);
      hw::SoftTlbEntry& s = cpu.l1i.soft_for(pc >> kPageShift);
      if (s.page == (pc & kPageMask)) s.code = page;
      return page;
    }
    ++extra_fetches;  // a lookup that retires nothing
    if (attempt == kMaxAttempts) unresolved(pc);
    const SigInfo s = fault(pc, hw::AccessType::exec, t.error_code);
    if (s.signo != Signal::none) {
      sig = s;
      return nullptr;
    }
  }
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
