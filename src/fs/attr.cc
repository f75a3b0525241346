#include "fs/attr.h"

#include "fs/vfs.h"
#include "vmlab/fcntl.h"

namespace vmlab::fs {

namespace {

// in_group_p(): vmlab's credentials have no supplementary groups.
bool in_group(std::uint32_t gid, const Caller& who) { return who.gid == gid; }

// in_group_or_capable(): in the group, or CAP_FSETID.
bool in_group_or_capable(std::uint32_t gid, const Caller& who) { return in_group(gid, who) || who.uid == 0; }

// chown_ok(): only root gives a file away; the owner may "change" it to itself.
bool chown_ok(const Inode& inode, std::uint32_t uid, const Caller& who) {
  return (who.uid == inode.uid && uid == inode.uid) || who.uid == 0;
}

// chgrp_ok(): the owner may pick its file's group among its own groups.
bool chgrp_ok(const Inode& inode, std::uint32_t gid, const Caller& who) {
  if (who.uid == inode.uid && (gid == inode.gid || in_group(gid, who))) return true;
  return who.uid == 0;
}

// may_setattr(): setting the times to now needs ownership or write permission (a
// read-only mount was refused before: mnt_want_write()).
Result<void> may_setattr(const Inode& inode, unsigned valid, const Caller& who) {
  if ((valid & kAttrTouch) && !owner_or_capable(inode, who)) return generic_permission(inode, kMayWrite, who);
  return {};
}

// setattr_prepare(): may the caller make this change at all? A mode change by a
// caller outside the file's (new) group drops S_ISGID silently.
Result<void> setattr_prepare(const Inode& inode, AttrChange& c, const Caller& who) {
  if ((c.valid & kAttrUid) && !chown_ok(inode, c.uid, who)) return Errno::perm;
  if ((c.valid & kAttrGid) && !chgrp_ok(inode, c.gid, who)) return Errno::perm;
  if (c.valid & kAttrMode) {
    if (!owner_or_capable(inode, who)) return Errno::perm;
    const std::uint32_t gid = (c.valid & kAttrGid) ? c.gid : inode.gid;
    if (!in_group_or_capable(gid, who)) c.mode &= ~kSIsgid;
  }
  if ((c.valid & (kAttrAtimeSet | kAttrMtimeSet | kAttrTimesSet)) && !owner_or_capable(inode, who)) {
    return Errno::perm;
  }
  return {};
}

}  // namespace

bool owner_or_capable(const Inode& inode, const Caller& who) { return who.uid == inode.uid || who.uid == 0; }

unsigned should_drop_sgid(const Inode& inode, const Caller& who) {
  if (!(inode.mode & kSIsgid)) return 0;
  if (inode.mode & kSIxgrp) return kAttrKillSgid;
  return in_group_or_capable(inode.gid, who) ? 0 : kAttrKillSgid;
}

Result<void> notify_change(Inode& inode, AttrChange c, const Caller& who, std::int64_t now) {
  if (auto r = may_setattr(inode, c.valid, who); !r) return r;
  // The mode of a symbolic link means nothing and cannot be changed.
  if ((c.valid & kAttrMode) && inode.is_symlink()) return Errno::opnotsupp;
  c.ctime_ns = now;
  if (!(c.valid & kAttrAtimeSet)) c.atime_ns = now;
  if (!(c.valid & kAttrMtimeSet)) c.mtime_ns = now;
  // The kill bits become a mode change, which setattr_prepare() then checks as one.
  if ((c.valid & kAttrKillSuid) && (inode.mode & kSIsuid)) {
    c.valid |= kAttrMode;
    c.mode = inode.mode & ~kSIsuid;
  }
  if ((c.valid & kAttrKillSgid) && (inode.mode & kSIsgid)) {
    if (!(c.valid & kAttrMode)) {
      c.valid |= kAttrMode;
      c.mode = inode.mode;
    }
    c.mode &= ~kSIsgid;
  }
  if (auto r = setattr_prepare(inode, c, who); !r) return r;
  if (inode.sb == nullptr) {
    setattr_copy(inode, c);
    return {};
  }
  return inode.sb->setattr(inode, c);
}

void setattr_copy(Inode& inode, const AttrChange& c) {
  if (c.valid & kAttrUid) inode.uid = c.uid;
  if (c.valid & kAttrGid) inode.gid = c.gid;
  if (c.valid & kAttrAtime) inode.atime_ns = c.atime_ns;
  if (c.valid & kAttrMtime) inode.mtime_ns = c.mtime_ns;
  if (c.valid & kAttrCtime) inode.ctime_ns = c.ctime_ns;
  if (c.valid & kAttrMode) inode.mode = c.mode & kSIallugo;
}

}  // namespace vmlab::fs
