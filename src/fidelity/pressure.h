// A pressure case's setting: the memory cgroup its processes run in and the swap area
// beside it, from the case's "pressure" block:
//
//   "pressure": {"memory_max": "32M", "swap": "64M", "swap_max": "16M", "swappiness": 60}
//
// The host side makes a swap file of `swap` bytes and a memory cgroup limited to
// `memory_max` (and to `swap_max` of swap, when given); vmlab boots with the same swap
// area and makes the same group through its cgroup files. See docs/fidelity.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vmlab::fidelity {

struct PressureConfig {
  std::uint64_t memory_max = 0;            // bytes, a whole number of pages
  std::uint64_t swap = 64 << 20;           // bytes of the swap area; 0: none
  std::optional<std::uint64_t> swap_max;   // the group's swap limit in bytes; none: unlimited
  std::optional<int> swappiness;           // 0..200; none: the host's vm.swappiness
};

// Parses the block; throws std::invalid_argument naming the problem.
PressureConfig parse_pressure(const nlohmann::json& block);
nlohmann::json pressure_to_json(const PressureConfig& p);

// "32M", "64k", "1G" or a plain byte count: bytes (binary multiples). nullopt if malformed.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

}  // namespace vmlab::fidelity
