// The kernel's answers to what the memory manager asks of it (mm/kernel_hooks.h): the
// flusher threads' writeback and the OOM killer.
#pragma once

#include "mm/kernel_hooks.h"

namespace vmlab::kern {

class Kernel;

class KernelMmHooks final : public mm::KernelHooks {
 public:
  explicit KernelMmHooks(Kernel& k) : k_(k) {}
  // wb_workfn() for WB_REASON_VMSCAN: every dirty page-cache page is written back,
  // as sync() writes them.
  void wake_flusher() override;
  mm::OomOutcome out_of_memory(mm::Gfp gfp, mm::MemCgroup* memcg) override;

 private:
  Kernel& k_;
};

}  // namespace vmlab::kern
