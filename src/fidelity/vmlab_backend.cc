#include "fidelity/vmlab_backend.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <stdexcept>

#include "api/machine_state.h"
#include "fidelity/host_disk.h"
#include "fidelity/procmaps.h"
#include "fs/memfs.h"
#include "mm/filemap.h"
#include "mm/lru_batch.h"
#include "mm/mman.h"
#include "mm/page_io.h"
#include "vmlab/mman.h"

namespace vmlab::fidelity {

namespace {
constexpr std::uint64_t kPage = 4096;
constexpr const char* kDir = "/fid/";
// The case's memory cgroup, made through vmlab's cgroup v2 files.
constexpr const char* kCgroup = "/sys/fs/cgroup/fidelity/";

template <class T>
std::int64_t raw(const Result<T>& r) {
  if (!r) return -static_cast<std::int64_t>(errno_value(r.error()));
  if constexpr (std::is_void_v<T>) {
    return 0;
  } else {
    return static_cast<std::int64_t>(*r);
  }
}

bool read_number(const std::string& path, std::int64_t& out) {
  std::ifstream f(path);
  std::int64_t v;
  if (!(f >> v)) return false;
  out = v;
  return true;
}
// The Rss of the /proc/self/smaps entry holding `addr`, in kB.
std::uint64_t rss_kb_at(std::uint64_t addr) {
  std::ifstream f("/proc/self/smaps");
  std::string line;
  bool in = false;
  while (std::getline(f, line)) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > line.find(' ')) {
      in = addr >= lo && addr < hi;
    } else if (in && line.rfind("Rss:", 0) == 0) {
      return std::stoull(line.substr(4));
    }
  }
  return 0;
}

// Whether this host's kernel maps the shared zero page on an anonymous read fault:
// read one untouched page and see whether smaps counts it. The page sits between two
// PROT_NONE pages of its own so its VMA cannot merge with a neighbour (an allocator's
// anonymous region, say) whose Rss could change while smaps is being read.
bool host_maps_zero_page() {
  void* p = ::mmap(nullptr, 3 * kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return true;
  char* const probe = static_cast<char*>(p) + kPage;
  bool zero_page = true;
  if (::mprotect(probe, kPage, PROT_READ | PROT_WRITE) == 0) {
    const auto a = reinterpret_cast<std::uint64_t>(probe);
    const std::uint64_t before = rss_kb_at(a);
    (void)*static_cast<volatile char*>(probe);
    zero_page = rss_kb_at(a) == before;
  }
  ::munmap(p, 3 * kPage);
  return zero_page;
}
}  // namespace

MachineConfig host_like_config() {
  MachineConfig c;
  std::int64_t v;
  if (read_number("/proc/sys/vm/overcommit_memory", v)) c.overcommit_memory = static_cast<int>(v);
  if (read_number("/proc/sys/vm/overcommit_ratio", v)) c.overcommit_ratio = static_cast<int>(v);
  if (read_number("/proc/sys/vm/overcommit_kbytes", v)) c.overcommit_kbytes = static_cast<std::uint64_t>(v);
  if (read_number("/proc/sys/vm/max_map_count", v)) c.max_map_count = static_cast<std::uint32_t>(v);
  if (read_number("/proc/sys/vm/mmap_min_addr", v)) c.mmap_min_addr = static_cast<std::uint64_t>(v);
  // The read-ahead of the block device holding /tmp, where the native runner's files are.
  if (auto kb = disk_queue_setting("/tmp", "read_ahead_kb")) c.read_ahead_kb = static_cast<std::uint64_t>(*kb);
  // Stock Linux maps the shared zero page on an anonymous read fault; a kernel that
  // forbids it (as the reference says CI's may) maps a private zeroed page. Ask the host.
  c.zero_page = host_maps_zero_page();
  return c;
}

std::vector<std::string> pressure_overrides(const PressureConfig& pressure, const HostSwapFacts& host) {
  return {"memory.swap=" + std::to_string(pressure.swap),
          std::string("memory.swap_device=") + (host.rotational ? "hdd" : "ssd"),
          "vm.swappiness=" + std::to_string(pressure.swappiness.value_or(host.swappiness)),
          "vm.page-cluster=" + std::to_string(host.page_cluster)};
}

VmlabBackend::VmlabBackend(const MachineConfig& config, std::optional<PressureConfig> pressure)
    : config_(config), pressure_(pressure) {}
VmlabBackend::~VmlabBackend() = default;

Process& VmlabBackend::p(int slot) {
  if (!procs_[slot]) throw std::runtime_error("no process in slot " + std::to_string(slot));
  return *procs_[slot];
}

void VmlabBackend::start() {
  m_ = std::make_unique<Machine>(config_);
  (void)m_->mkdir("/fid");
  (void)m_->write_file(std::string(kDir) + ".fence", std::string(kPage, 'f'));
  procs_[0] = m_->spawn("fidelity");
  Process& p0 = *procs_[0];
  // The fence, as the native runner builds it: [kFenceTop, stack - 2 MiB) filled.
  std::uint64_t stack_start = 0;
  for (const ProcVma& v : parse_smaps(p0.proc("maps"))) {
    if (v.name == "[stack]") stack_start = v.start;
  }
  if (stack_start == 0) throw std::runtime_error("vmlab process has no [stack]");
  auto fd = p0.open(std::string(kDir) + ".fence", kORdonly);
  if (!fd) throw std::runtime_error("cannot open the fence file");
  auto r = p0.mmap(kFenceTop, stack_start - (2 << 20) - kFenceTop, kProtNone, kMapPrivate | kMapFixedNoreplace, *fd, 0);
  if (!r) throw std::runtime_error("cannot map the fence: " + std::string(errno_name(r.error())));
  (void)p0.close(*fd);
  brk0_ = p0.brk(0);
  base_min_[0] = p0.minflt();
  base_maj_[0] = p0.majflt();
  if (pressure_) make_memory_cgroup();
}

std::string VmlabBackend::cgroup_file(const char* name) const { return std::string(kCgroup) + name; }

// The group the case's processes run in, as a shell would make it on a cgroup v2 host:
// the memory controller enabled for the root's children, the group made and limited,
// and the main process moved in once it is set up, so that only what the case does is
// charged to it.
void VmlabBackend::make_memory_cgroup() {
  const auto must = [](const Result<void>& r, const std::string& what) {
    if (!r) throw std::runtime_error("cannot " + what + ": " + std::string(errno_name(r.error())));
  };
  must(m_->write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory"),
       "enable the memory controller (write +memory to /sys/fs/cgroup/cgroup.subtree_control)");
  must(m_->mkdir(std::string(kCgroup, std::strlen(kCgroup) - 1)), std::string("make the memory cgroup ") + kCgroup);
  must(m_->write_file(cgroup_file("memory.max"), std::to_string(pressure_->memory_max)), "write memory.max");
  if (pressure_->swap_max || pressure_->swap == 0) {
    const std::uint64_t swap_max = pressure_->swap == 0 ? 0 : *pressure_->swap_max;
    must(m_->write_file(cgroup_file("memory.swap.max"), std::to_string(swap_max)), "write memory.swap.max");
  }
  must(m_->write_file(cgroup_file("cgroup.procs"), std::to_string(p(0).pid())), "write cgroup.procs");
}

std::int64_t VmlabBackend::mmap(int slot, std::uint64_t addr, std::uint64_t len, int prot, int flags,
                                const FileArg* file, std::uint64_t off) {
  Process& pr = p(slot);
  if (file == nullptr) {
    const std::int64_t r = raw(pr.mmap(addr, len, prot, flags, -1, off));  // MAP_POPULATE charges
    survived(slot);
    return r;
  }
  int fd = 1000;
  if (file->kind == FileArg::Kind::path) {
    auto f = pr.open(kDir + file->name, file->open_flags);
    if (!f) throw std::runtime_error("cannot open " + file->name + ": " + std::string(errno_name(f.error())));
    fd = *f;
  } else if (file->kind == FileArg::Kind::directory) {
    auto f = pr.open("/fid", kORdonly | kODirectory);
    if (!f) throw std::runtime_error("cannot open /fid");
    fd = *f;
  }
  std::int64_t r = raw(pr.mmap(addr, len, prot, flags, fd, off));
  survived(slot);
  if (file->kind != FileArg::Kind::bad_fd) (void)pr.close(fd);
  return r;
}

std::int64_t VmlabBackend::munmap(int slot, std::uint64_t addr, std::uint64_t len) { return raw(p(slot).munmap(addr, len)); }
std::int64_t VmlabBackend::mprotect(int slot, std::uint64_t addr, std::uint64_t len, int prot) {
  return raw(p(slot).mprotect(addr, len, prot));
}
std::int64_t VmlabBackend::madvise(int slot, std::uint64_t addr, std::uint64_t len, int advice) {
  const std::int64_t r = raw(p(slot).madvise(addr, len, advice));  // MADV_POPULATE_* and WILLNEED charge
  survived(slot);
  return r;
}
std::int64_t VmlabBackend::msync(int slot, std::uint64_t addr, std::uint64_t len, int flags) {
  return raw(p(slot).msync(addr, len, flags));
}
std::int64_t VmlabBackend::mremap(int slot, std::uint64_t addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                                  std::uint64_t new_addr) {
  const std::int64_t r = raw(p(slot).mremap(addr, old_len, new_len, flags, new_addr));
  survived(slot);
  return r;
}
std::uint64_t VmlabBackend::brk(int slot, std::uint64_t addr) { return p(slot).brk(addr); }

void VmlabBackend::survived(int slot) {
  if (procs_[slot] && !procs_[slot]->alive()) throw ProcessKilled{slot};
}

AccessOutcome VmlabBackend::access(int slot, std::uint64_t addr, std::uint64_t len, std::string_view data, bool write) {
  // The native runner accesses byte by byte: one page at a time here, so that a
  // signal on a later page leaves the earlier pages done, as there.
  Process& pr = p(slot);
  AccessOutcome o;
  if (write) len = data.size();
  for (std::uint64_t done = 0; done < len;) {
    const std::uint64_t a = addr + done;
    const std::uint64_t n = std::min(len - done, kPage - (a & (kPage - 1)));
    SigInfo s;
    if (write) {
      auto r = pr.write_bytes(a, {reinterpret_cast<const std::uint8_t*>(data.data()) + done, n});
      if (!r) s = r.error();
    } else {
      auto r = pr.read_string(a, n);
      if (!r) s = r.error();
      else o.bytes += *r;
    }
    if (s.signo != Signal::none) {
      survived(slot);
      o.signo = static_cast<int>(s.signo), o.code = s.code, o.addr = s.addr;
      o.bytes.clear();
      break;
    }
    done += n;
  }
  survived(slot);
  return o;
}

AccessOutcome VmlabBackend::touch(int slot, std::uint64_t addr, std::uint64_t pages, bool write, std::uint8_t value) {
  Process& pr = p(slot);
  AccessOutcome o;
  for (std::uint64_t i = 0; i < pages; ++i) {
    const std::uint64_t a = addr + i * kPage;
    SigInfo s;
    if (write) {
      auto r = pr.store<std::uint8_t>(a, value);
      if (!r) s = r.error();
    } else {
      auto r = pr.load<std::uint8_t>(a);
      if (!r) s = r.error();
    }
    if (s.signo != Signal::none) {
      survived(slot);
      o.signo = static_cast<int>(s.signo), o.code = s.code, o.addr = s.addr;
      break;
    }
    o.done = i + 1;
  }
  survived(slot);
  return o;
}

std::int64_t VmlabBackend::file_create(int slot, const std::string& name, std::uint64_t size, Fill fill,
                                       const std::string& text) {
  Process& pr = p(slot);
  const std::string path = kDir + name;
  if (fill == Fill::zero) {
    auto fd = pr.open(path, kORdwr | kOCreat | kOTrunc);
    if (!fd) return raw(fd);
    std::int64_t r = raw(pr.ftruncate(*fd, size));
    (void)pr.close(*fd);
    return r;
  }
  std::string contents;
  if (fill == Fill::text) {
    contents = text;
    contents.resize(size, '\0');
  } else {
    contents.resize(size);
    for (std::uint64_t i = 0; i < size; ++i) contents[i] = pattern_byte(i);
  }
  return raw(m_->write_file(path, contents));
}

std::int64_t VmlabBackend::file_write(int slot, const std::string& name, std::uint64_t off, const std::string& data) {
  (void)slot;
  auto inode = m_->state().kernel.rootfs().lookup(kDir + name);
  if (!inode) return -static_cast<std::int64_t>(errno_value(inode.error()));
  auto r = fs::file_write(m_->state().sys, **inode, off, reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  return raw(r);
}

std::int64_t VmlabBackend::file_truncate(int slot, const std::string& name, std::uint64_t size) {
  Process& pr = p(slot);
  auto fd = pr.open(kDir + name, kOWronly);
  if (!fd) return raw(fd);
  std::int64_t r = raw(pr.ftruncate(*fd, size));
  (void)pr.close(*fd);
  return r;
}

std::int64_t VmlabBackend::file_evict(int slot, const std::string& name) {
  Process& pr = p(slot);
  auto fd = pr.open(kDir + name, kORdonly);
  if (!fd) return raw(fd);
  std::int64_t r = raw(pr.fsync(*fd));
  (void)pr.close(*fd);
  auto inode = m_->state().kernel.rootfs().lookup(kDir + name);
  if (inode) (void)mm::page_cache_invalidate(m_->state().sys, **inode, 0, ~std::uint64_t{0} >> 13);
  return r;
}

std::int64_t VmlabBackend::file_unlink(int slot, const std::string& name) { return raw(p(slot).unlink(kDir + name)); }

std::int64_t VmlabBackend::fork(int slot, int child_slot) {
  auto r = p(slot).fork();
  survived(slot);
  if (!r) return -static_cast<std::int64_t>(errno_value(r.error()));
  procs_[child_slot] = *r;
  base_min_[child_slot] = base_maj_[child_slot] = 0;
  reported_dead_[child_slot] = false;
  return 0;
}

void VmlabBackend::exit(int slot, int code) { p(slot).exit(code); }

std::int64_t VmlabBackend::wait(int slot, int child_slot) {
  const int pid = p(child_slot).pid();
  auto r = p(slot).wait(pid);
  procs_[child_slot].reset();
  if (!r) return -static_cast<std::int64_t>(errno_value(r.error()));
  return r->status;
}

ObserveOutcome VmlabBackend::observe(int slot) {
  Process& pr = p(slot);
  ObserveOutcome o;
  o.minflt = pr.minflt() - base_min_[slot];
  o.majflt = pr.majflt() - base_maj_[slot];
  o.maps = pr.proc("maps");
  o.smaps = pr.proc("smaps");
  o.vmrss_kb = pr.status_kb("VmRSS");
  o.vmswap_kb = pr.status_kb("VmSwap");
  return o;
}

PressureSample VmlabBackend::sample_pressure() {
  const auto read = [this](const char* name) {
    auto text = m_->read_file(cgroup_file(name));
    if (!text) throw std::runtime_error("cannot read " + cgroup_file(name) + ": " + std::string(errno_name(text.error())));
    return *text;
  };
  PressureSample s;
  const std::string swap_current = read("memory.swap.current");
  s.memcg = memcg_fields_from_v2(read("memory.stat"), read("memory.events"), std::stoull(swap_current));
  s.pswpin = m_->vmstat_value("pswpin");
  s.pswpout = m_->vmstat_value("pswpout");
  return s;
}

// As the host's settle: the machine idles until every swap write it submitted has
// completed (the device's clock), then every CPU's LRU batches are drained, as
// lru_add_drain_all() does.
void VmlabBackend::settle() {
  mm::MemorySystem& sys = m_->state().sys;
  while (!sys.io().empty()) mm::sleep_on_io(sys, sys.io().next(), 0);
  mm::lru_add_drain_all(sys);
}

std::int64_t VmlabBackend::set_oom_score_adj(int slot, int value) {
  return raw(m_->write_file("/proc/" + std::to_string(p(slot).pid()) + "/oom_score_adj", std::to_string(value)));
}

MincoreOutcome VmlabBackend::mincore(int slot, std::uint64_t addr, std::uint64_t len) {
  MincoreOutcome o;
  auto vec = mm::do_mincore(*m_->state().task(p(slot).pid()).mm, addr, len);
  if (!vec) {
    o.ret = -static_cast<std::int64_t>(errno_value(vec.error()));
    return o;
  }
  for (std::uint8_t b : *vec) o.resident += (b & 1) ? '1' : '0';
  return o;
}

std::vector<int> VmlabBackend::take_killed() {
  std::vector<int> out;
  for (int i = 0; i < kMaxProcs; ++i) {
    if (procs_[i] && !procs_[i]->alive() && !reported_dead_[i]) {
      reported_dead_[i] = true;
      out.push_back(i);
    }
  }
  return out;
}

std::int64_t VmlabBackend::reap(int slot) {
  const std::int64_t status = p(slot).exit_status();
  procs_[slot].reset();
  return status;
}

}  // namespace vmlab::fidelity
