// Random sequences of memory and file operations on several processes of one Machine,
// checked step by step against the shadow model (shadow_model.h) and the consistency
// checker. Fixed seeds keep CI deterministic; a failure prints the seed, the step and
// every operation so far, and the run can be replayed alone with
//   VMLAB_RANDOM_SEED=<seed> VMLAB_RANDOM_STEPS=<n> [VMLAB_RANDOM_CONTENTS=0]
//   [VMLAB_RANDOM_ZERO_PAGE=0] unit_random --gtest_filter='*Replay*'
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "unit/random/shadow_model.h"
#include "vmlab/machine.h"

namespace vmlab {
namespace {

using shadow::AccessOutcome;
using shadow::Kind;
using shadow::kPg;
using shadow::Model;
using shadow::Ofd;
using shadow::Page;
using shadow::ProcState;

constexpr std::uint64_t kTaskSize = 0x7ffffffff000ULL;
constexpr std::uint64_t kMmapBase = kTaskSize - 128 * MiB;  // no ASLR, 8 MiB stack limit
constexpr int kMaxProcs = 6;
constexpr int kFiles = 3;
constexpr std::uint64_t kManyPages = 3000;  // above this a process unmaps more than it maps

struct RunConfig {
  std::uint64_t seed = 1;
  int steps = 2000;
  bool contents = true;
  bool zero_page = true;
};

std::string prot_str(int prot) {
  if (prot == 0) return "NONE";
  std::string s;
  if (prot & kProtRead) s += "R";
  if (prot & kProtWrite) s += "W";
  if (prot & kProtExec) s += "X";
  return s;
}

std::string sig_str(const AccessOutcome& o) {
  if (o.ok()) return "ok";
  return fmt::format("{}/{}@{:#x}", signal_name(o.sig), o.code, o.addr);
}

AccessOutcome outcome_of(const SigInfo& s) { return {s.signo, s.code, s.addr}; }

template <class T>
std::string res_str(const Result<T>& r) {
  if (r.ok()) {
    if constexpr (std::is_same_v<T, void>) return "0";
    else return fmt::format("{:#x}", *r);
  }
  return std::string(errno_name(r.error()));
}

std::string err_str(const std::optional<Errno>& e) { return e ? std::string(errno_name(*e)) : "0"; }

struct MapsLine {
  std::uint64_t start = 0, end = 0;
  std::string perms;
  std::uint64_t offset = 0;
  std::string name;
};

std::vector<MapsLine> parse_maps(const std::string& text) {
  std::vector<MapsLine> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    MapsLine l;
    std::istringstream ls(line);
    std::string range, dev, inode;
    ls >> range >> l.perms >> std::hex >> l.offset >> dev >> std::dec >> inode;
    const auto dash = range.find('-');
    l.start = std::stoull(range.substr(0, dash), nullptr, 16);
    l.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    std::string rest;
    std::getline(ls, rest);
    const auto first = rest.find_first_not_of(' ');
    l.name = first == std::string::npos ? "" : rest.substr(first);
    out.push_back(l);
  }
  return out;
}

class Runner {
 public:
  explicit Runner(const RunConfig& rc) : rc_(rc), model_(rc.contents), rng_(rc.seed) {
    MachineConfig mc;
    mc.ram_bytes = 256 * MiB;
    mc.contents = rc.contents;
    mc.zero_page = rc.zero_page;
    m_ = std::make_unique<Machine>(mc);
  }

  // Runs every step; false (with the report in failure()) at the first disagreement.
  bool run() {
    if (!setup()) return false;
    for (step_ = 0; step_ < rc_.steps; ++step_) {
      if (!one_step()) return false;
      if (!check_machine()) return false;
      if (step_ % 500 == 499 && !full_scan()) return false;
    }
    step_ = rc_.steps;
    log("final scan");
    return full_scan();
  }

  const std::string& failure() const { return failure_; }
  const std::vector<std::string>& trace() const { return trace_; }

 private:
  // ---- randomness and reporting -----------------------------------------------------

  // Uniform in [lo, hi], the same on every standard library (the distributions of
  // <random> are not specified bit for bit).
  std::uint64_t u(std::uint64_t lo, std::uint64_t hi) { return lo + rng_() % (hi - lo + 1); }
  bool chance(unsigned percent) { return u(0, 99) < percent; }

  void log(std::string s) { trace_.push_back(fmt::format("{:5}: {}", step_, std::move(s))); }
  void note(const std::string& s) { trace_.back() += " " + s; }

  bool fail(const std::string& what) {
    std::string t = fmt::format("seed {} (contents={}, zero_page={}), step {}: {}\nreplay: VMLAB_RANDOM_SEED={} "
                                "VMLAB_RANDOM_STEPS={} VMLAB_RANDOM_CONTENTS={} VMLAB_RANDOM_ZERO_PAGE={} "
                                "unit_random --gtest_filter='*Replay*'\noperations so far:\n",
                                rc_.seed, rc_.contents, rc_.zero_page, step_, what, rc_.seed, step_ + 1,
                                rc_.contents ? 1 : 0, rc_.zero_page ? 1 : 0);
    for (const std::string& l : trace_) t += l + "\n";
    failure_ = std::move(t);
    return false;
  }

  bool check_machine() {
    CheckReport r = m_->check();
    if (r.ok()) return true;
    std::string s = "Machine::check() after the step:";
    for (const std::string& p : r.problems) s += "\n    " + p;
    return fail(s);
  }

  // ---- processes -------------------------------------------------------------------------

  Process& handle(int pid) { return handles_.at(pid); }

  bool open_files(Process& h, ProcState& ps) {
    for (int f = 0; f < kFiles; ++f) {
      for (bool rw : {true, false}) {
        auto fd = h.open(model_.file(f).path, rw ? kORdwr : kORdonly);
        if (!fd) return fail("open " + model_.file(f).path + ": " + std::string(errno_name(fd.error())));
        auto ofd = std::make_shared<Ofd>();
        ofd->file = f;
        ofd->readable = true;
        ofd->writable = rw;
        ps.fds[*fd] = ofd;
      }
    }
    return true;
  }

  bool spawn() {
    Process h = m_->spawn("rand");
    const VirtAddr brk = h.brk(0);
    ProcState& ps = model_.add_proc(h.pid(), 1, brk);
    handles_.emplace(h.pid(), h);
    log(fmt::format("spawn -> pid {} (brk {:#x})", h.pid(), brk));
    return open_files(handles_.at(h.pid()), ps);
  }

  bool setup() {
    for (int f = 0; f < kFiles; ++f) {
      std::vector<std::uint8_t> bytes(u(0, 40) * kPg + (chance(70) ? u(0, kPg - 1) : 0));
      for (auto& b : bytes) b = static_cast<std::uint8_t>(u(0, 255));
      const std::string path = fmt::format("/tmp/f{}", f);
      auto r = m_->write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      if (!r) return fail("write_file " + path);
      model_.add_file(path, bytes);
      log(fmt::format("write_file {} ({} bytes)", path, bytes.size()));
    }
    return spawn() && check_machine();
  }

  // Runs of steps by one process: its TLB entries and the MRU translation survive
  // between them (a switch to another process flushes them), so stale entries show.
  int pick_pid() {
    if (model_.has_proc(last_pid_) && model_.proc(last_pid_).alive && chance(60)) return last_pid_;
    std::vector<int> live = model_.live_pids();
    last_pid_ = live[u(0, live.size() - 1)];
    return last_pid_;
  }

  // A page number: mostly near what is mapped, else in the mmap area or around the heap.
  std::uint64_t pick_page(const ProcState& ps) {
    if (ps.pid == last_pid_ && last_page_ != 0 && chance(25)) return last_page_;
    last_page_ = pick_page_anew(ps);
    return last_page_;
  }
  std::uint64_t pick_page_anew(const ProcState& ps) {
    const unsigned r = static_cast<unsigned>(u(0, 99));
    if (r < 65 && !ps.pages.empty()) {
      auto it = ps.pages.begin();
      std::advance(it, static_cast<std::ptrdiff_t>(u(0, ps.pages.size() - 1)));
      std::uint64_t pn = it->first;
      if (chance(30)) pn = pn + u(0, 4) - 2;
      return pn;
    }
    if (r < 85) return kMmapBase / kPg - u(1, 2048);
    return ps.start_brk / kPg + u(0, 136) - 8;
  }

  // unmapped_area_topdown() from mmap_base: the highest free range that fits (the
  // stack lies above mmap_base, so only the model's pages can be in the way).
  std::uint64_t highest_fit(const ProcState& ps, std::uint64_t pages) {
    std::uint64_t top = kMmapBase / kPg;
    for (auto it = std::make_reverse_iterator(ps.pages.lower_bound(top)); it != ps.pages.rend(); ++it) {
      if (top - (it->first + 1) >= pages) break;
      top = it->first;
    }
    return (top - pages) * kPg;
  }

  std::pair<int, std::shared_ptr<Ofd>> pick_fd(const ProcState& ps) {
    auto it = ps.fds.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(u(0, ps.fds.size() - 1)));
    return *it;
  }

  int pick_prot() {
    const unsigned r = static_cast<unsigned>(u(0, 99));
    if (r < 45) return kProtRead | kProtWrite;
    if (r < 70) return kProtRead;
    if (r < 82) return kProtNone;
    if (r < 85) return kProtWrite;  // readable too on x86 (no execute-only here: pkeys may take it)
    return kProtRead | kProtExec;
  }

  // ---- comparing accesses --------------------------------------------------------------

  bool same_access(const char* what, const AccessOutcome& want, const AccessOutcome& got) {
    if (want.sig == got.sig && want.code == got.code && want.addr == got.addr) return true;
    return fail(fmt::format("{}: vmlab gave {}, the model expects {}", what, sig_str(got), sig_str(want)));
  }

  // Compares bytes read at `va` with the model, adopting the unknown ones.
  bool same_bytes(const char* what, ProcState& ps, VirtAddr va, const std::uint8_t* got, std::uint64_t len) {
    std::vector<std::uint8_t> want(len);
    std::unique_ptr<bool[]> unknown(new bool[len]);
    model_.expected(ps, va, len, want.data(), unknown.get());
    if (std::memcmp(want.data(), got, len) == 0) {
      model_.adopt(ps, va, got, len);
      return true;
    }
    const bool* unk = unknown.get();
    const std::uint8_t* exp = want.data();
    for (std::uint64_t i = 0; i < len; ++i) {
      if (!unk[i] && exp[i] != got[i]) {
        const Page& pg = ps.pages.at((va + i) / kPg);
        return fail(fmt::format("{}: byte at {:#x} is {:#04x}, the model expects {:#04x} ({} page, obj {} index {}{})",
                                what, va + i, got[i], want[i], kind_name(pg.kind), pg.obj, pg.index,
                                pg.copied ? ", private copy" : ""));
      }
    }
    model_.adopt(ps, va, got, len);
    return true;
  }

  template <class T>
  bool load_as(Process& h, ProcState& ps, VirtAddr va) {
    const AccessOutcome want = model_.check_access(ps, va, sizeof(T), false);
    Access<T> v = h.load<T>(va);
    note(fmt::format("-> {}", v.ok() ? fmt::format("{:#x}", static_cast<std::uint64_t>(*v)) : sig_str(outcome_of(v.error()))));
    if (!same_access("load", want, v.ok() ? AccessOutcome{} : outcome_of(v.error()))) return false;
    if (!v.ok()) return true;
    std::uint8_t got[sizeof(T)];
    T value = *v;
    std::memcpy(got, &value, sizeof(T));
    return same_bytes("load", ps, va, got, sizeof(T));
  }

  template <class T>
  bool store_as(Process& h, ProcState& ps, VirtAddr va) {
    T value{};
    for (std::size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>((value << 8) | u(0, 255));
    note(fmt::format("value {:#x}", static_cast<std::uint64_t>(value)));
    const AccessOutcome want = model_.check_access(ps, va, sizeof(T), true);
    Access<bool> r = h.store<T>(va, value);
    note(fmt::format("-> {}", r.ok() ? "ok" : sig_str(outcome_of(r.error()))));
    if (!same_access("store", want, r.ok() ? AccessOutcome{} : outcome_of(r.error()))) return false;
    if (r.ok()) {
      std::uint8_t bytes[sizeof(T)];
      std::memcpy(bytes, &value, sizeof(T));
      model_.store(ps, va, bytes, sizeof(T));
    } else {
      model_.write_faulted(ps, va, want.addr);
    }
    return true;
  }

  VirtAddr pick_access_addr(const ProcState& ps, std::uint64_t size, bool write) {
    VirtAddr va = pick_page(ps) * kPg;
    if (write && chance(40)) {
      // Stores land on writable pages often enough to build up contents.
      std::vector<std::uint64_t> w;
      for (const auto& [pn, pg] : ps.pages) {
        if (pg.prot & kProtWrite) w.push_back(pn);
      }
      if (!w.empty()) va = w[u(0, w.size() - 1)] * kPg;
    }
    // Mostly aligned and inside a page; sometimes across a page boundary.
    if (chance(15)) return va + kPg - u(1, size);
    return va + u(0, (kPg - size) / size) * size;
  }

  // ---- the operations --------------------------------------------------------------------

  bool op_load(int pid) {
    Process& h = handle(pid);
    ProcState& ps = model_.proc(pid);
    const unsigned w = static_cast<unsigned>(u(0, 3));
    const std::uint64_t size = 1u << w;
    const VirtAddr va = pick_access_addr(ps, size, false);
    log(fmt::format("pid {} load{} {:#x}", pid, size * 8, va));
    switch (w) {
      case 0: return load_as<std::uint8_t>(h, ps, va);
      case 1: return load_as<std::uint16_t>(h, ps, va);
      case 2: return load_as<std::uint32_t>(h, ps, va);
      default: return load_as<std::uint64_t>(h, ps, va);
    }
  }

  bool op_store(int pid) {
    Process& h = handle(pid);
    ProcState& ps = model_.proc(pid);
    const unsigned w = static_cast<unsigned>(u(0, 3));
    const std::uint64_t size = 1u << w;
    const VirtAddr va = pick_access_addr(ps, size, true);
    log(fmt::format("pid {} store{} {:#x}", pid, size * 8, va));
    switch (w) {
      case 0: return store_as<std::uint8_t>(h, ps, va);
      case 1: return store_as<std::uint16_t>(h, ps, va);
      case 2: return store_as<std::uint32_t>(h, ps, va);
      default: return store_as<std::uint64_t>(h, ps, va);
    }
  }

  // read_bytes / write_bytes of up to three pages.
  bool op_bytes(int pid, bool write) {
    Process& h = handle(pid);
    ProcState& ps = model_.proc(pid);
    const std::uint64_t len = u(1, 3 * kPg);
    const VirtAddr va = pick_page(ps) * kPg + (chance(50) ? u(0, kPg - 1) : 0);
    log(fmt::format("pid {} {} {:#x} len {:#x}", pid, write ? "write_bytes" : "read_bytes", va, len));
    const AccessOutcome want = model_.check_access(ps, va, len, write);
    std::vector<std::uint8_t> buf(len);
    if (write) {
      for (auto& b : buf) b = static_cast<std::uint8_t>(u(0, 255));
      Access<bool> r = h.write_bytes(va, buf);
      note("-> " + (r.ok() ? std::string("ok") : sig_str(outcome_of(r.error()))));
      if (!same_access("write_bytes", want, r.ok() ? AccessOutcome{} : outcome_of(r.error()))) return false;
      if (r.ok()) model_.store(ps, va, buf.data(), len);
      else model_.write_faulted(ps, va, want.addr);
      return true;
    }
    Access<bool> r = h.read_bytes(va, buf);
    note("-> " + (r.ok() ? std::string("ok") : sig_str(outcome_of(r.error()))));
    if (!same_access("read_bytes", want, r.ok() ? AccessOutcome{} : outcome_of(r.error()))) return false;
    if (r.ok()) return same_bytes("read_bytes", ps, va, buf.data(), len);
    return true;
  }

  bool op_mmap(int pid) {
    Process& h = handle(pid);
    ProcState& ps = model_.proc(pid);
    const std::uint64_t pages = u(1, 64);
    std::uint64_t len = pages * kPg;
    if (chance(20)) len -= u(0, kPg - 1);
    if (chance(2)) len = 0;
    const int prot = pick_prot();
    const unsigned kr = static_cast<unsigned>(u(0, 99));
    const Kind kind = kr < 35 ? Kind::anon_private : kr < 50 ? Kind::anon_shared : kr < 75 ? Kind::file_private : Kind::file_shared;
    const bool anon = kind == Kind::anon_private || kind == Kind::anon_shared;
    int flags = (kind == Kind::anon_shared || kind == Kind::file_shared) ? kMapShared : kMapPrivate;
    int fd = -1;
    std::uint64_t off = 0;
    std::shared_ptr<Ofd> ofd;
    bool bad_fd = false;
    if (anon) {
      flags |= kMapAnonymous;
    } else {
      std::tie(fd, ofd) = pick_fd(ps);
      off = u(0, 48) * kPg;
      if (chance(3)) off += u(1, kPg - 1);
      if (chance(3)) {
        fd = 77;
        bad_fd = true;
      }
    }
    if (chance(10)) flags |= kMapPopulate;
    if (chance(10)) flags |= kMapNoreserve;
    VirtAddr addr = 0;
    const unsigned pr = static_cast<unsigned>(u(0, 99));
    if (pr < 40) {
      addr = 0;
    } else if (pr < 65) {
      addr = pick_page(ps) * kPg + (chance(20) ? u(1, kPg - 1) : 0);
    } else if (pr < 92) {
      flags |= kMapFixed;
      addr = pick_page(ps) * kPg;
    } else if (pr < 95) {
      flags |= kMapFixed;
      addr = pick_page(ps) * kPg + u(1, kPg - 1);
    } else {
      flags |= kMapFixedNoreplace;
      addr = pick_page(ps) * kPg;
    }
    const bool fixed = flags & (kMapFixed | kMapFixedNoreplace);
    std::optional<Errno> err;
    if (off % kPg) err = Errno::inval;
    else if (bad_fd) err = Errno::badf;
    else if (len == 0) err = Errno::inval;
    // do_mmap() chooses (and checks) the address before it looks at the file.
    else if (fixed && addr % kPg) err = Errno::inval;
    else if ((flags & kMapFixedNoreplace) && model_.any_mapped(ps, addr / kPg, pages)) err = Errno::exist;
    else if (kind == Kind::file_shared && (prot & kProtWrite) && !ofd->writable) err = Errno::acces;

    log(fmt::format("pid {} mmap({:#x}, {:#x}, {}, {}{}{}{}{}{}, fd {}{}, off {:#x})", pid, addr, len, prot_str(prot),
                    kind_name(kind), (flags & kMapFixed) ? "|FIXED" : "", (flags & kMapFixedNoreplace) ? "|NOREPLACE" : "",
                    (flags & kMapPopulate) ? "|POPULATE" : "", (flags & kMapNoreserve) ? "|NORESERVE" : "",
                    (!anon && !bad_fd) ? fmt::format(" /tmp/f{}", ofd->file) : "", fd,
                    (ofd && !ofd->writable) ? " (O_RDONLY)" : "", off));
    Result<VirtAddr> r = h.mmap(addr, len, prot, flags, fd, off);
    note("-> " + res_str(r));
    if (err) {
      if (r.ok() || r.error() != *err) return fail(fmt::format("mmap: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
      return true;
    }
    if (!r.ok()) return fail("mmap: vmlab gave " + res_str(r) + ", the model expects success");
    const VirtAddr a = *r;
    if (a % kPg) return fail("mmap returned an unaligned address");
    if (fixed && a != addr) return fail("mmap MAP_FIXED placed the mapping elsewhere");
    if (!fixed) {
      // A free hint is taken, else the highest gap below mmap_base.
      const VirtAddr hint = addr & ~(kPg - 1);
      const VirtAddr want = (hint != 0 && !model_.any_mapped(ps, hint / kPg, pages)) ? hint : highest_fit(ps, pages);
      if (a != want) return fail(fmt::format("mmap placed the mapping at {:#x}, the model expects {:#x}", a, want));
    }
    model_.unmap(ps, a / kPg, pages);
    Page proto;
    proto.prot = prot;
    proto.kind = kind;
    if (kind == Kind::anon_shared) {
      proto.obj = model_.add_shm(pages);
    } else if (!anon) {
      proto.obj = ofd->file;
      proto.index = off / kPg;
      proto.maywrite = kind == Kind::file_private || ofd->writable;
    }
    model_.map(ps, a / kPg, pages, proto);
    if ((flags & kMapPopulate) && kind == Kind::file_private && (prot & kProtWrite)) {
      model_.populate_private_copies(ps, a / kPg, pages);
    }
    return true;
  }

  // A range [start, start + len) for munmap, mprotect, madvise, msync: page aligned
  // mostly, sometimes with an unaligned start, an unaligned or zero length.
  struct Range {
    VirtAddr start;
    std::uint64_t len;
    std::uint64_t pages() const { return (len + kPg - 1) / kPg; }
  };
  Range pick_range(int pid) {
    const ProcState& ps = model_.proc(pid);
    if (chance(20)) {
      // Exactly one VMA, as /proc/PID/maps shows it.
      std::vector<MapsLine> lines = parse_maps(handle(pid).proc("maps"));
      std::erase_if(lines, [](const MapsLine& l) { return l.name == "[stack]"; });
      if (!lines.empty()) {
        const MapsLine& l = lines[u(0, lines.size() - 1)];
        return Range{l.start, l.end - l.start};
      }
    }
    Range r{pick_page(ps) * kPg, u(1, 80) * kPg};
    if (chance(3)) r.start += u(1, kPg - 1);
    if (chance(15)) r.len -= u(1, kPg - 1);
    if (chance(3)) r.len = 0;
    return r;
  }

  bool op_munmap(int pid) {
    ProcState& ps = model_.proc(pid);
    const Range rg = pick_range(pid);
    log(fmt::format("pid {} munmap({:#x}, {:#x})", pid, rg.start, rg.len));
    std::optional<Errno> err;
    if (rg.start % kPg || rg.len == 0) err = Errno::inval;
    Result<void> r = handle(pid).munmap(rg.start, rg.len);
    note("-> " + res_str(r));
    if (r.ok() != !err || (err && r.error() != *err)) {
      return fail(fmt::format("munmap: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
    }
    if (!err) model_.unmap(ps, rg.start / kPg, rg.pages());
    return true;
  }

  bool op_mprotect(int pid) {
    ProcState& ps = model_.proc(pid);
    const Range rg = pick_range(pid);
    const int prot = pick_prot();
    log(fmt::format("pid {} mprotect({:#x}, {:#x}, {})", pid, rg.start, rg.len, prot_str(prot)));
    std::optional<Errno> err;
    if (rg.start % kPg) {
      err = Errno::inval;
    } else {
      // Page by page in address order: a hole is ENOMEM and a shared mapping of a
      // read-only file EACCES, with the pages before already changed.
      for (std::uint64_t i = 0; i < rg.pages(); ++i) {
        auto it = ps.pages.find(rg.start / kPg + i);
        if (it == ps.pages.end()) {
          err = Errno::nomem;
          break;
        }
        if ((prot & kProtWrite) && !it->second.maywrite) {
          err = Errno::acces;
          break;
        }
        it->second.prot = prot;
      }
    }
    Result<void> r = handle(pid).mprotect(rg.start, rg.len, prot);
    note("-> " + res_str(r));
    if (r.ok() != !err || (err && r.error() != *err)) {
      return fail(fmt::format("mprotect: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
    }
    return true;
  }

  bool op_madvise(int pid) {
    ProcState& ps = model_.proc(pid);
    const Range rg = pick_range(pid);
    static constexpr int kAdvice[] = {kMadvDontneed, kMadvFree,     kMadvWillneed,  kMadvDontfork, kMadvDofork,
                                      kMadvWipeonfork, kMadvKeeponfork, kMadvCold,   kMadvDontneed, kMadvWipeonfork};
    int advice = kAdvice[u(0, std::size(kAdvice) - 1)];
    if (chance(2)) advice = 999;
    log(fmt::format("pid {} madvise({:#x}, {:#x}, {})", pid, rg.start, rg.len, advice));
    std::optional<Errno> err;
    if (advice == 999 || rg.start % kPg) {
      err = Errno::inval;
    } else {
      bool hole = false;
      for (std::uint64_t i = 0; i < rg.pages(); ++i) {
        auto it = ps.pages.find(rg.start / kPg + i);
        if (it == ps.pages.end()) {
          hole = true;
          continue;
        }
        Page& pg = it->second;
        if ((advice == kMadvFree || advice == kMadvWipeonfork) && pg.kind != Kind::anon_private) {
          err = Errno::inval;  // anonymous private memory only
          break;
        }
        switch (advice) {
          case kMadvDontneed: model_.drop_private(pg); break;
          case kMadvDontfork: pg.dontfork = true; break;
          case kMadvDofork: pg.dontfork = false; break;
          case kMadvWipeonfork: pg.wipeonfork = true; break;
          case kMadvKeeponfork: pg.wipeonfork = false; break;
          default: break;  // FREE keeps the contents without reclaim; WILLNEED, COLD change none
        }
      }
      if (!err && hole) err = Errno::nomem;
    }
    Result<void> r = handle(pid).madvise(rg.start, rg.len, advice);
    note("-> " + res_str(r));
    if (r.ok() != !err || (err && r.error() != *err)) {
      return fail(fmt::format("madvise: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
    }
    return true;
  }

  bool op_msync(int pid) {
    ProcState& ps = model_.proc(pid);
    const Range rg = pick_range(pid);
    static constexpr int kFlags[] = {kMsAsync, kMsSync, kMsInvalidate, kMsAsync | kMsInvalidate, kMsSync | kMsInvalidate,
                                     0, kMsAsync | kMsSync, 8};
    const int flags = kFlags[u(0, std::size(kFlags) - 1)];
    log(fmt::format("pid {} msync({:#x}, {:#x}, {:#x})", pid, rg.start, rg.len, flags));
    std::optional<Errno> err;
    if ((flags & ~7) || rg.start % kPg || ((flags & kMsAsync) && (flags & kMsSync))) {
      err = Errno::inval;
    } else {
      for (std::uint64_t i = 0; i < rg.pages(); ++i) {
        auto it = ps.pages.find(rg.start / kPg + i);
        if (it == ps.pages.end()) err = Errno::nomem;
        else if (it->second.kind == Kind::file_shared) model_.writeback(it->second.obj);
      }
    }
    Result<void> r = handle(pid).msync(rg.start, rg.len, flags);
    note("-> " + res_str(r));
    if (r.ok() != !err || (err && r.error() != *err)) {
      return fail(fmt::format("msync: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
    }
    return true;
  }

  bool op_brk(int pid) {
    ProcState& ps = model_.proc(pid);
    VirtAddr req = ps.start_brk + (u(0, 98) - 2) * kPg + (chance(50) ? u(0, kPg - 1) : 0);
    if (chance(5)) req = 0;
    log(fmt::format("pid {} brk({:#x}) [brk {:#x}]", pid, req, ps.brk));
    const VirtAddr old = ps.brk;
    VirtAddr want = old;
    const std::uint64_t oldal = page_align_up(old) / kPg, newal = page_align_up(req) / kPg;
    if (req < ps.start_brk) {
      want = old;
    } else if (newal == oldal) {
      want = req;
    } else if (req <= old) {
      // Shrinking unmaps [newbrk, oldbrk), refused when nothing is mapped there.
      if (model_.any_mapped(ps, newal, oldal - newal)) {
        model_.unmap(ps, newal, oldal - newal);
        want = req;
      }
    } else if (!model_.any_mapped(ps, oldal, newal - oldal + 1)) {
      // Growing needs [oldbrk, newbrk) and one more page free.
      Page proto;
      proto.prot = kProtRead | kProtWrite;
      model_.map(ps, oldal, newal - oldal, proto);
      want = req;
    }
    ps.brk = want;
    const VirtAddr got = handle(pid).brk(req);
    note(fmt::format("-> {:#x}", got));
    if (got != want) return fail(fmt::format("brk: vmlab gave {:#x}, the model expects {:#x}", got, want));
    return true;
  }

  bool op_fork(int pid) {
    if (model_.live_pids().size() >= kMaxProcs) return op_wait(pid);
    log(fmt::format("pid {} fork", pid));
    Result<Process> r = handle(pid).fork();
    if (!r.ok()) return fail("fork: " + std::string(errno_name(r.error())));
    note(fmt::format("-> pid {}", r->pid()));
    model_.fork(model_.proc(pid), r->pid());
    handles_.emplace(r->pid(), *r);
    return true;
  }

  bool op_exit(int pid) {
    if (model_.live_pids().size() < 2) return op_fork(pid);
    const int code = static_cast<int>(u(0, 255));
    log(fmt::format("pid {} exit({})", pid, code));
    handle(pid).exit(code);
    model_.exit(model_.proc(pid), code << 8);
    handles_.erase(pid);
    return true;
  }

  bool op_wait(int pid) {
    log(fmt::format("pid {} wait(-1)", pid));
    Errno e{};
    auto want = model_.wait(model_.proc(pid), &e);
    Result<WaitStatus> r = handle(pid).wait(-1);
    note("-> " + (r.ok() ? fmt::format("{} status {:#x}", r->pid, r->status) : std::string(errno_name(r.error()))));
    if (!want) {
      if (r.ok() || r.error() != e) return fail("wait: the model expects " + std::string(errno_name(e)));
      return true;
    }
    if (!r.ok() || r->pid != want->first || r->status != want->second) {
      return fail(fmt::format("wait: the model expects pid {} status {:#x}", want->first, want->second));
    }
    return true;
  }

  // The descriptor's file may not be reached through the buffer: the result would
  // depend on the order in which the kernel copies (a case Linux leaves open).
  bool aliases_file(const ProcState& ps, VirtAddr buf, std::uint64_t len, int file, bool file_private_too) {
    for (std::uint64_t pn = buf / kPg; pn <= (buf + len - 1) / kPg; ++pn) {
      auto it = ps.pages.find(pn);
      if (it == ps.pages.end() || it->second.obj != file) continue;
      if (it->second.kind == Kind::file_shared) return true;
      if (file_private_too && it->second.kind == Kind::file_private && !it->second.copied) return true;
    }
    return false;
  }

  bool op_file_write(int pid, bool positional) {
    Process& h = handle(pid);
    ProcState& ps = model_.proc(pid);
    auto [fd, ofd] = pick_fd(ps);
    const std::uint64_t len = chance(30) ? u(1, 64) : u(1, 3 * kPg);
    const VirtAddr buf = pick_page(ps) * kPg + (chance(50) ? u(0, kPg - 1) : 0);
    const std::uint64_t pos = positional ? u(0, 60 * kPg) : ofd->pos;
    log(fmt::format("pid {} {}(fd {} /tmp/f{}{}, {:#x}, {:#x}{})", pid, positional ? "pwrite" : "write", fd, ofd->file,
                    ofd->writable ? "" : " O_RDONLY", buf, len, positional ? fmt::format(", {:#x}", pos) : ""));
    if (aliases_file(ps, buf, len, ofd->file, true)) {
      note("(skipped: the buffer maps the file)");
      return true;
    }
    std::optional<Errno> err;
    std::uint64_t n = 0;
    if (!ofd->writable) {
      err = Errno::badf;
    } else {
      // generic_perform_write(): the copy stops at the first source page that faults.
      n = model_.accessible_prefix(ps, buf, len, false);
      if (n == 0) err = Errno::fault;
    }
    Result<std::uint64_t> r = positional ? h.pwrite(fd, buf, len, pos) : h.write(fd, buf, len);
    note("-> " + res_str(r));
    if (err) {
      if (r.ok() || r.error() != *err) return fail(fmt::format("write: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
      return true;
    }
    if (!r.ok() || *r != n) return fail(fmt::format("write: vmlab gave {}, the model expects {:#x}", res_str(r), n));
    std::vector<std::uint8_t> bytes(n);
    std::unique_ptr<bool[]> unknown(new bool[n]);
    model_.expected(ps, buf, n, bytes.data(), unknown.get());
    model_.file_write(ofd->file, pos, bytes.data(), unknown.get(), n);
    if (!positional) ofd->pos += n;
    return true;
  }

  bool op_file_read(int pid, bool positional) {
    Process& h = handle(pid);
    ProcState& ps = model_.proc(pid);
    auto [fd, ofd] = pick_fd(ps);
    const std::uint64_t len = chance(30) ? u(1, 64) : u(1, 3 * kPg);
    const VirtAddr buf = pick_page(ps) * kPg + (chance(50) ? u(0, kPg - 1) : 0);
    const std::uint64_t pos = positional ? u(0, 60 * kPg) : ofd->pos;
    log(fmt::format("pid {} {}(fd {} /tmp/f{}, {:#x}, {:#x}{})", pid, positional ? "pread" : "read", fd, ofd->file, buf, len,
                    positional ? fmt::format(", {:#x}", pos) : ""));
    if (aliases_file(ps, buf, len, ofd->file, false)) {
      note("(skipped: the buffer maps the file shared)");
      return true;
    }
    std::vector<std::uint8_t> bytes(len);
    std::unique_ptr<bool[]> unknown(new bool[len]);
    const std::uint64_t avail = model_.file_read(ofd->file, pos, len, bytes.data(), unknown.get());
    std::optional<Errno> err;
    std::uint64_t n = 0;
    if (avail > 0) {
      // filemap_read(): the copy to the user stops at the first page that faults.
      n = model_.accessible_prefix(ps, buf, avail, true);
      if (n == 0) err = Errno::fault;
    }
    Result<std::uint64_t> r = positional ? h.pread(fd, buf, len, pos) : h.read(fd, buf, len);
    note("-> " + res_str(r));
    if (err) {
      if (r.ok() || r.error() != *err) return fail(fmt::format("read: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
      return true;
    }
    if (!r.ok() || *r != n) return fail(fmt::format("read: vmlab gave {}, the model expects {:#x}", res_str(r), n));
    if (n == 0) return true;
    // What landed in memory is the file's bytes: read it back, the unknown ones too.
    std::vector<std::uint8_t> seen(n);
    if (!h.read_bytes(buf, seen).ok()) return fail("read: the buffer cannot be read back");
    if (model_.contents()) {
      for (std::uint64_t i = 0; i < n; ++i) {
        if (!unknown[i] && seen[i] != bytes[i]) {
          return fail(fmt::format("read: byte {} of the buffer is {:#04x}, the file holds {:#04x}", i, seen[i], bytes[i]));
        }
      }
      model_.file_adopt(ofd->file, pos, seen.data(), n);
    } else {
      std::fill(seen.begin(), seen.end(), 0);
    }
    model_.store(ps, buf, seen.data(), n);
    if (!positional) ofd->pos += n;
    return true;
  }

  bool op_ftruncate(int pid) {
    ProcState& ps = model_.proc(pid);
    auto [fd, ofd] = pick_fd(ps);
    std::uint64_t size = u(0, 56) * kPg + (chance(70) ? u(0, kPg - 1) : 0);
    log(fmt::format("pid {} ftruncate(fd {} /tmp/f{}{}, {:#x}) [size {:#x}]", pid, fd, ofd->file,
                    ofd->writable ? "" : " O_RDONLY", size, model_.file(ofd->file).size));
    std::optional<Errno> err;
    if (!ofd->writable) err = Errno::inval;
    Result<void> r = handle(pid).ftruncate(fd, size);
    note("-> " + res_str(r));
    if (r.ok() != !err || (err && r.error() != *err)) {
      return fail(fmt::format("ftruncate: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
    }
    if (!err) model_.truncate(ofd->file, size);
    return true;
  }

  bool op_fsync(int pid) {
    ProcState& ps = model_.proc(pid);
    auto [fd, ofd] = pick_fd(ps);
    log(fmt::format("pid {} fsync(fd {} /tmp/f{})", pid, fd, ofd->file));
    Result<void> r = handle(pid).fsync(fd);
    note("-> " + res_str(r));
    if (!r.ok()) return fail("fsync failed");
    model_.writeback(ofd->file);
    return true;
  }

  bool op_lseek(int pid) {
    ProcState& ps = model_.proc(pid);
    auto [fd, ofd] = pick_fd(ps);
    const std::uint64_t pos = u(0, 50 * kPg);
    log(fmt::format("pid {} lseek(fd {}, {:#x}, SEEK_SET)", pid, fd, pos));
    Result<std::uint64_t> r = handle(pid).lseek(fd, static_cast<std::int64_t>(pos), kSeekSet);
    note("-> " + res_str(r));
    if (!r.ok() || *r != pos) return fail("lseek");
    ofd->pos = pos;
    return true;
  }

  bool verify_file(int f) {
    const shadow::FileObj& fo = model_.file(f);
    Result<std::string> r = m_->read_file(fo.path);
    if (!r.ok()) return fail("read_file " + fo.path);
    if (r->size() != fo.size) return fail(fmt::format("{}: size {:#x}, the model expects {:#x}", fo.path, r->size(), fo.size));
    std::vector<std::uint8_t> want(fo.size);
    std::unique_ptr<bool[]> unknown(new bool[fo.size + 1]);
    model_.file_read(f, 0, fo.size, want.data(), unknown.get());
    const auto* got = reinterpret_cast<const std::uint8_t*>(r->data());
    const bool* unk = unknown.get();
    const bool same = fo.size == 0 || std::memcmp(got, want.data(), fo.size) == 0;
    for (std::uint64_t i = 0; !same && i < fo.size; ++i) {
      if (!unk[i] && got[i] != want[i]) {
        return fail(fmt::format("{}: byte {:#x} is {:#04x}, the model expects {:#04x}", fo.path, i, got[i], want[i]));
      }
    }
    model_.file_adopt(f, 0, got, fo.size);
    return true;
  }

  bool op_verify_file() {
    const int f = static_cast<int>(u(0, kFiles - 1));
    log(fmt::format("read_file /tmp/f{}", f));
    return verify_file(f);
  }

  bool op_sync() {
    log("sync");
    m_->sync();
    for (int f = 0; f < kFiles; ++f) model_.writeback(f);
    return true;
  }

  // /proc/PID/maps against the model: the same pages, protections and backing, and
  // no VMA holding pages that could not share one.
  bool check_maps(int pid, std::vector<MapsLine>* out = nullptr) {
    ProcState& ps = model_.proc(pid);
    std::vector<MapsLine> lines = parse_maps(handle(pid).proc("maps"));
    std::uint64_t counted = 0;
    std::vector<MapsLine> kept;
    for (const MapsLine& l : lines) {
      if (l.name == "[stack]") continue;
      kept.push_back(l);
      const Page* prev = nullptr;
      for (std::uint64_t pn = l.start / kPg; pn < l.end / kPg; ++pn) {
        auto it = ps.pages.find(pn);
        const std::string where = fmt::format("maps line {:x}-{:x} {} {:x} {}", l.start, l.end, l.perms, l.offset, l.name);
        if (it == ps.pages.end()) return fail(fmt::format("{}: page {:#x} is not mapped in the model", where, pn * kPg));
        const Page& pg = it->second;
        const std::string perms = fmt::format("{}{}{}{}", (pg.prot & kProtRead) ? 'r' : '-', (pg.prot & kProtWrite) ? 'w' : '-',
                                              (pg.prot & kProtExec) ? 'x' : '-', pg.shared() ? 's' : 'p');
        if (perms != l.perms) return fail(fmt::format("{}: page {:#x} should be {}", where, pn * kPg, perms));
        if (prev == nullptr) {
          std::string name;
          std::uint64_t offset = 0;
          if (pg.file()) name = model_.file(pg.obj).path, offset = pg.index * kPg;
          if (pg.kind == Kind::anon_shared) name = "/dev/zero (deleted)", offset = pg.index * kPg;
          const bool name_ok = l.name == name || (pg.kind == Kind::anon_private && l.name == "[heap]");
          if (!name_ok || l.offset != offset) {
            return fail(fmt::format("{}: the model has {} {:#x} at offset {:#x}", where, kind_name(pg.kind), pn * kPg, offset));
          }
        } else if (!Page::same_vma_attrs(*prev, pg)) {
          return fail(fmt::format("{}: pages {:#x} and {:#x} differ in the model ({} {} -> {} {})", where, pn * kPg - kPg,
                                  pn * kPg, kind_name(prev->kind), prev->index, kind_name(pg.kind), pg.index));
        }
        prev = &pg;
        ++counted;
      }
    }
    if (counted != ps.pages.size()) {
      return fail(fmt::format("maps of pid {} show {} pages, the model has {}", pid, counted, ps.pages.size()));
    }
    if (out) *out = std::move(kept);
    return true;
  }

  bool op_check_maps(int pid) {
    log(fmt::format("pid {} maps", pid));
    return check_maps(pid);
  }

  bool op_mremap(int pid) {
    Process& h = handle(pid);
    ProcState& ps = model_.proc(pid);
    std::vector<MapsLine> lines;
    log(fmt::format("pid {} maps (for mremap)", pid));
    if (!check_maps(pid, &lines)) return false;
    if (lines.empty()) return true;
    const MapsLine& L = lines[u(0, lines.size() - 1)];
    const std::uint64_t vpages = (L.end - L.start) / kPg;
    VirtAddr addr = L.start + u(0, vpages - 1) * kPg;
    std::uint64_t old_pages = u(1, (L.end - addr) / kPg);
    if (chance(10)) old_pages = (L.end - addr) / kPg + u(1, 4);
    if (chance(4)) old_pages = 0;  // duplicates a shared mapping; EINVAL on a private one
    std::uint64_t new_pages;
    const unsigned nr = static_cast<unsigned>(u(0, 99));
    if (nr < 30) new_pages = u(1, std::max<std::uint64_t>(old_pages, 1));
    else if (nr < 45) new_pages = old_pages;
    else new_pages = old_pages + u(1, 32);
    int flags = 0;
    VirtAddr new_addr = 0;
    const unsigned mr = static_cast<unsigned>(u(0, 99));
    if (mr < 25) {
      flags = 0;
    } else if (mr < 60) {
      flags = kMremapMaymove;
    } else if (mr < 85) {
      flags = kMremapMaymove | kMremapFixed;
      new_addr = pick_page(ps) * kPg;
      if (chance(3)) new_addr += u(1, kPg - 1);
    } else if (mr < 93) {
      flags = kMremapMaymove | kMremapDontunmap;
      new_pages = old_pages;
      if (chance(30)) flags |= kMremapFixed, new_addr = pick_page(ps) * kPg;
    } else if (mr < 96) {
      flags = kMremapFixed;
      new_addr = pick_page(ps) * kPg;
    } else {
      flags = kMremapMaymove | 8;
    }
    // A move-only request (to a new address, same length) across several VMAs moves
    // each of them since 6.17; vmlab moves one VMA, so keep such moves inside theirs.
    if ((flags & (kMremapFixed | kMremapDontunmap)) && old_pages == new_pages && old_pages > (L.end - addr) / kPg) {
      old_pages = new_pages = (L.end - addr) / kPg;
    }
    std::uint64_t old_len = old_pages * kPg, new_len = new_pages * kPg;
    if (chance(10) && !(flags & (kMremapFixed | kMremapDontunmap)) && old_len > 0) {
      old_len -= u(0, kPg - 1), new_len -= u(0, kPg - 1);
    }
    if (chance(2)) addr += u(1, kPg - 1);
    log(fmt::format("pid {} mremap({:#x}, {:#x}, {:#x}, {}{}{}{}, {:#x}) [vma {:x}-{:x}]", pid, addr, old_len, new_len,
                    (flags & kMremapMaymove) ? "MAYMOVE" : "0", (flags & kMremapFixed) ? "|FIXED" : "",
                    (flags & kMremapDontunmap) ? "|DONTUNMAP" : "", (flags & 8) ? "|8" : "", new_addr, L.start, L.end));

    // The prediction, in the order of Linux 6.17+: check_mremap_params(), the VMA at
    // addr, check_prep_vma() for anything that maps new space, then mremap_to() or
    // mremap_at(). Unmaps done before a later check fails stay done.
    std::optional<Errno> err;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> unmaps;  // page ranges, applied in any case
    enum class How { none, shrink, grow_in_place, move } how = How::none;
    std::uint64_t op = (old_len + kPg - 1) / kPg, np = (new_len + kPg - 1) / kPg;  // pages
    const bool to_new = flags & (kMremapFixed | kMremapDontunmap);
    const bool dup_private = op == 0 && !ps.pages.at(addr / kPg).shared();
    if ((flags & ~(kMremapMaymove | kMremapFixed | kMremapDontunmap)) || addr % kPg || np == 0) {
      err = Errno::inval;
    } else if (to_new && (new_addr % kPg || !(flags & kMremapMaymove) ||
                          ((flags & kMremapDontunmap) && old_len != new_len) ||
                          (addr + op * kPg > new_addr && new_addr + np * kPg > addr))) {
      err = Errno::inval;
    } else if ((to_new || np > op) && dup_private) {
      err = Errno::inval;  // old_len 0 duplicates shared mappings only
    } else if ((to_new || np > op) && op * kPg > L.end - addr) {
      err = Errno::fault;  // not across the end of the VMA
    } else if (to_new) {
      if (flags & kMremapFixed) unmaps.emplace_back(new_addr / kPg, np);
      if ((flags & kMremapFixed) && new_addr <= addr && addr < new_addr + np * kPg) {
        err = Errno::fault;  // old_len 0 and the target took the old address
      } else {
        if (op > np) unmaps.emplace_back(addr / kPg + np, op - np), op = np;
        how = How::move;
      }
    } else if (op >= np) {
      if (op > np) unmaps.emplace_back(addr / kPg + np, op - np);
      how = How::shrink;
    } else if (op * kPg == L.end - addr && !model_.any_mapped(ps, L.end / kPg, np - op)) {
      how = How::grow_in_place;
    } else if (!(flags & kMremapMaymove)) {
      err = Errno::nomem;
    } else {
      how = How::move;
    }
    const VirtAddr ve = L.end;

    Result<VirtAddr> r = h.mremap(addr, old_len, new_len, flags, new_addr);
    note("-> " + res_str(r));
    for (auto [first, count] : unmaps) model_.unmap(ps, first, count);
    if (err) {
      if (r.ok() || r.error() != *err) return fail(fmt::format("mremap: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
      return true;
    }
    if (!r.ok()) return fail("mremap: vmlab gave " + res_str(r) + ", the model expects success");
    const VirtAddr got = *r;
    switch (how) {
      case How::none:
      case How::shrink:
        if (got != addr) return fail("mremap: the model expects the same address");
        return true;
      case How::grow_in_place: {
        if (got != addr) return fail("mremap: the model expects growth in place");
        Page proto = ps.pages.at(ve / kPg - 1);
        proto.index += 1;
        model_.map(ps, ve / kPg, np - op, proto);
        return true;
      }
      case How::move: {
        if ((flags & kMremapFixed) && got != new_addr) return fail("mremap: MREMAP_FIXED moved elsewhere");
        if (got % kPg) return fail("mremap: unaligned result");
        if (model_.any_mapped(ps, got / kPg, np)) return fail("mremap: moved over existing pages");
        if (!(flags & kMremapFixed) && got != highest_fit(ps, np)) {
          return fail(fmt::format("mremap: moved to {:#x}, the model expects {:#x}", got, highest_fit(ps, np)));
        }
        // The pages beyond the old length continue the object: from the page at the
        // old address when duplicating (old_len 0).
        Page proto = ps.pages.at(addr / kPg + (op ? op - 1 : 0));
        if (op) proto.index += 1;
        model_.move(ps, addr / kPg, got / kPg, op, (flags & kMremapDontunmap) != 0);
        if (np > op) model_.map(ps, got / kPg + op, np - op, proto);
        return true;
      }
    }
    return true;
  }

  // Reads one whole page (or what faults there) through read_bytes.
  bool scan_page(int pid, std::uint64_t pn) {
    ProcState& ps = model_.proc(pid);
    std::vector<std::uint8_t> buf(kPg);
    const AccessOutcome want = model_.check_access(ps, pn * kPg, kPg, false);
    Access<bool> r = handle(pid).read_bytes(pn * kPg, buf);
    const std::string what = fmt::format("scan of pid {}", pid);
    if (!same_access(what.c_str(), want, r.ok() ? AccessOutcome{} : outcome_of(r.error()))) return false;
    if (r.ok()) return same_bytes(what.c_str(), ps, pn * kPg, buf.data(), kPg);
    return true;
  }

  bool op_scan(int pid) {
    const std::uint64_t pn = pick_page(model_.proc(pid));
    log(fmt::format("pid {} scan page {:#x}", pid, pn * kPg));
    return scan_page(pid, pn);
  }

  bool full_scan() {
    for (int pid : model_.live_pids()) {
      std::vector<std::uint64_t> pns;
      for (const auto& [pn, pg] : model_.proc(pid).pages) pns.push_back(pn);
      for (std::uint64_t pn : pns) {
        if (!scan_page(pid, pn)) return false;
      }
      if (!check_maps(pid)) return false;
    }
    for (int f = 0; f < kFiles; ++f) {
      if (!verify_file(f)) return false;
    }
    return check_machine();
  }

  bool one_step() {
    const int pid = pick_pid();
    const bool crowded = model_.proc(pid).pages.size() > kManyPages;
    const unsigned r = static_cast<unsigned>(u(0, 999));
    if (r < 200) return op_load(pid);
    if (r < 400) return op_store(pid);
    if (r < 430) return op_bytes(pid, false);
    if (r < 460) return op_bytes(pid, true);
    if (r < 540) return crowded ? op_munmap(pid) : op_mmap(pid);
    if (r < 590) return op_munmap(pid);
    if (r < 640) return op_mprotect(pid);
    if (r < 690) return op_mremap(pid);
    if (r < 750) return op_madvise(pid);
    if (r < 770) return op_msync(pid);
    if (r < 800) return op_brk(pid);
    if (r < 820) return op_fork(pid);
    if (r < 830) return op_exit(pid);
    if (r < 845) return op_wait(pid);
    if (r < 870) return op_file_write(pid, true);
    if (r < 885) return op_file_write(pid, false);
    if (r < 905) return op_file_read(pid, true);
    if (r < 915) return op_file_read(pid, false);
    if (r < 930) return op_ftruncate(pid);
    if (r < 940) return op_fsync(pid);
    if (r < 950) return op_lseek(pid);
    if (r < 960) return op_verify_file();
    if (r < 965) return op_sync();
    if (r < 975) return op_check_maps(pid);
    if (r < 995) return op_scan(pid);
    if (model_.live_pids().size() < kMaxProcs) return spawn();
    return op_load(pid);
  }

  RunConfig rc_;
  std::unique_ptr<Machine> m_;
  Model model_;
  std::mt19937_64 rng_;
  std::map<int, Process> handles_;
  std::vector<std::string> trace_;
  int step_ = 0;
  int last_pid_ = 0;
  std::uint64_t last_page_ = 0;
  std::string failure_;
};

void run_seeds(std::initializer_list<std::uint64_t> seeds, int steps, bool contents, bool zero_page) {
  for (std::uint64_t seed : seeds) {
    const auto t0 = std::chrono::steady_clock::now();
    Runner runner(RunConfig{seed, steps, contents, zero_page});
    const bool ok = runner.run();
    EXPECT_TRUE(ok) << runner.failure();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("seed %llu: %d steps in %.2f s\n", static_cast<unsigned long long>(seed), steps, s);
    if (!ok) return;
  }
}

TEST(RandomOps, AgainstTheShadowModel) { run_seeds({1, 2, 3, 4}, 2000, true, true); }

TEST(RandomOps, WithoutTheZeroPage) { run_seeds({11, 12}, 2000, true, false); }

TEST(RandomOps, MetadataOnlyMachine) { run_seeds({21, 22}, 2000, false, true); }

// Replays one run from the environment (see the top of this file).
TEST(RandomOps, Replay) {
  const char* seed = std::getenv("VMLAB_RANDOM_SEED");
  if (seed == nullptr) GTEST_SKIP() << "set VMLAB_RANDOM_SEED (and VMLAB_RANDOM_STEPS) to replay a run";
  RunConfig rc;
  rc.seed = std::strtoull(seed, nullptr, 10);
  if (const char* s = std::getenv("VMLAB_RANDOM_STEPS")) rc.steps = std::atoi(s);
  if (const char* s = std::getenv("VMLAB_RANDOM_CONTENTS")) rc.contents = std::atoi(s) != 0;
  if (const char* s = std::getenv("VMLAB_RANDOM_ZERO_PAGE")) rc.zero_page = std::atoi(s) != 0;
  Runner runner(rc);
  EXPECT_TRUE(runner.run()) << runner.failure();
  if (std::getenv("VMLAB_RANDOM_TRACE")) {
    for (const std::string& l : runner.trace()) std::printf("%s\n", l.c_str());
  }
}

}  // namespace
}  // namespace vmlab
