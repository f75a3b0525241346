// The description of one simulated machine. Every field starts at the Linux default;
// a TOML file (configs/*.toml) and `--set key=value` overrides change it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "vmlab/mount.h"
#include "vmlab/units.h"

namespace vmlab {

// A malformed config file or override: the message is one line naming the problem.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct TlbGeometry {
  std::uint32_t entries = 64;
  std::uint32_t ways = 4;  // entries / ways sets, a power of two
};

enum class Layout { x86_64, riscv64 };

// The device swap lives on (hw/block_device.h has each one's latencies).
enum class SwapDevice { nvme, ssd, hdd };
constexpr std::string_view swap_device_name(SwapDevice d) {
  return d == SwapDevice::nvme ? "nvme" : d == SwapDevice::ssd ? "ssd" : "hdd";
}

struct MachineConfig {
  // [memory]
  std::uint64_t ram_bytes = 2 * GiB;  // memory.ram
  bool contents = true;               // memory.contents: false = metadata-only frames
  std::uint64_t swap_bytes = 0;       // memory.swap: a swap file of this size, on at boot
  SwapDevice swap_device = SwapDevice::ssd;  // memory.swap_device: "nvme", "ssd" or "hdd"

  // [cpu]
  std::uint32_t cpus = 1;                            // cpu.count
  TlbGeometry l1d_tlb{64, 4};                        // cpu.l1d_tlb.entries/.ways
  TlbGeometry l1i_tlb{128, 8};                       // cpu.l1i_tlb.entries/.ways
  TlbGeometry l2_tlb{1536, 12};                      // cpu.l2_tlb.entries/.ways (shared, STLB)
  bool gbpages = false;  // cpu.gbpages: x86-64 1 GiB pages (pdpe1gb) for the direct map

  // [vm]: the /proc/sys/vm knobs, with their Linux names and defaults.
  int overcommit_memory = 0;                 // vm.overcommit_memory
  int overcommit_ratio = 50;                 // vm.overcommit_ratio
  std::uint64_t overcommit_kbytes = 0;       // vm.overcommit_kbytes
  std::int64_t admin_reserve_kbytes = -1;    // vm.admin_reserve_kbytes (-1: Linux's init value)
  std::int64_t user_reserve_kbytes = -1;     // vm.user_reserve_kbytes (-1: Linux's init value)
  std::uint32_t max_map_count = 65530;       // vm.max_map_count
  std::uint64_t mmap_min_addr = 4096;        // vm.mmap_min_addr
  int swappiness = 60;                       // vm.swappiness
  std::int64_t min_free_kbytes = -1;         // vm.min_free_kbytes (-1: computed as Linux does)
  int watermark_scale_factor = 10;           // vm.watermark_scale_factor
  int page_cluster = 3;                      // vm.page-cluster
  bool zero_page = true;                     // vm.zero_page: anonymous read faults map the zero page
  std::uint64_t fault_around_bytes = 65536;  // vm.fault_around_bytes (debugfs on Linux)
  std::uint64_t read_ahead_kb = 128;         // vm.read_ahead_kb (the block device's)

  // [process]: resource limits of the first process.
  std::uint64_t stack_rlimit = 8 * MiB;   // process.stack_rlimit (RLIMIT_STACK)
  std::uint64_t data_rlimit = ~0ULL;      // process.data_rlimit (RLIMIT_DATA, unlimited)

  // [fs]
  // The size of the root filesystem's disk (memfs, an ext4 whose disk is host memory):
  // what statfs() reports for "/" (f_blocks, and f_files at one inode per 16 KiB, as
  // mke2fs makes them). Writes are not refused when it is full.
  std::uint64_t root_fs_bytes = 8 * GiB;  // fs.root_size

  // [kernel]: the /proc/sys/kernel settings of the kernel log (docs/kernel-log.md).
  int dmesg_restrict = 1;    // kernel.dmesg_restrict: Debian builds CONFIG_SECURITY_DMESG_RESTRICT=y
  int console_loglevel = 7;  // kernel.console_loglevel: kernel.printk's first field (loglevel=)

  // [layout]
  Layout layout = Layout::x86_64;  // layout.arch: "x86_64" or "riscv64"
  bool aslr = false;               // layout.aslr
  std::uint64_t seed = 1;          // layout.seed: the generator used where Linux randomises

  // [cost]: the virtual clock's cost model, in nanoseconds.
  std::uint64_t cost_instruction_ns = 1;   // cost.instruction
  std::uint64_t cost_tlb_walk_ns = 20;     // cost.tlb_walk
  std::uint64_t cost_minor_fault_ns = 500; // cost.minor_fault
  std::uint64_t cost_page_zero_ns = 100;   // cost.page_zero
  std::uint64_t cost_page_copy_ns = 200;   // cost.page_copy
  std::uint64_t cost_disk_read_ns = 100000;   // cost.disk_read (per request)
  std::uint64_t cost_disk_write_ns = 100000;  // cost.disk_write (per request)

  // Host directories the guest sees (hostfs), mounted in order after "/", /dev and
  // /proc: set programmatically or by `vmlab run --mount`; not a TOML key.
  // sysroot_mounts() gives the ones dynamically linked riscv64 programs need.
  std::vector<MountSpec> mounts;

  std::uint64_t ram_pages() const { return ram_bytes >> kPageShift; }

  // Loads a TOML file over the defaults. Throws ConfigError naming the file, the key
  // and the problem.
  static MachineConfig from_file(const std::string& path);
  // Applies TOML text over this config (the same keys as a file).
  void apply_toml(std::string_view text, std::string_view source_name);
  // Applies one `key=value` override, e.g. "vm.overcommit_memory=2", "memory.ram=512M".
  void apply_override(std::string_view assignment);
  // Checks the whole description (sizes, powers of two, ranges). Throws ConfigError.
  void validate() const;
  // The config as TOML text, every key with its value.
  std::string to_toml() const;
};

}  // namespace vmlab
