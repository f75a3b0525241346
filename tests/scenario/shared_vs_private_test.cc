// shared-vs-private: one file mapped MAP_SHARED by one process and MAP_PRIVATE by
// another.
#include <gtest/gtest.h>

#include "cli/demos/demos.h"
#include "vmlab/machine.h"

namespace vmlab {
namespace {

TEST(SharedVsPrivateDemo, WhoSeesWhoseWrites) {
  Machine m;
  const demos::Experiment e = demos::run_shared_vs_private(m);
  ASSERT_EQ(e.stopped, "");
  ASSERT_EQ(e.steps.size(), 6u);

  const demos::Step& map = e.step("map");
  EXPECT_EQ(map.process("sharer").maps.at(0),
            "7ffff7ffb000-7ffff7fff000 rw-s 00000000 08:01 7                          /data");
  EXPECT_EQ(map.process("private").maps.at(0),
            "7ffff7ffb000-7ffff7fff000 rw-p 00000000 08:01 7                          /data");

  EXPECT_EQ(e.step("shared-write").value("private_sees_shared_write"), 1);
  EXPECT_EQ(e.step("shared-write").value("read_sees_shared_write"), 1);

  const demos::Step& pw = e.step("private-write");
  EXPECT_EQ(pw.value("private_cow_faults"), 1);
  EXPECT_EQ(pw.value("sharer_sees_private_write"), 0);
  EXPECT_EQ(pw.value("read_sees_private_write"), 0);

  EXPECT_EQ(e.step("shared-write-again").value("private_sees_page2_write"), 1);
  EXPECT_EQ(e.step("shared-write-again").value("private_keeps_copy"), 1);

  const demos::Step& sync = e.step("sync");
  EXPECT_EQ(sync.value("file_page0_shared"), 1);
  EXPECT_EQ(sync.value("file_page1_shared"), 1);
  EXPECT_EQ(sync.value("file_page2_shared"), 1);
  EXPECT_EQ(sync.value("file_has_private_write"), 0);
  EXPECT_EQ(sync.value("dirty_kb"), 0);
  // The private copy: 4 kB Private_Dirty and Anonymous. The other three pages are the
  // file's, mapped by both processes and clean after msync.
  EXPECT_EQ(sync.value("private_rss_kb"), 16);
  EXPECT_EQ(sync.value("private_private_dirty_kb"), 4);
  EXPECT_EQ(sync.value("private_anonymous_kb"), 4);
  EXPECT_EQ(sync.value("private_shared_clean_kb"), 12);
  EXPECT_EQ(sync.value("private_shared_dirty_kb"), 0);
  EXPECT_EQ(sync.value("private_private_clean_kb"), 0);
  // The sharer: page 1 is its alone (the private process has its copy instead).
  EXPECT_EQ(sync.value("sharer_rss_kb"), 16);
  EXPECT_EQ(sync.value("sharer_shared_clean_kb"), 12);
  EXPECT_EQ(sync.value("sharer_private_clean_kb"), 4);
  EXPECT_EQ(sync.value("sharer_private_dirty_kb"), 0);
  EXPECT_EQ(sync.value("sharer_anonymous_kb"), 0);
  const std::vector<std::string>& smaps = sync.process("private").smaps;
  ASSERT_EQ(smaps.size(), 8u);
  EXPECT_EQ(smaps[6], "Private_Dirty:         4 kB");
  EXPECT_EQ(smaps[7], "Anonymous:             4 kB");

  EXPECT_TRUE(e.check_problems.empty());
  EXPECT_TRUE(m.check().ok());
}

TEST(SharedVsPrivateDirect, PrivateWritesNeverReachTheFile) {
  Machine m;
  std::string contents;
  for (char c : {'a', 'b', 'c'}) contents += std::string(kPageSize, c);
  ASSERT_TRUE(m.write_file("/data", contents).ok());
  m.sync();

  Process sharer = m.spawn("sharer");
  Process priv = m.spawn("private");
  const int sfd = *sharer.open("/data", kORdwr);
  const int pfd = *priv.open("/data", kORdwr);
  const VirtAddr s = *sharer.mmap(0, 3 * kPageSize, kProtRead | kProtWrite, kMapShared, sfd, 0);
  const VirtAddr p = *priv.mmap(0, 3 * kPageSize, kProtRead | kProtWrite, kMapPrivate, pfd, 0);

  // A shared write before the private side has a copy: seen through the private mapping
  // and by read().
  ASSERT_TRUE(sharer.write_string(s, "SHARED").ok());
  EXPECT_EQ(*priv.read_string(p, 6), "SHARED");
  const VirtAddr buf = *priv.mmap(0, kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_EQ(*priv.pread(pfd, buf, 6, 0), 6u);
  EXPECT_EQ(*priv.read_string(buf, 6), "SHARED");

  // A private write: nobody else sees it.
  ASSERT_TRUE(priv.write_string(p + kPageSize, "PRIVATE").ok());
  EXPECT_EQ(*sharer.read_string(s + kPageSize, 7), "bbbbbbb");
  ASSERT_EQ(*priv.pread(pfd, buf, 7, kPageSize), 7u);
  EXPECT_EQ(*priv.read_string(buf, 7), "bbbbbbb");  // read() gives the file, not the private copy

  ASSERT_TRUE(sharer.msync(s, 3 * kPageSize, kMsSync).ok());
  ASSERT_TRUE(sharer.fsync(sfd).ok());
  m.sync();
  const std::string file = *m.read_file("/data");
  EXPECT_EQ(file.substr(0, 6), "SHARED");
  EXPECT_EQ(file.substr(kPageSize, 7), "bbbbbbb");
  EXPECT_EQ(file.substr(2 * kPageSize, 7), "ccccccc");
  EXPECT_EQ(file.find("PRIVATE"), std::string::npos);

  const std::string smaps = priv.proc("smaps");
  const std::size_t entry = smaps.find("/data\n");
  ASSERT_NE(entry, std::string::npos);
  const std::string mine = smaps.substr(entry, smaps.find("VmFlags:", entry) - entry);
  EXPECT_NE(mine.find("Private_Dirty:         4 kB\n"), std::string::npos) << mine;
  EXPECT_NE(mine.find("Anonymous:             4 kB\n"), std::string::npos) << mine;
  EXPECT_TRUE(m.check().ok());
}

}  // namespace
}  // namespace vmlab
