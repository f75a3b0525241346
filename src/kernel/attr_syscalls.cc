// Changing a file's attributes: chmod, chown and utimensat on a path or an open file
// (fs/open.c chmod_common() and chown_common(), fs/utimes.c vfs_utimes()). Each
// refuses a read-only mount (mnt_want_write()), says what it changes, and leaves the
// checks to fs::notify_change() (fs/attr.h), which the filesystem then applies.
#include "fs/attr.h"
#include "fs/file_time.h"
#include "kernel/kernel.h"
#include "vmlab/fcntl.h"

namespace vmlab::kern {

namespace {

constexpr int kAtPathFlags = kAtSymlinkNofollow | kAtEmptyPath;

// mnt_want_write(): a read-only mount changes nothing. A pipe has no mount.
Result<void> want_write(const Kernel::FileRef& f) {
  if (f.mount && f.mount->read_only) return Errno::rofs;
  return {};
}

Result<void> chmod_common(const Kernel::FileRef& f, std::uint32_t mode, const fs::Caller& who, std::int64_t now) {
  if (auto r = want_write(f); !r) return r;
  fs::AttrChange c;
  c.valid = fs::kAttrMode | fs::kAttrCtime;
  c.mode = mode & kSIallugo;
  return fs::notify_change(*f.inode, c, who, now);
}

// A new owner or group for a non-directory clears its set-user-ID bit, and its
// set-group-ID bit as should_drop_sgid() says, even when neither id changes.
Result<void> chown_common(const Kernel::FileRef& f, std::uint32_t uid, std::uint32_t gid, const fs::Caller& who,
                          std::int64_t now) {
  if (auto r = want_write(f); !r) return r;
  fs::AttrChange c;
  c.valid = fs::kAttrCtime;
  if (uid != kNoId) {
    c.valid |= fs::kAttrUid;
    c.uid = uid;
  }
  if (gid != kNoId) {
    c.valid |= fs::kAttrGid;
    c.gid = gid;
  }
  if (!f.inode->is_dir()) c.valid |= fs::kAttrKillSuid | fs::should_drop_sgid(*f.inode, who);
  return fs::notify_change(*f.inode, c, who, now);
}

// nsec_valid()
bool nsec_valid(std::int64_t nsec) {
  return nsec == kUtimeNow || nsec == kUtimeOmit || (nsec >= 0 && nsec < fs::kNsPerSec);
}

// vfs_utimes(): no times, or both kUtimeNow, is a touch (ownership or write
// permission); any other times need ownership (kAttrTimesSet), even "now" for one.
Result<void> vfs_utimes(const Kernel::FileRef& f, const std::array<fs::RealTime, 2>* times, const fs::Caller& who,
                        std::int64_t now) {
  if (times != nullptr) {
    if (!nsec_valid((*times)[0].nsec) || !nsec_valid((*times)[1].nsec)) return Errno::inval;
    if ((*times)[0].nsec == kUtimeNow && (*times)[1].nsec == kUtimeNow) times = nullptr;
  }
  if (auto r = want_write(f); !r) return r;
  fs::AttrChange c;
  c.valid = fs::kAttrCtime | fs::kAttrAtime | fs::kAttrMtime;
  if (times == nullptr) {
    c.valid |= fs::kAttrTouch;
    return fs::notify_change(*f.inode, c, who, now);
  }
  const auto take = [&c](const fs::RealTime& t, unsigned time_bit, unsigned set_bit, std::int64_t& ns) {
    if (t.nsec == kUtimeOmit) {
      c.valid &= ~time_bit;
    } else if (t.nsec != kUtimeNow) {
      c.valid |= set_bit;
      ns = fs::from_realtime(t);
    }
  };
  take((*times)[0], fs::kAttrAtime, fs::kAttrAtimeSet, c.atime_ns);
  take((*times)[1], fs::kAttrMtime, fs::kAttrMtimeSet, c.mtime_ns);
  c.valid |= fs::kAttrTimesSet;
  return fs::notify_change(*f.inode, c, who, now);
}

}  // namespace

Result<Kernel::FileRef> Kernel::fd_ref(Task& t, int fd) {
  auto f = fd_file(t, fd);
  if (!f) return f.error();
  return FileRef{(*f)->inode, (*f)->mount};
}

Result<Kernel::FileRef> Kernel::user_path_at(Task& t, int dirfd, std::string_view path, int flags) {
  // LOOKUP_EMPTY: an empty name is where the walk would start.
  if (path.empty() && (flags & kAtEmptyPath)) {
    if (dirfd != kAtFdcwd) return fd_ref(t, dirfd);
    path = ".";
  }
  auto w = walk_at(t, dirfd, path, (flags & kAtSymlinkNofollow) ? 0 : fs::kWalkFollow);
  if (!w) return w.error();
  return FileRef{w->inode, w->mount};
}

Result<void> Kernel::fchmodat(Task& t, int dirfd, std::string_view path, std::uint32_t mode, int flags) {
  if (flags & ~kAtPathFlags) return Errno::inval;
  auto f = user_path_at(t, dirfd, path, flags);
  if (!f) return f.error();
  return chmod_common(*f, mode, t.caller(), file_time_now());
}

Result<void> Kernel::fchmod(Task& t, int fd, std::uint32_t mode) {
  auto f = fd_ref(t, fd);
  if (!f) return f.error();
  return chmod_common(*f, mode, t.caller(), file_time_now());
}

Result<void> Kernel::fchownat(Task& t, int dirfd, std::string_view path, std::uint32_t uid, std::uint32_t gid,
                              int flags) {
  if (flags & ~kAtPathFlags) return Errno::inval;
  auto f = user_path_at(t, dirfd, path, flags);
  if (!f) return f.error();
  return chown_common(*f, uid, gid, t.caller(), file_time_now());
}

Result<void> Kernel::fchown(Task& t, int fd, std::uint32_t uid, std::uint32_t gid) {
  auto f = fd_ref(t, fd);
  if (!f) return f.error();
  return chown_common(*f, uid, gid, t.caller(), file_time_now());
}

Result<void> Kernel::utimensat(Task& t, int dirfd, std::optional<std::string_view> path,
                               const std::array<fs::RealTime, 2>* times, int flags) {
  // do_utimes(): no name with a descriptor is the descriptor's file (do_utimes_fd(),
  // which takes no flags); with AT_FDCWD it is a name that cannot be read.
  if (!path && dirfd != kAtFdcwd) {
    if (flags != 0) return Errno::inval;
    auto f = fd_ref(t, dirfd);
    if (!f) return f.error();
    return vfs_utimes(*f, times, t.caller(), file_time_now());
  }
  if (flags & ~kAtPathFlags) return Errno::inval;
  if (!path) return Errno::fault;
  auto f = user_path_at(t, dirfd, *path, flags);
  if (!f) return f.error();
  return vfs_utimes(*f, times, t.caller(), file_time_now());
}

}  // namespace vmlab::kern
