#include "kernel/elf_image.h"

#include <sys/auxv.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "vmlab/units.h"

namespace vmlab::kern {
namespace {

constexpr std::uint64_t kX86TaskSize = 0x7ffffffff000;
constexpr std::uint64_t kRiscvTaskSize = 0x4000000000;  // sv39

constexpr std::uint32_t kPtNull = 0;
constexpr std::uint32_t kPtLoad = 1;
constexpr std::uint32_t kPtInterp = 3;

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Little-endian field access for patching.
std::uint64_t get(const std::vector<std::uint8_t>& b, std::size_t off, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[off + static_cast<std::size_t>(i)];
  return v;
}
void put(std::vector<std::uint8_t>& b, std::size_t off, int n, std::uint64_t v) {
  for (int i = 0; i < n; ++i) b[off + static_cast<std::size_t>(i)] = (v >> (8 * i)) & 0xff;
}

// A parsed-by-hand view of one program header, for building the malformed files.
struct Ph {
  std::vector<std::uint8_t>* file;
  std::size_t at;  // file offset of the header
  std::uint32_t type() const { return static_cast<std::uint32_t>(get(*file, at, 4)); }
  std::uint64_t offset() const { return get(*file, at + 8, 8); }
  std::uint64_t vaddr() const { return get(*file, at + 16, 8); }
  std::uint64_t filesz() const { return get(*file, at + 32, 8); }
  std::uint64_t memsz() const { return get(*file, at + 40, 8); }
  void set_type(std::uint32_t v) { put(*file, at, 4, v); }
  void set_offset(std::uint64_t v) { put(*file, at + 8, 8, v); }
  void set_vaddr(std::uint64_t v) { put(*file, at + 16, 8, v); }
  void set_filesz(std::uint64_t v) { put(*file, at + 32, 8, v); }
  void set_memsz(std::uint64_t v) { put(*file, at + 40, 8, v); }
};

std::size_t phnum(const std::vector<std::uint8_t>& b) { return get(b, 56, 2); }
Ph phdr(std::vector<std::uint8_t>& b, std::size_t i) { return Ph{&b, get(b, 32, 8) + 56 * i}; }
// Index of the n-th program header of `type`.
std::size_t find_ph(std::vector<std::uint8_t>& b, std::uint32_t type, int n = 0) {
  for (std::size_t i = 0; i < phnum(b); ++i)
    if (phdr(b, i).type() == type && n-- == 0) return i;
  ADD_FAILURE() << "no program header of type " << type;
  return 0;
}

// The host's /bin/true: an x86-64 PIE with an interpreter, the base of every
// malformed case below.
class HostElf : public ::testing::Test {
 protected:
  void SetUp() override {
#if !defined(__x86_64__)
    GTEST_SKIP() << "the host is not x86-64";
#endif
    file_ = read_file("/bin/true");
    if (file_.size() < 64) GTEST_SKIP() << "/bin/true unreadable";
    ASSERT_TRUE(parse_elf(file_, kEmX86_64, kX86TaskSize).ok());
  }

  void expect_error(const std::vector<std::uint8_t>& bytes, Errno e, bool fatal,
                    const std::string& message, std::uint16_t machine = kEmX86_64) {
    auto r = parse_elf(bytes, machine, kX86TaskSize);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, message);
    EXPECT_EQ(r.error().error, e) << errno_name(r.error().error);
    EXPECT_EQ(r.error().fatal, fatal);
  }

  std::vector<std::uint8_t> file_;
};

TEST_F(HostElf, ParsesBinTrue) {
  ElfImage elf = parse_elf(file_, kEmX86_64, kX86TaskSize).value();
  EXPECT_EQ(elf.machine, kEmX86_64);
  EXPECT_EQ(elf.type, kEtDyn);
  EXPECT_EQ(elf.phentsize, 56);
  EXPECT_EQ(elf.phnum, phnum(file_));
  EXPECT_EQ(elf.interp, "/lib64/ld-linux-x86-64.so.2");
  ASSERT_GE(elf.segments.size(), 2u);
  // The first PT_LOAD maps the file from offset 0 and so holds the program headers.
  EXPECT_EQ(elf.segments.front().offset, 0u);
  EXPECT_EQ(elf.phdr_vaddr, elf.segments.front().vaddr + elf.phoff);
  ASSERT_TRUE(elf.pt_phdr.has_value());
  EXPECT_EQ(*elf.pt_phdr, elf.phdr_vaddr);
  EXPECT_TRUE(elf.segments.front().r);
  EXPECT_FALSE(elf.segments.front().x);
  bool text = false, data = false;
  for (const ElfSegment& s : elf.segments) {
    text = text || (s.r && s.x && !s.w);
    data = data || (s.r && s.w && !s.x);
  }
  EXPECT_TRUE(text);
  EXPECT_TRUE(data);
  EXPECT_TRUE(elf.has_gnu_stack);
  EXPECT_FALSE(elf.exec_stack);
  EXPECT_EQ(elf.load_start, elf.segments.front().vaddr);
  EXPECT_EQ(elf.load_end, elf.segments.back().vaddr + elf.segments.back().memsz);
  EXPECT_LT(elf.entry, elf.load_end);

  // A PIE program goes at ELF_ET_DYN_BASE: 0x555555554000 for the usual layout.
  LoadPlacement p = load_placement(elf, elf_et_dyn_base(kEmX86_64, kX86TaskSize));
  EXPECT_EQ(p.kind, LoadPlacement::Kind::fixed);
  EXPECT_EQ(p.total_size, page_align_up(elf.load_end));
  if (elf.load_start == 0 && p.alignment == 0x1000) {
    EXPECT_EQ(p.bias, 0x555555554000u);
  }
}

// The bias Linux really uses, ASLR off: the first line of `setarch -R cat /proc/self/maps`.
TEST_F(HostElf, PiePlacementMatchesHostWithoutAslr) {
  std::error_code ec;
  const std::string cat = std::filesystem::canonical("/bin/cat", ec).string();
  if (ec) GTEST_SKIP() << "no /bin/cat";
  FILE* f = popen("setarch \"$(uname -m)\" -R /bin/cat /proc/self/maps 2>/dev/null", "r");
  if (f == nullptr) GTEST_SKIP() << "popen failed";
  char line[512] = {};
  const bool got = std::fgets(line, sizeof line, f) != nullptr;
  pclose(f);
  unsigned long long start = 0;
  if (!got || std::sscanf(line, "%llx-", &start) != 1 || std::strstr(line, cat.c_str()) == nullptr)
    GTEST_SKIP() << "setarch -R unavailable: " << line;

  std::vector<std::uint8_t> bytes = read_file(cat);
  ElfImage elf = parse_elf(bytes, kEmX86_64, kX86TaskSize).value();
  LoadPlacement p = load_placement(elf, elf_et_dyn_base(kEmX86_64, kX86TaskSize));
  ASSERT_EQ(p.kind, LoadPlacement::Kind::fixed);
  EXPECT_EQ(start, p.bias + page_align_down(elf.load_start));
}

// The running test binary against what the kernel told it in its auxv.
TEST_F(HostElf, SelfMatchesAuxv) {
  std::vector<std::uint8_t> bytes = read_file("/proc/self/exe");
  ElfImage elf = parse_elf(bytes, kEmX86_64, kX86TaskSize).value();
  EXPECT_EQ(getauxval(AT_PHNUM), elf.phnum);
  EXPECT_EQ(getauxval(AT_PHENT), 56u);
  const std::uint64_t bias = getauxval(AT_ENTRY) - elf.entry;
  EXPECT_EQ(getauxval(AT_PHDR), elf.phdr_vaddr + bias);
  if (elf.type == kEtExec) {
    EXPECT_EQ(bias, 0u);
  }
}

TEST_F(HostElf, LoaderRunDirectlyGoesAtTheMmapBase) {
  std::vector<std::uint8_t> bytes = read_file("/lib64/ld-linux-x86-64.so.2");
  if (bytes.empty()) GTEST_SKIP() << "no /lib64/ld-linux-x86-64.so.2";
  ElfImage elf = parse_elf(bytes, kEmX86_64, kX86TaskSize).value();
  EXPECT_EQ(elf.type, kEtDyn);
  EXPECT_FALSE(elf.interp.has_value());
  LoadPlacement p = load_placement(elf, elf_et_dyn_base(kEmX86_64, kX86TaskSize));
  EXPECT_EQ(p.kind, LoadPlacement::Kind::mmap_base);
  EXPECT_EQ(p.total_size, page_align_up(total_mapping_size(elf)));
  if (p.alignment <= 0x1000 && elf.load_start == 0) {
    EXPECT_EQ(mmap_base_bias(elf, p, 0x7ffff7fc3000), 0x7ffff7fc3000u);
  }
}

// ---- malformed files, each patched from /bin/true ----

TEST_F(HostElf, TooShort) {
  std::vector<std::uint8_t> b(file_.begin(), file_.begin() + 63);
  expect_error(b, Errno::noexec, false, "file too short for an ELF header: 63 bytes (need 64)");
  expect_error({}, Errno::noexec, false, "file too short for an ELF header: 0 bytes (need 64)");
}

TEST_F(HostElf, BadMagic) {
  auto b = file_;
  b[1] = 'X';
  expect_error(b, Errno::noexec, false, "bad ELF magic");
}

TEST_F(HostElf, WrongClass) {
  auto b = file_;
  b[4] = 1;  // ELFCLASS32
  expect_error(b, Errno::noexec, false, "not ELFCLASS64 (EI_CLASS 1)");
}

TEST_F(HostElf, BigEndian) {
  auto b = file_;
  b[5] = 2;  // ELFDATA2MSB
  expect_error(b, Errno::noexec, false, "not little-endian (EI_DATA 2)");
}

TEST_F(HostElf, BadVersion) {
  auto b = file_;
  b[6] = 0;
  expect_error(b, Errno::noexec, false, "bad ELF version 0");
}

TEST_F(HostElf, NotExecutable) {
  auto b = file_;
  put(b, 16, 2, 1);  // ET_REL
  expect_error(b, Errno::noexec, false, "not ET_EXEC or ET_DYN (e_type 1)");
  put(b, 16, 2, 4);  // ET_CORE
  expect_error(b, Errno::noexec, false, "not ET_EXEC or ET_DYN (e_type 4)");
}

TEST_F(HostElf, WrongMachine) {
  expect_error(file_, Errno::noexec, false,
               "wrong machine: e_machine 62 (x86-64), expected 243 (RISC-V)", kEmRiscv);
  auto b = file_;
  put(b, 18, 2, 183);
  expect_error(b, Errno::noexec, false,
               "wrong machine: e_machine 183 (AArch64), expected 62 (x86-64)");
}

TEST_F(HostElf, PhentsizeNot56) {
  auto b = file_;
  put(b, 54, 2, 32);
  expect_error(b, Errno::noexec, false, "e_phentsize 32 is not 56");
}

TEST_F(HostElf, NoProgramHeaders) {
  auto b = file_;
  put(b, 56, 2, 0);
  expect_error(b, Errno::noexec, false, "no program headers");
}

TEST_F(HostElf, ProgramHeadersTooLarge) {
  // load_elf_phdrs(): at most 64 KiB and at most ELF_MIN_ALIGN (a page).
  auto b = file_;
  put(b, 56, 2, 74);
  expect_error(b, Errno::noexec, false, "program headers too large: 4144 bytes (limit 4096)");
  put(b, 56, 2, 1171);
  expect_error(b, Errno::noexec, false, "program headers too large: 65576 bytes (limit 4096)");
}

TEST_F(HostElf, ProgramHeadersOutOfFile) {
  auto b = file_;
  const std::uint64_t off = b.size() - 100;
  put(b, 32, 8, off);
  expect_error(b, Errno::noexec, false,
               fmt::format("program headers out of the file: {} bytes at offset {:#x}, file size {}",
                           56 * phnum(b), off, b.size()));
  put(b, 32, 8, ~std::uint64_t{0} - 8);  // offset + size overflows
  expect_error(b, Errno::noexec, false,
               fmt::format("program headers out of the file: {} bytes at offset {:#x}, file size {}",
                           56 * phnum(b), ~std::uint64_t{0} - 8, b.size()));
}

TEST_F(HostElf, FileszLargerThanMemsz) {
  auto b = file_;
  const std::size_t i = find_ph(b, kPtLoad, 0);
  Ph ph = phdr(b, i);
  ph.set_filesz(ph.memsz() + 1);
  expect_error(b, Errno::inval, true,
               fmt::format("PT_LOAD {}: p_filesz {:#x} larger than p_memsz {:#x}", i,
                           ph.memsz() + 1, ph.memsz()));
}

TEST_F(HostElf, SegmentBeyondTheFile) {
  auto b = file_;
  const std::size_t i = find_ph(b, kPtLoad, 1);
  Ph ph = phdr(b, i);
  const std::uint64_t off = ph.offset() + b.size();  // still congruent, now past the end
  ph.set_offset(off);
  expect_error(b, Errno::noexec, false,
               fmt::format("PT_LOAD {}: file range [{:#x}, {:#x}) beyond the end of the file "
                           "({} bytes)",
                           i, off, off + ph.filesz(), b.size()));
}

TEST_F(HostElf, MisalignedSegment) {
  auto b = file_;
  const std::size_t i = find_ph(b, kPtLoad, 1);
  Ph ph = phdr(b, i);
  ph.set_vaddr(ph.vaddr() + 0x10);
  expect_error(b, Errno::inval, true,
               fmt::format("PT_LOAD {}: p_vaddr {:#x} and p_offset {:#x} not congruent modulo "
                           "the page size 0x1000",
                           i, ph.vaddr(), ph.offset()));
}

TEST_F(HostElf, BssOnlySegmentNeedNotBeCongruent) {
  // elf_load() maps nothing from the file when p_filesz is 0.
  auto b = file_;
  Ph ph = phdr(b, find_ph(b, kPtLoad, 1));
  ph.set_vaddr(ph.vaddr() + 0x10);
  ph.set_filesz(0);
  EXPECT_TRUE(parse_elf(b, kEmX86_64, kX86TaskSize).ok());
}

TEST_F(HostElf, OverlappingSegments) {
  auto b = file_;
  Ph first = phdr(b, find_ph(b, kPtLoad, 0));
  const std::size_t i = find_ph(b, kPtLoad, 1);
  Ph second = phdr(b, i);
  // Move the second segment down into the first one's last page, still congruent.
  const std::uint64_t first_end = first.vaddr() + first.memsz();
  const std::uint64_t v = ((first_end - 1) & ~std::uint64_t{0xfff}) + (second.vaddr() & 0xfff);
  ASSERT_LT(v, first_end);
  second.set_vaddr(v);
  expect_error(b, Errno::noexec, false,
               fmt::format("PT_LOAD {}: [{:#x}, {:#x}) overlaps the previous PT_LOAD [{:#x}, {:#x})",
                           i, v, v + second.memsz(), first.vaddr(), first_end));
}

TEST_F(HostElf, SegmentsOutOfOrder) {
  auto b = file_;
  const std::size_t i = find_ph(b, kPtLoad, 0);
  const std::size_t j = find_ph(b, kPtLoad, 1);
  const std::uint64_t lower = phdr(b, i).vaddr(), higher = phdr(b, j).vaddr();
  std::swap_ranges(b.begin() + static_cast<long>(phdr(b, i).at),
                   b.begin() + static_cast<long>(phdr(b, i).at + 56),
                   b.begin() + static_cast<long>(phdr(b, j).at));
  expect_error(b, Errno::noexec, false,
               fmt::format("PT_LOAD {}: p_vaddr {:#x} below the previous PT_LOAD's {:#x}", j, lower,
                           higher));
}

TEST_F(HostElf, SegmentBeyondTaskSize) {
  auto b = file_;
  std::size_t last = 0;
  for (std::size_t i = 0; i < phnum(b); ++i)
    if (phdr(b, i).type() == kPtLoad) last = i;
  Ph ph = phdr(b, last);
  const std::uint64_t v = kX86TaskSize - 0x1000 + (ph.vaddr() & 0xfff);
  ph.set_vaddr(v);
  ASSERT_GT(v + ph.memsz(), kX86TaskSize);
  expect_error(b, Errno::inval, true,
               fmt::format("PT_LOAD {}: [{:#x}, {:#x}) beyond the user address limit {:#x}", last, v,
                           v + ph.memsz(), kX86TaskSize));
  ph.set_vaddr(kX86TaskSize + (ph.vaddr() & 0xfff));  // starts beyond it
  expect_error(b, Errno::inval, true,
               fmt::format("PT_LOAD {}: [{:#x}, {:#x}) beyond the user address limit {:#x}", last,
                           ph.vaddr(), ph.vaddr() + ph.memsz(), kX86TaskSize));
}

TEST_F(HostElf, MemszOverflow) {
  auto b = file_;
  const std::size_t i = find_ph(b, kPtLoad, 1);
  Ph ph = phdr(b, i);
  ph.set_memsz(~std::uint64_t{0});
  expect_error(b, Errno::inval, true,
               fmt::format("PT_LOAD {}: p_vaddr {:#x} + p_memsz 0xffffffffffffffff overflows", i,
                           ph.vaddr()));
}

TEST_F(HostElf, TwoInterpreters) {
  auto b = file_;
  const std::size_t interp = find_ph(b, kPtInterp);
  const std::size_t other = interp == 0 ? 1 : 0;  // PT_PHDR in /bin/true
  std::copy_n(b.begin() + static_cast<long>(phdr(b, interp).at), 56,
              b.begin() + static_cast<long>(phdr(b, other).at));
  expect_error(b, Errno::noexec, false, "more than one PT_INTERP");
}

TEST_F(HostElf, InterpreterNotNulTerminated) {
  auto b = file_;
  Ph ph = phdr(b, find_ph(b, kPtInterp));
  b[ph.offset() + ph.filesz() - 1] = 'x';
  expect_error(b, Errno::noexec, false, "PT_INTERP not NUL-terminated");
}

TEST_F(HostElf, InterpreterOutOfFile) {
  auto b = file_;
  Ph ph = phdr(b, find_ph(b, kPtInterp));
  const std::uint64_t off = b.size() - 5;
  ph.set_offset(off);
  expect_error(b, Errno::io, false,
               fmt::format("PT_INTERP out of the file: {} bytes at offset {:#x}, file size {}",
                           ph.filesz(), off, b.size()));
}

TEST_F(HostElf, InterpreterSize) {
  auto b = file_;
  Ph ph = phdr(b, find_ph(b, kPtInterp));
  ph.set_filesz(1);
  expect_error(b, Errno::noexec, false, "PT_INTERP size 1 out of range [2, 4096]");
  ph.set_filesz(4097);
  expect_error(b, Errno::noexec, false, "PT_INTERP size 4097 out of range [2, 4096]");
}

TEST_F(HostElf, InterpreterEndsAtFirstNul) {
  auto b = file_;
  Ph ph = phdr(b, find_ph(b, kPtInterp));
  b[ph.offset() + 5] = '\0';
  EXPECT_EQ(parse_elf(b, kEmX86_64, kX86TaskSize).value().interp, "/lib6");
}

TEST_F(HostElf, NoLoadSegment) {
  auto b = file_;
  for (std::size_t i = 0; i < phnum(b); ++i)
    if (phdr(b, i).type() == kPtLoad) phdr(b, i).set_type(kPtNull);
  expect_error(b, Errno::inval, true, "no PT_LOAD segment");
}

TEST_F(HostElf, ExecutableEntryBeyondTaskSize) {
  auto b = file_;
  put(b, 16, 2, kEtExec);
  put(b, 24, 8, kX86TaskSize);
  expect_error(b, Errno::inval, true,
               "entry point 0x7ffffffff000 beyond the user address limit 0x7ffffffff000");
}

TEST_F(HostElf, ExecutableStack) {
  auto b = file_;
  for (std::size_t i = 0; i < phnum(b); ++i)
    if (phdr(b, i).type() == 0x6474e551) put(b, phdr(b, i).at + 4, 4, 7);  // RWX
  ElfImage elf = parse_elf(b, kEmX86_64, kX86TaskSize).value();
  EXPECT_TRUE(elf.has_gnu_stack);
  EXPECT_TRUE(elf.exec_stack);
}

// ---- riscv64, built by the test's CMake ----

#if defined(VMLAB_RV64_STATIC) && defined(VMLAB_RV64_DYNAMIC)
constexpr const char* kRvStatic = VMLAB_RV64_STATIC;
constexpr const char* kRvDynamic = VMLAB_RV64_DYNAMIC;
#else
constexpr const char* kRvStatic = nullptr;
constexpr const char* kRvDynamic = nullptr;
#endif

TEST(RiscvElf, StaticExecutable) {
  if (kRvStatic == nullptr) GTEST_SKIP() << "riscv64-linux-gnu-gcc not installed";
  std::vector<std::uint8_t> b = read_file(kRvStatic);
  auto r = parse_elf(b, kEmRiscv, kRiscvTaskSize);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ElfImage& elf = *r;
  EXPECT_EQ(elf.machine, kEmRiscv);
  EXPECT_EQ(elf.type, kEtExec);
  EXPECT_FALSE(elf.interp.has_value());
  EXPECT_EQ(riscv_float_abi(elf.flags), RiscvFloatAbi::lp64d);  // Debian's riscv64 ABI
  EXPECT_EQ(elf.segments.front().offset, 0u);
  EXPECT_EQ(elf.phdr_vaddr, elf.segments.front().vaddr + 64);
  EXPECT_GE(elf.entry, elf.load_start);
  EXPECT_LT(elf.entry, elf.load_end);
  LoadPlacement p = load_placement(elf, elf_et_dyn_base(kEmRiscv, kRiscvTaskSize));
  EXPECT_EQ(p.kind, LoadPlacement::Kind::fixed);
  EXPECT_EQ(p.bias, 0u);

  auto wrong = parse_elf(b, kEmX86_64, kX86TaskSize);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "wrong machine: e_machine 243 (RISC-V), expected 62 (x86-64)");

  // The same file against a smaller address space.
  auto small = parse_elf(b, kEmRiscv, elf.load_end - 1);
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.error().error, Errno::inval);
}

TEST(RiscvElf, DynamicPie) {
  if (kRvDynamic == nullptr) GTEST_SKIP() << "riscv64-linux-gnu-gcc not installed";
  std::vector<std::uint8_t> b = read_file(kRvDynamic);
  auto r = parse_elf(b, kEmRiscv, kRiscvTaskSize);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ElfImage& elf = *r;
  EXPECT_EQ(elf.type, kEtDyn);
  EXPECT_EQ(elf.interp, "/lib/ld-linux-riscv64-lp64d.so.1");
  EXPECT_EQ(riscv_float_abi(elf.flags), RiscvFloatAbi::lp64d);
  ASSERT_TRUE(elf.pt_phdr.has_value());
  EXPECT_EQ(elf.phdr_vaddr, *elf.pt_phdr);
  LoadPlacement p = load_placement(elf, elf_et_dyn_base(kEmRiscv, kRiscvTaskSize));
  EXPECT_EQ(p.kind, LoadPlacement::Kind::fixed);
  ASSERT_EQ(elf.load_start, 0u);
  ASSERT_EQ(p.alignment, 0x1000u);
  EXPECT_EQ(p.bias, 0x2aaaaaa000u);  // (TASK_SIZE / 3 * 2) page aligned, sv39
}

TEST(RiscvElf, LoaderRunDirectly) {
#if defined(VMLAB_RV64_LDSO)
  std::vector<std::uint8_t> b = read_file(VMLAB_RV64_LDSO);
  auto r = parse_elf(b, kEmRiscv, kRiscvTaskSize);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->type, kEtDyn);
  EXPECT_FALSE(r->interp.has_value());
  LoadPlacement p = load_placement(*r, elf_et_dyn_base(kEmRiscv, kRiscvTaskSize));
  EXPECT_EQ(p.kind, LoadPlacement::Kind::mmap_base);
  EXPECT_EQ(mmap_base_bias(*r, p, 0x3ff7fd0000), 0x3ff7fd0000u - (r->load_start & kPageMask));
#else
  GTEST_SKIP() << "no riscv64 ld.so";
#endif
}

// ---- placement arithmetic ----

TEST(ElfPlacement, EtDynBase) {
  EXPECT_EQ(elf_et_dyn_base(kEmX86_64, kX86TaskSize), 0x555555554aaau);
  EXPECT_EQ(elf_et_dyn_base(kEmRiscv, kRiscvTaskSize), 0x2aaaaaaaaau);
  // sv48 and sv57 both use a 47-bit default mmap window.
  EXPECT_EQ(elf_et_dyn_base(kEmRiscv, std::uint64_t{1} << 47), 0x555555555554u);
  EXPECT_EQ(elf_et_dyn_base(kEmRiscv, std::uint64_t{1} << 56), 0x555555555554u);
}

ElfImage synthetic(std::uint16_t type, std::vector<ElfSegment> segs, bool interp) {
  ElfImage e;
  e.type = type;
  e.segments = std::move(segs);
  if (interp) e.interp = "/lib/ld.so";
  e.load_start = e.segments.front().vaddr;
  e.load_end = e.segments.back().vaddr + e.segments.back().memsz;
  return e;
}

TEST(ElfPlacement, LargeAlignmentAndOffsetVaddr) {
  // A PIE asking for 2 MiB alignment whose first segment is not at 0.
  ElfImage e = synthetic(kEtDyn,
                         {{0x1234, 0x1000, 0x234, 0x1000, 0x200000, true, false, true},
                          {0x203000, 0x2000, 0x3000, 0x1000, 0x200000, true, true, false}},
                         true);
  EXPECT_EQ(maximum_alignment(e), 0x200000u);
  EXPECT_EQ(total_mapping_size(e), 0x205000u - 0x1000u);
  LoadPlacement p = load_placement(e, 0x555555554aaa);
  // load_bias = ELF_PAGESTART((ELF_ET_DYN_BASE & ~(2M - 1)) - 0x1234)
  EXPECT_EQ(p.bias, (0x555555400000u - 0x1234u) & kPageMask);
  // Non-power-of-two alignments are skipped; 0 stays 0.
  e.segments[0].align = 0x3000;
  e.segments[1].align = 0;
  EXPECT_EQ(maximum_alignment(e), 0u);
  EXPECT_EQ(load_placement(e, 0x555555554aaa).bias, (0x555555554aaau - 0x1234u) & kPageMask);

  // A loader with large alignment: the mmap'ed address is aligned down first.
  ElfImage l = synthetic(kEtDyn, {{0x1234, 0x1000, 0x234, 0x1000, 0x200000, true, false, true}}, false);
  LoadPlacement lp = load_placement(l, 0x555555554aaa);
  EXPECT_EQ(lp.kind, LoadPlacement::Kind::mmap_base);
  EXPECT_EQ(mmap_base_bias(l, lp, 0x7ffff7e53000), (0x7ffff7e00000u - 0x1234u) & kPageMask);
  l.segments[0].align = 0x1000;
  lp = load_placement(l, 0x555555554aaa);
  EXPECT_EQ(mmap_base_bias(l, lp, 0x7ffff7e53000), 0x7ffff7e53000u - 0x1000u);
}

TEST(ElfNames, MachineAndFloatAbi) {
  EXPECT_EQ(machine_name(kEmX86_64), "x86-64");
  EXPECT_EQ(machine_name(kEmRiscv), "RISC-V");
  EXPECT_EQ(machine_name(9999), "machine 9999");
  EXPECT_EQ(riscv_float_abi(0x1), RiscvFloatAbi::lp64);
  EXPECT_EQ(riscv_float_abi(0x3), RiscvFloatAbi::lp64f);
  EXPECT_EQ(riscv_float_abi(0x5), RiscvFloatAbi::lp64d);
  EXPECT_EQ(riscv_float_abi(0x6), RiscvFloatAbi::lp64q);
}

}  // namespace
}  // namespace vmlab::kern
