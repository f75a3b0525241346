#include "kernel/printk.h"

#include "kernel/kernel.h"
#include "kernel/kernel_log.h"

namespace vmlab::kern {

namespace {

// printk_caller_id(): the current task's pid (its tid), or 0x80000000 + the CPU when
// the kernel runs for no task.
std::uint32_t caller_id(Kernel& k) {
  if (const Task* t = k.current()) return static_cast<std::uint32_t>(t->tid);
  return 0x80000000U + k.sys().mmu().current();
}

}  // namespace

void vprintk_emit(Kernel& k, int facility, int level, std::string_view text, const DevPrintkInfo& dev_info) {
  k.log().store(facility, level, text, false, k.now_ns(), caller_id(k), dev_info);
}

void printk_text(Kernel& k, LogLevel level, std::string_view text) {
  vprintk_emit(k, 0, static_cast<int>(level), text);
}

void printk_cont_text(Kernel& k, std::string_view text) {
  k.log().store(0, kLoglevelDefault, text, true, k.now_ns(), caller_id(k));
}

}  // namespace vmlab::kern
