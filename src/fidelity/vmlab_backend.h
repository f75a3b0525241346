// The vmlab side: the same raw operations on a vmlab Machine.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fidelity/backend.h"
#include "fidelity/pressure.h"
#include "vmlab/machine.h"

namespace vmlab::fidelity {

class VmlabBackend final : public Backend {
 public:
  // With `pressure`, the machine must have been configured by pressure_overrides().
  explicit VmlabBackend(const MachineConfig& config, std::optional<PressureConfig> pressure = std::nullopt);
  ~VmlabBackend() override;

  void start() override;
  std::uint64_t brk0() const override { return brk0_; }
  std::string file_prefix() const override { return "/fid/"; }

  std::int64_t mmap(int slot, std::uint64_t addr, std::uint64_t len, int prot, int flags, const FileArg* file,
                    std::uint64_t off) override;
  std::int64_t munmap(int slot, std::uint64_t addr, std::uint64_t len) override;
  std::int64_t mprotect(int slot, std::uint64_t addr, std::uint64_t len, int prot) override;
  std::int64_t madvise(int slot, std::uint64_t addr, std::uint64_t len, int advice) override;
  std::int64_t msync(int slot, std::uint64_t addr, std::uint64_t len, int flags) override;
  std::int64_t mremap(int slot, std::uint64_t addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                      std::uint64_t new_addr) override;
  std::uint64_t brk(int slot, std::uint64_t addr) override;
  AccessOutcome access(int slot, std::uint64_t addr, std::uint64_t len, std::string_view data, bool write) override;
  AccessOutcome touch(int slot, std::uint64_t addr, std::uint64_t pages, bool write, std::uint8_t value) override;
  std::int64_t file_create(int slot, const std::string& name, std::uint64_t size, Fill fill,
                           const std::string& text) override;
  std::int64_t file_write(int slot, const std::string& name, std::uint64_t off, const std::string& data) override;
  std::int64_t file_truncate(int slot, const std::string& name, std::uint64_t size) override;
  std::int64_t file_evict(int slot, const std::string& name) override;
  std::int64_t file_unlink(int slot, const std::string& name) override;
  std::int64_t fork(int slot, int child_slot) override;
  void exit(int slot, int code) override;
  std::int64_t wait(int slot, int child_slot) override;
  ObserveOutcome observe(int slot) override;
  PressureSample sample_pressure() override;
  void settle() override;
  std::int64_t set_oom_score_adj(int slot, int value) override;
  MincoreOutcome mincore(int slot, std::uint64_t addr, std::uint64_t len) override;
  std::vector<int> take_killed() override;
  std::int64_t reap(int slot) override;

  Machine& machine() { return *m_; }

 private:
  Process& p(int slot);
  // After a call a process made: if it died in it (the OOM killer), ProcessKilled.
  void survived(int slot);
  void make_memory_cgroup();
  std::string cgroup_file(const char* name) const;

  MachineConfig config_;
  std::optional<PressureConfig> pressure_;
  bool reported_dead_[kMaxProcs] = {};
  std::unique_ptr<Machine> m_;
  std::optional<Process> procs_[kMaxProcs];
  std::uint64_t base_min_[kMaxProcs] = {}, base_maj_[kMaxProcs] = {};
  std::uint64_t brk0_ = 0;
};

// A vmlab machine configured like this host: /proc/sys/vm's overcommit_memory,
// overcommit_ratio, overcommit_kbytes, max_map_count and mmap_min_addr, the read-ahead
// of the disk under /tmp, and the zero page as the host uses it (see docs/fidelity.md).
MachineConfig host_like_config();

// What a pressure case's machine copies from the host besides host_like_config(): the
// class of the disk under the host's swap file (a rotational one makes Linux read swap
// with cluster readahead and allocate slots from one shared hint) and the host's
// swappiness and page-cluster.
struct HostSwapFacts {
  bool rotational = true;
  int swappiness = 60;
  int page_cluster = 3;
};

// The settings (key=value, for MachineConfig::apply_override) that give a pressure
// case's machine its swap area (memory.swap, memory.swap_device), its swappiness and
// page-cluster. The memory limit is the case's cgroup's, not the machine's RAM.
std::vector<std::string> pressure_overrides(const PressureConfig& pressure, const HostSwapFacts& host);

}  // namespace vmlab::fidelity
