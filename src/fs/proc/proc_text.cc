// The text of each /proc file, rendered from live state when it is opened (the
// show() functions of fs/proc and the sysctl handlers).
#include <algorithm>
#include <charconv>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "fs/proc/proc_fs.h"
#include "fs/proc/procfs.h"
#include "fs/vfs.h"
#include "kernel/kernel.h"
#include "kernel/kernel_log.h"
#include "mm/address_space.h"
#include "mm/memory_system.h"
#include "mm/page_table.h"

namespace vmlab::kern {

namespace {

// The bytes of [from, to) of a process's memory that are present, as
// access_remote_vm() would read them; reading stops at the first page not present
// (vmlab does not fault pages in for /proc readers).
std::string peek(mm::MemorySystem& sys, mm::AddressSpace& mm, VirtAddr from, VirtAddr to) {
  std::string out;
  if (!sys.mem().data_contents()) return out;
  for (VirtAddr va = from; va < to;) {
    const std::uint64_t n = std::min<std::uint64_t>(to - va, kPageSize - (va & (kPageSize - 1)));
    hw::Pte* pte = mm::pte_lookup(mm, va);
    if (pte == nullptr || !hw::pte_present(*pte)) break;
    out.append(reinterpret_cast<const char*>(sys.mem().frame(hw::pte_pfn(*pte))) + (va & (kPageSize - 1)), n);
    va += n;
  }
  return out;
}

// mangle(): the characters /proc/mounts escapes as octal.
std::string mangle(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\\') out += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out;
}

// show_vfsmnt(): one line per mount, in mount order.
std::string mounts_text(const fs::Vfs& vfs) {
  std::vector<const fs::Mount*> order;
  for (const auto& [path, m] : vfs.mounts()) order.push_back(m.get());
  std::sort(order.begin(), order.end(), [](const fs::Mount* a, const fs::Mount* b) { return a->seq < b->seq; });
  std::string out;
  for (const fs::Mount* m : order) {
    const std::string_view type = m->fs->type_name();
    std::string opts = m->read_only ? "ro" : "rw";
    if (m->flags & fs::kMntNosuid) opts += ",nosuid";
    if (m->flags & fs::kMntNodev) opts += ",nodev";
    if (m->flags & fs::kMntNoexec) opts += ",noexec";
    opts += ",relatime";
    if (type == "devtmpfs") opts += ",mode=755";
    out += fmt::format("{} {} {} {} 0 0\n", mangle(m->source), mangle(m->path), type, opts);
  }
  return out;
}

// The TaskView of `t`: SigQ counts the queued signals of every task of the same user
// (the ucounts' RLIMIT_SIGPENDING count); for the whole process, the times and faults
// of its threads, those that have exited included (thread_group_cputime()).
proc::TaskView task_view(Kernel& k, const Task& t, bool whole) {
  proc::TaskView v{t, whole};
  const ThreadGroup& g = *t.tg;
  v.threads = static_cast<unsigned>(g.live > 0 ? g.live : 1);
  v.sigq_limit = g.rlimits[kRlimitSigpending].cur;
  v.sigq_queued = k.queued_signals(g.uid);
  const Usage u = whole ? k.usage(g) : t.usage;
  v.utime_ns = u.utime_ns;
  v.stime_ns = u.stime_ns;
  v.min_flt = u.min_flt;
  v.maj_flt = u.maj_flt;
  return v;
}

// show_cpuinfo() of arch/riscv/kernel/cpu.c: a block per CPU. The ISA string is what
// the interpreter implements (RV64GC with the CSR, counter and fence.i extensions);
// the vendor, architecture and implementation ids are 0, as on QEMU's virt board. An
// x86-64 machine's cpuinfo is not modelled (its programs are loaded, never run).
Result<std::string> cpuinfo_text(const MachineConfig& c) {
  if (c.layout != Layout::riscv64) return Errno::noent;
  constexpr std::string_view kIsa = "rv64imafdc_zicntr_zicsr_zifencei";
  std::string out;
  for (unsigned cpu = 0; cpu < c.cpus; ++cpu) {
    out += fmt::format("processor\t: {}\nhart\t\t: {}\nisa\t\t: {}\nmmu\t\t: sv39\n", cpu, cpu, kIsa);
    out += fmt::format("mvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\nhart isa\t: {}\n\n", kIsa);
  }
  return out;
}

Result<std::string> sys_text(std::string_view name, const mm::MemorySystem& sys, const KernelLog& log) {
  const MachineConfig& c = sys.config();
  auto line = [](auto v) { return fmt::format("{}\n", v); };
  if (name == "kernel/pid_max") return line(proc::kPidMax);
  if (name == "kernel/dmesg_restrict") return line(c.dmesg_restrict);
  if (name == "kernel/printk") return log.printk_sysctl();
  // devkmsg_sysctl_set_loglvl(): /dev/kmsg writes are rate-limited (kernel/kmsg_file.h).
  if (name == "kernel/printk_devkmsg") return std::string("ratelimit\n");
  if (name == "vm/admin_reserve_kbytes") return line(sys.admin_reserve_pages() * (kPageSize / 1024));
  if (name == "vm/user_reserve_kbytes") return line(sys.user_reserve_pages() * (kPageSize / 1024));
  if (name == "vm/max_map_count") return line(c.max_map_count);
  if (name == "vm/min_free_kbytes") return line(sys.min_free_kbytes());
  if (name == "vm/mmap_min_addr") return line(c.mmap_min_addr);
  if (name == "vm/overcommit_kbytes") return line(c.overcommit_kbytes);
  if (name == "vm/overcommit_memory") return line(c.overcommit_memory);
  if (name == "vm/overcommit_ratio") return line(c.overcommit_ratio);
  if (name == "vm/page-cluster") return line(c.page_cluster);
  if (name == "vm/swappiness") return line(sys.swappiness());
  if (name == "vm/watermark_scale_factor") return line(c.watermark_scale_factor);
  return Errno::noent;
}

// The files of /proc/PID and /proc/PID/task/TID. `whole`: the process's (/proc/PID).
Result<std::string> task_file(Kernel& k, mm::MemorySystem& sys, const Task& t, std::string_view file, bool whole) {
  if (file == "status") return proc::status_text(task_view(k, t, whole), sys);
  if (file == "stat") return proc::stat_text(task_view(k, t, whole), sys);
  if (file == "statm") return proc::statm_text(t);
  if (file == "comm") return t.comm + "\n";
  if (file == "mounts") return mounts_text(k.vfs());
  if (file == "cmdline" || file == "environ") {
    // proc_pid_cmdline_read(), environ_read(): the strings exec put on the stack.
    if (!t.mm) return std::string();
    mm::AddressSpace& mm = *t.mm;
    return file == "cmdline" ? peek(sys, mm, mm.arg_start, mm.arg_end) : peek(sys, mm, mm.env_start, mm.env_end);
  }
  if (file == "maps" || file == "smaps" || file == "smaps_rollup") {
    if (!t.mm) return std::string();  // an exited task has no address space: empty files
    if (file == "maps") return proc::maps_text(*t.mm);
    if (file == "smaps") return proc::smaps_text(sys, *t.mm);
    return proc::smaps_rollup_text(sys, *t.mm);
  }
  if (file == "oom_score") return fmt::format("{}\n", oom_score(k, t));
  if (file == "oom_score_adj") return fmt::format("{}\n", t.tg->oom_score_adj);
  if (file.empty() || file == "task") return Errno::isdir;
  return Errno::noent;
}

std::optional<int> parse_id(std::string_view s) {
  int id = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return id;
}

}  // namespace

Result<std::string> Kernel::proc_text(std::string_view path, const Task* self) {
  // path is canonical: "/proc/meminfo", "/proc/1234/status", "/proc/1234/task/1235/stat",
  // "/proc/sys/vm/swappiness"; host-side callers may say "/proc/self/..." and
  // "/proc/thread-self/...".
  std::string_view rest = path.substr(std::string_view("/proc").size());
  if (rest.starts_with('/')) rest.remove_prefix(1);
  if (rest == "meminfo") return proc::meminfo_text(sys_);
  if (rest == "vmstat") return proc::vmstat_text(sys_);
  if (rest == "swaps") return proc_swaps();
  if (rest == "mounts") return mounts_text(vfs());
  if (rest == "cpuinfo") return cpuinfo_text(config_);
  if (rest == "uptime") {
    // uptime_proc_show(): seconds since boot and the CPUs' idle time (none here).
    const std::uint64_t ns = now_ns();
    return fmt::format("{}.{:02} 0.00\n", ns / 1000000000, ns % 1000000000 / 10000000);
  }
  if (rest.starts_with("sys/")) return sys_text(rest.substr(4), sys_, *log_);
  auto split = [](std::string_view& r) {
    const auto slash = r.find('/');
    const std::string_view head = r.substr(0, slash);
    r = slash == std::string_view::npos ? std::string_view() : r.substr(slash + 1);
    return head;
  };
  const std::string_view who = split(rest);
  const Task* t = nullptr;
  if (who == "self") {
    if (self != nullptr) t = find(self->tgid());
  } else if (who == "thread-self") {
    if (self != nullptr) t = find_task(self->tid);
    if (t != nullptr) return task_file(*this, sys_, *t, rest, false);
  } else if (auto pid = parse_id(who)) {
    t = find(*pid);
  }
  if (t == nullptr) return Errno::noent;
  if (rest.starts_with("task/")) {
    rest.remove_prefix(5);
    auto tid = parse_id(split(rest));
    const Task* th = tid ? find_task(*tid) : nullptr;
    if (th == nullptr || th->tg != t->tg) return Errno::noent;
    return task_file(*this, sys_, *th, rest, false);
  }
  return task_file(*this, sys_, *t, rest, true);
}

}  // namespace vmlab::kern
