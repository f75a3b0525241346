#include "fidelity/native/host_cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "fidelity/backend.h"
#include "fidelity/native/swap_file.h"

namespace vmlab::fidelity {

namespace {

constexpr const char* kGroupPrefix = "vmlab-pressure-";

// The groups this process made, for remove_now(): fixed buffers, for a signal handler.
char g_group_dir[4096];
char g_group_procs[4096];
char g_pids_dir[4096];
char g_pids_procs[4096];

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  std::string w;
  while (in >> w) {
    if (w == word) return true;
  }
  return false;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t next = s.find(sep, pos);
    out.push_back(s.substr(pos, next - pos));
    if (next == std::string::npos) return out;
    pos = next + 1;
  }
}

// The mount point and mount root of the cgroup hierarchy of type `fstype` ("cgroup" or
// "cgroup2") whose super options hold `option` ("" for any), from /proc/self/mountinfo.
bool find_mount(const std::string& fstype, const std::string& option, std::string& point, std::string& root) {
  std::ifstream f("/proc/self/mountinfo");
  std::string line;
  while (std::getline(f, line)) {
    const std::vector<std::string> w = split(line, ' ');
    std::size_t dash = 0;
    while (dash < w.size() && w[dash] != "-") ++dash;
    if (dash < 5 || dash + 3 >= w.size() || w[dash + 1] != fstype) continue;
    if (!option.empty()) {
      bool found = false;
      for (const std::string& o : split(w[dash + 3], ',')) found = found || o == option;
      if (!found) continue;
    }
    root = w[3];
    point = w[4];
    return true;
  }
  return false;
}

// The group directory for cgroup `path` in a hierarchy mounted at `point` from `root`.
std::string group_dir(const std::string& point, const std::string& root, const std::string& path) {
  std::string rel = path;
  if (root != "/" && rel.compare(0, root.size(), root) == 0) rel = rel.substr(root.size());
  return rel == "/" ? point : point + rel;
}

// Reads the pids in a cgroup.procs file and sends each SIGKILL; the number sent. System
// calls only.
int kill_all_in(const char* procs_file) {
  static char buf[1 << 16];
  const int fd = ::open(procs_file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = 0;
  for (;;) {
    const ssize_t r = ::read(fd, buf + n, sizeof buf - 1 - static_cast<std::size_t>(n));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += r;
  }
  ::close(fd);
  int sent = 0;
  long pid = 0;
  for (ssize_t i = 0; i < n; ++i) {
    if (buf[i] >= '0' && buf[i] <= '9') {
      pid = pid * 10 + (buf[i] - '0');
    } else {
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0) ++sent;
      pid = 0;
    }
  }
  return sent;
}

// Empties a group of every process and removes it, trying for about a second.
void empty_and_remove(const char* dir, const char* procs_file) {
  for (int tries = 0; tries < 200; ++tries) {
    kill_all_in(procs_file);
    if (::rmdir(dir) == 0 || errno == ENOENT) return;
    const timespec pause{0, 5000000};
    ::nanosleep(&pause, nullptr);
  }
}

}  // namespace

std::optional<CgroupPlace> find_memory_cgroup(std::string& why) {
  std::ifstream f("/proc/self/cgroup");
  std::string line, v1_path, v1_pids_path, v2_path;
  bool has_v2 = false;
  while (std::getline(f, line)) {
    const std::size_t a = line.find(':');
    const std::size_t b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    if (controllers.empty() && line.compare(0, a, "0") == 0) {
      v2_path = path;
      has_v2 = true;
    }
    for (const std::string& c : split(controllers, ',')) {
      if (c == "memory") v1_path = path;
      if (c == "pids") v1_pids_path = path;
    }
  }
  // The v2 directory of this process, if the unified hierarchy is mounted.
  std::string v2_dir, v2_point;
  if (has_v2) {
    std::string root;
    if (find_mount("cgroup2", "", v2_point, root)) v2_dir = group_dir(v2_point, root, v2_path);
  }
  // The children of the v2 directory may have `controller`.
  const auto v2_gives = [&](const std::string& controller) {
    return !v2_dir.empty() && has_word(slurp(v2_point + "/cgroup.controllers"), controller) &&
           has_word(slurp(v2_dir + "/cgroup.subtree_control"), controller);
  };
  CgroupPlace place;
  std::string point, root;
  if (!v1_path.empty() && find_mount("cgroup", "memory", point, root)) {
    place = CgroupPlace{CgroupVersion::v1, group_dir(point, root, v1_path), ""};
  } else if (v2_gives("memory")) {
    place = CgroupPlace{CgroupVersion::v2, v2_dir, ""};
  } else if (!v2_dir.empty() && has_word(slurp(v2_point + "/cgroup.controllers"), "memory")) {
    why = "the memory controller is not enabled for the children of " + v2_dir + " (cgroup.subtree_control)";
    return std::nullopt;
  } else {
    why = v2_dir.empty() && v1_path.empty() ? "no memory cgroup controller is mounted"
                                            : "no memory cgroup controller (neither cgroup v1's nor v2's)";
    return std::nullopt;
  }
  // The pids group: beside the memory group on v2, else in v1's pids hierarchy, else in
  // the unified one (a hybrid host may have either).
  if (place.version == CgroupVersion::v2 && v2_gives("pids")) {
    place.pids_parent = v2_dir;
  } else if (!v1_pids_path.empty() && find_mount("cgroup", "pids", point, root)) {
    place.pids_parent = group_dir(point, root, v1_pids_path);
  } else if (v2_gives("pids")) {
    place.pids_parent = v2_dir;
  }
  if (place.pids_parent.empty()) {
    why = "no pids cgroup controller for the case's processes (the suite bounds how many each case may have)";
    return std::nullopt;
  }
  return place;
}

HostCgroup::HostCgroup(const CgroupPlace& place, const PressureConfig& pressure) : version_(place.version) {
  const std::string name = kGroupPrefix + std::to_string(::getpid());
  dir_ = place.parent + "/" + name;
  procs_ = file("cgroup.procs");
  parent_procs_ = place.parent + "/cgroup.procs";
  if (::mkdir(dir_.c_str(), 0755) != 0) {
    throw std::runtime_error("cannot make the memory cgroup " + dir_ + ": " + std::strerror(errno));
  }
  std::snprintf(g_group_dir, sizeof g_group_dir, "%s", dir_.c_str());
  std::snprintf(g_group_procs, sizeof g_group_procs, "%s", procs_.c_str());
  try {
    // First the bound on processes: nothing joins either group before it holds.
    std::string pids_max = dir_ + "/pids.max";
    if (place.pids_parent != place.parent) {
      pids_dir_ = place.pids_parent + "/" + name;
      if (::mkdir(pids_dir_.c_str(), 0755) != 0) {
        throw std::runtime_error("cannot make the pids cgroup " + pids_dir_ + ": " + std::strerror(errno));
      }
      std::snprintf(g_pids_dir, sizeof g_pids_dir, "%s", pids_dir_.c_str());
      std::snprintf(g_pids_procs, sizeof g_pids_procs, "%s/cgroup.procs", pids_dir_.c_str());
      pids_max = pids_dir_ + "/pids.max";
    }
    write_path(pids_max, std::to_string(kMaxProcs));
    if (version_ == CgroupVersion::v1) {
      write("memory.limit_in_bytes", std::to_string(pressure.memory_max));
      // memory+swap: without swap of its own the group may not use the host's either.
      if (std::filesystem::exists(file("memory.memsw.limit_in_bytes"))) {
        if (pressure.swap == 0) {
          write("memory.memsw.limit_in_bytes", std::to_string(pressure.memory_max));
        } else if (pressure.swap_max) {
          write("memory.memsw.limit_in_bytes", std::to_string(pressure.memory_max + *pressure.swap_max));
        }
      } else if (pressure.swap_max || pressure.swap == 0) {
        throw std::runtime_error("the host does not account swap to memory cgroups (no memory.memsw.*)");
      }
      if (pressure.swappiness) write("memory.swappiness", std::to_string(*pressure.swappiness));
    } else {
      write("memory.max", std::to_string(pressure.memory_max));
      if (pressure.swap == 0) write("memory.swap.max", "0");
      else if (pressure.swap_max) write("memory.swap.max", std::to_string(*pressure.swap_max));
      if (pressure.swappiness) {
        std::ifstream s("/proc/sys/vm/swappiness");
        int host = -1;
        s >> host;
        if (host != *pressure.swappiness) {
          throw std::runtime_error("cgroup v2 has no per-group swappiness, and vm.swappiness is " +
                                   std::to_string(host));
        }
      }
    }
  } catch (...) {
    remove_now();
    throw;
  }
}

HostCgroup::~HostCgroup() { remove_now(); }

void HostCgroup::remove_now() {
  if (g_group_dir[0] != '\0') {
    empty_and_remove(g_group_dir, g_group_procs);
    g_group_dir[0] = '\0';
  }
  if (g_pids_dir[0] != '\0') {
    empty_and_remove(g_pids_dir, g_pids_procs);
    g_pids_dir[0] = '\0';
  }
}

std::string HostCgroup::read(const char* name) const {
  std::ifstream f(file(name));
  if (!f) throw std::runtime_error("cannot read " + file(name));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void HostCgroup::write(const char* name, const std::string& value) const { write_path(file(name), value); }

void HostCgroup::write_path(const std::string& path, const std::string& value) const {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + value + " to " + path + ": " + std::strerror(err));
}

void HostCgroup::add(pid_t pid) const {
  if (!pids_dir_.empty()) write_path(pids_dir_ + "/cgroup.procs", std::to_string(pid));
  write("cgroup.procs", std::to_string(pid));
}

MemcgFields HostCgroup::fields() const {
  if (version_ == CgroupVersion::v1) return memcg_fields_from_v1(read("memory.stat"), read("memory.oom_control"));
  return memcg_fields_from_v2(read("memory.stat"), read("memory.events"), std::stoull(read("memory.swap.current")));
}

std::uint64_t HostCgroup::writeback_bytes() const {
  const auto stat = parse_name_value_lines(read("memory.stat"));
  const auto it = stat.find(version_ == CgroupVersion::v1 ? "writeback" : "file_writeback");
  if (it == stat.end()) throw std::runtime_error(file("memory.stat") + " shows no writeback");
  return it->second;
}

std::uint64_t HostCgroup::oom_kills() const {
  const auto lines = parse_name_value_lines(read(version_ == CgroupVersion::v1 ? "memory.oom_control" : "memory.events"));
  const auto it = lines.find("oom_kill");
  if (it == lines.end()) throw std::runtime_error("the memory cgroup shows no oom_kill count");
  return it->second;
}

namespace {

// Calls `fn(dir, owner)` for each group a runner made under `place`.
template <class Fn>
void for_each_runner_group(const CgroupPlace& place, Fn fn) {
  std::vector<std::string> parents{place.parent};
  if (place.pids_parent != place.parent) parents.push_back(place.pids_parent);
  for (const std::string& parent : parents) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(parent, ec)) {
      const std::string name = e.path().filename().string();
      if (!e.is_directory() || name.compare(0, std::strlen(kGroupPrefix), kGroupPrefix) != 0) continue;
      int owner = 0;
      try {
        owner = std::stoi(name.substr(std::strlen(kGroupPrefix)));
      } catch (const std::exception&) {
        continue;
      }
      fn(e.path().string(), owner);
    }
  }
}

void empty_and_remove(const std::string& dir) {
  const std::string procs = dir + "/cgroup.procs";
  empty_and_remove(dir.c_str(), procs.c_str());
}

}  // namespace

void remove_stale_cgroups(const CgroupPlace& place) {
  for_each_runner_group(place, [](const std::string& dir, int owner) {
    if (owner != ::getpid() && !runner_is_running(owner)) empty_and_remove(dir);
  });
}

void remove_cgroups_of(const CgroupPlace& place, int runner) {
  for_each_runner_group(place, [runner](const std::string& dir, int owner) {
    if (owner == runner) empty_and_remove(dir);
  });
}

}  // namespace vmlab::fidelity
