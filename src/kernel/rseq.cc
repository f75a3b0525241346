#include "kernel/rseq.h"

#include <array>

#include "kernel/signal.h"
#include "kernel/sys_handlers.h"
#include "kernel/kernel.h"
#include "kernel/user_mem.h"
#include "mm/address_space.h"

namespace vmlab::kern {

namespace {

// Field offsets in struct rseq and struct rseq_cs.
constexpr std::uint64_t kCpuIdStart = 0, kCpuId = 4, kRseqCs = 8, kFlags = 16, kNodeId = 20, kMmCid = 24;
constexpr std::uint32_t kCpuIdUninitialized = 0xffffffffu;  // RSEQ_CPU_ID_UNINITIALIZED

struct RseqCs {
  std::uint32_t version = 0;
  std::uint32_t flags = 0;
  std::uint64_t start_ip = 0;
  std::uint64_t post_commit_offset = 0;
  std::uint64_t abort_ip = 0;
};
static_assert(sizeof(RseqCs) == 32);

// rseq_update_cpu_node_id() (both the task's CPU) and rseq_reset_rseq_cpu_node_id()
// (cpu_id_start 0, cpu_id RSEQ_CPU_ID_UNINITIALIZED): cpu_id_start, cpu_id, node_id
// and mm_cid.
bool write_ids(Kernel& k, Task& t, VirtAddr area, std::uint32_t cpu_id_start, std::uint32_t cpu_id) {
  for (const auto& [off, v] : std::array<std::pair<std::uint64_t, std::uint32_t>, 4>{
           {{kCpuIdStart, cpu_id_start}, {kCpuId, cpu_id}, {kNodeId, 0}, {kMmCid, 0}}}) {
    if (!put_user<std::uint32_t>(k, t, area + off, v)) return false;
  }
  return true;
}

bool clear_rseq_cs(Kernel& k, Task& t) { return static_cast<bool>(put_user<std::uint64_t>(k, t, t.rseq + kRseqCs, 0)); }

// rseq_get_rseq_cs(): the descriptor rseq_cs points at (all zero for a null pointer),
// checked: inside user space, version 0, no overflow, the abort handler outside the
// section and preceded by the registered signature.
bool get_rseq_cs(Kernel& k, Task& t, RseqCs& cs) {
  const std::uint64_t task_size = t.mm->task_size;
  auto ptr = get_user<std::uint64_t>(k, t, t.rseq + kRseqCs);
  if (!ptr) return false;
  cs = RseqCs{};
  if (*ptr == 0) return true;
  if (*ptr >= task_size) return false;
  auto got = get_user<RseqCs>(k, t, *ptr);
  if (!got) return false;
  cs = *got;
  if (cs.start_ip >= task_size || cs.start_ip + cs.post_commit_offset >= task_size || cs.abort_ip >= task_size ||
      cs.version > 0) {
    return false;
  }
  if (cs.start_ip + cs.post_commit_offset < cs.start_ip) return false;
  if (cs.abort_ip - cs.start_ip < cs.post_commit_offset) return false;
  auto sig = get_user<std::uint32_t>(k, t, cs.abort_ip - 4);
  return sig && *sig == t.rseq_sig;
}

// rseq_ip_fixup(): a pc inside the critical section moves to its abort handler when
// an event (preemption, signal) happened; outside one, rseq_cs is cleared.
bool ip_fixup(Kernel& k, Task& t) {
  RseqCs cs;
  if (!get_rseq_cs(k, t, cs)) return false;
  if (!(t.regs.pc - cs.start_ip < cs.post_commit_offset)) return clear_rseq_cs(k, t);  // !in_rseq_cs()
  // rseq_need_restart(): the deprecated RSEQ_CS_FLAG_NO_RESTART_* flags are refused,
  // in the descriptor and in the area; the event mask is read and cleared.
  if (cs.flags != 0) return false;
  auto flags = get_user<std::uint32_t>(k, t, t.rseq + kFlags);
  if (!flags || *flags != 0) return false;
  const bool event = t.rseq_event;
  t.rseq_event = false;
  if (!event) return true;
  if (!clear_rseq_cs(k, t)) return false;
  t.regs.pc = cs.abort_ip;
  return true;
}

// __rseq_handle_notify_resume(); a failure is force_sigsegv(delivering).
void handle_notify_resume(Kernel& k, Task& t, int delivering) {
  if (t.rseq == 0 || t.exited || !t.mm) return;
  if (ip_fixup(k, t) && write_ids(k, t, t.rseq, t.cpu, t.cpu)) return;
  if (delivering == static_cast<int>(Signal::sigsegv)) force_sigsegv(k, t);
  else force_sig_fault(k, t, SigInfo{Signal::sigsegv, kSiKernel, 0});
}

void unregister(Task& t) {
  t.rseq = 0;
  t.rseq_len = t.rseq_sig = 0;
  t.rseq_event = t.rseq_notify = false;
}

}  // namespace

void rseq_preempt(Task& t) {
  if (t.rseq == 0) return;
  t.rseq_event = true;
  t.rseq_notify = true;
}

void rseq_notify_resume(Kernel& k, Task& t, int delivering) {
  t.rseq_notify = false;
  handle_notify_resume(k, t, delivering);
}

void rseq_signal_deliver(Kernel& k, Task& t, int sig) {
  if (t.rseq == 0) return;
  t.rseq_event = true;
  handle_notify_resume(k, t, sig);
}

void rseq_fork(Task& child, const Task& parent, bool clone_vm) {
  if (clone_vm) {
    unregister(child);
    return;
  }
  child.rseq = parent.rseq;
  child.rseq_len = parent.rseq_len;
  child.rseq_sig = parent.rseq_sig;
  child.rseq_event = parent.rseq_event;
}

void rseq_execve(Task& t) { unregister(t); }

// sys_rseq(rseq, rseq_len, flags, sig).
std::int64_t sys_rseq(SysCtx& c, const SysArgs& a) {
  const VirtAddr area = a[0];
  const auto len = static_cast<std::uint32_t>(a[1]);
  const auto flags = static_cast<std::int32_t>(a[2]);
  const auto sig = static_cast<std::uint32_t>(a[3]);
  Task& t = c.t;
  if (flags & kRseqFlagUnregister) {
    if (flags & ~kRseqFlagUnregister) return err(Errno::inval);
    if (t.rseq == 0 || t.rseq != area || len != t.rseq_len) return err(Errno::inval);
    if (sig != t.rseq_sig) return err(Errno::perm);
    if (!write_ids(c.k, c.t, area, 0, kCpuIdUninitialized)) return err(Errno::fault);
    unregister(t);
    return 0;
  }
  if (flags != 0) return err(Errno::inval);
  if (t.rseq != 0) {
    if (t.rseq != area || len != t.rseq_len) return err(Errno::inval);
    if (sig != t.rseq_sig) return err(Errno::perm);
    return err(Errno::busy);  // already registered
  }
  // The original 32-byte area needs its 32-byte alignment; a longer one the struct's
  // alignment (AT_RSEQ_ALIGN) and every field this kernel knows (AT_RSEQ_FEATURE_SIZE).
  if (len < kRseqOrigSize || (len == kRseqOrigSize && area % kRseqOrigSize != 0) ||
      (len != kRseqOrigSize && (area % kRseqAlign != 0 || len < kRseqFeatureSize))) {
    return err(Errno::inval);
  }
  const std::uint64_t task_size = c.t.mm->task_size;
  if (area > task_size || len > task_size - area) return err(Errno::fault);  // access_ok()
  // A stale rseq_cs left by an earlier user of the area is cleared, not refused.
  auto cs = get_user<std::uint64_t>(c.k, c.t, area + kRseqCs);
  if (!cs) return err(Errno::fault);
  if (*cs != 0 && !put_user<std::uint64_t>(c.k, c.t, area + kRseqCs, 0)) return err(Errno::fault);
  t.rseq = area;
  t.rseq_len = len;
  t.rseq_sig = sig;
  t.rseq_notify = true;  // rseq_set_notify_resume(): the cpu_id fields before user mode
  return 0;
}

}  // namespace vmlab::kern
