// Signals a guest access can raise, with Linux's numbers and si_code values.
#pragma once

#include <cstdint>
#include <string_view>

#include "vmlab/result.h"

namespace vmlab {

// Linux's numbers (x86-64 and riscv64 agree on all of them).
enum class Signal : int {
  none = 0,
  sighup = 1,
  sigint = 2,
  sigquit = 3,
  sigill = 4,
  sigtrap = 5,
  sigabrt = 6,
  sigbus = 7,
  sigfpe = 8,
  sigkill = 9,
  sigusr1 = 10,
  sigsegv = 11,
  sigusr2 = 12,
  sigpipe = 13,
  sigalrm = 14,
  sigterm = 15,
  sigstkflt = 16,
  sigchld = 17,
  sigcont = 18,
  sigstop = 19,
  sigtstp = 20,
  sigttin = 21,
  sigttou = 22,
  sigurg = 23,
  sigxcpu = 24,
  sigxfsz = 25,
  sigvtalrm = 26,
  sigprof = 27,
  sigwinch = 28,
  sigio = 29,
  sigpwr = 30,
  sigsys = 31,
};

// si_code values (include/uapi/asm-generic/siginfo.h).
inline constexpr int kSegvMapErr = 1;  // SEGV_MAPERR: no mapping at the address
inline constexpr int kSegvAccErr = 2;  // SEGV_ACCERR: mapping forbids the access
inline constexpr int kBusAdrErr = 2;   // BUS_ADRERR: do_sigbus() sends it for VM_FAULT_SIGBUS
inline constexpr int kBusObjErr = 3;   // BUS_OBJERR: beyond the end of the object
inline constexpr int kBusAdrAln = 1;   // BUS_ADRALN: misaligned address
inline constexpr int kIllOpc = 1;      // ILL_ILLOPC: illegal opcode
inline constexpr int kTrapBrkpt = 1;   // TRAP_BRKPT: ebreak

struct SigInfo {
  Signal signo = Signal::none;
  int code = 0;
  std::uint64_t addr = 0;
  bool operator==(const SigInfo&) const = default;
};

std::string_view signal_name(Signal s);

// What a load or store through the MMU gives: the value, or the signal it raised.
template <class T>
using Access = Expected<T, SigInfo>;

}  // namespace vmlab
