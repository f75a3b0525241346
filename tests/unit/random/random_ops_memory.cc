// Runner: loads, stores and the mmap family against the shadow model.
#include "unit/random/random_runner.h"

namespace vmlab::random_test {

bool Runner::same_access(const char* what, const AccessOutcome& want, const AccessOutcome& got) {
  if (want.sig == got.sig && want.code == got.code && want.addr == got.addr) return true;
  return fail(fmt::format("{}: vmlab gave {}, the model expects {}", what, sig_str(got), sig_str(want)));
}

bool Runner::same_bytes(const char* what, ProcState& ps, VirtAddr va, const std::uint8_t* got, std::uint64_t len) {
  std::vector<std::uint8_t> want(len);
  std::unique_ptr<bool[]> unknown(new bool[len]);
  model_.expected(ps, va, len, want.data(), unknown.get());
  // Pages that may hold one of several contents are compared whole against each.
  for (std::uint64_t i = 0; i < len;) {
    const std::uint64_t n = std::min(len - i, kPg - (va + i) % kPg);
    if (std::optional<bool> m = model_.match_either(ps, va + i, got + i, n); m && !*m) {
      std::uint64_t nonzero = 0, unlike = 0, first_unlike = n;
      for (std::uint64_t b = 0; b < n; ++b) {
        nonzero += got[i + b] != 0;
        if (got[i + b] != want[i + b] && unlike++ == 0) first_unlike = b;
      }
      return fail(fmt::format("{}: the {} bytes at {:#x} match none of the contents the page may hold (lazyfree): "
                              "{} bytes are not zero, {} differ from the page as written (first at {:#x})",
                              what, n, va + i, nonzero, unlike, va + i + first_unlike));
    }
    i += n;
  }
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

VirtAddr Runner::pick_access_addr(const ProcState& ps, std::uint64_t size, bool write) {
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

bool Runner::op_load(int pid) {
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

bool Runner::op_store(int pid) {
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

bool Runner::op_fill(int pid) {
  ProcState& ps = model_.proc(pid);
  std::vector<std::uint64_t> writable;
  for (const auto& [pn, pg] : ps.pages)
    if (pg.kind == Kind::anon_private && (pg.prot & kProtWrite)) writable.push_back(pn);
  if (writable.empty()) return op_mmap(pid);
  const std::uint64_t first = writable[u(0, writable.size() - 1)];
  std::uint64_t pages = 1;
  while (pages < 512) {
    auto it = ps.pages.find(first + pages);
    if (it == ps.pages.end() || it->second.kind != Kind::anon_private || !(it->second.prot & kProtWrite)) break;
    ++pages;
  }
  log(fmt::format("pid {} fill {:#x} pages {}", pid, first * kPg, pages));
  std::vector<std::uint8_t> buf(pages * kPg);
  for (auto& b : buf) b = static_cast<std::uint8_t>(u(0, 255));
  const AccessOutcome want = model_.check_access(ps, first * kPg, buf.size(), true);
  Access<bool> r = handle(pid).write_bytes(first * kPg, buf);
  note("-> " + (r.ok() ? std::string("ok") : sig_str(outcome_of(r.error()))));
  if (!same_access("fill", want, r.ok() ? AccessOutcome{} : outcome_of(r.error()))) return false;
  if (r.ok()) model_.store(ps, first * kPg, buf.data(), buf.size());
  else model_.write_faulted(ps, first * kPg, want.addr);
  return true;
}

bool Runner::op_bytes(int pid, bool write) {
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

bool Runner::op_mmap(int pid) {
  Process& h = handle(pid);
  ProcState& ps = model_.proc(pid);
  // Under pressure, mappings of up to 511 pages, so that the writes fill RAM. (Short of
  // 2 MiB: longer ones are THP-aligned, a placement rule the model leaves out.)
  const std::uint64_t pages = u(1, rc_.swap_bytes > 0 ? 511 : 64);
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

Runner::Range Runner::pick_range(int pid) {
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

bool Runner::op_munmap(int pid) {
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

bool Runner::op_mprotect(int pid) {
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

bool Runner::op_madvise(int pid) {
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
        case kMadvFree: model_.lazy_free(pg); break;
        default: break;  // WILLNEED, COLD change no contents
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

bool Runner::op_msync(int pid) {
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

bool Runner::op_brk(int pid) {
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

bool Runner::op_mremap(int pid) {
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
  // each of them since 6.17 (remap_move()); this model moves one VMA, so keep such
  // moves inside theirs (the fidelity corpus checks the multi-VMA rule on the host).
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
  } else if ((to_new || np > op) && (to_new ? std::min(op, np) : op) * kPg > L.end - addr) {
    err = Errno::fault;  // not across the end of the VMA (a shrinking move: the part that moves)
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

}  // namespace vmlab::random_test
