// System calls on path names: stat, access, readlink, unlink, rmdir, mkdir, symlink,
// chdir. Each walks the path through the mount table (fs/vfs.h) and checks what
// Linux's fs/namei.c, fs/stat.c and fs/open.c check, in the same order, so the errno
// is Linux's.
#include "fs/filesystem.h"
#include "fs/hostfs.h"
#include "kernel/file_stat.h"
#include "kernel/fs_state.h"
#include "kernel/kernel.h"
#include "mm/frame.h"
#include "mm/memory_system.h"
#include "vmlab/fcntl.h"

namespace vmlab::kern {

namespace {

// st_blocks of a memfs file: the blocks on its "disk" (preallocated or written) plus
// dirty cached pages not yet written back (ext4 counts delayed-allocation blocks too).
std::uint64_t memfs_blocks(mm::MemorySystem& sys, const fs::Inode& i) {
  // Preallocated blocks, then the written ones past them, then delayed allocations.
  std::uint64_t pages = i.allocated_pages;
  for (const auto& [index, block] : i.store) pages += index >= i.allocated_pages;
  for (const auto& [index, pfn] : i.pages) {
    if (index >= i.allocated_pages && !i.store.count(index) && sys.frame(pfn).test(mm::PG_dirty)) ++pages;
  }
  return pages * (kPageSize / 512);
}

}  // namespace

FileStat file_stat(mm::MemorySystem& sys, const fs::Inode& i, bool proc_file) {
  FileStat st{i.dev, i.ino, i.size, 0, fs::mode_type_bits(i) | i.mode, i.nlink, i.uid, i.gid, i.rdev};
  const bool procfs = i.sb != nullptr && i.sb->type_name() == "proc";
  if (proc_file || procfs) {
    st.size = 0;
  } else if (i.external) {
    st.blocks = i.external->blocks();
  } else if (i.is_dir()) {
    st.size = kPageSize;  // one directory block
    st.blocks = kPageSize / 512;
  } else if (i.type == fs::InodeType::regular) {
    st.blocks = memfs_blocks(sys, i);
  }
  st.atime_ns = i.atime_ns;
  st.mtime_ns = i.mtime_ns;
  st.ctime_ns = i.ctime_ns;
  return st;
}

Result<FileStat> Kernel::fstatat(Task& p, int dirfd, std::string_view path, int flags) {
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath | 0x800 /* AT_NO_AUTOMOUNT */)) return Errno::inval;
  if (path.empty() && (flags & kAtEmptyPath)) {
    if (dirfd == kAtFdcwd) return stat(p, ".");
    return fstat(p, dirfd);
  }
  auto w = walk_at(p, dirfd, path, (flags & kAtSymlinkNofollow) ? 0 : fs::kWalkFollow);
  if (!w) return w.error();
  return file_stat(sys_, *w->inode);
}

Result<FileStat> Kernel::stat(Task& p, std::string_view path) { return fstatat(p, kAtFdcwd, path, 0); }

Result<FileStat> Kernel::lstat(Task& p, std::string_view path) {
  return fstatat(p, kAtFdcwd, path, kAtSymlinkNofollow);
}

Result<void> Kernel::faccessat(Task& p, int dirfd, std::string_view path, int mode, int flags) {
  // do_faccessat(): bad modes and flags first.
  if (mode & ~(kROk | kWOk | kXOk)) return Errno::inval;
  if (flags & ~(kAtEaccess | kAtSymlinkNofollow | kAtEmptyPath)) return Errno::inval;
  if (path.empty() && (flags & kAtEmptyPath) && dirfd != kAtFdcwd) {
    auto f = fd_file(p, dirfd);
    if (!f) return f.error();
    if (mode == kFOk || !(*f)->mount) return {};
    return fs::permission(*(*f)->inode, *(*f)->mount, mode, p.caller());
  }
  auto w = walk_at(p, dirfd, path, (flags & kAtSymlinkNofollow) ? 0 : fs::kWalkFollow);
  if (!w) return w.error();
  if (mode == kFOk) return {};
  // inode_permission() says EROFS for writing to a read-only mount ("SuS v2 requires
  // we report a read only fs too"), EACCES where the mode bits refuse.
  return fs::permission(*w->inode, *w->mount, mode, p.caller());
}

Result<std::string> Kernel::readlinkat(Task& p, int dirfd, std::string_view path) {
  if (path.empty()) return Errno::noent;
  auto w = walk_at(p, dirfd, path, 0);
  if (!w) return w.error();
  if (!w->inode->is_symlink()) return Errno::inval;
  return w->mount->fs->readlink(*w->inode, p.caller());
}

Result<void> Kernel::unlink(Task& p, std::string_view path) { return unlinkat(p, kAtFdcwd, path, 0); }

Result<void> Kernel::mkdir(Task& p, std::string_view path, std::uint32_t mode) {
  return mkdirat(p, kAtFdcwd, path, mode);
}

Result<void> Kernel::unlinkat(Task& p, int dirfd, std::string_view path, int flags) {
  if (flags & ~kAtRemovedir) return Errno::inval;
  const bool rmdir = flags & kAtRemovedir;
  auto w = walk_at(p, dirfd, path, fs::kWalkCreate);
  if (!w) return w.error();
  // do_rmdir()/do_unlinkat(): "." and ".." first, then the mount, then the name.
  if (w->last_is_dot) return rmdir ? Errno::inval : Errno::isdir;
  if (w->last_is_dotdot) return rmdir ? Errno::notempty : Errno::isdir;
  if (w->path == "/") return rmdir ? Errno::busy : Errno::isdir;
  if (w->dir_mount->read_only) return Errno::rofs;
  if (!w->inode) return Errno::noent;
  if (auto r = fs::may_delete(*w->dir, *w->dir_mount, *w->inode, w->mount_root, rmdir, p.caller()); !r) {
    return r.error();
  }
  if (rmdir) return w->dir_mount->fs->rmdir(*w->dir, w->name);
  return w->dir_mount->fs->unlink(*w->dir, w->name);  // evicted when its last user lets go
}

Result<void> Kernel::mkdirat(Task& p, int dirfd, std::string_view path, std::uint32_t mode) {
  auto w = walk_at(p, dirfd, path, fs::kWalkCreate);
  if (!w) return w.error();
  // filename_create(): an existing name is EEXIST before a read-only mount is EROFS.
  if (w->inode) return Errno::exist;
  if (w->dir_mount->read_only) return Errno::rofs;
  const fs::Caller who = p.caller();
  if (auto r = fs::permission(*w->dir, *w->dir_mount, fs::kMayWrite | fs::kMayExec, who); !r) return r.error();
  return w->dir_mount->fs->mkdir(*w->dir, w->name, mode & ~p.fs->umask & 01777, who);
}

Result<void> Kernel::symlinkat(Task& p, std::string_view target, int dirfd, std::string_view path) {
  if (target.empty()) return Errno::noent;
  if (target.size() >= fs::kPathMax) return Errno::nametoolong;
  auto w = walk_at(p, dirfd, path, fs::kWalkCreate);
  if (!w) return w.error();
  if (w->inode) return Errno::exist;
  if (w->trailing_slash) return Errno::noent;
  if (w->dir_mount->read_only) return Errno::rofs;
  const fs::Caller who = p.caller();
  if (auto r = fs::permission(*w->dir, *w->dir_mount, fs::kMayWrite | fs::kMayExec, who); !r) return r.error();
  return w->dir_mount->fs->symlink(*w->dir, w->name, std::string(target), who);
}

Result<void> Kernel::chdir(Task& p, std::string_view path) {
  auto w = walk_at(p, kAtFdcwd, path, fs::kWalkFollow);
  if (!w) return w.error();
  if (!w->inode->is_dir()) return Errno::notdir;
  if (auto r = fs::permission(*w->inode, *w->mount, fs::kMayExec, p.caller()); !r) return r.error();
  p.fs->cwd = w->path;
  return {};
}

Result<void> Kernel::fchdir(Task& p, int fd) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->inode->is_dir()) return Errno::notdir;
  if ((*f)->mount) {
    if (auto r = fs::permission(*(*f)->inode, *(*f)->mount, fs::kMayExec, p.caller()); !r) return r.error();
  }
  p.fs->cwd = (*f)->path;
  return {};
}

}  // namespace vmlab::kern
