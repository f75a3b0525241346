// The kernel log's two files (kernel/printk/printk.c kmsg_fops, fs/proc/kmsg.c).
//
// /dev/kmsg (char 1:11, crw-r--r-- root): each open file has its own position, a
// record sequence number starting at the oldest record. A read returns exactly one
// record in /dev/kmsg's format (kernel/printk_format.h), EINVAL when the buffer is too
// small (the record is skipped all the same), EPIPE once when records were lost under
// the reader (it then continues from the oldest), and sleeps, or is EAGAIN with
// O_NONBLOCK, when there is none yet. A write of at most 1024 bytes stores one record
// of facility LOG_USER, or of the "<N>" prefix's facility and level when it has one;
// writes from one open file are rate-limited to 10 per 5 s (printk_devkmsg=ratelimit),
// the others dropped silently and counted in a warning when the file is released.
// lseek takes offset 0 only: SEEK_SET (the oldest record), SEEK_DATA (the first after
// the last SYSLOG_ACTION_CLEAR) and SEEK_END (after the newest). Opening it for reading
// needs what syslog's READ_ALL needs (kernel/syslog.h).
//
// /proc/kmsg (-r-------- root): syslog's own reader, shared by everyone who opens it:
// read() is SYSLOG_ACTION_READ (consuming), poll() asks SYSLOG_ACTION_SIZE_UNREAD.
//
// Invariant: every open file description of a kmsg inode (is_kmsg_inode()) is a
// KmsgFile, made by open_kmsg(); as_kmsg() relies on it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fs/inode.h"
#include "kernel/pipe_io.h"
#include "kernel/ratelimit.h"
#include "kernel/syscall_table.h"

namespace vmlab::kern {

class Kernel;
class KernelLog;

class KmsgFile : public fs::OpenFile {
 public:
  KmsgFile(std::shared_ptr<KernelLog> log, std::shared_ptr<fs::Inode> inode, std::string path, int flags, bool proc);
  // devkmsg_release(): ratelimit_state_exit() logs how many writes were dropped.
  ~KmsgFile();
  KmsgFile(const KmsgFile&) = delete;
  KmsgFile& operator=(const KmsgFile&) = delete;

  const std::shared_ptr<KernelLog> log;  // kept alive while the file is open
  const bool proc;                       // /proc/kmsg, not /dev/kmsg
  std::uint64_t seq = 0;                 // /dev/kmsg: devkmsg_user.seq, the next record to read
  Ratelimit writes{kDefaultRatelimitInterval, kDefaultRatelimitBurst};  // /dev/kmsg: devkmsg_user.rs
};

// /dev/kmsg's device or /proc/kmsg's inode.
bool is_kmsg_inode(const fs::Inode& inode);
// The KmsgFile `f` is, or null for any other file.
KmsgFile* as_kmsg(fs::OpenFile& f);

// devkmsg_open(), kmsg_open(): the permission check of the log, then the file.
Result<std::shared_ptr<fs::OpenFile>> open_kmsg(Kernel& k, Task& t, std::shared_ptr<fs::Inode> inode,
                                                std::string path, int flags);

// read(2) of `count` bytes at `buf` (devkmsg_read(), kmsg_read()): the count, -errno
// or kSysBlocked.
std::int64_t kmsg_read(SysCtx& c, KmsgFile& f, VirtAddr buf, std::uint64_t count);
// readv(2): the file has ->read only, so each segment is one read() until one comes
// back short (do_loop_readv_writev()).
std::int64_t kmsg_readv(SysCtx& c, KmsgFile& f, const UserBuffers& to);
// write(2) and writev(2) (devkmsg_write(), one record of all the bytes).
std::int64_t kmsg_write(SysCtx& c, KmsgFile& f, const UserBuffers& from);
// lseek(2): devkmsg_llseek(), or generic_file_llseek() on /proc/kmsg's empty inode.
Result<std::uint64_t> kmsg_llseek(KmsgFile& f, std::int64_t offset, int whence);
// poll(2): devkmsg_poll(), kmsg_poll() (POLL* bits of kernel/poll.h).
std::uint16_t kmsg_poll(KmsgFile& f);

}  // namespace vmlab::kern
