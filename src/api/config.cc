// The machine config. One table of key descriptors drives TOML files, `--set` overrides,
// validate() and to_toml(), so each key's name, type and limits are written once.
#include "vmlab/config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>
#include <variant>

namespace vmlab {
namespace {

constexpr std::uint64_t TiB = 1024 * GiB;
constexpr std::int64_t kPage = static_cast<std::int64_t>(kPageSize);
constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

// How a key is written in TOML.
enum class Kind {
  Int,    // an integer
  Size,   // bytes: an integer, or a string with a binary suffix ("512M", "2GiB")
  Limit,  // a Size or "unlimited" (stored as all ones, like RLIM_INFINITY)
  Bool,
  Arch,   // "x86_64" or "riscv64"
  Device, // "nvme", "ssd" or "hdd"
};

// A pointer to the field a key sets, in one particular config.
using Field = std::variant<std::uint64_t*, std::uint32_t*, std::int64_t*, int*, bool*, Layout*, SwapDevice*>;
struct Unlimited {};
// A key's value on its way between TOML and the field; integers as TOML has them.
using Value = std::variant<std::int64_t, Unlimited, bool, Layout, SwapDevice>;
// A condition beyond the range: returns the problem, or nullptr when the value is fine.
using Rule = const char* (*)(std::int64_t);

struct Key {
  std::string_view name;  // the TOML path: "cpu.l1d_tlb.entries"
  Kind kind;
  Field (*field)(MachineConfig&);
  std::int64_t min = 0;  // the accepted integer range (also keeps the value in its field's type)
  std::int64_t max = kI64Max;
  Rule rule = nullptr;
  std::int64_t (*adjust)(std::int64_t) = nullptr;  // rewrites an input value, as some sysctls do
};

const char* page_multiple(std::int64_t v) {
  return v % kPage == 0 ? nullptr : "must be a multiple of 4 KiB";
}

const char* page_power_of_two(std::int64_t v) {
  return v >= kPage && (v & (v - 1)) == 0 ? nullptr : "must be a power of two multiple of 4 KiB";
}

// As fault_around_bytes_set(): round down to a power-of-two number of pages, at least one.
std::int64_t round_fault_around(std::int64_t v) {
  std::int64_t bytes = kPage;
  while (bytes * 2 <= v) bytes *= 2;
  return bytes;
}

#define FIELD(member) [](MachineConfig& c) -> Field { return &c.member; }

// Every key, in the order to_toml() writes them; a table's keys stay together.
const Key kKeys[] = {
    {"memory.ram", Kind::Size, FIELD(ram_bytes), 16 * MiB, TiB, page_multiple},
    {"memory.contents", Kind::Bool, FIELD(contents)},
    {"memory.swap", Kind::Size, FIELD(swap_bytes), 0, TiB, page_multiple},
    {"memory.swap_device", Kind::Device, FIELD(swap_device)},
    {"cpu.count", Kind::Int, FIELD(cpus), 1, 64},
    {"cpu.gbpages", Kind::Bool, FIELD(gbpages)},
    {"cpu.l1d_tlb.entries", Kind::Int, FIELD(l1d_tlb.entries), 1, kU32Max},
    {"cpu.l1d_tlb.ways", Kind::Int, FIELD(l1d_tlb.ways), 1, kU32Max},
    {"cpu.l1i_tlb.entries", Kind::Int, FIELD(l1i_tlb.entries), 1, kU32Max},
    {"cpu.l1i_tlb.ways", Kind::Int, FIELD(l1i_tlb.ways), 1, kU32Max},
    {"cpu.l2_tlb.entries", Kind::Int, FIELD(l2_tlb.entries), 1, kU32Max},
    {"cpu.l2_tlb.ways", Kind::Int, FIELD(l2_tlb.ways), 1, kU32Max},
    {"vm.overcommit_memory", Kind::Int, FIELD(overcommit_memory), 0, 2},
    {"vm.overcommit_ratio", Kind::Int, FIELD(overcommit_ratio), 0, kIntMax},
    {"vm.overcommit_kbytes", Kind::Int, FIELD(overcommit_kbytes)},
    {"vm.admin_reserve_kbytes", Kind::Int, FIELD(admin_reserve_kbytes), -1},
    {"vm.user_reserve_kbytes", Kind::Int, FIELD(user_reserve_kbytes), -1},
    {"vm.max_map_count", Kind::Int, FIELD(max_map_count), 0, kIntMax},
    {"vm.mmap_min_addr", Kind::Int, FIELD(mmap_min_addr), 0, kI64Max, page_multiple},
    {"vm.swappiness", Kind::Int, FIELD(swappiness), 0, 200},
    {"vm.min_free_kbytes", Kind::Int, FIELD(min_free_kbytes), -1},
    {"vm.watermark_scale_factor", Kind::Int, FIELD(watermark_scale_factor), 1, 3000},
    {"vm.page-cluster", Kind::Int, FIELD(page_cluster), 0, 31},
    {"vm.zero_page", Kind::Bool, FIELD(zero_page)},
    // Linux takes any value up to one page table's reach and rounds it down.
    {"vm.fault_around_bytes", Kind::Int, FIELD(fault_around_bytes), 0, 2 * MiB,
     page_power_of_two, round_fault_around},
    {"vm.read_ahead_kb", Kind::Int, FIELD(read_ahead_kb)},
    {"process.stack_rlimit", Kind::Limit, FIELD(stack_rlimit), 128 * KiB},
    {"process.data_rlimit", Kind::Limit, FIELD(data_rlimit)},
    {"fs.root_size", Kind::Size, FIELD(root_fs_bytes), 1 * MiB, TiB, page_multiple},
    {"kernel.dmesg_restrict", Kind::Int, FIELD(dmesg_restrict), 0, 1},
    {"kernel.console_loglevel", Kind::Int, FIELD(console_loglevel), 0, 8},
    {"layout.arch", Kind::Arch, FIELD(layout)},
    {"layout.aslr", Kind::Bool, FIELD(aslr)},
    {"layout.seed", Kind::Int, FIELD(seed)},
    {"cost.instruction", Kind::Int, FIELD(cost_instruction_ns)},
    {"cost.tlb_walk", Kind::Int, FIELD(cost_tlb_walk_ns)},
    {"cost.minor_fault", Kind::Int, FIELD(cost_minor_fault_ns)},
    {"cost.page_zero", Kind::Int, FIELD(cost_page_zero_ns)},
    {"cost.page_copy", Kind::Int, FIELD(cost_page_copy_ns)},
    {"cost.disk_read", Kind::Int, FIELD(cost_disk_read_ns)},
    {"cost.disk_write", Kind::Int, FIELD(cost_disk_write_ns)},
};
#undef FIELD

const Key* find_key(std::string_view name) {
  for (const Key& k : kKeys)
    if (k.name == name) return &k;
  return nullptr;
}

// Whether `path` names a table of keys ("cpu", "cpu.l1d_tlb").
bool is_table_name(std::string_view path) {
  for (const Key& k : kKeys)
    if (k.name.size() > path.size() && k.name.starts_with(path) && k.name[path.size()] == '.')
      return true;
  return false;
}

[[noreturn]] void fail(std::string_view source, std::string_view what) {
  throw ConfigError(fmt::format("{}: {}", source, what));
}

// User text fit for a one-line message (control characters escaped); `quote` adds quotes.
std::string printable(std::string_view s, bool quote = false) {
  std::string out = quote ? "\"" : "";
  for (char ch : s) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '\n') out += "\\n";
    else if (byte < 0x20 || byte == 0x7f) out += fmt::format("\\x{:02x}", byte);
    else out += (quote && (ch == '"' || ch == '\\')) ? std::string{'\\', ch} : std::string{ch};
  }
  return quote ? out + '"' : out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// "512M", "2GiB", "64k", "1TB", "4096", "4096B": bytes, with binary multiples.
std::optional<std::int64_t> parse_size(std::string_view s) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
    n = n * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (n > static_cast<std::uint64_t>(kI64Max)) return std::nullopt;
  }
  if (i == 0) return std::nullopt;
  std::string_view unit = s.substr(i);
  unsigned shift = 0;
  if (!unit.empty()) {
    constexpr std::string_view kLetters = "KMGT";
    const auto letter = kLetters.find(static_cast<char>(unit[0] & ~0x20));  // upper case
    if (letter != std::string_view::npos) {
      shift = 10 * static_cast<unsigned>(letter + 1);
      unit.remove_prefix(1);
      if (unit == "iB") unit = {};
    }
    if (!unit.empty() && unit != "B") return std::nullopt;
  }
  if (n > (static_cast<std::uint64_t>(kI64Max) >> shift)) return std::nullopt;
  return static_cast<std::int64_t>(n << shift);
}

// The shortest exact spelling: "2G", "512M", or plain bytes.
std::string format_size(std::int64_t n) {
  constexpr std::pair<char, unsigned> kUnits[] = {{'T', 40}, {'G', 30}, {'M', 20}, {'K', 10}};
  for (auto [letter, shift] : kUnits)
    if (n > 0 && n % (std::int64_t{1} << shift) == 0)
      return fmt::format("{}{}", n >> shift, letter);
  return std::to_string(n);
}

// A node's value as the message shows it after "got".
std::string describe(const toml::node& n) {
  if (auto s = n.as_string()) return printable(s->get(), true);
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  if (auto f = n.as_floating_point()) {  // keep a float looking like one: 1000.0, not 1000
    const std::string text = fmt::format("{}", f->get());
    return text.find_first_of(".ena") == std::string::npos ? text + ".0" : text;
  }
  if (n.is_table()) return "a table";
  if (n.is_array()) return "an array";
  return "a date or time";
}

// Reads `n` as a value of key `k`, or fails naming the key and what it wants.
Value parse_value(const toml::node& n, const Key& k, std::string_view source) {
  const toml::value<std::string>* s = n.as_string();
  const char* want = "must be an integer";
  if (k.kind == Kind::Bool) {
    if (auto b = n.as_boolean()) return Value{std::in_place_type<bool>, b->get()};
    want = "must be true or false";
  } else if (k.kind == Kind::Arch) {
    if (s && s->get() == "x86_64") return Layout::x86_64;
    if (s && s->get() == "riscv64") return Layout::riscv64;
    want = "must be \"x86_64\" or \"riscv64\"";
  } else if (k.kind == Kind::Device) {
    for (SwapDevice d : {SwapDevice::nvme, SwapDevice::ssd, SwapDevice::hdd}) {
      if (s && s->get() == swap_device_name(d)) return d;
    }
    want = "must be \"nvme\", \"ssd\" or \"hdd\"";
  } else if (auto i = n.as_integer()) {
    return i->get();
  } else if (k.kind != Kind::Int) {
    if (s && k.kind == Kind::Limit && s->get() == "unlimited") return Unlimited{};
    if (auto bytes = s ? parse_size(s->get()) : std::nullopt) return *bytes;
    want = k.kind == Kind::Limit ? "must be bytes, a size such as \"512M\", or \"unlimited\""
                                 : "must be bytes or a size such as \"512M\"";
  }
  fail(source, fmt::format("{}: {} (got {})", k.name, want, describe(n)));
}

// What is wrong with integer `v` for key `k`, or "" when nothing is.
std::string problem(const Key& k, std::int64_t v) {
  const bool size = k.kind == Kind::Size || k.kind == Kind::Limit;
  auto show = [size](std::int64_t n) { return size ? format_size(n) : std::to_string(n); };
  std::string want;
  if (v >= k.min && v <= k.max) {
    if (k.rule && k.rule(v)) want = k.rule(v);
  } else if (k.max <= k.min + 2) {  // few choices: name them all
    want = k.max == k.min + 1 ? fmt::format("must be {} or {}", k.min, k.max)
                              : fmt::format("must be {}, {} or {}", k.min, k.min + 1, k.max);
  } else if (v < k.min) {
    want = k.min == 0 ? "must not be negative" : fmt::format("must be at least {}", show(k.min));
  } else {
    want = fmt::format("must be at most {}", show(k.max));
  }
  return want.empty() ? want : fmt::format("{} (got {})", want, show(v));
}

template <typename T>
constexpr bool kIsInteger = !std::is_same_v<T, bool> && !std::is_same_v<T, Layout> && !std::is_same_v<T, SwapDevice>;

Value load(MachineConfig& c, const Key& k) {
  return std::visit([&](auto* p) -> Value {
    using T = std::remove_pointer_t<decltype(p)>;
    if constexpr (!kIsInteger<T>) return Value{std::in_place_type<T>, *p};
    else if (k.kind == Kind::Limit && *p == std::numeric_limits<T>::max()) return Unlimited{};
    else return static_cast<std::int64_t>(*p);
  }, k.field(c));
}

// Stores a value that parse_value() produced for this key and problem() accepted.
void store(MachineConfig& c, const Key& k, const Value& v) {
  std::visit([&](auto* p) {
    using T = std::remove_pointer_t<decltype(p)>;
    if constexpr (!kIsInteger<T>) *p = std::get<T>(v);
    else if (std::holds_alternative<Unlimited>(v)) *p = std::numeric_limits<T>::max();
    else *p = static_cast<T>(std::get<std::int64_t>(v));
  }, k.field(c));
}

void assign(MachineConfig& c, const Key& k, Value v, std::string_view source) {
  if (auto* n = std::get_if<std::int64_t>(&v)) {
    if (k.adjust && *n >= k.min && *n <= k.max) *n = k.adjust(*n);
    if (std::string p = problem(k, *n); !p.empty())
      fail(source, fmt::format("{}: {}", k.name, p));
  }
  store(c, k, v);
}

void apply_table(MachineConfig& c, const toml::table& t, const std::string& prefix,
                 std::string_view source) {
  for (auto&& [key, node] : t) {
    const std::string path =
        prefix.empty() ? std::string(key.str()) : fmt::format("{}.{}", prefix, key.str());
    // A quoted key holding a dot ("vm.swappiness" = 1 inside [vm]) is not one of ours.
    const bool plain = key.str().find('.') == std::string_view::npos;
    if (const Key* k = plain ? find_key(path) : nullptr) {
      assign(c, *k, parse_value(node, *k, source), source);
    } else if (plain && is_table_name(path)) {
      const toml::table* sub = node.as_table();
      if (!sub) fail(source, fmt::format("{}: must be a table (got {})", path, describe(node)));
      apply_table(c, *sub, path, source);
    } else {
      const char* what = node.is_table() ? "table" : "key";
      fail(source, fmt::format("unknown {} {}", what, printable(path)));
    }
  }
}

std::string toml_text(const Key& k, const Value& v) {
  if (std::holds_alternative<Unlimited>(v)) return "\"unlimited\"";
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (auto* l = std::get_if<Layout>(&v))
    return *l == Layout::riscv64 ? R"("riscv64")" : R"("x86_64")";
  if (auto* d = std::get_if<SwapDevice>(&v)) return fmt::format("\"{}\"", swap_device_name(*d));
  const std::int64_t n = std::get<std::int64_t>(v);
  if (k.kind == Kind::Int) return std::to_string(n);
  std::string size = format_size(n);
  return size.back() >= '0' && size.back() <= '9' ? size : printable(size, true);
}

std::string read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(path, fmt::format("cannot read: {}", std::strerror(errno)));
  std::string text;
  char buf[1 << 16];
  std::size_t got;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, got);
  const int err = std::ferror(f) ? errno : 0;  // a directory opens, then fails with EISDIR
  std::fclose(f);
  if (err != 0) fail(path, fmt::format("cannot read: {}", std::strerror(err)));
  return text;
}

// The TLB indexes a set with address bits, so the set count must be a power of two.
void check_tlb(std::string_view name, const TlbGeometry& g) {
  const std::uint32_t sets = g.entries / g.ways;
  std::string want;
  if (g.entries % g.ways != 0)
    want = fmt::format("entries must be a multiple of ways (got {} entries, {} ways)", g.entries,
                       g.ways);
  else if ((sets & (sets - 1)) != 0)
    want = fmt::format("entries / ways must be a power of two (got {} / {} = {} sets)", g.entries,
                       g.ways, sets);
  if (!want.empty()) throw ConfigError(fmt::format("{}: {}", name, want));
}

}  // namespace

MachineConfig MachineConfig::from_file(const std::string& path) {
  MachineConfig c;
  c.apply_toml(read_file(path), path);
  try {
    c.validate();
  } catch (const ConfigError& e) {
    fail(path, e.what());
  }
  return c;
}

void MachineConfig::apply_toml(std::string_view text, std::string_view source_name) {
  toml::table doc;
  try {
    doc = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    fail(fmt::format("{}:{}:{}", source_name, e.source().begin.line, e.source().begin.column),
         printable(e.description()));
  }
  MachineConfig next = *this;  // all or nothing: a bad key leaves this config as it was
  apply_table(next, doc, "", source_name);
  *this = next;
}

void MachineConfig::apply_override(std::string_view assignment) {
  const std::string source = "--set " + printable(assignment);
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos) fail(source, "expected key=value");
  const std::string_view name = trim(assignment.substr(0, eq));
  const std::string_view text = trim(assignment.substr(eq + 1));
  const Key* k = find_key(name);
  if (!k) fail(source, fmt::format("unknown key {}", printable(name)));
  // The value as TOML (false, "512M", 0x10000); failing that, the bare text as a string.
  toml::table doc;
  try {
    doc = toml::parse(fmt::format("v = {}", text));
  } catch (const toml::parse_error&) {
  }
  const toml::value<std::string> bare{std::string(text)};
  const toml::node* node = doc.size() == 1 ? doc.get("v") : nullptr;
  assign(*this, *k, parse_value(node ? *node : bare, *k, source), source);
}

void MachineConfig::validate() const {
  MachineConfig c = *this;  // the key table hands out pointers into a mutable config
  for (const Key& k : kKeys) {
    const Value v = load(c, k);
    if (auto* n = std::get_if<std::int64_t>(&v))
      if (std::string p = problem(k, *n); !p.empty())
        throw ConfigError(fmt::format("{}: {}", k.name, p));
  }
  check_tlb("cpu.l1d_tlb", l1d_tlb);
  check_tlb("cpu.l1i_tlb", l1i_tlb);
  check_tlb("cpu.l2_tlb", l2_tlb);
}

std::string MachineConfig::to_toml() const {
  MachineConfig c = *this;
  std::string out;
  std::string_view table;
  for (const Key& k : kKeys) {
    const auto dot = k.name.rfind('.');
    const std::string_view t = k.name.substr(0, dot);
    if (t != table) {
      if (!out.empty()) out += '\n';
      out += fmt::format("[{}]\n", t);
      table = t;
    }
    out += fmt::format("{} = {}\n", k.name.substr(dot + 1), toml_text(k, load(c, k)));
  }
  return out;
}

}  // namespace vmlab
