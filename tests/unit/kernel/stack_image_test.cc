#include "kernel/stack_image.h"

#include <sys/auxv.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vmlab::kern {
namespace {

constexpr std::uint64_t kTop = 0x7ffffffff000;

// The argv pointer array as the kernel left it, before gtest_main's InitGoogleTest()
// removes its flags from it. glibc calls ELF constructors with argc, argv and envp.
std::uintptr_t g_argv_slots[512];
int g_argc = -1;
__attribute__((constructor)) void snapshot_argv(int argc, char** argv, char**) {
  if (argv == nullptr || argc < 0 || argc >= 511) return;
  for (int i = 0; i <= argc; ++i) g_argv_slots[i] = reinterpret_cast<std::uintptr_t>(argv[i]);
  g_argc = argc;
}

// Reads the image like a program would read its stack.
struct View {
  const StackImage& img;
  std::uint64_t top() const { return img.low + img.bytes.size(); }
  std::uint64_t word(std::uint64_t addr) const {
    EXPECT_GE(addr, img.low);
    EXPECT_LE(addr + 8, top());
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | img.bytes[addr - img.low + static_cast<unsigned>(i)];
    return v;
  }
  std::string str(std::uint64_t addr) const {
    std::string s;
    while (addr < top() && img.bytes[addr - img.low] != 0) s += static_cast<char>(img.bytes[addr++ - img.low]);
    EXPECT_LT(addr, top()) << "string runs off the top";
    return s;
  }
};

std::vector<AuxEntry> x86_auxv() {
  return {{kAtSysinfoEhdr, 0x7ffff7fc1000},
          {kAtMinsigstksz, 3376},
          {kAtHwcap, 0x178bfbff},
          {kAtPagesz, 4096},
          {kAtClktck, 100},
          {kAtPhdr, 0x555555554040},
          {kAtPhent, 56},
          {kAtPhnum, 13},
          {kAtBase, 0x7ffff7fc3000},
          {kAtFlags, 0},
          {kAtEntry, 0x5555555563d0},
          {kAtUid, 1000},
          {kAtEuid, 1000},
          {kAtGid, 1000},
          {kAtEgid, 1000},
          {kAtSecure, 0},
          {kAtRandom, 0},
          {kAtHwcap2, 2},
          {kAtExecfn, 0},
          {kAtPlatform, 0},
          {kAtNull, 0}};
}

StackSpec x86_spec() {
  StackSpec s;
  s.top = kTop;
  s.argv = {"prog", "-x", "hello"};
  s.envp = {"A=1", "PATH=/bin"};
  s.execfn = "/bin/prog";
  for (int i = 0; i < 16; ++i) s.random[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(0xa0 + i);
  s.platform = "x86_64";
  s.auxv = x86_auxv();
  return s;
}

// Everything a program's startup code relies on.
void check_invariants(const StackSpec& spec, const StackImage& img) {
  View v{img};
  EXPECT_EQ(img.sp % 16, 0u);
  EXPECT_EQ(img.low, img.sp);
  EXPECT_EQ(v.top(), spec.top);
  EXPECT_EQ(v.word(spec.top - 8), 0u) << "the top word stays zero";
  const std::vector<std::string> argv = spec.argv.empty() ? std::vector<std::string>{""} : spec.argv;
  ASSERT_EQ(v.word(img.sp), argv.size());
  std::uint64_t at = img.sp + 8;
  for (const std::string& a : argv) {
    EXPECT_EQ(v.str(v.word(at)), a);
    at += 8;
  }
  EXPECT_EQ(v.word(at), 0u);
  at += 8;
  for (const std::string& e : spec.envp) {
    EXPECT_EQ(v.str(v.word(at)), e);
    at += 8;
  }
  EXPECT_EQ(v.word(at), 0u);
  at += 8;
  // auxv right above envp's NULL, as given, with the three addresses filled in.
  std::vector<AuxEntry> auxv;
  for (;;) {
    AuxEntry e{v.word(at), v.word(at + 8)};
    auxv.push_back(e);
    at += 16;
    if (e.type == kAtNull) break;
  }
  EXPECT_EQ(auxv, img.auxv);
  ASSERT_EQ(auxv.size(), spec.auxv.size());
  for (std::size_t i = 0; i < auxv.size(); ++i) {
    EXPECT_EQ(auxv[i].type, spec.auxv[i].type);
    if (auxv[i].type == kAtRandom) {
      EXPECT_EQ(auxv[i].value, img.random);
      EXPECT_EQ(0, std::memcmp(&img.bytes[img.random - img.low], spec.random.data(), 16));
    } else if (auxv[i].type == kAtExecfn) {
      EXPECT_EQ(auxv[i].value, img.execfn);
      EXPECT_EQ(v.str(img.execfn), spec.execfn);
    } else if (auxv[i].type == kAtPlatform) {
      EXPECT_EQ(auxv[i].value, img.platform);
      EXPECT_EQ(v.str(img.platform), *spec.platform);
    } else {
      EXPECT_EQ(auxv[i].value, spec.auxv[i].value);
    }
  }
  EXPECT_LE(at, img.random);
  // The string areas /proc/PID/cmdline and environ show.
  EXPECT_EQ(img.arg_start, v.word(img.sp + 8));
  EXPECT_EQ(img.arg_end, img.env_start);
  EXPECT_EQ(img.env_end, img.execfn);
  std::string cmdline(img.bytes.begin() + static_cast<long>(img.arg_start - img.low),
                      img.bytes.begin() + static_cast<long>(img.arg_end - img.low));
  std::string expected;
  for (const std::string& a : argv) expected += a + '\0';
  EXPECT_EQ(cmdline, expected);
  EXPECT_LE(img.vma_start, img.sp);
  EXPECT_EQ(img.vma_start % 4096, 0u);
}

TEST(StackImage, X86Layout) {
  StackSpec spec = x86_spec();
  auto r = build_stack_image(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const StackImage& img = *r;
  check_invariants(spec, img);
  // Worked by hand from copy_strings() and create_elf_tables():
  //   top-8 = ...eff8; "/bin/prog" at efee; "PATH=/bin" efe4, "A=1" efe0;
  //   "hello" efda, "-x" efd7, "prog" efd2; aligned down: efd0; "x86_64" efc9;
  //   random efb9; 21 auxv pairs and 8 words below that, rounded down to 16: ee20.
  EXPECT_EQ(img.execfn, 0x7fffffffefeeu);
  EXPECT_EQ(img.env_end, 0x7fffffffefeeu);
  EXPECT_EQ(img.env_start, 0x7fffffffefe0u);
  EXPECT_EQ(img.arg_end, 0x7fffffffefe0u);
  EXPECT_EQ(img.arg_start, 0x7fffffffefd2u);
  EXPECT_EQ(img.platform, 0x7fffffffefc9u);
  EXPECT_EQ(img.random, 0x7fffffffefb9u);
  EXPECT_EQ(img.sp, 0x7fffffffee20u);
  EXPECT_EQ(img.bytes.size(), kTop - 0x7fffffffee20u);
  // setup_arg_pages(): one page of strings plus 128 KiB.
  EXPECT_EQ(img.vma_start, kTop - 0x1000 - 0x20000);
}

TEST(StackImage, RiscvHasNoPlatform) {
  StackSpec spec = x86_spec();
  spec.platform.reset();
  spec.auxv.erase(std::remove_if(spec.auxv.begin(), spec.auxv.end(),
                                 [](const AuxEntry& e) {
                                   return e.type == kAtPlatform || e.type == kAtHwcap2 ||
                                          e.type == kAtMinsigstksz;
                                 }),
                  spec.auxv.end());
  auto r = build_stack_image(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  check_invariants(spec, *r);
  EXPECT_EQ(r->platform, 0u);
  EXPECT_EQ(r->random, (r->arg_start & ~std::uint64_t{15}) - 16);
}

TEST(StackImage, EmptyArgvGetsAnEmptyString) {
  StackSpec spec = x86_spec();
  spec.argv.clear();
  auto r = build_stack_image(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  check_invariants(spec, *r);
  EXPECT_EQ(r->arg_end - r->arg_start, 1u);
  EXPECT_EQ(r->arg_end, r->env_start);
}

TEST(StackImage, StringsEndAtTheirFirstNul) {
  StackSpec spec = x86_spec();
  spec.argv[1] = std::string("ab\0cd", 5);
  auto r = build_stack_image(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(View{*r}.str(View{*r}.word(r->sp + 16)), "ab");
}

TEST(StackImage, AuxvGetsItsNullAndStopsThere) {
  StackSpec spec = x86_spec();
  spec.auxv.pop_back();  // no AT_NULL
  auto r = build_stack_image(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->auxv, build_stack_image(x86_spec())->auxv);
  spec.auxv.insert(spec.auxv.begin() + 3, AuxEntry{kAtNull, 0});
  r = build_stack_image(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->auxv.size(), 4u);
  EXPECT_EQ(r->auxv.back(), (AuxEntry{kAtNull, 0}));
}

TEST(StackImage, PlatformEntryNeedsAString) {
  StackSpec spec = x86_spec();
  spec.platform.reset();
  auto r = build_stack_image(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error, Errno::inval);
  EXPECT_EQ(r.error().message, "AT_PLATFORM in auxv without a platform string");
}

TEST(StackImage, AlignJitter) {
  StackSpec spec = x86_spec();
  spec.align_jitter = 0x123;
  auto r = build_stack_image(spec);
  ASSERT_TRUE(r.ok());
  check_invariants(spec, *r);
  EXPECT_EQ(r->platform + 7, (r->arg_start - 0x123) & ~std::uint64_t{15});
}

TEST(StackImage, TooLong) {
  StackSpec spec = x86_spec();
  spec.argv.push_back(std::string(kMaxArgStrlen - 1, 'a'));  // exactly MAX_ARG_STRLEN
  ASSERT_TRUE(build_stack_image(spec).ok());
  spec.argv.back() += 'a';
  auto r = build_stack_image(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error, Errno::toobig);
  EXPECT_EQ(r.error().message, "argument string of 131073 bytes longer than MAX_ARG_STRLEN (131072)");

  // 8 MiB rlimit: 2 MiB for strings and pointers.
  spec = x86_spec();
  for (int i = 0; i < 15; ++i) spec.envp.push_back(std::string(kMaxArgStrlen - 1, 'e'));
  ASSERT_TRUE(build_stack_image(spec).ok());
  spec.envp.push_back(std::string(kMaxArgStrlen - 1, 'e'));
  r = build_stack_image(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error, Errno::toobig);
  // 38 + 16 * 131072 bytes against 2 MiB less 21 pointers.
  EXPECT_EQ(r.error().message, "argument list too long: 2097190 bytes of strings, limit 2096984");

  // A small rlimit still allows ARG_MAX (128 KiB).
  spec = x86_spec();
  spec.stack_rlimit = 64 * 1024;
  spec.envp.push_back(std::string(100000, 'e'));
  ASSERT_TRUE(build_stack_image(spec).ok());
  spec.envp.push_back(std::string(40000, 'e'));
  EXPECT_FALSE(build_stack_image(spec).ok());
}

TEST(StackImage, VmaStartFollowsRlimit) {
  StackSpec spec = x86_spec();
  spec.envp.push_back(std::string(10000, 'e'));  // strings over three pages
  auto r = build_stack_image(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->vma_start, (r->arg_start & ~std::uint64_t{0xfff}) - 0x20000);
  spec.stack_rlimit = 0x10000 + 0x123;  // below strings + 128 KiB: capped at the rlimit
  r = build_stack_image(spec);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->vma_start, kTop - 0x10000);
}

// ---- fidelity: this very process's stack, as the host kernel built it ----

std::string slurp(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(StackImage, MatchesHostKernel) {
#if !defined(__x86_64__) && !defined(__riscv)
  GTEST_SKIP() << "host architecture not modelled";
#endif
  // /proc/self/stat: startstack is field 28, arg_start..env_end fields 48..51.
  const std::string stat = slurp("/proc/self/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) GTEST_SKIP() << "no /proc/self/stat";
  std::istringstream fields(stat.substr(paren + 2));
  std::vector<std::string> f(3);  // fields 1 and 2 are before the ')'
  for (std::string t; fields >> t;) f.push_back(t);
  if (f.size() < 52) GTEST_SKIP() << "short /proc/self/stat";
  const std::uint64_t startstack = std::stoull(f[28]);
  const std::uint64_t arg_start = std::stoull(f[48]), arg_end = std::stoull(f[49]);
  const std::uint64_t env_start = std::stoull(f[50]), env_end = std::stoull(f[51]);

  std::uint64_t stack_lo = 0, stack_hi = 0;
  std::istringstream maps(slurp("/proc/self/maps"));
  for (std::string line; std::getline(maps, line);)
    if (line.ends_with("[stack]")) std::sscanf(line.c_str(), "%lx-%lx", &stack_lo, &stack_hi);
  if (stack_hi == 0) GTEST_SKIP() << "no [stack] in /proc/self/maps";

  const std::string auxv_raw = slurp("/proc/self/auxv");
  std::vector<AuxEntry> auxv(auxv_raw.size() / sizeof(AuxEntry));
  std::memcpy(auxv.data(), auxv_raw.data(), auxv.size() * sizeof(AuxEntry));
  while (!auxv.empty() && auxv.back().type == kAtNull) auxv.pop_back();
  if (auxv.empty()) GTEST_SKIP() << "no /proc/self/auxv";
  auxv.push_back({kAtNull, 0});

  const std::uint64_t at_execfn = getauxval(AT_EXECFN);
  const std::uint64_t at_random = getauxval(AT_RANDOM);
  const std::uint64_t at_platform = getauxval(AT_PLATFORM);
  // Started some other way (ld.so run directly, an emulator): nothing to compare.
  if (at_execfn != env_end || g_argc < 0 || startstack < stack_lo || stack_hi < env_end)
    GTEST_SKIP() << "process not started by a plain execve";

  auto mem = [](std::uint64_t a) { return reinterpret_cast<const char*>(a); };
  auto split = [&](std::uint64_t lo, std::uint64_t hi) {
    std::vector<std::string> out;
    for (std::uint64_t a = lo; a < hi;) {
      out.emplace_back(mem(a));
      a += out.back().size() + 1;
    }
    return out;
  };
  StackSpec spec;
  spec.top = stack_hi;
  spec.argv = split(arg_start, arg_end);
  spec.envp = split(env_start, env_end);
  spec.execfn = mem(at_execfn);
  std::memcpy(spec.random.data(), mem(at_random), 16);
  if (at_platform != 0) spec.platform = std::string(mem(at_platform));
  spec.auxv = auxv;
  // Under ASLR arch_align_stack() lowered the table start by a random amount; recover
  // it from where the platform string (or the random bytes) ended up.
  const std::uint64_t aligned =
      at_platform != 0 ? at_platform + spec.platform->size() + 1 : at_random + 16;
  ASSERT_LE(aligned, arg_start);
  spec.align_jitter = arg_start - aligned;
  rlimit rl{};
  getrlimit(RLIMIT_STACK, &rl);
  spec.stack_rlimit = rl.rlim_cur;

  auto r = build_stack_image(spec);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const StackImage& img = *r;
  EXPECT_EQ(img.sp, startstack);
  EXPECT_EQ(img.arg_start, arg_start);
  EXPECT_EQ(img.arg_end, arg_end);
  EXPECT_EQ(img.env_start, env_start);
  EXPECT_EQ(img.env_end, env_end);
  EXPECT_EQ(img.execfn, at_execfn);
  EXPECT_EQ(img.random, at_random);
  EXPECT_EQ(img.platform, at_platform);
  EXPECT_EQ(img.auxv, auxv);
  // The VMA only grows down from what setup_arg_pages() made it.
  EXPECT_LE(stack_lo, img.vma_start);

  // Byte for byte, except argv's pointer slots, which gtest has since rewritten: those
  // are compared with the snapshot taken before main().
  ASSERT_EQ(static_cast<std::uint64_t>(g_argc), spec.argv.size());
  const std::uint64_t argv_lo = img.sp + 8, argv_hi = argv_lo + 8 * (spec.argv.size() + 1);
  std::size_t mismatches = 0;
  for (std::uint64_t a = img.sp; a < stack_hi; ++a) {
    if (a >= argv_lo && a < argv_hi) continue;
    const auto real = static_cast<std::uint8_t>(*mem(a));
    if (real != img.bytes[a - img.low] && mismatches++ < 8)
      ADD_FAILURE() << std::hex << "byte at 0x" << a << " (sp+0x" << a - img.sp << "): host 0x"
                    << int{real} << ", built 0x" << int{img.bytes[a - img.low]};
  }
  EXPECT_EQ(mismatches, 0u);
  for (std::size_t i = 0; i <= spec.argv.size(); ++i)
    EXPECT_EQ(g_argv_slots[i], View{img}.word(argv_lo + 8 * i)) << "argv[" << i << "]";
}

}  // namespace
}  // namespace vmlab::kern
