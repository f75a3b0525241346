// execve of real host ELF files: /bin/true (a PIE) and its dynamic loader, laid out as
// Linux lays them out without ASLR (binfmt_elf: the PIE at ELF_ET_DYN_BASE, the
// interpreter at the top of the mmap area, the stack at STACK_TOP).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "vmlab/machine.h"

namespace vmlab {
namespace {

bool host_file_exists(const char* path) { return std::ifstream(path).good(); }

std::vector<std::string> lines_with(const std::string& text, std::string_view needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

class ExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!host_file_exists("/bin/true") || !host_file_exists("/lib64/ld-linux-x86-64.so.2")) {
      GTEST_SKIP() << "no x86-64 /bin/true and loader on this host";
    }
    ASSERT_TRUE(m.mkdir("/bin"));
    ASSERT_TRUE(m.mkdir("/lib64"));
    m.import_host_file("/bin/true", "/bin/true");
    m.import_host_file("/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2");
  }
  Machine m;
};

TEST_F(ExecTest, MapsTheProgramTheLoaderAndTheStackWhereLinuxDoes) {
  Process p = m.spawn("sh");
  auto entry = p.execve("/bin/true", {"true"}, {"HOME=/"});
  ASSERT_TRUE(entry) << errno_name(entry.error());
  const std::string maps = p.proc("maps");
  auto prog = lines_with(maps, "/bin/true");
  ASSERT_GE(prog.size(), 3u) << maps;
  EXPECT_EQ(prog.front().substr(0, 13), "555555554000-") << maps;
  EXPECT_NE(prog.front().find(" r--p 00000000 08:01 "), std::string::npos) << maps;
  // Text is private read-execute.
  EXPECT_EQ(lines_with(maps, "r-xp").size(), 2u) << maps;  // the program's and the loader's
  auto loader = lines_with(maps, "/lib64/ld-linux-x86-64.so.2");
  ASSERT_GE(loader.size(), 3u) << maps;
  EXPECT_NE(loader.back().find("-7ffff7fff000 "), std::string::npos) << maps;
  auto stack = lines_with(maps, "[stack]");
  ASSERT_EQ(stack.size(), 1u);
  EXPECT_NE(stack[0].find("-7ffffffff000 rw-p 00000000 00:00 0 "), std::string::npos) << maps;
  // The entry point is the loader's.
  EXPECT_GT(*entry, 0x7ffff7000000u);
  EXPECT_EQ(p.status_kb("VmStk"), 132u);
  EXPECT_EQ(p.proc("stat").find("(true)") != std::string::npos, true);
  auto r = m.check();
  EXPECT_TRUE(r.ok()) << r.problems.front();
}

TEST_F(ExecTest, ReplacesTheAddressSpaceAndFreesTheOldOne) {
  Process p = m.spawn("sh");
  auto a = p.mmap(0, 4 * MiB, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_TRUE(a);
  for (VirtAddr va = *a; va < *a + 4 * MiB; va += kPageSize) ASSERT_TRUE(p.store<std::uint8_t>(va, 7));
  const auto anon_before = m.meminfo_kb("AnonPages");
  ASSERT_TRUE(p.execve("/bin/true", {"true"}));
  EXPECT_LE(m.meminfo_kb("AnonPages") + 4096, anon_before + 64);
  EXPECT_EQ(p.proc("maps").find("00:00 0 \n"), std::string::npos);  // the old anonymous mapping is gone
  auto r = m.check();
  EXPECT_TRUE(r.ok()) << r.problems.front();
}

TEST_F(ExecTest, BadFilesGiveLinuxErrors) {
  Process p = m.spawn("sh");
  EXPECT_EQ(p.execve("/nonexistent", {"x"}).error(), Errno::noent);
  EXPECT_EQ(p.execve("/bin", {"x"}).error(), Errno::acces);
  // may_open(MAY_EXEC): no execute bit is EACCES, before the contents are looked at.
  ASSERT_TRUE(m.write_file("/notexec", "#!/bin/sh\necho hi\n"));
  EXPECT_EQ(p.execve("/notexec", {"x"}).error(), Errno::acces);
  ASSERT_TRUE(m.write_file("/notelf", "echo hi\n", 0755));
  EXPECT_EQ(p.execve("/notelf", {"x"}).error(), Errno::noexec);
  // A script whose interpreter is missing (binfmt_script opens it): ENOENT.
  ASSERT_TRUE(m.write_file("/script", "#!/bin/sh\necho hi\n", 0755));
  EXPECT_EQ(p.execve("/script", {"x"}).error(), Errno::noent);
  // The process is untouched by a failed exec.
  EXPECT_TRUE(p.alive());
  EXPECT_NE(p.proc("maps").find("[stack]"), std::string::npos);
}

// bprm_stack_limits() and copy_strings() run before anything else: E2BIG leaves the
// process as it was.
TEST_F(ExecTest, TooLongArgumentsLeaveTheProcessAlone) {
  Process p = m.spawn("sh");
  const std::string before = p.proc("maps");
  EXPECT_EQ(p.execve("/bin/true", {"true", std::string(32 * 4096, 'x')}).error(), Errno::toobig);  // MAX_ARG_STRLEN
  std::vector<std::string> many(1 << 18, "y");                                                    // 2 MiB of pointers
  EXPECT_EQ(p.execve("/bin/true", many).error(), Errno::toobig);
  EXPECT_TRUE(p.alive());
  EXPECT_EQ(p.proc("maps"), before);
}

// An error load_elf_binary() meets in its segment loop, after begin_new_exec(): the
// old address space is gone, so the process dies of SIGSEGV (and a vfork parent runs).
TEST_F(ExecTest, ErrorsPastThePointOfNoReturnKill) {
  std::ifstream in("/bin/true", std::ios::binary);
  std::string image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto word = [&](std::size_t at) {
    std::uint64_t v = 0;
    std::memcpy(&v, image.data() + at, 8);
    return v;
  };
  // The first PT_LOAD program header.
  const std::uint64_t phoff = word(32);
  std::size_t at = 0;
  for (std::size_t i = 0; i < 64 && at == 0; ++i)
    if (static_cast<std::uint32_t>(word(phoff + 56 * i)) == 1) at = phoff + 56 * i;
  ASSERT_NE(at, 0u);
  const std::uint64_t memsz = word(at + 40) + 1;
  std::memcpy(image.data() + at + 32, &memsz, 8);  // p_filesz > p_memsz
  ASSERT_TRUE(m.write_file("/bad", image, 0755));

  Process parent = m.spawn("sh");
  auto child = parent.vfork();
  ASSERT_TRUE(child);
  EXPECT_EQ(child->execve("/bad", {"bad"}).error(), Errno::inval);
  EXPECT_FALSE(child->alive());
  auto status = parent.wait(child->pid());
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 11);  // killed by SIGSEGV
  EXPECT_TRUE(parent.mmap(0, 4096, kProtRead, kMapPrivate | kMapAnonymous, -1, 0));  // released
  auto r = m.check();
  EXPECT_TRUE(r.ok()) << r.problems.front();
}

// The new stack's charge under strict overcommit (reserves 0, so the arithmetic is
// exact). Before the point of no return bprm_mm_init() charges one page: without room
// for it execve is ENOMEM and the process stays. After it, the old address space's
// charge is gone, the program's writable segments take theirs (w pages), and
// setup_arg_pages() grows the stack by the other 32 pages of its 132 KiB: with
// L pages of room before exec, that fits exactly when L >= w; otherwise the process
// dies of SIGSEGV (EFAULT). Committed_AS agrees with the VMAs' charges in every case.
TEST(ExecCommit, StackChargeBeforeAndAfterThePointOfNoReturn) {
  if (!std::ifstream("/bin/true").good() || !std::ifstream("/lib64/ld-linux-x86-64.so.2").good()) {
    GTEST_SKIP() << "no x86-64 /bin/true and loader on this host";
  }
  MachineConfig c;
  c.ram_bytes = 64 * MiB;
  c.overcommit_memory = 2;
  c.admin_reserve_kbytes = 0;
  c.user_reserve_kbytes = 0;
  Machine m(c);
  ASSERT_TRUE(m.mkdir("/bin"));
  ASSERT_TRUE(m.mkdir("/lib64"));
  m.import_host_file("/bin/true", "/bin/true");
  m.import_host_file("/lib64/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2");
  const std::int64_t limit = static_cast<std::int64_t>(m.meminfo_kb("CommitLimit") / 4);
  auto committed = [&] { return static_cast<std::int64_t>(m.meminfo_kb("Committed_AS") / 4); };

  // w: what exec adds beyond replacing a spawned process's 33-page stack.
  std::int64_t w = 0;
  {
    Process probe = m.spawn("probe");
    const std::int64_t before = committed();
    ASSERT_TRUE(probe.execve("/bin/true", {"true"}));
    w = committed() - before;
    probe.exit(0);
  }
  ASSERT_GE(w, 2) << "the test needs the program and its loader to charge two pages at least";

  // A filler takes all but `room` pages of what may be committed (committed < limit).
  Process filler = m.spawn("filler");
  VirtAddr fill = 0;
  std::uint64_t fill_len = 0;
  auto leave = [&](std::int64_t room) {
    if (fill_len != 0) {
      ASSERT_TRUE(filler.munmap(fill, fill_len));
    }
    fill_len = static_cast<std::uint64_t>(limit - 1 - room - committed()) * kPageSize;
    auto a = filler.mmap(0, fill_len, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
    ASSERT_TRUE(a) << errno_name(a.error());
    fill = *a;
    ASSERT_EQ(committed(), limit - 1 - room);
  };

  Process p = m.spawn("p");
  const std::string maps = p.proc("maps");
  leave(0);
  EXPECT_EQ(p.execve("/bin/true", {"true"}).error(), Errno::nomem);
  EXPECT_TRUE(p.alive());
  EXPECT_EQ(p.proc("maps"), maps);
  EXPECT_EQ(committed(), limit - 1);

  leave(w - 1);
  EXPECT_EQ(p.execve("/bin/true", {"true"}).error(), Errno::fault);
  EXPECT_FALSE(p.alive());
  auto r = m.check();
  EXPECT_TRUE(r.ok()) << r.problems.front();

  Process q = m.spawn("q");
  leave(w);
  EXPECT_TRUE(q.execve("/bin/true", {"true"}));
  EXPECT_EQ(committed(), limit - 1);
  r = m.check();
  EXPECT_TRUE(r.ok()) << r.problems.front();
}

TEST_F(ExecTest, VforkChildExecReleasesTheParent) {
  Process parent = m.spawn("sh");
  auto child = parent.vfork();
  ASSERT_TRUE(child);
  EXPECT_THROW((void)parent.mmap(0, 4096, kProtRead, kMapPrivate | kMapAnonymous, -1, 0), std::logic_error);
  ASSERT_TRUE(child->execve("/bin/true", {"true"}));
  EXPECT_TRUE(parent.mmap(0, 4096, kProtRead, kMapPrivate | kMapAnonymous, -1, 0));
  // The parent's address space is its own again: no program mapped in it.
  EXPECT_EQ(parent.proc("maps").find("/bin/true"), std::string::npos);
  auto r = m.check();
  EXPECT_TRUE(r.ok()) << r.problems.front();
}

}  // namespace
}  // namespace vmlab
