// System calls about the machine (kernel/sys.c, drivers/char/random.c,
// arch/riscv/kernel/sys_riscv.c): uname, sysinfo from the memory system's counters,
// getrandom from the machine's seeded generator, riscv_flush_icache.
#include <algorithm>
#include <cstring>
#include <vector>

#include "fs/proc/procfs.h"
#include "kernel/sys_handlers.h"
#include "kernel/kernel.h"
#include "kernel/user_mem.h"
#include "kernel/uts.h"

namespace vmlab::kern {

// struct new_utsname: six fields of 65 bytes.
std::int64_t sys_uname(SysCtx& c, const SysArgs& a) {
  std::uint8_t b[6 * 65] = {};
  const char* fields[6] = {kUtsSysname, kUtsNodename, kUtsRelease, kUtsVersion, kUtsMachine, kUtsDomainname};
  for (int i = 0; i < 6; ++i) std::strncpy(reinterpret_cast<char*>(b + 65 * i), fields[i], 64);
  return c.k.copy_to_user(c.t, a[0], b) ? 0 : err(Errno::fault);
}

// do_sysinfo(): sizes in bytes (mem_unit 1 on 64-bit), uptime rounded up to whole
// seconds, procs the number of tasks. Load averages are not modelled (0).
std::int64_t sys_sysinfo(SysCtx& c, const SysArgs& a) {
  const proc::Meminfo m = proc::meminfo(c.k.sys());
  std::uint8_t b[112] = {};
  auto put = [&](std::size_t off, std::uint64_t v) { std::memcpy(b + off, &v, 8); };
  const std::uint64_t now = c.k.now_ns();
  put(0, now / 1000000000ULL + (now % 1000000000ULL ? 1 : 0));
  put(32, m.mem_total * 1024);
  put(40, m.mem_free * 1024);
  put(48, m.shmem * 1024);
  put(56, m.buffers * 1024);
  put(64, m.swap_total * 1024);
  put(72, m.swap_free * 1024);
  std::uint16_t procs = 0;  // nr_threads: every task, threads included
  for (const auto& [tid, t] : c.k.tasks()) procs += t->exited ? 0 : 1;
  std::memcpy(b + 80, &procs, 2);
  const std::uint32_t mem_unit = 1;
  std::memcpy(b + 104, &mem_unit, 4);
  return c.k.copy_to_user(c.t, a[0], b) ? 0 : err(Errno::fault);
}

std::int64_t sys_getrandom(SysCtx& c, const SysArgs& a) {
  constexpr unsigned kNonblock = 1, kRandom = 2, kInsecure = 4;
  const unsigned flags = static_cast<unsigned>(a[2]);
  if (flags & ~(kNonblock | kRandom | kInsecure)) return err(Errno::inval);
  if ((flags & (kInsecure | kRandom)) == (kInsecure | kRandom)) return err(Errno::inval);
  const std::uint64_t len = std::min<std::uint64_t>(a[1], 0x7ffff000);  // MAX_RW_COUNT
  // get_random_bytes_user(): a page at a time; a fault ends it with what was copied.
  std::uint64_t done = 0;
  std::vector<std::uint8_t> chunk;
  while (done < len) {
    const std::uint64_t va = a[0] + done;
    const std::uint64_t n = std::min(len - done, kPageSize - (va & (kPageSize - 1)));
    chunk.resize(n);
    c.k.random_bytes(chunk.data(), n);
    if (!c.k.copy_to_user(c.t, va, chunk)) return done ? static_cast<std::int64_t>(done) : err(Errno::fault);
    done += n;
  }
  return static_cast<std::int64_t>(done);
}

// The range is ignored (as Linux does); every decoded instruction is dropped.
std::int64_t sys_riscv_flush_icache(SysCtx& c, const SysArgs& a) {
  constexpr std::uint64_t kLocal = 1;  // SYS_RISCV_FLUSH_ICACHE_LOCAL
  if (a[2] & ~kLocal) return err(Errno::inval);
  c.k.code_changed();
  return 0;
}

}  // namespace vmlab::kern
