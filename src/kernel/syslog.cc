#include "kernel/syslog.h"

#include <span>

#include "kernel/kernel.h"
#include "kernel/kernel_log.h"
#include "kernel/sys_handlers.h"

namespace vmlab::kern {

namespace {

// syslog_action_restricted(): unless dmesg_restrict is set, anyone may read the whole
// log and ask its size.
bool action_restricted(const Kernel& k, int type) {
  if (k.config().dmesg_restrict != 0) return true;
  return type != kSyslogActionReadAll && type != kSyslogActionSizeBuffer;
}

// access_ok() of riscv64: the whole buffer below the top of the user address space.
bool access_ok(const Task& t, VirtAddr addr, std::uint64_t len) {
  const std::uint64_t top = t.mm->task_size;
  return len <= top && addr <= top - len;
}

// copy_to_user() of the log's text into the caller's buffer, appended at `*off`.
KernelLog::CopyOut user_copy(SysCtx& c, VirtAddr buf, std::uint64_t* off) {
  return [&c, buf, off](std::string_view text) {
    const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    if (!c.k.copy_to_user(c.t, buf + *off, bytes)) return false;
    *off += text.size();
    return true;
  };
}

}  // namespace

Result<void> check_syslog_permissions(Kernel& k, const Task& t, int type, SyslogSource source) {
  // /proc/kmsg checked at open; only its open asks again.
  if (source == SyslogSource::proc && type != kSyslogActionOpen) return {};
  if (action_restricted(k, type) && !t.privileged()) return Errno::perm;  // capable(CAP_SYSLOG)
  return {};
}

std::int64_t do_syslog(SysCtx& c, int type, VirtAddr buf, int len, SyslogSource source) {
  if (auto r = check_syslog_permissions(c.k, c.t, type, source); !r) return err(r.error());
  KernelLog& log = c.k.log();
  switch (type) {
    case kSyslogActionClose:
    case kSyslogActionOpen:
      return 0;
    case kSyslogActionRead: {
      if (buf == 0 || len < 0) return err(Errno::inval);
      if (len == 0) return 0;
      if (!access_ok(c.t, buf, static_cast<std::uint64_t>(len))) return err(Errno::fault);
      // syslog_print(): sleeps until the record syslog_seq names is there.
      std::uint64_t off = 0;
      auto r = log.syslog_read(static_cast<std::uint64_t>(len), user_copy(c, buf, &off));
      if (!r && r.error() == Errno::again) {
        WaitState w;
        w.kind = WaitKind::log;
        w.log_seq = log.syslog_seq();
        return block(c, std::move(w));
      }
      return ret(r);
    }
    case kSyslogActionReadClear:
    case kSyslogActionReadAll: {
      if (buf == 0 || len < 0) return err(Errno::inval);
      if (len == 0) return 0;
      if (!access_ok(c.t, buf, static_cast<std::uint64_t>(len))) return err(Errno::fault);
      std::uint64_t off = 0;
      return ret(log.syslog_read_all(static_cast<std::uint64_t>(len), type == kSyslogActionReadClear,
                                     user_copy(c, buf, &off)));
    }
    case kSyslogActionClear:
      log.syslog_clear();
      return 0;
    case kSyslogActionConsoleOff:
      log.console_off();
      return 0;
    case kSyslogActionConsoleOn:
      log.console_on();
      return 0;
    case kSyslogActionConsoleLevel:
      if (len < 1 || len > 8) return err(Errno::inval);
      log.console_level(len);
      return 0;
    case kSyslogActionSizeUnread:
      // /proc/kmsg's poll asks only whether there is anything: a record count.
      return static_cast<std::int64_t>(log.syslog_size_unread(source == SyslogSource::proc));
    case kSyslogActionSizeBuffer:
      return static_cast<std::int64_t>(log.log_buf_len());
    default:
      return err(Errno::inval);
  }
}

// syslog(type, buf, len): int arguments, as the 32-bit halves of the registers.
std::int64_t sys_syslog(SysCtx& c, const SysArgs& a) {
  return do_syslog(c, static_cast<int>(static_cast<std::uint32_t>(a[0])), a[1],
                   static_cast<int>(static_cast<std::uint32_t>(a[2])), SyslogSource::reader);
}

}  // namespace vmlab::kern
