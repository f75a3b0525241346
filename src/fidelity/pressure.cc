#include "fidelity/pressure.h"

#include <stdexcept>
#include <string>

namespace vmlab::fidelity {

namespace {
constexpr std::uint64_t kPage = 4096;
// The host runs these cases for real: a limit or a swap file this large is a mistake in
// the case, not a test (the suite is meant to pressure a small group, never the host).
constexpr std::uint64_t kLargestLimit = 256 << 20;

std::uint64_t size_field(const nlohmann::json& block, const char* key) {
  const nlohmann::json& v = block.at(key);
  std::optional<std::uint64_t> bytes;
  if (v.is_number_unsigned()) bytes = v.get<std::uint64_t>();
  else if (v.is_string()) bytes = parse_byte_size(v.get<std::string>());
  if (!bytes) throw std::invalid_argument(std::string("pressure: ") + key + " must be a size such as \"32M\"");
  if (*bytes % kPage != 0) throw std::invalid_argument(std::string("pressure: ") + key + " must be whole pages");
  if (*bytes > kLargestLimit) throw std::invalid_argument(std::string("pressure: ") + key + " is over 256M");
  return *bytes;
}
}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  std::uint64_t n = 0;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    if (n > (~std::uint64_t{0} >> 4) / 10) return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(text[digits++] - '0');
  }
  if (digits == 0) return std::nullopt;
  const std::string_view unit = text.substr(digits);
  if (unit.empty()) return n;
  if (unit.size() != 1) return std::nullopt;
  switch (unit[0]) {
    case 'k': case 'K': return n << 10;
    case 'm': case 'M': return n << 20;
    case 'g': case 'G': return n << 30;
    default: return std::nullopt;
  }
}

PressureConfig parse_pressure(const nlohmann::json& block) {
  if (!block.is_object()) throw std::invalid_argument("pressure must be an object");
  for (const auto& [key, value] : block.items()) {
    if (key != "memory_max" && key != "swap" && key != "swap_max" && key != "swappiness") {
      throw std::invalid_argument("pressure: unknown setting " + key);
    }
  }
  PressureConfig p;
  if (!block.contains("memory_max")) throw std::invalid_argument("pressure needs memory_max");
  p.memory_max = size_field(block, "memory_max");
  if (p.memory_max == 0) throw std::invalid_argument("pressure: memory_max must not be 0");
  if (block.contains("swap")) p.swap = size_field(block, "swap");
  if (block.contains("swap_max")) p.swap_max = size_field(block, "swap_max");
  if (block.contains("swappiness")) {
    const nlohmann::json& s = block["swappiness"];
    if (!s.is_number_integer() || s.get<int>() < 0 || s.get<int>() > 200) {
      throw std::invalid_argument("pressure: swappiness must be 0 to 200");
    }
    p.swappiness = s.get<int>();
  }
  return p;
}

nlohmann::json pressure_to_json(const PressureConfig& p) {
  nlohmann::json j{{"memory_max", p.memory_max}, {"swap", p.swap}};
  if (p.swap_max) j["swap_max"] = *p.swap_max;
  if (p.swappiness) j["swappiness"] = *p.swappiness;
  return j;
}

}  // namespace vmlab::fidelity
