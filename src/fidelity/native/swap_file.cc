#include "fidelity/native/swap_file.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace vmlab::fidelity {

namespace {

// Above any priority the host gives its own areas (SWAP_FLAG_PRIO_MASK), so the case's
// pages go to this one. Linux gives the first area without a priority -2, as vmlab
// does; with one area in use the priority changes nothing a case sees.
constexpr int kPriority = 32767;
constexpr int kMkswapTimeoutMs = 20000;

// The area this process has on, for remove_now(): fixed buffers, so that a signal
// handler can take it down with system calls alone.
char g_area_path[4096];
char g_area_dir[4096];

void remember(char (&dst)[4096], const std::string& src) {
  const std::size_t n = std::min(src.size(), sizeof dst - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

std::string errno_says(const char* what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

void run_mkswap(const std::string& path) {
  std::string quiet = "-q";
  std::string file = path;
  char* argv[] = {const_cast<char*>("mkswap"), quiet.data(), file.data(), nullptr};
  pid_t pid = -1;
  int err = ::posix_spawnp(&pid, "mkswap", nullptr, nullptr, argv, environ);
  // Not every PATH has the administrator's directories.
  for (const char* where : {"/usr/sbin/mkswap", "/sbin/mkswap"}) {
    if (err != ENOENT) break;
    err = ::posix_spawn(&pid, where, nullptr, nullptr, argv, environ);
  }
  if (err != 0) throw std::runtime_error(std::string("cannot run mkswap: ") + std::strerror(err));
  int status = 0;
  for (int waited = 0;; waited += 10) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw std::runtime_error(std::string("waiting for mkswap: ") + std::strerror(errno));
    if (waited >= kMkswapTimeoutMs) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      throw std::runtime_error("mkswap " + path + " timed out");
    }
    ::usleep(10000);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("mkswap " + path + " failed");
}

// Fills the file with blocks (no holes), as fallocate(1) or dd would.
void allocate(int fd, std::uint64_t bytes, const std::string& path) {
  if (::fallocate(fd, 0, 0, static_cast<off_t>(bytes)) == 0) return;
  if (errno != EOPNOTSUPP) throw std::runtime_error(errno_says("cannot allocate", path));
  static const char zeros[1 << 16] = {};
  for (std::uint64_t done = 0; done < bytes;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof zeros, bytes - done));
    const ssize_t w = ::write(fd, zeros, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw std::runtime_error(errno_says("cannot write", path));
    done += static_cast<std::uint64_t>(w);
  }
}

// /proc/swaps' first column, with its octal escapes undone and " (deleted)" dropped.
std::vector<std::string> active_swap_areas() {
  std::ifstream f("/proc/swaps");
  std::string line;
  std::getline(f, line);  // the heading
  std::vector<std::string> out;
  while (std::getline(f, line)) {
    std::string name;
    for (std::size_t i = 0; i < line.size() && line[i] != ' ' && line[i] != '\t'; ++i) {
      if (line[i] == '\\' && i + 3 < line.size()) {
        name += static_cast<char>(std::stoi(line.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        name += line[i];
      }
    }
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

// The runner pid in one of this project's swap paths; 0 if the path is not one.
int runner_of(const std::string& path) {
  const std::string prefix = kSwapDirPrefix;
  if (path.compare(0, prefix.size(), prefix) != 0) return 0;
  try {
    return std::stoi(path.substr(prefix.size()));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

SwapFile::SwapFile(std::uint64_t bytes) {
  std::string tmpl = kSwapDirPrefix + std::to_string(::getpid()) + ".XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error(errno_says("cannot make", tmpl));
  dir_ = tmpl;
  path_ = dir_ + "/swapfile";
  remember(g_area_dir, dir_);
  try {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(errno_says("cannot create", path_));
    remember(g_area_path, path_);
    try {
      allocate(fd, bytes, path_);
      if (::fchmod(fd, 0600) != 0) throw std::runtime_error(errno_says("cannot chmod", path_));
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    run_mkswap(path_);
    if (::swapon(path_.c_str(), SWAP_FLAG_PREFER | (kPriority & SWAP_FLAG_PRIO_MASK)) != 0) {
      throw std::runtime_error(errno_says("swapon", path_));
    }
  } catch (...) {
    remove_now();
    throw;
  }
}

SwapFile::~SwapFile() { remove_now(); }

void SwapFile::remove_now() {
  if (g_area_path[0] != '\0') {
    ::swapoff(g_area_path);  // EINVAL when it never got swapped on
    ::unlink(g_area_path);
    g_area_path[0] = '\0';
  }
  if (g_area_dir[0] != '\0') {
    ::rmdir(g_area_dir);
    g_area_dir[0] = '\0';
  }
}

bool runner_is_running(int pid) {
  if (pid <= 0) return false;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec);
  return !ec && exe.string().find("vmlab-native-runner") != std::string::npos;
}

void remove_swap_files_of(int runner) {
  namespace fs = std::filesystem;
  for (const std::string& area : active_swap_areas()) {
    if (runner_of(area) == runner) ::swapoff(area.c_str());  // EINVAL: already off
  }
  std::error_code ec;
  const fs::path parent = fs::path(kSwapDirPrefix).parent_path();
  const std::string stem = fs::path(kSwapDirPrefix).filename().string();
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, stem.size(), stem) == 0 && runner_of(e.path().string()) == runner) fs::remove_all(e.path(), ec);
  }
}

void remove_stale_swap_files() {
  namespace fs = std::filesystem;
  std::vector<int> stale;
  for (const std::string& area : active_swap_areas()) {
    const int owner = runner_of(area);
    if (owner == 0 || owner == ::getpid()) continue;
    if (runner_is_running(owner)) {
      throw std::runtime_error("another pressure run (pid " + std::to_string(owner) + ") has its swap area " + area +
                               " on");
    }
    stale.push_back(owner);
  }
  std::error_code ec;
  const fs::path parent = fs::path(kSwapDirPrefix).parent_path();
  const std::string stem = fs::path(kSwapDirPrefix).filename().string();
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string name = e.path().filename().string();
    if (name.compare(0, stem.size(), stem) != 0) continue;
    const int owner = runner_of(e.path().string());
    if (owner != ::getpid() && !runner_is_running(owner)) stale.push_back(owner);
  }
  for (int owner : stale) {
    remove_swap_files_of(owner);
    for (const std::string& area : active_swap_areas()) {
      if (runner_of(area) == owner) throw std::runtime_error("cannot swap off the stale area " + area);
    }
  }
}

std::vector<std::string> foreign_swap_areas() {
  std::vector<std::string> out;
  for (const std::string& area : active_swap_areas()) {
    if (runner_of(area) == 0) out.push_back(area);
  }
  return out;
}

}  // namespace vmlab::fidelity
