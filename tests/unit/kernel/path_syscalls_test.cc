// The path system calls through the kernel: stat fields, access, readlink, unlink,
// mkdir, rmdir, chdir and their Linux errors; walking limits (ENAMETOOLONG, ELOOP);
// the mount table ("/", /dev, /proc).
#include <gtest/gtest.h>

#include "api/machine_state.h"
#include "unit/mm/test_util.h"
#include "vmlab/fcntl.h"
#include "vmlab/mman.h"

namespace vmlab {
namespace {

class PathTest : public ::testing::Test {
 protected:
  PathTest() : m_(test::small_config(64 * MiB)), p_(m_.spawn("t")) {}
  kern::Kernel& k() { return m_.state().kernel; }
  kern::Task& kp() { return m_.state().task(p_.tid()); }
  Machine m_;
  Process p_;
};

TEST_F(PathTest, StatOfARegularFile) {
  ASSERT_TRUE(m_.write_file("/tmp/f", "hello\n"));
  auto st = k().stat(kp(), "/tmp/f");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->dev, (8u << 8) | 1);  // memfs: 08:01
  EXPECT_EQ(st->mode, kSIfreg | 0644);
  EXPECT_EQ(st->nlink, 1u);
  EXPECT_EQ(st->uid, 1000u);
  EXPECT_EQ(st->gid, 1000u);
  EXPECT_EQ(st->rdev, 0u);
  EXPECT_EQ(st->size, 6u);
  EXPECT_EQ(st->blocks, 8u);  // one dirty page: a 4 KiB block reserved
  EXPECT_EQ(st->blksize, 4096u);
  // fstat() of the open file says the same.
  auto fd = p_.open("/tmp/f", kORdonly);
  auto fst = k().fstat(kp(), *fd);
  EXPECT_EQ(fst->ino, st->ino);
  EXPECT_EQ(fst->mode, st->mode);
  // A file a process makes is its own, with the umask applied.
  ASSERT_TRUE(p_.open("/tmp/g", kOWronly | kOCreat, 0666).ok());
  EXPECT_EQ(k().stat(kp(), "/tmp/g")->mode, kSIfreg | 0644);
}

TEST_F(PathTest, TimesComeFromTheVirtualClock) {
  ASSERT_TRUE(m_.write_file("/tmp/f", "a"));
  const auto before = *k().stat(kp(), "/tmp/f");
  m_.state().sys.clock().charge(5000);
  auto fd = p_.open("/tmp/f", kOWronly | kOAppend);
  auto a = p_.mmap(0, 4096, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_TRUE(p_.write_string(*a, "b"));
  ASSERT_TRUE(p_.write(*fd, *a, 1).ok());
  const auto after = *k().stat(kp(), "/tmp/f");
  EXPECT_GT(after.mtime_ns, before.mtime_ns);
  EXPECT_EQ(after.mtime_ns, after.ctime_ns);
  EXPECT_LE(after.mtime_ns, static_cast<std::int64_t>(m_.virtual_time_ns()));
}

// relatime: a read moves the access time when it is not newer than the last change,
// or when it is a day old; otherwise it stays (relatime_need_update()).
TEST_F(PathTest, RelatimeAccessTime) {
  ASSERT_TRUE(m_.write_file("/tmp/f", "abc"));
  auto fd = p_.open("/tmp/f", kORdonly);
  auto a = p_.mmap(0, 4096, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  const auto read_atime = [&] {
    EXPECT_TRUE(p_.pread(*fd, *a, 1, 0).ok());
    return k().stat(kp(), "/tmp/f")->atime_ns;
  };
  m_.state().sys.clock().charge(1000);
  const std::int64_t first = read_atime();
  EXPECT_GT(first, k().stat(kp(), "/tmp/f")->mtime_ns);
  m_.state().sys.clock().charge(1000);
  EXPECT_EQ(read_atime(), first);  // newer than the change, younger than a day
  m_.state().sys.clock().charge(24ULL * 3600 * 1000000000);
  EXPECT_GT(read_atime(), first);
}

TEST_F(PathTest, StatOfDirectoriesDevicesAndProc) {
  auto root = k().stat(kp(), "/");
  EXPECT_EQ(root->mode, kSIfdir | 0755);
  EXPECT_EQ(root->ino, 2u);
  auto tmp = k().stat(kp(), "/tmp");
  EXPECT_EQ(tmp->mode, kSIfdir | 01777);
  EXPECT_EQ(tmp->uid, 0u);
  EXPECT_EQ(tmp->size, 4096u);
  auto null = k().stat(kp(), "/dev/null");
  EXPECT_EQ(null->mode, kSIfchr | 0666);
  EXPECT_EQ(null->rdev, (1u << 8) | 3);
  EXPECT_EQ(null->dev, 6u);  // devtmpfs 00:06
  EXPECT_EQ(k().stat(kp(), "/dev/urandom")->rdev, (1u << 8) | 9);
  EXPECT_EQ(k().stat(kp(), "/dev/random")->rdev, (1u << 8) | 8);
  auto proc = k().stat(kp(), "/proc");
  EXPECT_EQ(proc->mode, kSIfdir | 0555);
  EXPECT_EQ(proc->ino, 1u);
  EXPECT_EQ(proc->dev, 21u);
  auto meminfo = k().stat(kp(), "/proc/meminfo");
  EXPECT_EQ(meminfo->mode, kSIfreg | 0444);
  EXPECT_EQ(meminfo->size, 0u);
  auto self = k().lstat(kp(), "/proc/self");
  EXPECT_EQ(self->mode, kSIflnk | 0777);
  EXPECT_EQ(self->ino, 0xF0000000u);
  auto piddir = k().stat(kp(), "/proc/self");
  EXPECT_EQ(piddir->mode, kSIfdir | 0555);
  EXPECT_EQ(piddir->ino, k().stat(kp(), "/proc/" + std::to_string(p_.pid()))->ino);
  EXPECT_EQ(piddir->uid, 1000u);
  EXPECT_EQ(k().lstat(kp(), "/proc/self/exe")->mode, kSIflnk | 0777);
  EXPECT_EQ(k().stat(kp(), "/proc/sys/kernel/pid_max")->mode, kSIfreg | 0644);
}

TEST_F(PathTest, ReadlinkOfProcAndMemfsLinks) {
  EXPECT_EQ(*k().readlinkat(kp(), kAtFdcwd, "/proc/self"), std::to_string(p_.pid()));
  EXPECT_EQ(*k().readlinkat(kp(), kAtFdcwd, "/proc/mounts"), "self/mounts");
  EXPECT_EQ(*k().readlinkat(kp(), kAtFdcwd, "/proc/thread-self"),
            std::to_string(p_.pid()) + "/task/" + std::to_string(p_.tid()));
  EXPECT_EQ(*k().readlinkat(kp(), kAtFdcwd, "/proc/self/cwd"), "/");
  EXPECT_EQ(k().readlinkat(kp(), kAtFdcwd, "/proc/self/exe").error(), Errno::noent);  // never exec'd
  kp().tg->exe = "/bin/prog";
  EXPECT_EQ(*k().readlinkat(kp(), kAtFdcwd, "/proc/self/exe"), "/bin/prog");
  EXPECT_EQ(k().readlinkat(kp(), kAtFdcwd, "/proc/meminfo").error(), Errno::inval);
  EXPECT_EQ(k().readlinkat(kp(), kAtFdcwd, "/nope").error(), Errno::noent);
  EXPECT_EQ(k().readlinkat(kp(), kAtFdcwd, "").error(), Errno::noent);
  ASSERT_TRUE(k().symlinkat(kp(), "target/x", kAtFdcwd, "/tmp/l").ok());
  EXPECT_EQ(*k().readlinkat(kp(), kAtFdcwd, "/tmp/l"), "target/x");
  EXPECT_EQ(k().symlinkat(kp(), "y", kAtFdcwd, "/tmp/l").error(), Errno::exist);
  // /proc/PID of another process, and of none.
  Process q = m_.spawn("q");
  EXPECT_EQ(*k().readlinkat(kp(), kAtFdcwd, "/proc/" + std::to_string(q.pid()) + "/root"), "/");
  EXPECT_EQ(k().stat(kp(), "/proc/99999").error(), Errno::noent);
  EXPECT_EQ(k().stat(kp(), "/proc/0123").error(), Errno::noent);
}

TEST_F(PathTest, Access) {
  ASSERT_TRUE(m_.write_file("/tmp/f", "x"));
  EXPECT_TRUE(k().faccessat(kp(), kAtFdcwd, "/tmp/f", kFOk, 0).ok());
  EXPECT_TRUE(k().faccessat(kp(), kAtFdcwd, "/tmp/f", kROk | kWOk, 0).ok());
  EXPECT_EQ(k().faccessat(kp(), kAtFdcwd, "/tmp/f", kXOk, 0).error(), Errno::acces);
  EXPECT_EQ(k().faccessat(kp(), kAtFdcwd, "/tmp/nope", kFOk, 0).error(), Errno::noent);
  EXPECT_EQ(k().faccessat(kp(), kAtFdcwd, "/tmp/f", 8, 0).error(), Errno::inval);
  EXPECT_EQ(k().faccessat(kp(), kAtFdcwd, "/tmp/f", kFOk, 1).error(), Errno::inval);
  EXPECT_EQ(k().faccessat(kp(), kAtFdcwd, "/proc/meminfo", kWOk, 0).error(), Errno::acces);
  EXPECT_TRUE(k().faccessat(kp(), kAtFdcwd, "/proc", kXOk | kROk, 0).ok());
  EXPECT_TRUE(k().faccessat(kp(), kAtFdcwd, "/dev/null", kWOk, 0).ok());
  EXPECT_EQ(k().faccessat(kp(), kAtFdcwd, "/tmp/f/x", kFOk, 0).error(), Errno::notdir);
  // Root passes the mode bits, but executes only what someone may execute.
  kp().tg->uid = kp().tg->gid = 0;
  EXPECT_TRUE(k().faccessat(kp(), kAtFdcwd, "/proc/meminfo", kWOk, 0).ok());
  EXPECT_EQ(k().faccessat(kp(), kAtFdcwd, "/tmp/f", kXOk, 0).error(), Errno::acces);
  EXPECT_TRUE(k().faccessat(kp(), kAtFdcwd, "/tmp", kXOk, 0).ok());
}

TEST_F(PathTest, UnlinkMkdirRmdirErrors) {
  ASSERT_TRUE(p_.mkdir("/tmp/d").ok());
  ASSERT_TRUE(m_.write_file("/tmp/d/f", "x"));
  EXPECT_EQ(p_.mkdir("/tmp/d").error(), Errno::exist);
  EXPECT_EQ(p_.mkdir("/tmp/nope/e").error(), Errno::noent);
  EXPECT_EQ(p_.mkdir("/tmp/d/f/e").error(), Errno::notdir);
  EXPECT_EQ(p_.unlink("/tmp/d").error(), Errno::isdir);
  EXPECT_EQ(p_.unlink("/tmp/d/nope").error(), Errno::noent);
  EXPECT_EQ(p_.unlink("/tmp/d/f/").error(), Errno::notdir);
  EXPECT_EQ(p_.unlink("/").error(), Errno::isdir);
  EXPECT_EQ(k().unlinkat(kp(), kAtFdcwd, "/tmp/d", kAtRemovedir).error(), Errno::notempty);
  EXPECT_EQ(k().unlinkat(kp(), kAtFdcwd, "/tmp/d/f", kAtRemovedir).error(), Errno::notdir);
  EXPECT_EQ(k().unlinkat(kp(), kAtFdcwd, "/tmp/d/.", kAtRemovedir).error(), Errno::inval);
  EXPECT_EQ(k().unlinkat(kp(), kAtFdcwd, "/tmp/d/..", kAtRemovedir).error(), Errno::notempty);
  EXPECT_EQ(k().unlinkat(kp(), kAtFdcwd, "/tmp/d", 1).error(), Errno::inval);
  EXPECT_EQ(k().unlinkat(kp(), kAtFdcwd, "/proc", kAtRemovedir).error(), Errno::busy);  // a mount point
  EXPECT_EQ(p_.unlink("/proc/meminfo").error(), Errno::acces);
  EXPECT_EQ(p_.mkdir("/proc/x").error(), Errno::acces);
  EXPECT_EQ(p_.mkdir("/dev/x").error(), Errno::acces);
  ASSERT_TRUE(p_.unlink("/tmp/d/f").ok());
  ASSERT_TRUE(k().unlinkat(kp(), kAtFdcwd, "/tmp/d", kAtRemovedir).ok());
  EXPECT_EQ(k().stat(kp(), "/tmp/d").error(), Errno::noent);
  // /tmp is sticky: another user's file there cannot be removed.
  ASSERT_TRUE(m_.write_file("/tmp/theirs", "x"));
  kp().tg->uid = 1001;
  EXPECT_EQ(p_.unlink("/tmp/theirs").error(), Errno::perm);
  kp().tg->uid = 1000;
  EXPECT_TRUE(p_.unlink("/tmp/theirs").ok());
  test::expect_consistent(m_);
}

TEST_F(PathTest, ChdirAndRelativePaths) {
  ASSERT_TRUE(p_.mkdir("/tmp/a").ok());
  ASSERT_TRUE(p_.mkdir("/tmp/a/b").ok());
  ASSERT_TRUE(m_.write_file("/tmp/a/b/f", "x"));
  ASSERT_TRUE(k().symlinkat(kp(), "a/b", kAtFdcwd, "/tmp/lnk").ok());
  EXPECT_EQ(k().chdir(kp(), "/tmp/a/b/f").error(), Errno::notdir);
  EXPECT_EQ(k().chdir(kp(), "/tmp/none").error(), Errno::noent);
  ASSERT_TRUE(k().chdir(kp(), "/tmp/lnk").ok());
  EXPECT_EQ(k().getcwd(kp()), "/tmp/a/b");  // the canonical path, not the link
  EXPECT_TRUE(p_.open("f", kORdonly).ok());
  EXPECT_TRUE(k().stat(kp(), "../b/./f").ok());
  ASSERT_TRUE(k().chdir(kp(), "../../..").ok());
  EXPECT_EQ(k().getcwd(kp()), "/");
  ASSERT_TRUE(k().chdir(kp(), "../../proc/self").ok());  // ".." at "/" stays at "/"
  EXPECT_EQ(k().getcwd(kp()), "/proc/" + std::to_string(p_.pid()));
  // *at() calls from a directory descriptor.
  ASSERT_TRUE(k().chdir(kp(), "/").ok());
  auto dfd = p_.open("/tmp/a", kORdonly | kODirectory);
  ASSERT_TRUE(dfd.ok());
  EXPECT_TRUE(k().fstatat(kp(), *dfd, "b/f", 0).ok());
  EXPECT_TRUE(k().openat(kp(), *dfd, "b/f", kORdonly, 0).ok());
  auto ffd = p_.open("/tmp/a/b/f", kORdonly);
  EXPECT_EQ(k().fstatat(kp(), *ffd, "x", 0).error(), Errno::notdir);
  EXPECT_EQ(k().fstatat(kp(), 99, "x", 0).error(), Errno::badf);
  EXPECT_TRUE(k().fstatat(kp(), 99, "/tmp", 0).ok());  // an absolute path ignores the descriptor
  EXPECT_EQ(k().fstatat(kp(), *ffd, "", kAtEmptyPath)->ino, k().stat(kp(), "/tmp/a/b/f")->ino);
  ASSERT_TRUE(k().fchdir(kp(), *dfd).ok());
  EXPECT_EQ(k().getcwd(kp()), "/tmp/a");
}

TEST_F(PathTest, WalkLimits) {
  // PATH_MAX counts the NUL: 4095 characters walk, 4096 do not.
  std::string long_path = "/";
  while (long_path.size() < 4095) long_path += "./";
  long_path.resize(4095);
  if (long_path.back() == '/') long_path.back() = '.';
  EXPECT_TRUE(k().stat(kp(), long_path).ok());
  EXPECT_EQ(k().stat(kp(), long_path + "/").error(), Errno::nametoolong);
  EXPECT_EQ(k().stat(kp(), "/tmp/" + std::string(256, 'n')).error(), Errno::nametoolong);
  EXPECT_EQ(k().stat(kp(), "/tmp/" + std::string(255, 'n')).error(), Errno::noent);
  EXPECT_EQ(p_.open("/tmp/" + std::string(256, 'n'), kOWronly | kOCreat).error(), Errno::nametoolong);
  // 40 links in a walk are followed; the 41st is ELOOP.
  ASSERT_TRUE(m_.write_file("/tmp/l0", "end"));
  for (int i = 1; i <= 41; ++i) {
    ASSERT_TRUE(k().symlinkat(kp(), "l" + std::to_string(i - 1), kAtFdcwd, "/tmp/l" + std::to_string(i)).ok());
  }
  EXPECT_TRUE(k().stat(kp(), "/tmp/l40").ok());
  EXPECT_EQ(k().stat(kp(), "/tmp/l41").error(), Errno::loop);
  EXPECT_TRUE(k().lstat(kp(), "/tmp/l41").ok());
  EXPECT_EQ(p_.open("/tmp/l1", kORdonly | kONofollow).error(), Errno::loop);
  EXPECT_TRUE(p_.open("/tmp/l1", kORdonly).ok());
  // A trailing slash asks for a directory.
  EXPECT_EQ(k().stat(kp(), "/tmp/l0/").error(), Errno::notdir);
  EXPECT_EQ(p_.open("/tmp/new/", kOWronly | kOCreat).error(), Errno::isdir);
  EXPECT_EQ(k().stat(kp(), "").error(), Errno::noent);
}

TEST_F(PathTest, OpenCreatesThroughADanglingLinkAndChecksPermissions) {
  ASSERT_TRUE(k().symlinkat(kp(), "/tmp/made", kAtFdcwd, "/tmp/dangling").ok());
  ASSERT_TRUE(p_.open("/tmp/dangling", kOWronly | kOCreat).ok());
  EXPECT_TRUE(k().stat(kp(), "/tmp/made").ok());
  EXPECT_EQ(p_.open("/tmp/dangling", kOWronly | kOCreat | kOExcl).error(), Errno::exist);
  // Root's directory /dev: no new files for the user.
  EXPECT_EQ(p_.open("/dev/new", kOWronly | kOCreat).error(), Errno::acces);
  ASSERT_TRUE(p_.open("/tmp/ro", kOWronly | kOCreat, 0444).ok());
  EXPECT_EQ(p_.open("/tmp/ro", kORdwr).error(), Errno::acces);
  EXPECT_EQ(p_.open("/proc/self/status", kORdwr).error(), Errno::acces);
}

TEST_F(PathTest, MountsFile) {
  const std::string text = *m_.read_file("/proc/" + std::to_string(p_.pid()) + "/mounts");
  EXPECT_EQ(text,
            "/dev/root / ext4 rw,relatime 0 0\n"
            "devtmpfs /dev devtmpfs rw,nosuid,relatime,mode=755 0 0\n"
            "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
  auto fd = p_.open("/proc/mounts", kORdonly);  // through the self/mounts link
  ASSERT_TRUE(fd.ok());
}

}  // namespace
}  // namespace vmlab
