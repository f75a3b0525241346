#include "kernel/signal_frame.h"

#include <cstring>
#include <vector>

#include "kernel/signal.h"
#include "kernel/kernel.h"
#include "kernel/signal.h"

namespace vmlab::kern {

namespace {

constexpr std::uint64_t kMinSigStkSz = 2048;  // MINSIGSTKSZ (asm-generic)

void put32(std::uint8_t* b, std::uint64_t off, std::uint32_t v) { std::memcpy(b + off, &v, 4); }
void put64(std::uint8_t* b, std::uint64_t off, std::uint64_t v) { std::memcpy(b + off, &v, 8); }
std::uint32_t get32(const std::uint8_t* b, std::uint64_t off) {
  std::uint32_t v;
  std::memcpy(&v, b + off, 4);
  return v;
}
std::uint64_t get64(const std::uint8_t* b, std::uint64_t off) {
  std::uint64_t v;
  std::memcpy(&v, b + off, 8);
  return v;
}

bool is_fault_signal(int sig) { return sig == 4 || sig == 5 || sig == 7 || sig == 8 || sig == 11; }

// sigsp(): the top of the alternate stack when the handler wants it and the task is
// not on it already.
std::uint64_t sigsp(const Task& t, std::uint64_t sp, const SigAction& ka) {
  if ((ka.flags & kSaOnstack) && sas_ss_flags(t, sp) == 0) return t.altstack.sp + t.altstack.size;
  return sp;
}

}  // namespace

std::array<std::uint8_t, 128> encode_siginfo(const KSigInfo& info) {
  std::array<std::uint8_t, 128> b{};
  put32(b.data(), 0, static_cast<std::uint32_t>(info.signo));
  put32(b.data(), 8, static_cast<std::uint32_t>(info.code));
  // siginfo_layout(): kernel codes (between SI_USER and SI_KERNEL) by signal, the
  // rest as sent by kill().
  if (info.code > kSiUser && info.code < kSiKernel && is_fault_signal(info.signo)) {
    put64(b.data(), 16, info.addr);  // _sigfault.si_addr
  } else if (info.code > kSiUser && info.code < kSiKernel && info.signo == 17) {
    put32(b.data(), 16, static_cast<std::uint32_t>(info.pid));  // _sigchld
    put32(b.data(), 20, static_cast<std::uint32_t>(info.uid));
    put32(b.data(), 24, static_cast<std::uint32_t>(info.status));
    put64(b.data(), 32, static_cast<std::uint64_t>(info.utime));
    put64(b.data(), 40, static_cast<std::uint64_t>(info.stime));
  } else {
    put32(b.data(), 16, static_cast<std::uint32_t>(info.pid));  // _kill
    put32(b.data(), 20, static_cast<std::uint32_t>(info.uid));
  }
  return b;
}

bool setup_rt_frame(Kernel& k, Task& t, const KSigInfo& info, const SigAction& ka, std::uint64_t saved_mask) {
  if (!t.mm) return false;
  auto& r = t.regs;
  const std::uint64_t sp = r.x[2];
  // get_sigframe(): overflowing the alternate stack from on it gives a bogus address.
  std::uint64_t frame;
  if (on_sig_stack(t, sp) && !on_sig_stack(t, sp - kFrameSize)) {
    frame = ~0ULL;
  } else {
    frame = (sigsp(t, sp, ka) - kFrameSize) & ~std::uint64_t{15};
  }
  if (frame > t.mm->task_size - kFrameSize) return false;  // access_ok()

  std::vector<std::uint8_t> buf(kFrameSize, 0);
  std::uint8_t* b = buf.data();
  const auto si = encode_siginfo(info);
  std::memcpy(b, si.data(), si.size());
  // uc_flags and uc_link stay 0. __save_altstack(): the stack as it was, then
  // SS_AUTODISARM disarms it for the handler.
  put64(b, kUcStack, t.altstack.sp);
  put32(b, kUcStack + 8, static_cast<std::uint32_t>(sas_ss_flags(t, sp) | (t.altstack.flags & kSsAutodisarm)));
  put64(b, kUcStack + 16, t.altstack.size);
  put64(b, kUcSigmask, saved_mask);
  // setup_sigcontext(): pc then x1..x31, the D state, reserved 0, END header (0, 0).
  put64(b, kUcMcontext, r.pc);
  for (int i = 1; i < 32; ++i) put64(b, kUcMcontext + 8 * static_cast<std::uint64_t>(i), r.x[static_cast<std::size_t>(i)]);
  for (int i = 0; i < 32; ++i) put64(b, kScFpregs + 8 * static_cast<std::uint64_t>(i), r.f[static_cast<std::size_t>(i)]);
  put32(b, kScFcsr, r.fcsr);
  if (!k.copy_to_user(t, frame, buf)) return false;
  if (t.altstack.flags & kSsAutodisarm) t.altstack = AltStack{};

  r.x[1] = t.vdso;  // ra: __vdso_rt_sigreturn
  r.pc = ka.handler;
  r.x[2] = frame;
  r.x[10] = static_cast<std::uint64_t>(info.signo);
  r.x[11] = frame;
  r.x[12] = frame + kFrameUc;
  return true;
}

bool restore_rt_frame(Kernel& k, Task& t) {
  if (!t.mm) return false;
  const std::uint64_t frame = t.regs.x[2];
  if (frame > t.mm->task_size - kFrameSize) return false;
  std::vector<std::uint8_t> buf(kFrameSize);
  if (!k.copy_from_user(t, buf, frame)) return false;
  const std::uint8_t* b = buf.data();
  // set_current_blocked(): SIGKILL and SIGSTOP never blocked.
  t.blocked = get64(b, kUcSigmask) & ~(sig_bit(9) | sig_bit(19));
  recalc_sigpending(t);
  auto& r = t.regs;
  r.pc = get64(b, kUcMcontext);
  for (int i = 1; i < 32; ++i) r.x[static_cast<std::size_t>(i)] = get64(b, kUcMcontext + 8 * static_cast<std::uint64_t>(i));
  for (int i = 0; i < 32; ++i) r.f[static_cast<std::size_t>(i)] = get64(b, kScFpregs + 8 * static_cast<std::uint64_t>(i));
  r.fcsr = get32(b, kScFcsr) & 0xff;
  r.reservation = ~0ULL;
  // restore_sigcontext(): the reserved word must be zero, and the only extension
  // header vmlab knows is END (magic 0, size 0); anything else is an invalid frame.
  if (get32(b, kScReserved) != 0) return false;
  if (get32(b, kScExtHdr) != 0 || get32(b, kScExtHdr + 4) != 0) return false;
  // restore_altstack(): errors other than EFAULT are squashed.
  AltStack ss;
  ss.sp = get64(b, kUcStack);
  ss.flags = static_cast<int>(get32(b, kUcStack + 8));
  ss.size = get64(b, kUcStack + 16);
  (void)do_sigaltstack(t, &ss, r.x[2]);
  return true;
}

int do_sigaltstack(Task& t, const AltStack* ss, std::uint64_t sp) {
  if (ss == nullptr) return 0;
  if (on_sig_stack(t, sp)) return -1;  // EPERM
  const int mode = ss->flags & ~kSsAutodisarm;
  if (mode != kSsDisable && mode != kSsOnstack && mode != 0) return -22;  // EINVAL
  AltStack next = *ss;
  if (mode == kSsDisable) {
    next.size = 0;
    next.sp = 0;
  } else if (ss->size < kMinSigStkSz) {
    return -12;  // ENOMEM
  }
  // sas_ss_flags keeps only SS_AUTODISARM (and SS_DISABLE for an empty stack).
  next.flags = ss->flags & kSsAutodisarm;
  if (next.size == 0) next.flags |= kSsDisable;
  t.altstack = next;
  return 0;
}

}  // namespace vmlab::kern
