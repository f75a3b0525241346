// syslog(2) (kernel/printk/printk.c do_syslog(); glibc's klogctl()): the permission
// check, the argument checks and the actions on the kernel log. /proc/kmsg's file
// calls the same function with SyslogSource::proc (kernel/kmsg_file.h).
//
// Permission (check_syslog_permissions()): with kernel.dmesg_restrict = 1 (Debian's
// default) every action needs CAP_SYSLOG, which in vmlab's model only root (uid 0)
// has; with 0, READ_ALL and SIZE_BUFFER are open to everyone. The check comes before
// the action is looked at, so an unknown action is EPERM for whoever may not pass it.
#pragma once

#include <cstdint>

#include "kernel/syscall_table.h"
#include "vmlab/units.h"

namespace vmlab::kern {

// SYSLOG_ACTION_* (include/linux/syslog.h).
inline constexpr int kSyslogActionClose = 0;
inline constexpr int kSyslogActionOpen = 1;
inline constexpr int kSyslogActionRead = 2;
inline constexpr int kSyslogActionReadAll = 3;
inline constexpr int kSyslogActionReadClear = 4;
inline constexpr int kSyslogActionClear = 5;
inline constexpr int kSyslogActionConsoleOff = 6;
inline constexpr int kSyslogActionConsoleOn = 7;
inline constexpr int kSyslogActionConsoleLevel = 8;
inline constexpr int kSyslogActionSizeUnread = 9;
inline constexpr int kSyslogActionSizeBuffer = 10;

// SYSLOG_FROM_READER (the system call) and SYSLOG_FROM_PROC (/proc/kmsg, whose open
// checked the permission once for all its later calls).
enum class SyslogSource : std::uint8_t { reader, proc };

// check_syslog_permissions(): EPERM when the task may not do `type`.
Result<void> check_syslog_permissions(Kernel& k, const Task& t, int type, SyslogSource source);

// do_syslog(): the action's result for a0 (a count, a size, 0) or -errno, or
// kSysBlocked when SYSLOG_ACTION_READ waits for a record (the call runs again once
// there is one). `buf` and `len` are the caller's buffer.
std::int64_t do_syslog(SysCtx& c, int type, VirtAddr buf, int len, SyslogSource source);

}  // namespace vmlab::kern
