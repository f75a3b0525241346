// What the memory manager asks of the kernel above it. An interface, so that mm/ never
// includes kernel/: the kernel implements it and hands it to the MemorySystem.
#pragma once

namespace vmlab::mm {

class KernelHooks {
 public:
  virtual ~KernelHooks() = default;
  // wakeup_flusher_threads(WB_REASON_VMSCAN): reclaim found only dirty file pages it
  // may not write itself; the flusher writes them back.
  virtual void wake_flusher() = 0;
};

}  // namespace vmlab::mm
