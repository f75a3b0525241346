// One line of /proc/PID/maps, as show_map_vma() in fs/proc/task_mmu.c prints it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace vmlab::proc {

// What show_map_vma() reads from a VMA. For an anonymous mapping offset, device and
// inode are 0; name is empty when Linux prints no name (plain anonymous memory).
struct MapsEntry {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
  bool read = false;
  bool write = false;
  bool exec = false;
  bool shared = false;  // VM_MAYSHARE: 's', else 'p'
  std::uint64_t offset = 0;  // bytes (vm_pgoff << PAGE_SHIFT)
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
  std::uint64_t inode = 0;
  std::string name;  // path, [heap], [stack], [vdso], [vvar], [anon:NAME], ...
};

// The column where a name starts: show_vma_header_prefix() sets the seq width to
// 25 + sizeof(void *) * 6 - 1 = 72 and seq_pad() then pads to it and adds one space.
inline constexpr std::size_t kMapsNameColumn = 73;

// "start-end perms offset major:minor inode " with Linux's minimum widths
// (show_vma_header_prefix()); no padding, no name, no newline.
std::string format_vma_header_prefix(std::uint64_t start, std::uint64_t end, bool read,
                                     bool write, bool exec, bool shared,
                                     std::uint64_t offset, std::uint32_t dev_major,
                                     std::uint32_t dev_minor, std::uint64_t inode);

// Appends seq_pad(m, ' ') then the name, for a line begun with the prefix above.
void append_padded_name(std::string& line, std::size_t line_start, std::string_view name);

// The whole maps line, ending in '\n' (show_map_vma()).
std::string format_maps_line(const MapsEntry& e);

}  // namespace vmlab::proc
