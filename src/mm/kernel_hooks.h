// What the memory manager asks of the kernel above it. An interface, so that mm/ never
// includes kernel/: the kernel implements it and hands it to the MemorySystem.
#pragma once

#include "mm/zone.h"

namespace vmlab::mm {

class MemCgroup;

// What out_of_memory() did.
enum class OomOutcome : unsigned char {
  none,            // nothing could be killed
  killed_other,    // a victim was killed and its memory freed; the allocation retries
  killed_current,  // the allocating task is the victim: it may use the reserves to exit
};

class KernelHooks {
 public:
  virtual ~KernelHooks() = default;
  // wakeup_flusher_threads(WB_REASON_VMSCAN): reclaim found only dirty file pages it
  // may not write itself; the flusher writes them back.
  virtual void wake_flusher() = 0;
  // out_of_memory(): picks the task whose death frees the most memory (of those
  // charged to `memcg` and below it, or of all when null), kills it and reaps its
  // address space.
  virtual OomOutcome out_of_memory(Gfp gfp, MemCgroup* memcg) = 0;
};

}  // namespace vmlab::mm
