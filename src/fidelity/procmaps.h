// Parsing /proc/PID/maps and /proc/PID/smaps text (the same on both sides).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vmlab::fidelity {

struct ProcVma {
  std::uint64_t start = 0, end = 0;
  std::string perms;
  std::uint64_t offset = 0;
  std::string name;
  std::map<std::string, std::string> fields;  // smaps "Rss" -> "8 kB", "VmFlags" -> "rd wr ..."
};

// The smaps fields a record compares, in smaps order.
inline constexpr const char* kSmapsFields[] = {"Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean",
                                               "Private_Dirty", "Anonymous", "AnonHugePages", "Swap", "VmFlags"};

// Accepts maps text (no fields) or smaps text.
std::vector<ProcVma> parse_smaps(std::string_view text);

}  // namespace vmlab::fidelity
