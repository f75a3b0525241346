// renameat2() through the riscv64 system call: the flags, each error in Linux's order
// (do_renameat2(), vfs_rename(), may_delete()), link counts, and what follows a
// rename: open and mapped files keep their inode, a replaced file lives on while it
// is used, working directories, open files' names and mounts below move with it.
#include "unit/kernel/syscall_fixture.h"

#include "vmlab/fcntl.h"

namespace vmlab::kern::test {
namespace {

enum : std::uint64_t { kGetcwd = 17, kOpenat = 56, kRead = 63, kPread64 = 67, kFchdir = 50, kRenameat2 = 276 };
constexpr std::uint64_t kCwd = static_cast<std::uint64_t>(-100);

class RenameTest : public SyscallTest {
 protected:
  RenameTest() {
    // /tmp/w: f, h, e/, a/b/g, la -> a
    EXPECT_TRUE(k().mkdirat(*p, kAtFdcwd, "/tmp/w", 0755).ok());
    EXPECT_TRUE(k().chdir(*p, "/tmp/w").ok());
    EXPECT_TRUE(k().write_whole_file("/tmp/w/f", "eff"));
    EXPECT_TRUE(k().write_whole_file("/tmp/w/h", "aitch"));
    EXPECT_TRUE(k().mkdirat(*p, kAtFdcwd, "e", 0755).ok());
    EXPECT_TRUE(k().mkdirat(*p, kAtFdcwd, "a", 0755).ok());
    EXPECT_TRUE(k().mkdirat(*p, kAtFdcwd, "a/b", 0755).ok());
    EXPECT_TRUE(k().write_whole_file("/tmp/w/a/b/g", "gee"));
    EXPECT_TRUE(k().symlinkat(*p, "a", kAtFdcwd, "la").ok());
  }
  std::int64_t rn(const std::string& from, const std::string& to, unsigned flags = 0) {
    return sys(kRenameat2, kCwd, put_str(0, from), kCwd, put_str(256, to), flags);
  }
  bool exists(const std::string& path) { return k().lstat(*p, path).ok(); }
  FileStat st(const std::string& path) { return *k().lstat(*p, path); }
  std::string contents(const std::string& path) { return *k().read_whole_file(path); }
  int open(const std::string& path, int flags = kORdonly) {
    return static_cast<int>(sys(kOpenat, kCwd, put_str(0, path), flags));
  }
};

TEST_F(RenameTest, MovesTheEntryAndKeepsTheInode) {
  const FileStat before = st("f");
  machine().sys.clock().charge(1000);
  EXPECT_EQ(rn("f", "e/moved"), 0);
  EXPECT_FALSE(exists("f"));
  EXPECT_EQ(st("e/moved").ino, before.ino);
  EXPECT_EQ(contents("/tmp/w/e/moved"), "eff");
  EXPECT_GT(st("e/moved").ctime_ns, before.ctime_ns);  // ext4 stamps what moved
  EXPECT_EQ(st("e").mtime_ns, k().file_time_now());
  EXPECT_EQ(st(".").mtime_ns, k().file_time_now());
  // A directory moves with everything below it; a link is renamed, not followed.
  EXPECT_EQ(rn("a", "e/a2"), 0);
  EXPECT_EQ(contents("/tmp/w/e/a2/b/g"), "gee");
  EXPECT_EQ(rn("la", "lb"), 0);
  EXPECT_EQ(*k().readlinkat(*p, kAtFdcwd, "lb"), "a");
  // A name for the same inode: nothing happens, the source stays.
  EXPECT_EQ(rn("h", "h"), 0);
  EXPECT_EQ(rn("h", "./h"), 0);
  EXPECT_TRUE(exists("h"));
}

TEST_F(RenameTest, DirectoryLinkCounts) {
  ASSERT_TRUE(k().mkdirat(*p, kAtFdcwd, "m", 0755).ok());
  ASSERT_TRUE(k().mkdirat(*p, kAtFdcwd, "n", 0755).ok());
  ASSERT_TRUE(k().mkdirat(*p, kAtFdcwd, "n/o", 0755).ok());
  EXPECT_EQ(st(".").nlink, 6u);  // ., .. and e, a, m, n
  EXPECT_EQ(st("n").nlink, 3u);
  EXPECT_EQ(rn("m", "n/o"), 0);  // replaces the empty n/o
  EXPECT_EQ(st(".").nlink, 5u);
  EXPECT_EQ(st("n").nlink, 3u);
  EXPECT_EQ(rn("n/o", "o"), 0);
  EXPECT_EQ(st(".").nlink, 6u);
  EXPECT_EQ(st("n").nlink, 2u);
  // A file and a directory trading places move one ".." link.
  EXPECT_EQ(rn("f", "n", kRenameExchange), 0);
  EXPECT_EQ(st("f").mode & kSIfmt, kSIfdir);
  EXPECT_EQ(st("n").mode & kSIfmt, kSIfreg);
  EXPECT_EQ(rn("n", "e/x", kRenameExchange), e(Errno::noent));
  ASSERT_TRUE(k().write_whole_file("/tmp/w/e/x", "x"));
  EXPECT_EQ(rn("f", "e/x", kRenameExchange), 0);  // the directory goes into e
  EXPECT_EQ(st("e").nlink, 3u);
  EXPECT_EQ(st(".").nlink, 5u);
  EXPECT_EQ(contents("/tmp/w/f"), "x");
}

TEST_F(RenameTest, FlagsAndWhiteout) {
  EXPECT_EQ(rn("f", "g", 8), e(Errno::inval));
  EXPECT_EQ(rn("f", "g", kRenameNoreplace | kRenameExchange), e(Errno::inval));
  EXPECT_EQ(rn("f", "g", kRenameWhiteout | kRenameExchange), e(Errno::inval));
  EXPECT_EQ(sys(kRenameat2, kCwd, kBad, kCwd, kBad, 16), e(Errno::inval));  // flags before names
  EXPECT_EQ(rn("f", "h", kRenameNoreplace), e(Errno::exist));
  EXPECT_EQ(rn("f", "g", kRenameNoreplace), 0);
  // RENAME_WHITEOUT leaves a character device 0:0, mode 0, of the caller's.
  EXPECT_EQ(rn("g", "k", kRenameWhiteout), 0);
  const FileStat wh = st("g");
  EXPECT_EQ(wh.mode, kSIfchr);
  EXPECT_EQ(wh.rdev, 0u);
  EXPECT_EQ(wh.uid, 1000u);
  EXPECT_EQ(contents("/tmp/w/k"), "eff");
}

TEST_F(RenameTest, ErrorsInLinuxOrder) {
  EXPECT_EQ(rn("nope", "g"), e(Errno::noent));
  EXPECT_EQ(rn("nope/x", "g"), e(Errno::noent));
  EXPECT_EQ(rn("", "g"), e(Errno::noent));
  EXPECT_EQ(rn("f/x", "g"), e(Errno::notdir));
  EXPECT_EQ(rn("f", "nope/g"), e(Errno::noent));
  // The old name's directory is walked before the new name is read.
  EXPECT_EQ(sys(kRenameat2, kCwd, put_str(0, "nope/x"), kCwd, kBad, 0), e(Errno::noent));
  EXPECT_EQ(sys(kRenameat2, kCwd, put_str(0, "f"), kCwd, kBad, 0), e(Errno::fault));
  EXPECT_EQ(sys(kRenameat2, kCwd, kBad, kCwd, put_str(256, "g"), 0), e(Errno::fault));
  EXPECT_EQ(sys(kRenameat2, 99, put_str(0, "f"), kCwd, put_str(256, "g"), 0), e(Errno::badf));
  // Across mounts, then ".", ".." and "/" (busy, or taken with NOREPLACE).
  EXPECT_EQ(rn("f", "/dev/f"), e(Errno::xdev));
  EXPECT_EQ(rn("f", "/proc/f"), e(Errno::xdev));
  EXPECT_EQ(rn(".", "g"), e(Errno::busy));
  EXPECT_EQ(rn("f", "."), e(Errno::busy));
  EXPECT_EQ(rn("f", "..", 0), e(Errno::busy));
  EXPECT_EQ(rn("f", ".", kRenameNoreplace), e(Errno::exist));
  EXPECT_EQ(rn("/", "/x"), e(Errno::busy));
  // Types: a file onto a directory, a directory onto a file, trailing slashes.
  EXPECT_EQ(rn("f", "a"), e(Errno::isdir));
  EXPECT_EQ(rn("a", "f"), e(Errno::notdir));
  EXPECT_EQ(rn("f/", "x"), e(Errno::notdir));
  EXPECT_EQ(rn("f", "x/"), e(Errno::notdir));
  EXPECT_EQ(rn("f", "h/"), e(Errno::notdir));
  EXPECT_EQ(rn("la/", "x"), e(Errno::notdir));  // the link itself, not followed
  EXPECT_EQ(rn("f", "h/", kRenameExchange), e(Errno::notdir));
  EXPECT_EQ(rn("e/", "e2/"), 0);
  EXPECT_EQ(rn("e2", "e"), 0);
  // A directory into itself, or onto one of its ancestors.
  EXPECT_EQ(rn("a", "a/b/c"), e(Errno::inval));
  EXPECT_EQ(rn("a", "a/b", kRenameExchange), e(Errno::inval));
  EXPECT_EQ(rn("a/b", "a"), e(Errno::notempty));
  EXPECT_EQ(rn("a/b", "a", kRenameExchange), e(Errno::inval));
  // Replacing a directory that is not empty.
  EXPECT_EQ(rn("e", "a"), e(Errno::notempty));
  EXPECT_EQ(rn("a", "e"), 0);
  EXPECT_EQ(rn("f", std::string(256, 'n')), e(Errno::nametoolong));
}

TEST_F(RenameTest, PermissionsMountPointsAndReadOnly) {
  // Root's directories: no entry may be added to /dev or taken from it.
  EXPECT_EQ(rn("/dev/null", "/dev/nul2"), e(Errno::acces));
  ASSERT_TRUE(k().mkdirat(*p, kAtFdcwd, "ro", 0555).ok());
  EXPECT_EQ(rn("f", "ro/f"), e(Errno::acces));
  EXPECT_EQ(rn("ro", "ro2"), 0);  // the parent is writable; ro itself stays where it is
  EXPECT_EQ(rn("ro2", "e/ro"), e(Errno::acces));  // moving a directory rewrites its ".."
  // The sticky /tmp: another user's file cannot be renamed away or replaced.
  ASSERT_TRUE(k().write_whole_file("/tmp/theirs", "x"));
  p->tg->uid = 1001;
  EXPECT_EQ(rn("/tmp/theirs", "/tmp/mine"), e(Errno::perm));
  ASSERT_TRUE(k().write_whole_file("/tmp/mine", "y"));
  p->tg->uid = 1000;
  EXPECT_EQ(rn("/tmp/mine", "/tmp/theirs"), 0);  // 1000's own file and target
  // Mount points do not move: EBUSY, after the permission checks.
  EXPECT_EQ(rn("/proc", "/x"), e(Errno::busy));
  EXPECT_EQ(rn("e", "/dev"), e(Errno::busy));
  p->tg->uid = 0;
  EXPECT_EQ(rn("/dev", "/dev2"), e(Errno::busy));
  EXPECT_EQ(rn("/proc/self", "/proc/x"), e(Errno::perm));  // procfs has no rename
  p->tg->uid = 1000;
  auto ro = std::make_shared<fs::MemFs>(99, [](fs::Inode&) {});
  ASSERT_TRUE(ro->create("/file", 0644, false).ok());
  k().vfs().mount({"/tmp/w/rofs", ro, ro->root(), true, "ro"});
  EXPECT_EQ(rn("rofs/file", "rofs/file2"), e(Errno::rofs));
  EXPECT_EQ(rn("rofs/nope", "rofs/file2"), e(Errno::rofs));  // before the source is looked for
}

TEST_F(RenameTest, OpenFilesAndWorkingDirectoriesFollow) {
  const int f = open("f");
  const int a = open("a", kORdonly | kODirectory);
  ASSERT_TRUE(k().chdir(*p, "a/b").ok());
  ASSERT_EQ(rn("/tmp/w/f", "/tmp/w/e/f2"), 0);
  ASSERT_EQ(rn("/tmp/w/a", "/tmp/w/z"), 0);
  // The open file reads on; the working directory is where it was, by its new name.
  EXPECT_EQ(sys(kRead, f, buf + 2048, 16), 3);
  EXPECT_EQ(get_bytes(buf + 2048, 3), "eff");
  ASSERT_EQ(sys(kGetcwd, buf + 2048, 256), 11);
  EXPECT_EQ(get_bytes(buf + 2048, 10), "/tmp/w/z/b");
  EXPECT_EQ(contents("/tmp/w/z/b/g"), "gee");
  EXPECT_TRUE(k().stat(*p, "g").ok());
  ASSERT_EQ(sys(kFchdir, a), 0);
  EXPECT_EQ(k().getcwd(*p), "/tmp/w/z");
  // The name /proc/PID/maps shows follows too.
  const std::int64_t fd2 = open("/tmp/w/h");
  auto map = k().mmap(*p, 0, 4096, kProtRead, kMapPrivate, static_cast<int>(fd2), 0);
  ASSERT_TRUE(map.ok());
  ASSERT_EQ(rn("/tmp/w/h", "/tmp/w/h2"), 0);
  const std::string maps = *k().proc_text("/proc/self/maps", p);
  EXPECT_NE(maps.find("/tmp/w/h2\n"), std::string::npos) << maps;
}

// A replaced file that is still open or mapped keeps its data: the inode lives on,
// and /proc/PID/maps calls it deleted.
TEST_F(RenameTest, AReplacedFileLivesOnWhileUsed) {
  const int h = open("h");
  auto map = k().mmap(*p, 0, 4096, kProtRead, kMapShared, h, 0);
  ASSERT_TRUE(map.ok());
  const FileStat old_h = st("h");
  ASSERT_EQ(rn("f", "h"), 0);
  EXPECT_EQ(contents("/tmp/w/h"), "eff");
  EXPECT_EQ(sys(kPread64, h, buf + 2048, 16, 0), 5);
  EXPECT_EQ(get_bytes(buf + 2048, 5), "aitch");
  EXPECT_EQ(get_bytes(*map, 5), "aitch");
  FileStat gone = *k().fstat(*p, h);
  EXPECT_EQ(gone.ino, old_h.ino);
  EXPECT_EQ(gone.nlink, 0u);
  const std::string maps = *k().proc_text("/proc/self/maps", p);
  EXPECT_NE(maps.find("/tmp/w/h (deleted)\n"), std::string::npos) << maps;
}

TEST_F(RenameTest, MountsBelowMoveWithTheDirectory) {
  auto other = std::make_shared<fs::MemFs>(98, [](fs::Inode&) {});
  ASSERT_TRUE(other->create("/inside", 0644, false).ok());
  k().vfs().mount({"/tmp/w/a/b/m", other, other->root(), false, "other"});
  ASSERT_EQ(rn("a", "z"), 0);
  EXPECT_TRUE(exists("/tmp/w/z/b/m/inside"));
  EXPECT_FALSE(exists("/tmp/w/a"));
  const std::string mounts = *k().proc_text("/proc/self/mounts", p);
  EXPECT_NE(mounts.find("other /tmp/w/z/b/m ext4"), std::string::npos) << mounts;
  EXPECT_EQ(rn("z/b/m", "z/b/m2"), e(Errno::busy));
}

}  // namespace
}  // namespace vmlab::kern::test
