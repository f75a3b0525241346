#include "fs/proc/proc_fs.h"

#include <array>
#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "kernel/kernel.h"

namespace vmlab::proc {

namespace {

enum class Kind : std::uint8_t { dir, file, link };

struct Entry {
  std::string_view name;
  Kind kind;
  std::uint32_t mode;
};

// /proc's own entries, in proc_readdir()'s order (the proc_dir_entry tree sorts by
// name length, then bytes); "self", "thread-self" and the pids follow
// (proc_pid_readdir()).
constexpr std::array<Entry, 8> kRootEntries{{
    {"sys", Kind::dir, 0555},
    {"kmsg", Kind::file, 0400},  // syslog's reader (kernel/kmsg_file.h)
    {"swaps", Kind::file, 0444},
    {"mounts", Kind::link, 0777},  // -> self/mounts
    {"uptime", Kind::file, 0444},
    {"vmstat", Kind::file, 0444},
    {"cpuinfo", Kind::file, 0444},
    {"meminfo", Kind::file, 0444},
}};

// /proc/PID, in tgid_base_stuff[] order; /proc/PID/task/TID has the same but "task"
// (tid_base_stuff[]).
constexpr std::array<Entry, 16> kPidEntries{{
    {"task", Kind::dir, 0555},
    {"environ", Kind::file, 0400},
    {"status", Kind::file, 0444},
    {"comm", Kind::file, 0644},
    {"cmdline", Kind::file, 0444},
    {"stat", Kind::file, 0444},
    {"statm", Kind::file, 0444},
    {"maps", Kind::file, 0444},
    {"cwd", Kind::link, 0777},
    {"root", Kind::link, 0777},
    {"exe", Kind::link, 0777},
    {"mounts", Kind::file, 0444},
    {"smaps", Kind::file, 0444},
    {"smaps_rollup", Kind::file, 0444},
    {"oom_score", Kind::file, 0444},
    {"oom_score_adj", Kind::file, 0644},
}};

// /proc/sys: directories, then files (sysctl tables list names in byte order).
constexpr std::array<std::string_view, 3> kSysDirs{"sys", "sys/kernel", "sys/vm"};
constexpr std::array<std::string_view, 16> kSysFiles{
    "sys/kernel/dmesg_restrict",   "sys/kernel/pid_max",          "sys/kernel/printk",
    "sys/kernel/printk_devkmsg",   "sys/vm/admin_reserve_kbytes", "sys/vm/drop_caches",  "sys/vm/max_map_count",
    "sys/vm/min_free_kbytes",      "sys/vm/mmap_min_addr",        "sys/vm/overcommit_kbytes",
    "sys/vm/overcommit_memory",    "sys/vm/overcommit_ratio",     "sys/vm/page-cluster",
    "sys/vm/swappiness",           "sys/vm/user_reserve_kbytes",  "sys/vm/watermark_scale_factor",
};

// Inode numbers: the root is 1, fixed entries come from the proc_alloc_inum() range
// (self first, as on Linux), and a process's entries from its pid.
constexpr std::uint64_t kFirstInum = 0xF0000000;
static_assert(kRootEntries[1].name == "kmsg" && ProcFs::kKmsgIno == kFirstInum + 1 + 1);
std::uint64_t pid_ino(int pid, std::size_t index) { return 0x100000 + static_cast<std::uint64_t>(pid) * 32 + index; }
std::uint64_t tid_ino(int tid, std::size_t index) { return 0x40000000 + static_cast<std::uint64_t>(tid) * 32 + index; }

// A /proc inode knows which file it is.
struct ProcInode : fs::Inode {
  ProcInode(std::uint64_t ino, fs::InodeType type, std::string rel)
      : fs::Inode(ino, ProcFs::kDev, type, fs::Backing::shmem), rel(std::move(rel)) {}
  std::string rel;  // path below /proc: "", "meminfo", "1000", "1000/maps", "1000/task/1001/stat", "sys/vm"
};

fs::InodeType type_of(Kind k) {
  return k == Kind::dir ? fs::InodeType::directory : k == Kind::link ? fs::InodeType::symlink : fs::InodeType::regular;
}

std::optional<int> parse_pid(std::string_view s) {
  int pid = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), pid);
  if (ec != std::errc() || ptr != s.data() + s.size() || pid <= 0 || s.front() == '0') return std::nullopt;
  return pid;
}

const ProcInode& as_proc(const fs::Inode& i) { return static_cast<const ProcInode&>(i); }

}  // namespace

ProcFs::ProcFs(kern::Kernel& kernel) : kernel_(kernel) {
  auto root = std::make_shared<ProcInode>(1, fs::InodeType::directory, "");
  root->mode = 0555;
  root->nlink = 2;
  root->sb = this;
  root_ = std::move(root);
}

Result<std::shared_ptr<fs::Inode>> ProcFs::make(const std::string& rel, const fs::Caller&) {
  if (rel.empty()) return root_;
  auto node = [&](std::uint64_t ino, Kind kind, std::uint32_t mode) {
    auto i = std::make_shared<ProcInode>(ino, type_of(kind), rel);
    i->mode = mode;
    i->nlink = kind == Kind::dir ? 2 : 1;
    i->sb = this;
    return i;
  };
  if (rel == "self") return std::shared_ptr<fs::Inode>(node(kFirstInum, Kind::link, 0777));
  if (rel == "thread-self") return std::shared_ptr<fs::Inode>(node(kFirstInum + 15, Kind::link, 0777));
  for (std::size_t i = 0; i < kRootEntries.size(); ++i) {
    // cpuinfo is the riscv64 one (proc_text.cc); an x86-64 machine has none.
    if (rel == "cpuinfo" && kernel_.config().layout != Layout::riscv64) return Errno::noent;
    if (rel == kRootEntries[i].name) {
      return std::shared_ptr<fs::Inode>(node(kFirstInum + 1 + i, kRootEntries[i].kind, kRootEntries[i].mode));
    }
  }
  for (std::size_t i = 0; i < kSysDirs.size(); ++i) {
    if (rel == kSysDirs[i]) return std::shared_ptr<fs::Inode>(node(kFirstInum + 16 + i, Kind::dir, 0555));
  }
  for (std::size_t i = 0; i < kSysFiles.size(); ++i) {
    // drop_caches is write-only (0200); the others read and write (0644).
    const std::uint32_t mode = kSysFiles[i] == "sys/vm/drop_caches" ? 0200 : 0644;
    if (rel == kSysFiles[i]) return std::shared_ptr<fs::Inode>(node(kFirstInum + 32 + i, Kind::file, mode));
  }
  // proc_pid_lookup(): a process not yet reaped; below it, proc_task_lookup(): one of
  // its threads not yet released.
  std::vector<std::string_view> parts;
  for (std::string_view r = rel; !r.empty();) {
    const auto slash = r.find('/');
    parts.push_back(r.substr(0, slash));
    r = slash == std::string_view::npos ? std::string_view() : r.substr(slash + 1);
  }
  const auto pid = parse_pid(parts[0]);
  if (!pid) return Errno::noent;
  const kern::Task* p = kernel_.find(*pid);
  if (p == nullptr) return Errno::noent;
  std::shared_ptr<fs::Inode> out;
  // The files of a process (`first` at parts[i]) or of a thread.
  auto entry = [&](std::size_t i, bool thread, int id) -> std::shared_ptr<fs::Inode> {
    for (std::size_t e = thread ? 1 : 0; e < kPidEntries.size(); ++e) {
      if (parts[i] == kPidEntries[e].name) {
        return node(thread ? tid_ino(id, e + 1) : pid_ino(id, e + 1), kPidEntries[e].kind, kPidEntries[e].mode);
      }
    }
    return nullptr;
  };
  if (parts.size() == 1) {
    out = node(pid_ino(*pid, 0), Kind::dir, 0555);
  } else if (parts.size() == 2) {
    out = entry(1, false, *pid);
  } else if (parts[1] == "task" && parts.size() <= 4) {
    const auto tid = parse_pid(parts[2]);
    const kern::Task* t = tid ? kernel_.find_task(*tid) : nullptr;
    if (t == nullptr || t->tg != p->tg) return Errno::noent;
    out = parts.size() == 3 ? node(tid_ino(*tid, 0), Kind::dir, 0555) : entry(3, true, *tid);
  }
  if (!out) return Errno::noent;
  out->uid = p->tg->uid;
  out->gid = p->tg->gid;
  return out;
}

Result<std::shared_ptr<fs::Inode>> ProcFs::lookup(fs::Inode& dir, const std::string& name, const fs::Caller& who) {
  const std::string& base = as_proc(dir).rel;
  return make(base.empty() ? name : base + "/" + name, who);
}

Result<std::vector<fs::DirEntry>> ProcFs::readdir(fs::Inode& dir, const fs::Caller& who) {
  const std::string& rel = as_proc(dir).rel;
  std::vector<fs::DirEntry> out;
  auto add = [&](const std::string& child_rel, std::string_view name) {
    if (auto i = make(child_rel, who)) out.push_back({(*i)->ino, fs::dirent_type(**i), std::string(name)});
  };
  if (rel.empty()) {
    for (const Entry& e : kRootEntries) add(std::string(e.name), e.name);  // add() skips what make() refuses
    add("self", "self");
    add("thread-self", "thread-self");
    for (int pid : kernel_.pids()) add(std::to_string(pid), std::to_string(pid));
    return out;
  }
  if (rel.starts_with("sys")) {
    const std::string prefix = rel + "/";
    for (std::string_view d : kSysDirs) {
      if (d.starts_with(prefix) && d.find('/', prefix.size()) == std::string_view::npos) {
        add(std::string(d), d.substr(prefix.size()));
      }
    }
    for (std::string_view f : kSysFiles) {
      if (f.starts_with(prefix) && f.find('/', prefix.size()) == std::string_view::npos) {
        add(std::string(f), f.substr(prefix.size()));
      }
    }
    return out;
  }
  const auto slash = rel.find('/');
  if (slash == std::string::npos) {  // /proc/PID
    for (const Entry& e : kPidEntries) add(rel + "/" + std::string(e.name), e.name);
    return out;
  }
  const auto pid = parse_pid(std::string_view(rel).substr(0, slash));
  const kern::Task* p = pid ? kernel_.find(*pid) : nullptr;
  if (p == nullptr) return out;
  if (rel.substr(slash + 1) == "task") {  // proc_task_readdir(): the threads, in tid order
    std::vector<int> tids = p->tg->threads;
    std::sort(tids.begin(), tids.end());
    for (int tid : tids) add(rel + "/" + std::to_string(tid), std::to_string(tid));
    return out;
  }
  for (std::size_t e = 1; e < kPidEntries.size(); ++e) {  // /proc/PID/task/TID
    add(rel + "/" + std::string(kPidEntries[e].name), kPidEntries[e].name);
  }
  return out;
}

Result<std::string> ProcFs::readlink(fs::Inode& link, const fs::Caller& who) {
  const std::string& rel = as_proc(link).rel;
  if (rel == "self") {
    if (who.pid <= 0) return Errno::noent;  // no process asked
    return std::to_string(who.pid);
  }
  if (rel == "thread-self") {
    if (who.pid <= 0) return Errno::noent;
    return std::to_string(who.pid) + "/task/" + std::to_string(who.tid);
  }
  if (rel == "mounts") return std::string("self/mounts");
  const auto slash = rel.find('/');
  const auto pid = parse_pid(std::string_view(rel).substr(0, slash));
  const kern::Task* p = pid ? kernel_.find(*pid) : nullptr;
  if (p == nullptr || slash == std::string::npos) return Errno::noent;
  std::string_view file = std::string_view(rel).substr(slash + 1);
  if (file.starts_with("task/")) {  // a thread's own links
    const auto second = file.find('/', 5);
    const auto tid = parse_pid(file.substr(5, second == std::string_view::npos ? file.npos : second - 5));
    p = tid ? kernel_.find_task(*tid) : nullptr;
    if (p == nullptr || second == std::string_view::npos) return Errno::noent;
    file = file.substr(second + 1);
  }
  if (file == "cwd") {
    if (!p->fs) return Errno::noent;
    return p->fs->cwd;
  }
  if (file == "root") return std::string("/");
  if (file == "exe" && !p->tg->exe.empty() && p->tg->alive()) return p->tg->exe;
  return Errno::noent;  // proc_exe_link() of a process with no executable
}

}  // namespace vmlab::proc
