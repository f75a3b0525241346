#include "unit/random/shadow_model.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "vmlab/mman.h"

namespace vmlab::shadow {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::anon_private: return "anon-private";
    case Kind::anon_shared: return "anon-shared";
    case Kind::file_private: return "file-private";
    case Kind::file_shared: return "file-shared";
  }
  return "?";
}

bool Page::same_vma_attrs(const Page& a, const Page& b) {
  if (a.prot != b.prot || a.kind != b.kind || a.obj != b.obj || a.maywrite != b.maywrite ||
      a.dontfork != b.dontfork || a.wipeonfork != b.wipeonfork) {
    return false;
  }
  return a.kind == Kind::anon_private || b.index == a.index + 1;
}

int Model::add_file(std::string path, const std::vector<std::uint8_t>& bytes) {
  FileObj f;
  f.path = std::move(path);
  files_.push_back(std::move(f));
  const int id = static_cast<int>(files_.size() - 1);
  file_write(id, 0, bytes.data(), nullptr, bytes.size());
  return id;
}

int Model::add_shm(std::uint64_t pages) {
  const int id = next_shm_++;
  shms_[id].size_pages = pages;
  return id;
}

ProcState& Model::add_proc(int pid, int ppid, std::uint64_t brk) {
  ProcState& p = procs_[pid];
  p.pid = pid;
  p.ppid = ppid;
  p.start_brk = p.brk = brk;
  return p;
}

std::vector<int> Model::live_pids() const {
  std::vector<int> out;
  for (const auto& [pid, p] : procs_) {
    if (p.alive) out.push_back(pid);
  }
  return out;
}

// ---- page contents -------------------------------------------------------------

Data& Model::object_page(Kind kind, int obj, std::uint64_t index) {
  if (kind == Kind::anon_shared) return shms_.at(obj).pages[index];
  return file(obj).pages[index];
}

const PageData* Model::view(const Page& pg) const {
  switch (pg.kind) {
    case Kind::anon_private:
      return pg.data.get();
    case Kind::file_private:
      if (pg.copied) return pg.data.get();
      [[fallthrough]];
    case Kind::file_shared: {
      const FileObj& f = file(pg.obj);
      auto it = f.pages.find(pg.index);
      return it == f.pages.end() ? nullptr : it->second.get();
    }
    case Kind::anon_shared: {
      const ShmObj& s = shms_.at(pg.obj);
      auto it = s.pages.find(pg.index);
      return it == s.pages.end() ? nullptr : it->second.get();
    }
  }
  return nullptr;
}

PageData* Model::view_mut(Page& pg) { return const_cast<PageData*>(view(pg)); }

PageData& Model::writable_view(Page& pg) {
  switch (pg.kind) {
    case Kind::file_private:
      if (!pg.copied) {
        // The private copy starts as the file page is now (do_cow_fault(), wp_page_copy()).
        const PageData* src = view(pg);
        pg.data = src ? std::make_shared<PageData>(*src) : std::make_shared<PageData>();
        pg.copied = true;
        return *pg.data;
      }
      [[fallthrough]];
    case Kind::anon_private:
      if (!pg.data) pg.data = std::make_shared<PageData>();
      else if (pg.data.use_count() > 1) pg.data = std::make_shared<PageData>(*pg.data);  // after fork
      return *pg.data;
    case Kind::anon_shared:
    case Kind::file_shared: {
      Data& d = object_page(pg.kind, pg.obj, pg.index);
      if (!d) d = std::make_shared<PageData>();
      return *d;
    }
  }
  throw std::logic_error("bad page kind");
}

AccessOutcome Model::check_access(const ProcState& p, std::uint64_t va, std::uint64_t len, bool write) const {
  std::uint64_t a = va;
  const std::uint64_t end = va + len;
  while (a < end) {
    auto it = p.pages.find(a / kPg);
    if (it == p.pages.end()) return {Signal::sigsegv, kSegvMapErr, a};
    const Page& pg = it->second;
    // access_error(): a write needs VM_WRITE; a read any access right (x86 has no
    // write-only or execute-only pages).
    if (write ? !(pg.prot & kProtWrite) : pg.prot == 0) return {Signal::sigsegv, kSegvAccErr, a};
    if (pg.kind == Kind::anon_shared) {
      if (pg.index >= shms_.at(pg.obj).size_pages) return {Signal::sigbus, kBusAdrErr, a};
    } else if (pg.kind == Kind::file_shared || (pg.kind == Kind::file_private && !pg.copied)) {
      if (pg.index >= file(pg.obj).size_pages()) return {Signal::sigbus, kBusAdrErr, a};
    }
    a = (a / kPg + 1) * kPg;
  }
  return {};
}

std::uint64_t Model::accessible_prefix(const ProcState& p, std::uint64_t va, std::uint64_t len, bool write) const {
  std::uint64_t a = va;
  const std::uint64_t end = va + len;
  while (a < end) {
    const std::uint64_t next = std::min(end, (a / kPg + 1) * kPg);
    if (!check_access(p, a, next - a, write).ok()) return a - va;
    a = next;
  }
  return len;
}

void Model::expected(const ProcState& p, std::uint64_t va, std::uint64_t len, std::uint8_t* out,
                     bool* unknown) const {
  std::uint64_t i = 0;
  while (i < len) {
    const std::uint64_t a = va + i;
    const std::uint64_t n = std::min(len - i, kPg - a % kPg);
    const PageData* d = contents_ ? view(p.pages.at(a / kPg)) : nullptr;
    if (d) std::memcpy(out + i, d->bytes.data() + a % kPg, n);
    else std::memset(out + i, 0, n);
    const Page& pg = p.pages.at(a / kPg);
    if (pg.lazyfree || !pg.maybe.empty()) {
      std::memset(unknown + i, 1, n);  // one of several contents: see match_either()
    } else if (d && d->unknown.any()) {
      for (std::uint64_t b = 0; b < n; ++b) unknown[i + b] = d->unknown[a % kPg + b];
    } else {
      std::memset(unknown + i, 0, n);
    }
    i += n;
  }
}

std::optional<bool> Model::match_either(ProcState& p, std::uint64_t va, const std::uint8_t* seen, std::uint64_t n) {
  Page& pg = p.pages.at(va / kPg);
  if (!contents_ || !(pg.lazyfree || !pg.maybe.empty())) return std::nullopt;
  const std::uint64_t off = va % kPg;
  const auto matches = [&](const Data& d) {
    static const PageData kZeros{};
    return std::memcmp((d ? *d : kZeros).bytes.data() + off, seen, n) == 0;
  };
  std::vector<Data> fits;  // of data and maybe, the contents the read allows
  if (matches(pg.data)) fits.push_back(pg.data);
  for (const Data& d : pg.maybe)
    if (matches(d)) fits.push_back(d);
  if (fits.empty()) {
    if (!pg.lazyfree || !matches(nullptr)) return false;
    // Only a discarded page reads so: it is a zero page now, until written.
    pg.data = nullptr;
    pg.maybe.clear();
    pg.lazyfree = false;
    return true;
  }
  pg.data = fits.front();
  pg.maybe.assign(fits.begin() + 1, fits.end());
  return true;
}

void Model::lazy_free(Page& pg) {
  if (pg.kind == Kind::anon_private && contents_) pg.lazyfree = true;
}

void Model::adopt(ProcState& p, std::uint64_t va, const std::uint8_t* seen, std::uint64_t len) {
  if (!contents_) return;
  std::uint64_t i = 0;
  while (i < len) {
    const std::uint64_t a = va + i;
    const std::uint64_t n = std::min(len - i, kPg - a % kPg);
    PageData* d = view_mut(p.pages.at(a / kPg));
    if (d && d->unknown.any()) {
      for (std::uint64_t b = 0; b < n; ++b) {
        if (d->unknown[a % kPg + b]) {
          d->bytes[a % kPg + b] = seen[i + b];
          d->unknown[a % kPg + b] = false;
        }
      }
    }
    i += n;
  }
}

void Model::store(ProcState& p, std::uint64_t va, const std::uint8_t* bytes, std::uint64_t len) {
  std::uint64_t i = 0;
  while (i < len) {
    const std::uint64_t a = va + i;
    const std::uint64_t n = std::min(len - i, kPg - a % kPg);
    Page& pg = p.pages.at(a / kPg);
    if (pg.lazyfree) {
      // The write keeps the page if it was still there; else it lands on a new zeroed page.
      pg.lazyfree = false;
      pg.maybe.push_back(nullptr);
    }
    for (Data& other : pg.maybe) {
      other = other ? std::make_shared<PageData>(*other) : std::make_shared<PageData>();  // may be shared after fork
      std::memcpy(other->bytes.data() + a % kPg, bytes + i, n);
    }
    PageData& d = writable_view(pg);
    std::memcpy(d.bytes.data() + a % kPg, bytes + i, n);
    for (std::uint64_t b = 0; b < n; ++b) d.unknown[a % kPg + b] = false;
    i += n;
  }
}

void Model::write_faulted(ProcState& p, std::uint64_t va, std::uint64_t fault_addr) {
  for (std::uint64_t pn = va / kPg; pn < fault_addr / kPg; ++pn) {
    Page& pg = p.pages.at(pn);
    if (pg.kind == Kind::file_private && !pg.copied) (void)writable_view(pg);
  }
}

// ---- mappings --------------------------------------------------------------------

void Model::map(ProcState& p, std::uint64_t first, std::uint64_t count, const Page& proto) {
  for (std::uint64_t i = 0; i < count; ++i) {
    Page pg = proto;
    pg.index = proto.index + i;
    pg.data = nullptr;
    pg.copied = false;
    p.pages[first + i] = std::move(pg);
  }
}

void Model::unmap(ProcState& p, std::uint64_t first, std::uint64_t count) {
  p.pages.erase(p.pages.lower_bound(first), p.pages.lower_bound(first + count));
}

bool Model::any_mapped(const ProcState& p, std::uint64_t first, std::uint64_t count) const {
  auto it = p.pages.lower_bound(first);
  return it != p.pages.end() && it->first < first + count;
}

bool Model::all_mapped(const ProcState& p, std::uint64_t first, std::uint64_t count) const {
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!p.pages.count(first + i)) return false;
  }
  return true;
}

void Model::populate_private_copies(ProcState& p, std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t i = 0; i < count; ++i) {
    Page& pg = p.pages.at(first + i);
    if (pg.kind != Kind::file_private || pg.copied) continue;
    if (pg.index >= file(pg.obj).size_pages()) break;  // SIGBUS ends the population
    (void)writable_view(pg);
  }
}

void Model::drop_private(Page& pg) {
  if (pg.kind == Kind::anon_private || pg.kind == Kind::file_private) {
    pg.data = nullptr;
    pg.copied = false;
    pg.lazyfree = false;
    pg.maybe.clear();
  }
}

void Model::move(ProcState& p, std::uint64_t from, std::uint64_t to, std::uint64_t count, bool keep_old) {
  std::vector<std::pair<std::uint64_t, Page>> moved;
  for (std::uint64_t i = 0; i < count; ++i) {
    auto it = p.pages.find(from + i);
    if (it == p.pages.end()) continue;
    moved.emplace_back(to + i, it->second);
    if (keep_old) drop_private(it->second);
    else p.pages.erase(it);
  }
  for (auto& [pn, pg] : moved) p.pages[pn] = std::move(pg);
}

// ---- files -----------------------------------------------------------------------

std::uint64_t Model::file_read(int id, std::uint64_t pos, std::uint64_t len, std::uint8_t* out,
                               bool* unknown) const {
  const FileObj& f = file(id);
  if (pos >= f.size) return 0;
  const std::uint64_t n = std::min(len, f.size - pos);
  std::uint64_t i = 0;
  while (i < n) {
    const std::uint64_t a = pos + i;
    const std::uint64_t c = std::min(n - i, kPg - a % kPg);
    auto it = f.pages.find(a / kPg);
    const PageData* d = (contents_ && it != f.pages.end()) ? it->second.get() : nullptr;
    if (d) std::memcpy(out + i, d->bytes.data() + a % kPg, c);
    else std::memset(out + i, 0, c);
    if (d && d->unknown.any()) {
      for (std::uint64_t b = 0; b < c; ++b) unknown[i + b] = d->unknown[a % kPg + b];
    } else {
      std::memset(unknown + i, 0, c);
    }
    i += c;
  }
  return n;
}

void Model::file_adopt(int id, std::uint64_t pos, const std::uint8_t* seen, std::uint64_t len) {
  if (!contents_) return;
  FileObj& f = file(id);
  for (auto& [index, d] : f.pages) {
    if (!d || !d->unknown.any()) continue;
    for (std::uint64_t b = 0; b < kPg; ++b) {
      const std::uint64_t a = index * kPg + b;
      if (d->unknown[b] && a >= pos && a < pos + len) {
        d->bytes[b] = seen[a - pos];
        d->unknown[b] = false;
      }
    }
  }
}

void Model::mark_exposed_unknown(FileObj& f, std::uint64_t from, std::uint64_t to) {
  // The old last page's bytes past EOF that a larger size exposes: what a mapping
  // stored there may or may not have survived (writeback zeroes it on some filesystems).
  if (from % kPg == 0 || to <= from) return;
  auto it = f.pages.find(from / kPg);
  if (it == f.pages.end() || !it->second) return;
  PageData& d = *it->second;
  const std::uint64_t end = std::min(to, (from / kPg + 1) * kPg);
  for (std::uint64_t a = from; a < end; ++a) {
    if (d.bytes[a % kPg] != 0) d.unknown[a % kPg] = true;
  }
}

void Model::file_write(int id, std::uint64_t pos, const std::uint8_t* bytes, const bool* unknown, std::uint64_t len) {
  if (len == 0) return;
  FileObj& f = file(id);
  if (pos > f.size) mark_exposed_unknown(f, f.size, pos);
  for (std::uint64_t i = 0; i < len; ++i) {
    const std::uint64_t a = pos + i;
    Data& d = f.pages[a / kPg];
    if (!d) d = std::make_shared<PageData>();
    d->bytes[a % kPg] = bytes[i];
    d->unknown[a % kPg] = unknown ? unknown[i] : false;
  }
  f.size = std::max(f.size, pos + len);
}

void Model::truncate(int id, std::uint64_t size) {
  FileObj& f = file(id);
  if (size >= f.size) {
    mark_exposed_unknown(f, f.size, size);
    f.size = size;
    return;
  }
  f.size = size;
  const std::uint64_t keep = f.size_pages();
  f.pages.erase(f.pages.lower_bound(keep), f.pages.end());
  if (size % kPg != 0) {
    auto it = f.pages.find(size / kPg);
    if (it != f.pages.end() && it->second) {
      for (std::uint64_t b = size % kPg; b < kPg; ++b) {
        it->second->bytes[b] = 0;
        it->second->unknown[b] = false;
      }
    }
  }
  for (auto& [pid, p] : procs_) {
    for (auto& [pn, pg] : p.pages) {
      if (pg.kind == Kind::file_private && pg.obj == id && pg.index >= keep) drop_private(pg);
    }
  }
}

void Model::writeback(int id) {
  FileObj& f = file(id);
  mark_exposed_unknown(f, f.size, (f.size / kPg + 1) * kPg);
}

// ---- processes ---------------------------------------------------------------------

ProcState& Model::fork(ProcState& parent, int child_pid) {
  ProcState& c = procs_[child_pid];
  c.pid = child_pid;
  c.ppid = parent.pid;
  c.start_brk = parent.start_brk;
  c.brk = parent.brk;
  c.fds = parent.fds;
  for (const auto& [pn, pg] : parent.pages) {
    if (pg.dontfork) continue;  // dup_mmap() skips VM_DONTCOPY
    Page copy = pg;
    if (pg.wipeonfork) copy.data = nullptr;  // VM_WIPEONFORK: the child starts empty
    c.pages.emplace(pn, std::move(copy));
  }
  parent.children.push_back(child_pid);
  return c;
}

void Model::exit(ProcState& p, int status) {
  p.alive = false;
  p.status = status;
  p.pages.clear();
  p.fds.clear();
  for (int c : p.children) {
    ProcState& child = procs_.at(c);
    child.ppid = 1;
    if (!child.alive) procs_.erase(c);  // init reaps orphaned zombies
  }
  p.children.clear();
  if (p.ppid == 1) procs_.erase(p.pid);
}

std::optional<std::pair<int, int>> Model::wait(ProcState& parent, Errno* err) {
  for (auto it = parent.children.begin(); it != parent.children.end(); ++it) {
    ProcState& c = procs_.at(*it);
    if (c.alive) continue;
    const std::pair<int, int> r{c.pid, c.status};
    procs_.erase(*it);
    parent.children.erase(it);
    return r;
  }
  if (parent.children.empty()) {
    *err = Errno::child;
    return std::nullopt;
  }
  return std::pair<int, int>{0, 0};
}

}  // namespace vmlab::shadow
