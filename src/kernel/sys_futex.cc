// futex(2) (kernel/futex/syscalls.c, waitwake.c, requeue.c): WAIT, WAKE, WAIT_BITSET,
// WAKE_BITSET, REQUEUE, CMP_REQUEUE and WAKE_OP, private or shared, with timeouts on
// the virtual clock. The PI operations are not modelled (ENOSYS, with a warning).
#include <fmt/format.h>

#include <algorithm>

#include "hw/clock.h"
#include "kernel/futex.h"
#include "kernel/kernel.h"
#include "kernel/sys_handlers.h"
#include "kernel/user_mem.h"

namespace vmlab::kern {

namespace {

constexpr int kWait = 0, kWake = 1, kRequeue = 3, kCmpRequeue = 4, kWakeOp = 5, kLockPi = 6, kUnlockPi = 7,
              kTrylockPi = 8, kWaitBitset = 9, kWakeBitset = 10, kWaitRequeuePi = 11, kCmpRequeuePi = 12,
              kLockPi2 = 13;
constexpr int kPrivateFlag = 128, kClockRealtime = 256;
constexpr int kCmdMask = ~(kPrivateFlag | kClockRealtime);

int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }

// futex_wait(): sleeps while the word holds `val`, until woken or `deadline` (virtual
// monotonic ns; 0: none).
std::int64_t futex_wait(SysCtx& c, VirtAddr uaddr, bool shared, std::uint32_t val, std::uint64_t deadline,
                        std::uint32_t bitset) {
  if (c.resume != nullptr && c.resume->kind == WaitKind::futex) {
    // Executed again after the wait: woken, or timed out (still queued).
    if (c.resume->futex_woken) return 0;
    futex_unqueue(c.k, c.t);
    return err(Errno::timedout);
  }
  if (bitset == 0) return err(Errno::inval);
  auto key = get_futex_key(c.k, c.t, uaddr, shared, false);
  if (!key) return err(key.error());
  // futex_wait_setup(): the word must still hold what the caller saw.
  auto word = get_user<std::uint32_t>(c.k, c.t, uaddr);
  if (!word) return err(Errno::fault);
  if (*word != val) return err(Errno::again);
  if (deadline != 0 && c.k.now_ns() >= deadline) return err(Errno::timedout);
  c.k.futexes().enqueue(*key, c.t.tid, bitset);
  WaitState w;
  w.kind = WaitKind::futex;
  // Without a timeout -ERESTARTSYS (restarted after a SA_RESTART handler); with one,
  // -ERESTART_RESTARTBLOCK (EINTR after a handler).
  w.restart = deadline == 0 ? Restart::sys : Restart::nohand;
  w.deadline_ns = deadline;
  return block(c, std::move(w));
}

// futex_atomic_op_inuser() and the comparison of FUTEX_WAKE_OP's `encoded_op`.
struct WakeOp {
  unsigned op, cmp;
  std::int32_t oparg, cmparg;
};
WakeOp decode_wake_op(std::uint32_t e) {
  auto sext12 = [](std::uint32_t v) { return static_cast<std::int32_t>(v << 20) >> 20; };
  return {(e >> 28) & 0xf, (e >> 24) & 0xf, sext12((e >> 12) & 0xfff), sext12(e & 0xfff)};
}

std::int64_t futex_wake_op(SysCtx& c, VirtAddr uaddr, VirtAddr uaddr2, bool shared, int nr_wake, int nr_wake2,
                           std::uint32_t encoded) {
  WakeOp w = decode_wake_op(encoded);
  const bool shift = w.op & 8;  // FUTEX_OP_OPARG_SHIFT
  const unsigned op = w.op & 7;
  if (shift) {
    // An out-of-range shift is masked (the kernel warns once).
    w.oparg = static_cast<std::int32_t>(1U << (static_cast<unsigned>(w.oparg) & 31));
  }
  if (op > 4 || w.cmp > 5) return err(Errno::nosys);
  auto key1 = get_futex_key(c.k, c.t, uaddr, shared, false);
  if (!key1) return err(key1.error());
  auto key2 = get_futex_key(c.k, c.t, uaddr2, shared, true);
  if (!key2) return err(key2.error());
  auto old = get_user<std::uint32_t>(c.k, c.t, uaddr2);
  if (!old) return err(Errno::fault);
  const auto oldval = static_cast<std::int32_t>(*old);
  std::int32_t next = 0;
  switch (op) {
    case 0: next = w.oparg; break;                   // FUTEX_OP_SET
    case 1: next = static_cast<std::int32_t>(static_cast<std::uint32_t>(oldval) + static_cast<std::uint32_t>(w.oparg)); break;
    case 2: next = oldval | w.oparg; break;          // FUTEX_OP_OR
    case 3: next = oldval & ~w.oparg; break;         // FUTEX_OP_ANDN
    default: next = oldval ^ w.oparg; break;         // FUTEX_OP_XOR
  }
  if (!put_user(c.k, c.t, uaddr2, static_cast<std::uint32_t>(next))) return err(Errno::fault);
  auto woken = [&c](int tid) { futex_mark_woken(c.k, tid); };
  int count = c.k.futexes().wake(*key1, nr_wake, kFutexBitsetMatchAny, woken);
  bool cond = false;
  switch (w.cmp) {
    case 0: cond = oldval == w.cmparg; break;  // FUTEX_OP_CMP_EQ
    case 1: cond = oldval != w.cmparg; break;
    case 2: cond = oldval < w.cmparg; break;
    case 3: cond = oldval <= w.cmparg; break;
    case 4: cond = oldval > w.cmparg; break;
    default: cond = oldval >= w.cmparg; break;
  }
  if (cond) count += c.k.futexes().wake(*key2, nr_wake2, kFutexBitsetMatchAny, woken);
  return count;
}

// futex_requeue() without PI: CMP_REQUEUE checks the word first.
std::int64_t futex_requeue(SysCtx& c, VirtAddr uaddr, VirtAddr uaddr2, bool shared, int nr_wake, int nr_requeue,
                           const std::uint32_t* cmpval) {
  if (nr_wake < 0 || nr_requeue < 0) return err(Errno::inval);
  auto key1 = get_futex_key(c.k, c.t, uaddr, shared, false);
  if (!key1) return err(key1.error());
  auto key2 = get_futex_key(c.k, c.t, uaddr2, shared, false);
  if (!key2) return err(key2.error());
  if (cmpval != nullptr) {
    auto word = get_user<std::uint32_t>(c.k, c.t, uaddr);
    if (!word) return err(Errno::fault);
    if (*word != *cmpval) return err(Errno::again);
  }
  return c.k.futexes().requeue(*key1, *key2, nr_wake, nr_requeue, [&c](int tid) { futex_mark_woken(c.k, tid); });
}

}  // namespace

// do_futex(uaddr, op, val, timeout or val2, uaddr2, val3).
std::int64_t sys_futex(SysCtx& c, const SysArgs& a) {
  const VirtAddr uaddr = a[0];
  const int op = as_int(a[1]);
  const std::uint32_t val = static_cast<std::uint32_t>(a[2]);
  const VirtAddr uaddr2 = a[4];
  const std::uint32_t val3 = static_cast<std::uint32_t>(a[5]);
  const int cmd = op & kCmdMask;
  const bool shared = !(op & kPrivateFlag);
  const bool realtime = op & kClockRealtime;
  // futex_init_timeout(): the calls that sleep take a timeout (FUTEX_WAIT relative to
  // CLOCK_MONOTONIC, the others absolute; CLOCK_REALTIME counts from the epoch guests
  // see). It is read before anything else is checked.
  std::uint64_t deadline = 0;
  const bool has_timeout = cmd == kWait || cmd == kWaitBitset || cmd == kLockPi || cmd == kLockPi2 ||
                           cmd == kWaitRequeuePi;
  if (a[3] != 0 && has_timeout && c.resume == nullptr) {
    auto ts = get_timespec(c.k, c.t, a[3]);
    if (!ts) return err(ts.error());
    if (cmd == kWait) {
      deadline = c.k.now_ns() + ts->ns();
    } else {
      const std::uint64_t epoch = realtime ? hw::kRealtimeEpochSec * 1000000000ULL : 0;
      deadline = ts->ns() > epoch ? ts->ns() - epoch : 0;
    }
    deadline = std::max<std::uint64_t>(deadline, 1);  // 0 stands for no timeout
  }
  // FUTEX_CLOCK_REALTIME only for the calls that take an absolute time.
  if (realtime && cmd != kWaitBitset && cmd != kWaitRequeuePi && cmd != kLockPi2) return err(Errno::nosys);
  // The requeue and wake-op calls take a count where the others take the timeout.
  const int val2 = as_int(a[3]);
  switch (cmd) {
    case kWait:
      return futex_wait(c, uaddr, shared, val, deadline, kFutexBitsetMatchAny);
    case kWaitBitset:
      return futex_wait(c, uaddr, shared, val, deadline, val3);
    case kWake:
    case kWakeBitset: {
      auto n = futex_wake(c.k, c.t, uaddr, shared, as_int(a[2]), cmd == kWake ? kFutexBitsetMatchAny : val3);
      return n ? *n : err(n.error());
    }
    case kRequeue:
      return futex_requeue(c, uaddr, uaddr2, shared, as_int(a[2]), val2, nullptr);
    case kCmpRequeue:
      return futex_requeue(c, uaddr, uaddr2, shared, as_int(a[2]), val2, &val3);
    case kWakeOp:
      return futex_wake_op(c, uaddr, uaddr2, shared, as_int(a[2]), val2, val3);
    case kLockPi:
    case kUnlockPi:
    case kTrylockPi:
    case kWaitRequeuePi:
    case kCmpRequeuePi:
    case kLockPi2:
      c.k.warn_once(0x2000000000ULL | static_cast<unsigned>(cmd),
                    fmt::format("vmlab: futex operation {} (priority inheritance) is not modelled: ENOSYS", cmd));
      return err(Errno::nosys);
    default:
      return err(Errno::nosys);
  }
}

}  // namespace vmlab::kern
