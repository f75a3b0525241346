// A mounted filesystem's operations on its directories (the inode_operations and
// file_operations of Linux that path walking needs): look a name up, list a directory,
// read a symbolic link, create and remove names. memfs, the /dev devtmpfs, procfs and
// hostfs implement it; the VFS (fs/vfs.h) walks paths across them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fs/inode.h"
#include "vmlab/fcntl.h"
#include "vmlab/result.h"

namespace vmlab::fs {

struct AttrChange;

// Who is asking: the credentials permission checks use, and the process and thread
// /proc/self and /proc/thread-self name.
struct Caller {
  std::uint32_t uid = 0, gid = 0;
  int pid = 0;
  int tid = 0;
};

// One directory entry as getdents64() reports it (d_type values are Linux's DT_*).
struct DirEntry {
  std::uint64_t ino = 0;
  std::uint8_t type = 0;
  std::string name;
};

inline constexpr std::uint8_t kDtChr = 2;
inline constexpr std::uint8_t kDtDir = 4;
inline constexpr std::uint8_t kDtReg = 8;
inline constexpr std::uint8_t kDtLnk = 10;

inline std::uint8_t dirent_type(const Inode& i) {
  switch (i.type) {
    case InodeType::directory: return kDtDir;
    case InodeType::char_device: return kDtChr;
    case InodeType::symlink: return kDtLnk;
    case InodeType::regular: break;
  }
  return kDtReg;
}

inline std::uint32_t mode_type_bits(const Inode& i) {
  switch (i.type) {
    case InodeType::directory: return kSIfdir;
    case InodeType::char_device: return kSIfchr;
    case InodeType::symlink: return kSIflnk;
    case InodeType::regular: break;
  }
  return kSIfreg;
}

inline constexpr std::size_t kNameMax = 255;   // NAME_MAX
inline constexpr std::size_t kPathMax = 4096;  // PATH_MAX, the terminating NUL included

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // The type /proc/mounts shows ("ext4", "devtmpfs", "proc", "hostfs").
  virtual std::string_view type_name() const = 0;
  virtual std::uint32_t dev() const = 0;

  // The child `name` of directory `dir` (never "." or ".."; the VFS handles those).
  virtual Result<std::shared_ptr<Inode>> lookup(Inode& dir, const std::string& name, const Caller& who) = 0;
  // The entries of `dir` without "." and "..", in the order getdents() returns them.
  virtual Result<std::vector<DirEntry>> readdir(Inode& dir, const Caller& who) = 0;
  // The target of a symbolic link (procfs computes its links for the caller).
  virtual Result<std::string> readlink(Inode& link, const Caller& /*who*/) { return link.link_target; }

  // Name operations; the VFS has checked permissions and read-only mounts. A
  // filesystem that cannot do them refuses with EPERM (procfs).
  virtual Result<std::shared_ptr<Inode>> create(Inode& /*dir*/, const std::string& /*name*/, std::uint32_t /*mode*/,
                                                const Caller& /*who*/) {
    return Errno::perm;
  }
  virtual Result<void> mkdir(Inode& /*dir*/, const std::string& /*name*/, std::uint32_t /*mode*/,
                             const Caller& /*who*/) {
    return Errno::perm;
  }
  virtual Result<void> symlink(Inode& /*dir*/, const std::string& /*name*/, const std::string& /*target*/,
                               const Caller& /*who*/) {
    return Errno::perm;
  }
  virtual Result<void> unlink(Inode& /*dir*/, const std::string& /*name*/) { return Errno::perm; }
  virtual Result<void> rmdir(Inode& /*dir*/, const std::string& /*name*/) { return Errno::perm; }

  // rename(2): moves `old_name` of `old_dir` to `new_name` of `new_dir`, both on this
  // filesystem, once the VFS has checked the names, the permissions and the types
  // (Kernel::renameat2()). `flags`: kRenameNoreplace, kRenameExchange (the two
  // swap), kRenameWhiteout (a whiteout, `who`'s, takes the old name). A directory
  // replaces only an empty one (ENOTEMPTY).
  virtual Result<void> rename(Inode& /*old_dir*/, const std::string& /*old_name*/, Inode& /*new_dir*/,
                              const std::string& /*new_name*/, unsigned /*flags*/, const Caller& /*who*/) {
    return Errno::perm;
  }

  // Applies an attribute change notify_change() has checked (fs/attr.h): memfs keeps
  // it in the inode, hostfs makes it on the host file too. procfs, which makes its
  // inodes afresh at each lookup, keeps none and refuses (EPERM).
  virtual Result<void> setattr(Inode& /*inode*/, const AttrChange& /*change*/) { return Errno::perm; }
};

}  // namespace vmlab::fs
