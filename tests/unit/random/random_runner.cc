// Runner: the run loop, processes, random choices, reporting and the /proc checks.
#include "unit/random/random_runner.h"

namespace vmlab::random_test {

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

Runner::Runner(const RunConfig& rc) : rc_(rc), model_(rc.contents), rng_(rc.seed) {
  MachineConfig mc;
  mc.ram_bytes = rc.ram_bytes;
  mc.swap_bytes = rc.swap_bytes;
  mc.cpus = 2;  // processes move between them: every shootdown must reach the other CPU
  mc.contents = rc.contents;
  mc.zero_page = rc.zero_page;
  m_ = std::make_unique<Machine>(mc);
}

bool Runner::run() {
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

bool Runner::fail(const std::string& what) {
  std::string t = fmt::format(
      "seed {} (contents={}, zero_page={}, ram={} MiB, swap={} MiB), step {}: {}\nreplay: VMLAB_RANDOM_SEED={} "
      "VMLAB_RANDOM_STEPS={} VMLAB_RANDOM_CONTENTS={} VMLAB_RANDOM_ZERO_PAGE={} VMLAB_RANDOM_RAM_MIB={} "
      "VMLAB_RANDOM_SWAP_MIB={} unit_random --gtest_filter='*Replay*'\noperations so far:\n",
      rc_.seed, rc_.contents, rc_.zero_page, rc_.ram_bytes / MiB, rc_.swap_bytes / MiB, step_, what, rc_.seed,
      step_ + 1, rc_.contents ? 1 : 0, rc_.zero_page ? 1 : 0, rc_.ram_bytes / MiB, rc_.swap_bytes / MiB);
  for (const std::string& l : trace_) t += l + "\n";
  failure_ = std::move(t);
  return false;
}

bool Runner::check_machine() {
  CheckReport r = m_->check();
  if (r.ok()) return true;
  std::string s = "Machine::check() after the step:";
  for (const std::string& p : r.problems) s += "\n    " + p;
  return fail(s);
}

bool Runner::open_files(Process& h, ProcState& ps) {
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

bool Runner::spawn() {
  Process h = m_->spawn("rand");
  const VirtAddr brk = h.brk(0);
  ProcState& ps = model_.add_proc(h.pid(), 1, brk);
  handles_.emplace(h.pid(), h);
  log(fmt::format("spawn -> pid {} (brk {:#x})", h.pid(), brk));
  return open_files(handles_.at(h.pid()), ps);
}

bool Runner::setup() {
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

int Runner::pick_pid() {
  if (model_.has_proc(last_pid_) && model_.proc(last_pid_).alive && chance(60)) return last_pid_;
  std::vector<int> live = model_.live_pids();
  last_pid_ = live[u(0, live.size() - 1)];
  return last_pid_;
}

std::uint64_t Runner::pick_page(const ProcState& ps) {
  if (ps.pid == last_pid_ && last_page_ != 0 && chance(25)) return last_page_;
  last_page_ = pick_page_anew(ps);
  return last_page_;
}

std::uint64_t Runner::pick_page_anew(const ProcState& ps) {
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

std::uint64_t Runner::highest_fit(const ProcState& ps, std::uint64_t pages) {
  std::uint64_t top = kMmapBase / kPg;
  for (auto it = std::make_reverse_iterator(ps.pages.lower_bound(top)); it != ps.pages.rend(); ++it) {
    if (top - (it->first + 1) >= pages) break;
    top = it->first;
  }
  return (top - pages) * kPg;
}

std::pair<int, std::shared_ptr<Ofd>> Runner::pick_fd(const ProcState& ps) {
  auto it = ps.fds.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(u(0, ps.fds.size() - 1)));
  return *it;
}

int Runner::pick_prot() {
  const unsigned r = static_cast<unsigned>(u(0, 99));
  if (r < 45) return kProtRead | kProtWrite;
  if (r < 70) return kProtRead;
  if (r < 82) return kProtNone;
  if (r < 85) return kProtWrite;  // readable too on x86 (no execute-only here: pkeys may take it)
  return kProtRead | kProtExec;
}

bool Runner::op_fork(int pid) {
  if (model_.live_pids().size() >= kMaxProcs) return op_wait(pid);
  log(fmt::format("pid {} fork", pid));
  Result<Process> r = handle(pid).fork();
  if (!r.ok()) return fail("fork: " + std::string(errno_name(r.error())));
  note(fmt::format("-> pid {}", r->pid()));
  model_.fork(model_.proc(pid), r->pid());
  handles_.emplace(r->pid(), *r);
  return true;
}

bool Runner::op_exit(int pid) {
  if (model_.live_pids().size() < 2) return op_fork(pid);
  const int code = static_cast<int>(u(0, 255));
  log(fmt::format("pid {} exit({})", pid, code));
  handle(pid).exit(code);
  model_.exit(model_.proc(pid), code << 8);
  handles_.erase(pid);
  threads_.erase(pid);
  return true;
}

bool Runner::op_thread(int pid) {
  std::vector<Process>& extra = threads_[pid];
  if (extra.size() < 2 && (extra.empty() || chance(60))) {
    log(fmt::format("pid {} create_thread", pid));
    Result<Process> t = handles_.at(pid).create_thread();
    if (!t.ok()) return fail("create_thread: " + std::string(errno_name(t.error())));
    const unsigned cpu = static_cast<unsigned>(u(0, 1));
    note(fmt::format("-> tid {} on cpu {}", t->tid(), cpu));
    t->run_on(cpu);
    extra.push_back(*t);
  } else {
    const std::size_t i = u(0, extra.size() - 1);
    log(fmt::format("pid {} tid {} exit_thread(0)", pid, extra[i].tid()));
    extra[i].exit_thread(0);
    extra.erase(extra.begin() + static_cast<std::ptrdiff_t>(i));
  }
  const std::uint64_t threads = handles_.at(pid).status_kb("Threads");
  if (threads != extra.size() + 1) return fail(fmt::format("Threads: {}, the model has {}", threads, extra.size() + 1));
  return true;
}

bool Runner::op_wait(int pid) {
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

bool Runner::check_maps(int pid, std::vector<MapsLine>* out) {
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

bool Runner::op_check_maps(int pid) {
  log(fmt::format("pid {} maps", pid));
  return check_maps(pid);
}

bool Runner::scan_page(int pid, std::uint64_t pn) {
  ProcState& ps = model_.proc(pid);
  std::vector<std::uint8_t> buf(kPg);
  const AccessOutcome want = model_.check_access(ps, pn * kPg, kPg, false);
  Access<bool> r = handle(pid).read_bytes(pn * kPg, buf);
  const std::string what = fmt::format("scan of pid {}", pid);
  if (!same_access(what.c_str(), want, r.ok() ? AccessOutcome{} : outcome_of(r.error()))) return false;
  if (r.ok()) return same_bytes(what.c_str(), ps, pn * kPg, buf.data(), kPg);
  return true;
}

bool Runner::op_scan(int pid) {
  const std::uint64_t pn = pick_page(model_.proc(pid));
  log(fmt::format("pid {} scan page {:#x}", pid, pn * kPg));
  return scan_page(pid, pn);
}

bool Runner::full_scan() {
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

bool Runner::one_step() {
  const int pid = pick_pid();
  // A migration now and then: the old CPU keeps what it cached, and the checker after
  // every step compares both CPUs' TLBs with the page tables.
  if (u(0, 9) == 0) {
    const unsigned cpu = static_cast<unsigned>(u(0, 1));
    log(fmt::format("pid {} runs on cpu {}", pid, cpu));
    handle(pid).run_on(cpu);
  }
  const bool crowded = model_.proc(pid).pages.size() > kManyPages;
  if (rc_.swap_bytes > 0 && chance(25)) return op_fill(pid);
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
  if (r < 985) return op_scan(pid);
  if (r < 995) return op_thread(pid);
  if (model_.live_pids().size() < kMaxProcs) return spawn();
  return op_load(pid);
}

}  // namespace vmlab::random_test
