// Futexes (kernel/futex/): the queues of tasks waiting on a 32-bit word of user memory,
// and the keys that say which word. A private futex (FUTEX_PRIVATE_FLAG) is keyed by
// its address space and address; a shared one by the page under the address, as
// get_futex_key() finds it: an anonymous page by address space and address (a
// different key from the private one), a file or shmem page by its inode and offset,
// so that processes mapping the same file share the futex.
#pragma once

#include <compare>
#include <cstdint>
#include <deque>
#include <map>

#include "vmlab/result.h"
#include "vmlab/units.h"

namespace vmlab::kern {

class Kernel;
struct Task;

inline constexpr std::uint32_t kFutexBitsetMatchAny = 0xffffffff;

struct FutexKey {
  enum class Kind : std::uint8_t { private_mm, shared_mm, inode } kind = Kind::private_mm;
  const void* object = nullptr;  // the AddressSpace, or the fs::Inode
  std::uint64_t offset = 0;      // the address, or the byte offset in the file
  auto operator<=>(const FutexKey&) const = default;
};

// The waiters of every futex, each queue oldest first (every task has the same
// priority, so the kernel's priority-sorted list is FIFO).
class FutexQueues {
 public:
  struct Waiter {
    int tid;
    std::uint32_t bitset;
  };
  void enqueue(const FutexKey& key, int tid, std::uint32_t bitset) { queues_[key].push_back({tid, bitset}); }
  // The task no longer waits (woken, timed out, interrupted or exiting).
  void remove(int tid);
  // Takes up to `n` waiters whose bitset meets `bitset` off the queue of `key`, oldest
  // first; `woken(tid)` is called for each.
  template <class Fn>
  int wake(const FutexKey& key, int n, std::uint32_t bitset, Fn&& woken);
  // futex_requeue(): wakes up to `nr_wake` waiters of `from`, then moves up to
  // `nr_requeue` of the rest to `to`. Returns how many were woken and moved.
  template <class Fn>
  int requeue(const FutexKey& from, const FutexKey& to, int nr_wake, int nr_requeue, Fn&& woken);
  bool empty() const { return queues_.empty(); }

 private:
  std::map<FutexKey, std::deque<Waiter>> queues_;
};

template <class Fn>
int FutexQueues::wake(const FutexKey& key, int n, std::uint32_t bitset, Fn&& woken) {
  auto it = queues_.find(key);
  if (it == queues_.end()) return 0;
  int count = 0;
  auto& q = it->second;
  for (auto w = q.begin(); w != q.end() && count < n;) {
    if (!(w->bitset & bitset)) {
      ++w;
      continue;
    }
    const int tid = w->tid;
    w = q.erase(w);
    ++count;
    woken(tid);
  }
  if (q.empty()) queues_.erase(it);
  return count;
}

template <class Fn>
int FutexQueues::requeue(const FutexKey& from, const FutexKey& to, int nr_wake, int nr_requeue, Fn&& woken) {
  const int count = wake(from, nr_wake, kFutexBitsetMatchAny, woken);
  auto it = queues_.find(from);
  if (it == queues_.end()) return count;
  // requeue_futex() takes each off its queue and adds it at the tail of the other
  // (the same queue's tail when both keys are one).
  std::deque<Waiter> moving;
  while (!it->second.empty() && static_cast<int>(moving.size()) < nr_requeue) {
    moving.push_back(it->second.front());
    it->second.pop_front();
  }
  if (it->second.empty()) queues_.erase(it);
  if (moving.empty()) return count;
  auto& dst = queues_[to];
  dst.insert(dst.end(), moving.begin(), moving.end());
  return count + static_cast<int>(moving.size());
}

// get_futex_key() for `uaddr` of task `t`: EINVAL when not 4-byte aligned; for a
// shared futex, EFAULT when no page can be had there (or it is the zero page).
Result<FutexKey> get_futex_key(Kernel& k, Task& t, VirtAddr uaddr, bool shared, bool for_write);

// futex_wake() on the word at `uaddr`: wakes up to `n` waiters. Returns how many.
Result<int> futex_wake(Kernel& k, Task& t, VirtAddr uaddr, bool shared, int n, std::uint32_t bitset);

// A waker took the task off a futex queue (futex_wake_mark()): its wait is over.
void futex_mark_woken(Kernel& k, int tid);

// The end of a task's waiting on a futex, however it ends (futex_unqueue()).
void futex_unqueue(Kernel& k, Task& t);

// exit_robust_list() and the CLONE_CHILD_CLEARTID wake of mm_release(): what an
// exiting task does for the futexes it holds or that others wait on it with.
void futex_exit_release(Kernel& k, Task& t);

}  // namespace vmlab::kern
