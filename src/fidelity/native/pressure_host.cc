#include "fidelity/native/pressure_host.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "fidelity/host_disk.h"
#include "fidelity/memcg_stat.h"

namespace vmlab::fidelity {

namespace {

constexpr int kSettleTimeoutMs = 20000;
constexpr int kMpolBind = 2;        // MPOL_BIND
constexpr unsigned kMpolMfMove = 2;  // MPOL_MF_MOVE

std::int64_t read_sysctl(const char* path, std::int64_t fallback) {
  std::ifstream f(path);
  std::int64_t v;
  return f >> v ? v : fallback;
}

void write_sysctl(const char* path, const char* value) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && ::write(fd, value, std::strlen(value)) == static_cast<ssize_t>(std::strlen(value));
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error(std::string("cannot write ") + path + ": " + std::strerror(err));
}

CgroupPlace memory_cgroup() {
  std::string why;
  std::optional<CgroupPlace> place = find_memory_cgroup(why);
  if (!place) throw std::runtime_error(why);
  return *place;
}

void run_on_cpu0() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(0, &cpus);
  if (::sched_setaffinity(0, sizeof cpus, &cpus) != 0) {
    throw std::runtime_error(std::string("cannot run on CPU 0: ") + std::strerror(errno));
  }
}

// lru_add_drain_all() without dropping anything: mbind(MPOL_MF_MOVE) disables the LRU
// batches for its duration (lru_cache_disable()), which drains every CPU's. On this
// page of our own, bound to node 0 where it already is, it moves nothing. A kernel
// without NUMA has no mbind: there, drop_caches drains (and drops clean page cache).
void drain_every_cpu() {
  alignas(4096) static char page[4096];
  page[0] = 1;
  const unsigned long node0 = 1;
  if (::syscall(SYS_mbind, page, sizeof page, kMpolBind, &node0, sizeof node0 * 8 + 1, kMpolMfMove) == 0) return;
  if (errno != ENOSYS) throw std::runtime_error(std::string("mbind to drain the LRU batches: ") + std::strerror(errno));
  write_sysctl("/proc/sys/vm/drop_caches", "1");
}

}  // namespace

PressureHost::PressureHost(const PressureConfig& pressure, const std::string& case_dir) {
  const CgroupPlace place = memory_cgroup();
  remove_stale_swap_files();
  remove_stale_cgroups(place);
  run_on_cpu0();
  // Each case starts with every CPU's LRU batches drained. (Not drop_caches: the case's
  // files are new and its group empty, and the host's page cache belongs to others.)
  drain_every_cpu();
  guard_ = std::make_unique<CleanupGuard>(place);
  if (pressure.swap > 0) swap_ = std::make_unique<SwapFile>(pressure.swap);
  cgroup_ = std::make_unique<HostCgroup>(place, pressure);
  flusher_ = std::make_unique<StatsFlusher>(case_dir, cgroup_->procs_file());
}

PressureSample PressureHost::sample() {
  flusher_->flush();
  PressureSample s;
  s.memcg = cgroup_->fields();
  std::ifstream f("/proc/vmstat");
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto vmstat = parse_name_value_lines(text);
  s.pswpin = vmstat.at("pswpin");
  s.pswpout = vmstat.at("pswpout");
  return s;
}

void PressureHost::settle() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSettleTimeoutMs);
  for (;;) {
    flusher_->flush();
    if (cgroup_->writeback_bytes() == 0) break;
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the case's writeback did not finish in 20 s");
    }
    const timespec pause{0, 1000000};
    ::nanosleep(&pause, nullptr);
  }
  drain_every_cpu();
}

void PressureHost::remove_now() {
  HostCgroup::remove_now();
  SwapFile::remove_now();
}

nlohmann::json probe_pressure_host() {
  using nlohmann::json;
  const auto refuse = [](const std::string& why) { return json{{"ok", false}, {"why", why}}; };
  if (::geteuid() != 0) return refuse("not root (swapon and memory cgroups need root)");
  std::string why;
  const std::optional<CgroupPlace> place = find_memory_cgroup(why);
  if (!place) return refuse(why);
  // zswap would keep the case's pages in a compressed pool instead of writing them to
  // the area: pswpout and the group's swap would count something vmlab does not model.
  std::ifstream zswap("/sys/module/zswap/parameters/enabled");
  std::string zswap_on;
  if (zswap >> zswap_on && (zswap_on == "Y" || zswap_on == "1")) {
    return refuse("zswap is enabled (/sys/module/zswap/parameters/enabled); vmlab swaps to the area directly");
  }
  std::ifstream mglru("/sys/kernel/mm/lru_gen/enabled");
  std::string lru_gen;
  if (mglru >> lru_gen && lru_gen != "0x0000") {
    return refuse("MGLRU is enabled (/sys/kernel/mm/lru_gen/enabled " + lru_gen + "); vmlab has the classic LRU lists");
  }
  try {
    remove_stale_swap_files();
    remove_stale_cgroups(*place);
    const CleanupGuard guard(*place);
    const SwapFile swap(1 << 20);
    PressureConfig small;
    small.memory_max = 16 << 20;
    const HostCgroup group(*place, small);
  } catch (const std::exception& e) {
    return refuse(e.what());
  }
  const std::string swap_dir = std::filesystem::path(kSwapDirPrefix).parent_path().string();
  return json{{"ok", true},
              {"cgroup", place->version == CgroupVersion::v1 ? "v1" : "v2"},
              {"group_parent", place->parent},
              {"pids_parent", place->pids_parent},
              {"swap_dir", swap_dir},
              {"rotational", disk_queue_setting(swap_dir, "rotational").value_or(1) != 0},
              {"swappiness", read_sysctl("/proc/sys/vm/swappiness", 60)},
              {"page_cluster", read_sysctl("/proc/sys/vm/page-cluster", 3)},
              {"foreign_swap", foreign_swap_areas()}};
}

}  // namespace vmlab::fidelity
