// An inode: a file's identity (device and inode numbers), size and type, owner and
// times, its page cache (the address_space of Linux), its backing store, and the VMAs
// that map it (i_mmap, for the reverse map of file pages).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "vmlab/units.h"

namespace vmlab::mm {
struct Vma;
}

namespace vmlab::fs {

class FileSystem;
struct Mount;

enum class InodeType : std::uint8_t { regular, directory, char_device, symlink };

// A store outside the simulation holding a file's bytes (hostfs: the host file). When
// an inode has one, the page cache reads pages from it and writes them back to it
// instead of the inode's own `store`.
class ExternalStore {
 public:
  virtual ~ExternalStore() = default;
  // Fills `page` (kPageSize bytes) with the file's bytes at page `index`; zeros past
  // the end of the file or where the store cannot be read.
  virtual void read_page(std::uint64_t index, std::uint8_t* page) = 0;
  // Writes the bytes of page `index` that lie below `file_size`.
  virtual void write_page(std::uint64_t index, const std::uint8_t* page, std::uint64_t file_size) = 0;
  virtual void truncate(std::uint64_t size) = 0;
  // st_blocks: 512-byte units the store occupies.
  virtual std::uint64_t blocks() const = 0;
};

// What backs a file's pages: a disk (pages are read in and written back: an ext4-like
// filesystem whose disk is host memory) or nothing but memory and swap (shmem/tmpfs).
enum class Backing : std::uint8_t { disk, shmem };

class Inode {
 public:
  Inode(std::uint64_t ino, std::uint32_t dev, InodeType type, Backing backing)
      : ino(ino), dev(dev), type(type), backing(backing) {}
  // evict(): when the last name and the last user are gone, the cached pages go too.
  ~Inode() {
    if (on_evict) on_evict(*this);
  }
  Inode(const Inode&) = delete;
  Inode& operator=(const Inode&) = delete;

  const std::uint64_t ino;
  const std::uint32_t dev;  // new_encode_dev() form: major << 8 | minor for small numbers
  const InodeType type;
  const Backing backing;
  std::uint32_t mode = 0644;   // permission bits
  std::uint32_t nlink = 1;
  std::uint64_t size = 0;      // i_size in bytes
  std::uint32_t rdev = 0;      // char devices: which one (see fs/devices)
  std::uint32_t uid = 0, gid = 0;
  // Access, modification and change times in ns of the virtual clock since boot;
  // utimensat() may set times before boot, hence signed (see kTimeMinNs).
  std::int64_t atime_ns = 0, mtime_ns = 0, ctime_ns = 0;
  FileSystem* sb = nullptr;    // i_sb: the filesystem that looks names up in it
  std::string link_target;     // symlinks: what they point at
  std::shared_ptr<ExternalStore> external;  // hostfs files: the host file behind the cache
  // S_SWAPFILE: a swap area is on over this file's blocks (writes and truncation fail
  // with ETXTBSY). Set by swapon, cleared by swapoff.
  bool swapfile = false;
  // Pages [0, allocated_pages) have disk blocks even where `store` has no entry (they
  // hold zeros): fallocate()'s preallocation, as the swap file memory.swap makes.
  std::uint64_t allocated_pages = 0;

  // The page cache: page offset -> frame. Every cached page holds one reference.
  std::unordered_map<std::uint64_t, Pfn> pages;
  // Workingset shadows of pages reclaim evicted: page offset -> shadow (workingset.h).
  std::unordered_map<std::uint64_t, std::uint64_t> shadows;
  // The disk: page offset -> contents as last written back. Absent pages are holes.
  std::unordered_map<std::uint64_t, std::vector<std::uint8_t>> store;
  // i_mmap: every VMA mapping this inode, and how many of them are shared writable.
  std::vector<mm::Vma*> mmaps;
  std::uint32_t writable_shared_mmaps = 0;
  // Commit charged for this file (shmem_acct_size() of shared anonymous memory).
  std::int64_t committed_pages = 0;
  // Frees what the inode holds in the memory system; set by whoever created it.
  std::function<void(Inode&)> on_evict;
  // Directories: name -> inode.
  std::map<std::string, std::shared_ptr<Inode>> entries;

  bool is_dir() const { return type == InodeType::directory; }
  bool is_symlink() const { return type == InodeType::symlink; }
  bool is_shmem() const { return backing == Backing::shmem; }
  std::uint64_t size_pages() const { return (size + kPageSize - 1) >> kPageShift; }
  std::uint32_t dev_major() const { return dev >> 8; }
  std::uint32_t dev_minor() const { return dev & 0xff; }
};

// An open file description: what open() returns a descriptor for.
class OpenFile {
 public:
  OpenFile(std::shared_ptr<Inode> inode, std::string path, int flags)
      : inode(std::move(inode)), path(std::move(path)), flags(flags) {}
  std::shared_ptr<Inode> inode;
  std::string path;        // as /proc/PID/maps names it (d_path(): the canonical path)
  std::shared_ptr<const Mount> mount;  // the mount it was opened on (f_path.mnt)
  int flags;               // O_ACCMODE bits and O_APPEND
  std::uint64_t pos = 0;
  bool deleted_name = false;  // shown with " (deleted)"
  // /proc files: the text rendered at open, as seq_file does; no page cache behind it.
  bool is_proc = false;
  std::string proc_text;

  bool readable() const { return (flags & 3) != 1; }   // not O_WRONLY
  bool writable() const { return (flags & 3) != 0; }   // O_WRONLY or O_RDWR
};

}  // namespace vmlab::fs
