// filemap: a file holding "hello\n" mapped MAP_SHARED 100 MiB long, read, written
// through memory, touched past its end (SIGBUS), unmapped, and read back with read().
#include <gtest/gtest.h>

#include "cli/demos/demos.h"
#include "vmlab/machine.h"

namespace vmlab {
namespace {

constexpr std::uint64_t kLength = 100 * MiB;

TEST(FilemapDemo, EveryStepShowsWhatLinuxShows) {
  Machine m;
  const demos::Experiment e = demos::run_filemap(m);
  ASSERT_EQ(e.stopped, "");
  ASSERT_EQ(e.steps.size(), 7u);

  const demos::Step& create = e.step("create");
  ASSERT_EQ(create.processes.size(), 1u);
  EXPECT_EQ(create.processes[0].maps,
            std::vector<std::string>{"7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]"});
  EXPECT_EQ(create.processes[0].vm_size_line, "VmSize:\t     132 kB");
  EXPECT_EQ(create.processes[0].vm_rss_line, "VmRSS:\t       4 kB");
  EXPECT_EQ(create.processes[0].minflt, 1u);

  // After mmap: the file's line, rw-s, device 08:01, its inode, the path in column 74.
  const demos::Step& mmap = e.step("mmap");
  const demos::ProcessView& mapped = mmap.processes.at(0);
  ASSERT_EQ(mapped.maps.size(), 2u);
  EXPECT_EQ(mapped.maps[0], "7ffff1a00000-7ffff7e00000 rw-s 00000000 08:01 7                          /testfile");
  EXPECT_EQ(mapped.vm_size_line, "VmSize:\t  102532 kB");
  EXPECT_EQ(mapped.vm_rss_line, "VmRSS:\t       4 kB");
  EXPECT_EQ(mmap.value("vm_size_delta_kb"), 102400);
  EXPECT_EQ(mmap.value("vm_rss_delta_kb"), 0);
  EXPECT_EQ(mmap.value("minflt_delta"), 0);
  EXPECT_EQ(mmap.value("memfree_delta_kb"), 0);

  // The first load: one minor fault maps the page-cache page.
  const demos::Step& read = e.step("read");
  EXPECT_EQ(read.value("read_is_hello"), 1);
  EXPECT_EQ(read.value("byte_4095"), 0);
  EXPECT_EQ(read.value("minflt_delta"), 1);
  EXPECT_EQ(read.value("vm_rss_delta_kb"), 4);
  EXPECT_EQ(read.processes.at(0).minflt, 2u);

  // The first store: one write-notify fault; the page is dirty in the cache.
  const demos::Step& write = e.step("write");
  EXPECT_EQ(write.value("minflt_delta"), 1);
  EXPECT_EQ(write.value("dirty_kb"), 4);

  // Past the last page: SIGBUS with BUS_ADRERR, no minflt, no memory.
  const demos::Step& sigbus = e.step("sigbus");
  EXPECT_EQ(sigbus.value("signo_4096"), 7);
  EXPECT_EQ(sigbus.value("code_4096"), 2);
  EXPECT_EQ(sigbus.value("signo_50m"), 7);
  EXPECT_EQ(sigbus.value("code_50m"), 2);
  EXPECT_EQ(sigbus.value("minflt_delta"), 0);
  EXPECT_EQ(sigbus.value("pgfault_delta"), 2);
  EXPECT_EQ(sigbus.value("vm_rss_delta_kb"), 0);
  EXPECT_EQ(sigbus.value("vm_pte_delta_kb"), 0);
  EXPECT_EQ(sigbus.value("memfree_delta_kb"), 0);

  const demos::Step& munmap = e.step("munmap");
  EXPECT_EQ(munmap.processes.at(0).maps.size(), 1u);
  EXPECT_EQ(munmap.value("vm_size_delta_kb"), -102400);
  EXPECT_EQ(munmap.value("vm_rss_delta_kb"), -4);
  EXPECT_EQ(munmap.value("dirty_kb"), 4);

  const demos::Step& back = e.step("read-back");
  EXPECT_EQ(back.value("read_bytes"), 6);
  EXPECT_EQ(back.value("read_is_HELLO"), 1);
  EXPECT_EQ(back.value("dirty_kb_before_sync"), 4);
  EXPECT_EQ(back.value("dirty_kb"), 0);
  EXPECT_EQ(back.value("disk_is_HELLO"), 1);

  // Every step carries free and sar output in their formats.
  for (const demos::Step& s : e.steps) {
    EXPECT_TRUE(s.memory.free.starts_with("               total        used        free      shared  buff/cache   available\nMem:"))
        << s.id;
    EXPECT_NE(s.memory.sar_header.find("kbmemfree"), std::string::npos) << s.id;
  }
  EXPECT_TRUE(e.check_problems.empty());
  EXPECT_TRUE(m.check().ok());
  EXPECT_EQ(*m.read_file("/testfile"), "HELLO\n");
}

TEST(FilemapDirect, SharedMappingWritesReachTheFileAndSigbusPastItsEnd) {
  Machine m;
  ASSERT_TRUE(m.write_file("/testfile", "hello\n").ok());
  Process p = m.spawn("filemap");
  const int fd = *p.open("/testfile", kORdwr);
  const VirtAddr a = *p.mmap(0, kLength, kProtRead | kProtWrite, kMapShared, fd, 0);

  EXPECT_EQ(*p.read_string(a, 5), "hello");
  ASSERT_TRUE(p.write_string(a, "HELLO").ok());

  for (std::uint64_t off : {std::uint64_t{4096}, 50 * MiB, kLength - 1}) {
    const std::uint64_t minflt = p.minflt();
    Access<std::uint8_t> r = p.load<std::uint8_t>(a + off);
    ASSERT_FALSE(r.ok()) << off;
    EXPECT_EQ(r.error(), (SigInfo{Signal::sigbus, kBusAdrErr, a + off})) << off;
    EXPECT_EQ(kBusAdrErr, 2);  // BUS_ADRERR in include/uapi/asm-generic/siginfo.h
    EXPECT_EQ(p.minflt(), minflt);
  }

  ASSERT_TRUE(p.munmap(a, kLength).ok());
  ASSERT_TRUE(p.close(fd).ok());

  // read() through a process: open, read into a mapped buffer, load the bytes.
  const int rfd = *p.open("/testfile", kORdonly);
  const VirtAddr buf = *p.mmap(0, kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  const Result<std::uint64_t> n = p.read(rfd, buf, kPageSize);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 6u);
  EXPECT_EQ(*p.read_string(buf, 6), "HELLO\n");
  EXPECT_EQ(*m.read_file("/testfile"), "HELLO\n");
  EXPECT_TRUE(m.check().ok());
}

}  // namespace
}  // namespace vmlab
