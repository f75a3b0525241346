// hostfs: host directories shown to the guest (the sysroot's libraries, a directory of
// programs, a work directory). One HostFs stands for one host device (one guest device
// number), and all of them share one table of inodes: one Inode per host file (by host
// device and inode number) whichever mount or path reaches it, and so one page cache,
// which every process mapping the file (libc's text) shares.
//
// Containment: names are looked up one component at a time below a mount's root with
// the host's *at() calls and never follow a host symlink (the VFS resolves links
// through the guest's mount table); files are opened with O_NOFOLLOW and used only if
// they are still the host file the lookup found. Regular files, directories and
// symbolic links are shown; other host file types are not.
//
// Ownership maps as a user namespace would: files of the host user running vmlab
// belong to the guest user (1000), root's to root, anyone else's to nobody (65534).
// chown maps back the same way; an id with no host counterpart is EOVERFLOW, as
// through an idmapped mount. chmod, chown and utimensat change the host file (its
// times become the guest's, on the realtime clock).
// Inode numbers are the guest's own, given in the order files are first seen, and
// times come from the virtual clock, so what the guest sees does not depend on the
// host beyond the files' contents, sizes and modes. Changes made on the host while a
// machine runs are not noticed once a file's inode exists.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fs/filesystem.h"
#include "fs/inode.h"
#include "fs/statfs.h"
#include "vmlab/result.h"

namespace vmlab::fs {

inline constexpr std::uint32_t kGuestUser = 1000;  // the guest's default uid and gid
inline constexpr std::uint32_t kNobody = 65534;    // overflowuid

// Every host file any hostfs has shown, by host device and inode number, shared by all
// of a machine's hostfs filesystems (a directory may hold another host filesystem's
// mount point, so one file can be reached through two of them).
struct HostFileTable {
  using HostId = std::pair<std::uint64_t, std::uint64_t>;
  std::map<HostId, std::shared_ptr<Inode>> inodes;
  std::map<HostId, std::uint64_t> numbers;  // guest inode numbers, given on first sight
  std::uint64_t next_ino = 2;
};

class HostFs : public FileSystem {
 public:
  HostFs(std::uint32_t guest_dev, std::uint64_t host_dev, std::shared_ptr<HostFileTable> table,
         std::function<void(Inode&)> evict, std::function<std::uint64_t()> now);
  ~HostFs() override;

  std::string_view type_name() const override { return "hostfs"; }
  std::uint32_t dev() const override { return dev_; }
  std::uint64_t host_dev() const { return host_dev_; }

  // The inode of the host directory `host_dir` (absolute, on this device) to mount.
  Result<std::shared_ptr<Inode>> root_of(const std::string& host_dir);
  // Every host file's inode hostfs still knows (for sync and the checker).
  std::vector<std::shared_ptr<Inode>> inodes() const;

  Result<std::shared_ptr<Inode>> lookup(Inode& dir, const std::string& name, const Caller& who) override;
  Result<std::vector<DirEntry>> readdir(Inode& dir, const Caller& who) override;
  Result<std::shared_ptr<Inode>> create(Inode& dir, const std::string& name, std::uint32_t mode,
                                        const Caller& who) override;
  Result<void> mkdir(Inode& dir, const std::string& name, std::uint32_t mode, const Caller& who) override;
  Result<void> symlink(Inode& dir, const std::string& name, const std::string& target, const Caller& who) override;
  Result<void> unlink(Inode& dir, const std::string& name) override;
  Result<void> rmdir(Inode& dir, const std::string& name) override;
  // renameat2() of the host files, then of every cached host path below them.
  Result<void> rename(Inode& old_dir, const std::string& old_name, Inode& new_dir, const std::string& new_name,
                      unsigned flags, const Caller& who) override;
  // The host's statfs() of the filesystem holding `at`'s host file: its type, sizes
  // and counts (the caller sets the fsid and flags, which are the guest mount's).
  Result<StatFs> statfs(const Inode& at) const;
  // chmod, chown and utimensat act on the host file, then on the inode.
  Result<void> setattr(Inode& inode, const AttrChange& change) override;

 private:
  class HostFile;
  // The inode for host file `path` (found in directory fd `dirfd` as `name`, or
  // `dirfd` < 0 for a mount root), made on first sight.
  Result<std::shared_ptr<Inode>> inode_for(int dirfd, const std::string& name, const std::string& path);
  std::uint64_t guest_ino(std::uint64_t host_dev, std::uint64_t host_ino);
  // The host directory behind `dir`, opened and checked to be the same file.
  int open_dir(const Inode& dir) const;

  std::uint32_t dev_;
  std::uint64_t host_dev_;
  std::function<void(Inode&)> evict_;
  std::function<std::uint64_t()> now_;
  using HostId = HostFileTable::HostId;
  std::shared_ptr<HostFileTable> table_;
};

// The HostFs of each host device a machine has mounted from, with guest device
// numbers 0:40, 0:41, ... in the order devices are first mounted.
class HostFsSet {
 public:
  HostFsSet(std::function<void(Inode&)> evict, std::function<std::uint64_t()> now)
      : evict_(std::move(evict)), now_(std::move(now)), table_(std::make_shared<HostFileTable>()) {}
  // The filesystem holding host directory `host_dir` and that directory's inode.
  // ENOENT/ENOTDIR/EACCES as the host reports them.
  Result<std::pair<std::shared_ptr<HostFs>, std::shared_ptr<Inode>>> open(const std::string& host_dir);
  const std::map<std::uint64_t, std::shared_ptr<HostFs>>& filesystems() const { return fs_; }
  // Every host file's inode (for sync and writeback).
  std::vector<std::shared_ptr<Inode>> inodes() const {
    std::vector<std::shared_ptr<Inode>> out;
    for (const auto& [id, inode] : table_->inodes) out.push_back(inode);
    return out;
  }

  static constexpr std::uint32_t kFirstDev = 40;

 private:
  std::function<void(Inode&)> evict_;
  std::function<std::uint64_t()> now_;
  std::shared_ptr<HostFileTable> table_;
  std::map<std::uint64_t, std::shared_ptr<HostFs>> fs_;  // by host device
};

}  // namespace vmlab::fs
