#include "kernel/elf_image.h"

#include <algorithm>
#include <bit>

#include <fmt/format.h>

#include "vmlab/units.h"

namespace vmlab::kern {

namespace {

constexpr std::size_t kEhdrSize = 64;
constexpr std::uint16_t kPhdrSize = 56;  // sizeof(struct elf64_phdr)
constexpr std::uint32_t kPhdrsMax = 65536;
constexpr std::uint64_t kPathMax = 4096;

constexpr std::uint32_t kPtLoad = 1;
constexpr std::uint32_t kPtInterp = 3;
constexpr std::uint32_t kPtPhdr = 6;
constexpr std::uint32_t kPtGnuStack = 0x6474e551;

constexpr std::uint32_t kPfX = 1;
constexpr std::uint32_t kPfW = 2;
constexpr std::uint32_t kPfR = 4;

// Little-endian fields, whatever the host.
std::uint64_t read_le(std::span<const std::uint8_t> b, std::size_t off, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | b[off + static_cast<std::size_t>(i)];
  return v;
}
std::uint16_t u16(std::span<const std::uint8_t> b, std::size_t off) {
  return static_cast<std::uint16_t>(read_le(b, off, 2));
}
std::uint32_t u32(std::span<const std::uint8_t> b, std::size_t off) {
  return static_cast<std::uint32_t>(read_le(b, off, 4));
}
std::uint64_t u64(std::span<const std::uint8_t> b, std::size_t off) { return read_le(b, off, 8); }

struct Phdr {
  std::uint32_t type, flags;
  std::uint64_t offset, vaddr, filesz, memsz, align;
};

Phdr read_phdr(std::span<const std::uint8_t> b, std::size_t off) {
  return Phdr{u32(b, off),      u32(b, off + 4),  u64(b, off + 8),  u64(b, off + 16),
              u64(b, off + 32), u64(b, off + 40), u64(b, off + 48)};
}

Unexpected<ExecError> fail(Errno e, std::string message) {
  return {ExecError{e, false, std::move(message)}};
}
// Found by Linux only after begin_new_exec(): the process dies with SIGSEGV.
Unexpected<ExecError> fail_fatal(Errno e, std::string message) {
  return {ExecError{e, true, std::move(message)}};
}

// Is [off, off + len) inside a file of `size` bytes, without overflow?
bool in_file(std::uint64_t off, std::uint64_t len, std::size_t size) {
  return off <= size && len <= size - off;
}

// ELF_PAGESTART / ELF_PAGEALIGN with ELF_MIN_ALIGN = PAGE_SIZE on both architectures.
std::uint64_t elf_pagestart(std::uint64_t v) { return v & kPageMask; }
std::uint64_t elf_pagealign(std::uint64_t v) { return (v + kPageSize - 1) & kPageMask; }

}  // namespace

std::string machine_name(std::uint16_t machine) {
  switch (machine) {
    case 3: return "i386";
    case 40: return "ARM";
    case kEmX86_64: return "x86-64";
    case 183: return "AArch64";
    case kEmRiscv: return "RISC-V";
    default: return fmt::format("machine {}", machine);
  }
}

Expected<ElfImage, ExecError> parse_elf(std::span<const std::uint8_t> file, std::uint16_t machine,
                                        std::uint64_t task_size) {
  const std::size_t size = file.size();
  if (size < kEhdrSize)
    return fail(Errno::noexec,
                fmt::format("file too short for an ELF header: {} bytes (need {})", size, kEhdrSize));

  // load_elf_binary(): the magic, e_type and elf_check_arch() first.
  if (file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F')
    return fail(Errno::noexec, "bad ELF magic");
  if (file[4] != 2) return fail(Errno::noexec, fmt::format("not ELFCLASS64 (EI_CLASS {})", file[4]));
  if (file[5] != 1)
    return fail(Errno::noexec, fmt::format("not little-endian (EI_DATA {})", file[5]));
  if (file[6] != 1) return fail(Errno::noexec, fmt::format("bad ELF version {}", file[6]));

  ElfImage elf;
  elf.type = u16(file, 16);
  elf.machine = u16(file, 18);
  elf.entry = u64(file, 24);
  elf.phoff = u64(file, 32);
  elf.flags = u32(file, 48);
  elf.phentsize = u16(file, 54);
  elf.phnum = u16(file, 56);

  if (elf.type != kEtExec && elf.type != kEtDyn)
    return fail(Errno::noexec, fmt::format("not ET_EXEC or ET_DYN (e_type {})", elf.type));
  if (elf.machine != machine)
    return fail(Errno::noexec,
                fmt::format("wrong machine: e_machine {} ({}), expected {} ({})", elf.machine,
                            machine_name(elf.machine), machine, machine_name(machine)));

  // load_elf_phdrs(): entry size, a page at most (and never over 64 KiB), all read.
  if (elf.phentsize != kPhdrSize)
    return fail(Errno::noexec,
                fmt::format("e_phentsize {} is not {}", elf.phentsize, kPhdrSize));
  const std::uint32_t phdrs_size = std::uint32_t{kPhdrSize} * elf.phnum;
  if (phdrs_size == 0) return fail(Errno::noexec, "no program headers");
  const std::uint64_t phdrs_limit = std::min<std::uint64_t>(kPhdrsMax, kPageSize);
  if (phdrs_size > phdrs_limit)
    return fail(Errno::noexec, fmt::format("program headers too large: {} bytes (limit {})",
                                           phdrs_size, phdrs_limit));
  if (!in_file(elf.phoff, phdrs_size, size))
    return fail(Errno::noexec,
                fmt::format("program headers out of the file: {} bytes at offset {:#x}, file size {}",
                            phdrs_size, elf.phoff, size));

  std::vector<Phdr> phdrs;
  phdrs.reserve(elf.phnum);
  for (std::uint16_t i = 0; i < elf.phnum; ++i)
    phdrs.push_back(read_phdr(file, elf.phoff + std::size_t{i} * kPhdrSize));

  // load_elf_binary(): PT_INTERP, read and NUL-checked before the point of no return.
  for (const Phdr& ph : phdrs) {
    if (ph.type != kPtInterp) continue;
    if (elf.interp) return fail(Errno::noexec, "more than one PT_INTERP");
    if (ph.filesz > kPathMax || ph.filesz < 2)
      return fail(Errno::noexec, fmt::format("PT_INTERP size {} out of range [2, {}]", ph.filesz,
                                             kPathMax));
    if (!in_file(ph.offset, ph.filesz, size))  // elf_read() comes up short: -EIO
      return fail(Errno::io, fmt::format("PT_INTERP out of the file: {} bytes at offset {:#x}, "
                                         "file size {}",
                                         ph.filesz, ph.offset, size));
    const auto* s = reinterpret_cast<const char*>(file.data() + ph.offset);
    if (s[ph.filesz - 1] != '\0') return fail(Errno::noexec, "PT_INTERP not NUL-terminated");
    elf.interp = std::string(s);  // open_exec() sees the C string
  }

  // PT_GNU_STACK (the last one counts) and PT_PHDR.
  for (const Phdr& ph : phdrs) {
    if (ph.type == kPtGnuStack) {
      elf.has_gnu_stack = true;
      elf.exec_stack = (ph.flags & kPfX) != 0;
    } else if (ph.type == kPtPhdr && !elf.pt_phdr) {
      elf.pt_phdr = ph.vaddr;
    }
  }

  // The PT_LOAD loop of load_elf_binary() and what elf_load()/vm_mmap() would refuse.
  for (std::size_t i = 0; i < phdrs.size(); ++i) {
    const Phdr& ph = phdrs[i];
    if (ph.type != kPtLoad) continue;
    const ElfSegment* prev = elf.segments.empty() ? nullptr : &elf.segments.back();
    if (ph.filesz > ph.memsz)
      return fail_fatal(Errno::inval,
                        fmt::format("PT_LOAD {}: p_filesz {:#x} larger than p_memsz {:#x}", i,
                                    ph.filesz, ph.memsz));
    if (ph.memsz > ~ph.vaddr)
      return fail_fatal(Errno::inval, fmt::format("PT_LOAD {}: p_vaddr {:#x} + p_memsz {:#x} "
                                                  "overflows",
                                                  i, ph.vaddr, ph.memsz));
    // BAD_ADDR(k) || p_memsz > TASK_SIZE || TASK_SIZE - p_memsz < k
    if (ph.vaddr >= task_size || ph.memsz > task_size - ph.vaddr)
      return fail_fatal(Errno::inval,
                        fmt::format("PT_LOAD {}: [{:#x}, {:#x}) beyond the user address limit {:#x}",
                                    i, ph.vaddr, ph.vaddr + ph.memsz, task_size));
    if (!in_file(ph.offset, ph.filesz, size))
      return fail(Errno::noexec,
                  fmt::format("PT_LOAD {}: file range [{:#x}, {:#x}) beyond the end of the file "
                              "({} bytes)",
                              i, ph.offset, ph.offset + ph.filesz, size));
    // elf_map() maps from p_offset - ELF_PAGEOFFSET(p_vaddr): vm_mmap() wants it page
    // aligned. Only segments with file contents are mapped from the file.
    if (ph.filesz != 0 && (ph.vaddr - ph.offset) % kPageSize != 0)
      return fail_fatal(Errno::inval,
                        fmt::format("PT_LOAD {}: p_vaddr {:#x} and p_offset {:#x} not congruent "
                                    "modulo the page size {:#x}",
                                    i, ph.vaddr, ph.offset, kPageSize));
    if (prev != nullptr && ph.vaddr < prev->vaddr)
      return fail(Errno::noexec,
                  fmt::format("PT_LOAD {}: p_vaddr {:#x} below the previous PT_LOAD's {:#x}", i,
                              ph.vaddr, prev->vaddr));
    if (prev != nullptr && ph.vaddr < prev->vaddr + prev->memsz)
      return fail(Errno::noexec,
                  fmt::format("PT_LOAD {}: [{:#x}, {:#x}) overlaps the previous PT_LOAD "
                              "[{:#x}, {:#x})",
                              i, ph.vaddr, ph.vaddr + ph.memsz, prev->vaddr,
                              prev->vaddr + prev->memsz));

    ElfSegment seg{ph.vaddr,
                   ph.memsz,
                   ph.offset,
                   ph.filesz,
                   ph.align,
                   (ph.flags & kPfR) != 0,
                   (ph.flags & kPfW) != 0,
                   (ph.flags & kPfX) != 0};
    // The PT_LOAD whose file range holds the program headers gives AT_PHDR.
    if (ph.offset <= elf.phoff && elf.phoff - ph.offset < ph.filesz)
      elf.phdr_vaddr = elf.phoff - ph.offset + ph.vaddr;
    elf.segments.push_back(seg);
  }

  // ET_DYN: total_mapping_size() == 0 is -EINVAL; ET_EXEC would map nothing at all.
  if (elf.segments.empty()) return fail_fatal(Errno::inval, "no PT_LOAD segment");
  elf.load_start = elf.segments.front().vaddr;
  elf.load_end = elf.segments.back().vaddr + elf.segments.back().memsz;

  // BAD_ADDR(elf_entry) for a program without interpreter; ET_EXEC entries are final.
  if (elf.type == kEtExec && elf.entry >= task_size)
    return fail_fatal(Errno::inval,
                      fmt::format("entry point {:#x} beyond the user address limit {:#x}",
                                  elf.entry, task_size));
  return elf;
}

RiscvFloatAbi riscv_float_abi(std::uint32_t e_flags) {
  switch (e_flags & 0x6) {  // EF_RISCV_FLOAT_ABI
    case 0x2: return RiscvFloatAbi::lp64f;
    case 0x4: return RiscvFloatAbi::lp64d;
    case 0x6: return RiscvFloatAbi::lp64q;
    default: return RiscvFloatAbi::lp64;
  }
}

std::uint64_t elf_et_dyn_base(std::uint16_t machine, std::uint64_t task_size) {
  // DEFAULT_MAP_WINDOW: x86-64 ((1 << 47) - PAGE_SIZE); riscv64 1 << (MMAP_VA_BITS - 1)
  // with MMAP_VA_BITS = min(VA_BITS, 48), which is TASK_SIZE for sv39.
  const std::uint64_t bit47 = std::uint64_t{1} << 47;
  const std::uint64_t window =
      machine == kEmX86_64 ? std::min(task_size, bit47 - kPageSize) : std::min(task_size, bit47);
  return window / 3 * 2;
}

std::uint64_t maximum_alignment(const ElfImage& elf) {
  std::uint64_t alignment = 0;
  for (const ElfSegment& s : elf.segments)
    if (std::has_single_bit(s.align)) alignment = std::max(alignment, s.align);  // skip non-powers
  return elf_pagealign(alignment);
}

std::uint64_t total_mapping_size(const ElfImage& elf) {
  return elf.segments.empty() ? 0 : elf.load_end - elf_pagestart(elf.load_start);
}

LoadPlacement load_placement(const ElfImage& elf, std::uint64_t et_dyn_base) {
  LoadPlacement p;
  p.alignment = maximum_alignment(elf);
  p.total_size = elf_pagealign(total_mapping_size(elf));
  if (elf.type == kEtExec) return p;  // fixed at the link addresses
  const std::uint64_t first_vaddr = elf.segments.front().vaddr;
  if (elf.interp) {
    // "DOC: PIE handling": a program goes at ELF_ET_DYN_BASE, aligned as requested,
    // lowered by the first vaddr.
    std::uint64_t bias = et_dyn_base;
    if (p.alignment != 0) bias &= ~(p.alignment - 1);
    p.bias = elf_pagestart(bias - first_vaddr);
    return p;
  }
  p.kind = LoadPlacement::Kind::mmap_base;  // a loader: in the mmap region
  return p;
}

std::uint64_t mmap_base_bias(const ElfImage& elf, const LoadPlacement& placement,
                             std::uint64_t mapped_at) {
  const std::uint64_t first_vaddr = elf.segments.front().vaddr;
  if (placement.alignment > kPageSize)
    return elf_pagestart((mapped_at & ~(placement.alignment - 1)) - first_vaddr);
  // load_bias = ELF_PAGESTART(-vaddr), then corrected by where the mapping landed.
  return mapped_at - elf_pagestart(first_vaddr);
}

}  // namespace vmlab::kern
