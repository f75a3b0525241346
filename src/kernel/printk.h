// printk(): how kernel code writes to the kernel log, as Linux's pr_err(), pr_info()
// and pr_cont() do. The message is formatted with fmt (fmt::format's syntax, checked
// at compile time), stamped with the virtual clock of the current CPU and the current
// task (its pid, or the CPU outside any task), stored in the log (kernel/kernel_log.h)
// and shown on the console when its level is below the console's.
//
// As in Linux, a message ends with "\n": without one the record stays open, readers
// see it only once it is continued with printk_cont() up to a newline or another
// message is logged.
//
//   printk(k, LogLevel::err, "Out of memory: Killed process {} ({}) ...\n", pid, comm);
//   printk(k, LogLevel::info, "Adding {}k swap on {}.  Priority:{} extents:{} across:{}k SS\n", ...);
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string_view>
#include <utility>

#include "kernel/printk_ringbuffer.h"

namespace vmlab::kern {

class Kernel;

// KERN_EMERG ... KERN_DEBUG.
enum class LogLevel : std::uint8_t { emerg = 0, alert, crit, err, warning, notice, info, debug };

// printk() of text already formatted (facility 0, the kernel).
void printk_text(Kernel& k, LogLevel level, std::string_view text);
// pr_cont() of text already formatted: continues the current task's open record, or
// starts a record of its own at the default level (default_message_loglevel, 4).
void printk_cont_text(Kernel& k, std::string_view text);

// vprintk_emit(): a record of any syslog `facility` and `level` (0 to 7, or -1 for
// default_message_loglevel), as /dev/kmsg's writers (facility 1, LOG_USER) and
// dev_printk() (with `dev_info`) make them.
void vprintk_emit(Kernel& k, int facility, int level, std::string_view text, const DevPrintkInfo& dev_info = {});

template <class... Args>
void printk(Kernel& k, LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  printk_text(k, level, fmt::format(format, std::forward<Args>(args)...));
}

template <class... Args>
void printk_cont(Kernel& k, fmt::format_string<Args...> format, Args&&... args) {
  printk_cont_text(k, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace vmlab::kern
