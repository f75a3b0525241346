#include "kernel/mm_hooks.h"

#include "kernel/kernel.h"
#include "kernel/oom_kill.h"

namespace vmlab::kern {

void KernelMmHooks::wake_flusher() { k_.sync(); }

mm::OomOutcome KernelMmHooks::out_of_memory(mm::Gfp gfp, mm::MemCgroup* memcg) {
  return kern::out_of_memory(k_, gfp, memcg);
}

}  // namespace vmlab::kern
