#include "fs/hostfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "fs/attr.h"
#include "fs/file_time.h"
#include "fs/path.h"
#include "fs/rename.h"
#include "vmlab/fcntl.h"

namespace vmlab::fs {

namespace {

Errno host_errno(int e) {
  switch (e) {
    case ENOENT: return Errno::noent;
    case ENOTDIR: return Errno::notdir;
    case EACCES: return Errno::acces;
    case EPERM: return Errno::perm;
    case EEXIST: return Errno::exist;
    case ENOTEMPTY: return Errno::notempty;
    case ENAMETOOLONG: return Errno::nametoolong;
    case EISDIR: return Errno::isdir;
    case EROFS: return Errno::rofs;
    case ENOSPC: return Errno::nospc;
    case ELOOP: return Errno::loop;
    case EBUSY: return Errno::busy;
    case EINVAL: return Errno::inval;
    case EXDEV: return Errno::xdev;
    case EMLINK: return Errno::mlink;
    case EOVERFLOW: return Errno::overflow;
    case EOPNOTSUPP: return Errno::opnotsupp;
    default: return Errno::io;
  }
}

// Ownership as a user namespace maps it (see hostfs.h).
std::uint32_t map_id(std::uint32_t host_id, std::uint32_t host_self) {
  if (host_id == host_self) return kGuestUser;
  if (host_id == 0) return 0;
  return kNobody;
}

// The host id behind guest id `id`, where map_id() has an inverse: the guest user is
// the host user running vmlab, and root is root unless that user is root.
std::optional<std::uint32_t> unmap_id(std::uint32_t id, std::uint32_t host_self) {
  if (id == kGuestUser) return host_self;
  if (id == 0 && host_self != 0) return 0u;
  return std::nullopt;
}

bool shown(mode_t m) { return S_ISREG(m) || S_ISDIR(m) || S_ISLNK(m); }

// Closes a host descriptor when it goes out of scope.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

}  // namespace

// The host file behind an inode: where it was found and which file it was, so that
// every later open can check it still is that file.
class HostFs::HostFile : public ExternalStore {
 public:
  HostFile(std::string path, std::uint64_t dev, std::uint64_t ino, std::uint64_t blocks)
      : path_(std::move(path)), dev_(dev), ino_(ino), blocks_(blocks) {}

  const std::string& path() const { return path_; }
  // A rename moved the file (or a directory above it).
  void set_path(std::string path) { path_ = std::move(path); }

  // open(O_NOFOLLOW), kept only if it is the same host file; -1 otherwise.
  int open_verified(int flags) const {
    const int fd = ::open(path_.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return -1;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_dev != dev_ || st.st_ino != ino_) {
      ::close(fd);
      errno = ENOENT;
      return -1;
    }
    return fd;
  }

  void read_page(std::uint64_t index, std::uint8_t* page) override {
    std::memset(page, 0, kPageSize);
    Fd fd(open_verified(O_RDONLY));
    if (fd.fd < 0) return;
    std::uint64_t done = 0;
    while (done < kPageSize) {
      const ssize_t n = ::pread(fd.fd, page + done, kPageSize - done, static_cast<off_t>(index * kPageSize + done));
      if (n <= 0) break;
      done += static_cast<std::uint64_t>(n);
    }
  }

  void write_page(std::uint64_t index, const std::uint8_t* page, std::uint64_t file_size) override {
    const std::uint64_t off = index * kPageSize;
    if (off >= file_size) return;
    Fd fd(open_verified(O_WRONLY));
    if (fd.fd < 0) return;
    const std::uint64_t len = std::min<std::uint64_t>(kPageSize, file_size - off);
    std::uint64_t done = 0;
    while (done < len) {
      const ssize_t n = ::pwrite(fd.fd, page + done, len - done, static_cast<off_t>(off + done));
      if (n <= 0) break;
      done += static_cast<std::uint64_t>(n);
    }
    refresh_blocks(fd.fd);
  }

  void truncate(std::uint64_t size) override {
    Fd fd(open_verified(O_WRONLY));
    if (fd.fd < 0) return;
    if (::ftruncate(fd.fd, static_cast<off_t>(size)) == 0) refresh_blocks(fd.fd);
  }

  std::uint64_t blocks() const override { return blocks_; }

  // Runs `op` on an O_PATH descriptor of the file: 0, or the host's errno.
  template <class Op>
  int with_path_fd(Op op) const {
    Fd fd(open_verified(O_PATH));
    if (fd.fd < 0) return errno;
    return op(fd.fd) == 0 ? 0 : errno;
  }

  // Attribute changes on the host file, made through an O_PATH descriptor of it: a
  // file the host user may not read can still be changed, and a symbolic link is
  // changed itself, never followed. Each returns 0 or the host's errno.
  int chown(uid_t uid, gid_t gid) const {  // -1: unchanged
    return with_path_fd([&](int fd) { return ::fchownat(fd, "", uid, gid, AT_EMPTY_PATH); });
  }
  int chmod(std::uint32_t mode) const {
    // fchmod() refuses an O_PATH descriptor; its /proc/self/fd link names the file.
    return with_path_fd([&](int fd) {
      const std::string link = "/proc/self/fd/" + std::to_string(fd);
      return ::chmod(link.c_str(), static_cast<mode_t>(mode));
    });
  }
  int set_times(const struct timespec times[2]) const {
    return with_path_fd([&](int fd) { return ::utimensat(fd, "", times, AT_EMPTY_PATH); });
  }

 private:
  void refresh_blocks(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) == 0) blocks_ = static_cast<std::uint64_t>(st.st_blocks);
  }

  std::string path_;
  std::uint64_t dev_, ino_;
  std::uint64_t blocks_;
};

HostFs::HostFs(std::uint32_t guest_dev, std::uint64_t host_dev, std::shared_ptr<HostFileTable> table,
               std::function<void(Inode&)> evict, std::function<std::uint64_t()> now)
    : dev_(guest_dev), host_dev_(host_dev), evict_(std::move(evict)), now_(std::move(now)), table_(std::move(table)) {}

HostFs::~HostFs() = default;

std::uint64_t HostFs::guest_ino(std::uint64_t host_dev, std::uint64_t host_ino) {
  auto [it, added] = table_->numbers.try_emplace(HostId{host_dev, host_ino}, table_->next_ino);
  if (added) ++table_->next_ino;
  return it->second;
}

std::vector<std::shared_ptr<Inode>> HostFs::inodes() const {
  std::vector<std::shared_ptr<Inode>> out;
  out.reserve(table_->inodes.size());
  for (const auto& [id, inode] : table_->inodes) out.push_back(inode);
  return out;
}

int HostFs::open_dir(const Inode& dir) const {
  const auto* file = static_cast<const HostFile*>(dir.external.get());
  if (file == nullptr) return -1;
  return file->open_verified(O_RDONLY | O_DIRECTORY);
}

Result<std::shared_ptr<Inode>> HostFs::inode_for(int dirfd, const std::string& name, const std::string& path) {
  struct stat st {};
  const int rc = dirfd >= 0 ? ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) : ::lstat(path.c_str(), &st);
  if (rc != 0) return host_errno(errno);
  if (!shown(st.st_mode)) return Errno::noent;
  const HostId id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  if (auto it = table_->inodes.find(id); it != table_->inodes.end()) return it->second;

  const InodeType type = S_ISDIR(st.st_mode) ? InodeType::directory
                         : S_ISLNK(st.st_mode) ? InodeType::symlink
                                               : InodeType::regular;
  auto inode = std::make_shared<Inode>(guest_ino(id.first, id.second), dev_, type, Backing::disk);
  inode->sb = this;
  inode->on_evict = evict_;
  inode->mode = st.st_mode & 07777;
  inode->nlink = static_cast<std::uint32_t>(st.st_nlink);
  inode->size = static_cast<std::uint64_t>(st.st_size);
  inode->uid = map_id(st.st_uid, ::geteuid());
  inode->gid = map_id(st.st_gid, ::getegid());
  inode->atime_ns = inode->mtime_ns = inode->ctime_ns = now_ ? static_cast<std::int64_t>(now_()) : 0;
  if (type == InodeType::symlink) {
    std::string target(PATH_MAX, '\0');
    const ssize_t n = dirfd >= 0 ? ::readlinkat(dirfd, name.c_str(), target.data(), target.size())
                                 : ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return host_errno(errno);
    target.resize(static_cast<std::size_t>(n));
    inode->link_target = std::move(target);
  }
  inode->external = std::make_shared<HostFile>(path, st.st_dev, st.st_ino, static_cast<std::uint64_t>(st.st_blocks));
  table_->inodes.emplace(id, inode);
  return inode;
}

Result<std::shared_ptr<Inode>> HostFs::root_of(const std::string& host_dir) {
  auto r = inode_for(-1, "", host_dir);
  if (!r) return r.error();
  if (!(*r)->is_dir()) return Errno::notdir;
  return r;
}

Result<std::shared_ptr<Inode>> HostFs::lookup(Inode& dir, const std::string& name, const Caller&) {
  if (name.size() > kNameMax) return Errno::nametoolong;
  Fd fd(open_dir(dir));
  if (fd.fd < 0) return host_errno(errno);
  const auto& parent = static_cast<const HostFile&>(*dir.external);
  return inode_for(fd.fd, name, parent.path() + "/" + name);
}

Result<std::vector<DirEntry>> HostFs::readdir(Inode& dir, const Caller&) {
  const int fd = open_dir(dir);
  if (fd < 0) return host_errno(errno);
  DIR* d = ::fdopendir(fd);
  if (d == nullptr) {
    ::close(fd);
    return host_errno(errno);
  }
  std::vector<DirEntry> out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !shown(st.st_mode)) continue;
    const std::uint8_t type = S_ISDIR(st.st_mode) ? kDtDir : S_ISLNK(st.st_mode) ? kDtLnk : kDtReg;
    out.push_back({guest_ino(static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)), type, name});
  }
  ::closedir(d);
  // The host's order depends on its filesystem; the guest sees names sorted.
  std::sort(out.begin(), out.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

Result<std::shared_ptr<Inode>> HostFs::create(Inode& dir, const std::string& name, std::uint32_t mode,
                                              const Caller&) {
  if (name.size() > kNameMax) return Errno::nametoolong;
  Fd dfd(open_dir(dir));
  if (dfd.fd < 0) return host_errno(errno);
  const int fd = ::openat(dfd.fd, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return host_errno(errno);
  ::fchmod(fd, mode & 07777);  // the guest's mode, not filtered by the host's umask
  ::close(fd);
  const auto& parent = static_cast<const HostFile&>(*dir.external);
  return inode_for(dfd.fd, name, parent.path() + "/" + name);
}

Result<void> HostFs::mkdir(Inode& dir, const std::string& name, std::uint32_t mode, const Caller&) {
  if (name.size() > kNameMax) return Errno::nametoolong;
  Fd dfd(open_dir(dir));
  if (dfd.fd < 0) return host_errno(errno);
  if (::mkdirat(dfd.fd, name.c_str(), 0700) != 0) return host_errno(errno);
  ::fchmodat(dfd.fd, name.c_str(), mode & 07777, 0);
  ++dir.nlink;
  return {};
}

Result<void> HostFs::symlink(Inode& dir, const std::string& name, const std::string& target, const Caller&) {
  if (name.size() > kNameMax) return Errno::nametoolong;
  Fd dfd(open_dir(dir));
  if (dfd.fd < 0) return host_errno(errno);
  if (::symlinkat(target.c_str(), dfd.fd, name.c_str()) != 0) return host_errno(errno);
  return {};
}

Result<void> HostFs::unlink(Inode& dir, const std::string& name) {
  Fd dfd(open_dir(dir));
  if (dfd.fd < 0) return host_errno(errno);
  struct stat st {};
  if (::fstatat(dfd.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return host_errno(errno);
  if (S_ISDIR(st.st_mode)) return Errno::isdir;
  if (::unlinkat(dfd.fd, name.c_str(), 0) != 0) return host_errno(errno);
  // The inode lives on while open or mapped; a new host file may reuse its number.
  const HostId id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  if (auto it = table_->inodes.find(id); it != table_->inodes.end()) {
    if (--it->second->nlink == 0) {
      table_->inodes.erase(it);
      table_->numbers.erase(id);
    }
  }
  return {};
}

Result<void> HostFs::rmdir(Inode& dir, const std::string& name) {
  Fd dfd(open_dir(dir));
  if (dfd.fd < 0) return host_errno(errno);
  struct stat st {};
  if (::fstatat(dfd.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return host_errno(errno);
  if (!S_ISDIR(st.st_mode)) return Errno::notdir;
  if (::unlinkat(dfd.fd, name.c_str(), AT_REMOVEDIR) != 0) return host_errno(errno);
  const HostId id{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
  if (auto it = table_->inodes.find(id); it != table_->inodes.end()) {
    it->second->nlink = 0;
    table_->inodes.erase(it);
    table_->numbers.erase(id);
  }
  if (dir.nlink > 2) --dir.nlink;
  return {};
}

Result<void> HostFs::rename(Inode& old_dir, const std::string& old_name, Inode& new_dir, const std::string& new_name,
                            unsigned flags, const Caller&) {
  if (new_name.size() > kNameMax) return Errno::nametoolong;
  Fd ofd(open_dir(old_dir));
  if (ofd.fd < 0) return host_errno(errno);
  Fd nfd(open_dir(new_dir));
  if (nfd.fd < 0) return host_errno(errno);
  struct stat src {}, dst {};
  if (::fstatat(ofd.fd, old_name.c_str(), &src, AT_SYMLINK_NOFOLLOW) != 0) return host_errno(errno);
  const bool replaces = ::fstatat(nfd.fd, new_name.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0;
  // The host's renameat2() makes the whiteout of RENAME_WHITEOUT, which the guest
  // does not see: a device is not a type hostfs shows.
  if (::renameat2(ofd.fd, old_name.c_str(), nfd.fd, new_name.c_str(), flags) != 0) return host_errno(errno);

  const bool exchange = flags & kRenameExchange;
  const auto cached = [this](const struct stat& st) -> std::shared_ptr<Inode> {
    auto it = table_->inodes.find(HostId{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)});
    return it == table_->inodes.end() ? nullptr : it->second;
  };
  const std::shared_ptr<Inode> source = cached(src);
  const std::shared_ptr<Inode> target = replaces ? cached(dst) : nullptr;
  // Every cached host file at or below a moved name has a new host path.
  const PathMove move{static_cast<const HostFile&>(*old_dir.external).path() + "/" + old_name,
                      static_cast<const HostFile&>(*new_dir.external).path() + "/" + new_name, exchange};
  for (auto& [id, inode] : table_->inodes) {
    auto& file = static_cast<HostFile&>(*inode->external);
    if (inode == target && !exchange) continue;  // replaced: its name is gone
    if (auto moved = move.apply(file.path())) file.set_path(std::move(*moved));
  }
  if (source) {  // always: the walk that found the old name made its inode
    account_rename(old_dir, new_dir, *source, target.get(), exchange, now_ ? static_cast<std::int64_t>(now_()) : 0);
  }
  // A replaced file with no name left is forgotten, as unlink() forgets it.
  if (target && !exchange && target->nlink == 0) {
    const HostId id{static_cast<std::uint64_t>(dst.st_dev), static_cast<std::uint64_t>(dst.st_ino)};
    table_->inodes.erase(id);
    table_->numbers.erase(id);
  }
  return {};
}

Result<StatFs> HostFs::statfs(const Inode& at) const {
  const auto& file = static_cast<const HostFile&>(*at.external);
  struct statfs host {};
  if (const int e = file.with_path_fd([&host](int fd) { return ::fstatfs(fd, &host); })) return host_errno(e);
  StatFs st;
  st.type = static_cast<std::uint64_t>(host.f_type);
  st.bsize = static_cast<std::uint64_t>(host.f_bsize);
  st.blocks = host.f_blocks;
  st.bfree = host.f_bfree;
  st.bavail = host.f_bavail;
  st.files = host.f_files;
  st.ffree = host.f_ffree;
  st.namelen = static_cast<std::uint64_t>(host.f_namelen);
  st.frsize = static_cast<std::uint64_t>(host.f_frsize);
  return st;
}

Result<void> HostFs::setattr(Inode& inode, const AttrChange& c) {
  const auto& file = static_cast<const HostFile&>(*inode.external);
  // Ids map back as through an idmapped mount: one with no host counterpart cannot
  // be stored (EOVERFLOW).
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  if (c.valid & kAttrUid) {
    const auto host = unmap_id(c.uid, ::geteuid());
    if (!host) return Errno::overflow;
    uid = *host;
  }
  if (c.valid & kAttrGid) {
    const auto host = unmap_id(c.gid, ::getegid());
    if (!host) return Errno::overflow;
    gid = *host;
  }
  if (c.valid & (kAttrUid | kAttrGid)) {
    if (const int e = file.chown(uid, gid)) return host_errno(e);
  }
  // The host clears set-id bits at chown by its own rules: the mode is the guest's.
  if ((c.valid & (kAttrMode | kAttrUid | kAttrGid)) && !inode.is_symlink()) {
    if (const int e = file.chmod((c.valid & kAttrMode) ? c.mode : inode.mode)) return host_errno(e);
  }
  if (c.valid & (kAttrAtime | kAttrMtime)) {
    const auto host_time = [](bool set, std::int64_t ns) {
      const RealTime t = to_realtime(ns);
      return set ? timespec{static_cast<time_t>(t.sec), static_cast<long>(t.nsec)} : timespec{0, UTIME_OMIT};
    };
    const timespec times[2] = {host_time(c.valid & kAttrAtime, c.atime_ns), host_time(c.valid & kAttrMtime, c.mtime_ns)};
    if (const int e = file.set_times(times)) return host_errno(e);
  }
  setattr_copy(inode, c);
  return {};
}

Result<std::pair<std::shared_ptr<HostFs>, std::shared_ptr<Inode>>> HostFsSet::open(const std::string& host_dir) {
  char resolved[PATH_MAX];
  if (::realpath(host_dir.c_str(), resolved) == nullptr) return host_errno(errno);
  struct stat st {};
  if (::stat(resolved, &st) != 0) return host_errno(errno);
  if (!S_ISDIR(st.st_mode)) return Errno::notdir;
  auto& fs = fs_[static_cast<std::uint64_t>(st.st_dev)];
  if (!fs) {
    const auto dev = static_cast<std::uint32_t>(kFirstDev + fs_.size() - 1);
    fs = std::make_shared<HostFs>(dev, static_cast<std::uint64_t>(st.st_dev), table_, evict_, now_);
  }
  auto root = fs->root_of(resolved);
  if (!root) return root.error();
  return std::make_pair(fs, *root);
}

}  // namespace vmlab::fs
