// Descriptor system calls (fs/read_write.c, fs/open.c, fs/file.c, fs/fcntl.c,
// fs/ioctl.c, fs/pipe.c): open and close, the read/write family on files and pipes,
// pipe2, dup, fcntl and ioctl. Descriptor flags (FD_CLOEXEC) live in the task; the
// file descriptions in the process's table.
#include <algorithm>

#include "kernel/kmsg_file.h"
#include "kernel/pipe.h"
#include "kernel/pipe_io.h"
#include "kernel/sys_handlers.h"
#include "kernel/kernel.h"
#include "kernel/user_mem.h"
#include "vmlab/fcntl.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

namespace {

constexpr int kONonblock = 04000, kODirect = 040000, kOLargefile = 0100000, kONoatime = 01000000;
constexpr int kOAsync = 020000, kONoctty = 0400;
constexpr std::uint64_t kMaxRwCount = 0x7ffff000;  // INT_MAX & PAGE_MASK
constexpr std::uint64_t kUioMaxIov = 1024;

int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }

std::shared_ptr<fs::OpenFile> fd_get(SysCtx& c, int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= c.t.files->fds.size()) return nullptr;
  return c.t.files->fds[static_cast<std::size_t>(fd)];
}

// alloc_fd(): the lowest free descriptor at or above `min`, below RLIMIT_NOFILE.
Result<int> alloc_fd(SysCtx& c, int min) {
  const std::uint64_t limit = c.t.tg->rlimits[kRlimitNofile].cur;
  std::size_t fd = static_cast<std::size_t>(std::max(min, 0));
  while (fd < c.t.files->fds.size() && c.t.files->fds[fd]) ++fd;
  if (fd >= limit) return Errno::mfile;
  return static_cast<int>(fd);
}

void install(SysCtx& c, int fd, std::shared_ptr<fs::OpenFile> f, bool cloexec) {
  const auto i = static_cast<std::size_t>(fd);
  if (i >= c.t.files->fds.size()) c.t.files->fds.resize(i + 1);
  c.t.files->fds[i] = std::move(f);
  c.t.files->set_cloexec(fd, cloexec);
}

// access_ok(): the whole buffer below the top of the user address space.
bool access_ok(SysCtx& c, VirtAddr addr, std::uint64_t len) {
  const std::uint64_t top = c.t.mm->task_size;
  return len <= top && addr <= top - len;
}

// import_iovec(): EINVAL for too many segments or a negative length, EFAULT for an
// unreadable array; the total is cut at MAX_RW_COUNT.
Result<UserBuffers> import_iovec(SysCtx& c, VirtAddr vec, std::uint64_t count) {
  if (count > kUioMaxIov) return Errno::inval;
  UserBuffers out;
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    auto iov = get_user<std::array<std::uint64_t, 2>>(c.k, c.t, vec + 16 * i);
    if (!iov) return Errno::fault;
    std::uint64_t len = (*iov)[1];
    if (static_cast<std::int64_t>(len) < 0) return Errno::inval;
    if (!access_ok(c, (*iov)[0], len)) return Errno::fault;
    len = std::min(len, kMaxRwCount - total);
    out.add((*iov)[0], len);
    total += len;
  }
  return out;
}

// Reads or writes a regular file (or device) through the kernel, a segment at a time,
// stopping at a short transfer; the error of the first segment, else the count.
std::int64_t file_rw(SysCtx& c, int fd, const UserBuffers& bufs, bool write, const std::uint64_t* pos) {
  std::uint64_t done = 0;
  for (const auto& [base, len] : bufs.segments()) {
    Result<std::uint64_t> r = Errno::inval;
    if (pos != nullptr) {
      r = write ? c.k.pwrite(c.t, fd, base, len, *pos + done) : c.k.pread(c.t, fd, base, len, *pos + done);
    } else {
      r = write ? c.k.write(c.t, fd, base, len) : c.k.read(c.t, fd, base, len);
    }
    if (!r) return done ? static_cast<std::int64_t>(done) : err(r.error());
    done += *r;
    if (*r < len) break;
  }
  return static_cast<std::int64_t>(done);
}

std::int64_t do_rw(SysCtx& c, int fd, const UserBuffers& bufs, bool write, const std::uint64_t* pos) {
  auto f = fd_get(c, fd);
  if (!f) return err(Errno::badf);
  if (write ? !f->writable() : !f->readable()) return err(Errno::badf);
  if (PipeFile* pf = as_pipe(*f)) {
    if (pos != nullptr) return err(Errno::spipe);
    return write ? pipe_write(c, *pf, bufs) : pipe_read(c, *pf, bufs);
  }
  // readv and writev of the kernel log's files; nothing at all is nothing to do
  // (vfs_readv(), vfs_writev()).
  if (KmsgFile* kf = as_kmsg(*f)) {
    if (bufs.total() == 0) return 0;
    return write ? kmsg_write(c, *kf, bufs) : kmsg_readv(c, *kf, bufs);
  }
  if (bufs.total() == 0 && !f->inode->is_dir()) return 0;
  return file_rw(c, fd, bufs, write, pos);
}

std::int64_t rw_one(SysCtx& c, const SysArgs& a, bool write, const std::uint64_t* pos) {
  const int fd = as_int(a[0]);
  auto f = fd_get(c, fd);
  if (!f) return err(Errno::badf);
  if (write ? !f->writable() : !f->readable()) return err(Errno::badf);
  if (!access_ok(c, a[1], a[2])) return err(Errno::fault);
  // The kernel log's files see even a count of 0 (vfs_read() and vfs_write() have no
  // shortcut), and ignore the position (pread and pwrite act as read and write).
  if (KmsgFile* kf = as_kmsg(*f)) {
    const std::uint64_t len = std::min(a[2], kMaxRwCount);
    return write ? kmsg_write(c, *kf, UserBuffers(a[1], len)) : kmsg_read(c, *kf, a[1], len);
  }
  return do_rw(c, fd, UserBuffers(a[1], std::min(a[2], kMaxRwCount)), write, pos);
}

std::int64_t rw_vec(SysCtx& c, const SysArgs& a, bool write) {
  const int fd = as_int(a[0]);
  if (!fd_get(c, fd)) return err(Errno::badf);
  auto bufs = import_iovec(c, a[1], a[2]);
  if (!bufs) return err(bufs.error());
  return do_rw(c, fd, *bufs, write, nullptr);
}

// What F_GETFL reports: the open flags without the ones that only act at open
// (O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_CLOEXEC), with O_LARGEFILE as 64-bit opens
// add it; pipe ends have only their access mode and O_NONBLOCK / O_DIRECT.
int file_flags(fs::OpenFile& f) {
  const int strip = kOCreat | kOExcl | kONoctty | kOTrunc | kOCloexec;
  if (as_pipe(f) != nullptr) return f.flags & ~strip;
  return (f.flags & ~strip) | kOLargefile;
}

}  // namespace

std::int64_t sys_openat(SysCtx& c, const SysArgs& a) {
  auto path = get_path(c.k, c.t, a[1]);
  if (!path) return err(path.error());
  const int flags = as_int(a[2]);
  if (auto fd = alloc_fd(c, 0); !fd) return err(fd.error());
  auto fd = c.k.openat(c.t, as_int(a[0]), *path, flags, static_cast<std::uint32_t>(a[3]));
  if (!fd) return err(fd.error());
  c.t.files->set_cloexec(*fd, flags & kOCloexec);
  return *fd;
}

std::int64_t sys_close(SysCtx& c, const SysArgs& a) {
  const int fd = as_int(a[0]);
  auto r = c.k.close(c.t, fd);
  if (r) c.t.files->set_cloexec(fd, false);
  return ret(r);
}

std::int64_t sys_read(SysCtx& c, const SysArgs& a) { return rw_one(c, a, false, nullptr); }
std::int64_t sys_write(SysCtx& c, const SysArgs& a) { return rw_one(c, a, true, nullptr); }
std::int64_t sys_readv(SysCtx& c, const SysArgs& a) { return rw_vec(c, a, false); }
std::int64_t sys_writev(SysCtx& c, const SysArgs& a) { return rw_vec(c, a, true); }

std::int64_t sys_pread64(SysCtx& c, const SysArgs& a) {
  auto f = fd_get(c, as_int(a[0]));
  if (!f) return err(Errno::badf);
  if (as_pipe(*f)) return err(Errno::spipe);
  if (static_cast<std::int64_t>(a[3]) < 0) return err(Errno::inval);
  const std::uint64_t pos = a[3];
  return rw_one(c, a, false, &pos);
}

std::int64_t sys_pwrite64(SysCtx& c, const SysArgs& a) {
  auto f = fd_get(c, as_int(a[0]));
  if (!f) return err(Errno::badf);
  if (as_pipe(*f)) return err(Errno::spipe);
  if (static_cast<std::int64_t>(a[3]) < 0) return err(Errno::inval);
  const std::uint64_t pos = a[3];
  return rw_one(c, a, true, &pos);
}

// ksys_lseek(): a `whence` past SEEK_HOLE (4) is EINVAL before the file is asked, so
// a pipe answers ESPIPE only to a valid one (no_llseek()).
std::int64_t sys_lseek(SysCtx& c, const SysArgs& a) {
  constexpr std::uint32_t kSeekMax = 4;
  auto f = fd_get(c, as_int(a[0]));
  if (!f) return err(Errno::badf);
  if (static_cast<std::uint32_t>(a[2]) > kSeekMax) return err(Errno::inval);
  if (as_pipe(*f)) return err(Errno::spipe);
  return ret(c.k.lseek(c.t, as_int(a[0]), static_cast<std::int64_t>(a[1]), as_int(a[2])));
}

std::int64_t sys_pipe2(SysCtx& c, const SysArgs& a) {
  const int flags = as_int(a[1]);
  if (flags & ~(kOCloexec | kONonblock | kODirect)) return err(Errno::inval);
  auto rfd = alloc_fd(c, 0);
  if (!rfd) return err(rfd.error());
  // The second descriptor: the next free one after the first.
  std::size_t second = static_cast<std::size_t>(*rfd) + 1;
  while (second < c.t.files->fds.size() && c.t.files->fds[second]) ++second;
  if (second >= c.t.tg->rlimits[kRlimitNofile].cur) return err(Errno::mfile);
  const std::int32_t fds[2] = {*rfd, static_cast<std::int32_t>(second)};
  // The numbers reach the caller before the descriptors exist: nothing is
  // installed when they cannot be written.
  if (!put_user(c.k, c.t, a[0], fds)) return err(Errno::fault);
  PipeEnds ends = make_pipe(c.k.next_pipe_ino(), flags);
  // get_pipe_inode(): the creator's, made now.
  fs::Inode& inode = *ends.read->inode;
  inode.uid = c.t.tg->uid;
  inode.gid = c.t.tg->gid;
  inode.atime_ns = inode.mtime_ns = inode.ctime_ns = c.k.file_time_now();
  install(c, fds[0], ends.read, flags & kOCloexec);
  install(c, fds[1], ends.write, flags & kOCloexec);
  return 0;
}

std::int64_t sys_dup(SysCtx& c, const SysArgs& a) {
  auto f = fd_get(c, as_int(a[0]));
  if (!f) return err(Errno::badf);
  auto fd = alloc_fd(c, 0);
  if (!fd) return err(fd.error());
  install(c, *fd, f, false);
  return *fd;
}

std::int64_t sys_dup3(SysCtx& c, const SysArgs& a) {
  const int oldfd = as_int(a[0]);
  const std::uint32_t newfd = static_cast<std::uint32_t>(a[1]);
  const int flags = as_int(a[2]);
  if (flags & ~kOCloexec) return err(Errno::inval);
  if (static_cast<std::uint32_t>(oldfd) == newfd) return err(Errno::inval);
  if (newfd >= c.t.tg->rlimits[kRlimitNofile].cur) return err(Errno::badf);
  auto f = fd_get(c, oldfd);
  if (!f) return err(Errno::badf);
  // do_dup2(): whatever newfd held is closed quietly.
  if (fd_get(c, static_cast<int>(newfd))) (void)c.k.close(c.t, static_cast<int>(newfd));
  install(c, static_cast<int>(newfd), f, flags & kOCloexec);
  return newfd;
}

std::int64_t sys_fcntl(SysCtx& c, const SysArgs& a) {
  constexpr int kDupfd = 0, kGetfd = 1, kSetfd = 2, kGetfl = 3, kSetfl = 4, kGetlk = 5, kSetlk = 6, kSetlkw = 7;
  constexpr int kSetown = 8, kGetown = 9, kOfdGetlk = 36, kOfdSetlk = 37, kOfdSetlkw = 38;
  constexpr int kDupfdCloexec = 1030, kGetpipeSz = 1032;
  const int fd = as_int(a[0]);
  const int cmd = as_int(a[1]);
  auto f = fd_get(c, fd);
  if (!f) return err(Errno::badf);
  switch (cmd) {
    case kDupfd:
    case kDupfdCloexec: {
      if (a[2] >= c.t.tg->rlimits[kRlimitNofile].cur) return err(Errno::inval);
      auto nfd = alloc_fd(c, static_cast<int>(a[2]));
      if (!nfd) return err(nfd.error());
      install(c, *nfd, f, cmd == kDupfdCloexec);
      return *nfd;
    }
    case kGetfd:
      return c.t.files->fd_cloexec(fd) ? 1 : 0;
    case kSetfd:
      c.t.files->set_cloexec(fd, a[2] & 1);
      return 0;
    case kGetfl:
      return file_flags(*f);
    case kSetfl: {
      // setfl(): only these may change; the access mode and creation flags stay.
      const int mask = kOAppend | kONonblock | kODirect | kONoatime | kOAsync;
      f->flags = (f->flags & ~mask) | (as_int(a[2]) & mask);
      return 0;
    }
    case kGetlk:
    case kOfdGetlk: {
      // Record locks are not modelled: every lock is granted, none is ever held
      // against the caller (l_type = F_UNLCK).
      if (!put_user<std::int16_t>(c.k, c.t, a[2], 2)) return err(Errno::fault);
      return 0;
    }
    case kSetlk:
    case kSetlkw:
    case kOfdSetlk:
    case kOfdSetlkw: {
      if (!get_user<std::int16_t>(c.k, c.t, a[2])) return err(Errno::fault);
      return 0;
    }
    case kSetown:
      return 0;
    case kGetown:
      return 0;
    case kGetpipeSz:
      return as_pipe(*f) ? static_cast<std::int64_t>(Pipe::kCapacity) : err(Errno::badf);
    default:
      return err(Errno::inval);
  }
}

// Guests see no terminal: the tty requests are ENOTTY on every descriptor. The
// generic requests every file answers are kept.
std::int64_t sys_ioctl(SysCtx& c, const SysArgs& a) {
  constexpr std::uint32_t kFionclex = 0x5450, kFioclex = 0x5451, kFionbio = 0x5421, kFionread = 0x541b;
  const int fd = as_int(a[0]);
  auto f = fd_get(c, fd);
  if (!f) return err(Errno::badf);
  switch (static_cast<std::uint32_t>(a[1])) {
    case kFioclex:
      c.t.files->set_cloexec(fd, true);
      return 0;
    case kFionclex:
      c.t.files->set_cloexec(fd, false);
      return 0;
    case kFionbio: {
      auto on = get_user<std::int32_t>(c.k, c.t, a[2]);
      if (!on) return err(Errno::fault);
      f->flags = *on ? (f->flags | kONonblock) : (f->flags & ~kONonblock);
      return 0;
    }
    case kFionread: {
      std::int64_t n;
      if (PipeFile* pf = as_pipe(*f)) {
        n = static_cast<std::int64_t>(pf->pipe->size());
      } else if (f->inode->type == fs::InodeType::regular) {
        n = static_cast<std::int64_t>(f->inode->size) - static_cast<std::int64_t>(f->pos);
      } else {
        return err(Errno::notty);
      }
      return put_user<std::int32_t>(c.k, c.t, a[2], static_cast<std::int32_t>(n)) ? 0 : err(Errno::fault);
    }
    default:
      return err(Errno::notty);
  }
}

}  // namespace vmlab::kern
