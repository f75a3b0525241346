// What a Machine owns, in construction order: the config, physical memory, the MMU
// and its CPUs, the memory-manager state, and the kernel.
#pragma once

#include "hw/mmu.h"
#include "hw/physical_memory.h"
#include "kernel/kernel.h"
#include "mm/memory_system.h"
#include "vmlab/config.h"

namespace vmlab::detail {

struct MachineState {
  explicit MachineState(const MachineConfig& c)
      : config(c),
        mem(c.ram_pages(), c.contents),
        mmu(mem, config),
        sys(config, mem, mmu),
        kernel(config, sys) {}

  MachineConfig config;
  hw::PhysicalMemory mem;
  hw::Mmu mmu;
  mm::MemorySystem sys;
  kern::Kernel kernel;

  // A task not yet released (a thread, or a process's leader until it is reaped).
  kern::Task& task(int tid) {
    kern::Task* t = kernel.find_task(tid);
    if (t == nullptr) throw std::out_of_range("vmlab: no process or thread " + std::to_string(tid));
    return *t;
  }
};

}  // namespace vmlab::detail
