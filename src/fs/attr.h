// Changing a file's attributes (fs/attr.c): what chmod, chown and utimensat ask for
// (struct iattr), the checks notify_change() and setattr_prepare() make for the
// caller, and setattr_copy(), which writes a checked change into the inode.
#pragma once

#include <cstdint>

#include "fs/filesystem.h"
#include "fs/inode.h"
#include "vmlab/result.h"

namespace vmlab::fs {

// ATTR_*: which parts of an AttrChange apply.
inline constexpr unsigned kAttrMode = 1u << 0;
inline constexpr unsigned kAttrUid = 1u << 1;
inline constexpr unsigned kAttrGid = 1u << 2;
inline constexpr unsigned kAttrAtime = 1u << 4;
inline constexpr unsigned kAttrMtime = 1u << 5;
inline constexpr unsigned kAttrCtime = 1u << 6;
inline constexpr unsigned kAttrAtimeSet = 1u << 7;   // atime is the one given, not now
inline constexpr unsigned kAttrMtimeSet = 1u << 8;
inline constexpr unsigned kAttrKillSuid = 1u << 11;  // clear S_ISUID if set
inline constexpr unsigned kAttrKillSgid = 1u << 12;  // clear S_ISGID if set
inline constexpr unsigned kAttrTimesSet = 1u << 16;  // utimensat() with times: the owner's right
inline constexpr unsigned kAttrTouch = 1u << 17;     // utimensat() to now: a writer's right too

struct AttrChange {
  unsigned valid = 0;
  std::uint32_t mode = 0;  // permission bits (07777)
  std::uint32_t uid = 0, gid = 0;
  // Inode times (fs/file_time.h). notify_change() sets ctime, and atime and mtime to
  // now unless kAttrAtimeSet or kAttrMtimeSet say they were given.
  std::int64_t atime_ns = 0, mtime_ns = 0, ctime_ns = 0;
};

// inode_owner_or_capable(): the caller owns the inode or has CAP_FOWNER (is root).
bool owner_or_capable(const Inode& inode, const Caller& who);

// setattr_should_drop_sgid(): chown of a setgid file clears S_ISGID when the group may
// execute it (a real setgid file), or when the caller is neither in the file's group
// nor privileged. Returns kAttrKillSgid or 0.
unsigned should_drop_sgid(const Inode& inode, const Caller& who);

// notify_change(): checks `change` for `who` (may_setattr(), then setattr_prepare()),
// turns the kill bits into a mode change, stamps the times with `now`, and has the
// inode's filesystem apply it (FileSystem::setattr); an inode of no filesystem (a
// pipe) takes it directly. The caller has refused a read-only mount already
// (mnt_want_write()).
Result<void> notify_change(Inode& inode, AttrChange change, const Caller& who, std::int64_t now);

// setattr_copy(): writes a checked change into the inode.
void setattr_copy(Inode& inode, const AttrChange& change);

}  // namespace vmlab::fs
