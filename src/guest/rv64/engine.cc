// The threaded dispatch loop: one function whose labels are the handlers (GCC's
// labels-as-values), each ending with a jump straight to the next entry's handler.
// Block entry is the only place that looks at the budget and the instruction TLB; a
// jump within the current page goes to its target entry directly. The handler groups
// are in exec_*.inc, included into the function body.
#include <cstring>
#include <mutex>

#include "guest/rv64/decode.h"
#include "guest/rv64/engine.h"
#include "guest/rv64/fpu.h"

// Labels as values are a GNU extension, the reason this file exists.
#pragma GCC diagnostic ignored "-Wpedantic"

namespace vmlab::guest::rv64 {

namespace {
const void* const* g_handlers = nullptr;
bool g_exporting = false;
}  // namespace

Engine::Engine(kern::Kernel& k, unsigned cpu_index)
    : kernel(k),
      mmu(k.sys().mmu()),
      cpu(k.sys().mmu().cpu(cpu_index)),
      mem(k.sys().mem()) {
  static std::once_flag once;
  std::call_once(once, [this] {
    // The loop hands out its label table and returns at once.
    g_exporting = true;
    std::uint64_t pc = 0, instret = 0;
    loop(pc, instret, 0);
    g_exporting = false;
  });
  cache = CodeCache::of(mem, mmu, g_handlers);
}

const void* const* engine_handlers() { return g_handlers; }

#define LIKELY(c) __builtin_expect(!!(c), 1)
#define UNLIKELY(c) __builtin_expect(!!(c), 0)

// Operands.
#define RD x[e->rd]
#define RS1 x[e->rs1]
#define RS2 x[e->rs2]
#define SIMM static_cast<std::int64_t>(e->imm)
#define UIMM static_cast<std::uint64_t>(static_cast<std::int64_t>(e->imm))
#define HERE (page_va + e->off)
#define AFTER (page_va + e->off + e->length())
#define SEXT32(v) static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v)))

// Control flow.
#define STEP_TO(p) reinterpret_cast<const Insn*>(reinterpret_cast<const char*>(e) + (p))
// The next instruction of the block.
#define NEXT()            \
  do {                    \
    e = STEP_TO(e->stride); \
    goto* e->handler;     \
  } while (0)
// The next instruction, starting a new block (after a branch not taken).
#define FALL()            \
  do {                    \
    e = STEP_TO(e->stride); \
    goto counted;         \
  } while (0)
// A pc-relative jump decoded as local: imm is the byte distance to the target entry.
#define LOCAL_JUMP()                                  \
  do {                                                \
    e = STEP_TO(static_cast<std::ptrdiff_t>(e->imm)); \
    goto counted;                                     \
  } while (0)
#define JUMP(target)                                          \
  do {                                                        \
    pc = (target);                                            \
    if (((pc ^ page_va) >> kPageShift) == 0) {                \
      e = &page->insns[(pc & (kPageSize - 1)) >> 1];          \
      goto counted;                                           \
    }                                                         \
    goto block_entry;                                         \
  } while (0)

// Leaving the fast path: local counts into the engine's.
#define SYNC()             \
  do {                     \
    this->dhits += dhits;  \
    dhits = 0;             \
    flush_dhits();         \
  } while (0)
// The instruction raised `sig`: it and the rest of its block did not retire.
#define FAULT()                     \
  do {                              \
    left += e->count;               \
    ++extra_fetches;                \
    pc = HERE;                      \
    if (sig_at_pc) {                \
      sig.addr = pc;                \
      sig_at_pc = false;            \
    }                               \
    reason = StopReason::signal;    \
    goto stop;                      \
  } while (0)
#define RAISE(signo, code, addr)                     \
  do {                                               \
    sig = SigInfo{Signal::signo, code, (addr)};      \
    FAULT();                                         \
  } while (0)
// The instruction completed but the block must not go on (the kernel ran, or decoded
// code changed): the rest of the block did not run; continue from a fresh lookup.
#define LEAVE()                  \
  do {                           \
    left += e->count - 1u;       \
    pc = AFTER;                  \
    goto block_entry;            \
  } while (0)

// Data accesses through the soft TLB: the entry of the address's set (by byte offset),
// matched by the address masked to its page and alignment in one compare; a misaligned
// access takes the slow path. The slow paths' temporaries are separate variables so
// that the fast path's value stays in a register.
#define DSOFT(va)                                                     \
  (*reinterpret_cast<const hw::SoftTlbEntry*>(reinterpret_cast<const char*>(dsoft) + \
                                              (((va) >> (kPageShift - 5)) & dmask_bytes)))
#define LOAD(T, assign)                                                                   \
  do {                                                                                    \
    const std::uint64_t va = RS1 + UIMM;                                                  \
    const hw::SoftTlbEntry& s = DSOFT(va);                                                \
    if (LIKELY((va & (kPageMask | (sizeof(T) - 1))) == s.page)) {                         \
      ++dhits;                                                                            \
      T v;                                                                                \
      std::memcpy(&v, reinterpret_cast<const void*>(va + s.addend), sizeof(T));          \
      assign;                                                                             \
      NEXT();                                                                             \
    }                                                                                     \
    T slow_v;                                                                             \
    SYNC();                                                                               \
    const Slow r = load_slow(va, sizeof(T), &slow_v);                                     \
    if (r == Slow::signal) FAULT();                                                       \
    {                                                                                     \
      const T v = slow_v;                                                                 \
      assign;                                                                             \
    }                                                                                     \
    if (r == Slow::leave) LEAVE();                                                        \
    NEXT();                                                                               \
  } while (0)
#define STORE(T, value)                                                                   \
  do {                                                                                    \
    const std::uint64_t va = RS1 + UIMM;                                                  \
    const hw::SoftTlbEntry& s = DSOFT(va);                                                \
    const T v = static_cast<T>(value);                                                    \
    if (LIKELY((va & (kPageMask | (sizeof(T) - 1))) == s.write_page)) {                   \
      ++dhits;                                                                            \
      std::memcpy(reinterpret_cast<void*>(va + s.addend), &v, sizeof(T));                 \
      NEXT();                                                                             \
    }                                                                                     \
    T slow_v = v;                                                                         \
    SYNC();                                                                               \
    const Slow r = store_slow(va, sizeof(T), &slow_v);                                    \
    if (r == Slow::signal) FAULT();                                                       \
    if (r == Slow::leave) LEAVE();                                                        \
    NEXT();                                                                               \
  } while (0)
// The host address of an aligned LR/SC/AMO operand; `leave` tells whether the block
// must end after it.
#define ATOMIC_ADDR(size, write, host, leave)                                             \
  do {                                                                                    \
    const std::uint64_t va = RS1;                                                         \
    const hw::SoftTlbEntry& s = DSOFT(va);                                                \
    if (LIKELY((va & (kPageMask | ((size) - 1))) == ((write) ? s.write_page : s.page))) { \
      ++dhits;                                                                            \
      host = reinterpret_cast<std::uint8_t*>(va + s.addend);                              \
    } else {                                                                              \
      SYNC();                                                                             \
      std::uint8_t* slow_host = nullptr;                                                  \
      const Slow r = atomic_slow(va, size, write, &slow_host);                            \
      if (r == Slow::signal) FAULT();                                                     \
      host = slow_host;                                                                   \
      leave = r == Slow::leave;                                                           \
    }                                                                                     \
  } while (0)

// Floating point: the host rounds as the instruction asks unless rm names another mode.
#define FP_FAST() (((e->rm == fp::kDyn) ? frm : e->rm) == host_rm)
#define FP_VALID() (e->rm != fp::kDyn || frm <= fp::kRmm)
#define FP_ARITH(expr)                     \
  do {                                     \
    if (UNLIKELY(!FP_FAST())) goto fp_slow_path; \
    f[e->rd] = (expr);                     \
    NEXT();                                \
  } while (0)
#define FP_TO_INT(conv, is_signed, width)                                        \
  do {                                                                           \
    const unsigned rm_ = e->rm == fp::kDyn ? frm : e->rm;                        \
    if (UNLIKELY(rm_ > fp::kRmm)) goto op_illegal;                               \
    RD = fp::conv(f[e->rs1], is_signed, width, rm_, fflags);                     \
    NEXT();                                                                      \
  } while (0)

StopReason Engine::loop(std::uint64_t& pc_io, std::uint64_t& instret_io, std::uint64_t limit) {
  static const void* const kLabels[] = {
#define VMLAB_RV64_LABEL(name) &&op_##name,
      VMLAB_RV64_OPS(VMLAB_RV64_LABEL)
#undef VMLAB_RV64_LABEL
  };
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == kOpCount);
  if (UNLIKELY(g_exporting)) {
    g_handlers = kLabels;
    return StopReason::budget;
  }

  // Not __restrict: the slow paths (csr(), fp_slow()) write registers through `this`.
  std::uint64_t* const x = this->x;
  std::uint64_t* const f = this->f;
  const hw::SoftTlbEntry* const dsoft = this->dsoft;
  const std::uint64_t dmask_bytes = this->dmask * sizeof(hw::SoftTlbEntry);
  std::uint64_t pc = pc_io;
  // Instructions the budget still allows: instret is limit - left.
  std::uint64_t left = limit - instret_io;
  std::uint64_t dhits = 0;
  const Insn* e = nullptr;
  DecodedPage* page = nullptr;
  std::uint64_t page_va = 0;
  StopReason reason = StopReason::budget;

block_entry:
  // A new block at `pc`: the budget, then the fetch through the instruction TLB.
  if (UNLIKELY(left == 0)) {
    reason = StopReason::budget;
    goto stop;
  }
  {
    const hw::SoftTlbEntry& s = isoft[(pc >> kPageShift) & imask];
    if (LIKELY(s.page == (pc & kPageMask) && s.code != nullptr)) {
      page = static_cast<DecodedPage*>(s.code);
    } else {
      SYNC();
      page = fetch_slow(pc);
      if (page == nullptr) {
        reason = StopReason::signal;
        goto stop;
      }
    }
    page_va = pc & kPageMask;
    e = &page->insns[(pc & (kPageSize - 1)) >> 1];
  }

counted:
  // Entering a block at `e` (its page current and its fetch counted): retire it whole.
  {
    const std::uint64_t n = e->count;
    if (UNLIKELY(n > left)) goto step;
    left -= n;
    goto* e->handler;
  }

step:
  // Fewer instructions left in the budget than the block holds: one at a time, from a
  // copy followed by a sentinel that returns to block entry.
  if (left == 0) {
    pc = HERE;
    reason = StopReason::budget;
    goto stop;
  }
  {
    Insn one = *e;
    one.count = 1;
    to_generic(one);
    one.handler = kLabels[static_cast<unsigned>(one.op)];
    Insn sentinel;
    sentinel.handler = &&op_step_done;
    sentinel.op = Op::step_done;
    sentinel.off = static_cast<std::uint16_t>(e->off + e->length());
    scratch[0] = one;
    scratch[1] = sentinel;
    scratch[2] = sentinel;
    left -= 1;
    e = scratch;
    goto* e->handler;
  }

#include "guest/rv64/exec_sys.inc"
#include "guest/rv64/exec_int.inc"
#include "guest/rv64/exec_mem.inc"
#include "guest/rv64/exec_fp.inc"

fp_slow_path:
  SYNC();
  if (!fp_slow(*e)) goto op_illegal;
  NEXT();

stop:
  SYNC();
  pc_io = pc;
  instret_io = limit - left;
  return reason;
}

}  // namespace vmlab::guest::rv64
