// Time system calls (kernel/time/posix-timers.c, hrtimer.c, posix-cpu-timers.c,
// kernel/sys.c): every clock reads the virtual clock. CLOCK_MONOTONIC and BOOTTIME
// are virtual time since boot, CLOCK_REALTIME adds a fixed epoch, the coarse clocks
// step by the 4 ms tick (HZ=250), and the CPU-time clocks give the task's user and
// system time. Sleeping advances nothing by itself: a sleeper wakes when the clock
// reaches its deadline, and the scheduler moves the clock there when nothing else
// can run.
#include "hw/clock.h"
#include "kernel/sys_handlers.h"
#include "kernel/kernel.h"
#include "kernel/user_mem.h"

namespace vmlab::kern {

namespace {

constexpr int kRealtime = 0, kMonotonic = 1, kProcessCputime = 2, kThreadCputime = 3, kMonotonicRaw = 4;
constexpr int kRealtimeCoarse = 5, kMonotonicCoarse = 6, kBoottime = 7, kRealtimeAlarm = 8, kBoottimeAlarm = 9;
constexpr int kTai = 11;
using hw::kTickNs;
constexpr std::uint64_t kEpochNs = hw::kRealtimeEpochSec * 1000000000ULL;
constexpr int kTimerAbstime = 1;

int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }

std::uint64_t cpu_ns(const Usage& u) { return u.utime_ns + u.stime_ns; }

// The value of a clock, or EINVAL for one that does not exist (or cannot be read
// without an RTC: the alarm clocks).
Result<std::uint64_t> clock_value(SysCtx& c, int clk) {
  const std::uint64_t now = c.k.now_ns();
  switch (clk) {
    case kRealtime:
    case kTai:
      return kEpochNs + now;
    case kRealtimeCoarse:
      return kEpochNs + now / kTickNs * kTickNs;
    case kMonotonic:
    case kMonotonicRaw:
    case kBoottime:
      return now;
    case kMonotonicCoarse:
      return now / kTickNs * kTickNs;
    case kProcessCputime:
      return cpu_ns(c.k.usage(*c.t.tg));
    case kThreadCputime:
      return cpu_ns(c.t.usage);
    default:
      break;
  }
  if (clk < 0) {
    // A CPU clock of another process or thread (clock_getcpuclockid(),
    // pthread_getcpuclockid()): ~id << 3 | type, CPUCLOCK_PERTHREAD_MASK for a
    // thread, which must be of the caller's process (lookup_task()).
    if ((clk & 7) == 7) return Errno::inval;  // CPUCLOCK_MAX
    const int id = ~clk >> 3;
    if (clk & 4) {
      const Task* t = id == 0 ? &c.t : c.k.find_task(id);
      if (t == nullptr || t->tg != c.t.tg) return Errno::inval;
      return cpu_ns(t->usage);
    }
    const Task* leader = id == 0 ? &c.t : c.k.find(id);
    if (leader == nullptr) return Errno::inval;
    return cpu_ns(c.k.usage(*leader->tg));
  }
  return Errno::inval;
}

// hrtimer_nanosleep() until `deadline_ns` on the monotonic clock.
std::int64_t sleep_until(SysCtx& c, std::uint64_t deadline_ns, VirtAddr rem) {
  if (c.resume != nullptr) deadline_ns = c.resume->deadline_ns;
  if (c.k.now_ns() >= deadline_ns) return 0;
  WaitState w;
  w.kind = WaitKind::sleep;
  w.restart = Restart::nohand;  // ERESTART_RESTARTBLOCK: EINTR after a handler
  w.deadline_ns = deadline_ns;
  w.rem_addr = rem;
  return block(c, std::move(w));
}

}  // namespace

std::int64_t sys_clock_gettime(SysCtx& c, const SysArgs& a) {
  auto v = clock_value(c, as_int(a[0]));
  if (!v) return err(v.error());
  return put_timespec(c.k, c.t, a[1], *v) ? 0 : err(Errno::fault);
}

std::int64_t sys_clock_getres(SysCtx& c, const SysArgs& a) {
  const int clk = as_int(a[0]);
  if (!clock_value(c, clk)) return err(Errno::inval);
  // High-resolution clocks: 1 ns; the coarse ones: a tick.
  const std::uint64_t res = (clk == kRealtimeCoarse || clk == kMonotonicCoarse) ? kTickNs : 1;
  if (a[1] == 0) return 0;
  return put_timespec(c.k, c.t, a[1], res) ? 0 : err(Errno::fault);
}

std::int64_t sys_gettimeofday(SysCtx& c, const SysArgs& a) {
  if (a[0] != 0) {
    const std::uint64_t ns = kEpochNs + c.k.now_ns();
    const std::int64_t tv[2] = {static_cast<std::int64_t>(ns / 1000000000ULL),
                                static_cast<std::int64_t>(ns % 1000000000ULL / 1000)};
    if (!put_user(c.k, c.t, a[0], tv)) return err(Errno::fault);
  }
  if (a[1] != 0) {
    const std::int32_t tz[2] = {0, 0};  // UTC, no DST
    if (!put_user(c.k, c.t, a[1], tz)) return err(Errno::fault);
  }
  return 0;
}

std::int64_t sys_nanosleep(SysCtx& c, const SysArgs& a) {
  if (c.resume != nullptr) return sleep_until(c, 0, a[1]);
  auto req = get_timespec(c.k, c.t, a[0]);
  if (!req) return err(req.error());
  return sleep_until(c, c.k.now_ns() + req->ns(), a[1]);
}

std::int64_t sys_clock_nanosleep(SysCtx& c, const SysArgs& a) {
  const int clk = as_int(a[0]);
  const int flags = as_int(a[1]);
  switch (clk) {
    case kRealtime:
    case kMonotonic:
    case kBoottime:
    case kTai:
      break;
    case kThreadCputime:
      return err(Errno::inval);
    case kProcessCputime:
    case kMonotonicRaw:
    case kRealtimeCoarse:
    case kMonotonicCoarse:
      return err(Errno::opnotsupp);  // no nsleep for these clocks
    case kRealtimeAlarm:
    case kBoottimeAlarm:
      return err(Errno::perm);  // CAP_WAKE_ALARM
    default:
      return err(Errno::inval);
  }
  if (c.resume != nullptr) return sleep_until(c, 0, (flags & kTimerAbstime) ? 0 : a[3]);
  auto req = get_timespec(c.k, c.t, a[2]);
  if (!req) return err(req.error());
  const std::uint64_t now = c.k.now_ns();
  if (!(flags & kTimerAbstime)) return sleep_until(c, now + req->ns(), a[3]);
  // An absolute time on the realtime clocks is measured from the epoch.
  std::uint64_t target = req->ns();
  if (clk == kRealtime || clk == kTai) target = target > kEpochNs ? target - kEpochNs : 0;
  return sleep_until(c, target, 0);
}

std::int64_t sys_getrusage(SysCtx& c, const SysArgs& a) {
  constexpr int kSelf = 0, kChildren = -1, kThread = 1;
  const int who = as_int(a[0]);
  if (who != kSelf && who != kChildren && who != kThread) return err(Errno::inval);
  ThreadGroup& g = *c.t.tg;
  c.k.update_maxrss(c.t);
  Usage u;
  std::uint64_t maxrss = g.maxrss_kb;
  if (who == kChildren) {
    u = g.children_usage;
    maxrss = g.cmaxrss_kb;
  } else if (who == kThread) {
    u = c.t.usage;
  } else {
    u = c.k.usage(g);
  }
  return put_rusage(c.k, c.t, a[1], u, maxrss) ? 0 : err(Errno::fault);
}

// times(): clock ticks (USER_HZ 100); the result is jiffies as clock ticks, jiffies
// starting five minutes before their 32-bit wrap (INITIAL_JIFFIES).
std::int64_t sys_times(SysCtx& c, const SysArgs& a) {
  if (a[0] != 0) {
    const Usage self = c.k.usage(*c.t.tg);
    const Usage& children = c.t.tg->children_usage;
    const std::int64_t tms[4] = {nsec_to_clock_t(self.utime_ns), nsec_to_clock_t(self.stime_ns),
                                 nsec_to_clock_t(children.utime_ns), nsec_to_clock_t(children.stime_ns)};
    if (!put_user(c.k, c.t, a[0], tms)) return err(Errno::fault);
  }
  using hw::kHz;
  const std::uint64_t jiffies = (0x100000000ULL - 300 * kHz) + c.k.now_ns() / kTickNs;
  return static_cast<std::int64_t>(jiffies * 100 / kHz);
}

}  // namespace vmlab::kern
