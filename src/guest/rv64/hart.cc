// Hart: loads the architectural state into the engine, runs it, and puts the state
// and the accounting back (instruction TLB hits, the virtual clock).
#include "guest/rv64/hart.h"

#include <algorithm>

#include "guest/rv64/engine.h"
#include "kernel/task.h"

namespace vmlab::guest::rv64 {

struct Hart::Impl : Engine {
  using Engine::Engine;
};

Hart::Hart(kern::Kernel& kernel, unsigned cpu) : impl_(std::make_unique<Impl>(kernel, cpu)) {}
Hart::~Hart() = default;

Stop Hart::run(kern::Task& task, std::uint64_t budget) { return impl_->run(task, task.regs, budget); }

void Hart::invalidate_code() { impl_->cache->forget_all(); }

void Hart::set_reference_mode(bool on) { impl_->reference = on; }

namespace {
// Soft TLB entries that never match: the reference mode's.
hw::SoftTlbEntry g_no_soft_tlb[1];
}  // namespace

Stop Engine::run(kern::Task& t, HartState& st, std::uint64_t budget) {
  task = &t;
  kernel.switch_to(t, static_cast<unsigned>(&cpu - &mmu.cpu(0)));
  std::copy(st.x.begin(), st.x.end(), x);
  x[0] = 0;
  std::copy(st.f.begin(), st.f.end(), f);
  frm = (st.fcsr >> 5) & 7;
  fflags = st.fcsr & 0x1f;
  reservation = st.reservation;
  dsoft = reference ? g_no_soft_tlb : cpu.l1d.soft();
  dmask = reference ? 0 : cpu.l1d.set_mask();
  isoft = reference ? g_no_soft_tlb : cpu.l1i.soft();
  imask = reference ? 0 : cpu.l1i.set_mask();
  dhits = extra_fetches = mmu_fetches = 0;
  sig = SigInfo{};
  sig_at_pc = false;
  instret_start = st.instret;

  fp_enter();
  cache->enter();
  std::uint64_t pc = st.pc;
  std::uint64_t instret = st.instret;
  const std::uint64_t limit = budget > ~0ull - instret ? ~0ull : instret + budget;
  StopReason reason = StopReason::budget;
  if (!reference) {
    reason = loop(pc, instret, limit);
  } else {
    while (instret < limit && (reason = loop(pc, instret, instret + 1)) == StopReason::budget) {
    }
  }
  cache->leave();
  fp_leave();

  flush_dhits();
  // Every fetch lookup not sent to the MMU was a hit on the most recent way.
  cpu.l1i.counters().hits += (instret - instret_start) + extra_fetches - mmu_fetches;
  kernel.sys().clock().charge((instret - instret_start) * kernel.sys().config().cost_instruction_ns);

  std::copy(x, x + 32, st.x.begin());
  st.x[0] = 0;
  std::copy(f, f + 32, st.f.begin());
  st.fcsr = (frm << 5) | (fflags & 0x1f);
  st.pc = pc;
  st.instret = instret;
  // Linux's trap return clears any reservation (ret_from_exception), and every stop
  // is a trap: an ecall, a fault, or the timer that ends a time slice.
  st.reservation = ~0ull;
  return Stop{reason, reason == StopReason::signal ? sig : SigInfo{}};
}

}  // namespace vmlab::guest::rv64
