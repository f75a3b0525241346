// execve() of a program with no libc, side by side with the host kernel: the program
// (programs/elf_layout.c) prints its maps, status and arguments on the host with ASLR
// off; vmlab execs the same file and must show the same layout: the text, rodata and
// data segments at their file offsets, the anonymous bss beyond the file's last page,
// [heap] from the page-aligned end of bss, the stack, argv and envp, and VmExe, VmData
// and VmStk. The x86-64 [vvar], [vdso] and [vsyscall] pages are not modelled
// (docs/limitations.md): their lines are left out and the [vdso] pages out of VmLib.
#include <gtest/gtest.h>

#include <elf.h>
#include <sys/personality.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "vmlab/machine.h"

namespace vmlab {
namespace {

const std::string kProgram = VMLAB_ELF_LAYOUT_PROGRAM;
const std::vector<std::string> kArgv = {"/t/elf_layout", "x", "two words"};
const std::vector<std::string> kEnvp = {"A=1", "HOME=/home/user"};

// Runs the program on the host kernel with ADDR_NO_RANDOMIZE (setarch -R), as vmlab
// lays out without ASLR; returns its standard output.
std::string run_native() {
  int out[2];
  if (::pipe(out) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::personality(ADDR_NO_RANDOMIZE);
    std::vector<char*> argv, envp;
    for (const auto& a : kArgv) argv.push_back(const_cast<char*>(a.c_str()));
    for (const auto& e : kEnvp) envp.push_back(const_cast<char*>(e.c_str()));
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    ::execve(kProgram.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  return text;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, sep);) out.push_back(part);
  return out;
}

// A maps listing without device and inode numbers (the host's file and vmlab's copy
// differ there), file paths as <file>, and without the pages vmlab does not model.
std::string comparable_maps(const std::string& maps) {
  std::string out;
  for (const std::string& line : split(maps, '\n')) {
    std::istringstream f(line);
    std::string range, perms, offset, dev, inode, name;
    f >> range >> perms >> offset >> dev >> inode >> name;
    if (name == "[vvar]" || name == "[vvar_vclock]" || name == "[vdso]" || name == "[vsyscall]") continue;
    if (!name.empty() && name.front() != '[') name = "<file>";
    out += range + " " + perms + " " + offset + " " + name + "\n";
  }
  return out;
}

// The value of a "Name:   N kB" line.
std::uint64_t kb_of(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + ":");
  return at == std::string::npos ? ~0ULL : std::stoull(text.substr(at + name.size() + 2));
}

// The size of the host's [vdso] mapping in kB, from a maps listing.
std::uint64_t vdso_kb(const std::string& maps) {
  for (const std::string& line : split(maps, '\n')) {
    if (line.find("[vdso]") == std::string::npos) continue;
    const std::uint64_t lo = std::stoull(line.substr(0, line.find('-')), nullptr, 16);
    const std::uint64_t hi = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
    return (hi - lo) / 1024;
  }
  return 0;
}

// The program's PT_LOAD header with write permission: its data segment.
Elf64_Phdr data_segment(const std::string& image) {
  Elf64_Ehdr eh;
  std::memcpy(&eh, image.data(), sizeof eh);
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, image.data() + eh.e_phoff + i * eh.e_phentsize, sizeof ph);
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W)) return ph;
  }
  return {};
}

TEST(ExecLayout, MatchesTheHostKernel) {
  const std::vector<std::string> native = [] {
    std::vector<std::string> parts;
    const std::string text = run_native();
    for (std::size_t from = 0, at; (at = text.find("--\n", from)) != std::string::npos || from < text.size();
         from = at + 3) {
      if (at == std::string::npos) at = text.size();
      parts.push_back(text.substr(from, at - from));
      if (at == text.size()) break;
    }
    return parts;
  }();
  ASSERT_EQ(native.size(), 3u) << "the native run printed maps+status, maps, arguments";
  const std::string& native_maps_status = native[0];

  Machine m;
  ASSERT_TRUE(m.mkdir("/t"));
  m.import_host_file(kProgram, "/t/elf_layout");
  Process p = m.spawn("sh");
  auto entry = p.execve("/t/elf_layout", kArgv, kEnvp);
  ASSERT_TRUE(entry) << errno_name(entry.error());

  // The layout execve() leaves, line for line.
  const std::string maps = p.proc("maps");
  // Text, rodata and the ELF header page read-only or read-execute, data read-write
  // at its file offset, then the bss without a file.
  const std::string ours = comparable_maps(maps);
  EXPECT_EQ(std::count(ours.begin(), ours.end(), '<'), 4) << ours;
  EXPECT_NE(ours.find(" r-xp 00001000 <file>\n"), std::string::npos) << ours;
  EXPECT_NE(ours.find(" rw-p 00000000 \n"), std::string::npos) << ours;
  EXPECT_EQ(ours, comparable_maps(native_maps_status.substr(0, native_maps_status.find("Name:"))));
  const std::string status = p.proc("status");
  for (const char* field : {"VmExe", "VmData", "VmStk"})
    EXPECT_EQ(kb_of(status, field), kb_of(native_maps_status, field)) << field;
  EXPECT_EQ(kb_of(status, "VmLib"), kb_of(native_maps_status, "VmLib") - vdso_kb(native_maps_status));

  // brk() grows [heap] from the page-aligned end of bss, a VMA of its own.
  const VirtAddr cur = p.brk(0);
  EXPECT_EQ(p.brk(cur + 8192), cur + 8192);
  EXPECT_EQ(comparable_maps(p.proc("maps")), comparable_maps(native[1]));

  // argv and envp, as the program read them from its stack and as /proc shows them.
  std::string args;
  for (const auto& a : kArgv) args += a + "\n";
  for (const auto& e : kEnvp) args += e + "\n";
  EXPECT_EQ(native[2], args);
  std::string cmdline, environ;
  for (const auto& a : kArgv) cmdline += a + '\0';
  for (const auto& e : kEnvp) environ += e + '\0';
  EXPECT_EQ(p.proc("cmdline"), cmdline);
  EXPECT_EQ(p.proc("environ"), environ);

  // padzero(): the data segment's last file page holds file bytes beyond p_filesz; in
  // memory they read as zero, as does the bss after them.
  std::ifstream in(kProgram, std::ios::binary);
  const std::string image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Elf64_Phdr d = data_segment(image);
  ASSERT_NE(d.p_filesz, 0u);
  const std::uint64_t file_end = d.p_offset + d.p_filesz;
  const std::uint64_t page_end = (file_end + kPageSize - 1) & ~(kPageSize - 1);
  ASSERT_NE(image.substr(file_end, page_end - file_end).find_first_not_of('\0'), std::string::npos)
      << "the file has only zeros after the data: nothing to clear";
  std::vector<std::uint8_t> tail(d.p_memsz - d.p_filesz);
  ASSERT_TRUE(p.read_bytes(d.p_vaddr + d.p_filesz, tail));
  EXPECT_EQ(std::count(tail.begin(), tail.end(), 0), static_cast<std::ptrdiff_t>(tail.size()));
  // The initialised data is the file's.
  std::vector<std::uint8_t> head(3);
  ASSERT_TRUE(p.read_bytes(d.p_vaddr, head));
  EXPECT_EQ(head, (std::vector<std::uint8_t>{1, 2, 3}));

  auto r = m.check();
  EXPECT_TRUE(r.ok()) << r.problems.front();
}

}  // namespace
}  // namespace vmlab
