// /proc/vmstat, as vmstat_show() in mm/vmstat.c prints it: "name value" per line.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vmlab::proc {

// The counter names Linux 6.18 x86-64 prints, in its order (vmstat_text[] for the
// reference host's configuration: NUMA, THP, zswap, balloon, direct-map stats).
std::span<const std::string_view> vmstat_counter_names();

// Index of a name in vmstat_counter_names(), if Linux has it.
std::optional<std::size_t> vmstat_index(std::string_view name);

struct VmstatEntry {
  std::string_view name;
  std::uint64_t value = 0;
};

// One "name value\n" line per entry, in the order given.
std::string format_vmstat(std::span<const VmstatEntry> entries);

// The full file from values indexed like vmstat_counter_names(); missing values
// (a shorter span) print as 0.
std::string format_vmstat(std::span<const std::uint64_t> values);

}  // namespace vmlab::proc
