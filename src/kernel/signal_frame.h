// The riscv64 signal frame (arch/riscv/kernel/signal.c): struct rt_sigframe is the
// 128-byte siginfo followed by the ucontext, whose uc_mcontext holds pc and x1..x31
// (user_regs_struct), the D-extension registers f0..f31 and fcsr, a reserved word
// that must stay zero and the END context header. 1088 bytes, 16-byte aligned, on
// the alternate stack when the handler asks for it and one is set up.
#pragma once

#include <array>
#include <cstdint>

#include "kernel/task.h"

namespace vmlab::kern {

class Kernel;

// Offsets in struct rt_sigframe (checked against glibc's ucontext_t and siginfo_t).
inline constexpr std::uint64_t kFrameSize = 1088;
inline constexpr std::uint64_t kFrameUc = 128;                     // struct ucontext
inline constexpr std::uint64_t kUcStack = kFrameUc + 16;            // uc_stack (stack_t)
inline constexpr std::uint64_t kUcSigmask = kFrameUc + 40;          // uc_sigmask
inline constexpr std::uint64_t kUcMcontext = kFrameUc + 176;        // uc_mcontext
inline constexpr std::uint64_t kScFpregs = kUcMcontext + 256;       // sc_fpregs.d.f[0]
inline constexpr std::uint64_t kScFcsr = kScFpregs + 256;           // sc_fpregs.d.fcsr
inline constexpr std::uint64_t kScReserved = kScFpregs + 516;       // sc_extdesc.reserved
inline constexpr std::uint64_t kScExtHdr = kScFpregs + 520;         // sc_extdesc.hdr (magic, size)

// copy_siginfo_to_user(): the 128 bytes of siginfo_t, laid out by siginfo_layout().
std::array<std::uint8_t, 128> encode_siginfo(const KSigInfo& info);

// setup_rt_frame(): writes the frame below the task's stack (or on its alternate
// stack) and points the registers at the handler: a0 the signal, a1 &info, a2 &uc,
// ra the [vdso] trampoline that calls rt_sigreturn. `saved_mask` is the mask the
// handler's return restores. False when the frame cannot be written.
bool setup_rt_frame(Kernel& k, Task& t, const KSigInfo& info, const SigAction& ka, std::uint64_t saved_mask);

// rt_sigreturn(): restores mask, registers, FP state and the alternate stack from the
// frame at sp. False for a bad frame (unreadable, or a reserved field not zero).
bool restore_rt_frame(Kernel& k, Task& t);

// do_sigaltstack(): installs `ss` (if given) for a task whose stack pointer is `sp`;
// EPERM while running on the alternate stack, EINVAL for bad flags, ENOMEM below
// MINSIGSTKSZ (2048).
int do_sigaltstack(Task& t, const AltStack* ss, std::uint64_t sp);

}  // namespace vmlab::kern
