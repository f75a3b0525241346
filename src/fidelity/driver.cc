#include "fidelity/driver.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "fidelity/procmaps.h"
#include "fidelity/swap_priming.h"

namespace vmlab::fidelity {

namespace {

constexpr std::uint64_t kPage = 4096;

using nlohmann::json;

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument(what); }

// Parses "a|b|c" against a table of names, or takes a number.
int parse_names(const json& v, const std::map<std::string, int>& table, const char* what) {
  if (v.is_number_integer()) return v.get<int>();
  if (!v.is_string()) bad(std::string("bad ") + what);
  std::string s = v.get<std::string>();
  int out = 0;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t bar = s.find('|', pos);
    if (bar == std::string::npos) bar = s.size();
    std::string word = s.substr(pos, bar - pos);
    if (!word.empty()) {
      auto it = table.find(word);
      if (it != table.end()) {
        out |= it->second;
      } else {
        try {
          out |= std::stoi(word, nullptr, 0);
        } catch (...) {
          bad(std::string("unknown ") + what + " " + word);
        }
      }
    }
    pos = bar + 1;
  }
  return out;
}

}  // namespace

int parse_prot(const json& v) {
  if (v.is_number_integer()) return v.get<int>();
  if (!v.is_string()) bad("bad prot");
  std::string s = v.get<std::string>();
  if (s == "none" || s == "---" || s.empty()) return 0;
  if (s.find('|') != std::string::npos || s.find("0x") == 0) {
    return parse_names(v, {{"read", 1}, {"write", 2}, {"exec", 4}, {"sem", 8}, {"growsdown", 0x01000000},
                           {"growsup", 0x02000000}, {"none", 0}},
                       "prot");
  }
  int p = 0;
  for (char ch : s) {
    if (ch == 'r') p |= 1;
    else if (ch == 'w') p |= 2;
    else if (ch == 'x') p |= 4;
    else if (ch != '-') bad("bad prot " + s);
  }
  return p;
}

int parse_map_flags(const json& v) {
  static const std::map<std::string, int> t = {
      {"shared", 0x01},      {"private", 0x02},   {"shared_validate", 0x03}, {"fixed", 0x10},
      {"anonymous", 0x20},   {"anon", 0x20},      {"growsdown", 0x100},      {"denywrite", 0x800},
      {"executable", 0x1000}, {"locked", 0x2000}, {"noreserve", 0x4000},     {"populate", 0x8000},
      {"nonblock", 0x10000}, {"stack", 0x20000},  {"hugetlb", 0x40000},      {"sync", 0x80000},
      {"fixed_noreplace", 0x100000}, {"32bit", 0x40}};
  return parse_names(v, t, "mmap flag");
}

int parse_advice(const json& v) {
  static const std::map<std::string, int> t = {
      {"normal", 0},     {"random", 1},       {"sequential", 2},     {"willneed", 3},      {"dontneed", 4},
      {"free", 8},       {"remove", 9},       {"dontfork", 10},      {"dofork", 11},       {"mergeable", 12},
      {"unmergeable", 13}, {"hugepage", 14},  {"nohugepage", 15},    {"dontdump", 16},     {"dodump", 17},
      {"wipeonfork", 18}, {"keeponfork", 19}, {"cold", 20},          {"pageout", 21},      {"populate_read", 22},
      {"populate_write", 23}, {"dontneed_locked", 24}, {"collapse", 25}};
  return parse_names(v, t, "advice");
}

int parse_msync_flags(const json& v) {
  return parse_names(v, {{"async", 1}, {"invalidate", 2}, {"sync", 4}}, "msync flag");
}

int parse_mremap_flags(const json& v) {
  return parse_names(v, {{"maymove", 1}, {"fixed", 2}, {"dontunmap", 4}}, "mremap flag");
}

std::string errno_text(int err) {
  const char* n = strerrorname_np(err);
  return n ? n : fmt::format("E{}", err);
}

namespace {

std::string hex_signed(std::int64_t v) {
  if (v < 0) return fmt::format("-{:#x}", static_cast<std::uint64_t>(-v));
  return fmt::format("+{:#x}", static_cast<std::uint64_t>(v));
}

std::string signal_text(const AccessOutcome& a, std::uint64_t base) {
  std::string name;
  std::string code = std::to_string(a.code);
  if (a.signo == 11) {
    name = "SIGSEGV";
    if (a.code == 1) code = "SEGV_MAPERR";
    if (a.code == 2) code = "SEGV_ACCERR";
  } else if (a.signo == 7) {
    name = "SIGBUS";
    if (a.code == 1) code = "BUS_ADRALN";
    if (a.code == 2) code = "BUS_ADRERR";
    if (a.code == 3) code = "BUS_OBJERR";
  } else if (a.signo == 9) {
    name = "SIGKILL";
  } else {
    name = fmt::format("signal {}", a.signo);
  }
  return fmt::format("{} {} at {}", name, code, hex_signed(static_cast<std::int64_t>(a.addr - base)));
}

std::string hex_bytes(const std::string& s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

std::string unhex(const std::string& h) {
  if (h.size() % 2) bad("odd hex string");
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

struct Mapping {
  std::uint64_t start = 0;
  std::uint64_t len = 0;
};

struct Proc {
  std::string name;
  int slot = 0;
  int parent = -1;  // slot
  bool alive = true;
  bool killed = false;  // by the OOM killer (a pressure case): later steps in it are void
  std::map<std::string, Mapping> maps;
  std::uint64_t brk = 0;
  std::uint64_t heap_top = 0;  // highest page-aligned break seen
  bool heap_used = false;
  // "stack": the lowest address of [stack] when the case first named it. The two sides'
  // stacks differ in size and contents, so only its growth below that is compared.
  std::uint64_t stack0 = 0;
  std::uint64_t last_min = 0, last_maj = 0;
};

class Driver {
 public:
  Driver(const Case& c, Backend& b) : c_(c), b_(b) {}

  Record run() {
    Record rec;
    rec.name = c_.name;
    try {
      b_.start();
      brk0_ = b_.brk0();
      Proc main;
      main.name = "main";
      main.slot = 0;
      main.brk = brk0_;
      main.heap_top = brk0_;
      slots_[0] = true;
      procs_.push_back(main);
      if (c_.pressure) begin_pressure();
      int i = 0;
      for (const auto& s : c_.steps) {
        StepRecord sr;
        sr.index = i;
        const std::string op = s["op"].get<std::string>();
        const std::string pname = s.value("proc", "main");
        sr.label = fmt::format("{}:{}", i, op);
        if (s.contains("map") && s["map"].is_string()) sr.label += " " + s["map"].get<std::string>();
        if (pname != "main") sr.label += " (" + pname + ")";
        step(s, op, pname, sr);
        if (c_.pressure) record_kills(sr);
        if (s.contains("skip")) skip_fields(s["skip"], sr);
        rec.steps.push_back(std::move(sr));
        ++i;
      }
    } catch (const std::exception& e) {
      rec.error = e.what();
    }
    return rec;
  }

 private:
  Proc& proc(const std::string& name) {
    bool was_killed = false;
    for (auto& p : procs_) {
      if (p.name == name && p.alive) return p;
      was_killed = was_killed || (p.name == name && p.killed);
    }
    // Which process the OOM killer takes may vary on the host: a step in one it took is
    // an answer to compare (and a reason to rerun), not a malformed case.
    if (was_killed) throw KilledProc{name};
    bad("no live process " + name);
  }

  struct KilledProc {
    std::string name;
  };

  std::uint64_t page_of(const json& s, const char* key, std::uint64_t dflt = 0) {
    if (!s.contains(key)) return dflt;
    return s[key].get<std::int64_t>() * static_cast<std::int64_t>(kPage);
  }

  // An address: {"map": NAME, "page": N, "byte": B} | {"abs": A} | {"fence": PAGES}.
  std::uint64_t resolve(Proc& p, const json& at) {
    std::int64_t byte = at.value("byte", std::int64_t{0});
    std::int64_t page = at.value("page", std::int64_t{0});
    if (at.contains("abs")) return at["abs"].get<std::uint64_t>() + page * kPage + byte;
    if (at.contains("fence")) {
      return kFenceTop + at["fence"].get<std::int64_t>() * static_cast<std::int64_t>(kPage) + byte;
    }
    if (!at.contains("map")) bad("an address needs map, abs or fence");
    return map_start(p, at["map"].get<std::string>()) + page * kPage + byte;
  }

  std::uint64_t map_start(Proc& p, const std::string& name) {
    if (name == "heap") return brk0_;
    if (name == "stack") return stack_start(p);
    auto it = p.maps.find(name);
    if (it == p.maps.end()) throw MissingMap{name};
    return it->second.start;
  }
  std::uint64_t map_len(Proc& p, const std::string& name) {
    if (name == "heap") return p.heap_top - brk0_;
    auto it = p.maps.find(name);
    if (it == p.maps.end()) throw MissingMap{name};
    return it->second.len;
  }

  struct MissingMap {
    std::string name;
  };

  // The current lowest address of the process's [stack] VMA.
  std::uint64_t current_stack_start(Proc& p) {
    ObserveOutcome o = b_.observe(p.slot);
    for (const ProcVma& v : parse_smaps(o.maps.empty() ? o.smaps : o.maps)) {
      if (v.name == "[stack]") return v.start;
    }
    bad("the process has no [stack]");
  }
  std::uint64_t stack_start(Proc& p) {
    if (p.stack0 == 0) p.stack0 = current_stack_start(p);
    if (stack_ref_ == 0) stack_ref_ = p.stack0;
    return p.stack0;
  }

  // A range: "at" or "map"+"page"+"byte"; length "len" (bytes) or "pages" (default:
  // the rest of the mapping).
  std::pair<std::uint64_t, std::uint64_t> range(Proc& p, const json& s) {
    std::uint64_t addr;
    std::uint64_t dflt_len = 0;
    if (s.contains("at")) {
      addr = resolve(p, s["at"]);
    } else if (s.contains("map")) {
      const std::string m = s["map"].get<std::string>();
      const std::uint64_t start = map_start(p, m);
      const std::uint64_t off = page_of(s, "page") + s.value("byte", std::int64_t{0});
      addr = start + off;
      const std::uint64_t len = map_len(p, m);
      dflt_len = page_of(s, "page") < len ? len - page_of(s, "page") : 0;
    } else {
      bad("a range needs at or map");
    }
    std::uint64_t len = dflt_len;
    if (s.contains("len")) len = s["len"].get<std::uint64_t>();
    else if (s.contains("pages")) len = page_of(s, "pages");
    return {addr, len};
  }

  static std::string ret_text(std::int64_t r) { return r < 0 ? errno_text(static_cast<int>(-r)) : std::to_string(r); }
  // An address the case made: relative to the fence, or to the initial break when it
  // is nearer that (the two sides' heaps start at different places).
  std::string addr_text(std::int64_t r) const {
    if (r < 0 && r > -4096) return errno_text(static_cast<int>(-r));
    const auto a = static_cast<std::uint64_t>(r);
    const std::uint64_t to_fence = a > kFenceTop ? a - kFenceTop : kFenceTop - a;
    const std::uint64_t to_brk = a > brk0_ ? a - brk0_ : brk0_ - a;
    if (to_brk < to_fence && to_brk < (std::uint64_t{1} << 30)) return "brk0" + hex_signed(static_cast<std::int64_t>(a - brk0_));
    // Near the stack (a mapping placed relative to it): the two sides' stacks differ.
    if (stack_ref_ != 0 && a > kFenceTop && a - kFenceTop > (stack_ref_ > a ? stack_ref_ - a : a - stack_ref_)) {
      return "stack0" + hex_signed(static_cast<std::int64_t>(a - stack_ref_));
    }
    return "F" + hex_signed(static_cast<std::int64_t>(a - kFenceTop));
  }

  void bind(Proc& p, const json& s, const char* key, std::uint64_t start, std::uint64_t len) {
    if (s.contains(key) && s[key].is_string()) p.maps[s[key].get<std::string>()] = Mapping{start, len};
  }

  FileArg file_arg(const json& s) {
    FileArg f;
    if (s.contains("fd")) {
      const std::string k = s["fd"].get<std::string>();
      if (k == "bad") f.kind = FileArg::Kind::bad_fd;
      else if (k == "dir") f.kind = FileArg::Kind::directory;
      else bad("fd must be bad or dir");
      return f;
    }
    f.name = s["file"].get<std::string>();
    const std::string mode = s.value("open", "rw");
    if (mode == "r") f.open_flags = 0;
    else if (mode == "w") f.open_flags = 1;
    else if (mode == "rw") f.open_flags = 2;
    else bad("open must be r, w or rw");
    return f;
  }

  int free_slot() {
    for (int i = 0; i < kMaxProcs; ++i) {
      if (!slots_[i]) return i;
    }
    bad("too many processes");
  }

  void step(const json& s, const std::string& op, const std::string& pname, StepRecord& sr) {
    try {
      do_step(s, op, pname, sr);
    } catch (const MissingMap& m) {
      sr.add("ret", "no mapping " + m.name);
    } catch (const KilledProc& k) {
      sr.add("ret", "process " + k.name + " was killed");
    } catch (const ProcessKilled&) {
      // Killed in the middle of the step (by the OOM killer): there is nothing else it
      // could show; record_kills() says who died and how.
      sr.fields.clear();
      sr.add("sig", "SIGKILL");
    }
  }

  // A pressure case's processes start from the same state on both sides: the swap-in
  // readahead primed (swap_priming.h), then the counters taken as they stand.
  void begin_pressure() {
    if (c_.pressure->swap > 0) {
      for (const json& s : swap_priming_steps()) {
        StepRecord scratch;
        step(s, s["op"].get<std::string>(), "main", scratch);
        for (const auto& [field, value] : scratch.fields) {
          if (field == "sig") bad("priming the swap readahead failed: " + value);
        }
      }
      procs_[0].maps.erase(kPrimingMap);
    }
    const ObserveOutcome o = b_.observe(0);
    procs_[0].last_min = o.minflt;
    procs_[0].last_maj = o.majflt;
    rss_base_kb_ = o.vmrss_kb;
    last_sample_ = b_.sample_pressure();
  }

  Proc* live_proc_in(int slot) {
    for (auto& p : procs_) {
      if (p.alive && p.slot == slot) return &p;
    }
    return nullptr;
  }

  // The processes the OOM killer took during the step: each is reaped as Linux would
  // have it reaped, by its parent, or by the harness when it has none in the case, and
  // its wait status recorded ("killed.p1": "0x9", SIGKILL).
  void record_kills(StepRecord& sr) {
    std::vector<Proc*> victims;
    for (int slot : b_.take_killed()) {
      Proc* v = live_proc_in(slot);
      if (v == nullptr) bad(fmt::format("process slot {} died but was not running", slot));
      v->alive = false;
      v->killed = true;
      victims.push_back(v);
    }
    for (Proc* v : victims) {
      Proc* parent = v->parent >= 0 ? live_proc_in(v->parent) : nullptr;
      const std::int64_t status = parent ? b_.wait(parent->slot, v->slot) : b_.reap(v->slot);
      slots_[v->slot] = false;
      for (auto& q : procs_) {
        if (q.alive && q.parent == v->slot) q.parent = -2;
      }
      sr.add("killed." + v->name, fmt::format("{:#x}", status));
    }
  }

  // "skip": fields a step does not compare, as fnmatch(3) patterns ("memcg.*"): where
  // the host's own answer varies from run to run (docs/fidelity.md says which and why).
  static void skip_fields(const json& patterns, StepRecord& sr) {
    if (!patterns.is_array()) bad("skip must be a list of field patterns");
    std::erase_if(sr.fields, [&](const auto& f) {
      for (const auto& p : patterns) {
        if (::fnmatch(p.get<std::string>().c_str(), f.first.c_str(), 0) == 0) return true;
      }
      return false;
    });
  }

  // The pressure fields of an observe step: the process's VmRSS growth since the case
  // began and its VmSwap, then the group's: the memory cgroup's fields (what only grows,
  // as growth since the previous observe step) and the machine's swap-ins and swap-outs
  // since then.
  void observe_pressure(const ObserveOutcome& o, StepRecord& sr) {
    sr.add("vmrss", std::to_string(static_cast<std::int64_t>(o.vmrss_kb - rss_base_kb_)));
    sr.add("vmswap", std::to_string(o.vmswap_kb));
    observe_group(sr);
  }

  void observe_group(StepRecord& sr) {
    PressureSample now = b_.sample_pressure();
    for (const auto& [field, value] : now.memcg) {
      const auto before = last_sample_.memcg.find(field);
      const bool delta = memcg_field_is_cumulative(field) && before != last_sample_.memcg.end();
      sr.add("memcg." + field, std::to_string(delta ? value - before->second : value));
    }
    sr.add("pswpin", std::to_string(now.pswpin - last_sample_.pswpin));
    sr.add("pswpout", std::to_string(now.pswpout - last_sample_.pswpout));
    last_sample_ = std::move(now);
  }

  void do_step(const json& s, const std::string& op, const std::string& pname, StepRecord& sr) {
    if (op == "file") {
      Proc& p = proc(pname);
      const std::string fill = s.value("fill", s.contains("text") ? "text" : "pattern");
      Fill f = fill == "zero" ? Fill::zero : fill == "text" ? Fill::text : Fill::pattern;
      if (fill != "zero" && fill != "text" && fill != "pattern") bad("fill must be zero, pattern or text");
      std::string text = s.value("text", "");
      std::uint64_t size = s.contains("size") ? s["size"].get<std::uint64_t>()
                           : s.contains("pages") ? page_of(s, "pages")
                                                 : text.size();
      sr.add("ret", ret_text(b_.file_create(p.slot, s["name"].get<std::string>(), size, f, text)));
      return;
    }
    if (op == "fwrite") {
      Proc& p = proc(pname);
      std::string data = s.contains("hex") ? unhex(s["hex"].get<std::string>()) : s.value("data", "");
      sr.add("ret", ret_text(b_.file_write(p.slot, s["name"].get<std::string>(), s.value("off", std::uint64_t{0}), data)));
      return;
    }
    if (op == "truncate") {
      Proc& p = proc(pname);
      std::uint64_t size = s.contains("size") ? s["size"].get<std::uint64_t>() : page_of(s, "pages");
      sr.add("ret", ret_text(b_.file_truncate(p.slot, s["name"].get<std::string>(), size)));
      return;
    }
    if (op == "evict") {
      sr.add("ret", ret_text(b_.file_evict(proc(pname).slot, s["name"].get<std::string>())));
      return;
    }
    if (op == "unlink") {
      sr.add("ret", ret_text(b_.file_unlink(proc(pname).slot, s["name"].get<std::string>())));
      return;
    }
    if (op == "mmap") {
      Proc& p = proc(pname);
      const std::uint64_t len = s.contains("len") ? s["len"].get<std::uint64_t>() : page_of(s, "pages");
      const int prot = parse_prot(s.value("prot", json("rw")));
      const int flags = parse_map_flags(s.value("flags", json("private|anonymous")));
      std::uint64_t off = s.contains("offset") ? s["offset"].get<std::uint64_t>() : page_of(s, "offset_pages");
      std::uint64_t addr = s.contains("at") ? resolve(p, s["at"]) : 0;
      std::optional<FileArg> f;
      if (s.contains("file") || s.contains("fd")) f = file_arg(s);
      const std::int64_t r = b_.mmap(p.slot, addr, len, prot, flags, f ? &*f : nullptr, off);
      sr.add("ret", addr_text(r));
      if (r >= 0 || r <= -4096) bind(p, s, "map", static_cast<std::uint64_t>(r), (len + kPage - 1) & ~(kPage - 1));
      return;
    }
    if (op == "munmap" || op == "mprotect" || op == "madvise" || op == "msync") {
      Proc& p = proc(pname);
      auto [addr, len] = range(p, s);
      std::int64_t r;
      if (op == "munmap") r = b_.munmap(p.slot, addr, len);
      else if (op == "mprotect") r = b_.mprotect(p.slot, addr, len, parse_prot(s.at("prot")));
      else if (op == "madvise") r = b_.madvise(p.slot, addr, len, parse_advice(s.at("advice")));
      else r = b_.msync(p.slot, addr, len, parse_msync_flags(s.value("flags", json("sync"))));
      sr.add("ret", ret_text(r));
      return;
    }
    if (op == "mremap") {
      Proc& p = proc(pname);
      auto [addr, old_len] = range(p, s);
      std::uint64_t new_len = s.contains("new_len") ? s["new_len"].get<std::uint64_t>() : page_of(s, "new_pages");
      const int flags = parse_mremap_flags(s.value("flags", json(0)));
      std::uint64_t to = s.contains("to") ? resolve(p, s["to"]) : 0;
      const std::int64_t r = b_.mremap(p.slot, addr, old_len, new_len, flags, to);
      sr.add("ret", addr_text(r));
      if (r >= 0 || r <= -4096) {
        const std::uint64_t nl = (new_len + kPage - 1) & ~(kPage - 1);
        if (s.contains("as")) bind(p, s, "as", static_cast<std::uint64_t>(r), nl);
        else if (s.contains("map") && !s.contains("page") && !s.contains("byte")) bind(p, s, "map", static_cast<std::uint64_t>(r), nl);
      }
      return;
    }
    if (op == "brk") {
      Proc& p = proc(pname);
      std::uint64_t target;
      if (s.contains("to")) target = brk0_ + s["to"].get<std::int64_t>();
      else if (s.contains("to_pages")) target = brk0_ + page_of(s, "to_pages");
      else if (s.contains("delta")) target = p.brk + s["delta"].get<std::int64_t>();
      else if (s.contains("delta_pages")) target = p.brk + page_of(s, "delta_pages");
      else target = 0;
      const std::uint64_t r = b_.brk(p.slot, target);
      p.brk = r;
      p.heap_used = true;
      p.heap_top = std::max(p.heap_top, (r + kPage - 1) & ~(kPage - 1));
      sr.add("ret", "brk0" + hex_signed(static_cast<std::int64_t>(r - brk0_)));
      return;
    }
    if (op == "load" || op == "store") {
      Proc& p = proc(pname);
      std::uint64_t addr;
      if (s.contains("at")) addr = resolve(p, s["at"]);
      else addr = map_start(p, s.at("map").get<std::string>()) + page_of(s, "page") + s.value("off", std::int64_t{0});
      AccessOutcome a;
      if (op == "load") {
        a = b_.access(p.slot, addr, s.value("len", std::uint64_t{1}), {}, false);
      } else {
        std::string data;
        if (s.contains("hex")) data = unhex(s["hex"].get<std::string>());
        else if (s.contains("data")) data = s["data"].get<std::string>();
        else data = std::string(s.value("len", std::uint64_t{1}), static_cast<char>(s.value("value", 0x5a)));
        a = b_.access(p.slot, addr, data.size(), data, true);
      }
      if (a.signo) {
        sr.add("sig", signal_text(a, addr));
      } else {
        sr.add("ret", "ok");
        if (op == "load") sr.add("bytes", hex_bytes(a.bytes));
      }
      return;
    }
    if (op == "touch") {
      Proc& p = proc(pname);
      auto [addr, len] = range(p, s);
      const bool write = s.value("write", false);
      AccessOutcome a = b_.touch(p.slot, addr, len / kPage, write, static_cast<std::uint8_t>(s.value("value", 1)));
      if (a.signo) sr.add("sig", signal_text(a, addr));
      else sr.add("ret", "ok");
      return;
    }
    if (op == "fork") {
      Proc& p = proc(pname);
      const std::string child = s.at("child").get<std::string>();
      const int slot = free_slot();
      const std::int64_t r = b_.fork(p.slot, slot);
      sr.add("ret", ret_text(r));
      if (r >= 0) {
        Proc c = p;
        c.name = child;
        c.slot = slot;
        c.parent = p.slot;
        c.last_min = c.last_maj = 0;
        slots_[slot] = true;
        procs_.push_back(c);
      }
      return;
    }
    if (op == "exit") {
      Proc& p = proc(pname);
      if (p.parent == -1) bad("the main process cannot exit");
      b_.exit(p.slot, s.value("code", 0));
      p.alive = false;
      if (p.parent == -2) {  // its parent exited: nobody in the case waits for it
        slots_[p.slot] = false;
        sr.add("status", "reparented");
        return;
      }
      const int parent = p.parent, slot = p.slot;
      const std::int64_t st = b_.wait(parent, slot);
      slots_[slot] = false;
      // Its children are reparented (away from the case).
      for (auto& q : procs_) {
        if (q.alive && q.parent == slot) q.parent = -2;
      }
      sr.add("status", fmt::format("{:#x}", st));
      return;
    }
    if (op == "settle") {
      if (!c_.pressure) bad("settle needs a pressure case");
      b_.settle();
      return;
    }
    if (op == "oom_score_adj") {
      sr.add("ret", ret_text(b_.set_oom_score_adj(proc(pname).slot, s.at("value").get<int>())));
      return;
    }
    if (op == "mincore") {
      Proc& p = proc(pname);
      auto [addr, len] = range(p, s);
      const MincoreOutcome m = b_.mincore(p.slot, addr, len);
      sr.add("ret", ret_text(m.ret));
      if (m.ret == 0) sr.add("resident", m.resident);
      return;
    }
    if (op == "observe_group") {
      // The group and the swap traffic alone: what is left when no process is.
      if (!c_.pressure) bad("observe_group needs a pressure case");
      observe_group(sr);
      return;
    }
    if (op == "observe") {
      Proc& p = proc(pname);
      ObserveOutcome o = b_.observe(p.slot);
      sr.add("minflt", std::to_string(o.minflt - p.last_min));
      sr.add("majflt", std::to_string(o.majflt - p.last_maj));
      if (c_.pressure) observe_pressure(o, sr);
      p.last_min = o.minflt;
      p.last_maj = o.majflt;
      std::vector<ProcVma> vmas = parse_smaps(o.smaps.empty() ? o.maps : o.smaps);
      std::vector<std::string> names;
      if (s.contains("maps")) {
        for (const auto& n : s["maps"]) names.push_back(n.get<std::string>());
      } else {
        for (const auto& [n, m] : p.maps) names.push_back(n);
        if (p.heap_used) names.push_back("heap");
      }
      if (p.stack0 != 0) {
        for (const ProcVma& v : vmas) {
          if (v.name == "[stack]") sr.add("stack.grown_pages", std::to_string((p.stack0 - v.start) / kPage));
        }
      }
      const std::string prefix = b_.file_prefix();
      for (const auto& n : names) {
        std::uint64_t start, len;
        try {
          start = map_start(p, n);
          len = map_len(p, n);
        } catch (const MissingMap&) {
          sr.add("vmas." + n, "no mapping");
          continue;
        }
        int k = 0;
        for (const ProcVma& v : vmas) {
          if (v.end <= start || v.start >= start + len) continue;
          std::string name = v.name;
          if (name.compare(0, prefix.size(), prefix) == 0) name = name.substr(prefix.size());
          // The fence's far end depends on the runner's own mappings (the host's
          // libraries below its stack), not on the case: shown only as beyond the range.
          const std::string end = name == ".fence" && v.end > start + len
                                      ? std::string("beyond")
                                      : hex_signed(static_cast<std::int64_t>(v.end - start));
          sr.add(fmt::format("maps.{}[{}]", n, k),
                 fmt::format("{}..{} {} {:08x} {}", hex_signed(static_cast<std::int64_t>(v.start - start)), end,
                             v.perms, v.offset, name));
          if (!o.smaps.empty()) {
            for (const char* f : kSmapsFields) {
              auto it = v.fields.find(f);
              sr.add(fmt::format("smaps.{}[{}].{}", n, k, f), it == v.fields.end() ? "-" : it->second);
            }
          }
          ++k;
        }
        sr.add("vmas." + n, std::to_string(k));
      }
      return;
    }
    bad("unknown op " + op);
  }

  const Case& c_;
  Backend& b_;
  std::uint64_t brk0_ = 0;
  std::uint64_t stack_ref_ = 0;  // the first process's stack0, for addresses near the stack
  std::vector<Proc> procs_;
  bool slots_[kMaxProcs] = {};
  // Pressure cases: the main process's VmRSS before the case, and the counters at the
  // previous observe step.
  std::uint64_t rss_base_kb_ = 0;
  PressureSample last_sample_;
};

}  // namespace

Record run_case(const Case& c, Backend& backend) {
  Driver d(c, backend);
  return d.run();
}

}  // namespace vmlab::fidelity
