// Random pressure cases: a seeded mix of the pressure operations (pages written and read
// back, paged out with MADV_PAGEOUT, settled, aged with MADV_COLD, dropped, shared with a
// forked child, unmapped; shared anonymous memory; a file mapped) in a small memory
// cgroup with swap. The same seed and number always give the same case.
//
// The generator keeps count of the pages the case may have charged to its group. While
// that stays below the limit, nothing but the case's own MADV_PAGEOUT swaps, and every
// field is compared. Once it may have reached the limit, the group reclaims on its own,
// racing the disk's writes, and an observe step skips what that race decides on Linux
// (docs/fidelity.md, "Pressure suite"): the faults, the sizes and the swap traffic.
// What was written must still read back.
#include <algorithm>
#include <string>
#include <vector>

#include "fidelity/fidelity.h"
#include "fidelity/rng.h"

namespace vmlab::fidelity {

namespace {

using nlohmann::json;

constexpr std::int64_t kPage = 4096;

// What a case shows once its group may have reclaimed by itself.
const json kRacyUnderLimit = json::array({"majflt", "minflt", "vmrss", "vmswap", "memcg.*", "pswp*", "smaps.*"});

struct GenMap {
  std::string name;
  std::int64_t pages = 0;
  bool shared = false;      // MAP_SHARED: one copy whoever touches it
  bool file = false;
  std::int64_t touched = 0;  // pages the case has touched (a bound on what it charged)
};

struct GenProc {
  std::string name;
  std::vector<GenMap> maps;
  bool is_main = false;
};

class PressureGenerator {
 public:
  PressureGenerator(std::uint64_t seed, std::uint64_t n)
      : r_(seed * 0x100000001b3ULL ^ (n + 1) * 0xd1b54a32d192ed03ULL) {}

  json pressure() {
    limit_pages_ = r_.pick(std::vector<std::int64_t>{4096, 6144, 8192});  // 16, 24, 32 MiB
    json p{{"memory_max", std::to_string(limit_pages_ / 256) + "M"}, {"swap", "64M"}};
    if (r_.chance(30)) p["swappiness"] = r_.pick(std::vector<int>{0, 100, 200});
    return p;
  }

  json steps() {
    json steps = json::array();
    procs_.push_back({"main", {}, true});
    if (r_.chance(30)) {
      file_pages_ = r_.range(16, 512);
      steps.push_back({{"op", "file"}, {"name", "f"}, {"pages", file_pages_}});
    }
    const int n = static_cast<int>(r_.range(8, 24));
    for (int i = 0; i < n; ++i) step(steps);
    for (const auto& p : procs_) steps.push_back(observe(p));
    return steps;
  }

 private:
  json with_proc(json s, const GenProc& p) const {
    if (!p.is_main) s["proc"] = p.name;
    return s;
  }

  json observe(const GenProc& p) const {
    json s = with_proc({{"op", "observe"}}, p);
    if (over_limit_) s["skip"] = kRacyUnderLimit;
    return s;
  }

  // Charges `pages` more pages at most; past the limit (less a margin for the page
  // tables and the charge batches) the group may reclaim by itself from here on.
  void charge(std::int64_t pages) {
    charged_ += pages;
    if (charged_ > limit_pages_ - 512) over_limit_ = true;
  }

  GenMap& pick_map(GenProc& p) { return p.maps[r_.below(p.maps.size())]; }

  // A range of a mapping: json with map/page/pages, and how many pages it covers.
  std::int64_t add_range(json& s, const GenMap& m) {
    s["map"] = m.name;
    if (r_.chance(50)) return m.pages;
    const std::int64_t first = r_.range(0, m.pages - 1);
    const std::int64_t count = r_.range(1, m.pages - first);
    if (first) s["page"] = first;
    s["pages"] = count;
    return count;
  }

  void step(json& steps) {
    GenProc& p = procs_[r_.below(procs_.size())];
    const std::uint64_t roll = r_.below(100);
    if (p.maps.empty() || roll < 15) return mmap(steps, p);
    GenMap& m = pick_map(p);
    if (roll < 40) {
      json s{{"op", "touch"}, {"write", r_.chance(60)}, {"value", r_.range(1, 255)}};
      const std::int64_t pages = add_range(s, m);
      charge(m.shared && !s["write"].get<bool>() && !m.file ? 0 : pages);
      m.touched = std::min(m.pages, m.touched + pages);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 52) {
      // Settled at once: a later step that frees a page still under writeback (munmap,
      // exit, MADV_DONTNEED) leaves it in the swap cache or not as the disk decides
      // (swapcached varied so in a generated case before this rule). The named cases
      // look at writeback in flight where its outcome is fixed.
      json s{{"op", "madvise"}, {"advice", "pageout"}};
      add_range(s, m);
      steps.push_back(with_proc(s, p));
      steps.push_back({{"op", "settle"}});
      return;
    }
    if (roll < 57) {
      json s{{"op", "madvise"}, {"advice", r_.pick(std::vector<std::string>{"cold", "dontneed", "free"})}};
      add_range(s, m);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 67) {
      json s{{"op", r_.chance(50) ? "load" : "store"}, {"map", m.name}, {"page", r_.range(0, m.pages - 1)},
             {"off", r_.range(0, kPage - 8)}};
      if (s["op"] == "load") s["len"] = r_.range(1, 8);
      else s["data"] = "p" + std::to_string(r_.below(100));
      charge(1);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 72) {
      json s{{"op", "mincore"}};
      add_range(s, m);
      return steps.push_back(with_proc(s, p));
    }
    if (roll < 76) return steps.push_back({{"op", "settle"}});
    if (roll < 82) return fork(steps, p);
    if (roll < 86) return exit(steps);
    if (roll < 90) {
      json s{{"op", "munmap"}, {"map", m.name}};
      steps.push_back(with_proc(s, p));
      p.maps.erase(std::find_if(p.maps.begin(), p.maps.end(), [&](const GenMap& g) { return g.name == m.name; }));
      return;
    }
    steps.push_back(observe(p));
  }

  void mmap(json& steps, GenProc& p) {
    GenMap m{"M" + std::to_string(next_map_++)};
    const std::uint64_t kind = r_.below(10);
    m.pages = r_.range(16, 2048);
    json s{{"op", "mmap"}, {"map", m.name}, {"prot", "rw"}};
    if (kind < 6 || file_pages_ == 0) {
      m.shared = kind == 5;
      s["flags"] = m.shared ? "shared|anonymous" : "private|anonymous";
    } else {
      m.file = true;
      m.shared = kind >= 8;
      m.pages = std::min(m.pages, file_pages_);
      s["file"] = "f";
      s["flags"] = m.shared ? "shared" : "private";
    }
    s["pages"] = m.pages;
    p.maps.push_back(m);
    steps.push_back(with_proc(s, p));
  }

  void fork(json& steps, GenProc& p) {
    if (procs_.size() >= 3) return steps.push_back(observe(p));
    GenProc c{"p" + std::to_string(next_proc_++), p.maps, false};
    steps.push_back(with_proc({{"op", "fork"}, {"child", c.name}}, p));
    // The child's private pages become its own when either side writes them.
    for (const GenMap& m : p.maps) charge(m.shared ? 0 : m.touched);
    procs_.push_back(c);
  }

  void exit(json& steps) {
    std::vector<std::size_t> children;
    for (std::size_t i = 0; i < procs_.size(); ++i) {
      if (!procs_[i].is_main) children.push_back(i);
    }
    if (children.empty()) return steps.push_back(observe(procs_[0]));
    const std::size_t k = children[r_.below(children.size())];
    steps.push_back(with_proc({{"op", "exit"}, {"code", r_.range(0, 3)}}, procs_[k]));
    procs_.erase(procs_.begin() + static_cast<std::ptrdiff_t>(k));
  }

  Rng r_;
  std::vector<GenProc> procs_;
  std::int64_t limit_pages_ = 0;
  std::int64_t file_pages_ = 0;
  std::int64_t charged_ = 0;
  bool over_limit_ = false;
  int next_map_ = 0;
  int next_proc_ = 1;
};

}  // namespace

Case random_pressure_case(std::uint64_t seed, std::uint64_t n) {
  Case c;
  c.name = "pressure-random-" + std::to_string(seed) + "-" + std::to_string(n);
  PressureGenerator g(seed, n);
  c.pressure = parse_pressure(g.pressure());
  c.steps = g.steps();
  return c;
}

}  // namespace vmlab::fidelity
