// The machine's mount table, as an init system leaves it: the memfs root at "/",
// devtmpfs at /dev (null, zero, random, urandom, kmsg), procfs at /proc, then the host
// directories of MachineConfig::mounts.
#include <climits>
#include <cstdlib>

#include "fs/path.h"
#include "kernel/fs_state.h"
#include "kernel/kernel.h"
#include "vmlab/config.h"
#include "vmlab/fcntl.h"
#include "vmlab/mount.h"

namespace vmlab::kern {

FsState::FsState(Kernel& kernel, mm::MemorySystem& sys)
    : devfs(std::make_shared<fs::MemFs>(kDevfsDev, [&sys](fs::Inode& i) { sys.evict_inode(i); }, "devtmpfs")),
      procfs(std::make_shared<proc::ProcFs>(kernel)),
      hostfs([&sys](fs::Inode& i) { sys.evict_inode(i); }, [&sys] { return sys.clock().now(); }),
      random(sys.config().seed) {}

fs::Vfs& Kernel::vfs() { return fs_->vfs; }

void Kernel::setup_mounts() {
  fs_ = std::make_unique<FsState>(*this, sys_);
  auto now = [this] { return sys_.clock().now(); };
  rootfs_.set_clock(now);
  fs_->devfs->set_clock(now);

  // The root belongs to the guest's user, so programs may make files and directories
  // there as the experiments do; the system directories belong to root.
  rootfs_.root()->uid = rootfs_.root()->gid = fs::kGuestUser;
  (void)rootfs_.mkdir("/tmp", 01777);
  // The root filesystem's own /dev holds the nodes a system needs before devtmpfs is
  // mounted over it (as Debian's does); the mount hides them. /proc needs no
  // directory: a listing of "/" shows mount points anyway.
  (void)rootfs_.mkdir("/dev", 0755);
  rootfs_.mknod("/dev/null", kDevNullRdev);
  rootfs_.mknod("/dev/zero", kDevZeroRdev);
  // Files made from outside any process (Machine::write_file) are the user's too.
  rootfs_.set_default_owner(fs::kGuestUser, fs::kGuestUser);

  // statfs() sizes: the root's disk as configured, mke2fs's 16 KiB per inode;
  // devtmpfs, a tmpfs with the default size and inode count, half of RAM each.
  rootfs_.set_capacity(config_.root_fs_bytes / kPageSize, config_.root_fs_bytes / (16 * KiB));
  fs_->devfs->set_capacity(sys_.total_pages() / 2, sys_.total_pages() / 2);

  // The root is never detached, so the mount holds it without owning it.
  std::shared_ptr<fs::FileSystem> root_fs(std::shared_ptr<void>(), &rootfs_);
  fs_->vfs.mount({"/", root_fs, rootfs_.root(), false, "/dev/root"});

  fs::MemFs& dev = *fs_->devfs;
  dev.mknod("/null", kDevNullRdev);
  dev.mknod("/zero", kDevZeroRdev);
  dev.mknod("/random", kDevRandomRdev);
  dev.mknod("/urandom", kDevUrandomRdev);
  dev.mknod("/kmsg", kDevKmsgRdev)->mode = 0644;  // the kernel log (kernel/kmsg_file.h)
  // As systemd mounts them.
  fs_->vfs.mount({"/dev", fs_->devfs, dev.root(), false, "devtmpfs", fs::kMntNosuid});
  fs_->vfs.mount({"/proc", fs_->procfs, fs_->procfs->root(), false, "proc",
                  fs::kMntNosuid | fs::kMntNodev | fs::kMntNoexec});

  for (const MountSpec& spec : config_.mounts) {
    if (auto r = mount_host(spec); !r) {
      throw ConfigError("mount " + spec.host + ":" + spec.guest + ": " + std::string(errno_name(r.error())));
    }
  }
}

Result<void> Kernel::mount_host(const MountSpec& spec) {
  auto opened = fs_->hostfs.open(spec.host);
  if (!opened) return opened.error();
  const std::string guest = fs::normalize_path("/", spec.guest);
  // Make the mount point's directories in the root filesystem where they are missing
  // (vmlab mounts do not need one, but then `ls` of the parent shows the name anyway).
  std::shared_ptr<fs::Inode> dir = rootfs_.root();
  for (std::size_t i = 1; i < guest.size();) {
    const std::size_t j = std::min(guest.find('/', i), guest.size());
    const std::string prefix = guest.substr(0, j);
    if (fs_->vfs.mount_at(prefix)) break;  // inside another mount: leave it alone
    const std::string name = guest.substr(i, j - i);
    auto next = rootfs_.lookup(*dir, name, fs::Caller{});
    if (!next) {
      // A system directory, like /lib: root's.
      if (!rootfs_.mkdir(*dir, name, 0755, fs::Caller{})) break;
      next = rootfs_.lookup(*dir, name, fs::Caller{});
    }
    if (!next || !(*next)->is_dir()) break;
    dir = *next;
    i = j + 1;
  }
  char resolved[PATH_MAX];
  const std::string source = ::realpath(spec.host.c_str(), resolved) ? resolved : spec.host;
  fs_->vfs.mount({guest, opened->first, opened->second, !spec.writable, source});
  return {};
}

}  // namespace vmlab::kern
