// hostfs: a host directory mounted in the guest. Containment (".." at the mount's root,
// symlinks resolved through the guest's mount table, nothing outside the mounts),
// read-only mounts (EROFS), writable mounts writing through to the host, one inode and
// one page cache per host file shared by every process and mount, and the sysroot.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/machine_state.h"
#include "fs/file_time.h"
#include "unit/mm/test_util.h"
#include "vmlab/fcntl.h"
#include "vmlab/mman.h"
#include "vmlab/mount.h"

namespace vmlab {
namespace {

namespace stdfs = std::filesystem;

std::string slurp(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const stdfs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A host tree:  <tmp>/outside.txt  and the mounted  <tmp>/root/ :
//   hello.txt "hello\n", big.bin (3 pages), sub/inner.txt, rel -> sub/inner.txt,
//   up -> ../../outside.txt, abs -> /etc/passwd, abs_in -> /mnt/hello.txt,
//   subdir -> sub, loop1 <-> loop2, dangling -> nowhere
class HostFsTest : public ::testing::Test {
 protected:
  HostFsTest() {
    char tmpl[] = "/tmp/vmlab-hostfs-XXXXXX";
    top_ = ::mkdtemp(tmpl);
    root_ = top_ / "root";
    rw_ = top_ / "rw";
    stdfs::create_directories(root_ / "sub");
    stdfs::create_directories(rw_);
    spit(top_ / "outside.txt", "secret\n");
    spit(root_ / "hello.txt", "hello\n");
    spit(root_ / "big.bin", std::string(3 * 4096, 'b'));
    spit(root_ / "sub" / "inner.txt", "inner\n");
    stdfs::create_symlink("sub/inner.txt", root_ / "rel");
    stdfs::create_symlink("../../outside.txt", root_ / "up");
    stdfs::create_symlink("/etc/passwd", root_ / "abs");
    stdfs::create_symlink("/mnt/hello.txt", root_ / "abs_in");
    stdfs::create_symlink("sub", root_ / "subdir");
    stdfs::create_symlink("loop2", root_ / "loop1");
    stdfs::create_symlink("loop1", root_ / "loop2");
    stdfs::create_symlink("nowhere", root_ / "dangling");
    cfg_ = test::small_config(64 * MiB);
    cfg_.mounts = {{root_.string(), "/mnt", false}, {root_.string(), "/mnt2", false}, {rw_.string(), "/work", true}};
  }
  ~HostFsTest() override { stdfs::remove_all(top_); }

  kern::Kernel& kernel(Machine& m) { return m.state().kernel; }
  kern::Task& proc(Machine& m, const Process& p) { return m.state().task(p.tid()); }

  stdfs::path top_, root_, rw_;
  MachineConfig cfg_;
};

TEST_F(HostFsTest, FilesReadThroughThePageCache) {
  Machine m(cfg_);
  EXPECT_EQ(*m.read_file("/mnt/hello.txt"), "hello\n");
  EXPECT_EQ(*m.read_file("/mnt/sub/inner.txt"), "inner\n");
  EXPECT_EQ(*m.read_file("/mnt/rel"), "inner\n");
  EXPECT_EQ(*m.read_file("/mnt/subdir/inner.txt"), "inner\n");
  EXPECT_EQ(*m.read_file("/mnt/abs_in"), "hello\n");  // absolute: through the guest's "/"
  EXPECT_EQ(m.meminfo_kb("Cached"), 8u);               // hello.txt and inner.txt, a page each
  test::expect_consistent(m);
}

TEST_F(HostFsTest, NothingOutsideTheMountsIsReachable) {
  Machine m(cfg_);
  Process p = m.spawn("t");
  kern::Kernel& k = kernel(m);
  kern::Task& kp = proc(m, p);
  // ".." at the mount's root is the guest directory holding the mount point.
  EXPECT_EQ(k.stat(kp, "/mnt/../outside.txt").error(), Errno::noent);
  EXPECT_EQ(k.stat(kp, "/mnt/sub/../../outside.txt").error(), Errno::noent);
  EXPECT_EQ(k.stat(kp, "/mnt/../../../../outside.txt").error(), Errno::noent);
  auto up = k.stat(kp, "/mnt/..");
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->ino, k.stat(kp, "/")->ino);
  // Symbolic links leave the mount only into the guest's own tree.
  EXPECT_EQ(k.stat(kp, "/mnt/up").error(), Errno::noent);   // ../../outside.txt from /mnt
  EXPECT_EQ(k.stat(kp, "/mnt/abs").error(), Errno::noent);  // /etc/passwd of the guest
  EXPECT_EQ(k.stat(kp, "/etc/passwd").error(), Errno::noent);
  EXPECT_EQ(p.open("/etc/passwd", kORdonly).error(), Errno::noent);
  EXPECT_EQ(p.open("/mnt/up", kORdonly).error(), Errno::noent);
  EXPECT_EQ(*k.readlinkat(kp, kAtFdcwd, "/mnt/up"), "../../outside.txt");  // the text is the host's
  EXPECT_EQ(*k.readlinkat(kp, kAtFdcwd, "/mnt/abs"), "/etc/passwd");
  EXPECT_EQ(k.stat(kp, "/mnt/loop1").error(), Errno::loop);
  EXPECT_EQ(k.stat(kp, "/mnt/dangling").error(), Errno::noent);
  EXPECT_TRUE(k.lstat(kp, "/mnt/dangling").ok());
  // A guest file named like the escape target is what the links reach.
  ASSERT_TRUE(m.write_file("/outside.txt", "guest\n"));
  EXPECT_EQ(*m.read_file("/mnt/up"), "guest\n");
}

TEST_F(HostFsTest, ReadOnlyMountRefusesWritesWithErofs) {
  Machine m(cfg_);
  Process p = m.spawn("t");
  kern::Kernel& k = kernel(m);
  kern::Task& kp = proc(m, p);
  EXPECT_EQ(p.open("/mnt/hello.txt", kORdwr).error(), Errno::rofs);
  EXPECT_EQ(p.open("/mnt/hello.txt", kOWronly | kOTrunc).error(), Errno::rofs);
  EXPECT_EQ(p.open("/mnt/new", kOWronly | kOCreat).error(), Errno::rofs);
  EXPECT_EQ(p.mkdir("/mnt/newdir").error(), Errno::rofs);
  EXPECT_EQ(p.mkdir("/mnt/sub").error(), Errno::exist);  // EEXIST before EROFS
  EXPECT_EQ(p.unlink("/mnt/hello.txt").error(), Errno::rofs);
  EXPECT_EQ(p.unlink("/mnt/nope").error(), Errno::rofs);  // the mount is checked before the name
  EXPECT_EQ(k.faccessat(kp, kAtFdcwd, "/mnt/hello.txt", kWOk, 0).error(), Errno::rofs);
  EXPECT_TRUE(k.faccessat(kp, kAtFdcwd, "/mnt/hello.txt", kROk, 0).ok());
  EXPECT_EQ(k.faccessat(kp, kAtFdcwd, "/mnt/hello.txt", kXOk, 0).error(), Errno::acces);
  EXPECT_EQ(m.write_file("/mnt/hello.txt", "x").error(), Errno::rofs);
  auto fd = p.open("/mnt/hello.txt", kORdonly);
  ASSERT_TRUE(fd.ok());
  // A shared writable mapping needs a writable file.
  EXPECT_EQ(p.mmap(0, 4096, kProtRead | kProtWrite, kMapShared, *fd, 0).error(), Errno::acces);
  // A private one may be written: the copy is the process's own.
  auto a = p.mmap(0, 4096, kProtRead | kProtWrite, kMapPrivate, *fd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p.store<char>(*a, 'J'));
  EXPECT_EQ(*m.read_file("/mnt/hello.txt"), "hello\n");
  EXPECT_EQ(slurp(root_ / "hello.txt"), "hello\n");
  test::expect_consistent(m);
}

TEST_F(HostFsTest, WritableMountWritesThroughToTheHost) {
  Machine m(cfg_);
  Process p = m.spawn("t");
  ASSERT_TRUE(m.write_file("/work/out.txt", "from the guest\n"));
  EXPECT_EQ(slurp(rw_ / "out.txt"), "from the guest\n");
  ASSERT_TRUE(p.mkdir("/work/d").ok());
  EXPECT_TRUE(stdfs::is_directory(rw_ / "d"));
  auto fd = p.open("/work/d/f", kORdwr | kOCreat, 0640);
  ASSERT_TRUE(fd.ok());
  EXPECT_EQ(stdfs::status(rw_ / "d" / "f").permissions(), stdfs::perms(0640));
  ASSERT_TRUE(p.ftruncate(*fd, 4096).ok());
  auto a = p.mmap(0, 4096, kProtRead | kProtWrite, kMapShared, *fd, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p.write_string(*a, "HELLO"));
  ASSERT_TRUE(p.msync(*a, 4096, kMsSync).ok());
  EXPECT_EQ(slurp(rw_ / "d" / "f").substr(0, 6), std::string("HELLO\0", 6));
  ASSERT_TRUE(p.write_string(*a, "WORLD"));
  ASSERT_TRUE(p.close(*fd).ok());  // still mapped: written back at close, sync or exit
  m.sync();
  EXPECT_EQ(slurp(rw_ / "d" / "f").substr(0, 5), "WORLD");
  ASSERT_TRUE(p.munmap(*a, 4096).ok());
  ASSERT_TRUE(p.unlink("/work/d/f").ok());
  EXPECT_FALSE(stdfs::exists(rw_ / "d" / "f"));
  test::expect_consistent(m);
}

// chmod, chown and utimensat on a writable mount change the host file; ids map back
// as they were mapped (an id with no host counterpart is EOVERFLOW); a read-only
// mount is EROFS.
TEST_F(HostFsTest, AttributesChangeTheHostFile) {
  Machine m(cfg_);
  Process p = m.spawn("t");
  kern::Kernel& k = kernel(m);
  kern::Task& t = proc(m, p);
  ASSERT_TRUE(m.write_file("/work/f", "x"));
  ASSERT_TRUE(k.fchmodat(t, kAtFdcwd, "/work/f", 04751, 0).ok());
  struct stat host {};
  ASSERT_EQ(::stat((rw_ / "f").c_str(), &host), 0);
  EXPECT_EQ(host.st_mode & 07777, 04751u);
  EXPECT_EQ(k.stat(t, "/work/f")->mode & 07777, 04751u);
  // The owner's "chown to itself" clears S_ISUID, on the host too.
  ASSERT_TRUE(k.fchownat(t, kAtFdcwd, "/work/f", 1000, 1000, 0).ok());
  ASSERT_EQ(::stat((rw_ / "f").c_str(), &host), 0);
  EXPECT_EQ(host.st_uid, ::geteuid());
  EXPECT_EQ(host.st_mode & 07777, 0751u);
  EXPECT_EQ(k.stat(t, "/work/f")->mode & 07777, 0751u);
  t.tg->uid = 0;
  EXPECT_EQ(k.fchownat(t, kAtFdcwd, "/work/f", 1234, kNoId, 0).error(), Errno::overflow);
  t.tg->uid = 1000;
  // The guest's times, on the realtime clock.
  const std::array<fs::RealTime, 2> times{fs::RealTime{1000000000, 5}, fs::RealTime{1100000000, 6}};
  ASSERT_TRUE(k.utimensat(t, kAtFdcwd, "/work/f", &times, 0).ok());
  ASSERT_EQ(::stat((rw_ / "f").c_str(), &host), 0);
  EXPECT_EQ(host.st_atim.tv_sec, 1000000000);
  EXPECT_EQ(host.st_atim.tv_nsec, 5);
  EXPECT_EQ(host.st_mtim.tv_sec, 1100000000);
  EXPECT_EQ(host.st_mtim.tv_nsec, 6);
  EXPECT_EQ(fs::to_realtime(k.stat(t, "/work/f")->mtime_ns).sec, 1100000000);
  // Read-only.
  EXPECT_EQ(k.fchmodat(t, kAtFdcwd, "/mnt/hello.txt", 0600, 0).error(), Errno::rofs);
  EXPECT_EQ(k.fchownat(t, kAtFdcwd, "/mnt/hello.txt", kNoId, kNoId, 0).error(), Errno::rofs);
  EXPECT_EQ(k.utimensat(t, kAtFdcwd, "/mnt/hello.txt", nullptr, 0).error(), Errno::rofs);
  test::expect_consistent(m);
}

// statfs() of a hostfs mount: the host filesystem's type and sizes, the guest
// mount's flags and device.
TEST_F(HostFsTest, StatfsIsTheHostsWithTheGuestMountsFlags) {
  Machine m(cfg_);
  Process p = m.spawn("t");
  kern::Kernel& k = kernel(m);
  struct statfs host {};
  ASSERT_EQ(::statfs(rw_.c_str(), &host), 0);
  auto rw = k.statfs(proc(m, p), "/work");
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(rw->type, static_cast<std::uint64_t>(host.f_type));
  EXPECT_EQ(rw->bsize, static_cast<std::uint64_t>(host.f_bsize));
  EXPECT_EQ(rw->blocks, host.f_blocks);
  EXPECT_EQ(rw->files, host.f_files);
  EXPECT_EQ(rw->namelen, static_cast<std::uint64_t>(host.f_namelen));
  EXPECT_EQ(rw->flags, 0x1020u);
  EXPECT_EQ(rw->fsid[0], k.stat(proc(m, p), "/work")->dev);
  auto ro = k.statfs(proc(m, p), "/mnt/hello.txt");
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(ro->flags, 0x1021u);  // ST_RDONLY
}

// rename on a writable mount renames the host files; what hostfs has cached below a
// renamed directory is found under its new name; a replaced file is forgotten.
TEST_F(HostFsTest, RenameMovesTheHostFiles) {
  Machine m(cfg_);
  Process p = m.spawn("t");
  kern::Kernel& k = kernel(m);
  kern::Task& t = proc(m, p);
  ASSERT_TRUE(p.mkdir("/work/d").ok());
  ASSERT_TRUE(m.write_file("/work/d/f", "eff"));
  ASSERT_TRUE(m.write_file("/work/g", "gee"));
  ASSERT_EQ(*m.read_file("/work/d/f"), "eff");  // cached under its host path
  const auto ino = k.stat(t, "/work/d/f")->ino;
  ASSERT_TRUE(k.renameat2(t, kAtFdcwd, "/work/d", kAtFdcwd, "/work/e", 0).ok());
  EXPECT_TRUE(stdfs::exists(rw_ / "e" / "f"));
  EXPECT_FALSE(stdfs::exists(rw_ / "d"));
  EXPECT_EQ(k.stat(t, "/work/e/f")->ino, ino);
  ASSERT_TRUE(k.renameat2(t, kAtFdcwd, "/work/e/f", kAtFdcwd, "/work/e/f2", 0).ok());
  EXPECT_EQ(slurp(rw_ / "e" / "f2"), "eff");
  // Replacing: the host file goes, the guest's inode of it with it.
  ASSERT_TRUE(k.renameat2(t, kAtFdcwd, "/work/g", kAtFdcwd, "/work/e/f2", 0).ok());
  EXPECT_EQ(slurp(rw_ / "e" / "f2"), "gee");
  EXPECT_EQ(*m.read_file("/work/e/f2"), "gee");
  EXPECT_EQ(k.renameat2(t, kAtFdcwd, "/work/e/f2", kAtFdcwd, "/work/e/x", kRenameExchange).error(), Errno::noent);
  EXPECT_EQ(k.renameat2(t, kAtFdcwd, "/mnt/hello.txt", kAtFdcwd, "/mnt/x", 0).error(), Errno::rofs);
  EXPECT_EQ(k.renameat2(t, kAtFdcwd, "/work/e/f2", kAtFdcwd, "/mnt/x", 0).error(), Errno::xdev);
  test::expect_consistent(m);
}

TEST_F(HostFsTest, OneInodeAndOnePageCachePerHostFile) {
  Machine m(cfg_);
  Process a = m.spawn("a");
  Process b = m.spawn("b");
  kern::Kernel& k = kernel(m);
  auto sa = k.stat(proc(m, a), "/mnt/big.bin");
  auto sb = k.stat(proc(m, b), "/mnt2/big.bin");  // the same host file through another mount
  ASSERT_TRUE(sa.ok() && sb.ok());
  EXPECT_EQ(sa->dev, sb->dev);
  EXPECT_EQ(sa->ino, sb->ino);
  EXPECT_EQ(sa->size, 3u * 4096);
  auto fa = a.open("/mnt/big.bin", kORdonly);
  auto fb = b.open("/mnt2/big.bin", kORdonly);
  ASSERT_TRUE(fa.ok() && fb.ok());
  auto ma = a.mmap(0, 3 * 4096, kProtRead, kMapPrivate, *fa, 0);
  auto mb = b.mmap(0, 3 * 4096, kProtRead, kMapPrivate, *fb, 0);
  ASSERT_TRUE(ma.ok() && mb.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(*a.load<char>(*ma + i * 4096), 'b');
  }
  const std::uint64_t cached = m.meminfo_kb("Cached");
  EXPECT_EQ(cached, 12u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(*b.load<char>(*mb + i * 4096), 'b');
  }
  EXPECT_EQ(m.meminfo_kb("Cached"), cached);  // b found a's pages in the cache
  EXPECT_EQ(b.majflt(), 0u);
  // Both map the same frames: each PTE's page is shared by two mappings.
  EXPECT_NE(b.proc("smaps").find("Shared_Clean:         12 kB"), std::string::npos) << b.proc("smaps");
  EXPECT_NE(b.proc("maps").find("/mnt2/big.bin"), std::string::npos);
  test::expect_consistent(m);
}

TEST_F(HostFsTest, ListingIsSortedAndShowsOnlyWhatTheGuestMaySee) {
  Machine m(cfg_);
  Process p = m.spawn("t");
  kern::Kernel& k = kernel(m);
  kern::Task& kp = proc(m, p);
  auto fd = p.open("/mnt", kORdonly | kODirectory);
  ASSERT_TRUE(fd.ok());
  auto list = k.readdir(kp, *fd);
  ASSERT_TRUE(list.ok());
  std::vector<std::string> names;
  for (const auto& e : *list) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "abs", "abs_in", "big.bin", "dangling", "hello.txt", "loop1",
                                             "loop2", "rel", "sub", "subdir", "up"}));
  EXPECT_EQ((*list)[2].type, fs::kDtLnk);
  EXPECT_EQ((*list)[4].type, fs::kDtReg);
  EXPECT_EQ((*list)[10].type, fs::kDtDir);
  EXPECT_EQ((*list)[10].ino, k.stat(kp, "/mnt/sub")->ino);
  EXPECT_EQ((*list)[1].ino, k.stat(kp, "/")->ino);  // ".." of a mount's root
}

TEST_F(HostFsTest, OwnershipAndTimesAreTheGuestsOwn) {
  Machine m(cfg_);
  Process p = m.spawn("t");
  auto st = kernel(m).stat(proc(m, p), "/mnt/hello.txt");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->mode, kSIfreg | 0644);
  // The host user running vmlab (who made the files) is the guest's user.
  EXPECT_EQ(st->uid, 1000u);
  EXPECT_EQ(st->gid, 1000u);
  EXPECT_EQ(st->dev, (0u << 8) | 40);  // the first host device mounted: 00:40
  EXPECT_LE(st->mtime_ns, static_cast<std::int64_t>(m.virtual_time_ns()));
}

TEST_F(HostFsTest, BadMountsAreReported) {
  EXPECT_FALSE(parse_mount_spec("nocolon").ok());
  EXPECT_FALSE(parse_mount_spec("/x:relative").ok());
  EXPECT_FALSE(parse_mount_spec(":/g").ok());
  auto s = parse_mount_spec("/host/dir:/guest/dir/:rw");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->host, "/host/dir");
  EXPECT_EQ(s->guest, "/guest/dir");
  EXPECT_TRUE(s->writable);
  auto ro = parse_mount_spec("/a:b:/g:ro");
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(ro->host, "/a:b");
  EXPECT_FALSE(ro->writable);
  EXPECT_NE(parse_mount_spec("x").error().find("HOST:GUEST"), std::string::npos);
  MachineConfig c = test::small_config(64 * MiB);
  c.mounts = {{(top_ / "missing").string(), "/m", false}};
  EXPECT_THROW(Machine{c}, ConfigError);
  Machine m(test::small_config(64 * MiB));
  EXPECT_EQ(m.state().kernel.mount_host({(root_ / "hello.txt").string(), "/m", false}).error(), Errno::notdir);
}

// The riscv64 sysroot at /lib and /usr/lib: the loader and libc where the dynamic
// loader looks for them, one inode whichever path is used.
TEST(Sysroot, LoaderAndLibcAreVisibleReadOnly) {
  const std::string sysroot = default_riscv_sysroot();
  if (!stdfs::exists(sysroot + "/lib/libc.so.6")) GTEST_SKIP() << "no riscv64 sysroot at " << sysroot;
  MachineConfig c = test::small_config(64 * MiB);
  c.mounts = sysroot_mounts();
  Machine m(c);
  Process p = m.spawn("t");
  kern::Kernel& k = m.state().kernel;
  kern::Task& kp = m.state().task(p.tid());
  auto ld = k.stat(kp, "/lib/ld-linux-riscv64-lp64d.so.1");
  ASSERT_TRUE(ld.ok());
  EXPECT_EQ(ld->mode & kSIfmt, kSIfreg);
  auto libc = k.stat(kp, "/lib/libc.so.6");
  auto libc2 = k.stat(kp, "/usr/lib/libc.so.6");
  ASSERT_TRUE(libc.ok() && libc2.ok());
  EXPECT_EQ(libc->ino, libc2->ino);
  EXPECT_EQ(p.open("/lib/libc.so.6", kORdwr).error(), Errno::rofs);
  EXPECT_EQ(*m.read_file("/lib/libc.so.6"), slurp(sysroot + "/lib/libc.so.6"));
  const std::string mounts = *m.read_file("/proc/mounts");
  EXPECT_NE(mounts.find(" /lib hostfs ro,relatime 0 0\n"), std::string::npos) << mounts;
  test::expect_consistent(m);
}

}  // namespace
}  // namespace vmlab
