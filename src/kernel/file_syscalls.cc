// File system calls: open, read, write and friends on files through the page cache
// (memfs and hostfs), the /dev devices, and /proc files rendered from live state.
// Paths are walked through the mount table (fs/vfs.h).
#include <algorithm>
#include <vector>

#include "fs/hostfs.h"
#include "mm/filemap.h"
#include "fs/path.h"
#include "kernel/file_stat.h"
#include "kernel/fs_state.h"
#include "kernel/kernel.h"
#include "kernel/kmsg_file.h"
#include "vmlab/fcntl.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

namespace {

bool is_proc_path(std::string_view p) { return p == "/proc" || p.starts_with("/proc/"); }

constexpr std::uint64_t kChunk = 64 * KiB;  // bounce buffer for read()/write()

// ACC_MODE(): what an open asks to do to the file; O_TRUNC writes.
int acc_mode(int flags) {
  const int acc = flags & kOAccmode;
  int may = acc == kORdonly ? fs::kMayRead : acc == kOWronly ? fs::kMayWrite : fs::kMayRead | fs::kMayWrite;
  if (flags & kOTrunc) may |= fs::kMayWrite;
  return may;
}

// The kernel log's files for a caller without a scheduler (the C++ API): as the system
// calls, but a read that would sleep is EAGAIN, as wait() is WNOHANG there.
Result<std::uint64_t> kmsg_call(Kernel& k, Task& p, KmsgFile* f, VirtAddr buf, std::uint64_t len, bool write) {
  SysCtx c{k, p, write ? 64U : 63U};
  const std::int64_t r = write ? kmsg_write(c, *f, UserBuffers(buf, len)) : kmsg_read(c, *f, buf, len);
  if (r == kSysBlocked) {
    p.wait = WaitState{};
    return Errno::again;
  }
  if (r < 0) return static_cast<Errno>(-r);
  return static_cast<std::uint64_t>(r);
}

}  // namespace

Result<std::shared_ptr<fs::OpenFile>> Kernel::fd_file(Task& p, int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= p.files->fds.size() || !p.files->fds[static_cast<std::size_t>(fd)]) {
    return Errno::badf;
  }
  return p.files->fds[static_cast<std::size_t>(fd)];
}

Result<fs::WalkResult> Kernel::walk_at(const Task& p, int dirfd, std::string_view path, unsigned flags) {
  std::string_view base = p.fs->cwd;
  // The descriptor matters only for a relative path (path_init()).
  if (!path.empty() && path.front() != '/' && dirfd != kAtFdcwd) {
    if (dirfd < 0 || static_cast<std::size_t>(dirfd) >= p.files->fds.size() || !p.files->fds[static_cast<std::size_t>(dirfd)]) {
      return Errno::badf;
    }
    const fs::OpenFile& f = *p.files->fds[static_cast<std::size_t>(dirfd)];
    if (!f.inode->is_dir()) return Errno::notdir;
    base = f.path;
  }
  return fs_->vfs.walk(p.caller(), base, path, flags);
}

Result<std::shared_ptr<fs::Inode>> Kernel::resolve(const Task& p, std::string_view path) {
  auto w = walk_at(p, kAtFdcwd, path, fs::kWalkFollow);
  if (!w) return w.error();
  return w->inode;
}

Result<int> Kernel::open(Task& p, std::string_view path, int flags, std::uint32_t mode) {
  return openat(p, kAtFdcwd, path, flags, mode);
}

Result<int> Kernel::openat(Task& p, int dirfd, std::string_view path, int flags, std::uint32_t mode) {
  const bool creat = flags & kOCreat;
  const bool excl = creat && (flags & kOExcl);
  // open_last_lookups(): O_CREAT|O_EXCL never follows a final symlink, O_NOFOLLOW neither.
  unsigned walk_flags = (excl || (flags & kONofollow)) ? 0 : fs::kWalkFollow;
  if (creat) walk_flags |= fs::kWalkCreate;
  auto w = walk_at(p, dirfd, path, walk_flags);
  if (!w) return w.error();
  const fs::Caller who = p.caller();
  std::shared_ptr<fs::Inode> inode = w->inode;
  if (!inode) {
    // lookup_open(): a new file in a directory the caller may write, on a writable mount.
    if (w->trailing_slash) return Errno::isdir;
    if (auto r = fs::permission(*w->dir, *w->dir_mount, fs::kMayWrite | fs::kMayExec, who); !r) return r.error();
    auto made = w->dir_mount->fs->create(*w->dir, w->name, mode & ~p.fs->umask & 07777, who);
    if (!made) return made.error();
    inode = *made;
    flags &= ~kOTrunc;  // a new file is empty, and its creator may open it as asked
  } else {
    if (excl) return Errno::exist;
    if (inode->is_symlink()) return Errno::loop;  // O_NOFOLLOW on a link
    if (creat && inode->is_dir()) return Errno::isdir;
    if ((flags & kODirectory) && !inode->is_dir()) return Errno::notdir;
    // may_open()
    const int may = acc_mode(flags);
    if (inode->is_dir() && (may & fs::kMayWrite)) return Errno::isdir;
    if (auto r = fs::permission(*inode, *w->mount, may, who); !r) return r.error();
  }
  std::shared_ptr<fs::OpenFile> file;
  if (is_kmsg_inode(*inode)) {
    // /dev/kmsg and /proc/kmsg: the kernel log's own open (kernel/kmsg_file.h).
    auto opened = open_kmsg(*this, p, inode, w->path, flags);
    if (!opened) return opened.error();
    file = std::move(*opened);
  } else {
    file = std::make_shared<fs::OpenFile>(inode, w->path, flags);
  }
  file->mount = w->mount;
  if (as_kmsg(*file) != nullptr) {
    // Nothing to render or truncate.
  } else if (inode->sb == fs_->procfs.get() && inode->type == fs::InodeType::regular) {
    // seq_file: the text is rendered at open. Only the files proc_write() knows take
    // writes (the others' modes already refused a writer, or they are not modelled).
    if ((flags & kOAccmode) != kORdonly && !proc_writable(w->path)) return Errno::acces;
    file->is_proc = true;
    if ((flags & kOAccmode) != kOWronly) {
      auto text = proc_text(w->path, &p);
      if (!text) return text.error();
      file->proc_text = std::move(*text);
    }
  } else if ((flags & kOTrunc) && file->writable() && inode->type == fs::InodeType::regular) {
    fs::file_truncate(sys_, *inode, 0);
  }
  // The lowest free descriptor.
  std::size_t fd = 0;
  while (fd < p.files->fds.size() && p.files->fds[fd]) ++fd;
  if (fd == p.files->fds.size()) p.files->fds.emplace_back();
  p.files->fds[fd] = std::move(file);
  return static_cast<int>(fd);
}

Result<void> Kernel::close(Task& p, int fd) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  // hostfs: what was written reaches the host file when it is closed (or synced).
  const fs::Inode& inode = *(*f)->inode;
  if ((*f)->writable() && inode.external && inode.type == fs::InodeType::regular) {
    mm::page_cache_writeback(sys_, *(*f)->inode, 0, ~0ULL);
  }
  p.files->fds[static_cast<std::size_t>(fd)].reset();
  return {};
}

Result<std::uint64_t> Kernel::rw(Task& p, fs::OpenFile& f, VirtAddr buf, std::uint64_t len, std::uint64_t pos,
                                 bool write) {
  fs::Inode& inode = *f.inode;
  if (write && f.is_proc) return proc_write(p, f, buf, len);  // one write() is one parse
  std::vector<std::uint8_t> bounce(std::min(len, kChunk));
  std::uint64_t done = 0;
  while (done < len) {
    // One user page at a time: as generic_perform_write() and filemap_read() do, a copy
    // that faults stops at that page and the call returns the bytes before it.
    const std::uint64_t n = std::min({len - done, kChunk, kPageSize - ((buf + done) & (kPageSize - 1))});
    std::span<std::uint8_t> chunk(bounce.data(), n);
    std::uint64_t moved = 0;
    if (write) {
      if (auto r = copy_from_user(p, chunk, buf + done); !r) return done ? Result<std::uint64_t>(done) : r.error();
      if (inode.type == fs::InodeType::char_device) {
        moved = n;  // /dev/null, /dev/zero and /dev/urandom swallow writes
      } else {
        auto r = fs::file_write(sys_, inode, pos + done, chunk.data(), n);
        if (!r) return done ? Result<std::uint64_t>(done) : r.error();
        moved = *r;
      }
    } else {
      if (f.is_proc) {
        const std::string& t = f.proc_text;
        moved = pos + done >= t.size() ? 0 : std::min<std::uint64_t>(n, t.size() - (pos + done));
        std::copy_n(t.data() + pos + done, moved, chunk.data());
      } else if (inode.type == fs::InodeType::char_device) {
        if (inode.rdev == kDevRandomRdev || inode.rdev == kDevUrandomRdev) {
          fs_->random.fill(chunk.data(), n);  // the seeded generator, never the host's
          moved = n;
        } else {
          moved = inode.rdev == kDevZero ? n : 0;  // /dev/null reads end of file
          std::fill_n(chunk.data(), moved, 0);
        }
      } else {
        auto r = fs::file_read(sys_, inode, pos + done, chunk.data(), n);
        if (!r) return done ? Result<std::uint64_t>(done) : r.error();
        moved = *r;
      }
      if (moved == 0) break;
      if (auto r = copy_to_user(p, buf + done, chunk.first(moved)); !r) {
        return done ? Result<std::uint64_t>(done) : r.error();
      }
    }
    done += moved;
    if (moved < n) break;
  }
  return done;
}

Result<std::uint64_t> Kernel::read(Task& p, int fd, VirtAddr buf, std::uint64_t len) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->readable()) return Errno::badf;
  if (KmsgFile* kf = as_kmsg(**f)) return kmsg_call(*this, p, kf, buf, len, false);
  if ((*f)->inode->is_dir()) return Errno::isdir;
  auto r = rw(p, **f, buf, len, (*f)->pos, false);
  if (r) (*f)->pos += *r;
  return r;
}

Result<std::uint64_t> Kernel::write(Task& p, int fd, VirtAddr buf, std::uint64_t len) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->writable()) return Errno::badf;
  if (KmsgFile* kf = as_kmsg(**f)) return kmsg_call(*this, p, kf, buf, len, true);
  if ((*f)->flags & kOAppend) (*f)->pos = (*f)->inode->size;
  auto r = rw(p, **f, buf, len, (*f)->pos, true);
  if (r) (*f)->pos += *r;
  return r;
}

Result<std::uint64_t> Kernel::pread(Task& p, int fd, VirtAddr buf, std::uint64_t len, std::uint64_t off) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->readable()) return Errno::badf;
  if (KmsgFile* kf = as_kmsg(**f)) return kmsg_call(*this, p, kf, buf, len, false);
  if ((*f)->inode->is_dir()) return Errno::isdir;
  // /dev/null is opened with FMODE_PREAD like any character device without
  // stream_open(): pread() reads end of file there, no ESPIPE (seen on 6.18).
  return rw(p, **f, buf, len, off, false);
}

Result<std::uint64_t> Kernel::pwrite(Task& p, int fd, VirtAddr buf, std::uint64_t len, std::uint64_t off) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->writable()) return Errno::badf;
  if (KmsgFile* kf = as_kmsg(**f)) return kmsg_call(*this, p, kf, buf, len, true);
  return rw(p, **f, buf, len, off, true);
}

Result<std::uint64_t> Kernel::lseek(Task& p, int fd, std::int64_t off, int whence) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (KmsgFile* kf = as_kmsg(**f)) return kmsg_llseek(*kf, off, whence);
  std::int64_t base = 0;
  switch (whence) {
    case kSeekSet: base = 0; break;
    case kSeekCur: base = static_cast<std::int64_t>((*f)->pos); break;
    case kSeekEnd:
      base = static_cast<std::int64_t>((*f)->is_proc ? (*f)->proc_text.size() : (*f)->inode->size);
      break;
    default: return Errno::inval;
  }
  const std::int64_t pos = base + off;
  if (pos < 0) return Errno::inval;
  (*f)->pos = static_cast<std::uint64_t>(pos);
  return (*f)->pos;
}

Result<void> Kernel::ftruncate(Task& p, int fd, std::uint64_t len) {
  if (static_cast<std::int64_t>(len) < 0) return Errno::inval;  // do_sys_ftruncate(): before the fd
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if ((*f)->inode->type != fs::InodeType::regular || !(*f)->writable() || (*f)->is_proc) return Errno::inval;
  if ((*f)->inode->swapfile) return Errno::txtbsy;  // notify_change(): an active swap file keeps its size
  fs::file_truncate(sys_, *(*f)->inode, len);
  return {};
}

Result<void> Kernel::fsync(Task& p, int fd) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if ((*f)->inode->type == fs::InodeType::regular && !(*f)->is_proc) {
    mm::page_cache_writeback(sys_, *(*f)->inode, 0, ~0ULL);
  }
  return {};
}

void Kernel::sync() {
  // ksys_sync(): every dirty page of every file, reachable by name or not.
  for (fs::Inode* inode : inodes()) {
    if (inode->type == fs::InodeType::regular) mm::page_cache_writeback(sys_, *inode, 0, ~0ULL);
  }
}

Result<FileStat> Kernel::fstat(Task& p, int fd) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  return file_stat(sys_, *(*f)->inode, (*f)->is_proc);
}

// Host-side access (no process, no permission checks), through the mount table.
Result<std::string> Kernel::read_whole_file(std::string_view path) {
  const std::string abs = fs::normalize_path("/", path);
  if (is_proc_path(abs)) return proc_text(abs, nullptr);
  auto w = fs_->vfs.walk(fs::Caller{}, "/", abs, fs::kWalkFollow);
  if (!w) return w.error();
  fs::Inode& inode = *w->inode;
  if (inode.is_dir()) return Errno::isdir;
  if (w->inode->sb == fs_->procfs.get()) return proc_text(w->path, nullptr);
  if (inode.type != fs::InodeType::regular) return std::string();
  std::string out(inode.size, '\0');
  auto r = fs::file_read(sys_, inode, 0, reinterpret_cast<std::uint8_t*>(out.data()), out.size());
  if (!r) return r.error();
  out.resize(*r);
  return out;
}

Result<void> Kernel::write_whole_file(std::string_view path, std::string_view contents, std::uint32_t mode) {
  auto w = fs_->vfs.walk(fs::Caller{}, "/", fs::normalize_path("/", path), fs::kWalkFollow | fs::kWalkCreate);
  if (!w) return w.error();
  std::shared_ptr<fs::Inode> inode = w->inode;
  if (!inode) {
    if (w->dir_mount->read_only) return Errno::rofs;
    // Made by the machine's user, as if they had written it from a shell.
    auto made = w->dir_mount->fs->create(*w->dir, w->name, mode, fs::Caller{fs::kGuestUser, fs::kGuestUser, 0});
    if (!made) return made.error();
    inode = *made;
  } else {
    if (inode->is_dir()) return Errno::isdir;
    if (w->mount->read_only) return Errno::rofs;
    if (inode->sb == fs_->procfs.get()) return Errno::acces;
    if (inode->type != fs::InodeType::regular) return Errno::inval;
  }
  fs::file_truncate(sys_, *inode, 0);
  auto r = fs::file_write(sys_, *inode, 0, reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size());
  if (!r) return r.error();
  if (inode->external) mm::page_cache_writeback(sys_, *inode, 0, ~0ULL);
  return {};
}

}  // namespace vmlab::kern
