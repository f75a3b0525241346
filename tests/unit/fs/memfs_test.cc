// fs::MemFs: creating files and directories, path lookup and its errors, unlink,
// inode identity; and the same rules seen through a process's system calls.
#include <gtest/gtest.h>

#include <vector>

#include "fs/memfs.h"
#include "fs/path.h"
#include "unit/mm/test_util.h"

namespace vmlab::fs {
namespace {

class MemFsTest : public ::testing::Test {
 protected:
  MemFsTest() : fs_((8 << 8) | 1, [this](Inode& i) { evicted_.push_back(i.ino); }) {}
  // Declared first so it outlives fs_, whose inodes report to it as they go.
  std::vector<std::uint64_t> evicted_;
  MemFs fs_;
};

TEST_F(MemFsTest, RootIsAnEmptyDirectoryInodeTwo) {
  auto root = fs_.lookup("/");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE((*root)->is_dir());
  EXPECT_EQ((*root)->ino, 2u);
  EXPECT_EQ((*root)->nlink, 2u);
  EXPECT_EQ((*root)->dev, (8u << 8) | 1);
  EXPECT_EQ((*root)->dev_major(), 8u);
  EXPECT_EQ((*root)->dev_minor(), 1u);
  EXPECT_TRUE((*root)->entries.empty());
}

TEST_F(MemFsTest, CreateAndLookup) {
  auto f = fs_.create("/a", 0640, false);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->type, InodeType::regular);
  EXPECT_EQ((*f)->mode, 0640u);
  EXPECT_EQ((*f)->size, 0u);
  EXPECT_EQ((*f)->ino, 3u);  // inode numbers count up from the root's
  auto again = fs_.lookup("/a");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), f->get());
  // Creating it again without O_EXCL opens the same inode.
  auto same = fs_.create("/a", 0600, false);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->get(), f->get());
  EXPECT_EQ((*same)->mode, 0640u);
  // With O_EXCL: EEXIST.
  auto excl = fs_.create("/a", 0600, true);
  ASSERT_FALSE(excl.ok());
  EXPECT_EQ(excl.error(), Errno::exist);
}

TEST_F(MemFsTest, MkdirAndNestedFiles) {
  ASSERT_TRUE(fs_.mkdir("/d", 0755).ok());
  EXPECT_EQ((*fs_.lookup("/"))->nlink, 3u);  // ".." of the new directory
  ASSERT_TRUE(fs_.mkdir("/d/e", 0700).ok());
  auto e = fs_.lookup("/d/e");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE((*e)->is_dir());
  EXPECT_EQ((*e)->mode, 0700u);
  EXPECT_EQ((*e)->nlink, 2u);
  EXPECT_EQ((*fs_.lookup("/d"))->nlink, 3u);
  ASSERT_TRUE(fs_.create("/d/e/f", 0644, false).ok());
  EXPECT_TRUE(fs_.lookup("/d/e/f").ok());
  EXPECT_TRUE(fs_.lookup("//d///e/f").ok());  // repeated slashes fold
}

TEST_F(MemFsTest, LookupErrors) {
  ASSERT_TRUE(fs_.create("/file", 0644, false).ok());
  ASSERT_TRUE(fs_.mkdir("/dir", 0755).ok());
  auto missing = fs_.lookup("/nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), Errno::noent);
  auto deep = fs_.lookup("/nope/x");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error(), Errno::noent);
  auto through_file = fs_.lookup("/file/x");
  ASSERT_FALSE(through_file.ok());
  EXPECT_EQ(through_file.error(), Errno::notdir);
  auto long_name = fs_.lookup("/" + std::string(256, 'n'));
  ASSERT_FALSE(long_name.ok());
  EXPECT_EQ(long_name.error(), Errno::nametoolong);
  EXPECT_EQ(fs_.lookup("/" + std::string(255, 'n')).error(), Errno::noent);
}

TEST_F(MemFsTest, CreateAndMkdirErrors) {
  ASSERT_TRUE(fs_.create("/file", 0644, false).ok());
  ASSERT_TRUE(fs_.mkdir("/dir", 0755).ok());
  EXPECT_EQ(fs_.mkdir("/dir", 0755).error(), Errno::exist);
  EXPECT_EQ(fs_.mkdir("/file", 0755).error(), Errno::exist);
  EXPECT_EQ(fs_.mkdir("/", 0755).error(), Errno::exist);
  EXPECT_EQ(fs_.mkdir("/missing/dir", 0755).error(), Errno::noent);
  EXPECT_EQ(fs_.mkdir("/file/dir", 0755).error(), Errno::notdir);
  EXPECT_EQ(fs_.create("/missing/f", 0644, false).error(), Errno::noent);
  EXPECT_EQ(fs_.create("/file/f", 0644, false).error(), Errno::notdir);
  EXPECT_EQ(fs_.create("/dir", 0644, false).error(), Errno::isdir);  // open(O_CREAT) of a directory
  EXPECT_EQ(fs_.create("/dir", 0644, true).error(), Errno::exist);
}

TEST_F(MemFsTest, UnlinkDropsTheNameAndEvictsWhenUnused) {
  {
    auto f = fs_.create("/a", 0644, false);
    ASSERT_TRUE(f.ok());
    const std::uint64_t ino = (*f)->ino;
    ASSERT_TRUE(fs_.unlink("/a").ok());
    EXPECT_EQ((*f)->nlink, 0u);
    EXPECT_EQ(fs_.lookup("/a").error(), Errno::noent);
    EXPECT_TRUE(evicted_.empty());  // still held here, as an open file would hold it
    f = Errno::noent;               // the last user lets go
    ASSERT_EQ(evicted_.size(), 1u);
    EXPECT_EQ(evicted_[0], ino);
  }
  ASSERT_TRUE(fs_.mkdir("/d", 0755).ok());
  EXPECT_EQ(fs_.unlink("/d").error(), Errno::isdir);
  EXPECT_EQ(fs_.unlink("/nope").error(), Errno::noent);
  EXPECT_EQ(fs_.unlink("/nope/x").error(), Errno::noent);
}

TEST_F(MemFsTest, DeviceNodes) {
  ASSERT_TRUE(fs_.mkdir("/dev", 0755).ok());
  auto zero = fs_.mknod("/dev/zero", (1 << 8) | 5);
  EXPECT_EQ(zero->type, InodeType::char_device);
  EXPECT_EQ(zero->rdev, (1u << 8) | 5);
  EXPECT_EQ(zero->mode, 0666u);
  EXPECT_EQ(fs_.lookup("/dev/zero")->get(), zero.get());
}

TEST(Path, Normalize) {
  EXPECT_EQ(normalize_path("/", "a/b"), "/a/b");
  EXPECT_EQ(normalize_path("/x/y", "../z"), "/x/z");
  EXPECT_EQ(normalize_path("/x", "/abs/./p//q/"), "/abs/p/q");
  EXPECT_EQ(normalize_path("/", "../../.."), "/");  // never above the root
  EXPECT_EQ(normalize_path("/a", "."), "/a");
  EXPECT_EQ(normalize_path("/", ""), "/");
}

// The same rules through a process (open(2), mkdir(2), unlink(2)).
TEST(MemFsSyscalls, CreateMkdirUnlinkThroughAProcess) {
  Machine m(test::small_config(64 * MiB));
  Process p = m.spawn("fs");
  ASSERT_TRUE(p.mkdir("/data").ok());
  EXPECT_EQ(p.mkdir("/data").error(), Errno::exist);
  auto fd = p.open("/data/x", kORdwr | kOCreat, 0600);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(p.open("/data/x", kORdwr | kOCreat | kOExcl).error(), Errno::exist);
  EXPECT_EQ(p.open("/data/y", kORdonly).error(), Errno::noent);
  EXPECT_EQ(p.open("/data/x/z", kORdonly).error(), Errno::notdir);
  EXPECT_EQ(p.open("/data", kOWronly).error(), Errno::isdir);
  // A relative path from the working directory "/".
  EXPECT_TRUE(p.open("data/x", kORdonly).ok());
  EXPECT_TRUE(p.open("/data/../data/./x", kORdonly).ok());
  // The lowest free descriptor is used (0-2 are stdin, stdout and stderr).
  EXPECT_EQ(*fd, 3);
  ASSERT_TRUE(p.close(*fd).ok());
  EXPECT_EQ(*p.open("/data/x", kORdonly), 3);
  ASSERT_TRUE(p.unlink("/data/x").ok());
  EXPECT_EQ(p.open("/data/x", kORdonly).error(), Errno::noent);
  EXPECT_TRUE(m.read_file("/data/x").error() == Errno::noent);
  EXPECT_EQ(m.read_file("/data").error(), Errno::isdir);
  test::expect_consistent(m);
}

}  // namespace
}  // namespace vmlab::fs
