// The text of each /proc file, rendered from live state when it is opened (the
// show() functions of fs/proc and the sysctl handlers).
#include <algorithm>
#include <charconv>
#include <string>

#include <fmt/format.h>

#include "fs/proc/proc_fs.h"
#include "fs/proc/procfs.h"
#include "fs/vfs.h"
#include "kernel/kernel.h"
#include "kernel/task_table.h"
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
    if (type == "proc") opts += ",nosuid,nodev,noexec";
    else if (type == "devtmpfs") opts += ",nosuid";
    opts += ",relatime";
    if (type == "devtmpfs") opts += ",mode=755";
    out += fmt::format("{} {} {} {} 0 0\n", mangle(m->source), mangle(m->path), type, opts);
  }
  return out;
}

// What task_sig(), collect_sigign_sigcatch(), task_cputime() and the context switch
// counts read of the process's thread. SigQ counts the queued signals of every task
// of the same user (the ucounts' RLIMIT_SIGPENDING count).
proc::ThreadState thread_state(Kernel& k, TaskTable* tasks, const Process& p) {
  proc::ThreadState s;
  s.pgid = s.sid = p.pid;  // a process of the C++ API leads its own group and session
  const mm::MemorySystem& sys = k.sys();
  Task* t = tasks != nullptr ? tasks->find(p.pid) : nullptr;
  if (t == nullptr) {
    s.sigq_limit = initial_rlimits(sys.config(), sys.total_pages())[kRlimitSigpending].cur;
    return s;
  }
  s.sigq_limit = t->rlimits[kRlimitSigpending].cur;
  for (int pid : tasks->order()) {
    const Task* other = tasks->find(pid);
    const Process* op = k.find(pid);
    if (other != nullptr && other->alive && op != nullptr && op->uid == p.uid) s.sigq_queued += other->queue.size();
  }
  for (const KSigInfo& info : t->queue) (info.group ? s.shd_pnd : s.sig_pnd) |= sig_bit(info.signo);
  s.sig_blk = t->blocked;
  for (int sig = 1; sig <= kNsig; ++sig) {
    const std::uint64_t handler = t->actions[static_cast<std::size_t>(sig)].handler;
    if (handler == kSigIgn) s.sig_ign |= sig_bit(sig);
    else if (handler != kSigDfl) s.sig_cgt |= sig_bit(sig);
  }
  s.utime = static_cast<std::uint64_t>(nsec_to_clock_t(t->utime_ns));
  s.stime = static_cast<std::uint64_t>(nsec_to_clock_t(t->stime_ns));
  s.cutime = nsec_to_clock_t(t->cutime_ns);
  s.cstime = nsec_to_clock_t(t->cstime_ns);
  s.pgid = t->pgid;
  s.sid = t->sid;
  s.nvcsw = t->nvcsw;
  s.nivcsw = t->nivcsw;
  s.exit_signal = t->exit_signal;
  s.sleeping = t->blocked_now();
  return s;
}

Result<std::string> sys_text(std::string_view name, const mm::MemorySystem& sys) {
  const MachineConfig& c = sys.config();
  auto line = [](auto v) { return fmt::format("{}\n", v); };
  if (name == "kernel/pid_max") return line(proc::kPidMax);
  if (name == "vm/admin_reserve_kbytes") return line(sys.admin_reserve_pages() * (kPageSize / 1024));
  if (name == "vm/user_reserve_kbytes") return line(sys.user_reserve_pages() * (kPageSize / 1024));
  if (name == "vm/max_map_count") return line(c.max_map_count);
  if (name == "vm/min_free_kbytes") return line(sys.min_free_kbytes());
  if (name == "vm/mmap_min_addr") return line(c.mmap_min_addr);
  if (name == "vm/overcommit_kbytes") return line(c.overcommit_kbytes);
  if (name == "vm/overcommit_memory") return line(c.overcommit_memory);
  if (name == "vm/overcommit_ratio") return line(c.overcommit_ratio);
  if (name == "vm/page-cluster") return line(c.page_cluster);
  if (name == "vm/swappiness") return line(c.swappiness);
  if (name == "vm/watermark_scale_factor") return line(c.watermark_scale_factor);
  return Errno::noent;
}

}  // namespace

Result<std::string> Kernel::proc_text(std::string_view path, const Process* self) {
  // path is canonical: "/proc/meminfo", "/proc/1234/status", "/proc/sys/vm/swappiness";
  // host-side callers may say "/proc/self/...".
  std::string_view rest = path.substr(std::string_view("/proc").size());
  if (rest.starts_with('/')) rest.remove_prefix(1);
  if (rest == "meminfo") return proc::meminfo_text(sys_);
  if (rest == "vmstat") return proc::vmstat_text(sys_);
  if (rest == "mounts") return mounts_text(vfs());
  if (rest == "uptime") {
    // uptime_proc_show(): seconds since boot and the CPUs' idle time (none here).
    const std::uint64_t ns = sys_.clock().now();
    return fmt::format("{}.{:02} 0.00\n", ns / 1000000000, ns % 1000000000 / 10000000);
  }
  if (rest.starts_with("sys/")) return sys_text(rest.substr(4), sys_);
  const auto slash = rest.find('/');
  const std::string_view who = rest.substr(0, slash);
  const std::string_view file = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  Process* p = nullptr;
  if (who == "self") {
    p = const_cast<Process*>(self);
  } else {
    int pid = 0;
    auto [ptr, ec] = std::from_chars(who.data(), who.data() + who.size(), pid);
    if (ec == std::errc() && ptr == who.data() + who.size()) p = find(pid);
  }
  if (p == nullptr) return Errno::noent;
  if (file == "status") return proc::status_text(*p, thread_state(*this, tasks_, *p), sys_);
  if (file == "stat") return proc::stat_text(*p, thread_state(*this, tasks_, *p), sys_);
  if (file == "statm") return proc::statm_text(*p);
  if (file == "comm") return p->comm + "\n";
  if (file == "mounts") return mounts_text(vfs());
  if (file == "cmdline" || file == "environ") {
    // proc_pid_cmdline_read(), environ_read(): the strings exec put on the stack.
    if (!p->mm) return std::string();
    mm::AddressSpace& mm = *p->mm;
    return file == "cmdline" ? peek(sys_, mm, mm.arg_start, mm.arg_end) : peek(sys_, mm, mm.env_start, mm.env_end);
  }
  if (file == "maps" || file == "smaps" || file == "smaps_rollup") {
    if (!p->mm) return std::string();  // a zombie has no address space: empty files
    if (file == "maps") return proc::maps_text(*p->mm);
    if (file == "smaps") return proc::smaps_text(sys_, *p->mm);
    return proc::smaps_rollup_text(sys_, *p->mm);
  }
  if (file.empty()) return Errno::isdir;
  return Errno::noent;
}

}  // namespace vmlab::kern
