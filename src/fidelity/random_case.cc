// Random cases: a seeded sequence of valid and invalid steps over a few mappings,
// files and processes. The same seed and number always give the same case.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fidelity/fidelity.h"
#include "fidelity/rng.h"

namespace vmlab::fidelity {

namespace {

using nlohmann::json;

struct GenProc {
  std::string name;
  std::vector<std::string> maps;  // names bound in this process
  bool is_main = false;
};

class Generator {
 public:
  Generator(std::uint64_t seed, std::uint64_t n) : r_(seed * 0x100000001b3ULL ^ (n + 1) * 0x9e3779b97f4a7c15ULL) {}

  json run() {
    json steps = json::array();
    procs_.push_back({"main", {}, true});
    // One or two files.
    const int files = static_cast<int>(r_.range(1, 2));
    for (int i = 0; i < files; ++i) {
      const std::string name = "f" + std::to_string(i);
      json s{{"op", "file"}, {"name", name}};
      if (r_.chance(20)) s["size"] = r_.range(1, 12 * 4096);
      else s["pages"] = r_.range(1, 24);
      if (r_.chance(15)) s["fill"] = "zero";
      steps.push_back(s);
      files_.push_back(name);
    }
    const int n = static_cast<int>(r_.range(6, 26));
    for (int i = 0; i < n; ++i) step(steps);
    for (const auto& p : procs_) steps.push_back(with_proc({{"op", "observe"}}, p));
    return steps;
  }

 private:
  json with_proc(json s, const GenProc& p) {
    if (!p.is_main) s["proc"] = p.name;
    return s;
  }

  std::string prot() {
    static const std::vector<std::string> p = {"rw", "rw", "rw", "r", "r", "none", "rx", "rwx", "w"};
    return r_.pick(p);
  }

  // A range inside or around one of the process's mappings.
  void add_range(json& s, GenProc& p, bool allow_unaligned) {
    s["map"] = r_.pick(p.maps);
    const std::int64_t page = r_.chance(70) ? 0 : r_.range(0, 6);
    if (page) s["page"] = page;
    if (r_.chance(60)) s["pages"] = r_.range(1, 10);
    if (allow_unaligned && r_.chance(5)) s["byte"] = r_.range(1, 4095);
    if (r_.chance(3)) s["len"] = 0;
  }

  void step(json& steps) {
    GenProc& p = procs_[r_.below(procs_.size())];
    const std::uint64_t roll = r_.below(100);
    if (p.maps.empty() || roll < 22) return mmap(steps, p);
    if (roll < 30) return steps.push_back(with_proc(touch(p), p));
    if (roll < 40) return steps.push_back(with_proc(access(p), p));
    if (roll < 46) {
      json s{{"op", "munmap"}};
      add_range(s, p, true);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 54) {
      json s{{"op", "mprotect"}, {"prot", r_.chance(3) ? json(0x10) : json(prot())}};
      add_range(s, p, true);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 63) {
      static const std::vector<std::string> adv = {"dontneed", "dontneed", "dontneed", "normal", "random", "sequential",
                                                   "willneed", "dontfork", "dofork", "wipeonfork", "keeponfork", "free",
                                                   "cold", "populate_read", "populate_write", "remove", "dontdump"};
      json s{{"op", "madvise"}, {"advice", r_.chance(4) ? json(99) : json(r_.pick(adv))}};
      add_range(s, p, true);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 67) {
      static const std::vector<std::string> fl = {"sync", "async", "sync|invalidate", "invalidate", "sync|async"};
      json s{{"op", "msync"}, {"flags", r_.pick(fl)}};
      add_range(s, p, true);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 72) {
      json s{{"op", "mremap"}, {"map", target(p)}};
      if (r_.chance(30)) s["pages"] = r_.range(1, 8);
      s["new_pages"] = r_.chance(5) ? 0 : r_.range(1, 16);
      static const std::vector<std::string> fl = {"maymove", "maymove", "0", "maymove|fixed", "fixed", "maymove|dontunmap"};
      const std::string f = r_.pick(fl);
      s["flags"] = f == "0" ? json(0) : json(f);
      if (f.find("fixed") != std::string::npos || f.find("dontunmap") != std::string::npos) {
        s["to"] = json{{"map", target(p)}, {"page", r_.range(-8, 8)}};
      }
      const std::string as = "R" + std::to_string(next_map_++);
      s["as"] = as;
      p.maps.push_back(as);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 76) {
      json s{{"op", "brk"}, {"delta_pages", r_.range(-3, 6)}};
      // The heap is a range for munmap, mprotect and accesses, never a placement target:
      // below it the host has the runner's own program, vmlab nothing.
      if (std::find(p.maps.begin(), p.maps.end(), "heap") == p.maps.end()) p.maps.push_back("heap");
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 82) {
      if (procs_.size() >= 4) return steps.push_back(with_proc({{"op", "observe"}}, p));
      GenProc c{"p" + std::to_string(next_proc_++), p.maps, false};
      steps.push_back(with_proc({{"op", "fork"}, {"child", c.name}}, p));
      procs_.push_back(c);
      return;
    }
    if (roll < 85) {
      // A child exits (never the main process).
      std::vector<std::size_t> children;
      for (std::size_t i = 0; i < procs_.size(); ++i) {
        if (!procs_[i].is_main) children.push_back(i);
      }
      if (children.empty()) return steps.push_back(with_proc({{"op", "observe"}}, p));
      const std::size_t k = children[r_.below(children.size())];
      steps.push_back(with_proc({{"op", "exit"}, {"code", r_.range(0, 3)}}, procs_[k]));
      procs_.erase(procs_.begin() + static_cast<std::ptrdiff_t>(k));
      return;
    }
    if (roll < 90) {
      const std::string f = r_.pick(files_);
      const std::uint64_t k = r_.below(4);
      if (k == 0) return steps.push_back(with_proc({{"op", "truncate"}, {"name", f}, {"size", r_.range(0, 16 * 4096)}}, p));
      if (k == 1) return steps.push_back(with_proc({{"op", "evict"}, {"name", f}}, p));
      return steps.push_back(with_proc({{"op", "fwrite"}, {"name", f}, {"off", r_.range(0, 20 * 4096)}, {"data", "rnd"}}, p));
    }
    steps.push_back(with_proc({{"op", "observe"}}, p));
  }

  void mmap(json& steps, GenProc& p) {
    const std::string name = "M" + std::to_string(next_map_++);
    json s{{"op", "mmap"}, {"map", name}};
    const std::uint64_t kind = r_.below(10);
    std::string flags;
    bool file = false;
    if (kind < 4) {
      flags = "private|anonymous";
    } else if (kind < 5) {
      flags = "shared|anonymous";
    } else if (kind < 8) {
      flags = "private";
      file = true;
    } else {
      flags = "shared";
      file = true;
    }
    s["pages"] = r_.chance(3) ? 0 : r_.range(1, 20);
    s["prot"] = prot();
    if (file) {
      s["file"] = r_.pick(files_);
      if (r_.chance(25)) s["open"] = "r";
      if (r_.chance(25)) s["offset_pages"] = r_.range(0, 6);
      if (r_.chance(3)) s["offset"] = 100;
    }
    if (!p.maps.empty() && (p.maps.size() > 1 || p.maps[0] != "heap") && r_.chance(25)) {
      s["at"] = json{{"map", target(p)}, {"page", r_.range(-6, 10)}};
      const std::uint64_t k = r_.below(3);
      if (k == 0) flags += "|fixed";
      else if (k == 1) flags += "|fixed_noreplace";
    }
    if (r_.chance(8)) flags += "|populate";
    if (r_.chance(5)) flags += "|noreserve";
    if (r_.chance(3)) flags = "anonymous";  // no type: EINVAL
    s["flags"] = flags;
    p.maps.push_back(name);
    steps.push_back(with_proc(s, p));
  }

  // A mapping to place another relative to (not the heap).
  std::string target(GenProc& p) {
    std::vector<std::string> v;
    for (const auto& m : p.maps) {
      if (m != "heap") v.push_back(m);
    }
    return v.empty() ? std::string("heap-none") : r_.pick(v);
  }

  json touch(GenProc& p) {
    json s{{"op", "touch"}, {"map", r_.pick(p.maps)}, {"write", r_.chance(50)}};
    if (r_.chance(40)) s["page"] = r_.range(0, 8);
    if (r_.chance(50)) s["pages"] = r_.range(1, 12);
    return s;
  }

  json access(GenProc& p) {
    json s{{"map", r_.pick(p.maps)}, {"off", r_.range(0, 10 * 4096)}};
    if (r_.chance(50)) {
      s["op"] = "load";
      s["len"] = r_.range(1, 16);
    } else {
      s["op"] = "store";
      s["data"] = "x" + std::to_string(r_.below(1000));
    }
    return s;
  }

  Rng r_;
  std::vector<GenProc> procs_;
  std::vector<std::string> files_;
  int next_map_ = 0;
  int next_proc_ = 1;
};

}  // namespace

Case random_case(std::uint64_t seed, std::uint64_t n) {
  Case c;
  c.name = "random-" + std::to_string(seed) + "-" + std::to_string(n);
  Generator g(seed, n);
  c.steps = g.run();
  return c;
}

}  // namespace vmlab::fidelity
