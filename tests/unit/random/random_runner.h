// The random run: a Runner drives one seeded sequence of operations on a Machine and
// checks each against the shadow model (shadow_model.h) and Machine::check(). Its
// members are defined by family: random_runner.cc (processes, choices, checks),
// random_ops_memory.cc (accesses and the mmap family), random_ops_files.cc (files).
#pragma once

#include <algorithm>
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

namespace vmlab::random_test {

using shadow::AccessOutcome;
using shadow::Kind;
using shadow::kPg;
using shadow::Model;
using shadow::Ofd;
using shadow::Page;
using shadow::ProcState;

inline constexpr std::uint64_t kTaskSize = 0x7ffffffff000ULL;
inline constexpr std::uint64_t kMmapBase = kTaskSize - 128 * MiB;  // no ASLR, 8 MiB stack limit
inline constexpr int kMaxProcs = 6;
inline constexpr int kFiles = 3;
inline constexpr std::uint64_t kManyPages = 3000;  // above this a process unmaps more than it maps

struct RunConfig {
  std::uint64_t seed = 1;
  int steps = 2000;
  bool contents = true;
  bool zero_page = true;
  // Memory under pressure: RAM far below what the processes touch, with swap, so that
  // kswapd and direct reclaim swap pages out and faults read them back between steps.
  std::uint64_t ram_bytes = 256 * MiB;
  std::uint64_t swap_bytes = 0;
};

std::string prot_str(int prot);

std::string sig_str(const AccessOutcome& o);

inline AccessOutcome outcome_of(const SigInfo& s) { return {s.signo, s.code, s.addr}; }

template <class T>
std::string res_str(const Result<T>& r) {
  if (r.ok()) {
    if constexpr (std::is_same_v<T, void>) return "0";
    else return fmt::format("{:#x}", *r);
  }
  return std::string(errno_name(r.error()));
}

inline std::string err_str(const std::optional<Errno>& e) { return e ? std::string(errno_name(*e)) : "0"; }

struct MapsLine {
  std::uint64_t start = 0, end = 0;
  std::string perms;
  std::uint64_t offset = 0;
  std::string name;
};

std::vector<MapsLine> parse_maps(const std::string& text);

class Runner {
 public:
  explicit Runner(const RunConfig& rc);

  // Runs every step; false (with the report in failure()) at the first disagreement.
  bool run();

  const std::string& failure() const { return failure_; }
  const std::vector<std::string>& trace() const { return trace_; }
  // A /proc/vmstat counter of the machine the run drives.
  std::uint64_t vmstat(std::string_view name) const { return m_->vmstat_value(name); }

 private:
  // ---- randomness and reporting -----------------------------------------------------

  // Uniform in [lo, hi], the same on every standard library (the distributions of
  // <random> are not specified bit for bit).
  std::uint64_t u(std::uint64_t lo, std::uint64_t hi) { return lo + rng_() % (hi - lo + 1); }
  bool chance(unsigned percent) { return u(0, 99) < percent; }

  void log(std::string s) { trace_.push_back(fmt::format("{:5}: {}", step_, std::move(s))); }
  void note(const std::string& s) { trace_.back() += " " + s; }

  bool fail(const std::string& what);

  bool check_machine();

  // ---- processes -------------------------------------------------------------------------

  // The handle of one of the process's threads, chosen at random: every thread reaches
  // the same memory and files, each from its own CPU.
  Process& handle(int pid) {
    auto it = threads_.find(pid);
    if (it == threads_.end() || it->second.empty() || chance(50)) return handles_.at(pid);
    return it->second[u(0, it->second.size() - 1)];
  }

  bool open_files(Process& h, ProcState& ps);

  bool spawn();

  bool setup();

  // Runs of steps by one process: its TLB entries and the MRU translation survive
  // between them (a switch to another process flushes them), so stale entries show.
  int pick_pid();

  // A page number: mostly near what is mapped, else in the mmap area or around the heap.
  std::uint64_t pick_page(const ProcState& ps);
  std::uint64_t pick_page_anew(const ProcState& ps);

  // unmapped_area_topdown() from mmap_base: the highest free range that fits (the
  // stack lies above mmap_base, so only the model's pages can be in the way).
  std::uint64_t highest_fit(const ProcState& ps, std::uint64_t pages);

  std::pair<int, std::shared_ptr<Ofd>> pick_fd(const ProcState& ps);

  int pick_prot();

  // ---- comparing accesses --------------------------------------------------------------

  bool same_access(const char* what, const AccessOutcome& want, const AccessOutcome& got);

  // Compares bytes read at `va` with the model, adopting the unknown ones.
  bool same_bytes(const char* what, ProcState& ps, VirtAddr va, const std::uint8_t* got, std::uint64_t len);

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

  VirtAddr pick_access_addr(const ProcState& ps, std::uint64_t size, bool write);

  // ---- the operations --------------------------------------------------------------------

  bool op_load(int pid);

  bool op_store(int pid);

  // read_bytes / write_bytes of up to three pages.
  // Under memory pressure: writes every page of a run of private writable anonymous
  // pages (up to 512), so that the processes' written memory exceeds RAM.
  bool op_fill(int pid);
  bool op_bytes(int pid, bool write);

  bool op_mmap(int pid);

  // A range [start, start + len) for munmap, mprotect, madvise, msync: page aligned
  // mostly, sometimes with an unaligned start, an unaligned or zero length.
  struct Range {
    VirtAddr start;
    std::uint64_t len;
    std::uint64_t pages() const { return (len + kPg - 1) / kPg; }
  };
  Range pick_range(int pid);

  bool op_munmap(int pid);

  bool op_mprotect(int pid);

  bool op_madvise(int pid);

  bool op_msync(int pid);

  bool op_brk(int pid);

  bool op_fork(int pid);

  bool op_exit(int pid);

  bool op_wait(int pid);

  // A new thread of the process on a random CPU, or the exit of one: threads of one mm
  // on both CPUs, so that every change to it must reach the other CPU's TLBs.
  bool op_thread(int pid);

  // The descriptor's file may not be reached through the buffer: the result would
  // depend on the order in which the kernel copies (a case Linux leaves open).
  bool aliases_file(const ProcState& ps, VirtAddr buf, std::uint64_t len, int file, bool file_private_too);

  bool op_file_write(int pid, bool positional);

  bool op_file_read(int pid, bool positional);

  bool op_ftruncate(int pid);

  bool op_fsync(int pid);

  bool op_lseek(int pid);

  bool verify_file(int f);

  bool op_verify_file();

  bool op_sync();

  // /proc/PID/maps against the model: the same pages, protections and backing, and
  // no VMA holding pages that could not share one.
  bool check_maps(int pid, std::vector<MapsLine>* out = nullptr);

  bool op_check_maps(int pid);

  bool op_mremap(int pid);

  // Reads one whole page (or what faults there) through read_bytes.
  bool scan_page(int pid, std::uint64_t pn);

  bool op_scan(int pid);

  bool full_scan();

  bool one_step();

  RunConfig rc_;
  std::unique_ptr<Machine> m_;
  Model model_;
  std::mt19937_64 rng_;
  std::map<int, Process> handles_;               // each process's first thread
  std::map<int, std::vector<Process>> threads_;  // its other threads
  std::vector<std::string> trace_;
  int step_ = 0;
  int last_pid_ = 0;
  std::uint64_t last_page_ = 0;
  std::string failure_;
};

}  // namespace vmlab::random_test
