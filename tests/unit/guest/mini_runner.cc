#include "unit/guest/mini_runner.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "vmlab/mman.h"

namespace vmlab::test {

namespace {
// riscv64 Linux system call numbers (include/uapi/asm-generic/unistd.h).
constexpr std::uint64_t kWrite = 64, kExit = 93, kExitGroup = 94, kBrk = 214, kMunmap = 215, kMmap = 222,
                        kMprotect = 226;
constexpr std::uint64_t kEnosys = 38;
constexpr unsigned kA0 = 10, kA7 = 17;

std::uint64_t neg_errno(Errno e) { return static_cast<std::uint64_t>(-static_cast<std::int64_t>(e)); }
}  // namespace

MachineConfig MiniRunner::riscv_config() {
  MachineConfig c;
  c.layout = Layout::riscv64;
  c.ram_bytes = 256 * MiB;
  return c;
}

MiniRunner::MiniRunner(const MachineConfig& config)
    : m_(std::make_unique<detail::MachineState>(config)),
      hart_(std::make_unique<guest::rv64::Hart>(m_->kernel, 0)) {}

MiniRunner::~MiniRunner() = default;

kern::Task& MiniRunner::process() { return m_->task(pid_); }

void MiniRunner::load(const std::string& host_path, const std::vector<std::string>& argv) {
  std::ifstream in(host_path, std::ios::binary);
  if (!in) throw std::runtime_error(host_path + ": cannot read");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!m_->kernel.write_whole_file("/prog", bytes, 0755)) throw std::runtime_error("cannot write /prog");
  kern::Task& p = m_->kernel.spawn("runner");
  pid_ = p.tid;
  auto entry = m_->kernel.execve(p, "/prog", argv, {"HOME=/"});  // pc and sp at the entry point
  if (!entry) throw std::runtime_error(host_path + ": execve: " + std::string(errno_name(entry.error())));
}

RunResult MiniRunner::run(std::uint64_t max_instructions, std::uint64_t slice) {
  RunResult r;
  guest::rv64::HartState& st = state();
  const std::uint64_t start = st.instret;
  while (st.instret - start < max_instructions) {
    const std::uint64_t budget = std::min(slice, max_instructions - (st.instret - start));
    r.stop = hart_->run(process(), budget);
    if (r.stop.reason == guest::rv64::StopReason::signal) break;
    if (r.stop.reason == guest::rv64::StopReason::ecall) {
      ++r.syscalls;
      if (!syscall(r)) break;
    }
  }
  r.instret = st.instret;
  return r;
}

bool MiniRunner::syscall(RunResult& r) {
  kern::Task& p = process();
  guest::rv64::HartState& st = state();
  auto& x = st.x;
  const std::uint64_t a0 = x[kA0], a1 = x[kA0 + 1], a2 = x[kA0 + 2], a3 = x[kA0 + 3], a4 = x[kA0 + 4],
                      a5 = x[kA0 + 5];
  std::uint64_t ret = neg_errno(Errno::nosys);
  switch (x[kA7]) {
    case kExit:
    case kExitGroup:
      r.exited = true;
      r.exit_code = static_cast<int>(a0 & 0xff);
      st.pc += 4;
      return false;
    case kWrite: {
      std::string buf(a2, '\0');
      if (!m_->kernel.copy_from_user(p, {reinterpret_cast<std::uint8_t*>(buf.data()), buf.size()}, a1)) {
        ret = neg_errno(Errno::fault);
      } else {
        if (a0 == 1 || a0 == 2) r.out += buf;
        ret = a2;
      }
      break;
    }
    case kBrk: ret = m_->kernel.brk(p, a0); break;
    case kMmap: {
      auto v = m_->kernel.mmap(p, a0, a1, static_cast<int>(a2), static_cast<int>(a3), static_cast<int>(a4), a5);
      ret = v ? *v : neg_errno(v.error());
      break;
    }
    case kMunmap: {
      auto v = m_->kernel.munmap(p, a0, a1);
      ret = v ? 0 : neg_errno(v.error());
      break;
    }
    case kMprotect: {
      auto v = m_->kernel.mprotect(p, a0, a1, static_cast<int>(a2));
      ret = v ? 0 : neg_errno(v.error());
      break;
    }
    default:
      ret = static_cast<std::uint64_t>(-static_cast<std::int64_t>(kEnosys));
      break;
  }
  x[kA0] = ret;
  st.pc += 4;
  return true;
}

}  // namespace vmlab::test
