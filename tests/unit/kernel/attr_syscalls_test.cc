// chmod, chown and utimensat through the riscv64 system calls: what each changes, the
// set-id bits Linux clears, and each errno in Linux's order (fs/open.c, fs/attr.c,
// fs/utimes.c). The process is uid 1000 (gid 1000, no supplementary groups); root's
// rules are tried by making it uid 0.
#include "unit/kernel/syscall_fixture.h"

#include "fs/file_time.h"
#include "vmlab/fcntl.h"

namespace vmlab::kern::test {
namespace {

enum : std::uint64_t {
  kFchmod = 52, kFchmodat = 53, kFchownat = 54, kFchown = 55, kOpenat = 56, kPipe2 = 59, kFstat = 80,
  kUtimensat = 88, kFchmodat2 = 452,
};
constexpr std::uint64_t kCwd = static_cast<std::uint64_t>(-100);
constexpr std::uint64_t kKeep = 0xffffffff;  // uid or gid -1
constexpr std::int64_t kEpoch = static_cast<std::int64_t>(hw::kRealtimeEpochSec);

class AttrTest : public SyscallTest {
 protected:
  AttrTest() {
    EXPECT_TRUE(k().write_whole_file("/tmp/f", "data", 0644));
    EXPECT_TRUE(k().symlinkat(*p, "f", kAtFdcwd, "/tmp/l").ok());
    EXPECT_TRUE(k().mkdirat(*p, kAtFdcwd, "/tmp/d", 0755).ok());
  }
  FileStat st(const std::string& path) { return *k().fstatat(*p, kAtFdcwd, path, kAtSymlinkNofollow); }
  std::uint32_t mode(const std::string& path) { return st(path).mode & 07777; }
  VirtAddr path(const std::string& s) { return put_str(512, s); }
  void as_root() { p->tg->uid = p->tg->gid = 0; }
  void as_user() { p->tg->uid = p->tg->gid = 1000; }
  void later() { machine().sys.clock().charge(1000); }
  // A file of root's, group 50, with `m`.
  void roots_file(const std::string& name, std::uint32_t m) {
    as_root();
    EXPECT_TRUE(k().write_whole_file(name, "x", 0644));
    EXPECT_TRUE(k().fchownat(*p, kAtFdcwd, name, 0, 50, 0).ok());
    EXPECT_TRUE(k().fchmodat(*p, kAtFdcwd, name, m, 0).ok());
    as_user();
  }
  // The times of utimensat() at buf + 256.
  VirtAddr times(std::int64_t asec, std::int64_t ansec, std::int64_t msec, std::int64_t mnsec) {
    put<std::array<std::int64_t, 4>>(256, {asec, ansec, msec, mnsec});
    return buf + 256;
  }
};

TEST_F(AttrTest, ChmodSetsThePermissionBitsAndCtime) {
  const FileStat before = st("/tmp/f");
  later();
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/f"), 0177777), 0);  // only 07777 counts
  EXPECT_EQ(mode("/tmp/f"), 07777u);
  EXPECT_EQ(st("/tmp/f").mode & kSIfmt, kSIfreg);
  EXPECT_GT(st("/tmp/f").ctime_ns, before.ctime_ns);
  EXPECT_EQ(st("/tmp/f").mtime_ns, before.mtime_ns);
  // Through a symlink, the target; a directory too.
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/l"), 0600), 0);
  EXPECT_EQ(mode("/tmp/f"), 0600u);
  EXPECT_EQ(mode("/tmp/l"), 0777u);
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/d"), 0700), 0);
  EXPECT_EQ(mode("/tmp/d"), 0700u);
  // fchmod() on a descriptor.
  const int fd = static_cast<int>(sys(kOpenat, kCwd, path("/tmp/f"), kORdonly));
  EXPECT_EQ(sys(kFchmod, fd, 0640), 0);
  EXPECT_EQ(mode("/tmp/f"), 0640u);
  EXPECT_EQ(sys(kFchmod, 99, 0640), e(Errno::badf));
}

TEST_F(AttrTest, ChmodErrors) {
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/nope"), 0600), e(Errno::noent));
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/f/x"), 0600), e(Errno::notdir));
  EXPECT_EQ(sys(kFchmodat, kCwd, path(""), 0600), e(Errno::noent));
  EXPECT_EQ(sys(kFchmodat, kCwd, kBad, 0600), e(Errno::fault));
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/" + std::string(256, 'n')), 0600), e(Errno::nametoolong));
  // The three-argument call never reads a3; fchmodat2 checks its flags before the name.
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/f"), 0600, 0x12345), 0);
  EXPECT_EQ(sys(kFchmodat2, kCwd, kBad, 0600, 1), e(Errno::inval));
  EXPECT_EQ(sys(kFchmodat2, kCwd, path("/tmp/f"), 0600, kAtRemovedir), e(Errno::inval));
  // AT_SYMLINK_NOFOLLOW: a link's mode cannot change (notify_change()); a file's can.
  EXPECT_EQ(sys(kFchmodat2, kCwd, path("/tmp/l"), 0600, kAtSymlinkNofollow), e(Errno::opnotsupp));
  EXPECT_EQ(sys(kFchmodat2, kCwd, path("/tmp/f"), 0604, kAtSymlinkNofollow), 0);
  EXPECT_EQ(mode("/tmp/f"), 0604u);
  // AT_EMPTY_PATH: the descriptor itself, or the working directory; a NULL name is
  // still EFAULT.
  const int fd = static_cast<int>(sys(kOpenat, kCwd, path("/tmp/f"), kORdonly));
  EXPECT_EQ(sys(kFchmodat2, fd, path(""), 0640, kAtEmptyPath), 0);
  EXPECT_EQ(mode("/tmp/f"), 0640u);
  EXPECT_EQ(sys(kFchmodat2, fd, path(""), 0640, 0), e(Errno::noent));
  EXPECT_EQ(sys(kFchmodat2, fd, 0, 0640, kAtEmptyPath), e(Errno::fault));
  EXPECT_EQ(sys(kFchmodat2, 99, path(""), 0640, kAtEmptyPath), e(Errno::badf));
  ASSERT_TRUE(k().chdir(*p, "/tmp/d").ok());
  EXPECT_EQ(sys(kFchmodat2, kCwd, path(""), 0711, kAtEmptyPath), 0);
  EXPECT_EQ(mode("/tmp/d"), 0711u);
  // Only the owner or root (setattr_prepare()).
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/dev/null"), 0666), e(Errno::perm));
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp"), 0777), e(Errno::perm));
  as_root();
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/dev/null"), 0644), 0);
  EXPECT_EQ(mode("/dev/null"), 0644u);
  // procfs keeps no attributes: even root is refused.
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/proc/meminfo"), 0644), e(Errno::perm));
}

TEST_F(AttrTest, ChmodDropsSetgidOutsideTheGroup) {
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/f"), 02755), 0);  // the owner's own group
  EXPECT_EQ(mode("/tmp/f"), 02755u);
  as_root();
  ASSERT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), kKeep, 50, 0), 0);
  as_user();
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/f"), 06755), 0);  // group 50 is not ours
  EXPECT_EQ(mode("/tmp/f"), 04755u);
  as_root();  // CAP_FSETID keeps it
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/tmp/f"), 02755), 0);
  EXPECT_EQ(mode("/tmp/f"), 02755u);
}

TEST_F(AttrTest, ChownWhoMayGiveWhat) {
  const FileStat before = st("/tmp/f");
  later();
  // The owner may "change" the owner to itself and the group to one of its own.
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), 1000, 1000, 0), 0);
  EXPECT_GT(st("/tmp/f").ctime_ns, before.ctime_ns);
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), 0, kKeep, 0), e(Errno::perm));
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), 1001, kKeep, 0), e(Errno::perm));
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), kKeep, 12345, 0), e(Errno::perm));
  EXPECT_EQ(sys(kFchownat, kCwd, path("/dev/null"), 0, kKeep, 0), e(Errno::perm));
  // Changing nothing needs no right at all, on anybody's file.
  EXPECT_EQ(sys(kFchownat, kCwd, path("/dev/null"), kKeep, kKeep, 0), 0);
  // Root gives files away; -1 leaves an id as it is; any other value is an id.
  as_root();
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), 1234, kKeep, 0), 0);
  EXPECT_EQ(st("/tmp/f").uid, 1234u);
  EXPECT_EQ(st("/tmp/f").gid, 1000u);
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), kKeep, 0xfffffffe, 0), 0);
  EXPECT_EQ(st("/tmp/f").gid, 0xfffffffeu);
  // A link is followed unless AT_SYMLINK_NOFOLLOW.
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/l"), 7, 8, kAtSymlinkNofollow), 0);
  EXPECT_EQ(st("/tmp/l").uid, 7u);
  EXPECT_EQ(st("/tmp/f").uid, 1234u);
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/l"), 9, 9, 0), 0);
  EXPECT_EQ(st("/tmp/f").uid, 9u);
  const int fd = static_cast<int>(sys(kOpenat, kCwd, path("/tmp/f"), kORdonly));
  EXPECT_EQ(sys(kFchown, fd, 10, 11), 0);
  EXPECT_EQ(st("/tmp/f").uid, 10u);
  EXPECT_EQ(sys(kFchownat, fd, path(""), 12, kKeep, kAtEmptyPath), 0);
  EXPECT_EQ(st("/tmp/f").uid, 12u);
  EXPECT_EQ(sys(kFchown, 99, 0, 0), e(Errno::badf));
  // Errors.
  EXPECT_EQ(sys(kFchownat, kCwd, kBad, 0, 0, 0x400), e(Errno::inval));
  EXPECT_EQ(sys(kFchownat, kCwd, path(""), 0, 0, 0), e(Errno::noent));
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/nope"), 0, 0, 0), e(Errno::noent));
  EXPECT_EQ(sys(kFchownat, kCwd, kBad, 0, 0, 0), e(Errno::fault));
  EXPECT_EQ(sys(kFchownat, kCwd, path("/proc/meminfo"), 0, 0, 0), e(Errno::perm));
}

// chown clears S_ISUID of a non-directory, and S_ISGID when the group may execute;
// it does so even when no id changes (notify_change(), setattr_should_drop_sgid()).
TEST_F(AttrTest, ChownClearsSetIdBits) {
  ASSERT_EQ(sys(kFchmodat, kCwd, path("/tmp/f"), 06755), 0);
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), kKeep, kKeep, 0), 0);
  EXPECT_EQ(mode("/tmp/f"), 0755u);
  ASSERT_EQ(sys(kFchmodat, kCwd, path("/tmp/f"), 06745), 0);  // S_ISGID without S_IXGRP
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/f"), kKeep, kKeep, 0), 0);
  EXPECT_EQ(mode("/tmp/f"), 02745u);
  ASSERT_EQ(sys(kFchmodat, kCwd, path("/tmp/d"), 06755), 0);  // directories keep them
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/d"), kKeep, kKeep, 0), 0);
  EXPECT_EQ(mode("/tmp/d"), 06755u);
  // S_ISGID without S_IXGRP goes when the caller is not in the file's group.
  roots_file("/tmp/g", 02745);
  as_root();
  ASSERT_EQ(sys(kFchownat, kCwd, path("/tmp/g"), 1000, kKeep, 0), 0);  // 1000's, group 50
  EXPECT_EQ(mode("/tmp/g"), 02745u);
  as_user();
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/g"), kKeep, 1000, 0), 0);
  EXPECT_EQ(mode("/tmp/g"), 0745u);
  EXPECT_EQ(st("/tmp/g").gid, 1000u);
  // Clearing a bit is a mode change: only for the owner, so another's setuid file
  // refuses even an empty chown.
  roots_file("/tmp/s", 04755);
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/s"), kKeep, kKeep, 0), e(Errno::perm));
  EXPECT_EQ(mode("/tmp/s"), 04755u);
  as_root();
  EXPECT_EQ(sys(kFchownat, kCwd, path("/tmp/s"), kKeep, kKeep, 0), 0);
  EXPECT_EQ(mode("/tmp/s"), 0755u);
}

TEST_F(AttrTest, UtimensatSetsTimes) {
  later();
  // Explicit times; ctime is now.
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/f"), times(1, 2, kEpoch + 3, 4), 0), 0);
  FileStat s = st("/tmp/f");
  EXPECT_EQ(fs::to_realtime(s.atime_ns).sec, 1);
  EXPECT_EQ(fs::to_realtime(s.atime_ns).nsec, 2);
  EXPECT_EQ(s.mtime_ns, 3 * fs::kNsPerSec + 4);
  EXPECT_EQ(s.ctime_ns, k().file_time_now());
  // Before 1970 is a time like any other.
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/f"), times(-5, 0, -1, 5), 0), 0);
  EXPECT_EQ(fs::to_realtime(st("/tmp/f").atime_ns).sec, -5);
  EXPECT_EQ(fs::to_realtime(st("/tmp/f").mtime_ns).sec, -1);
  EXPECT_EQ(fs::to_realtime(st("/tmp/f").mtime_ns).nsec, 5);
  // UTIME_OMIT leaves one, UTIME_NOW sets one to now.
  later();
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/f"), times(0, kUtimeNow, 0, kUtimeOmit), 0), 0);
  s = st("/tmp/f");
  EXPECT_EQ(s.atime_ns, k().file_time_now());
  EXPECT_EQ(fs::to_realtime(s.mtime_ns).sec, -1);
  // No times: both now.
  later();
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/f"), 0, 0), 0);
  s = st("/tmp/f");
  EXPECT_EQ(s.atime_ns, k().file_time_now());
  EXPECT_EQ(s.mtime_ns, k().file_time_now());
  // A NULL name with a descriptor: its file (futimens()).
  const int fd = static_cast<int>(sys(kOpenat, kCwd, path("/tmp/f"), kORdonly));
  EXPECT_EQ(sys(kUtimensat, fd, 0, times(7, 0, 8, 0), 0), 0);
  EXPECT_EQ(fs::to_realtime(st("/tmp/f").atime_ns).sec, 7);
  // AT_SYMLINK_NOFOLLOW: the link's own times.
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/l"), times(9, 0, 9, 0), kAtSymlinkNofollow), 0);
  EXPECT_EQ(fs::to_realtime(st("/tmp/l").mtime_ns).sec, 9);
  EXPECT_EQ(fs::to_realtime(st("/tmp/f").mtime_ns).sec, 8);
  // AT_EMPTY_PATH: the descriptor's file.
  EXPECT_EQ(sys(kUtimensat, fd, path(""), times(10, 0, 10, 0), kAtEmptyPath), 0);
  EXPECT_EQ(fs::to_realtime(st("/tmp/f").mtime_ns).sec, 10);
}

TEST_F(AttrTest, UtimensatErrorsInLinuxOrder) {
  // Both omitted: nothing to do, nothing looked at.
  EXPECT_EQ(sys(kUtimensat, kCwd, kBad, times(0, kUtimeOmit, 0, kUtimeOmit), 0x999), 0);
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/f"), kBad, 0), e(Errno::fault));
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/f"), 0, 0x999), e(Errno::inval));
  EXPECT_EQ(sys(kUtimensat, kCwd, 0, 0, 0), e(Errno::fault));
  EXPECT_EQ(sys(kUtimensat, kCwd, 0, 0, 0x999), e(Errno::inval));
  EXPECT_EQ(sys(kUtimensat, 99, 0, 0, 0), e(Errno::badf));
  const int fd = static_cast<int>(sys(kOpenat, kCwd, path("/tmp/f"), kORdonly));
  EXPECT_EQ(sys(kUtimensat, fd, 0, 0, kAtSymlinkNofollow), e(Errno::inval));  // do_utimes_fd(): no flags
  EXPECT_EQ(sys(kUtimensat, kCwd, path(""), 0, 0), e(Errno::noent));
  EXPECT_EQ(sys(kUtimensat, 99, path("f"), 0, 0), e(Errno::badf));
  // A bad tv_nsec is found after the name.
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/nope"), times(0, 1000000000, 0, 0), 0), e(Errno::noent));
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/f"), times(0, 1000000000, 0, 0), 0), e(Errno::inval));
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/f"), times(0, 0, 0, -1), 0), e(Errno::inval));
}

// Setting the times to now takes ownership or write permission (EACCES); any other
// setting takes ownership (EPERM), "now" for one time and "omit" for the other too.
TEST_F(AttrTest, UtimensatPermissions) {
  roots_file("/tmp/w", 0666);
  roots_file("/tmp/r", 0644);
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/w"), 0, 0), 0);
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/w"), times(0, kUtimeNow, 0, kUtimeNow), 0), 0);
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/w"), times(0, kUtimeNow, 0, kUtimeOmit), 0), e(Errno::perm));
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/w"), times(1, 0, 1, 0), 0), e(Errno::perm));
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/r"), 0, 0), e(Errno::acces));
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/r"), times(1, 0, 1, 0), 0), e(Errno::perm));
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/proc"), 0, 0), e(Errno::acces));
  as_root();
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/tmp/r"), times(1, 0, 1, 0), 0), 0);
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/proc/meminfo"), 0, 0), e(Errno::perm));  // procfs keeps none
}

TEST_F(AttrTest, ReadOnlyMountIsErofs) {
  auto ro = std::make_shared<fs::MemFs>(99, [](fs::Inode&) {});
  ASSERT_TRUE(ro->create("/file", 0644, false).ok());
  k().vfs().mount({"/ro", ro, ro->root(), true, "ro"});
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/ro/file"), 0600), e(Errno::rofs));
  EXPECT_EQ(sys(kFchownat, kCwd, path("/ro/file"), kKeep, kKeep, 0), e(Errno::rofs));
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/ro/file"), 0, 0), e(Errno::rofs));
  // A bad tv_nsec comes first, a missing file before everything.
  EXPECT_EQ(sys(kUtimensat, kCwd, path("/ro/file"), times(0, -1, 0, 0), 0), e(Errno::inval));
  EXPECT_EQ(sys(kFchmodat, kCwd, path("/ro/nope"), 0600), e(Errno::noent));
  const int fd = static_cast<int>(sys(kOpenat, kCwd, path("/ro/file"), kORdonly));
  EXPECT_EQ(sys(kFchmod, fd, 0600), e(Errno::rofs));
  EXPECT_EQ(sys(kFchown, fd, kKeep, kKeep), e(Errno::rofs));
  EXPECT_EQ(sys(kUtimensat, fd, 0, 0, 0), e(Errno::rofs));
}

// A pipe's inode has its creator, mode 0600 and its times; fchmod, fchown and
// futimens change them as fstat() then shows.
TEST_F(AttrTest, PipesToo) {
  later();
  ASSERT_EQ(sys(kPipe2, buf + 128, 0), 0);
  const int rfd = get<std::int32_t>(buf + 128);
  ASSERT_EQ(sys(kFstat, rfd, buf + 1024), 0);
  EXPECT_EQ(get<std::uint32_t>(buf + 1024 + 16), 0010600u);
  EXPECT_EQ(get<std::uint32_t>(buf + 1024 + 24), 1000u);
  EXPECT_EQ(get<std::int64_t>(buf + 1024 + 88), kEpoch);  // st_mtime: made at boot + 1 us
  EXPECT_EQ(sys(kFchmod, rfd, 0640), 0);
  EXPECT_EQ(sys(kFchown, rfd, kKeep, 1000), 0);
  EXPECT_EQ(sys(kUtimensat, rfd, 0, times(5, 0, 6, 0), 0), 0);
  ASSERT_EQ(sys(kFstat, rfd, buf + 1024), 0);
  EXPECT_EQ(get<std::uint32_t>(buf + 1024 + 16), 0010640u);
  EXPECT_EQ(get<std::int64_t>(buf + 1024 + 72), 5);
  EXPECT_EQ(get<std::int64_t>(buf + 1024 + 88), 6);
  EXPECT_EQ(sys(kFchown, rfd, 0, kKeep), e(Errno::perm));
}

}  // namespace
}  // namespace vmlab::kern::test
