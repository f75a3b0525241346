// memfs: vmlab's root filesystem. Files and directories live in memory, and so does
// the "disk" behind them: page-cache pages are read in from each inode's store and
// written back to it, like a disk filesystem (ext4) whose disk is host memory. A
// mount has one device number; inode numbers count up from 2 (the root).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fs/filesystem.h"
#include "fs/inode.h"
#include "vmlab/result.h"

namespace vmlab::mm {
class MemorySystem;
}

namespace vmlab::fs {

class MemFs : public FileSystem {
 public:
  // `evict` frees an inode's pages when the inode goes (the memory system's job).
  // `type` is what /proc/mounts calls it ("ext4" for the root, "devtmpfs" for /dev).
  MemFs(std::uint32_t dev, std::function<void(Inode&)> evict, std::string type = "ext4");
  std::shared_ptr<Inode> root() const { return root_; }
  std::uint32_t dev() const override { return dev_; }
  std::string_view type_name() const override { return type_; }
  // The virtual clock that stamps inode times (0 until set).
  void set_clock(std::function<std::uint64_t()> now) { now_ = std::move(now); }
  // Who owns what the path-based calls below create (root until set).
  void set_default_owner(std::uint32_t uid, std::uint32_t gid) { owner_ = {uid, gid, 0}; }
  // The size statfs() reports, in 4 KiB blocks and in inodes: an ext4's disk as
  // mke2fs made it, a tmpfs's size= and nr_inodes= (0 until set).
  void set_capacity(std::uint64_t blocks, std::uint64_t inodes) {
    capacity_blocks_ = blocks;
    capacity_inodes_ = inodes;
  }
  std::uint64_t capacity_blocks() const { return capacity_blocks_; }
  std::uint64_t capacity_inodes() const { return capacity_inodes_; }

  // Path lookup from the root; `path` is absolute and already normalised.
  Result<std::shared_ptr<Inode>> lookup(std::string_view path) const;
  // Creates a regular file (or returns it when it exists and `exclusive` is false).
  Result<std::shared_ptr<Inode>> create(std::string_view path, std::uint32_t mode, bool exclusive);
  Result<void> mkdir(std::string_view path, std::uint32_t mode);
  // Removes a name; the inode's pages go when the last user (open file, mapping) does.
  Result<void> unlink(std::string_view path);
  // Adds a device node (the /dev entries).
  std::shared_ptr<Inode> mknod(std::string_view path, std::uint32_t rdev);
  // Adds a symbolic link at `path` pointing at `target`.
  Result<void> symlink(std::string_view path, std::string_view target);

  // FileSystem: the same operations on a directory inode, as a process makes them.
  Result<std::shared_ptr<Inode>> lookup(Inode& dir, const std::string& name, const Caller& who) override;
  Result<std::vector<DirEntry>> readdir(Inode& dir, const Caller& who) override;
  Result<std::shared_ptr<Inode>> create(Inode& dir, const std::string& name, std::uint32_t mode,
                                        const Caller& who) override;
  Result<void> mkdir(Inode& dir, const std::string& name, std::uint32_t mode, const Caller& who) override;
  Result<void> symlink(Inode& dir, const std::string& name, const std::string& target, const Caller& who) override;
  Result<void> unlink(Inode& dir, const std::string& name) override;
  Result<void> rmdir(Inode& dir, const std::string& name) override;
  Result<void> setattr(Inode& inode, const AttrChange& change) override;
  Result<void> rename(Inode& old_dir, const std::string& old_name, Inode& new_dir, const std::string& new_name,
                      unsigned flags, const Caller& who) override;

 private:
  Result<std::pair<std::shared_ptr<Inode>, std::string>> parent_of(std::string_view path) const;
  std::shared_ptr<Inode> new_inode(InodeType type, const Caller& owner);
  std::int64_t now() const;    // current_time(): the clock as an inode time
  void touch_dir(Inode& dir);  // a name was added or removed: mtime and ctime

  std::uint32_t dev_;
  std::function<void(Inode&)> evict_;
  std::string type_;
  std::function<std::uint64_t()> now_;
  Caller owner_;
  std::uint64_t next_ino_ = 2;
  std::uint64_t capacity_blocks_ = 0, capacity_inodes_ = 0;
  std::shared_ptr<Inode> root_;
};

// read(2) and write(2) on a regular file through its page cache (filemap_read(),
// generic_perform_write()). `pos` is a byte offset; writes extend the file.
Result<std::uint64_t> file_read(mm::MemorySystem& sys, Inode& inode, std::uint64_t pos, std::uint8_t* buf,
                                std::uint64_t len);
Result<std::uint64_t> file_write(mm::MemorySystem& sys, Inode& inode, std::uint64_t pos, const std::uint8_t* buf,
                                 std::uint64_t len);
// ftruncate(2): pages beyond the new size leave every mapping and the cache; the
// partial last page's tail is zeroed (truncate_setsize(), truncate_pagecache()).
void file_truncate(mm::MemorySystem& sys, Inode& inode, std::uint64_t size);

}  // namespace vmlab::fs
