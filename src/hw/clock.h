// The virtual clock: time since boot on each CPU, in nanoseconds. Nothing else in
// vmlab computes time; the host clock is never read.
//
// A CPU's time is the work priced on it while it was the current CPU (instructions,
// faults, page zeroing and copying, disk requests, idle time skipped) plus the price
// of every page walk it made. With one CPU this is the machine's time; with several,
// each runs ahead on its own and the scheduler keeps them in step (it always runs the
// CPU whose time is earliest), so what one CPU does at time t is seen by the others
// at t or later.
#pragma once

#include <algorithm>
#include <cstdint>

#include "hw/mmu.h"

namespace vmlab::hw {

// The kernel's tick: CONFIG_HZ=250 in Debian's kernels, a jiffy every 4 ms of virtual
// time (TICK_NSEC). Only differences of jiffies are used, so where they start
// (INITIAL_JIFFIES) does not show.
inline constexpr std::uint64_t kHz = 250;
inline constexpr std::uint64_t kTickNs = 1'000'000'000 / kHz;
constexpr std::uint64_t jiffies_at(std::uint64_t ns) { return ns / kTickNs; }

// CLOCK_REALTIME at virtual time 0: 2024-01-01 00:00:00 UTC. Guests see wall-clock
// time advance with the virtual clock only.
inline constexpr std::uint64_t kRealtimeEpochSec = 1704067200;

class Clock {
 public:
  // `walk_ns`: the price of one page walk (cost.tlb_walk).
  Clock(Mmu& mmu, std::uint64_t walk_ns) : mmu_(mmu), walk_ns_(walk_ns) {}

  // The time on CPU `cpu`, and on the current CPU (Mmu::current()).
  std::uint64_t now(unsigned cpu) const {
    const Cpu& c = mmu_.cpu(cpu);
    return c.busy_ns + c.walks * walk_ns_;
  }
  std::uint64_t now() const { return now(mmu_.current()); }
  // The latest time any CPU has reached: the machine's time as a whole.
  std::uint64_t latest() const {
    std::uint64_t t = 0;
    for (unsigned i = 0; i < mmu_.cpu_count(); ++i) t = std::max(t, now(i));
    return t;
  }

  // Work done on the current CPU.
  void charge(std::uint64_t ns) { mmu_.cpu(mmu_.current()).busy_ns += ns; }
  // CPU `cpu` waits (idles) until `ns`; a time already passed changes nothing.
  void advance_to(unsigned cpu, std::uint64_t ns) {
    const std::uint64_t t = now(cpu);
    if (ns > t) mmu_.cpu(cpu).busy_ns += ns - t;
  }

 private:
  Mmu& mmu_;
  std::uint64_t walk_ns_;
};

}  // namespace vmlab::hw
