#include "fidelity/memcg_stat.h"

#include <array>
#include <stdexcept>

namespace vmlab::fidelity {

namespace {

struct Field {
  std::string_view name;  // as compared: the v2 spelling
  std::string_view v1;    // in a v1 memory.stat
  bool cumulative;
};

// Those that both versions show (memory.stat's v1 local values; v2 has no totals). Not
// the LRU list sizes (inactive_anon, active_file, ...): a page waits for its list in a
// per-CPU batch, which on the host any other process on the case's CPU may drain at any
// moment (seen: inactive_anon 43, 62 or 64 pages after writing 64).
constexpr std::array<Field, 9> kStatFields{{
    {"anon", "rss", false},
    {"file", "cache", false},
    {"shmem", "shmem", false},
    {"file_mapped", "mapped_file", false},
    {"file_dirty", "dirty", false},
    {"swapcached", "swapcached", false},
    {"pgmajfault", "pgmajfault", true},
    {"workingset_refault_anon", "workingset_refault_anon", true},
    {"workingset_refault_file", "workingset_refault_file", true},
}};

std::uint64_t field(const std::map<std::string, std::uint64_t>& values, std::string_view name,
                    std::string_view file) {
  const auto it = values.find(std::string(name));
  if (it == values.end()) throw std::runtime_error(std::string(file) + " has no " + std::string(name));
  return it->second;
}

}  // namespace

bool memcg_field_is_cumulative(std::string_view name) {
  if (name == "oom_kill") return true;
  for (const Field& f : kStatFields) {
    if (f.name == name) return f.cumulative;
  }
  return false;
}

std::map<std::string, std::uint64_t> parse_name_value_lines(std::string_view text) {
  std::map<std::string, std::uint64_t> out;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    std::uint64_t v = 0;
    bool digits = space + 1 < line.size();
    for (char c : line.substr(space + 1)) {
      if (c < '0' || c > '9') {
        digits = false;
        break;
      }
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (digits) out.emplace(line.substr(0, space), v);
  }
  return out;
}

MemcgFields memcg_fields_from_v1(std::string_view memory_stat, std::string_view oom_control) {
  const auto stat = parse_name_value_lines(memory_stat);
  MemcgFields out;
  for (const Field& f : kStatFields) out.emplace(f.name, field(stat, f.v1, "memory.stat"));
  out.emplace("swap", field(stat, "swap", "memory.stat"));
  out.emplace("oom_kill", field(parse_name_value_lines(oom_control), "oom_kill", "memory.oom_control"));
  return out;
}

MemcgFields memcg_fields_from_v2(std::string_view memory_stat, std::string_view memory_events,
                                 std::uint64_t swap_current) {
  const auto stat = parse_name_value_lines(memory_stat);
  MemcgFields out;
  for (const Field& f : kStatFields) out.emplace(f.name, field(stat, f.name, "memory.stat"));
  const std::uint64_t cached = out.at("swapcached");
  out.emplace("swap", swap_current > cached ? swap_current - cached : 0);
  out.emplace("oom_kill", field(parse_name_value_lines(memory_events), "oom_kill", "memory.events"));
  return out;
}

}  // namespace vmlab::fidelity
