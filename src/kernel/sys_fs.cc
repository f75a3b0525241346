// File and path system calls (fs/stat.c, fs/namei.c, fs/open.c, fs/readdir.c,
// fs/sync.c, fs/d_path.c): the argument checks and user-memory layouts around the
// kernel's path entry points (struct stat and struct statx as riscv64 has them).
#include <array>
#include <cstring>
#include <optional>

#include "fs/file_time.h"
#include "fs/statfs.h"
#include "kernel/pipe.h"
#include "kernel/sys_handlers.h"
#include "kernel/kernel.h"
#include "kernel/user_mem.h"
#include "vmlab/fcntl.h"

namespace vmlab::kern {

namespace {

constexpr int kAtNoAutomount = 0x800;
constexpr int kAtPathFlags = kAtSymlinkNofollow | kAtEmptyPath;  // chmod, chown, utimensat
constexpr int kAtStatxSyncType = 0x6000;
constexpr std::uint32_t kSIfifo = 0010000;

int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }

void put16(std::uint8_t* b, std::size_t off, std::uint16_t v) { std::memcpy(b + off, &v, 2); }
void put32(std::uint8_t* b, std::size_t off, std::uint32_t v) { std::memcpy(b + off, &v, 4); }
void put64(std::uint8_t* b, std::size_t off, std::uint64_t v) { std::memcpy(b + off, &v, 8); }

// A file time as the realtime seconds and nanoseconds stat() reports.
void put_time(std::uint8_t* b, std::size_t off, std::int64_t ns, bool nsec32) {
  const fs::RealTime t = fs::to_realtime(ns);
  put64(b, off, static_cast<std::uint64_t>(t.sec));
  if (nsec32) put32(b, off + 8, static_cast<std::uint32_t>(t.nsec));
  else put64(b, off + 8, static_cast<std::uint64_t>(t.nsec));
}

// What fstat() says about a pipe end: a FIFO on pipefs, its mode, owner and times
// those of the pipe's inode.
FileStat pipe_stat(const PipeFile& f) {
  const fs::Inode& i = *f.pipe->inode;
  FileStat st{i.dev, i.ino, 0, 0, kSIfifo | i.mode, 1, i.uid, i.gid, 0};
  st.blksize = static_cast<std::uint32_t>(kPageSize);
  st.atime_ns = i.atime_ns;
  st.mtime_ns = i.mtime_ns;
  st.ctime_ns = i.ctime_ns;
  return st;
}

Result<FileStat> stat_fd(SysCtx& c, int fd) {
  if (fd >= 0 && static_cast<std::size_t>(fd) < c.t.files->fds.size() && c.t.files->fds[static_cast<std::size_t>(fd)]) {
    if (PipeFile* pf = as_pipe(*c.t.files->fds[static_cast<std::size_t>(fd)])) return pipe_stat(*pf);
  }
  return c.k.fstat(c.t, fd);
}

// cp_new_stat(): the asm-generic struct stat of riscv64, 128 bytes.
std::int64_t put_stat(SysCtx& c, VirtAddr addr, const FileStat& st) {
  std::uint8_t b[128] = {};
  put64(b, 0, st.dev);
  put64(b, 8, st.ino);
  put32(b, 16, st.mode);
  put32(b, 20, st.nlink);
  put32(b, 24, st.uid);
  put32(b, 28, st.gid);
  put64(b, 32, st.rdev);
  put64(b, 48, st.size);
  put32(b, 56, st.blksize);
  put64(b, 64, st.blocks);
  put_time(b, 72, st.atime_ns, false);
  put_time(b, 88, st.mtime_ns, false);
  put_time(b, 104, st.ctime_ns, false);
  return c.k.copy_to_user(c.t, addr, b) ? 0 : err(Errno::fault);
}

// cp_statx(): struct statx, 256 bytes, with the basic fields (STATX_BASIC_STATS).
std::int64_t put_statx(SysCtx& c, VirtAddr addr, const FileStat& st) {
  std::uint8_t b[256] = {};
  put32(b, 0, 0x7ff);  // stx_mask: STATX_BASIC_STATS
  put32(b, 4, st.blksize);
  put32(b, 16, st.nlink);
  put32(b, 20, st.uid);
  put32(b, 24, st.gid);
  put16(b, 28, static_cast<std::uint16_t>(st.mode));
  put64(b, 32, st.ino);
  put64(b, 40, st.size);
  put64(b, 48, st.blocks);
  // stx_atime, stx_ctime, stx_mtime (sec, nsec); stx_btime (80) is not reported.
  put_time(b, 64, st.atime_ns, true);
  put_time(b, 96, st.ctime_ns, true);
  put_time(b, 112, st.mtime_ns, true);
  put32(b, 128, st.rdev >> 8);
  put32(b, 132, st.rdev & 0xff);
  put32(b, 136, static_cast<std::uint32_t>(st.dev >> 8));
  put32(b, 140, static_cast<std::uint32_t>(st.dev & 0xff));
  return c.k.copy_to_user(c.t, addr, b) ? 0 : err(Errno::fault);
}

// do_statfs_native(): the asm-generic struct statfs of a 64-bit machine, 120 bytes,
// every count a long.
std::int64_t put_statfs(SysCtx& c, VirtAddr addr, const fs::StatFs& st) {
  std::uint8_t b[120] = {};
  put64(b, 0, st.type);
  put64(b, 8, st.bsize);
  put64(b, 16, st.blocks);
  put64(b, 24, st.bfree);
  put64(b, 32, st.bavail);
  put64(b, 40, st.files);
  put64(b, 48, st.ffree);
  put32(b, 56, st.fsid[0]);
  put32(b, 60, st.fsid[1]);
  put64(b, 64, st.namelen);
  put64(b, 72, st.frsize);
  put64(b, 80, st.flags);
  return c.k.copy_to_user(c.t, addr, b) ? 0 : err(Errno::fault);
}

// vfs_fstatat(): an empty path with AT_EMPTY_PATH names the descriptor itself.
Result<FileStat> stat_at(SysCtx& c, int dirfd, VirtAddr path_addr, int flags) {
  std::string path;
  if (path_addr != 0 || !(flags & kAtEmptyPath)) {
    auto p = get_path(c.k, c.t, path_addr);
    if (!p) return p.error();
    path = std::move(*p);
  }
  if (path.empty()) {
    if (!(flags & kAtEmptyPath)) return Errno::noent;
    if (dirfd != kAtFdcwd) return stat_fd(c, dirfd);
  }
  return c.k.fstatat(c.t, dirfd, path, flags);
}

bool is_pipe_fd(SysCtx& c, int fd) {
  return fd >= 0 && static_cast<std::size_t>(fd) < c.t.files->fds.size() && c.t.files->fds[static_cast<std::size_t>(fd)] &&
         as_pipe(*c.t.files->fds[static_cast<std::size_t>(fd)]) != nullptr;
}

}  // namespace

std::int64_t sys_fstat(SysCtx& c, const SysArgs& a) {
  auto st = stat_fd(c, as_int(a[0]));
  if (!st) return err(st.error());
  return put_stat(c, a[1], *st);
}

std::int64_t sys_newfstatat(SysCtx& c, const SysArgs& a) {
  const int flags = as_int(a[3]);
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath | kAtNoAutomount)) return err(Errno::inval);
  auto st = stat_at(c, as_int(a[0]), a[1], flags);
  if (!st) return err(st.error());
  return put_stat(c, a[2], *st);
}

std::int64_t sys_statx(SysCtx& c, const SysArgs& a) {
  const int flags = as_int(a[2]);
  const std::uint32_t mask = static_cast<std::uint32_t>(a[3]);
  if ((flags & kAtStatxSyncType) == kAtStatxSyncType) return err(Errno::inval);
  if (flags & ~(kAtSymlinkNofollow | kAtNoAutomount | kAtEmptyPath | kAtStatxSyncType)) return err(Errno::inval);
  if (mask & 0x80000000U) return err(Errno::inval);  // STATX__RESERVED
  auto st = stat_at(c, as_int(a[0]), a[1], flags & (kAtSymlinkNofollow | kAtEmptyPath));
  if (!st) return err(st.error());
  return put_statx(c, a[4], *st);
}

std::int64_t sys_getdents64(SysCtx& c, const SysArgs& a) {
  if (is_pipe_fd(c, as_int(a[0]))) return err(Errno::notdir);
  return ret(c.k.getdents64(c.t, as_int(a[0]), a[1], a[2]));
}

std::int64_t sys_readlinkat(SysCtx& c, const SysArgs& a) {
  const int bufsiz = as_int(a[3]);
  if (bufsiz <= 0) return err(Errno::inval);
  auto path = get_path(c.k, c.t, a[1]);
  if (!path) return err(path.error());
  auto target = c.k.readlinkat(c.t, as_int(a[0]), *path);
  if (!target) return err(target.error());
  const std::size_t n = std::min<std::size_t>(target->size(), static_cast<std::size_t>(bufsiz));
  if (!c.k.copy_to_user(c.t, a[2], std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(target->data()), n)))
    return err(Errno::fault);
  return static_cast<std::int64_t>(n);
}

std::int64_t sys_faccessat2(SysCtx& c, const SysArgs& a) {
  const int mode = as_int(a[2]);
  const int flags = as_int(a[3]);
  if (mode & ~(kROk | kWOk | kXOk)) return err(Errno::inval);
  if (flags & ~(kAtEaccess | kAtSymlinkNofollow | kAtEmptyPath)) return err(Errno::inval);
  auto path = get_path(c.k, c.t, a[1]);
  if (!path) return err(path.error());
  if (path->empty() && !(flags & kAtEmptyPath)) return err(Errno::noent);
  return ret(c.k.faccessat(c.t, as_int(a[0]), *path, mode, flags));
}

std::int64_t sys_faccessat(SysCtx& c, const SysArgs& a) {
  SysArgs b = a;
  b[3] = 0;
  return sys_faccessat2(c, b);
}

std::int64_t sys_ftruncate(SysCtx& c, const SysArgs& a) {
  return ret(c.k.ftruncate(c.t, as_int(a[0]), a[1]));
}

// vfs_fsync_range(): a file without an fsync operation (a pipe) is EINVAL.
std::int64_t sys_fsync(SysCtx& c, const SysArgs& a) {
  if (is_pipe_fd(c, as_int(a[0]))) return err(Errno::inval);
  return ret(c.k.fsync(c.t, as_int(a[0])));
}

std::int64_t sys_fdatasync(SysCtx& c, const SysArgs& a) { return sys_fsync(c, a); }

std::int64_t sys_statfs(SysCtx& c, const SysArgs& a) {
  auto path = get_path(c.k, c.t, a[0]);
  if (!path) return err(path.error());
  auto st = c.k.statfs(c.t, *path);
  if (!st) return err(st.error());
  return put_statfs(c, a[1], *st);
}

std::int64_t sys_fstatfs(SysCtx& c, const SysArgs& a) {
  auto st = c.k.fstatfs(c.t, as_int(a[0]));
  if (!st) return err(st.error());
  return put_statfs(c, a[1], *st);
}

// do_fchmodat(): the flags, then the name (empty only with AT_EMPTY_PATH).
std::int64_t sys_fchmodat2(SysCtx& c, const SysArgs& a) {
  const int flags = as_int(a[3]);
  if (flags & ~kAtPathFlags) return err(Errno::inval);
  auto path = get_path(c.k, c.t, a[1]);
  if (!path) return err(path.error());
  return ret(c.k.fchmodat(c.t, as_int(a[0]), *path, static_cast<std::uint32_t>(a[2]), flags));
}

// The three-argument fchmodat() has no flags: whatever is in a3 is not read.
std::int64_t sys_fchmodat(SysCtx& c, const SysArgs& a) {
  SysArgs b = a;
  b[3] = 0;
  return sys_fchmodat2(c, b);
}

std::int64_t sys_fchmod(SysCtx& c, const SysArgs& a) {
  return ret(c.k.fchmod(c.t, as_int(a[0]), static_cast<std::uint32_t>(a[1])));
}

std::int64_t sys_fchownat(SysCtx& c, const SysArgs& a) {
  const int flags = as_int(a[4]);
  if (flags & ~kAtPathFlags) return err(Errno::inval);
  auto path = get_path(c.k, c.t, a[1]);
  if (!path) return err(path.error());
  return ret(c.k.fchownat(c.t, as_int(a[0]), *path, static_cast<std::uint32_t>(a[2]),
                          static_cast<std::uint32_t>(a[3]), flags));
}

std::int64_t sys_fchown(SysCtx& c, const SysArgs& a) {
  return ret(c.k.fchown(c.t, as_int(a[0]), static_cast<std::uint32_t>(a[1]), static_cast<std::uint32_t>(a[2])));
}

// SYSCALL_DEFINE4(utimensat): the times are read first (struct __kernel_timespec,
// unchecked until vfs_utimes()); when both are UTIME_OMIT there is nothing to do and
// the name is not even looked at.
std::int64_t sys_utimensat(SysCtx& c, const SysArgs& a) {
  std::array<fs::RealTime, 2> times;
  if (a[2] != 0) {
    auto raw = get_user<std::array<std::int64_t, 4>>(c.k, c.t, a[2]);
    if (!raw) return err(raw.error());
    times = {fs::RealTime{(*raw)[0], (*raw)[1]}, fs::RealTime{(*raw)[2], (*raw)[3]}};
    if (times[0].nsec == kUtimeOmit && times[1].nsec == kUtimeOmit) return 0;
  }
  std::optional<std::string> path;
  if (a[1] != 0) {
    auto p = get_path(c.k, c.t, a[1]);
    if (!p) return err(p.error());
    path = std::move(*p);
  }
  return ret(c.k.utimensat(c.t, as_int(a[0]), path ? std::optional<std::string_view>(*path) : std::nullopt,
                           a[2] != 0 ? &times : nullptr, as_int(a[3])));
}

// do_renameat2(): the flags, then the old name and its directory, then the new name.
std::int64_t sys_renameat2(SysCtx& c, const SysArgs& a) {
  const auto flags = static_cast<unsigned>(a[4]);
  if (auto r = Kernel::check_rename_flags(flags); !r) return err(r.error());
  auto from = get_path(c.k, c.t, a[1]);
  if (!from) return err(from.error());
  auto to = get_path(c.k, c.t, a[3]);
  if (!to) {
    if (auto r = c.k.lookup_parent(c.t, as_int(a[0]), *from); !r) return err(r.error());
    return err(to.error());
  }
  return ret(c.k.renameat2(c.t, as_int(a[0]), *from, as_int(a[2]), *to, flags));
}

std::int64_t sys_unlinkat(SysCtx& c, const SysArgs& a) {
  const int flags = as_int(a[2]);
  if (flags & ~kAtRemovedir) return err(Errno::inval);
  auto path = get_path(c.k, c.t, a[1]);
  if (!path) return err(path.error());
  if (path->empty()) return err(Errno::noent);
  return ret(c.k.unlinkat(c.t, as_int(a[0]), *path, flags));
}

std::int64_t sys_mkdirat(SysCtx& c, const SysArgs& a) {
  auto path = get_path(c.k, c.t, a[1]);
  if (!path) return err(path.error());
  if (path->empty()) return err(Errno::noent);
  return ret(c.k.mkdirat(c.t, as_int(a[0]), *path, static_cast<std::uint32_t>(a[2])));
}

std::int64_t sys_symlinkat(SysCtx& c, const SysArgs& a) {
  auto target = get_path(c.k, c.t, a[0]);
  if (!target) return err(target.error());
  auto path = get_path(c.k, c.t, a[2]);
  if (!path) return err(path.error());
  if (path->empty()) return err(Errno::noent);
  return ret(c.k.symlinkat(c.t, *target, as_int(a[1]), *path));
}

// The raw getcwd() returns the length with the NUL; ERANGE when it does not fit.
std::int64_t sys_getcwd(SysCtx& c, const SysArgs& a) {
  const std::string cwd = c.k.getcwd(c.t);
  if (a[1] < cwd.size() + 1) return err(Errno::range);
  if (!c.k.copy_to_user(c.t, a[0], std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(cwd.c_str()),
                                                                 cwd.size() + 1)))
    return err(Errno::fault);
  return static_cast<std::int64_t>(cwd.size() + 1);
}

std::int64_t sys_chdir(SysCtx& c, const SysArgs& a) {
  auto path = get_path(c.k, c.t, a[0]);
  if (!path) return err(path.error());
  if (path->empty()) return err(Errno::noent);
  return ret(c.k.chdir(c.t, *path));
}

std::int64_t sys_fchdir(SysCtx& c, const SysArgs& a) {
  if (is_pipe_fd(c, as_int(a[0]))) return err(Errno::notdir);
  return ret(c.k.fchdir(c.t, as_int(a[0])));
}

}  // namespace vmlab::kern
