// Helpers shared by the unit tests of mm/, fs/ and kernel/: small machines, /proc
// parsing, and the consistency check every test ends with.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "vmlab/machine.h"

namespace vmlab {
// gtest prints an Errno by its Linux name.
inline void PrintTo(Errno e, std::ostream* os) { *os << errno_name(e); }
inline void PrintTo(Signal s, std::ostream* os) { *os << signal_name(s); }
}  // namespace vmlab

namespace vmlab::test {

// A machine of `ram` bytes with Linux defaults otherwise.
inline MachineConfig small_config(std::uint64_t ram = 256 * MiB) {
  MachineConfig c;
  c.ram_bytes = ram;
  return c;
}

// Recounts everything and fails the test, listing the problems, if anything disagrees.
inline void expect_consistent(const Machine& m) {
  CheckReport r = m.check();
  std::string all;
  for (const auto& p : r.problems) all += "  " + p + "\n";
  EXPECT_TRUE(r.ok()) << "Machine::check() found problems:\n" << all;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

inline std::size_t count_lines(const std::string& text) { return lines_of(text).size(); }

// One line of /proc/PID/maps, parsed.
struct MapsLine {
  VirtAddr start = 0, end = 0;
  std::string perms;
  std::uint64_t offset = 0;
  std::string dev;
  std::uint64_t inode = 0;
  std::string name;
};

inline MapsLine parse_maps_line(const std::string& line) {
  MapsLine m;
  std::istringstream in(line);
  std::string range;
  in >> range >> m.perms >> std::hex >> m.offset >> m.dev >> std::dec >> m.inode;
  const auto dash = range.find('-');
  m.start = std::stoull(range.substr(0, dash), nullptr, 16);
  m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
  // The name starts at column 73 (or is absent).
  if (line.size() > 73) m.name = line.substr(73);
  return m;
}

inline std::vector<MapsLine> parse_maps(const std::string& maps) {
  std::vector<MapsLine> out;
  for (const auto& l : lines_of(maps)) out.push_back(parse_maps_line(l));
  return out;
}

// The maps line whose range contains `addr`; start == end == 0 when none does.
inline MapsLine maps_containing(const std::string& maps, VirtAddr addr) {
  for (const auto& m : parse_maps(maps)) {
    if (m.start <= addr && addr < m.end) return m;
  }
  return {};
}

inline MapsLine maps_named(const std::string& maps, std::string_view name) {
  for (const auto& m : parse_maps(maps)) {
    if (m.name == name) return m;
  }
  return {};
}

inline bool is_smaps_header(const std::string& line) {
  const auto dash = line.find('-');
  const auto space = line.find(' ');
  if (dash == std::string::npos || space == std::string::npos || dash > space || dash == 0) return false;
  for (std::size_t i = 0; i < dash; ++i) {
    if (!std::isxdigit(static_cast<unsigned char>(line[i]))) return false;
  }
  return true;
}

// A "Field:  N kB" value of the smaps entry whose range contains `addr`, in kB.
// Fails the test (and returns ~0) when there is no such entry or field.
inline std::uint64_t smaps_kb(const std::string& smaps, VirtAddr addr, std::string_view field) {
  bool in = false;
  for (const auto& line : lines_of(smaps)) {
    if (is_smaps_header(line)) {
      const MapsLine m = parse_maps_line(line);
      in = m.start <= addr && addr < m.end;
      continue;
    }
    if (!in) continue;
    if (line.size() > field.size() && line.compare(0, field.size(), field) == 0 && line[field.size()] == ':') {
      return std::stoull(line.substr(field.size() + 1));
    }
  }
  ADD_FAILURE() << "no smaps field " << field << " for an entry containing 0x" << std::hex << addr;
  return ~0ULL;
}

// The text of one smaps field line (e.g. "VmFlags") of the entry containing `addr`.
inline std::string smaps_line(const std::string& smaps, VirtAddr addr, std::string_view field) {
  bool in = false;
  for (const auto& line : lines_of(smaps)) {
    if (is_smaps_header(line)) {
      const MapsLine m = parse_maps_line(line);
      in = m.start <= addr && addr < m.end;
      continue;
    }
    if (in && line.compare(0, field.size(), field) == 0 && line.size() > field.size() && line[field.size()] == ':') {
      return line;
    }
  }
  return {};
}

// The number after "Name:" in a file of "Name: value [kB]" lines (status, meminfo,
// smaps_rollup). Fails the test and returns ~0 when there is no such line.
inline std::uint64_t field_kb(const std::string& text, std::string_view name) {
  for (const auto& line : lines_of(text)) {
    if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ':') {
      return std::stoull(line.substr(name.size() + 1));
    }
  }
  ADD_FAILURE() << "no field " << name;
  return ~0ULL;
}

// Field `n` (1-based, as proc(5) numbers them) of /proc/PID/stat.
inline std::string stat_field(const std::string& stat, unsigned n) {
  if (n == 1) return stat.substr(0, stat.find(' '));
  const auto close = stat.rfind(')');
  if (n == 2) return stat.substr(stat.find('('), close - stat.find('(') + 1);
  std::istringstream in(stat.substr(close + 2));
  std::string f;
  for (unsigned i = 3; i <= n; ++i) in >> f;
  return f;
}

inline std::uint64_t stat_num(const std::string& stat, unsigned n) { return std::stoull(stat_field(stat, n)); }

// A file of `pages` pages, page i filled with byte ('a' + i % 26), written through
// the page cache as a shell would, plus `extra` bytes of 'z'.
inline std::string pattern_file(std::uint64_t pages, std::uint64_t extra = 0) {
  std::string s;
  s.reserve(pages * kPageSize + extra);
  for (std::uint64_t i = 0; i < pages; ++i) s.append(kPageSize, static_cast<char>('a' + i % 26));
  s.append(extra, 'z');
  return s;
}

constexpr int kRW = kProtRead | kProtWrite;
constexpr int kPrivAnon = kMapPrivate | kMapAnonymous;
constexpr int kSharedAnon = kMapShared | kMapAnonymous;

}  // namespace vmlab::test
