#include "kernel/futex.h"

#include "kernel/kernel.h"
#include "kernel/user_mem.h"
#include "mm/address_space.h"
#include "mm/memory_system.h"

namespace vmlab::kern {

namespace {

constexpr std::uint32_t kFutexWaiters = 0x80000000;    // FUTEX_WAITERS
constexpr std::uint32_t kFutexOwnerDied = 0x40000000;  // FUTEX_OWNER_DIED
constexpr std::uint32_t kFutexTidMask = 0x3fffffff;    // FUTEX_TID_MASK
constexpr int kRobustListLimit = 2048;                 // ROBUST_LIST_LIMIT

// handle_futex_death(): the word of a robust futex the exiting task holds gets
// FUTEX_OWNER_DIED, and one waiter is woken to take it over.
void futex_death(Kernel& k, Task& t, VirtAddr uaddr, bool pending_op) {
  if (uaddr % 4 != 0) return;
  auto word = get_user<std::uint32_t>(k, t, uaddr);
  if (!word) return;
  if (pending_op && (*word & kFutexTidMask) == 0) {
    // The task died between taking the lock and storing its tid: wake a waiter.
    (void)futex_wake(k, t, uaddr, true, 1, kFutexBitsetMatchAny);  // a fault here leaves nothing to do
    return;
  }
  if ((*word & kFutexTidMask) != static_cast<std::uint32_t>(t.tid)) return;
  const std::uint32_t next = (*word & kFutexWaiters) | kFutexOwnerDied;
  if (!put_user(k, t, uaddr, next)) return;
  if (*word & kFutexWaiters) {
    (void)futex_wake(k, t, uaddr, true, 1, kFutexBitsetMatchAny);  // as above
  }
}

// exit_robust_list(): the list's entries, then the one being taken when the task died.
void exit_robust_list(Kernel& k, Task& t) {
  // struct robust_list_head: the list (next), futex_offset, list_op_pending.
  auto head = get_user<std::array<std::uint64_t, 3>>(k, t, t.robust_list);
  if (!head) return;
  auto entry = (*head)[0];
  const auto offset = static_cast<std::int64_t>((*head)[1]);
  // Bit 0 of each pointer says whether the futex is a PI one.
  const std::uint64_t pending = (*head)[2] & ~1ULL;
  for (int n = 0; (entry & ~1ULL) != t.robust_list && n < kRobustListLimit; ++n) {
    const std::uint64_t e = entry & ~1ULL;
    auto next = get_user<std::uint64_t>(k, t, e);
    if (!next) return;
    if (e != pending) futex_death(k, t, e + static_cast<std::uint64_t>(offset), false);
    entry = *next;
  }
  if (pending != 0) futex_death(k, t, pending + static_cast<std::uint64_t>(offset), true);
}

}  // namespace

void futex_mark_woken(Kernel& k, int tid) {
  if (Task* t = k.find_task(tid); t != nullptr && t->wait.kind == WaitKind::futex) {
    t->wait.futex_woken = true;
    t->wait.woken = true;
  }
}

void FutexQueues::remove(int tid) {
  for (auto it = queues_.begin(); it != queues_.end();) {
    std::erase_if(it->second, [tid](const Waiter& w) { return w.tid == tid; });
    it = it->second.empty() ? queues_.erase(it) : std::next(it);
  }
}

Result<FutexKey> get_futex_key(Kernel& k, Task& t, VirtAddr uaddr, bool shared, bool for_write) {
  if (uaddr % 4 != 0) return Errno::inval;
  if (!shared) return FutexKey{FutexKey::Kind::private_mm, t.mm.get(), uaddr};
  // The page under the address, as get_user_pages_fast() finds it: for writing first,
  // then, for an operation that only reads, read-only.
  FaultIn page = k.fault_in(t, uaddr, hw::AccessType::write);
  if (!page.ok() && !for_write) page = k.fault_in(t, uaddr, hw::AccessType::read);
  if (!page.ok()) return Errno::fault;
  mm::MemorySystem& sys = k.sys();
  if (page.pfn == sys.zero_pfn()) return Errno::fault;  // no mapping behind the zero page
  const mm::Frame& f = sys.frame(page.pfn);
  if (f.anon()) return FutexKey{FutexKey::Kind::shared_mm, t.mm.get(), uaddr};
  return FutexKey{FutexKey::Kind::inode, f.inode(), (f.index << kPageShift) | (uaddr & (kPageSize - 1))};
}

Result<int> futex_wake(Kernel& k, Task& t, VirtAddr uaddr, bool shared, int n, std::uint32_t bitset) {
  if (bitset == 0) return Errno::inval;
  auto key = get_futex_key(k, t, uaddr, shared, false);
  if (!key) return key.error();
  return k.futexes().wake(*key, n, bitset, [&k](int tid) { futex_mark_woken(k, tid); });
}

void futex_unqueue(Kernel& k, Task& t) { k.futexes().remove(t.tid); }

void futex_exit_release(Kernel& k, Task& t) {
  if (t.robust_list != 0) exit_robust_list(k, t);
  t.robust_list = 0;
  // mm_release(): a task whose memory others still use clears its tid word and wakes
  // one waiter on it (pthread_join()); a shared futex operation, as the kernel does it.
  if (t.clear_child_tid != 0 && t.mm && t.mm->users > 1) {
    if (put_user<std::uint32_t>(k, t, t.clear_child_tid, 0)) {
      (void)futex_wake(k, t, t.clear_child_tid, true, 1, kFutexBitsetMatchAny);  // nobody to wake is no error
    }
  }
  t.clear_child_tid = 0;
}

}  // namespace vmlab::kern
