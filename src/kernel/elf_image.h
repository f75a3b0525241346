// An ELF64 executable as load_elf_binary() (fs/binfmt_elf.c) reads it: the header, the
// program headers, and the checks that decide whether execve accepts the file. Pure
// parsing: nothing here touches a simulated address space.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vmlab/errno.h"
#include "vmlab/result.h"

namespace vmlab::kern {

inline constexpr std::uint16_t kEmX86_64 = 62;
inline constexpr std::uint16_t kEmRiscv = 243;
inline constexpr std::uint16_t kEtExec = 2;
inline constexpr std::uint16_t kEtDyn = 3;

// A failed execve step. `fatal` says Linux has already passed the point of no return
// (begin_new_exec()) when it finds this problem: execve does not return, the process is
// killed with SIGSEGV. Otherwise execve returns -error.
struct ExecError {
  Errno error = Errno::noexec;
  bool fatal = false;
  std::string message;  // one line naming the problem
};

// One PT_LOAD program header.
struct ElfSegment {
  std::uint64_t vaddr = 0;
  std::uint64_t memsz = 0;
  std::uint64_t offset = 0;
  std::uint64_t filesz = 0;
  std::uint64_t align = 0;
  bool r = false;
  bool w = false;
  bool x = false;
};

struct ElfImage {
  std::uint16_t machine = 0;
  std::uint16_t type = 0;  // kEtExec or kEtDyn
  std::uint64_t entry = 0;
  std::uint64_t phoff = 0;
  std::uint16_t phentsize = 0;
  std::uint16_t phnum = 0;
  std::uint32_t flags = 0;  // e_flags: on riscv64 the float ABI, see riscv_float_abi()
  // AT_PHDR before the load bias, as load_elf_binary() finds it: e_phoff translated
  // through the PT_LOAD whose file range holds it; 0 when none does (Linux then passes
  // just the load bias).
  std::uint64_t phdr_vaddr = 0;
  std::optional<std::uint64_t> pt_phdr;  // p_vaddr of PT_PHDR, when there is one
  std::vector<ElfSegment> segments;      // the PT_LOADs, in file order (ascending vaddr)
  std::optional<std::string> interp;     // PT_INTERP path, up to its first NUL
  bool has_gnu_stack = false;            // a PT_GNU_STACK header is present
  bool exec_stack = false;               // ... and it has PF_X (EXSTACK_ENABLE_X)
  std::uint64_t load_start = 0;          // lowest PT_LOAD p_vaddr
  std::uint64_t load_end = 0;            // highest PT_LOAD p_vaddr + p_memsz
};

// Parses and checks `file` for execution on `machine` with user addresses below
// `task_size` (TASK_SIZE: 0x7ffffffff000 on x86-64, 0x4000000000 on riscv64 sv39).
// Checks that Linux itself does not make (class, byte order, version, PT_LOAD order
// and overlap, segments beyond the end of the file, a second PT_INTERP) fail with
// ENOEXEC before the point of no return.
Expected<ElfImage, ExecError> parse_elf(std::span<const std::uint8_t> file, std::uint16_t machine,
                                        std::uint64_t task_size);

// "x86-64", "RISC-V", or "machine N".
std::string machine_name(std::uint16_t machine);

// riscv64 float ABI from e_flags (EF_RISCV_FLOAT_ABI).
enum class RiscvFloatAbi { lp64, lp64f, lp64d, lp64q };
RiscvFloatAbi riscv_float_abi(std::uint32_t e_flags);

// ELF_ET_DYN_BASE: where a PIE program goes without ASLR, 2/3 of the default mmap
// window (DEFAULT_MAP_WINDOW / 3 * 2). x86-64: 0x555555554aaa; riscv64 sv39:
// 0x2aaaaaaaaa. Not page aligned: load_placement() aligns it.
std::uint64_t elf_et_dyn_base(std::uint16_t machine, std::uint64_t task_size);

// maximum_alignment(): the largest power-of-two PT_LOAD p_align, page aligned; 0 if none.
std::uint64_t maximum_alignment(const ElfImage& elf);

// total_mapping_size(): from the page holding the lowest PT_LOAD to the highest end.
std::uint64_t total_mapping_size(const ElfImage& elf);

// Where load_elf_binary() puts the image, ASLR off.
struct LoadPlacement {
  enum class Kind {
    fixed,      // at `bias` (ET_EXEC: 0; PIE program: from ELF_ET_DYN_BASE)
    mmap_base,  // ET_DYN without PT_INTERP (a loader run directly): wherever mmap puts
                // `total_size` bytes; then mmap_base_bias() gives the bias
  };
  Kind kind = Kind::fixed;
  std::uint64_t bias = 0;        // kind == fixed
  std::uint64_t alignment = 0;   // maximum_alignment()
  std::uint64_t total_size = 0;  // page-aligned total_mapping_size()
};
LoadPlacement load_placement(const ElfImage& elf, std::uint64_t et_dyn_base);

// The load bias of a Kind::mmap_base image whose first mapping of total_size bytes
// landed at `mapped_at` (aligned down to the alignment when it exceeds a page).
std::uint64_t mmap_base_bias(const ElfImage& elf, const LoadPlacement& placement,
                             std::uint64_t mapped_at);

}  // namespace vmlab::kern
