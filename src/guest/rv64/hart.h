// One RISC-V RV64GC hart running a guest process: the architectural state and the
// interpreter that advances it. Every instruction fetch goes through the CPU's
// instruction TLB and every load and store through its data TLB; a translation the
// MMU refuses goes to the kernel's fault handler exactly as a C++ API access does.
// The interpreter stops at an ecall (the caller serves the system call), at a
// signal the guest must receive, or when its instruction budget is spent.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "hw/rv64_regs.h"
#include "vmlab/signal.h"

namespace vmlab::kern {
class Kernel;
struct Task;
}  // namespace vmlab::kern

namespace vmlab::guest::rv64 {

// The registers of one hart: the arch type tasks keep (hw/rv64_regs.h).
using HartState = hw::Rv64Regs;

enum class StopReason : std::uint8_t {
  ecall,    // pc points at the ecall; the caller serves it and advances pc by 4
  signal,   // a fault or trap the guest must receive; pc points at the instruction
  budget,   // the instruction budget is spent; pc is the next instruction
};

struct Stop {
  StopReason reason = StopReason::budget;
  SigInfo sig;  // for StopReason::signal: SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP
};

class Hart {
 public:
  // Runs on CPU `cpu` of the kernel's MMU.
  Hart(kern::Kernel& kernel, unsigned cpu = 0);
  ~Hart();
  Hart(const Hart&) = delete;
  Hart& operator=(const Hart&) = delete;

  // Runs `task` from its registers until an ecall, a signal or `budget` retired
  // instructions. Switches the CPU to the task first (its address space, current).
  Stop run(kern::Task& task, std::uint64_t budget);

  // fence.i for every hart, exec, riscv_flush_icache: forget decoded code.
  void invalidate_code();

  // Tests: run without the fast paths, every instruction fetch and data access a
  // Mmu::translate() of its own. The TLB counters must come out the same.
  void set_reference_mode(bool on);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vmlab::guest::rv64
