// statfs() and fstatfs() (fs/statfs.c): what the filesystem holding a file says of
// itself, as each of vmlab's filesystems would on Linux, with the flags of the mount it
// was reached through (calculate_f_flags()).
//
// - The root memfs is an ext4 on a disk of fs.root_size as mke2fs makes it (4 KiB
//   blocks, one inode per 16 KiB, 5% reserved for root); what its files hold is used,
//   written back or not (delayed allocation counts too, as ext4's dirty clusters do).
// - devtmpfs is a tmpfs of half of RAM, in blocks and in inodes
//   (shmem_default_max_blocks() and _inodes()); its files' pages are used.
// - procfs and pipefs have no sizes (simple_statfs()).
// - hostfs reports the host filesystem's type, sizes and counts.
// vmlab's filesystems have no UUID: f_fsid is the device number, as simple_statfs()
// gives it (ext4 and tmpfs derive theirs from a random UUID).
#include <algorithm>

#include "fs/hostfs.h"
#include "fs/statfs.h"
#include "kernel/file_stat.h"
#include "kernel/kernel.h"
#include "kernel/pipe.h"
#include "vmlab/fcntl.h"

namespace vmlab::kern {

namespace {

constexpr std::uint64_t kBlock = 4096;
constexpr std::uint64_t kReservedPercent = 5;  // mke2fs -m 5

std::array<std::uint32_t, 2> fsid_of(std::uint32_t dev) { return {dev, 0}; }  // u64_to_fsid(huge_encode_dev())

// simple_statfs(): a filesystem with no sizes.
fs::StatFs simple_statfs(std::uint64_t magic, std::uint32_t dev) {
  fs::StatFs st;
  st.type = magic;
  st.bsize = kPageSize;
  st.namelen = fs::kNameMax;
  st.fsid = fsid_of(dev);
  return st;
}

std::uint64_t less(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

// calculate_f_flags(): ST_VALID and the mount's flags; an internal mount (pipefs) has
// none.
std::uint64_t f_flags(const fs::Mount* mount) {
  std::uint64_t flags = fs::kStValid;
  if (mount == nullptr) return flags;
  if (mount->read_only) flags |= fs::kStRdonly;
  if (mount->flags & fs::kMntNosuid) flags |= fs::kStNosuid;
  if (mount->flags & fs::kMntNodev) flags |= fs::kStNodev;
  if (mount->flags & fs::kMntNoexec) flags |= fs::kStNoexec;
  return flags | fs::kStRelatime;
}

}  // namespace

fs::StatFs Kernel::memfs_statfs(const fs::MemFs& memfs) {
  // What its files hold now: every inode it has, named, or only open or mapped.
  std::uint64_t used_blocks = 0, used_inodes = 0;
  const bool ext4 = memfs.type_name() == "ext4";
  for (const fs::Inode* inode : inodes()) {
    if (inode->sb != &memfs) continue;
    ++used_inodes;
    // tmpfs counts the pages of its files only (shmem_inode_acct_blocks()).
    if (ext4 || inode->type == fs::InodeType::regular) used_blocks += file_stat(sys_, *inode).blocks / (kBlock / 512);
  }
  fs::StatFs st;
  st.type = ext4 ? fs::kExt4SuperMagic : fs::kTmpfsMagic;
  st.bsize = kBlock;
  st.blocks = memfs.capacity_blocks();
  st.bfree = less(st.blocks, used_blocks);
  st.bavail = ext4 ? less(st.bfree, st.blocks * kReservedPercent / 100) : st.bfree;
  st.files = memfs.capacity_inodes();
  st.ffree = less(st.files, used_inodes);
  st.namelen = fs::kNameMax;
  st.fsid = fsid_of(memfs.dev());
  return st;
}

Result<fs::StatFs> Kernel::vfs_statfs(const FileRef& f) {
  const fs::Inode& inode = *f.inode;
  fs::StatFs st;
  if (inode.sb == nullptr) {
    st = simple_statfs(fs::kPipefsMagic, kPipeFsDev);  // the only inodes of no filesystem
  } else if (const auto* memfs = dynamic_cast<const fs::MemFs*>(inode.sb)) {
    st = memfs_statfs(*memfs);
  } else if (const auto* hostfs = dynamic_cast<const fs::HostFs*>(inode.sb)) {
    auto host = hostfs->statfs(inode);
    if (!host) return host.error();
    st = *host;
    st.fsid = fsid_of(hostfs->dev());
  } else {
    st = simple_statfs(fs::kProcSuperMagic, inode.sb->dev());  // procfs
  }
  // statfs_by_dentry(): a filesystem that gives no fragment size has blocks.
  if (st.frsize == 0) st.frsize = st.bsize;
  st.flags = f_flags(f.mount.get());
  return st;
}

Result<fs::StatFs> Kernel::statfs(Task& t, std::string_view path) {
  auto w = walk_at(t, kAtFdcwd, path, fs::kWalkFollow);
  if (!w) return w.error();
  return vfs_statfs(FileRef{w->inode, w->mount});
}

Result<fs::StatFs> Kernel::fstatfs(Task& t, int fd) {
  auto f = fd_ref(t, fd);
  if (!f) return f.error();
  return vfs_statfs(*f);
}

}  // namespace vmlab::kern
