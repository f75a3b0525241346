// Writes to /proc files: a process's oom_score_adj (proc_oom_score_adj_write()) and
// the vm sysctls that can change at run time (proc_dointvec_minmax() and
// drop_caches_sysctl_handler()). Each write() is parsed on its own, as Linux's
// handlers parse the buffer they are given.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <string>

#include "fs/inode.h"
#include "mm/filemap.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "mm/lru_batch.h"

namespace vmlab::kern {

namespace {

constexpr std::uint64_t kProcNumbuf = 13;  // PROC_NUMBUF

// strstrip() then kstrtoint(s, 0): a decimal, 0x hexadecimal or 0 octal int, one
// trailing newline allowed. EINVAL when malformed, ERANGE when it does not fit.
Result<int> parse_int(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  bool neg = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    neg = s.front() == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.size() > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (s.empty()) return Errno::inval;
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec == std::errc::result_out_of_range) return Errno::range;
  if (ec != std::errc() || ptr != s.data() + s.size()) return Errno::inval;
  if (neg) v = -v;
  if (v < INT32_MIN || v > INT32_MAX) return Errno::range;
  return static_cast<int>(v);
}

// proc_dointvec_minmax(): one integer within [lo, hi], else EINVAL.
Result<int> parse_sysctl(std::string_view data, int lo, int hi) {
  auto v = parse_int(data);
  if (!v) return Errno::inval;
  if (*v < lo || *v > hi) return Errno::inval;
  return *v;
}

}  // namespace

Result<std::uint64_t> Kernel::proc_write(Task& t, const fs::OpenFile& f, VirtAddr buf, std::uint64_t len) {
  std::string_view rest = std::string_view(f.path).substr(std::string_view("/proc/").size());
  // What the handler copies in: proc_sys_call_handler() the whole write (up to a page
  // here), proc_oom_score_adj_write() its first PROC_NUMBUF - 1 bytes.
  const bool oom_adj = rest.ends_with("/oom_score_adj");
  std::string text(std::min<std::uint64_t>(len, oom_adj ? kProcNumbuf - 1 : kPageSize), '\0');
  if (auto r = copy_from_user(t, std::span(reinterpret_cast<std::uint8_t*>(text.data()), text.size()), buf); !r) {
    return r.error();
  }
  const std::string_view data = text;
  if (rest == "sys/vm/swappiness") {
    auto v = parse_sysctl(data, 0, 200);
    if (!v) return v.error();
    sys_.set_swappiness(*v);
    return len;
  }
  if (rest == "sys/vm/drop_caches") {
    auto v = parse_sysctl(data, 1, 4);
    if (!v) return v.error();
    // drop_caches_sysctl_handler(): bit 1 drops clean page cache, bit 2 slab (none
    // modelled beyond the event).
    if (*v & 1) {
      mm::lru_add_drain_all(sys_);
      for (fs::Inode* inode : inodes()) {
        if (inode->type != fs::InodeType::regular || inode->is_shmem()) continue;
        (void)mm::page_cache_invalidate(sys_, *inode, 0, ~0ULL);  // how many went is fadvise's concern
      }
      ++sys_.stat()[obs::VmEvent::drop_pagecache];
    }
    if (*v & 2) ++sys_.stat()[obs::VmEvent::drop_slab];
    if (!drop_caches_quiet_) printk(*this, LogLevel::info, "{} ({}): drop_caches: {}\n", t.comm, t.tid, *v);
    drop_caches_quiet_ |= (*v & 4) != 0;
    return len;
  }
  // /proc/PID/oom_score_adj (or task/TID/oom_score_adj): the process's.
  if (oom_adj) {
    int id = 0;
    const std::string_view who = rest.substr(0, rest.find('/'));
    Task* target = who == "self" ? &t : nullptr;
    if (target == nullptr) {
      auto [p, ec] = std::from_chars(who.data(), who.data() + who.size(), id);
      if (ec == std::errc()) target = find(id);
    }
    if (target == nullptr || target->exited) return Errno::srch;
    auto v = parse_int(data);
    if (!v) return v.error();
    if (*v < kOomScoreAdjMin || *v > kOomScoreAdjMax) return Errno::inval;
    ThreadGroup& g = *target->tg;
    // __set_oom_adj(): lowering below the last privileged setting needs
    // CAP_SYS_RESOURCE; a privileged write sets that floor.
    if (*v < g.oom_score_adj_min && !t.tg->privileged()) return Errno::acces;
    g.oom_score_adj = *v;
    if (t.tg->privileged()) g.oom_score_adj_min = *v;
    // Every other process on the same address space follows (not a vfork child).
    for (const auto& [tid, other] : tasks_) {
      if (other->exited || other->tg == target->tg || other->mm != target->mm || other->vfork_parent != 0) continue;
      other->tg->oom_score_adj = *v;
      if (t.tg->privileged()) other->tg->oom_score_adj_min = *v;
    }
    return text.size();  // the count it looked at, as proc_oom_score_adj_write() returns it
  }
  return Errno::acces;
}

bool proc_writable(std::string_view path) {
  return path == "/proc/sys/vm/swappiness" || path == "/proc/sys/vm/drop_caches" || path.ends_with("/oom_score_adj");
}

}  // namespace vmlab::kern
