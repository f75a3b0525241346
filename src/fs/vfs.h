// The VFS: the mount table and path walking across it (fs/namei.c, fs/namespace.c).
// A path is walked one component at a time from the root or a base directory; a
// component that names a mount point continues in the mounted filesystem, ".." at a
// mount's root leaves it for the directory holding the mount point, and ".." at the
// root stays there. Symbolic links are followed through the same table, so an
// absolute link target means the guest's root: nothing outside the mounted trees can
// be named.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fs/filesystem.h"
#include "fs/inode.h"
#include "fs/path.h"
#include "vmlab/result.h"

namespace vmlab::fs {

// Mount flags beside read_only (MNT_NOSUID, MNT_NODEV, MNT_NOEXEC): what /proc/mounts
// and statfs() report. Every mount is relatime (MNT_RELATIME, the default).
inline constexpr unsigned kMntNosuid = 0x1;
inline constexpr unsigned kMntNodev = 0x2;
inline constexpr unsigned kMntNoexec = 0x4;

struct Mount {
  std::string path;                 // the canonical guest path of the mount point
  std::shared_ptr<FileSystem> fs;
  std::shared_ptr<Inode> root;      // the mounted directory
  bool read_only = false;           // MNT_READONLY: writes are EROFS
  std::string source;               // the first field of /proc/mounts
  unsigned flags = 0;               // kMnt*
  unsigned seq = 0;                 // mount order, the order /proc/mounts lists them in
};

// Walk flags.
inline constexpr unsigned kWalkFollow = 1;     // follow a symbolic link in the last component
inline constexpr unsigned kWalkCreate = 2;     // the last component may be missing
// filename_parentat(): the last component is named, not resolved: never followed,
// even with a trailing slash, which then does not demand a directory either.
inline constexpr unsigned kWalkParent = 4;
inline constexpr unsigned kMaxSymlinks = 40;   // MAXSYMLINKS: more is ELOOP

// Permission masks: MAY_EXEC, MAY_WRITE, MAY_READ (access()'s X_OK, W_OK, R_OK).
inline constexpr int kMayExec = 1;
inline constexpr int kMayWrite = 2;
inline constexpr int kMayRead = 4;

struct WalkResult {
  std::shared_ptr<Inode> inode;          // null: the last component is missing (kWalkCreate)
  std::shared_ptr<const Mount> mount;    // the mount `inode` is on (or the name would be)
  std::shared_ptr<Inode> dir;            // the directory holding the last component
  std::shared_ptr<const Mount> dir_mount;
  std::string path;                      // canonical absolute path
  std::string name;                      // the last component's name in `dir` ("" for "/")
  bool trailing_slash = false;           // the path ended in '/': it must name a directory
  bool last_is_dot = false;              // the path ended in "." or ".."
  bool last_is_dotdot = false;
  bool mount_root = false;               // `inode` is the root of `mount` (a mount point)
};

class Vfs {
 public:
  // Adds a mount; one at the same path is replaced (the older one is no longer reached).
  void mount(Mount m);
  std::shared_ptr<const Mount> mount_at(std::string_view path) const;
  const std::map<std::string, std::shared_ptr<Mount>>& mounts() const { return mounts_; }
  // A rename moved a directory: the mounts below it move with it, as mounts follow
  // the dentry they are on.
  void move_mounts(const PathMove& move);

  // path_lookupat(): walks `path` (relative ones from `base`, an absolute canonical
  // directory path) as `who`, with search permission checked on every directory.
  Result<WalkResult> walk(const Caller& who, std::string_view base, std::string_view path, unsigned flags) const;

  // The entries of directory `dir` (found at canonical `path` on `mount`): ".", "..",
  // the filesystem's own entries, then mount points below it that it does not list.
  Result<std::vector<DirEntry>> list(const Caller& who, const Mount& mount, Inode& dir, std::string_view path) const;

 private:
  std::map<std::string, std::shared_ptr<Mount>> mounts_;
  unsigned next_seq_ = 0;
};

// inode_permission(): EROFS for writing a file, directory or link on a read-only
// mount (sb_permission()), then generic_permission().
Result<void> permission(const Inode& inode, const Mount& mount, int mask, const Caller& who);
// generic_permission(): the owner/group/other bits, which root passes except for
// executing a file with no execute bit.
Result<void> generic_permission(const Inode& inode, int mask, const Caller& who);

// check_sticky(): in a sticky directory only the file's owner, the directory's owner
// or root may remove or rename an entry (EPERM).
bool sticky_forbids(const Inode& dir, const Inode& victim, const Caller& who);

// may_delete(): may `who` remove `victim`, the entry of `dir` on `mount` (unlink,
// rmdir, or a rename moving it away or replacing it)? Write and search permission on
// the directory, the sticky bit, then the type: `isdir` says a directory is expected
// (ENOTDIR, EBUSY for a mount point, `mounted_on`), otherwise one is EISDIR.
Result<void> may_delete(const Inode& dir, const Mount& mount, const Inode& victim, bool mounted_on, bool isdir,
                        const Caller& who);

}  // namespace vmlab::fs
