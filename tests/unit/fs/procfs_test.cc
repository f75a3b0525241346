// /proc files rendered from live state: maps names, smaps fields of a known mapping,
// status Rss* and VmPTE, stat fault fields, meminfo order and values, vmstat.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "api/machine_state.h"
#include "kernel/kernel.h"
#include "unit/mm/test_util.h"

namespace vmlab {
namespace {

using test::kPrivAnon;
using test::kRW;
using test::kSharedAnon;
using test::maps_containing;
using test::smaps_kb;

constexpr std::uint64_t P = kPageSize;

class ProcFsTest : public ::testing::Test {
 protected:
  ProcFsTest() : m_(test::small_config(64 * MiB)), p_(m_.spawn("procfs")) {}
  ~ProcFsTest() override { test::expect_consistent(m_); }
  Machine m_;
  Process p_;
};

// The field names of a "Name: value" file, in order.
std::vector<std::string> field_names(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& l : test::lines_of(text)) out.push_back(l.substr(0, l.find(':')));
  return out;
}

TEST_F(ProcFsTest, MapsNamesTheKindsOfMapping) {
  const VirtAddr start = p_.brk(0);
  ASSERT_EQ(p_.brk(start + 2 * P), start + 2 * P);
  ASSERT_TRUE(m_.write_file("/tmp/file", test::pattern_file(2)).ok());
  auto fd = p_.open("/tmp/file", kORdonly);
  ASSERT_TRUE(fd.ok());
  auto file = p_.mmap(0, 2 * P, kProtRead, kMapPrivate, *fd, P);
  auto shm = p_.mmap(0, P, kRW, kSharedAnon, -1, 0);
  auto anon = p_.mmap(0, P, kProtRead | kProtExec, kPrivAnon, -1, 0);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(shm.ok());
  ASSERT_TRUE(anon.ok());
  const std::string maps = p_.proc("maps");

  const auto heap = test::maps_named(maps, "[heap]");
  EXPECT_EQ(heap.start, start);
  EXPECT_EQ(heap.end, start + 2 * P);
  EXPECT_EQ(heap.perms, "rw-p");
  const auto stack = test::maps_named(maps, "[stack]");
  EXPECT_EQ(stack.end, 0x7ffffffff000u);
  EXPECT_EQ(stack.perms, "rw-p");

  const auto f = maps_containing(maps, *file);
  EXPECT_EQ(f.name, "/tmp/file");
  EXPECT_EQ(f.perms, "r--p");
  EXPECT_EQ(f.offset, P);
  EXPECT_EQ(f.dev, "08:01");
  EXPECT_GT(f.inode, 2u);

  const auto s = maps_containing(maps, *shm);
  EXPECT_EQ(s.name, "/dev/zero (deleted)");
  EXPECT_EQ(s.perms, "rw-s");
  EXPECT_EQ(s.dev, "00:01");
  EXPECT_EQ(s.offset, 0u);

  // Unnamed anonymous memory: the line ends after the inode and one space.
  const auto a = maps_containing(maps, *anon);
  EXPECT_EQ(a.name, "");
  EXPECT_EQ(a.perms, "r-xp");
  const std::string expect = fmt::format("{:08x}-{:08x} r-xp 00000000 00:00 0 \n", *anon, *anon + P);
  EXPECT_NE(maps.find(expect), std::string::npos) << maps;
  // Lines are sorted by address and named from column 74.
  VirtAddr prev = 0;
  for (const auto& line : test::lines_of(maps)) {
    const auto e = test::parse_maps_line(line);
    EXPECT_GT(e.start, prev);
    prev = e.start;
    if (!e.name.empty()) {
      EXPECT_EQ(line.find(e.name), 73u) << line;
    }
  }
  // A private read-only mapping of /dev/zero is plain anonymous memory.
  auto zfd = p_.open("/dev/zero", kORdonly);
  ASSERT_TRUE(zfd.ok());
  auto z = p_.mmap(0, P, kProtRead, kMapPrivate, *zfd, 0);
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(maps_containing(p_.proc("maps"), *z).name, "");
}

TEST_F(ProcFsTest, SmapsOfAKnownMapping) {
  auto a = p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(*a, 1).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(*a + 2 * P, 1).ok());
  ASSERT_TRUE(p_.load<std::uint8_t>(*a + 3 * P).ok());  // the zero page: not counted
  const std::string smaps = p_.proc("smaps");
  struct F { const char* name; std::uint64_t kb; };
  for (const F& f : {F{"Size", 16}, F{"KernelPageSize", 4}, F{"MMUPageSize", 4}, F{"Rss", 8}, F{"Pss", 8},
                     F{"Pss_Dirty", 8}, F{"Shared_Clean", 0}, F{"Shared_Dirty", 0}, F{"Private_Clean", 0},
                     F{"Private_Dirty", 8}, F{"Referenced", 8}, F{"Anonymous", 8}, F{"KSM", 0}, F{"LazyFree", 0},
                     F{"AnonHugePages", 0}, F{"ShmemPmdMapped", 0}, F{"FilePmdMapped", 0}, F{"Shared_Hugetlb", 0},
                     F{"Private_Hugetlb", 0}, F{"Swap", 0}, F{"SwapPss", 0}, F{"Locked", 0}}) {
    EXPECT_EQ(smaps_kb(smaps, *a, f.name), f.kb) << f.name;
  }
  EXPECT_EQ(test::smaps_line(smaps, *a, "VmFlags"), "VmFlags: rd wr mr mw me ac ");
  // The field order of 6.18 (fs/proc/task_mmu.c show_smap()).
  std::vector<std::string> names;
  bool in = false;
  for (const auto& line : test::lines_of(smaps)) {
    if (test::is_smaps_header(line)) {
      in = test::parse_maps_line(line).start == *a;
      continue;
    }
    if (in) names.push_back(line.substr(0, line.find(':')));
  }
  EXPECT_EQ(names, (std::vector<std::string>{
                       "Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty", "Shared_Clean",
                       "Shared_Dirty", "Private_Clean", "Private_Dirty", "Referenced", "Anonymous", "KSM",
                       "LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb",
                       "Private_Hugetlb", "Swap", "SwapPss", "Locked", "THPeligible", "VmFlags"}));
}

TEST_F(ProcFsTest, SmapsOfLockedAndFileMappings) {
  auto l = p_.mmap(0, 2 * P, kRW, kPrivAnon | kMapLocked, -1, 0);  // populated at mmap
  ASSERT_TRUE(l.ok());
  std::string smaps = p_.proc("smaps");
  EXPECT_EQ(smaps_kb(smaps, *l, "Rss"), 8u);
  EXPECT_EQ(smaps_kb(smaps, *l, "Locked"), 8u);
  EXPECT_EQ(test::smaps_line(smaps, *l, "VmFlags"), "VmFlags: rd wr mr mw me lo ac ");
  EXPECT_EQ(p_.status_kb("VmLck"), 8u);

  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(2)).ok());
  m_.sync();
  auto fd = p_.open("/tmp/f", kORdwr);
  auto f = p_.mmap(0, 2 * P, kRW, kMapShared, *fd, 0);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(p_.load<char>(*f).ok());
  smaps = p_.proc("smaps");
  EXPECT_EQ(smaps_kb(smaps, *f, "Rss"), 8u);
  EXPECT_EQ(smaps_kb(smaps, *f, "Private_Clean"), 8u);  // cache + one PTE: mapcount 1
  EXPECT_EQ(smaps_kb(smaps, *f, "Anonymous"), 0u);
  EXPECT_EQ(test::smaps_line(smaps, *f, "VmFlags"), "VmFlags: rd wr sh mr mw me ms ");
}

TEST_F(ProcFsTest, SmapsRollupSumsEveryVma) {
  auto a = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  auto s = p_.mmap(0, P, kRW, kSharedAnon, -1, 0);
  ASSERT_TRUE(p_.store<std::uint8_t>(*a, 1).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(*s, 1).ok());
  const std::string roll = p_.proc("smaps_rollup");
  const auto first = test::lines_of(roll).front();
  EXPECT_NE(first.find("[rollup]"), std::string::npos);
  EXPECT_NE(first.find(" ---p 00000000 00:00 0 "), std::string::npos);
  EXPECT_EQ(test::field_kb(roll, "Rss"), p_.status_kb("VmRSS"));
  EXPECT_EQ(test::field_kb(roll, "Anonymous"), p_.status_kb("RssAnon"));
  EXPECT_EQ(test::field_kb(roll, "Pss_Shmem"), 4u);
  EXPECT_EQ(test::field_kb(roll, "Pss_Anon"), p_.status_kb("RssAnon"));
}

TEST_F(ProcFsTest, StatusRssFieldsAndVmPte) {
  const std::uint64_t rss = p_.status_kb("VmRSS");
  const std::uint64_t anon = p_.status_kb("RssAnon");
  const std::uint64_t pte = p_.status_kb("VmPTE");
  EXPECT_EQ(p_.status_kb("RssFile"), 0u);
  EXPECT_EQ(p_.status_kb("RssShmem"), 0u);
  EXPECT_EQ(rss, anon);  // the stack's pages
  const VirtAddr x = 0x40000000;  // tables of its own
  ASSERT_TRUE(p_.mmap(x, 2 * P, kRW, kPrivAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(x, 1).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(x + P, 1).ok());
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(3)).ok());
  auto fd = p_.open("/tmp/f", kORdonly);
  ASSERT_TRUE(p_.mmap(x + 2 * P, 3 * P, kProtRead, kMapPrivate | kMapFixed, *fd, 0).ok());
  ASSERT_TRUE(p_.load<char>(x + 2 * P).ok());  // fault-around maps all three
  ASSERT_TRUE(p_.mmap(x + 5 * P, P, kRW, kSharedAnon | kMapFixed, -1, 0).ok());
  ASSERT_TRUE(p_.store<std::uint8_t>(x + 5 * P, 1).ok());
  EXPECT_EQ(p_.status_kb("RssAnon"), anon + 8);
  EXPECT_EQ(p_.status_kb("RssFile"), 12u);
  EXPECT_EQ(p_.status_kb("RssShmem"), 4u);
  EXPECT_EQ(p_.status_kb("VmRSS"), rss + 24);
  EXPECT_EQ(p_.status_kb("VmHWM"), rss + 24);
  EXPECT_EQ(p_.status_kb("VmPTE"), pte + 12);  // a PUD, a PMD and a PTE table
  // statm: size resident shared text lib data dt, in pages.
  const auto statm = test::lines_of(p_.proc("statm")).front();
  std::istringstream in(statm);
  std::uint64_t size, resident, shared;
  in >> size >> resident >> shared;
  EXPECT_EQ(size * 4, p_.status_kb("VmSize"));
  EXPECT_EQ(resident * 4, p_.status_kb("VmRSS"));
  EXPECT_EQ(shared * 4, 16u);  // file + shmem
  // VmHWM remembers the peak after the memory goes.
  ASSERT_TRUE(p_.munmap(x, 6 * P).ok());
  EXPECT_EQ(p_.status_kb("VmRSS"), rss);
  EXPECT_EQ(p_.status_kb("VmHWM"), rss + 24);
  EXPECT_EQ(p_.status_kb("VmPTE"), pte);
}

TEST_F(ProcFsTest, ForkedChildStartsItsOwnPeaks) {
  auto a = p_.mmap(0, 64 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(p_.store<std::uint8_t>(*a + i * P, 1).ok());
  ASSERT_TRUE(p_.munmap(*a, 60 * P).ok());
  const std::uint64_t hwm = p_.status_kb("VmHWM");
  const std::uint64_t peak = p_.status_kb("VmPeak");
  EXPECT_EQ(hwm, p_.status_kb("VmRSS") + 240);
  EXPECT_EQ(peak, p_.status_kb("VmSize") + 240);
  Process child = *p_.fork();
  // dup_mm(): hiwater_rss = the child's RSS, hiwater_vm = its total_vm (seen on 6.18:
  // a parent with VmHWM 205736 kB forks a child with VmHWM 688 kB = its VmRSS).
  EXPECT_EQ(child.status_kb("VmHWM"), child.status_kb("VmRSS"));
  EXPECT_EQ(child.status_kb("VmPeak"), child.status_kb("VmSize"));
  EXPECT_EQ(child.status_kb("VmRSS"), p_.status_kb("VmRSS"));
  EXPECT_EQ(p_.status_kb("VmHWM"), hwm);
  EXPECT_EQ(p_.status_kb("VmPeak"), peak);
}

TEST_F(ProcFsTest, StatusVmSizeDataStack) {
  const std::uint64_t size = p_.status_kb("VmSize");
  const std::uint64_t data = p_.status_kb("VmData");
  const auto st = test::maps_named(p_.proc("maps"), "[stack]");
  EXPECT_EQ(p_.status_kb("VmStk"), (st.end - st.start) / 1024);
  EXPECT_EQ(p_.status_kb("VmStk"), 132u);  // 128 KiB plus the argument page (seen on 6.18)
  ASSERT_TRUE(p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0).ok());       // data
  ASSERT_TRUE(p_.mmap(0, 2 * P, kProtRead, kPrivAnon, -1, 0).ok());  // neither data nor exec
  ASSERT_TRUE(p_.mmap(0, P, kProtRead | kProtExec, kPrivAnon, -1, 0).ok());  // exec
  EXPECT_EQ(p_.status_kb("VmSize"), size + 28);
  EXPECT_EQ(p_.status_kb("VmData"), data + 16);
  EXPECT_EQ(p_.status_kb("VmExe"), 0u);  // VmExe is the text of the program, not any exec mapping
  EXPECT_EQ(p_.status_kb("VmPeak"), size + 28);
}

TEST_F(ProcFsTest, StatFaultFields) {
  std::string stat = p_.proc("stat");
  EXPECT_EQ(test::stat_field(stat, 1), std::to_string(p_.pid()));
  EXPECT_EQ(test::stat_field(stat, 2), "(procfs)");
  EXPECT_EQ(test::stat_field(stat, 3), "R");
  const std::uint64_t min0 = test::stat_num(stat, 10);
  EXPECT_EQ(min0, p_.minflt());
  EXPECT_EQ(test::stat_num(stat, 11), 0u);
  EXPECT_EQ(test::stat_num(stat, 12), 0u);
  EXPECT_EQ(test::stat_num(stat, 13), 0u);
  auto a = p_.mmap(0, 8 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p_.store<std::uint8_t>(*a + i * P, 1).ok());
  stat = p_.proc("stat");
  EXPECT_EQ(test::stat_num(stat, 10), min0 + 3);
  EXPECT_EQ(test::stat_num(stat, 23), p_.status_kb("VmSize") * 1024);  // vsize in bytes
  EXPECT_EQ(test::stat_num(stat, 24) * 4, p_.status_kb("VmRSS"));      // rss in pages

  // A child's faults reach cminflt when the parent waits for it.
  Process child = *p_.fork();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(child.store<std::uint8_t>(*a + i * P, 2).ok());
  const std::uint64_t child_min = child.minflt();
  EXPECT_EQ(child_min, 5u);  // three copy-on-write faults, two new pages
  EXPECT_EQ(test::stat_num(child.proc("stat"), 4), static_cast<std::uint64_t>(p_.pid()));  // ppid
  child.exit(3);
  EXPECT_EQ(test::stat_num(p_.proc("stat"), 11), 0u);  // not yet waited for
  EXPECT_EQ(test::stat_field(child.proc("stat"), 3), "Z");
  auto w = p_.wait(child.pid());
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->pid, child.pid());
  EXPECT_EQ(w->status, 3 << 8);
  stat = p_.proc("stat");
  EXPECT_EQ(test::stat_num(stat, 10), min0 + 3);
  EXPECT_EQ(test::stat_num(stat, 11), child_min);
  EXPECT_EQ(test::stat_num(stat, 12), 0u);
  EXPECT_EQ(test::stat_num(stat, 13), 0u);
}

// starttime (22) is the clock ticks since boot when the process was made; wchan (35)
// is 1 for a task that is not running (asleep, or a zombie).
TEST_F(ProcFsTest, StatStartTimeAndWchan) {
  EXPECT_EQ(test::stat_num(p_.proc("stat"), 22), 0u);  // spawned at boot
  EXPECT_EQ(test::stat_num(p_.proc("stat"), 35), 0u);
  for (int round = 0; round < 12; ++round) {  // 49152 faults of virtual time
    auto a = p_.mmap(0, 16 * MiB, kRW, kPrivAnon, -1, 0);
    ASSERT_TRUE(a.ok());
    for (VirtAddr va = *a; va < *a + 16 * MiB; va += P) ASSERT_TRUE(p_.store<std::uint8_t>(va, 1).ok());
    ASSERT_TRUE(p_.munmap(*a, 16 * MiB).ok());
  }
  const std::string uptime = *m_.state().kernel.proc_text("/proc/uptime", nullptr);
  const std::uint64_t ticks = std::stoull(uptime) * 100 + std::stoull(uptime.substr(uptime.find('.') + 1));
  ASSERT_GT(ticks, 0u) << uptime;
  Process child = *p_.fork();
  EXPECT_EQ(test::stat_num(child.proc("stat"), 22), ticks);
  child.exit(0);
  EXPECT_EQ(test::stat_num(child.proc("stat"), 35), 1u);
  ASSERT_TRUE(p_.wait(child.pid()).ok());
}

TEST_F(ProcFsTest, MajorFaultOfAnUncachedPage) {
  // A sparse file: nothing of it is in the page cache.
  auto fd = p_.open("/tmp/sparse", kORdwr | kOCreat);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(p_.ftruncate(*fd, 64 * P).ok());
  EXPECT_EQ(m_.meminfo_kb("Cached"), 0u);
  // At a 64 KiB-aligned address, so fault-around windows start at multiples of 16.
  auto a = p_.mmap(0x20000000, 64 * P, kProtRead, kMapPrivate | kMapFixed, *fd, 0);
  ASSERT_TRUE(a.ok());
  const std::uint64_t min0 = p_.minflt();
  EXPECT_EQ(*p_.load<char>(*a + 20 * P), 0);
  // filemap_fault(): a cache miss is VM_FAULT_MAJOR; read-around brings in ra_pages
  // (32) centred on the fault (pages 4-35). The fault is retried after the read and
  // the retry maps the fault-around window (16-31).
  EXPECT_EQ(p_.majflt(), 1u);
  EXPECT_EQ(p_.minflt(), min0);
  EXPECT_EQ(m_.vmstat_value("pgmajfault"), 1u);
  EXPECT_EQ(m_.meminfo_kb("Cached"), 32 * 4u);
  EXPECT_EQ(smaps_kb(p_.proc("smaps"), *a, "Rss"), 16 * 4u);
  std::string stat = p_.proc("stat");
  EXPECT_EQ(test::stat_num(stat, 12), 1u);
  EXPECT_EQ(test::stat_num(stat, 10), min0);
  // Pages 4-15 are cached: a minor fault, and fault-around maps those twelve.
  EXPECT_EQ(*p_.load<char>(*a + 8 * P), 0);
  EXPECT_EQ(p_.minflt(), min0 + 1);
  EXPECT_EQ(p_.majflt(), 1u);
  EXPECT_EQ(smaps_kb(p_.proc("smaps"), *a, "Rss"), 28 * 4u);
  // Beyond the read-around window: major again (and pages 44-63 come in).
  EXPECT_EQ(*p_.load<char>(*a + 60 * P), 0);
  EXPECT_EQ(p_.majflt(), 2u);
  EXPECT_EQ(m_.meminfo_kb("Cached"), 52 * 4u);
  // A child's major faults reach cmajflt.
  Process child = *p_.fork();
  EXPECT_EQ(*child.load<char>(*a + 50 * P), 0);  // cached by the read-around of page 60
  EXPECT_EQ(child.majflt(), 0u);
  child.exit(0);
  ASSERT_TRUE(p_.wait(child.pid()).ok());
  stat = p_.proc("stat");
  EXPECT_EQ(test::stat_num(stat, 13), 0u);
  EXPECT_EQ(test::stat_num(stat, 11), 1u);
}

TEST_F(ProcFsTest, MeminfoFieldOrderAndValues) {
  const std::string mi = m_.meminfo();
  // /proc/meminfo of the 6.18 host, in order (DirectMap1G only with gbpages).
  EXPECT_EQ(field_names(mi),
            (std::vector<std::string>{
                "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active", "Inactive",
                "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",
                "SwapTotal", "SwapFree", "Zswap", "Zswapped", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem",
                "KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables", "SecPageTables",
                "NFS_Unstable", "Bounce", "WritebackTmp", "CommitLimit", "Committed_AS", "VmallocTotal",
                "VmallocUsed", "VmallocChunk", "Percpu", "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped",
                "FileHugePages", "FilePmdMapped", "Balloon", "HugePages_Total", "HugePages_Free",
                "HugePages_Rsvd", "HugePages_Surp", "Hugepagesize", "Hugetlb", "DirectMap4k", "DirectMap2M"}));
  // RAM less the zero page.
  EXPECT_EQ(m_.meminfo_kb("MemTotal"), 64 * 1024 - 4u);
  EXPECT_EQ(m_.meminfo_kb("SwapTotal"), 0u);
  EXPECT_EQ(m_.meminfo_kb("Hugepagesize"), 2048u);
  // Anonymous memory: AnonPages, Inactive(anon) and MemFree move together.
  const std::uint64_t free0 = m_.meminfo_kb("MemFree");
  const std::uint64_t anon0 = m_.meminfo_kb("AnonPages");
  const std::uint64_t tables0 = m_.meminfo_kb("PageTables");
  const std::uint64_t inactive0 = m_.meminfo_kb("Inactive(anon)");
  auto a = p_.mmap(0, 40 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(p_.store<std::uint8_t>(*a + i * P, 1).ok());
  EXPECT_EQ(m_.meminfo_kb("AnonPages"), anon0 + 160);
  // New pages reach the inactive list 31 at a time (the per-CPU lru_add batch): the
  // stack page waiting there and 30 of ours, then 9 wait.
  EXPECT_EQ(m_.meminfo_kb("Inactive(anon)"), inactive0 + 31 * 4);
  const std::uint64_t tables = m_.meminfo_kb("PageTables") - tables0;
  EXPECT_EQ(m_.meminfo_kb("MemFree"), free0 - 160 - tables);
  EXPECT_EQ(m_.meminfo_kb("Active"), m_.meminfo_kb("Active(anon)") + m_.meminfo_kb("Active(file)"));
  EXPECT_EQ(m_.meminfo_kb("Inactive"), m_.meminfo_kb("Inactive(anon)") + m_.meminfo_kb("Inactive(file)"));
  // File pages: Cached and Mapped.
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(4)).ok());
  EXPECT_EQ(m_.meminfo_kb("Cached"), 16u);
  EXPECT_EQ(m_.meminfo_kb("Mapped"), 0u);
  auto fd = p_.open("/tmp/f", kORdonly);
  auto f = p_.mmap(0, 4 * P, kProtRead, kMapShared, *fd, 0);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(p_.load<char>(*f).ok());
  EXPECT_EQ(m_.meminfo_kb("Mapped"), 16u);
  // Shared anonymous memory counts in Shmem and in Cached.
  auto s = p_.mmap(0, P, kRW, kSharedAnon, -1, 0);
  ASSERT_TRUE(p_.store<std::uint8_t>(*s, 1).ok());
  EXPECT_EQ(m_.meminfo_kb("Shmem"), 4u);
  EXPECT_EQ(m_.meminfo_kb("Cached"), 20u);
  EXPECT_EQ(m_.meminfo_kb("Mapped"), 20u);
  // MemAvailable: free pages above the reserves plus reclaimable page cache.
  EXPECT_LT(m_.meminfo_kb("MemAvailable"), m_.meminfo_kb("MemFree") + m_.meminfo_kb("Cached"));
}

// arch_report_meminfo(): the page sizes init_mem_mapping() would use for RAM from 0.
TEST(ProcMeminfo, DirectMapSplitsTheRamBySize) {
  MachineConfig c = test::small_config(2 * GiB);
  c.contents = false;
  Machine plain(c);
  std::string mi = plain.meminfo();
  EXPECT_NE(mi.find("DirectMap4k:        2048 kB\nDirectMap2M:     2095104 kB\n"), std::string::npos) << mi;
  EXPECT_EQ(mi.find("DirectMap1G"), std::string::npos);
  EXPECT_NE(mi.find("VmallocTotal:   34359738367 kB\n"), std::string::npos);

  c.gbpages = true;  // --set cpu.gbpages=true
  c.ram_bytes = 3 * GiB + 6 * MiB + 8 * KiB;
  Machine giant(c);
  mi = giant.meminfo();
  // 4k: the first 2 MiB and the last 8 KiB; 2M: up to 1 GiB and 6 MiB of the tail.
  EXPECT_NE(mi.find("DirectMap4k:        2056 kB\nDirectMap2M:     1052672 kB\nDirectMap1G:     2097152 kB\n"),
            std::string::npos)
      << mi;
}

// riscv64 (Sv39): no arch_report_meminfo(), a 64 GiB vmalloc area; no speculation
// control to report in status.
TEST(ProcMeminfo, Riscv64HasItsOwnArchitectureLines) {
  MachineConfig c = test::small_config(64 * MiB);
  c.layout = Layout::riscv64;
  Machine m(c);
  const std::string mi = m.meminfo();
  EXPECT_EQ(mi.find("DirectMap"), std::string::npos) << mi;
  EXPECT_NE(mi.find("VmallocTotal:   67108864 kB\n"), std::string::npos) << mi;
  EXPECT_TRUE(mi.ends_with("Hugetlb:               0 kB\n")) << mi;
  Process p = m.spawn("rv");
  const std::string st = p.proc("status");
  EXPECT_NE(st.find("Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunknown\n"), std::string::npos);
}

// task_sig() of a process of the C++ API: nothing queued, nothing blocked or caught,
// and RLIMIT_SIGPENDING from the RAM (MemTotal / 128 KiB threads, halved); root's
// capabilities are the full set (CAP_LAST_CAP 40), a user's permitted set is empty.
TEST_F(ProcFsTest, StatusSignalLinesAndCapabilities) {
  const std::string st = p_.proc("status");
  // 64 MiB less the zero page: 16383 pages, 511 threads.
  EXPECT_NE(st.find("SigQ:\t0/255\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"), std::string::npos) << st;
  EXPECT_NE(st.find("State:\tR (running)\n"), std::string::npos);
  EXPECT_NE(st.find("CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\n"),
            std::string::npos)
      << st;
}

// task_state(): FDSize is the descriptor table's size (64, then 128 once a descriptor
// past 63 exists, and it never shrinks; a child's starts from what is open); a zombie
// has no files or fs left (FDSize 0, no Umask line) and no mm (no Vm lines).
TEST_F(ProcFsTest, FdSizeAndAZombiesStatus) {
  EXPECT_NE(p_.proc("status").find("\nFDSize:\t64\n"), std::string::npos);
  std::vector<int> fds;
  while (fds.empty() || fds.back() < 64) fds.push_back(*p_.open("/dev/null", kORdonly));
  EXPECT_NE(p_.proc("status").find("\nFDSize:\t128\n"), std::string::npos) << p_.proc("status");
  for (int fd : fds) ASSERT_TRUE(p_.close(fd).ok());
  EXPECT_NE(p_.proc("status").find("\nFDSize:\t128\n"), std::string::npos);
  // dup_fd(): a child's table is sized for the descriptors open at fork (0 to 2).
  Process small = *p_.fork();
  EXPECT_NE(small.proc("status").find("\nFDSize:\t64\n"), std::string::npos) << small.proc("status");
  small.exit(0);
  ASSERT_TRUE(p_.wait(small.pid()).ok());

  Process child = *p_.fork();
  child.exit(0);
  const std::string st = child.proc("status");
  EXPECT_NE(st.find("\nState:\tZ (zombie)\n"), std::string::npos) << st;
  EXPECT_NE(st.find("\nFDSize:\t0\n"), std::string::npos) << st;
  EXPECT_EQ(st.find("Umask:"), std::string::npos) << st;
  EXPECT_EQ(st.find("VmSize:"), std::string::npos) << st;
  ASSERT_TRUE(p_.wait(child.pid()).ok());
}

TEST_F(ProcFsTest, MemAvailableIsSiMemAvailable) {
  // 64 MiB, one zone: min_free_kbytes = int_sqrt(65532 * 16) = 1023, so the watermarks
  // are min 255, low 255 + max(255 / 4, 16383 * 10 / 10000) = 318, high 381 pages.
  ASSERT_EQ(m_.meminfo_kb("AnonPages"), 4u);  // the fixture's stack page, still in the lru_add batch
  ASSERT_EQ(m_.meminfo_kb("Inactive(anon)"), 0u);
  ASSERT_TRUE(m_.write_file("/tmp/f", test::pattern_file(100)).ok());
  // 101 pages through the batch: three batches of 31 reached the lists (the stack page
  // and 92 file pages), 8 file pages wait. MemAvailable counts only listed pages.
  EXPECT_EQ(m_.meminfo_kb("Inactive(anon)"), 4u);
  const std::uint64_t free = m_.meminfo_kb("MemFree") / 4;
  const std::uint64_t file_lru = (m_.meminfo_kb("Active(file)") + m_.meminfo_kb("Inactive(file)")) / 4;
  ASSERT_EQ(file_lru, 92u);
  // free - totalreserve (high) + pagecache - min(pagecache / 2, low)
  EXPECT_EQ(m_.meminfo_kb("MemAvailable"), (free - 381 + 92 - 46) * 4);
}

TEST_F(ProcFsTest, VmstatPgfaultCountsEveryFault) {
  const std::uint64_t pgfault = m_.vmstat_value("pgfault");
  auto a = p_.mmap(0, 2 * P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(p_.load<std::uint8_t>(*a).ok());       // zero page
  ASSERT_TRUE(p_.store<std::uint8_t>(*a, 1).ok());   // its copy
  ASSERT_TRUE(p_.store<std::uint8_t>(*a + P, 1).ok());
  EXPECT_EQ(m_.vmstat_value("pgfault"), pgfault + 3);
  EXPECT_FALSE(p_.load<std::uint8_t>(0x1000).ok());  // SIGSEGV: no fault accounted
  EXPECT_EQ(m_.vmstat_value("pgfault"), pgfault + 3);
  // Faults of every process add up.
  Process q = m_.spawn("other");
  const std::uint64_t after_spawn = m_.vmstat_value("pgfault");
  auto b = q.mmap(0, P, kRW, kPrivAnon, -1, 0);
  ASSERT_TRUE(q.store<std::uint8_t>(*b, 1).ok());
  EXPECT_EQ(m_.vmstat_value("pgfault"), after_spawn + 1);
  EXPECT_EQ(m_.vmstat_value("pgmajfault"), 0u);
  EXPECT_EQ(m_.vmstat_value("nr_anon_pages") * 4, m_.meminfo_kb("AnonPages"));
  EXPECT_EQ(m_.vmstat_value("nr_free_pages") * 4, m_.meminfo_kb("MemFree"));
}

TEST_F(ProcFsTest, ProcThroughOpenAndRead) {
  auto fd = p_.open("/proc/self/status", kORdonly);
  ASSERT_TRUE(fd.ok());
  auto buf = p_.mmap(0, 4 * P, kRW, kPrivAnon, -1, 0);
  auto n = p_.read(*fd, *buf, 4 * P);
  ASSERT_TRUE(n.ok());
  const std::string text = *p_.read_string(*buf, *n);
  EXPECT_EQ(text.substr(0, 13), "Name:\tprocfs\n");
  EXPECT_EQ(p_.open("/proc/self/status", kORdwr).error(), Errno::acces);
  EXPECT_EQ(p_.open("/proc/99999/status", kORdonly).error(), Errno::noent);
  EXPECT_EQ(p_.open("/proc/self/nonexistent", kORdonly).error(), Errno::noent);
  auto mi = p_.open("/proc/meminfo", kORdonly);
  ASSERT_TRUE(mi.ok());
}

}  // namespace
}  // namespace vmlab
