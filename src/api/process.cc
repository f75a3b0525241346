#include "vmlab/process.h"

#include <stdexcept>

#include "api/machine_state.h"

namespace vmlab {

std::uint64_t proc_field(const std::string& text, std::string_view name);

namespace {
// A process that cannot run now (it exited, or waits for its vfork child) cannot make
// system calls or accesses: that is a misuse of the API, not a guest error.
kern::Process& runnable(detail::MachineState* m, int pid) {
  kern::Process& p = m->proc(pid);
  if (!p.alive()) throw std::logic_error("vmlab: process " + std::to_string(pid) + " has exited");
  if (p.state == kern::TaskState::vfork_waiting) {
    throw std::logic_error("vmlab: process " + std::to_string(pid) + " waits for its vfork child");
  }
  return p;
}
}  // namespace

Process::Process(detail::MachineState* m, int pid) : m_(m), pid_(pid) {
  kern::Process& p = m->proc(pid);
  mru_ = &m->mmu.cpu(p.cpu).mru;
  mm_id_ = &p.mm_id;
}

void Process::run_on(unsigned cpu) {
  if (cpu >= m_->mmu.cpu_count()) throw std::out_of_range("vmlab: no CPU " + std::to_string(cpu));
  kern::Process& p = runnable(m_, pid_);
  m_->kernel.switch_to(p, cpu);
  mru_ = &m_->mmu.cpu(cpu).mru;
}

bool Process::alive() const {
  kern::Process* p = m_->kernel.find(pid_);
  return p != nullptr && p->alive();
}

int Process::exit_status() const {
  const kern::Process* p = m_->kernel.find_any(pid_);
  if (p == nullptr) throw std::out_of_range("vmlab: no process " + std::to_string(pid_));
  return p->exit_code;
}

SigInfo Process::access_slow(VirtAddr va, void* buf, std::size_t len, bool write) {
  kern::Process& p = runnable(m_, pid_);
  auto* bytes = static_cast<std::uint8_t*>(buf);
  const unsigned on = p.cpu;
  hw::Cpu& cpu = m_->mmu.cpu(on);
  mru_ = &cpu.mru;
  // Translates the page of `a`, taking the faults the access raises; a second fault in
  // a row on the same access means the handler could not resolve it (it raised a signal).
  auto translate = [&](VirtAddr a, hw::Translation& t) -> SigInfo {
    m_->kernel.switch_to(p, on);
    t = m_->mmu.translate_data(cpu, a, write);
    for (int attempt = 0; !t.ok(); ++attempt) {
      if (attempt == 3) throw std::logic_error("vmlab: a resolved fault did not make the page accessible");
      SigInfo s = m_->kernel.user_fault(p, a, write ? hw::AccessType::write : hw::AccessType::read, t.error_code);
      if (s.signo != Signal::none) return s;
      t = m_->mmu.translate_data(cpu, a, write);
    }
    return {};
  };
  // A store that faults on a later page writes nothing, as an x86 store instruction
  // crossing a page boundary is checked on both pages before it retires: fault every
  // page in first, then copy.
  if (write && (va & (kPageSize - 1)) + len > kPageSize) {
    for (VirtAddr a = va; a < va + len; a = page_align_down(a) + kPageSize) {
      hw::Translation t;
      if (SigInfo s = translate(a, t); s.signo != Signal::none) return s;
    }
  }
  std::size_t done = 0;
  while (done < len) {
    const VirtAddr a = va + done;
    const std::size_t n = std::min<std::size_t>(len - done, kPageSize - (a & (kPageSize - 1)));
    hw::Translation t;
    if (SigInfo s = translate(a, t); s.signo != Signal::none) return s;
    if (m_->mem.data_contents()) {
      std::uint8_t* frame = m_->mem.frame(t.pfn) + (a & (kPageSize - 1));
      if (write) std::memcpy(frame, bytes + done, n);
      else std::memcpy(bytes + done, frame, n);
    } else if (!write) {
      std::memset(bytes + done, 0, n);
    }
    done += n;
  }
  return {};
}

Access<bool> Process::read_bytes(VirtAddr va, std::span<std::uint8_t> out) {
  SigInfo s = access_slow(va, out.data(), out.size(), false);
  if (s.signo != Signal::none) return s;
  return true;
}

Access<bool> Process::write_bytes(VirtAddr va, std::span<const std::uint8_t> in) {
  SigInfo s = access_slow(va, const_cast<std::uint8_t*>(in.data()), in.size(), true);
  if (s.signo != Signal::none) return s;
  return true;
}

Access<std::string> Process::read_string(VirtAddr va, std::size_t len) {
  std::string out(len, '\0');
  SigInfo s = access_slow(va, out.data(), len, false);
  if (s.signo != Signal::none) return s;
  return out;
}

Access<bool> Process::write_string(VirtAddr va, std::string_view str) {
  return write_bytes(va, {reinterpret_cast<const std::uint8_t*>(str.data()), str.size()});
}

Result<VirtAddr> Process::mmap(VirtAddr addr, std::uint64_t len, int prot, int flags, int fd, std::uint64_t offset) {
  return m_->kernel.mmap(runnable(m_, pid_), addr, len, prot, flags, fd, offset);
}
Result<void> Process::munmap(VirtAddr addr, std::uint64_t len) { return m_->kernel.munmap(runnable(m_, pid_), addr, len); }
Result<void> Process::mprotect(VirtAddr addr, std::uint64_t len, int prot) {
  return m_->kernel.mprotect(runnable(m_, pid_), addr, len, prot);
}
Result<VirtAddr> Process::mremap(VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                                 VirtAddr new_addr) {
  return m_->kernel.mremap(runnable(m_, pid_), addr, old_len, new_len, flags, new_addr);
}
Result<void> Process::madvise(VirtAddr addr, std::uint64_t len, int advice) {
  return m_->kernel.madvise(runnable(m_, pid_), addr, len, advice);
}
Result<void> Process::msync(VirtAddr addr, std::uint64_t len, int flags) {
  return m_->kernel.msync(runnable(m_, pid_), addr, len, flags);
}
VirtAddr Process::brk(VirtAddr addr) { return m_->kernel.brk(runnable(m_, pid_), addr); }

Result<int> Process::open(std::string_view path, int flags, std::uint32_t mode) {
  return m_->kernel.open(runnable(m_, pid_), path, flags, mode);
}
Result<void> Process::close(int fd) { return m_->kernel.close(runnable(m_, pid_), fd); }
Result<std::uint64_t> Process::read(int fd, VirtAddr buf, std::uint64_t len) {
  return m_->kernel.read(runnable(m_, pid_), fd, buf, len);
}
Result<std::uint64_t> Process::write(int fd, VirtAddr buf, std::uint64_t len) {
  return m_->kernel.write(runnable(m_, pid_), fd, buf, len);
}
Result<std::uint64_t> Process::pread(int fd, VirtAddr buf, std::uint64_t len, std::uint64_t offset) {
  return m_->kernel.pread(runnable(m_, pid_), fd, buf, len, offset);
}
Result<std::uint64_t> Process::pwrite(int fd, VirtAddr buf, std::uint64_t len, std::uint64_t offset) {
  return m_->kernel.pwrite(runnable(m_, pid_), fd, buf, len, offset);
}
Result<std::uint64_t> Process::lseek(int fd, std::int64_t offset, int whence) {
  return m_->kernel.lseek(runnable(m_, pid_), fd, offset, whence);
}
Result<void> Process::ftruncate(int fd, std::uint64_t len) { return m_->kernel.ftruncate(runnable(m_, pid_), fd, len); }
Result<void> Process::fsync(int fd) { return m_->kernel.fsync(runnable(m_, pid_), fd); }
Result<void> Process::unlink(std::string_view path) { return m_->kernel.unlink(runnable(m_, pid_), path); }
Result<void> Process::mkdir(std::string_view path, std::uint32_t mode) {
  return m_->kernel.mkdir(runnable(m_, pid_), path, mode);
}

Result<Process> Process::fork() {
  auto pid = m_->kernel.fork(runnable(m_, pid_));
  if (!pid) return pid.error();
  return Process(m_, *pid);
}
Result<Process> Process::vfork() {
  auto pid = m_->kernel.vfork(runnable(m_, pid_));
  if (!pid) return pid.error();
  return Process(m_, *pid);
}
Result<VirtAddr> Process::execve(std::string_view path, const std::vector<std::string>& argv,
                                 const std::vector<std::string>& envp) {
  return m_->kernel.execve(runnable(m_, pid_), path, argv, envp);
}
void Process::exit(int code) { m_->kernel.exit(runnable(m_, pid_), code); }
void Process::kill(Signal sig) { m_->kernel.kill(m_->proc(pid_), sig); }
Result<WaitStatus> Process::wait(int child) {
  auto r = m_->kernel.wait(runnable(m_, pid_), child);
  if (!r) return r.error();
  return WaitStatus{r->pid, r->status};
}

std::string Process::proc(std::string_view file) const {
  kern::Process& p = m_->proc(pid_);
  auto r = m_->kernel.proc_text("/proc/" + std::to_string(pid_) + "/" + std::string(file), &p);
  if (!r) throw std::invalid_argument("vmlab: no /proc file " + std::string(file));
  return *r;
}
std::uint64_t Process::status_kb(std::string_view field) const { return proc_field(proc("status"), field); }
std::uint64_t Process::minflt() const { return m_->proc(pid_).min_flt; }
std::uint64_t Process::majflt() const { return m_->proc(pid_).maj_flt; }
std::uint64_t Process::faults(obs::FaultKind kind) const {
  return m_->proc(pid_).faults_by_kind[static_cast<unsigned>(kind)];
}

}  // namespace vmlab
