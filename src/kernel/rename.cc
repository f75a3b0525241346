// rename(2) (fs/namei.c do_renameat2() and vfs_rename()): both names are walked to
// their directories with the last component named, not resolved; Linux's checks
// follow in Linux's order; the filesystem moves the entry; then every path naming
// what moved follows it (working directories, open and mapped files, executables,
// mounts below it), as dentries do on Linux.
#include <set>

#include "fs/path.h"
#include "kernel/fs_state.h"
#include "kernel/kernel.h"
#include "vmlab/fcntl.h"

namespace vmlab::kern {

namespace {

// LAST_NORM: a name, not "/", "." or "..".
bool names_an_entry(const fs::WalkResult& w) { return !w.name.empty() && !w.last_is_dot && !w.last_is_dotdot; }

// `path` is strictly below directory `dir`.
bool below(std::string_view path, std::string_view dir) {
  return path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/';
}

}  // namespace

Result<void> Kernel::lookup_parent(Task& t, int dirfd, std::string_view path) {
  auto w = walk_at(t, dirfd, path, fs::kWalkCreate | fs::kWalkParent);
  if (!w) return w.error();
  return {};
}

Result<void> Kernel::check_rename_flags(unsigned flags) {
  if (flags & ~(kRenameNoreplace | kRenameExchange | kRenameWhiteout)) return Errno::inval;
  if ((flags & (kRenameNoreplace | kRenameWhiteout)) && (flags & kRenameExchange)) return Errno::inval;
  return {};
}

Result<void> Kernel::renameat2(Task& t, int olddirfd, std::string_view oldpath, int newdirfd, std::string_view newpath,
                               unsigned flags) {
  if (auto r = check_rename_flags(flags); !r) return r;
  const bool exchange = flags & kRenameExchange;
  auto from = walk_at(t, olddirfd, oldpath, fs::kWalkCreate | fs::kWalkParent);
  if (!from) return from.error();
  auto to = walk_at(t, newdirfd, newpath, fs::kWalkCreate | fs::kWalkParent);
  if (!to) return to.error();
  if (from->dir_mount != to->dir_mount) return Errno::xdev;
  if (!names_an_entry(*from)) return Errno::busy;
  if (!names_an_entry(*to)) return (flags & kRenameNoreplace) ? Errno::exist : Errno::busy;
  if (from->dir_mount->read_only) return Errno::rofs;  // mnt_want_write()
  if (!from->inode) return Errno::noent;
  if ((flags & kRenameNoreplace) && to->inode) return Errno::exist;
  if (exchange) {
    if (!to->inode) return Errno::noent;
    if (!to->inode->is_dir() && to->trailing_slash) return Errno::notdir;
  }
  // Unless the source is a directory, trailing slashes are ENOTDIR.
  if (!from->inode->is_dir()) {
    if (from->trailing_slash) return Errno::notdir;
    if (!exchange && to->trailing_slash) return Errno::notdir;
  }
  // lock_rename()'s trap: the source may not be an ancestor of the target, nor the
  // target of the source.
  if (below(to->path, from->path)) return Errno::inval;
  if (below(from->path, to->path)) return exchange ? Errno::inval : Errno::notempty;

  // vfs_rename(): a name for the same inode changes nothing.
  if (from->inode == to->inode) return {};
  const fs::Caller who = t.caller();
  const bool is_dir = from->inode->is_dir();
  fs::Inode& old_dir = *from->dir;
  fs::Inode& new_dir = *to->dir;
  const fs::Mount& mount = *from->dir_mount;
  if (auto r = fs::may_delete(old_dir, mount, *from->inode, from->mount_root, is_dir, who); !r) return r;
  if (!to->inode) {
    // may_create()
    if (auto r = fs::permission(new_dir, mount, fs::kMayWrite | fs::kMayExec, who); !r) return r;
  } else {
    const bool expect_dir = exchange ? to->inode->is_dir() : is_dir;
    if (auto r = fs::may_delete(new_dir, mount, *to->inode, to->mount_root, expect_dir, who); !r) return r;
  }
  // A directory changing parent has its ".." rewritten: it must be writable.
  if (&old_dir != &new_dir) {
    if (is_dir) {
      if (auto r = fs::permission(*from->inode, mount, fs::kMayWrite, who); !r) return r;
    }
    if (exchange && to->inode->is_dir()) {
      if (auto r = fs::permission(*to->inode, mount, fs::kMayWrite, who); !r) return r;
    }
  }
  // is_local_mountpoint(): a mount point stays where it is.
  if (from->mount_root || (to->inode && to->mount_root)) return Errno::busy;
  if (auto r = mount.fs->rename(old_dir, from->name, new_dir, to->name, flags, who); !r) return r;
  const fs::PathMove move{from->path, to->path, exchange};
  follow_rename(move);
  fs_->vfs.move_mounts(move);
  return {};
}

void Kernel::follow_rename(const fs::PathMove& move) {
  // Each holder once: tasks share their fs_struct, descriptor tables, open files,
  // address spaces and process records, and an exchange must not be undone by a
  // second visit.
  std::set<const void*> seen;
  const auto once = [&seen](const void* holder) { return seen.insert(holder).second; };
  const auto rename_file = [&](fs::OpenFile& f) {
    // An unlinked file keeps the name it had (d_path() adds " (deleted)").
    if (!once(&f) || f.deleted_name || f.inode->nlink == 0) return;
    if (auto moved = move.apply(f.path)) f.path = std::move(*moved);
  };
  for (const auto& [tid, task] : tasks_) {
    if (task->fs && once(task->fs.get())) {
      if (auto moved = move.apply(task->fs->cwd)) task->fs->cwd = std::move(*moved);
    }
    if (task->tg && once(task->tg.get())) {
      if (auto moved = move.apply(task->tg->exe)) task->tg->exe = std::move(*moved);
    }
    if (task->files && once(task->files.get())) {
      for (const auto& f : task->files->fds) {
        if (f) rename_file(*f);
      }
    }
    if (task->mm && once(task->mm.get())) {
      for (const mm::Vma& v : task->mm->vmas) {
        if (v.file) rename_file(*v.file);
      }
    }
  }
}

}  // namespace vmlab::kern
