// What a blocked task waits for. A blocking system call leaves pc at its ecall and is
// executed again when the wait is over (Linux sleeps inside the call and loops; the
// effect is the same); `done` and `deadline_ns` carry its progress across.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace vmlab::fs {
class OpenFile;
}

namespace vmlab::kern {

class Pipe;

// One file a poll waits on, and the events it waits for (POLL* bits).
struct PollEntry {
  std::shared_ptr<fs::OpenFile> file;
  std::uint16_t events = 0;
};

enum class WaitKind : std::uint8_t {
  none,
  child,       // wait4: a child to change state
  pipe_read,   // read on an empty pipe with writers
  pipe_write,  // write to a full pipe with readers
  sleep,       // nanosleep, clock_nanosleep: until deadline_ns
  signal,      // rt_sigsuspend: until a signal is delivered
  vfork,       // a vfork parent: until the child execs or exits (clone already returned)
  futex,       // FUTEX_WAIT*: until woken (futex_wake) or deadline_ns, if any
  poll,        // ppoll, pselect6: until a polled file is ready, or deadline_ns, if any
  log,         // syslog READ, /dev/kmsg and /proc/kmsg reads: until record log_seq is readable
};

// What a signal handler does to the interrupted call (the -ERESTART* codes).
enum class Restart : std::uint8_t {
  sys,     // ERESTARTSYS: restarted after a SA_RESTART handler, else EINTR
  nohand,  // ERESTARTNOHAND, ERESTART_RESTARTBLOCK: EINTR when a handler runs
  none,    // not interruptible by handled signals (vfork)
};

struct WaitState {
  WaitKind kind = WaitKind::none;
  Restart restart = Restart::sys;
  bool woken = false;             // the condition holds: execute the call again
  std::uint64_t nr = 0;           // the system call that blocked
  std::shared_ptr<Pipe> pipe;     // pipe_read, pipe_write
  std::uint64_t need = 0;         // pipe_write: free bytes that let the writer go on
  std::uint64_t done = 0;         // bytes already transferred by the call
  std::uint64_t deadline_ns = 0;  // sleep, futex: monotonic virtual time to wake at (futex: 0, none)
  std::uint64_t rem_addr = 0;     // nanosleep, ppoll, pselect6: where the remaining time goes on EINTR
  bool futex_woken = false;       // futex: a waker took the task off its queue (else it timed out)
  std::vector<PollEntry> polled;  // poll: the files and events it waits on
  std::uint64_t log_seq = 0;      // log: the kernel log record the reader waits for
};

}  // namespace vmlab::kern
