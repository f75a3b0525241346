// ppoll(2) and pselect6(2) (fs/select.c): wait until a file is ready, the timeout
// passes or a signal arrives, with the signal mask the caller gives for the wait.
// glibc's poll(), select() and pause() are these on riscv64. The timeout counts on the
// virtual clock; what is left of it is written back, as poll_select_finish() does.
#include <cstring>

#include "kernel/kernel.h"
#include "kernel/poll.h"
#include "kernel/signal.h"
#include "kernel/sys_handlers.h"
#include "kernel/user_mem.h"

namespace vmlab::kern {

namespace {

constexpr std::uint64_t kSigsetSize = 8;
constexpr std::uint64_t kUnblockable = sig_bit(9) | sig_bit(19);
// The events select() counts as read, write and exception readiness.
constexpr std::uint16_t kPollInSet = kPollRdnorm | kPollIn | kPollHup | kPollErr | 0x80 /* POLLRDBAND */;
constexpr std::uint16_t kPollOutSet = 0x200 /* POLLWRBAND */ | kPollWrnorm | kPollOut | kPollErr;
constexpr std::uint16_t kPollExSet = kPollPri;

int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }

std::shared_ptr<fs::OpenFile> file_at(const Task& t, int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= t.files->fds.size()) return nullptr;
  return t.files->fds[static_cast<std::size_t>(fd)];
}

// poll_select_set_timeout(): the deadline of a timespec at `tsp` (0: none), or the
// errors reading it gives.
struct Timeout {
  std::uint64_t deadline = 0;  // 0: wait without end
  bool immediate = false;      // a zero timeout: look once and return
};
Result<Timeout> read_timeout(SysCtx& c, VirtAddr tsp) {
  Timeout t;
  if (tsp == 0) return t;
  auto ts = get_timespec(c.k, c.t, tsp);
  if (!ts) return ts.error();
  if (ts->ns() == 0) t.immediate = true;
  else t.deadline = c.k.now_ns() + ts->ns();
  return t;
}

// The call's timeout: read from `tsp` when it starts, and then `set_mask()` installs
// its signal mask; or, for a call resumed after its sleep, the deadline it slept with.
template <class SetMask>
Result<Timeout> begin_wait(SysCtx& c, VirtAddr tsp, SetMask&& set_mask) {
  if (c.resume != nullptr) return Timeout{c.resume->deadline_ns, false};
  auto t = read_timeout(c, tsp);
  if (!t) return t.error();
  if (auto r = set_mask(); !r) return r.error();
  return *t;
}

// Nothing is ready, and the timeout lets the call wait.
bool must_wait(SysCtx& c, std::int64_t ready, const Timeout& to) {
  const bool timed_out = to.deadline != 0 && c.k.now_ns() >= to.deadline;
  return ready == 0 && !to.immediate && !timed_out;
}

// set_user_sigmask(): the mask for the wait; the old one is restored when the call
// returns, or after the handler of the signal that interrupts it (TIF_RESTORE_SIGMASK).
Result<void> set_wait_mask(SysCtx& c, VirtAddr sigmask, std::uint64_t sigsetsize) {
  if (sigmask == 0) return {};
  if (sigsetsize != kSigsetSize) return Errno::inval;
  auto mask = get_user<std::uint64_t>(c.k, c.t, sigmask);
  if (!mask) return Errno::fault;
  c.t.saved_mask = c.t.blocked;
  c.t.restore_saved_mask = true;
  c.t.blocked = *mask & ~kUnblockable;
  recalc_sigpending(c.t);
  return {};
}

// The call returns on its own: the caller's mask comes back, and the time left of the
// timeout is written where it came from.
std::int64_t finish(SysCtx& c, std::int64_t result, VirtAddr tsp, std::uint64_t deadline) {
  if (c.t.restore_saved_mask) {
    c.t.blocked = c.t.saved_mask;
    c.t.restore_saved_mask = false;
    recalc_sigpending(c.t);
  }
  if (tsp != 0 && deadline != 0) {
    const std::uint64_t now = c.k.now_ns();
    if (!put_timespec(c.k, c.t, tsp, deadline > now ? deadline - now : 0) && result >= 0) return err(Errno::fault);
  }
  return result;
}

std::int64_t sleep_on(SysCtx& c, std::vector<PollEntry> polled, std::uint64_t deadline, VirtAddr tsp) {
  WaitState w;
  w.kind = WaitKind::poll;
  w.restart = Restart::nohand;  // ERESTARTNOHAND: EINTR after a handler
  w.deadline_ns = deadline;
  w.rem_addr = tsp;
  w.polled = std::move(polled);
  return block(c, std::move(w));
}

}  // namespace

// ppoll(fds, nfds, tmo_p, sigmask, sigsetsize): do_sys_poll().
std::int64_t sys_ppoll(SysCtx& c, const SysArgs& a) {
  const VirtAddr ufds = a[0], tsp = a[2];
  const std::uint64_t nfds = a[1];
  const auto started = begin_wait(c, tsp, [&] { return set_wait_mask(c, a[3], a[4]); });
  if (!started) return err(started.error());
  const Timeout to = *started;
  if (nfds > c.t.tg->rlimits[kRlimitNofile].cur) return finish(c, err(Errno::inval), tsp, to.deadline);
  // struct pollfd: fd (4), events (2), revents (2).
  std::vector<std::array<std::uint8_t, 8>> fds(nfds);
  for (std::uint64_t i = 0; i < nfds; ++i) {
    if (!c.k.copy_from_user(c.t, fds[i], ufds + 8 * i)) return finish(c, err(Errno::fault), tsp, to.deadline);
  }
  std::vector<PollEntry> polled;
  std::int64_t ready = 0;
  for (auto& pfd : fds) {
    std::int32_t fd;
    std::uint16_t events;
    std::memcpy(&fd, pfd.data(), 4);
    std::memcpy(&events, pfd.data() + 4, 2);
    std::uint16_t revents = 0;
    if (fd >= 0) {
      auto f = file_at(c.t, fd);
      // do_pollfd(): a closed descriptor is POLLNVAL; errors and hang-ups are always
      // reported.
      if (f == nullptr) revents = kPollNval;
      else revents = poll_mask(*f) & (events | kPollErr | kPollHup);
      if (f != nullptr) polled.push_back({f, events});
    }
    std::memcpy(pfd.data() + 6, &revents, 2);
    ready += revents != 0;
  }
  if (must_wait(c, ready, to)) return sleep_on(c, std::move(polled), to.deadline, tsp);
  for (std::uint64_t i = 0; i < nfds; ++i) {
    if (!c.k.copy_to_user(c.t, ufds + 8 * i + 6, std::span<const std::uint8_t>(fds[i].data() + 6, 2))) {
      return finish(c, err(Errno::fault), tsp, to.deadline);
    }
  }
  return finish(c, ready, tsp, to.deadline);
}

// pselect6(nfds, readfds, writefds, exceptfds, timeout, {sigmask, sigsetsize}):
// core_sys_select().
std::int64_t sys_pselect6(SysCtx& c, const SysArgs& a) {
  const int n_arg = as_int(a[0]);
  const VirtAddr sets[3] = {a[1], a[2], a[3]};
  const VirtAddr tsp = a[4];
  // The sixth argument points at {sigmask, sigsetsize}.
  const auto started = begin_wait(c, tsp, [&]() -> Result<void> {
    if (a[5] == 0) return {};
    auto sm = get_user<std::array<std::uint64_t, 2>>(c.k, c.t, a[5]);
    if (!sm) return Errno::fault;
    return set_wait_mask(c, (*sm)[0], (*sm)[1]);
  });
  if (!started) return err(started.error());
  const Timeout to = *started;
  if (n_arg < 0) return finish(c, err(Errno::inval), tsp, to.deadline);
  // The table's size bounds nfds (fdt->max_fds: at least NR_OPEN_DEFAULT).
  const std::size_t max_fds = std::max<std::size_t>(64, c.t.files->fds.size());
  const std::size_t nfds = std::min<std::size_t>(static_cast<std::size_t>(n_arg), max_fds);
  const std::size_t bytes = (nfds + 63) / 64 * 8;
  std::vector<std::uint64_t> in[3], out[3];
  for (int s = 0; s < 3; ++s) {
    in[s].assign(bytes / 8, 0);
    out[s].assign(bytes / 8, 0);
    if (sets[s] != 0 && bytes > 0 &&
        !c.k.copy_from_user(c.t, std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(in[s].data()), bytes), sets[s])) {
      return finish(c, err(Errno::fault), tsp, to.deadline);
    }
  }
  const std::uint16_t wanted[3] = {kPollInSet, kPollOutSet, kPollExSet};
  std::vector<PollEntry> polled;
  std::int64_t ready = 0;
  for (std::size_t fd = 0; fd < nfds; ++fd) {
    const std::uint64_t bit = 1ULL << (fd % 64);
    const bool any = (in[0][fd / 64] | in[1][fd / 64] | in[2][fd / 64]) & bit;
    if (!any) continue;
    auto f = file_at(c.t, static_cast<int>(fd));
    if (f == nullptr) return finish(c, err(Errno::badf), tsp, to.deadline);  // max_select_fd()
    const std::uint16_t mask = poll_mask(*f);
    std::uint16_t events = 0;
    for (int s = 0; s < 3; ++s) {
      if (!(in[s][fd / 64] & bit)) continue;
      events |= wanted[s];
      if (mask & wanted[s]) {
        out[s][fd / 64] |= bit;
        ++ready;
      }
    }
    polled.push_back({f, events});
  }
  if (must_wait(c, ready, to)) return sleep_on(c, std::move(polled), to.deadline, tsp);
  for (int s = 0; s < 3; ++s) {
    if (sets[s] == 0 || bytes == 0) continue;
    const std::span<const std::uint8_t> v(reinterpret_cast<const std::uint8_t*>(out[s].data()), bytes);
    if (!c.k.copy_to_user(c.t, sets[s], v)) return finish(c, err(Errno::fault), tsp, to.deadline);
  }
  return finish(c, ready, tsp, to.deadline);
}

}  // namespace vmlab::kern
