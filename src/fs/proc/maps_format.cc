#include "fs/proc/maps_format.h"

#include <fmt/format.h>

namespace vmlab::proc {

std::string format_vma_header_prefix(std::uint64_t start, std::uint64_t end, bool read,
                                     bool write, bool exec, bool shared,
                                     std::uint64_t offset, std::uint32_t dev_major,
                                     std::uint32_t dev_minor, std::uint64_t inode) {
  // as show_vma_header_prefix(): hex at least 8 digits, device 2+2, inode decimal,
  // and the trailing space that unnamed lines keep.
  return fmt::format("{:08x}-{:08x} {}{}{}{} {:08x} {:02x}:{:02x} {} ", start, end,
                     read ? 'r' : '-', write ? 'w' : '-', exec ? 'x' : '-',
                     shared ? 's' : 'p', offset, dev_major, dev_minor, inode);
}

void append_padded_name(std::string& line, std::size_t line_start, std::string_view name) {
  // as seq_pad(m, ' '): fill to the width set at the line's start, then one space.
  const std::size_t width = kMapsNameColumn - 1;
  const std::size_t used = line.size() - line_start;
  if (used < width) line.append(width - used, ' ');
  line.push_back(' ');
  // as seq_path(m, path, "\n"): mangle_path() writes a newline in a name as \012.
  for (char c : name) {
    if (c == '\n')
      line += "\\012";
    else
      line.push_back(c);
  }
}

std::string format_maps_line(const MapsEntry& e) {
  std::string line = format_vma_header_prefix(e.start, e.end, e.read, e.write, e.exec,
                                              e.shared, e.offset, e.dev_major,
                                              e.dev_minor, e.inode);
  if (!e.name.empty()) append_padded_name(line, 0, e.name);
  line.push_back('\n');
  return line;
}

}  // namespace vmlab::proc
