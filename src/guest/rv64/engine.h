// The interpreter behind Hart: the architectural state while running, the threaded
// dispatch loop (engine.cc and the exec_*.inc handler groups), and the slow paths the
// handlers leave to: TLB misses and faults (memory_slow.cc), CSRs (csr.cc), and
// floating point outside the host's native rounding (fp_slow.cc).
//
// Accounting, so that the TLB counters are exactly those of one lookup per access:
//  - a block is the straight-line run from an entry to the first instruction that ends
//    a block; entering it adds its whole instruction count to instret at once, and an
//    instruction that faults or leaves the block early takes back what did not run;
//  - every instruction's fetch is one L1 iTLB lookup. Only the first of a block can
//    miss (the page is the most recent way of its set until something other than a
//    fetch changes the TLB, and whatever might makes the block end early), so the
//    hits are derived at the end: lookups = retired + fetched but not retired +
//    second halves of page-crossing instructions; hits through the soft TLB =
//    lookups - lookups sent to Mmu::translate().
//  - data accesses count their soft-TLB hits in a local counter added to the L1 dTLB's
//    hits before any slow path and at the end.
#pragma once

#include <cfenv>
#include <cstdint>
#include <memory>

#include "guest/rv64/code_cache.h"
#include "guest/rv64/hart.h"
#include "guest/rv64/insn.h"
#include "hw/mmu.h"
#include "kernel/kernel.h"

namespace vmlab::guest::rv64 {

// The handler label of every Op, taken from the engine's dispatch function.
const void* const* engine_handlers();

// How a slow path ended.
enum class Slow : std::uint8_t {
  ok,     // done; the block continues
  leave,  // done, but the kernel ran (a fault) or decoded code changed: end the block here
  signal, // the access raised `Engine::sig`
};

struct Engine {
  Engine(kern::Kernel& kernel, unsigned cpu);

  Stop run(kern::Task& t, HartState& state, std::uint64_t budget);

  // The dispatch loop: runs from `pc` until instret reaches `limit` or a stop.
  StopReason loop(std::uint64_t& pc, std::uint64_t& instret, std::uint64_t limit);

  // Memory slow paths (memory_slow.cc).
  // The frame of `va` through Kernel::fault_in's loop, with the fault handler run in
  // the host's FP environment.
  kern::FaultIn fault_in(std::uint64_t va, hw::AccessType type);
  template <class Copy>
  SigInfo access_page(std::uint64_t va, bool write, bool& faulted, Copy copy);
  template <class CopyByte>
  Slow access_bytewise(std::uint64_t va, unsigned size, bool write, bool& faulted, CopyByte copy_byte);
  Slow load_slow(std::uint64_t va, unsigned size, void* out);
  Slow store_slow(std::uint64_t va, unsigned size, const void* in);
  // An LR, SC or AMO: alignment, then one translation. `host` receives the address.
  Slow atomic_slow(std::uint64_t va, unsigned size, bool write, std::uint8_t** host);
  // The fault handler for the task, run in the host's FP environment.
  SigInfo fault(std::uint64_t va, hw::AccessType type, unsigned error_code);
  // The decoded page of `pc`, through Mmu::translate(exec) and the fault handler.
  // Null when the fetch raised `sig`.
  DecodedPage* fetch_slow(std::uint64_t pc);
  // The second half of a page-crossing instruction, at `va` (a page start).
  Slow fetch_parcel(std::uint64_t va, std::uint16_t* out);

  // CSR instructions (csr.cc): false for an illegal access.
  bool csr(const Insn& e, std::uint64_t instret_before);
  // FP operations with a rounding mode the host is not in (fp_slow.cc): false when
  // the mode is invalid (an illegal instruction).
  bool fp_slow(const Insn& e);
  void fp_native(const Insn& e);  // the rounding-dependent operations, in the host's mode
  void fp_rmm(const Insn& e);     // the same, rounding to nearest with ties away from zero

  // Host floating-point environment (fp_env.cc): the guest's rounding mode is the
  // host's while running; host exception flags accumulate the guest's fflags.
  void fp_enter();
  void fp_leave();
  // Host code called while running (the fault handler) may skip fp_leave()/fp_enter()
  // when fp_host_ready(): no guest flag is pending in the host's sticky flags and the
  // host rounds as it did before fp_enter(). fp_host_done() afterwards hands any flag
  // that host code raised to the host's environment, as fp_leave()/fp_enter() would.
  bool fp_host_ready() const;
  void fp_host_done();
  std::uint32_t read_fflags();  // folds the host flags in
  void write_frm(std::uint32_t frm);
  void write_fflags(std::uint32_t flags);

  void flush_dhits() {
    cpu.l1d.counters().hits += dhits;
    dhits = 0;
  }

  kern::Kernel& kernel;
  hw::Mmu& mmu;
  hw::Cpu& cpu;
  hw::PhysicalMemory& mem;
  std::shared_ptr<CodeCache> cache;
  kern::Task* task = nullptr;  // the task running, while run() runs

  // Architectural state while running.
  alignas(64) std::uint64_t x[33] = {};  // x[32]: where writes to x0 go
  std::uint64_t f[32] = {};
  std::uint32_t frm = 0;
  std::uint32_t fflags = 0;            // flags raised by software; the host's are folded in on read
  std::uint8_t host_rm = 0;            // frm when the host rounds that way (0..3), else 0xff
  std::fenv_t host_env{};              // the host's own environment, restored on leaving
  int host_round = 0;                  // its rounding mode (FE_TONEAREST...)
  std::uint64_t reservation = ~0ULL;

  // Fast-path views of the CPU's soft TLBs.
  hw::SoftTlbEntry* dsoft = nullptr;
  std::uint64_t dmask = 0;
  hw::SoftTlbEntry* isoft = nullptr;
  std::uint64_t imask = 0;

  std::uint64_t dhits = 0;           // data soft-TLB hits not yet added to the counters
  std::uint64_t extra_fetches = 0;   // fetch lookups that retired no instruction
  std::uint64_t mmu_fetches = 0;     // fetch lookups sent to Mmu::translate()
  std::uint64_t instret_start = 0;   // instret when run() began (for the time CSR)

  // The slow model the fast paths must match exactly (tests): no soft TLB, and one
  // instruction per pass through block entry, so every fetch and every data access is
  // a Mmu::translate() lookup of its own.
  bool reference = false;

  SigInfo sig;      // the signal of a StopReason::signal
  bool sig_at_pc = false;  // sig.addr is to be the faulting instruction's address
  Insn scratch[3];  // single-stepped or page-crossing instruction, and its sentinel
};

}  // namespace vmlab::guest::rv64
