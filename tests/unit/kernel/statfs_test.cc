// statfs() and fstatfs(): struct statfs as riscv64 lays it out (asm-generic, 120
// bytes), what each of vmlab's filesystems reports, the mount flags, and the errors.
#include "unit/kernel/syscall_fixture.h"

#include "fs/statfs.h"
#include "vmlab/fcntl.h"

namespace vmlab::kern::test {
namespace {

enum : std::uint64_t { kStatfs = 43, kFstatfs = 44, kUnlinkat = 35, kOpenat = 56, kClose = 57, kPipe2 = 59 };
constexpr std::uint64_t kCwd = static_cast<std::uint64_t>(-100);

struct RawStatfs {
  std::int64_t type, bsize, blocks, bfree, bavail, files, ffree;
  std::uint32_t fsid[2];
  std::int64_t namelen, frsize, flags, spare[4];
};
static_assert(sizeof(RawStatfs) == 120);

class StatfsTest : public SyscallTest {
 protected:
  VirtAddr out() { return buf + 1024; }
  RawStatfs of(const std::string& path) {
    EXPECT_EQ(sys(kStatfs, put_str(512, path), out()), 0) << path;
    return get<RawStatfs>(out());
  }
};

TEST_F(StatfsTest, RootIsAnExt4OfTheConfiguredSize) {
  const RawStatfs s = of("/");
  EXPECT_EQ(s.type, 0xEF53);
  EXPECT_EQ(s.bsize, 4096);
  EXPECT_EQ(s.frsize, 4096);
  EXPECT_EQ(s.namelen, 255);
  EXPECT_EQ(s.blocks, 8LL * 1024 * 1024 * 1024 / 4096);  // fs.root_size, 8G by default
  EXPECT_EQ(s.files, 8LL * 1024 * 1024 * 1024 / 16384);  // mke2fs: an inode per 16 KiB
  EXPECT_EQ(s.bavail, s.bfree - s.blocks * 5 / 100);     // 5% for root
  EXPECT_EQ(s.fsid[0], (8u << 8) | 1);                   // the device, 08:01
  EXPECT_EQ(s.fsid[1], 0u);
  EXPECT_EQ(s.flags, 0x1020);  // ST_VALID | ST_RELATIME: rw,relatime
  EXPECT_EQ(s.spare[0] | s.spare[1] | s.spare[2] | s.spare[3], 0);
  // A file of three pages takes three blocks and an inode, dirty or written back; an
  // unlinked file keeps them while it is open.
  ASSERT_TRUE(k().write_whole_file("/tmp/f", std::string(3 * 4096, 'x')));
  RawStatfs after = of("/tmp");
  EXPECT_EQ(after.bfree, s.bfree - 3);
  EXPECT_EQ(after.ffree, s.ffree - 1);
  k().sync();
  EXPECT_EQ(of("/").bfree, s.bfree - 3);
  const std::int64_t fd = sys(kOpenat, kCwd, put_str(0, "/tmp/f"), kORdonly);
  ASSERT_EQ(sys(kUnlinkat, kCwd, put_str(0, "/tmp/f"), 0), 0);
  EXPECT_EQ(of("/").bfree, s.bfree - 3);
  ASSERT_EQ(sys(kClose, fd), 0);
  after = of("/");
  EXPECT_EQ(after.bfree, s.bfree);
  EXPECT_EQ(after.ffree, s.ffree);
}

TEST_F(StatfsTest, DevIsATmpfsOfHalfTheRam) {
  const RawStatfs s = of("/dev/null");
  const auto half = static_cast<std::int64_t>(machine().sys.total_pages() / 2);
  EXPECT_EQ(s.type, 0x01021994);
  EXPECT_EQ(s.bsize, 4096);
  EXPECT_EQ(s.blocks, half);
  EXPECT_EQ(s.bfree, half);
  EXPECT_EQ(s.bavail, half);
  EXPECT_EQ(s.files, half);
  EXPECT_EQ(s.ffree, half - 6);  // its root, null, zero, random, urandom, kmsg
  EXPECT_EQ(s.fsid[0], 6u);
  EXPECT_EQ(s.flags, 0x1022);  // nosuid
}

TEST_F(StatfsTest, ProcAndPipesHaveNoSizes) {
  const RawStatfs s = of("/proc/self/status");
  EXPECT_EQ(s.type, 0x9fa0);
  EXPECT_EQ(s.bsize, 4096);
  EXPECT_EQ(s.frsize, 4096);
  EXPECT_EQ(s.namelen, 255);
  EXPECT_EQ(s.blocks | s.bfree | s.bavail | s.files | s.ffree, 0);
  EXPECT_EQ(s.fsid[0], 21u);
  EXPECT_EQ(s.flags, 0x102e);  // nosuid, nodev, noexec, relatime
  ASSERT_EQ(sys(kPipe2, buf, 0), 0);
  ASSERT_EQ(sys(kFstatfs, get<std::int32_t>(buf), out()), 0);
  const RawStatfs pipe = get<RawStatfs>(out());
  EXPECT_EQ(pipe.type, 0x50495045);
  EXPECT_EQ(pipe.bsize, 4096);
  EXPECT_EQ(pipe.namelen, 255);
  EXPECT_EQ(pipe.fsid[0], 12u);
  EXPECT_EQ(pipe.flags, 0x20);  // an internal mount: ST_VALID alone
}

TEST_F(StatfsTest, ReadOnlyMountAndFstatfs) {
  auto ro = std::make_shared<fs::MemFs>(99, [](fs::Inode&) {});
  k().vfs().mount({"/ro", ro, ro->root(), true, "ro"});
  EXPECT_EQ(of("/ro").flags, 0x1021);  // ST_RDONLY
  const std::int64_t fd = sys(kOpenat, kCwd, put_str(0, "/tmp"), kORdonly | kODirectory);
  ASSERT_EQ(sys(kFstatfs, fd, out()), 0);
  EXPECT_EQ(get<RawStatfs>(out()).type, 0xEF53);
}

TEST_F(StatfsTest, Errors) {
  // A sentinel after the 120 bytes stays.
  put<std::uint64_t>(1024 + 120, 0x5a5a5a5a5a5a5a5aULL);
  EXPECT_EQ(sys(kStatfs, put_str(0, "/"), out()), 0);
  EXPECT_EQ(get<std::uint64_t>(out() + 120), 0x5a5a5a5a5a5a5a5aULL);
  EXPECT_EQ(sys(kStatfs, put_str(0, "/nope"), out()), e(Errno::noent));
  EXPECT_EQ(sys(kStatfs, put_str(0, ""), out()), e(Errno::noent));
  EXPECT_EQ(sys(kStatfs, put_str(0, "/proc/meminfo/x"), out()), e(Errno::notdir));
  EXPECT_EQ(sys(kStatfs, put_str(0, "/" + std::string(256, 'n')), out()), e(Errno::nametoolong));
  EXPECT_EQ(sys(kStatfs, put_str(0, std::string(4096, '/')), out()), e(Errno::nametoolong));
  EXPECT_EQ(sys(kStatfs, kBad, out()), e(Errno::fault));
  EXPECT_EQ(sys(kStatfs, put_str(0, "/"), kBad), e(Errno::fault));
  EXPECT_EQ(sys(kStatfs, put_str(0, "/nope"), kBad), e(Errno::noent));  // the name first
  ASSERT_TRUE(k().symlinkat(*p, "loop", kAtFdcwd, "/tmp/loop").ok());
  EXPECT_EQ(sys(kStatfs, put_str(0, "/tmp/loop"), out()), e(Errno::loop));
  EXPECT_EQ(sys(kFstatfs, 99, out()), e(Errno::badf));
  EXPECT_EQ(sys(kFstatfs, static_cast<std::uint64_t>(-1), out()), e(Errno::badf));
  EXPECT_EQ(sys(kFstatfs, 99, kBad), e(Errno::badf));
  const std::int64_t fd = sys(kOpenat, kCwd, put_str(0, "/"), kORdonly);
  EXPECT_EQ(sys(kFstatfs, fd, kBad), e(Errno::fault));
}

}  // namespace
}  // namespace vmlab::kern::test
