// Restartable sequences (kernel/rseq.c): a task registers a struct rseq area; the
// kernel keeps its cpu_id fields current and, when the task is preempted or gets a
// signal while its pc is inside the critical section that rseq_cs describes, moves the
// pc to the section's abort handler on the way back to user mode.
//
// cpu_id and cpu_id_start are the CPU the task runs on; node_id is 0 (one NUMA node)
// and mm_cid 0.
#pragma once

#include <cstdint>

#include "kernel/task.h"

namespace vmlab::kern {

class Kernel;

// The uapi layout (include/uapi/linux/rseq.h).
inline constexpr std::uint32_t kRseqOrigSize = 32;     // ORIG_RSEQ_SIZE
inline constexpr std::uint32_t kRseqFeatureSize = 28;  // offsetof(struct rseq, end): AT_RSEQ_FEATURE_SIZE
inline constexpr std::uint32_t kRseqAlign = 32;        // __alignof__(struct rseq): AT_RSEQ_ALIGN
inline constexpr int kRseqFlagUnregister = 1;          // RSEQ_FLAG_UNREGISTER

// rseq_preempt(): the task left the CPU; a critical section it was in restarts.
void rseq_preempt(Task& t);
// __rseq_handle_notify_resume() on the way back to user mode, when a registration,
// a preemption or a signal asked for it: the abort fixup, then the cpu_id fields.
// A bad rseq area or rseq_cs gets SIGSEGV (force_sigsegv()); `delivering` is the
// signal being delivered (rseq_signal_deliver()), 0 otherwise.
void rseq_notify_resume(Kernel& k, Task& t, int delivering = 0);
// rseq_signal_deliver(): before a handler's frame is built.
void rseq_signal_deliver(Kernel& k, Task& t, int sig);
// rseq_fork(): a child sharing the parent's memory (CLONE_VM) starts unregistered;
// any other inherits the registration.
void rseq_fork(Task& child, const Task& parent, bool clone_vm);
// rseq_execve(): a new program starts unregistered.
void rseq_execve(Task& t);

}  // namespace vmlab::kern
