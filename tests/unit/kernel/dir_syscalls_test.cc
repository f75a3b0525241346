// Directory listings (getdents64) of memfs, /dev and /proc; the /dev devices: the
// seeded /dev/urandom and /dev/zero's mappings; a few /proc files the userland reads.
#include <gtest/gtest.h>

#include <cstring>

#include "api/machine_state.h"
#include "unit/mm/test_util.h"
#include "vmlab/fcntl.h"
#include "vmlab/mman.h"

namespace vmlab {
namespace {

class DirTest : public ::testing::Test {
 protected:
  DirTest() : m_(test::small_config(64 * MiB)), p_(m_.spawn("t")) {}
  kern::Kernel& k() { return m_.state().kernel; }
  kern::Task& kp() { return m_.state().task(p_.tid()); }

  std::vector<std::string> names(std::string_view dir) {
    auto fd = p_.open(dir, kORdonly | kODirectory);
    EXPECT_TRUE(fd.ok()) << dir;
    if (!fd) return {};
    auto list = k().readdir(kp(), *fd);
    (void)p_.close(*fd);
    std::vector<std::string> out;
    for (const auto& e : *list) out.push_back(e.name);
    return out;
  }

  Machine m_;
  Process p_;
};

using Names = std::vector<std::string>;

TEST_F(DirTest, RootDevAndMemfsDirectories) {
  EXPECT_EQ(names("/"), (Names{".", "..", "dev", "proc", "tmp"}));
  EXPECT_EQ(names("/dev"), (Names{".", "..", "kmsg", "null", "random", "urandom", "zero"}));
  ASSERT_TRUE(m_.write_file("/tmp/b", "x"));
  ASSERT_TRUE(p_.mkdir("/tmp/a").ok());
  EXPECT_EQ(names("/tmp"), (Names{".", "..", "a", "b"}));
  EXPECT_EQ(p_.open("/tmp/b", kORdonly | kODirectory).error(), Errno::notdir);
  auto fd = p_.open("/tmp/b", kORdonly);
  EXPECT_EQ(k().readdir(kp(), *fd).error(), Errno::notdir);
}

TEST_F(DirTest, ProcListsItsFilesSelfAndEveryProcess) {
  Process q = m_.spawn("q");
  const Names procs = names("/proc");
  const Names want{".", "..", "sys", "kmsg", "swaps", "mounts", "uptime", "vmstat", "meminfo", "self", "thread-self",
                   std::to_string(p_.pid()), std::to_string(q.pid())};
  EXPECT_EQ(procs, want);
  EXPECT_EQ(names("/proc/self"), (Names{".", "..", "task", "environ", "status", "comm", "cmdline", "stat", "statm",
                                        "maps", "cwd", "root", "exe", "mounts", "smaps", "smaps_rollup", "oom_score",
                                        "oom_score_adj"}));
  // tid_base_stuff[]: a thread's directory has the same files but "task".
  EXPECT_EQ(names("/proc/self/task"), (Names{".", "..", std::to_string(p_.pid())}));
  EXPECT_EQ(names("/proc/self/task/" + std::to_string(p_.pid())),
            (Names{".", "..", "environ", "status", "comm", "cmdline", "stat", "statm", "maps", "cwd", "root", "exe",
                   "mounts", "smaps", "smaps_rollup", "oom_score", "oom_score_adj"}));
  EXPECT_EQ(names("/proc/sys"), (Names{".", "..", "kernel", "vm"}));
  EXPECT_EQ(names("/proc/sys/kernel"), (Names{".", "..", "dmesg_restrict", "pid_max", "printk", "printk_devkmsg"}));
  // A process gone (reaped) is gone from /proc.
  q.exit(0);
  auto after = names("/proc");
  EXPECT_EQ(std::count(after.begin(), after.end(), std::to_string(q.pid())), 0);
}

TEST_F(DirTest, Getdents64PacksLinuxDirents) {
  auto fd = p_.open("/dev", kORdonly | kODirectory);
  auto buf = p_.mmap(0, 4096, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_TRUE(fd.ok() && buf.ok());
  // Too small for one entry: EINVAL.
  EXPECT_EQ(k().getdents64(kp(), *fd, *buf, 10).error(), Errno::inval);
  // Room for two entries at a time (each 24 bytes: 19 + "." or ".." + NUL, padded).
  auto n = k().getdents64(kp(), *fd, *buf, 48);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 48u);
  std::vector<std::uint8_t> raw(48);
  ASSERT_TRUE(p_.read_bytes(*buf, raw));
  std::uint64_t ino = 0, off = 0;
  std::uint16_t reclen = 0;
  std::memcpy(&ino, &raw[0], 8);
  std::memcpy(&off, &raw[8], 8);
  std::memcpy(&reclen, &raw[16], 2);
  EXPECT_EQ(ino, k().stat(kp(), "/dev")->ino);
  EXPECT_EQ(off, 1u);
  EXPECT_EQ(reclen, 24u);
  EXPECT_EQ(raw[18], 4);  // DT_DIR
  EXPECT_STREQ(reinterpret_cast<const char*>(&raw[19]), ".");
  EXPECT_STREQ(reinterpret_cast<const char*>(&raw[24 + 19]), "..");
  // The rest: kmsg, null, random, urandom, zero, then end of directory.
  auto rest = k().getdents64(kp(), *fd, *buf, 4096);
  ASSERT_TRUE(rest.ok());
  raw.resize(*rest);
  ASSERT_TRUE(p_.read_bytes(*buf, raw));
  std::vector<std::string> got;
  for (std::size_t at = 0; at < raw.size();) {
    std::memcpy(&reclen, &raw[at + 16], 2);
    EXPECT_EQ(raw[at + 18], 2);  // DT_CHR
    got.emplace_back(reinterpret_cast<const char*>(&raw[at + 19]));
    at += reclen;
  }
  EXPECT_EQ(got, (Names{"kmsg", "null", "random", "urandom", "zero"}));
  EXPECT_EQ(*k().getdents64(kp(), *fd, *buf, 4096), 0u);
  // lseek() back to a d_off resumes there.
  ASSERT_TRUE(p_.lseek(*fd, 6, kSeekSet).ok());
  EXPECT_EQ(*k().getdents64(kp(), *fd, *buf, 4096), 24u);  // "zero"
  EXPECT_EQ(k().getdents64(kp(), 77, *buf, 4096).error(), Errno::badf);
}

TEST_F(DirTest, UrandomIsSeededAndRepeatable) {
  auto read_urandom = [](std::uint64_t seed, const char* dev) {
    MachineConfig c = test::small_config(64 * MiB);
    c.seed = seed;
    Machine m(c);
    Process p = m.spawn("r");
    auto fd = p.open(dev, kORdonly);
    auto buf = p.mmap(0, 4096, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
    EXPECT_EQ(*p.read(*fd, *buf, 64), 64u);
    std::vector<std::uint8_t> out(64);
    EXPECT_TRUE(p.read_bytes(*buf, out));
    return out;
  };
  const auto a = read_urandom(1, "/dev/urandom");
  EXPECT_EQ(a, read_urandom(1, "/dev/urandom"));
  EXPECT_EQ(a, read_urandom(1, "/dev/random"));  // one generator behind both
  EXPECT_NE(a, read_urandom(2, "/dev/urandom"));
  EXPECT_NE(std::count(a.begin(), a.end(), 0), 64);
  // Two reads continue the stream.
  Machine m(test::small_config(64 * MiB));
  Process p = m.spawn("r");
  auto fd = p.open("/dev/urandom", kORdwr);
  auto buf = p.mmap(0, 4096, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_EQ(*p.read(*fd, *buf, 32), 32u);
  ASSERT_EQ(*p.read(*fd, *buf + 32, 32), 32u);
  std::vector<std::uint8_t> two(64);
  ASSERT_TRUE(p.read_bytes(*buf, two));
  EXPECT_EQ(two, a);
  EXPECT_EQ(*p.write(*fd, *buf, 16), 16u);  // writes are accepted and ignored
  EXPECT_EQ(p.mmap(0, 4096, kProtRead, kMapPrivate, *fd, 0).error(), Errno::nodev);
}

TEST_F(DirTest, DevZeroMapsAnonymousOrShmem) {
  auto fd = p_.open("/dev/zero", kORdwr);
  ASSERT_TRUE(fd.ok());
  const std::uint64_t anon_before = p_.status_kb("RssAnon");  // the stack's page
  auto priv = p_.mmap(0, 2 * 4096, kProtRead | kProtWrite, kMapPrivate, *fd, 0);
  auto shared = p_.mmap(0, 2 * 4096, kProtRead | kProtWrite, kMapShared, *fd, 0);
  ASSERT_TRUE(priv.ok() && shared.ok());
  ASSERT_TRUE(p_.store<int>(*priv, 1));
  ASSERT_TRUE(p_.store<int>(*shared, 2));
  EXPECT_EQ(*p_.load<int>(*priv + 4096), 0);
  const std::string maps = p_.proc("maps");
  EXPECT_NE(maps.find("rw-s 00000000 00:01 "), std::string::npos) << maps;
  EXPECT_NE(maps.find("/dev/zero (deleted)"), std::string::npos) << maps;
  EXPECT_EQ(m_.meminfo_kb("Shmem"), 4u);
  EXPECT_EQ(p_.status_kb("RssAnon"), anon_before + 4);  // the read of page 1 maps the zero page
  test::expect_consistent(m_);
}

TEST_F(DirTest, ProcFilesForTheUserland) {
  EXPECT_EQ(*m_.read_file("/proc/sys/kernel/pid_max"), "4194304\n");
  EXPECT_EQ(*m_.read_file("/proc/sys/vm/overcommit_memory"), "0\n");
  EXPECT_EQ(*m_.read_file("/proc/sys/vm/overcommit_ratio"), "50\n");
  const std::string pid = std::to_string(p_.pid());
  EXPECT_EQ(*m_.read_file("/proc/" + pid + "/comm"), "t\n");
  EXPECT_EQ(*m_.read_file("/proc/" + pid + "/cmdline"), std::string("t\0", 2));
  const std::string up = *m_.read_file("/proc/uptime");
  EXPECT_EQ(up.substr(up.size() - 6), " 0.00\n");
  // Read through a descriptor like cat would.
  auto fd = p_.open("/proc/self/comm", kORdonly);
  auto buf = p_.mmap(0, 4096, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_EQ(*p_.read(*fd, *buf, 100), 2u);
  EXPECT_EQ(*p_.read_string(*buf, 2), "t\n");
}

}  // namespace
}  // namespace vmlab
