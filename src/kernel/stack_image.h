// The initial user stack of a new program, byte for byte as Linux lays it out: the
// strings copy_strings() (fs/exec.c) puts at the top, then what create_elf_tables()
// (fs/binfmt_elf.c) adds below them: platform string, AT_RANDOM bytes, auxv, envp,
// argv, argc. Pure computation: the caller writes the bytes into the stack VMA.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernel/elf_image.h"
#include "vmlab/result.h"

namespace vmlab::kern {

// Auxiliary vector types (include/uapi/linux/auxvec.h). The k-names avoid <elf.h>'s
// AT_* macros.
inline constexpr std::uint64_t kAtNull = 0;
inline constexpr std::uint64_t kAtIgnore = 1;
inline constexpr std::uint64_t kAtPhdr = 3;
inline constexpr std::uint64_t kAtPhent = 4;
inline constexpr std::uint64_t kAtPhnum = 5;
inline constexpr std::uint64_t kAtPagesz = 6;
inline constexpr std::uint64_t kAtBase = 7;
inline constexpr std::uint64_t kAtFlags = 8;
inline constexpr std::uint64_t kAtEntry = 9;
inline constexpr std::uint64_t kAtUid = 11;
inline constexpr std::uint64_t kAtEuid = 12;
inline constexpr std::uint64_t kAtGid = 13;
inline constexpr std::uint64_t kAtEgid = 14;
inline constexpr std::uint64_t kAtPlatform = 15;
inline constexpr std::uint64_t kAtHwcap = 16;
inline constexpr std::uint64_t kAtClktck = 17;
inline constexpr std::uint64_t kAtSecure = 23;
inline constexpr std::uint64_t kAtRandom = 25;
inline constexpr std::uint64_t kAtHwcap2 = 26;
inline constexpr std::uint64_t kAtRseqFeatureSize = 27;
inline constexpr std::uint64_t kAtRseqAlign = 28;
inline constexpr std::uint64_t kAtExecfn = 31;
inline constexpr std::uint64_t kAtSysinfoEhdr = 33;
inline constexpr std::uint64_t kAtL1iCachesize = 40;  // riscv64's ARCH_DLINFO
inline constexpr std::uint64_t kAtL1iCachegeometry = 41;
inline constexpr std::uint64_t kAtL1dCachesize = 42;
inline constexpr std::uint64_t kAtL1dCachegeometry = 43;
inline constexpr std::uint64_t kAtL2Cachesize = 44;
inline constexpr std::uint64_t kAtL2Cachegeometry = 45;
inline constexpr std::uint64_t kAtMinsigstksz = 51;
// riscv64's AT_MINSIGSTKSZ: get_rt_frame_size() without vector state, the 1088-byte
// struct rt_sigframe (siginfo, ucontext with the D-extension registers).
inline constexpr std::uint64_t kRiscvMinSigStkSz = 1088;

inline constexpr std::uint64_t kMaxArgStrlen = 32 * 4096;  // MAX_ARG_STRLEN
inline constexpr std::uint64_t kArgMax = 32 * 4096;        // ARG_MAX: strings always allowed
inline constexpr std::uint64_t kStkLim = 8 << 20;          // _STK_LIM

struct AuxEntry {
  std::uint64_t type = 0;
  std::uint64_t value = 0;
  bool operator==(const AuxEntry&) const = default;
};

struct StackSpec {
  std::uint64_t top = 0;  // end of the stack VMA (STACK_TOP after setup_arg_pages())
  std::vector<std::string> argv;  // each up to its first NUL; empty argv gets {""}
  std::vector<std::string> envp;
  std::string execfn;  // the path given to execve: AT_EXECFN
  std::array<std::uint8_t, 16> random{};
  std::optional<std::string> platform;  // ELF_PLATFORM: "x86_64"; none on riscv64
  // In create_elf_tables() order, as ARCH_DLINFO and NEW_AUX_ENT() produce them. The
  // values of kAtRandom, kAtExecfn and kAtPlatform entries are filled in here; the
  // list ends at its first kAtNull, and one is added if missing.
  std::vector<AuxEntry> auxv;
  // Bytes arch_align_stack() subtracts before aligning to 16 (random under ASLR; 0 off).
  std::uint64_t align_jitter = 0;
  std::uint64_t stack_rlimit = kStkLim;  // RLIMIT_STACK soft limit
};

struct StackImage {
  std::uint64_t sp = 0;   // initial stack pointer (mm->start_stack): argc is here
  std::uint64_t low = 0;  // lowest address of `bytes`; equal to sp
  std::vector<std::uint8_t> bytes;  // the content of [low, top)
  // mm->arg_start.. as /proc/PID/stat shows them: [arg_start, arg_end) holds the
  // argv strings, [env_start, env_end) the envp strings.
  std::uint64_t arg_start = 0;
  std::uint64_t arg_end = 0;
  std::uint64_t env_start = 0;
  std::uint64_t env_end = 0;
  std::uint64_t execfn = 0;    // AT_EXECFN (bprm->exec), right above env_end
  std::uint64_t random = 0;    // AT_RANDOM
  std::uint64_t platform = 0;  // AT_PLATFORM, 0 without a platform string
  std::vector<AuxEntry> auxv;  // as written, through kAtNull (mm->saved_auxv)
  // Start of the [stack] VMA: setup_arg_pages() grows the string pages by 128 KiB
  // (capped by the rlimit), create_elf_tables() extends it to sp if that is lower.
  std::uint64_t vma_start = 0;
};

// copy_strings() and bprm_stack_limits(), which execve runs before it touches the
// process: E2BIG when a string (NUL included) exceeds MAX_ARG_STRLEN or the strings
// and pointers exceed the limit. Otherwise the strings' total size.
Expected<std::uint64_t, ExecError> arg_strings_size(const StackSpec& spec);

// Fails as arg_strings_size() does, and with EINVAL when auxv asks for AT_PLATFORM
// without a platform string.
Expected<StackImage, ExecError> build_stack_image(const StackSpec& spec);

}  // namespace vmlab::kern
