// The host floating-point environment while a hart runs: the host rounds as frm says
// (RMM and the invalid modes have no host equivalent: the host rounds to nearest and
// every dynamic-mode operation takes the slow path), and the host's sticky exception
// flags accumulate the guest's. Host code the hart calls (the kernel, on a fault)
// runs in the host's own environment.
#include <cfenv>

#include "guest/rv64/engine.h"
#include "guest/rv64/fpu.h"

namespace vmlab::guest::rv64 {

namespace {

int host_rounding(unsigned rm) {
  switch (rm) {
    case fp::kRtz: return FE_TOWARDZERO;
    case fp::kRdn: return FE_DOWNWARD;
    case fp::kRup: return FE_UPWARD;
    default: return FE_TONEAREST;
  }
}

std::uint32_t host_flags() {
  const int e = std::fetestexcept(FE_ALL_EXCEPT);
  return ((e & FE_INEXACT) ? fp::kNX : 0) | ((e & FE_UNDERFLOW) ? fp::kUF : 0) | ((e & FE_OVERFLOW) ? fp::kOF : 0) |
         ((e & FE_DIVBYZERO) ? fp::kDZ : 0) | ((e & FE_INVALID) ? fp::kNV : 0);
}

}  // namespace

int fp_host_rounding(unsigned rm) { return host_rounding(rm); }

void Engine::fp_enter() {
  std::fegetenv(&host_env);
  host_round = std::fegetround();
  std::fesetround(host_rounding(frm));
  std::feclearexcept(FE_ALL_EXCEPT);
  host_rm = frm <= fp::kRup ? static_cast<std::uint8_t>(frm) : 0xff;
}

void Engine::fp_leave() {
  fflags |= host_flags();
  std::fesetenv(&host_env);
}

// fegetenv, fesetenv and feclearexcept each store and reload the whole x87 environment
// (about 300 host cycles for the three); fetestexcept only reads the status words. With
// nothing pending and the same rounding, the hart's environment differs from the host's
// only by the host's own flags from before fp_enter(), cleared there, which host code
// never tests; fp_host_done() puts them back if host code raised any flag.
bool Engine::fp_host_ready() const {
  return std::fetestexcept(FE_ALL_EXCEPT) == 0 && host_rounding(frm) == host_round;
}

void Engine::fp_host_done() {
  const int raised = std::fetestexcept(FE_ALL_EXCEPT);
  if (raised == 0) return;
  // What fp_leave(), the host code and fp_enter() would have left: the host's flags
  // with these added, saved; the guest's cleared.
  std::fesetenv(&host_env);
  std::feraiseexcept(raised);
  fp_enter();
}

std::uint32_t Engine::read_fflags() {
  fflags |= host_flags();
  std::feclearexcept(FE_ALL_EXCEPT);
  return fflags;
}

void Engine::write_fflags(std::uint32_t flags) {
  std::feclearexcept(FE_ALL_EXCEPT);
  fflags = flags & 0x1f;
}

void Engine::write_frm(std::uint32_t mode) {
  frm = mode & 7;
  host_rm = frm <= fp::kRup ? static_cast<std::uint8_t>(frm) : 0xff;
  std::fesetround(host_rounding(frm));
}

}  // namespace vmlab::guest::rv64
