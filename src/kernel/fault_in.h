// Faulting a user page in: translate through the MMU, run the fault handler when the
// MMU refuses, and translate again, until the access goes through or the fault
// handler raises a signal. Every user access the kernel makes or serves goes through
// this one loop (copy_to_user(), the C++ API's loads and stores, the interpreter's
// slow paths), so all of them take the same faults and give the same outcomes.
#pragma once

#include <stdexcept>
#include <string>

#include "hw/mmu.h"
#include "vmlab/signal.h"

namespace vmlab::kern {

struct FaultIn {
  Pfn pfn = kNoPfn;    // the frame, when the access went through
  SigInfo sig;         // otherwise the signal the access raised
  unsigned faults = 0; // faults taken (each one a translation that failed)
  bool ok() const { return pfn != kNoPfn; }
};

// A fault the handler reported resolved must make the access go through when it is
// retried; a few retries cover a fault that resolves in steps (a read fault mapping
// the zero page, then the write fault that copies it). More means a kernel bug.
inline constexpr unsigned kMaxFaultRetries = 4;

// The loop, for any way of calling the fault handler: `handle(error_code)` runs it
// and returns the signal (none when resolved).
template <class Handle>
FaultIn fault_in_page(hw::Mmu& mmu, hw::Cpu& cpu, VirtAddr va, hw::AccessType type, Handle&& handle) {
  FaultIn r;
  for (;;) {
    const hw::Translation t = mmu.translate(cpu, va, type);
    if (t.ok()) {
      r.pfn = t.pfn;
      return r;
    }
    if (r.faults == kMaxFaultRetries) {
      throw std::logic_error("vmlab: a resolved fault did not make address " + std::to_string(va) + " accessible");
    }
    ++r.faults;
    r.sig = handle(t.error_code);
    if (r.sig.signo != Signal::none) return r;
  }
}

}  // namespace vmlab::kern
