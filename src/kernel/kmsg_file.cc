#include "kernel/kmsg_file.h"

#include <span>
#include <vector>

#include "fs/proc/proc_fs.h"
#include "kernel/kernel.h"
#include "kernel/kernel_log.h"
#include "kernel/poll.h"
#include "kernel/printk.h"
#include "kernel/printk_format.h"
#include "kernel/syslog.h"
#include "vmlab/fcntl.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

namespace {

constexpr int kONonblock = 04000;
constexpr int kSeekData = 3;
constexpr int kSeekHole = 4;
constexpr int kLogUser = 1;  // LOG_USER >> 3: the facility of what user space writes

// simple_strtoul() in base 10: the digits at `s`, wrapping as the kernel's does, and
// how many there were.
std::pair<std::uint64_t, std::size_t> parse_decimal(std::string_view s) {
  std::uint64_t v = 0;
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') v = v * 10 + static_cast<std::uint64_t>(s[n++] - '0');
  return {v, n};
}

std::int64_t devkmsg_read(SysCtx& c, KmsgFile& f, VirtAddr buf, std::uint64_t count) {
  const PrintkRecord* r = f.log->ring().read_valid(f.seq);
  if (r == nullptr) {
    if (f.flags & kONonblock) return err(Errno::again);
    WaitState w;
    w.kind = WaitKind::log;
    w.log_seq = f.seq;
    return block(c, std::move(w));
  }
  if (r->info.seq != f.seq) {
    // The record this reader was at is gone: say so once and go on from the oldest.
    f.seq = r->info.seq;
    return err(Errno::pipe);
  }
  // The record is consumed before its size is checked: one that does not fit is lost.
  f.seq = r->info.seq + 1;
  const std::string text = devkmsg_format(*r);
  if (text.size() > count) return err(Errno::inval);
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  if (!c.k.copy_to_user(c.t, buf, bytes)) return err(Errno::fault);
  return static_cast<std::int64_t>(text.size());
}

// kmsg_read(): SYSLOG_ACTION_READ, EAGAIN first when non-blocking and nothing is
// unread. The count is do_syslog()'s int.
std::int64_t proc_kmsg_read(SysCtx& c, KmsgFile& f, VirtAddr buf, std::uint64_t count) {
  if ((f.flags & kONonblock) && f.log->syslog_size_unread(true) == 0) return err(Errno::again);
  return do_syslog(c, kSyslogActionRead, buf, static_cast<int>(static_cast<std::uint32_t>(count)),
                   SyslogSource::proc);
}

}  // namespace

KmsgFile::KmsgFile(std::shared_ptr<KernelLog> log, std::shared_ptr<fs::Inode> inode, std::string path, int flags,
                   bool proc)
    : fs::OpenFile(std::move(inode), std::move(path), flags), log(std::move(log)), proc(proc) {
  seq = this->log->ring().first_valid_seq();
}

KmsgFile::~KmsgFile() {
  const int missed = writes.take_missed();
  Kernel* k = log->kernel();
  if (missed == 0 || k == nullptr) return;
  // ratelimit_state_exit(), in the name of the task releasing the file; printk.c's
  // pr_fmt() puts its module name in front.
  const Task* t = k->current();
  printk(*k, LogLevel::warning, "printk: {}: {} output lines suppressed due to ratelimiting\n", t ? t->comm : "",
         missed);
}

bool is_kmsg_inode(const fs::Inode& inode) {
  if (inode.type == fs::InodeType::char_device) return inode.rdev == kDevKmsgRdev;
  return inode.dev == proc::ProcFs::kDev && inode.ino == proc::ProcFs::kKmsgIno;
}

KmsgFile* as_kmsg(fs::OpenFile& f) { return is_kmsg_inode(*f.inode) ? static_cast<KmsgFile*>(&f) : nullptr; }

Result<std::shared_ptr<fs::OpenFile>> open_kmsg(Kernel& k, Task& t, std::shared_ptr<fs::Inode> inode,
                                                std::string path, int flags) {
  const bool proc = inode->type != fs::InodeType::char_device;
  if (proc) {
    // kmsg_open(): do_syslog(SYSLOG_ACTION_OPEN) from /proc checks the permission.
    if (auto r = check_syslog_permissions(k, t, kSyslogActionOpen, SyslogSource::proc); !r) return r.error();
  } else if ((flags & kOAccmode) != kOWronly) {
    // devkmsg_open(): a writer needs nothing; a reader what reading the whole log needs.
    if (auto r = check_syslog_permissions(k, t, kSyslogActionReadAll, SyslogSource::reader); !r) return r.error();
  }
  return std::shared_ptr<fs::OpenFile>(std::make_shared<KmsgFile>(k.log_ptr(), std::move(inode), std::move(path),
                                                                   flags, proc));
}

std::int64_t kmsg_read(SysCtx& c, KmsgFile& f, VirtAddr buf, std::uint64_t count) {
  return f.proc ? proc_kmsg_read(c, f, buf, count) : devkmsg_read(c, f, buf, count);
}

std::int64_t kmsg_readv(SysCtx& c, KmsgFile& f, const UserBuffers& to) {
  std::int64_t total = 0;
  for (const auto& [base, len] : to.segments()) {
    // A segment after the first does not sleep: what the earlier ones got is returned.
    const std::int64_t n = kmsg_read(c, f, base, len);
    if (n == kSysBlocked && total > 0) {
      c.t.wait = WaitState{};
      break;
    }
    if (n < 0) return total > 0 ? total : n;
    total += n;
    if (static_cast<std::uint64_t>(n) != len) break;
  }
  return total;
}

std::int64_t kmsg_write(SysCtx& c, KmsgFile& f, const UserBuffers& from) {
  if (f.proc) return err(Errno::io);  // proc_reg_write(): /proc/kmsg has no write
  const std::uint64_t len = from.total();
  if (len > kPrintkRecordMax) return err(Errno::inval);
  // printk_devkmsg=ratelimit: a write over the limit is dropped but reported done.
  if (!f.writes.allow(jiffies_at(c.k.now_ns()))) return static_cast<std::int64_t>(len);
  std::string buf(len, '\0');
  if (from.gather(c.k, c.t, 0, std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(buf.data()), len)) != len) {
    return err(Errno::fault);
  }
  // devkmsg_write(): the text is a C string (it ends at a NUL byte), after an optional
  // "<N>" whose low 3 bits are the level and the rest the facility, LOG_USER when 0.
  std::string_view line(buf.c_str());
  int level = kMessageLoglevelDefault;
  int facility = kLogUser;
  if (line.starts_with('<')) {
    const auto [v, digits] = parse_decimal(line.substr(1));
    if (1 + digits < line.size() && line[1 + digits] == '>') {
      const auto u = static_cast<std::uint32_t>(v);
      level = static_cast<int>(u & 7);
      if ((u >> 3) != 0) facility = static_cast<int>(u >> 3);
      line.remove_prefix(2 + digits);
    }
  }
  vprintk_emit(c.k, facility, level, line);
  return static_cast<std::int64_t>(len);
}

Result<std::uint64_t> kmsg_llseek(KmsgFile& f, std::int64_t offset, int whence) {
  if (f.proc) {
    // generic_file_llseek() of an inode of size 0.
    std::int64_t pos = offset;
    if (whence == kSeekCur) {
      pos += static_cast<std::int64_t>(f.pos);
    } else if (whence == kSeekData || whence == kSeekHole) {
      return Errno::nxio;  // no data at or after any offset of an empty file
    } else if (whence != kSeekSet && whence != kSeekEnd) {
      return Errno::inval;
    }
    if (pos < 0) return Errno::inval;
    f.pos = static_cast<std::uint64_t>(pos);
    return f.pos;
  }
  // devkmsg_llseek(): whole records only, so only offset 0; the result is 0.
  if (offset != 0) return Errno::spipe;
  const PrintkRingbuffer& ring = f.log->ring();
  switch (whence) {
    case kSeekSet: f.seq = ring.first_valid_seq(); break;
    case kSeekData: f.seq = f.log->clear_seq(); break;  // where `dmesg -c` left READ_ALL
    case kSeekEnd: f.seq = ring.next_seq(); break;
    default: return Errno::inval;
  }
  return std::uint64_t{0};
}

std::uint16_t kmsg_poll(KmsgFile& f) {
  if (f.proc) return f.log->syslog_size_unread(true) != 0 ? kPollIn | kPollRdnorm : 0;
  const PrintkRecord* r = f.log->ring().read_valid(f.seq);
  if (r == nullptr) return 0;
  // Records lost under the reader are an error (the next read is EPIPE).
  if (r->info.seq != f.seq) return kPollIn | kPollRdnorm | kPollErr | kPollPri;
  return kPollIn | kPollRdnorm;
}

}  // namespace vmlab::kern
