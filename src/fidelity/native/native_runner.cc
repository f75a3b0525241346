// vmlab-native-runner: runs fidelity cases on the host kernel, with real system calls
// in real processes, and prints what it saw as record JSON (the format vmlab's runner
// prints, so the two can be compared).
//
//   vmlab-native-runner [--dir DIR] CASE.json      one record per case, a JSON array
//
// The controller (this process, which parses JSON and allocates freely) drives worker
// processes, one per case process, over pipes. A worker runs only raw system calls on
// static buffers and memory it faulted in before the case began, so the page faults
// getrusage() reports are the case's own. Where a worker must fault for its own sake
// (after fork, every private page is write-protected), it measures the faults taken
// and subtracts them ("noise"). Built without sanitizers: they would map and fault on
// their own.
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fidelity/backend.h"
#include "fidelity/driver.h"
#include "fidelity/native/pressure_host.h"

namespace vmlab::fidelity {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::size_t kPayloadMax = 1 << 20;
constexpr std::size_t kTextMax = 2 << 20;
constexpr int kStepTimeoutMs = 20000;

enum Op : std::uint32_t {
  kOpSyscall = 1, kOpMmapFile, kOpAccess, kOpTouch, kOpFileCreate, kOpFileWrite, kOpFileTrunc, kOpFileEvict,
  kOpFileUnlink, kOpObserve, kOpFork, kOpExit, kOpWait, kOpMincore,
};

struct Cmd {
  std::uint32_t op = 0;
  std::uint32_t len = 0;  // payload bytes that follow
  std::uint64_t a[8] = {};
};

struct Resp {
  std::int64_t ret = 0;
  std::uint64_t v[6] = {};
  std::uint64_t len = 0;  // text bytes that follow
};

// Static buffers: the same addresses in the controller and in every worker (they are
// all forks of one program), so the controller can pass the payload's address.
alignas(4096) char g_payload[kPayloadMax];
alignas(4096) char g_text[kTextMax];
alignas(4096) char g_text2[kTextMax];
alignas(4096) char g_status[16 << 10];
alignas(4096) char g_io[64 << 10];
char g_dir[4096];         // the case directory, with a trailing '/'
char g_path[8192];

int g_cmd_r[kMaxProcs], g_cmd_w[kMaxProcs], g_resp_r[kMaxProcs], g_resp_w[kMaxProcs];
// A pressure case: the cgroup.procs files of the case's memory cgroup and of its parent.
bool g_pressure = false;
char g_group_procs[4096];
char g_parent_procs[4096];
int g_slot = 0;
std::uint64_t g_noise_min = 0, g_noise_maj = 0;

struct Range {
  std::uint64_t start, end;
  bool readable, writable, priv;
};
Range g_own[2048];
int g_nown = 0;

sigjmp_buf g_jmp;
volatile sig_atomic_t g_in_access = 0;
volatile int g_sig = 0, g_code = 0;
volatile std::uint64_t g_sig_addr = 0;
volatile std::uint64_t g_progress = 0;

// ---------------------------------------------------------------------------
// The worker: no allocation, no stdio, nothing but system calls on static memory.

void on_fault(int sig, siginfo_t* si, void*) {
  if (!g_in_access) _exit(100 + sig);
  g_sig = sig;
  g_code = si->si_code;
  g_sig_addr = reinterpret_cast<std::uint64_t>(si->si_addr);
  siglongjmp(g_jmp, 1);
}

bool read_full(int fd, void* buf, std::size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_full(int fd, const void* buf, std::size_t n) {
  auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

std::int64_t sys_ret(long r) { return r == -1 ? -static_cast<std::int64_t>(errno) : r; }

// Reads a whole file into `buf` with read(2); the length, or -1.
long slurp(const char* path, char* buf, std::size_t cap) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t n = 0;
  for (;;) {
    ssize_t r = ::read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += static_cast<std::size_t>(r);
    if (n == cap) break;
  }
  ::close(fd);
  return static_cast<long>(n);
}

std::uint64_t parse_hex(const char*& p) {
  std::uint64_t v = 0;
  for (;;) {
    char c = *p;
    if (c >= '0' && c <= '9') v = v * 16 + static_cast<std::uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + static_cast<std::uint64_t>(c - 'a' + 10);
    else break;
    ++p;
  }
  return v;
}

// Parses /proc/self/maps into g_own: every mapping the worker has before the case.
void scan_own() {
  long n = slurp("/proc/self/maps", g_text, kTextMax - 1);
  g_nown = 0;
  if (n <= 0) return;
  g_text[n] = 0;
  const char* p = g_text;
  while (*p && g_nown < 2048) {
    Range r{};
    r.start = parse_hex(p);
    ++p;
    r.end = parse_hex(p);
    ++p;
    r.readable = p[0] == 'r';
    r.writable = p[1] == 'w';
    r.priv = p[3] == 'p';
    const char* eol = std::strchr(p, '\n');
    if (eol == nullptr) eol = p + std::strlen(p);
    // Skip the special mappings whose pages must not be touched.
    const char* name = std::strstr(p, "[v");
    const bool special = name != nullptr && name < eol;
    if (!special) g_own[g_nown++] = r;
    else g_own[g_nown++] = Range{r.start, r.end, false, false, false};
    p = *eol ? eol + 1 : eol;
  }
}

// Faults in every page of the worker's own mappings: reads, and writes back what it
// read where the mapping is private and writable (breaking copy-on-write after fork).
__attribute__((noinline)) void touch_page(std::uint64_t a, bool write) {
  g_in_access = 1;
  if (sigsetjmp(g_jmp, 0) == 0) {
    volatile char* q = reinterpret_cast<volatile char*>(a);
    char c = *q;
    if (write) *q = c;
  }
  g_in_access = 0;
}

void touch_own() {
  for (int i = 0; i < g_nown; ++i) {
    const Range& r = g_own[i];
    if (!r.readable) continue;
    for (std::uint64_t a = r.start; a < r.end; a += kPage) touch_page(a, r.writable && r.priv);
  }
}

// A load or store of len bytes, byte by byte in ascending order; stops at a signal.
__attribute__((noinline)) void guarded_access(std::uint64_t addr, std::uint64_t len, bool write) {
  auto* base = reinterpret_cast<volatile char*>(addr);
  g_sig = 0;
  g_progress = 0;
  g_in_access = 1;
  if (sigsetjmp(g_jmp, 1) == 0) {
    for (std::uint64_t i = 0; i < len; ++i) {
      if (write) base[i] = g_payload[i];
      else g_text[i] = base[i];
      g_progress = i + 1;
    }
  }
  g_in_access = 0;
}

// The first byte of each of `pages` pages, read or written.
__attribute__((noinline)) void guarded_touch(std::uint64_t addr, std::uint64_t pages, bool write, char value) {
  g_sig = 0;
  g_progress = 0;
  g_in_access = 1;
  if (sigsetjmp(g_jmp, 1) == 0) {
    for (std::uint64_t i = 0; i < pages; ++i) {
      auto* q = reinterpret_cast<volatile char*>(addr + i * kPage);
      if (write) *q = value;
      else (void)*q;
      g_progress = i + 1;
    }
  }
  g_in_access = 0;
}

__attribute__((noinline)) void grow_stack() {
  volatile char buf[512 << 10];
  for (std::size_t i = 0; i < sizeof buf; i += kPage) buf[i] = 0;
  buf[sizeof buf - 1] = 0;
}

void rusage_now(std::uint64_t& mn, std::uint64_t& mj) {
  static struct rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  mn = static_cast<std::uint64_t>(ru.ru_minflt);
  mj = static_cast<std::uint64_t>(ru.ru_majflt);
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGSEGV, &sa, nullptr);
  ::sigaction(SIGBUS, &sa, nullptr);
  // The controller's cleanup (on_term) is not a worker's: a worker just dies.
  for (int sig : {SIGTERM, SIGINT, SIGALRM}) ::signal(sig, SIG_DFL);
}

void set_path(const char* name) {
  std::size_t n = std::strlen(g_dir);
  std::memcpy(g_path, g_dir, n);
  std::size_t m = std::strlen(name);
  if (n + m >= sizeof g_path) m = sizeof g_path - n - 1;
  std::memcpy(g_path + n, name, m);
  g_path[n + m] = 0;
}

// The fence: every gap in [kFenceTop, stack - 2 MiB) is filled with PROT_NONE
// mappings of a one-page file, so the case's mappings start below kFenceTop.
void build_fence() {
  set_path(".fence");
  int fd = ::open(g_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) _exit(90);
  std::uint64_t stack_start = 0;
  {
    long n = slurp("/proc/self/maps", g_text, kTextMax - 1);
    g_text[n > 0 ? n : 0] = 0;
    const char* s = std::strstr(g_text, "[stack]");
    if (s == nullptr) _exit(91);
    while (s > g_text && s[-1] != '\n') --s;
    stack_start = parse_hex(s);
  }
  const std::uint64_t limit = stack_start - (2 << 20);
  std::uint64_t pos = kFenceTop;
  for (int i = 0; i <= g_nown && pos < limit; ++i) {
    const std::uint64_t next = i < g_nown ? g_own[i].start : limit;
    if (i < g_nown && g_own[i].end <= pos) continue;
    const std::uint64_t gap_end = next < limit ? next : limit;
    if (gap_end > pos) {
      long r = ::syscall(SYS_mmap, pos, gap_end - pos, PROT_NONE, MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0);
      if (r == -1) _exit(92);
    }
    if (i < g_nown && g_own[i].end > pos) pos = g_own[i].end;
  }
  ::close(fd);
}

// start_brk: field 47 of /proc/self/stat.
std::uint64_t start_brk() {
  long n = slurp("/proc/self/stat", g_text, kTextMax - 1);
  g_text[n > 0 ? n : 0] = 0;
  const char* p = std::strrchr(g_text, ')');
  if (p == nullptr) return 0;
  p += 2;
  int field = 3;
  while (*p && field < 47) {
    if (*p == ' ') ++field;
    ++p;
  }
  std::uint64_t v = 0;
  while (*p >= '0' && *p <= '9') v = v * 10 + static_cast<std::uint64_t>(*p++ - '0');
  return v;
}

void fill_pattern(std::uint64_t off, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) g_io[i] = pattern_byte(off + i);
}

// The file operations, on the payload in g_payload: run by a worker, or in a pressure
// case by the controller, outside the case's memory cgroup.
Resp file_op(const Cmd& c) {
  Resp r{};
  switch (c.op) {
    case kOpFileCreate: {
      // payload: name NUL text; a[0] size, a[1] fill (0 zero, 1 pattern, 2 text).
      set_path(g_payload);
      const char* data = g_payload + std::strlen(g_payload) + 1;
      int fd = ::open(g_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) {
        r.ret = -errno;
        break;
      }
      r.ret = 0;
      if (c.a[1] == 0) {
        if (::ftruncate(fd, static_cast<off_t>(c.a[0])) != 0) r.ret = -errno;
      } else {
        for (std::uint64_t off = 0; off < c.a[0] && r.ret == 0;) {
          // One page per write(2): the page cache then holds order-0 folios, the
          // only kind vmlab models (ext4 makes a large folio of a larger write).
          std::size_t n = c.a[0] - off < kPage ? c.a[0] - off : kPage;
          if (c.a[1] == 1) fill_pattern(off, n);
          else std::memcpy(g_io, data + off, n);
          ssize_t w = ::pwrite(fd, g_io, n, static_cast<off_t>(off));
          if (w < 0) r.ret = -errno;
          else off += static_cast<std::uint64_t>(w);
        }
      }
      ::close(fd);
      break;
    }
    case kOpFileWrite: {
      // payload: name NUL data; a[0] offset, a[1] length.
      set_path(g_payload);
      const char* data = g_payload + std::strlen(g_payload) + 1;
      int fd = ::open(g_path, O_WRONLY | O_CLOEXEC);
      if (fd < 0) {
        r.ret = -errno;
        break;
      }
      ssize_t w = ::pwrite(fd, data, c.a[1], static_cast<off_t>(c.a[0]));
      r.ret = w < 0 ? -errno : w;
      ::close(fd);
      break;
    }
    case kOpFileTrunc:
    case kOpFileEvict: {
      set_path(g_payload);
      int fd = ::open(g_path, (c.op == kOpFileTrunc ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
      if (fd < 0) {
        r.ret = -errno;
        break;
      }
      r.ret = 0;
      if (c.op == kOpFileTrunc) {
        if (::ftruncate(fd, static_cast<off_t>(c.a[0])) != 0) r.ret = -errno;
      } else {
        if (::fsync(fd) != 0) r.ret = -errno;
        int e = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        if (e != 0) r.ret = -e;
      }
      ::close(fd);
      break;
    }
    case kOpFileUnlink:
      set_path(g_payload);
      r.ret = ::unlink(g_path) == 0 ? 0 : -errno;
      break;
    default:
      r.ret = -EINVAL;
  }
  return r;
}

bool write_text(const char* path, const char* text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const std::size_t n = std::strlen(text);
  const bool ok = ::write(fd, text, n) == static_cast<ssize_t>(n);
  ::close(fd);
  return ok;
}

[[noreturn]] void worker_loop() {
  for (;;) {
    Cmd c;
    if (!read_full(g_cmd_r[g_slot], &c, sizeof c)) _exit(80);
    if (c.len > kPayloadMax || (c.len && !read_full(g_cmd_r[g_slot], g_payload, c.len))) _exit(81);
    Resp r{};
    const char* text = nullptr;
    const char* text2 = nullptr;
    const char* text3 = nullptr;
    std::size_t tlen = 0, tlen2 = 0, tlen3 = 0;
    switch (c.op) {
      case kOpSyscall:
        r.ret = sys_ret(::syscall(static_cast<long>(c.a[0]), c.a[1], c.a[2], c.a[3], c.a[4], c.a[5], c.a[6]));
        break;
      case kOpMmapFile: {
        // a[0] kind (0 path, 1 bad fd, 2 directory), a[1] open flags, a[2..6] mmap args.
        int fd = -1;
        if (c.a[0] == 0) {
          set_path(g_payload);
          fd = ::open(g_path, static_cast<int>(c.a[1]) | O_CLOEXEC);
        } else if (c.a[0] == 2) {
          fd = ::open(g_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        } else {
          fd = 1000;  // not open
        }
        if (fd < 0) {
          r.ret = -10000 - errno;
          break;
        }
        r.ret = sys_ret(::syscall(SYS_mmap, c.a[2], c.a[3], c.a[4], c.a[5], fd, c.a[6]));
        if (c.a[0] != 1) ::close(fd);
        break;
      }
      case kOpAccess: {
        // a[0] addr, a[1] len, a[2] write.
        const std::uint64_t len = c.a[1] < kTextMax ? c.a[1] : kTextMax;
        guarded_access(c.a[0], len, c.a[2] != 0);
        r.v[0] = static_cast<std::uint64_t>(g_sig);
        r.v[1] = static_cast<std::uint64_t>(g_code);
        r.v[2] = g_sig_addr;
        if (!g_sig && !c.a[2]) {
          text = g_text;
          tlen = len;
        }
        break;
      }
      case kOpTouch: {
        // a[0] addr, a[1] pages, a[2] write, a[3] value.
        guarded_touch(c.a[0], c.a[1], c.a[2] != 0, static_cast<char>(c.a[3]));
        r.v[0] = static_cast<std::uint64_t>(g_sig);
        r.v[1] = static_cast<std::uint64_t>(g_code);
        r.v[2] = g_sig_addr;
        r.v[3] = g_progress;
        break;
      }
      case kOpFileCreate:
      case kOpFileWrite:
      case kOpFileTrunc:
      case kOpFileEvict:
      case kOpFileUnlink:
        r = file_op(c);
        break;
      case kOpObserve: {
        std::uint64_t mn, mj;
        rusage_now(mn, mj);
        r.v[0] = mn - g_noise_min;
        r.v[1] = mj - g_noise_maj;
        long n1 = slurp("/proc/self/maps", g_text, kTextMax);
        long n2 = slurp("/proc/self/smaps", g_text2, kTextMax);
        long n3 = slurp("/proc/self/status", g_status, sizeof g_status);
        text = g_text;
        tlen = n1 > 0 ? static_cast<std::size_t>(n1) : 0;
        text2 = g_text2;
        tlen2 = n2 > 0 ? static_cast<std::size_t>(n2) : 0;
        text3 = g_status;
        tlen3 = n3 > 0 ? static_cast<std::size_t>(n3) : 0;
        r.v[2] = tlen;
        r.v[3] = tlen2;
        break;
      }
      case kOpMincore: {
        // a[0] addr, a[1] len: the vector, one byte per page.
        const std::uint64_t pages = (c.a[1] + kPage - 1) / kPage;
        if (pages > kTextMax) {
          r.ret = -EINVAL;
          break;
        }
        r.ret = sys_ret(::syscall(SYS_mincore, c.a[0], c.a[1], g_text));
        if (r.ret == 0) {
          text = g_text;
          tlen = pages;
        }
        break;
      }
      case kOpFork: {
        // a[0] the child's slot.
        std::uint64_t b_min, b_maj;
        rusage_now(b_min, b_maj);
        // In a pressure case the runner's own pages are copied outside the case's group
        // (they are the runner's, not the case's: vmlab's processes have none): the
        // parent leaves it for the fork, the child copies its pages first (the parent
        // waits: its own writes, even to its stack, then find its pages its own), and
        // each joins it again.
        int copied[2] = {-1, -1};
        if (g_pressure && (::pipe2(copied, O_CLOEXEC) != 0 || !write_text(g_parent_procs, "0"))) {
          r.ret = -errno;
          break;
        }
        pid_t pid = ::fork();
        if (pid == 0) {
          g_slot = static_cast<int>(c.a[0]);
          ::alarm(600);
          touch_own();
          if (g_pressure) {
            if (!write_text(g_group_procs, "0")) _exit(95);
            write_full(copied[1], "c", 1);
          }
          rusage_now(g_noise_min, g_noise_maj);  // a child's counts start at fork
          Resp ready{};
          ready.ret = ::getpid();
          write_full(g_resp_w[g_slot], &ready, sizeof ready);
          worker_loop();
        }
        if (pid < 0) {
          r.ret = -errno;
          if (g_pressure && !write_text(g_group_procs, "0")) _exit(97);
          break;
        }
        if (g_pressure) {
          char done;
          const bool ok = read_full(copied[0], &done, 1);
          ::close(copied[0]);
          ::close(copied[1]);
          if (!ok) _exit(96);
        }
        touch_own();
        if (g_pressure && !write_text(g_group_procs, "0")) _exit(97);
        std::uint64_t a_min, a_maj;
        rusage_now(a_min, a_maj);
        g_noise_min += a_min - b_min;
        g_noise_maj += a_maj - b_maj;
        r.ret = pid;
        break;
      }
      case kOpExit:
        write_full(g_resp_w[g_slot], &r, sizeof r);
        _exit(static_cast<int>(c.a[0]));
      case kOpWait: {
        int st = 0;
        pid_t w;
        do {
          w = ::waitpid(static_cast<pid_t>(c.a[0]), &st, 0);
        } while (w < 0 && errno == EINTR);
        r.ret = w < 0 ? -errno : st;
        break;
      }
      default:
        r.ret = -EINVAL;
    }
    r.len = tlen + tlen2 + tlen3;
    write_full(g_resp_w[g_slot], &r, sizeof r);
    if (tlen) write_full(g_resp_w[g_slot], text, tlen);
    if (tlen2) write_full(g_resp_w[g_slot], text2, tlen2);
    if (tlen3) write_full(g_resp_w[g_slot], text3, tlen3);
  }
}

// The first worker, forked by the controller.
[[noreturn]] void worker_main() {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::alarm(600);
  // An unprivileged process, as vmlab's are: no capabilities (CAP_SYS_RAWIO would
  // lift mmap_min_addr, CAP_SYS_ADMIN the mode-2 admin reserve, CAP_IPC_LOCK RLIMIT_MEMLOCK).
  {
    __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct d[2]{};
    if (::syscall(SYS_capset, &h, d) != 0) _exit(93);
  }
  install_handlers();
  grow_stack();
  // The heap this program used belongs to the controller: start with none, as a
  // freshly executed program has (nothing here allocates from now on).
  const std::uint64_t sb = start_brk();
  ::syscall(SYS_brk, sb);
  scan_own();
  build_fence();
  touch_own();
  rusage_now(g_noise_min, g_noise_maj);
  Resp ready{};
  ready.ret = ::getpid();
  ready.v[0] = static_cast<std::uint64_t>(::syscall(SYS_brk, 0));
  write_full(g_resp_w[0], &ready, sizeof ready);
  worker_loop();
}

// ---------------------------------------------------------------------------
// The controller.

class NativeBackend final : public Backend {
 public:
  // With `pressure`, a pressure case: its processes run in the host's group for it.
  explicit NativeBackend(std::string dir, PressureHost* pressure = nullptr)
      : dir_(std::move(dir)), pressure_(pressure) {
    if (dir_.empty() || dir_.back() != '/') dir_ += '/';
    std::snprintf(g_dir, sizeof g_dir, "%s", dir_.c_str());
    g_pressure = pressure_ != nullptr;
    if (pressure_) {
      std::snprintf(g_group_procs, sizeof g_group_procs, "%s", pressure_->group_procs().c_str());
      std::snprintf(g_parent_procs, sizeof g_parent_procs, "%s", pressure_->parent_procs().c_str());
    }
  }
  ~NativeBackend() override { shutdown(); }

  void start() override {
    {
      std::ofstream f(dir_ + ".fence");
      f << std::string(kPage, 'f');
    }
    for (int i = 0; i < kMaxProcs; ++i) {
      int a[2], b[2];
      if (::pipe2(a, O_CLOEXEC) != 0 || ::pipe2(b, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
      g_cmd_r[i] = a[0];
      g_cmd_w[i] = a[1];
      g_resp_r[i] = b[0];
      g_resp_w[i] = b[1];
    }
    std::cout.flush();
    std::cerr.flush();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      g_slot = 0;
      worker_main();
    }
    pids_[0] = pid;
    for (int i = 0; i < kMaxProcs; ++i) {
      ::close(g_cmd_r[i]);
      ::close(g_resp_w[i]);
    }
    Resp ready = recv(0, nullptr);
    brk0_ = ready.v[0];
    if (pressure_) {
      // Set up outside the group (its own pages are the runner's), it joins it now.
      pressure_->join(pid);
      reported_kills_ = pressure_->oom_kills();
    }
  }

  std::uint64_t brk0() const override { return brk0_; }
  std::string file_prefix() const override { return dir_; }

  std::int64_t mmap(int slot, std::uint64_t addr, std::uint64_t len, int prot, int flags, const FileArg* file,
                    std::uint64_t off) override {
    if (file == nullptr) return sys(slot, SYS_mmap, addr, len, prot, flags, static_cast<std::uint64_t>(-1), off);
    Cmd c;
    c.op = kOpMmapFile;
    c.a[0] = file->kind == FileArg::Kind::path ? 0 : file->kind == FileArg::Kind::bad_fd ? 1 : 2;
    c.a[1] = static_cast<std::uint64_t>(file->open_flags);
    c.a[2] = addr, c.a[3] = len, c.a[4] = static_cast<std::uint64_t>(prot), c.a[5] = static_cast<std::uint64_t>(flags);
    c.a[6] = off;
    std::string payload = file->name;
    payload.push_back('\0');
    Resp r = call(slot, c, payload);
    if (r.ret <= -10000) throw std::runtime_error("cannot open " + file->name + ": " + errno_text(static_cast<int>(-r.ret - 10000)));
    return r.ret;
  }
  std::int64_t munmap(int slot, std::uint64_t addr, std::uint64_t len) override { return sys(slot, SYS_munmap, addr, len); }
  std::int64_t mprotect(int slot, std::uint64_t addr, std::uint64_t len, int prot) override {
    return sys(slot, SYS_mprotect, addr, len, static_cast<std::uint64_t>(prot));
  }
  std::int64_t madvise(int slot, std::uint64_t addr, std::uint64_t len, int advice) override {
    return sys(slot, SYS_madvise, addr, len, static_cast<std::uint64_t>(advice));
  }
  std::int64_t msync(int slot, std::uint64_t addr, std::uint64_t len, int flags) override {
    return sys(slot, SYS_msync, addr, len, static_cast<std::uint64_t>(flags));
  }
  std::int64_t mremap(int slot, std::uint64_t addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                      std::uint64_t new_addr) override {
    return sys(slot, SYS_mremap, addr, old_len, new_len, static_cast<std::uint64_t>(flags), new_addr);
  }
  std::uint64_t brk(int slot, std::uint64_t addr) override {
    return static_cast<std::uint64_t>(sys(slot, SYS_brk, addr));
  }

  AccessOutcome access(int slot, std::uint64_t addr, std::uint64_t len, std::string_view data, bool write) override {
    Cmd c;
    c.op = kOpAccess;
    c.a[0] = addr, c.a[1] = write ? data.size() : len, c.a[2] = write;
    std::string text;
    Resp r = call(slot, c, write ? std::string(data) : std::string(), &text);
    AccessOutcome o;
    o.signo = static_cast<int>(r.v[0]);
    o.code = static_cast<int>(r.v[1]);
    o.addr = r.v[2];
    o.bytes = std::move(text);
    return o;
  }
  AccessOutcome touch(int slot, std::uint64_t addr, std::uint64_t pages, bool write, std::uint8_t value) override {
    Cmd c;
    c.op = kOpTouch;
    c.a[0] = addr, c.a[1] = pages, c.a[2] = write, c.a[3] = value;
    Resp r = call(slot, c, {});
    AccessOutcome o;
    o.signo = static_cast<int>(r.v[0]);
    o.code = static_cast<int>(r.v[1]);
    o.addr = r.v[2];
    o.done = r.v[3];
    return o;
  }

  std::int64_t file_create(int slot, const std::string& name, std::uint64_t size, Fill fill,
                           const std::string& text) override {
    Cmd c;
    c.op = kOpFileCreate;
    std::string t = text;
    if (fill == Fill::text) t.resize(size, '\0');
    c.a[0] = size;
    c.a[1] = fill == Fill::zero ? 0 : fill == Fill::pattern ? 1 : 2;
    return write_contents(slot, c, name + '\0' + (fill == Fill::text ? t : std::string()));
  }
  std::int64_t file_write(int slot, const std::string& name, std::uint64_t off, const std::string& data) override {
    Cmd c;
    c.op = kOpFileWrite;
    c.a[0] = off, c.a[1] = data.size();
    return write_contents(slot, c, name + '\0' + data);
  }
  std::int64_t file_truncate(int slot, const std::string& name, std::uint64_t size) override {
    Cmd c;
    c.op = kOpFileTrunc;
    c.a[0] = size;
    return call(slot, c, name + '\0').ret;
  }
  std::int64_t file_evict(int slot, const std::string& name) override {
    Cmd c;
    c.op = kOpFileEvict;
    return call(slot, c, name + '\0').ret;
  }
  std::int64_t file_unlink(int slot, const std::string& name) override {
    Cmd c;
    c.op = kOpFileUnlink;
    return call(slot, c, name + '\0').ret;
  }

  std::int64_t fork(int slot, int child_slot) override {
    Cmd c;
    c.op = kOpFork;
    c.a[0] = static_cast<std::uint64_t>(child_slot);
    Resp r = call(slot, c, {});
    if (r.ret < 0) return r.ret;
    pids_[child_slot] = static_cast<pid_t>(r.ret);
    reported_dead_[child_slot] = false;
    Resp ready = recv(child_slot, nullptr);
    (void)ready;
    return 0;
  }
  void exit(int slot, int code) override {
    Cmd c;
    c.op = kOpExit;
    c.a[0] = static_cast<std::uint64_t>(code);
    (void)call(slot, c, {});
  }
  std::int64_t wait(int slot, int child_slot) override {
    Cmd c;
    c.op = kOpWait;
    c.a[0] = static_cast<std::uint64_t>(pids_[child_slot]);
    std::int64_t st = call(slot, c, {}).ret;
    pids_[child_slot] = 0;
    return st;
  }
  ObserveOutcome observe(int slot) override {
    Cmd c;
    c.op = kOpObserve;
    std::string text;
    Resp r = call(slot, c, {}, &text);
    ObserveOutcome o;
    o.minflt = r.v[0];
    o.majflt = r.v[1];
    o.maps = text.substr(0, r.v[2]);
    o.smaps = text.substr(r.v[2], r.v[3]);
    const std::string status = text.substr(r.v[2] + r.v[3]);
    o.vmrss_kb = status_kb(status, "VmRSS:");
    o.vmswap_kb = status_kb(status, "VmSwap:");
    return o;
  }

  PressureSample sample_pressure() override { return pressure().sample(); }
  void settle() override { pressure().settle(); }

  std::int64_t set_oom_score_adj(int slot, int value) override {
    // As root writes it: this controller, not the (unprivileged) worker.
    const std::string path = "/proc/" + std::to_string(pids_[slot]) + "/oom_score_adj";
    const std::string text = std::to_string(value);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    const ssize_t w = ::write(fd, text.data(), text.size());
    const int err = errno;
    ::close(fd);
    return w < 0 ? -err : 0;
  }

  MincoreOutcome mincore(int slot, std::uint64_t addr, std::uint64_t len) override {
    Cmd c;
    c.op = kOpMincore;
    c.a[0] = addr, c.a[1] = len;
    std::string vec;
    MincoreOutcome o;
    o.ret = call(slot, c, {}, &vec).ret;
    for (char b : vec) o.resident += (b & 1) ? '1' : '0';
    return o;
  }

  // The OOM killer counts its kills in the group before its victims are gone: as many
  // workers as it counted since the last call must die, and the step waits for that.
  std::vector<int> take_killed() override {
    const std::uint64_t kills = pressure().oom_kills();
    const std::uint64_t expected = kills - reported_kills_;
    std::vector<int> dead;
    for (int waited = 0;; waited += 1) {
      dead.clear();
      for (int i = 0; i < kMaxProcs; ++i) {
        if (pids_[i] > 0 && !reported_dead_[i] && !alive(i)) dead.push_back(i);
      }
      if (dead.size() >= expected) break;
      if (waited >= kStepTimeoutMs) {
        throw std::runtime_error("the OOM killer killed " + std::to_string(expected) + " processes, but only " +
                                 std::to_string(dead.size()) + " of the case's died");
      }
      ::usleep(1000);
    }
    for (int i : dead) reported_dead_[i] = true;
    reported_kills_ = kills;
    return dead;
  }

  std::int64_t reap(int slot) override {
    int status = 0;
    if (reaped_[slot]) {
      status = status_[slot];
    } else {
      while (::waitpid(pids_[slot], &status, 0) < 0) {
        if (errno != EINTR) return -errno;
      }
    }
    pids_[slot] = 0;
    reaped_[slot] = false;
    return status;
  }

  void shutdown() {
    for (pid_t& p : pids_) {
      if (p > 0) ::kill(p, SIGKILL);
    }
    // Reap every descendant (this process is their subreaper) until the workers are
    // gone; a pressure case's statistics flusher, also a child, outlives them.
    for (int tries = 0; tries < 2000; ++tries) {
      pid_t w = ::waitpid(-1, nullptr, WNOHANG);
      if (w < 0 && errno == ECHILD) break;
      if (w > 0) continue;
      bool left = false;
      for (pid_t p : pids_) left = left || (p > 0 && ::kill(p, 0) == 0);
      if (!left) break;
      ::usleep(1000);
    }
    for (pid_t& p : pids_) p = 0;
  }

 private:
  PressureHost& pressure() {
    if (pressure_ == nullptr) throw std::runtime_error("not a pressure case");
    return *pressure_;
  }

  // A file's contents: written by the worker, or in a pressure case by this controller,
  // outside the case's group, as vmlab writes them from outside any process.
  std::int64_t write_contents(int slot, const Cmd& c, const std::string& payload) {
    if (!pressure_) return call(slot, c, payload).ret;
    if (payload.size() > kPayloadMax) throw std::runtime_error("payload too large");
    std::memcpy(g_payload, payload.data(), payload.size());
    return file_op(c).ret;
  }

  static std::uint64_t status_kb(const std::string& status, const char* field) {
    const std::size_t at = status.find(field);
    if (at == std::string::npos) throw std::runtime_error(std::string("/proc/PID/status has no ") + field);
    return std::stoull(status.substr(at + std::strlen(field)));
  }

  std::int64_t sys(int slot, long nr, std::uint64_t a1 = 0, std::uint64_t a2 = 0, std::uint64_t a3 = 0,
                   std::uint64_t a4 = 0, std::uint64_t a5 = 0, std::uint64_t a6 = 0) {
    Cmd c;
    c.op = kOpSyscall;
    c.a[0] = static_cast<std::uint64_t>(nr);
    c.a[1] = a1, c.a[2] = a2, c.a[3] = a3, c.a[4] = a4, c.a[5] = a5, c.a[6] = a6;
    return call(slot, c, {}).ret;
  }

  Resp call(int slot, Cmd c, const std::string& payload, std::string* text = nullptr) {
    if (payload.size() > kPayloadMax) throw std::runtime_error("payload too large");
    c.len = static_cast<std::uint32_t>(payload.size());
    if (!write_full(g_cmd_w[slot], &c, sizeof c) ||
        (!payload.empty() && !write_full(g_cmd_w[slot], payload.data(), payload.size()))) {
      throw std::runtime_error("worker " + std::to_string(slot) + " is gone");
    }
    return recv(slot, text);
  }

  bool alive(int slot) {
    pid_t p = pids_[slot];
    if (p <= 0 || reaped_[slot]) return false;
    if (slot == 0) {
      // This controller's child: finding it dead reaps it, so keep what it died of.
      int st = 0;
      const pid_t w = ::waitpid(p, &st, WNOHANG);
      if (w == p) {
        reaped_[slot] = true;
        status_[slot] = st;
      }
      return w == 0;
    }
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", p);
    std::ifstream f(path);
    std::string s;
    if (!std::getline(f, s)) return false;
    auto rp = s.rfind(')');
    return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z';
  }

  void read_timed(int slot, void* buf, std::size_t n) {
    auto* p = static_cast<char*>(buf);
    int waited = 0;
    while (n > 0) {
      pollfd pfd{g_resp_r[slot], POLLIN, 0};
      int pr = ::poll(&pfd, 1, 50);
      if (pr == 0) {
        waited += 50;
        if (waited >= kStepTimeoutMs) throw std::runtime_error("worker " + std::to_string(slot) + " timed out");
        if (pids_[slot] > 0 && !alive(slot)) {
          if (pressure_) throw ProcessKilled{slot};
          throw std::runtime_error("worker " + std::to_string(slot) + " died");
        }
        continue;
      }
      if (pr < 0 && errno == EINTR) continue;
      ssize_t r = ::read(g_resp_r[slot], p, n);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        // Every worker holds the answer pipes' write ends: the last one exiting closes
        // them, a little before it is dead.
        if (pressure_) {
          for (int waited = 0; alive(slot) && waited < kStepTimeoutMs; ++waited) ::usleep(1000);
          if (!alive(slot)) throw ProcessKilled{slot};
        }
        throw std::runtime_error("worker " + std::to_string(slot) + " closed its pipe");
      }
      p += r;
      n -= static_cast<std::size_t>(r);
    }
  }

  Resp recv(int slot, std::string* text) {
    Resp r;
    read_timed(slot, &r, sizeof r);
    if (r.len > 2 * kTextMax) throw std::runtime_error("bad reply");
    std::string t(r.len, '\0');
    if (r.len) read_timed(slot, t.data(), r.len);
    if (text) *text = std::move(t);
    return r;
  }

  std::string dir_;
  PressureHost* pressure_;
  std::uint64_t brk0_ = 0;
  pid_t pids_[kMaxProcs] = {};
  // The main worker once alive() reaped it, and its wait status.
  bool reaped_[kMaxProcs] = {};
  int status_[kMaxProcs] = {};
  // Deaths take_killed() has reported, and the group's OOM kills it accounted for.
  bool reported_dead_[kMaxProcs] = {};
  std::uint64_t reported_kills_ = 0;
};

std::string g_tmp_to_remove;

void remove_tmp() {
  if (!g_tmp_to_remove.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g_tmp_to_remove, ec);
    g_tmp_to_remove.clear();
  }
}

void on_term(int sig) {
  // Children die with us (PR_SET_PDEATHSIG), and a pressure case's group is emptied
  // before it is removed; the directory is removed by whoever made it (this program
  // when it made it itself).
  PressureHost::remove_now();
  remove_tmp();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace
}  // namespace vmlab::fidelity

int main(int argc, char** argv) {
  using namespace vmlab::fidelity;
  if (argc == 4 && std::string_view(argv[1]) == kStatsFlusherArg) return stats_flusher_main(argv[2], argv[3]);
  // Addresses must repeat run to run: without ASLR, as vmlab runs (setarch -R).
  if (!(::personality(0xffffffff) & ADDR_NO_RANDOMIZE)) {
    ::personality(ADDR_NO_RANDOMIZE);
    ::execv("/proc/self/exe", argv);
  }
  // Whatever ends this program (the harness's SIGTERM, its own alarm, the harness dying)
  // first takes down the swap area and cgroups a pressure case or the probe made.
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGTERM, on_term);
  ::signal(SIGINT, on_term);
  ::signal(SIGALRM, on_term);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  std::string dir;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--probe-pressure") {
      // What the pressure suite needs of this host (pressure_host.h), as one JSON line.
      std::cout << probe_pressure_host().dump() << "\n";
      return 0;
    } else if (a == "-h" || a == "--help") {
      std::cout << "usage: vmlab-native-runner [--dir DIR] CASE.json|-\n"
                   "       vmlab-native-runner --probe-pressure\n";
      return 0;
    } else files.push_back(a);
  }
  if (files.size() != 1) {
    std::cerr << "usage: vmlab-native-runner [--dir DIR] CASE.json|-\n";
    return 2;
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::alarm(900);
  std::vector<Case> cases;
  try {
    nlohmann::json j;
    if (files[0] == "-") j = nlohmann::json::parse(std::cin);
    else {
      std::ifstream in(files[0]);
      if (!in) throw std::runtime_error(files[0] + ": cannot open");
      j = nlohmann::json::parse(in);
    }
    cases = parse_cases(j, files[0]);
  } catch (const std::exception& e) {
    std::cerr << "vmlab-native-runner: " << e.what() << "\n";
    return 2;
  }
  nlohmann::json out = nlohmann::json::array();
  bool own_dir = dir.empty();
  for (const Case& c : cases) {
    std::string d = dir;
    if (own_dir) {
      char tmpl[] = "/tmp/vmlab-fidelity.XXXXXX";
      if (::mkdtemp(tmpl) == nullptr) {
        std::cerr << "vmlab-native-runner: mkdtemp failed\n";
        return 2;
      }
      d = tmpl;
      g_tmp_to_remove = d;
    } else {
      // A fresh, empty directory per case inside the one given.
      d = dir + "/" + std::to_string(out.size());
      std::filesystem::create_directories(d);
    }
    Record rec;
    try {
      // A pressure case's swap area and group outlive its processes (declared first).
      std::optional<PressureHost> pressure;
      if (c.pressure) pressure.emplace(*c.pressure, d);
      NativeBackend b(d, pressure ? &*pressure : nullptr);
      rec = run_case(c, b);
      b.shutdown();
    } catch (const std::exception& e) {
      rec.name = c.name;
      rec.error = std::string("host: ") + e.what();
    }
    if (own_dir) remove_tmp();
    else {
      std::error_code ec;
      std::filesystem::remove_all(d, ec);
    }
    out.push_back(record_to_json(rec));
  }
  std::cout << out.dump() << "\n";
  return 0;
}
