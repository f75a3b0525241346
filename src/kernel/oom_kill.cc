#include "kernel/oom_kill.h"

#include <fmt/format.h>

#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "kernel/thread_group.h"
#include "mm/address_space.h"
#include "mm/memcontrol.h"
#include "mm/memory_system.h"

namespace vmlab::kern {

namespace {

using mm::RssKind;

// The gfp_mask the report names for each kind of allocation (§7.5 of the reclaim
// notes: x86-64's vma_alloc_zeroed_movable_folio(), the page cache and swap-in, and
// GFP_PGTABLE_USER).
std::string_view gfp_text(mm::Gfp gfp) {
  switch (gfp) {
    case mm::Gfp::user: return "0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP)";
    case mm::Gfp::user_cache: return "0x100cca(GFP_HIGHUSER_MOVABLE)";
    case mm::Gfp::kernel: return "0x400dc0(GFP_KERNEL_ACCOUNT|__GFP_ZERO)";
  }
  return "0x0()";
}

// The cgroup path of a memory cgroup as /proc/PID/cgroup shows it.
std::string memcg_path(const mm::MemCgroup& cg) {
  if (cg.is_root()) return "/";
  std::string path;
  for (const mm::MemCgroup* c = &cg; c != nullptr && !c->is_root(); c = c->parent) path = "/" + c->name + path;
  return path;
}

// find_lock_task_mm(): a thread of `t`'s process that still has the address space.
Task* task_with_mm(Kernel& k, const Task& t) {
  for (int tid : t.tg->threads) {
    Task* thread = k.find_task(tid);
    if (thread != nullptr && !thread->exited && thread->mm) return thread;
  }
  return nullptr;
}

// K(): pages as kB.
std::uint64_t kb(std::int64_t pages) { return static_cast<std::uint64_t>(pages) * (kPageSize / 1024); }

// oom_unkillable_task(): kernel threads (vmlab has no init to protect: its first
// process is not pid 1).
bool unkillable(const Task& t) { return t.kthread; }

// Whether `t`'s process has memory charged within `memcg` (mem_cgroup_scan_tasks()).
bool in_memcg(Kernel& k, const Task& t, const mm::MemCgroup* memcg) {
  if (memcg == nullptr) return true;
  for (const mm::MemCgroup* c = &k.sys().memcg(t.mm->memcg); c != nullptr; c = c->parent) {
    if (c == memcg) return true;
  }
  return false;
}

// The leaders of the processes, in the order for_each_process() visits them (creation).
std::vector<Task*> processes(Kernel& k) {
  std::vector<Task*> out;
  for (int pid : k.pids()) {
    if (Task* t = k.find(pid)) out.push_back(t);
  }
  return out;
}

// The report's lines: the header and the victim's line are warnings and errors, the
// task table information (dump_header(), dump_tasks(), __oom_kill_process()).
void log_line(Kernel& k, const std::string& text, LogLevel level = LogLevel::info) { printk_text(k, level, text + "\n"); }

// A fatal signal for `t`'s process: it dies on its way back to user mode.
void kill_later(Kernel& k, Task& t) {
  KSigInfo info;
  info.signo = static_cast<int>(Signal::sigkill);
  info.code = kSiKernel;
  (void)send_signal(k, t, info, SigTarget::group);  // SIGKILL is always queued
}

// dump_tasks()
void dump_tasks(Kernel& k, const mm::MemCgroup* memcg) {
  log_line(k, "Tasks state (memory values in pages):");
  log_line(k, "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name");
  for (Task* p : processes(k)) {
    if (unkillable(*p)) continue;
    const Task* t = task_with_mm(k, *p);
    if (t == nullptr || !in_memcg(k, *t, memcg)) continue;
    const mm::AddressSpace& mm = *t->mm;
    log_line(k, fmt::format("[{:>7}] {:>5} {:>5} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8}         {:>5} {}", t->tid,
                            t->tg->uid, t->tg->tgid, mm.total_vm, mm.rss_pages(), mm.rss(RssKind::anon),
                            mm.rss(RssKind::file), mm.rss(RssKind::shmem), mm.pgtables_bytes,
                            mm.rss(RssKind::swapents), t->tg->oom_score_adj, t->comm));
  }
}

// oom_kill_process() and __oom_kill_process(): the report, then SIGKILL for the victim
// and every other process sharing its address space.
mm::OomOutcome kill_victim(Kernel& k, Task& victim, mm::Gfp gfp, mm::MemCgroup* memcg) {
  mm::MemorySystem& sys = k.sys();
  Task* current = k.current();
  Task* with_mm = task_with_mm(k, victim);
  Task& v = with_mm ? *with_mm : victim;
  const std::shared_ptr<mm::AddressSpace> vmm = v.mm;
  const std::string message = memcg ? "Memory cgroup out of memory" : "Out of memory";
  if (k.oom().reports.allow(jiffies_at(k.now_ns()))) {
    // dump_header(): the stack and memory dumps between these lines are not modelled.
    log_line(k,
             fmt::format("{} invoked oom-killer: gfp_mask={}, order=0, oom_score_adj={}",
                         current ? current->comm : std::string("swapper/0"), gfp_text(gfp),
                         current ? current->tg->oom_score_adj : 0),
             LogLevel::warning);
    dump_tasks(k, memcg);
    // dump_oom_victim()
    const std::string task_memcg = memcg_path(sys.memcg(vmm->memcg));
    log_line(k, fmt::format("oom-kill:constraint={},nodemask=(null),cpuset=/,mems_allowed=0,{},task_memcg={},task={},pid={},uid={}",
                            memcg ? "CONSTRAINT_MEMCG" : "CONSTRAINT_NONE",
                            memcg ? "oom_memcg=" + memcg_path(*memcg) : std::string("global_oom"), task_memcg, v.comm,
                            v.tid, v.tg->uid));
  }
  ++sys.stat()[obs::VmEvent::oom_kill];
  for (mm::MemCgroup* c = &sys.memcg(vmm->memcg); c != nullptr; c = c->parent) {
    ++c->events[static_cast<unsigned>(mm::MemcgEvent::oom_kill)];
  }
  log_line(k, fmt::format("{}: Killed process {} ({}) total-vm:{}kB, anon-rss:{}kB, file-rss:{}kB, shmem-rss:{}kB, "
                          "UID:{} pgtables:{}kB oom_score_adj:{}",
                          message, v.tid, v.comm, kb(vmm->total_vm), kb(vmm->rss(RssKind::anon)),
                          kb(vmm->rss(RssKind::file)), kb(vmm->rss(RssKind::shmem)), v.tg->uid,
                          vmm->pgtables_bytes >> 10, v.tg->oom_score_adj),
           LogLevel::err);
  // Every process on the address space dies; the allocating one on its way out.
  bool killed_current = false;
  for (Task* p : processes(k)) {
    const Task* t = task_with_mm(k, *p);
    if (t == nullptr || t->mm != vmm || unkillable(*p)) continue;
    if (current != nullptr && current->tg == p->tg) {
      kill_later(k, *current);
      killed_current = true;
      continue;
    }
    if (current != nullptr && current->mm == vmm) {  // a vfork parent of current, say: no teardown under it
      kill_later(k, *p);
      killed_current = true;
      continue;
    }
    k.kill(*p, Signal::sigkill);
  }
  vmm->oom_skip = true;  // MMF_OOM_SKIP: never chosen again
  return killed_current ? mm::OomOutcome::killed_current : mm::OomOutcome::killed_other;
}

}  // namespace

std::int64_t oom_badness(const Task& t, std::uint64_t totalpages) {
  if (unkillable(t) || !t.mm) return kOomUnkillable;
  const int adj = t.tg->oom_score_adj;
  if (adj == kOomScoreAdjMin || t.mm->oom_skip || t.vfork_parent != 0) return kOomUnkillable;
  const mm::AddressSpace& mm = *t.mm;
  auto points = static_cast<std::int64_t>(mm.rss_pages()) + mm.rss(RssKind::swapents) +
                static_cast<std::int64_t>(mm.pgtables_bytes / kPageSize);
  points += static_cast<std::int64_t>(adj) * static_cast<std::int64_t>(totalpages / 1000);
  return points;
}

unsigned oom_score(Kernel& k, const Task& t) {
  const Task* with_mm = task_with_mm(k, t);
  const std::int64_t total = static_cast<std::int64_t>(k.sys().total_pages() + k.sys().swap().total_pages());
  const std::int64_t badness = with_mm ? oom_badness(*with_mm, static_cast<std::uint64_t>(total)) : kOomUnkillable;
  if (badness == kOomUnkillable) return 0;
  // proc_oom_score()
  return static_cast<unsigned>((1000 + badness * 1000 / total) * 2 / 3);
}

mm::OomOutcome out_of_memory(Kernel& k, mm::Gfp gfp, mm::MemCgroup* memcg) {
  mm::MemorySystem& sys = k.sys();
  // constrained_alloc(): a group's limit (and its swap when it may swap), or all of
  // RAM and swap.
  std::uint64_t totalpages = sys.total_pages() + sys.swap().total_pages();
  if (memcg != nullptr) {
    totalpages = memcg->max;
    if (sys.swappiness() != 0) totalpages += std::min(memcg->swap_max, sys.swap().total_pages());
    if (totalpages == 0) totalpages = 1;
  }
  // task_will_free_mem(current): a task already dying frees its memory soon; it takes
  // the reserves to get there and nobody else dies for it.
  if (Task* current = k.current(); current != nullptr && current->tg->group_exit) return mm::OomOutcome::killed_current;
  // select_bad_process(): the highest score; a later process with the same score wins.
  Task* chosen = nullptr;
  std::int64_t chosen_points = kOomUnkillable;
  for (Task* p : processes(k)) {
    if (unkillable(*p)) continue;
    const Task* t = task_with_mm(k, *p);
    if (t == nullptr || !in_memcg(k, *t, memcg)) continue;
    const std::int64_t points = oom_badness(*t, totalpages);
    if (points == kOomUnkillable || points < chosen_points) continue;
    chosen = p;
    chosen_points = points;
  }
  if (chosen == nullptr) {
    log_line(k, "Out of memory and no killable processes...", LogLevel::warning);
    return mm::OomOutcome::none;
  }
  return kill_victim(k, *chosen, gfp, memcg);
}

}  // namespace vmlab::kern
