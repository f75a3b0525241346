// Signals a guest access can raise, with Linux's numbers and si_code values.
#pragma once

#include <cstdint>
#include <string_view>

#include "vmlab/result.h"

namespace vmlab {

enum class Signal : int { none = 0, sigbus = 7, sigkill = 9, sigsegv = 11, sigchld = 17 };

// si_code values (include/uapi/asm-generic/siginfo.h).
inline constexpr int kSegvMapErr = 1;  // SEGV_MAPERR: no mapping at the address
inline constexpr int kSegvAccErr = 2;  // SEGV_ACCERR: mapping forbids the access
inline constexpr int kBusAdrErr = 2;   // BUS_ADRERR: do_sigbus() sends it for VM_FAULT_SIGBUS
inline constexpr int kBusObjErr = 3;   // BUS_OBJERR: beyond the end of the object

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
