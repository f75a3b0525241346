#include "vmlab/process.h"

#include <stdexcept>

#include "api/machine_state.h"
#include "kernel/signal.h"

namespace vmlab {

std::uint64_t proc_field(const std::string& text, std::string_view name);

namespace {
// The task a call of the API runs as, made current on its CPU (the kernel charges
// that CPU, and a flush it makes is local there). A thread that cannot run now (it
// exited, or waits for its vfork child) cannot make system calls or accesses: that is
// a misuse of the API, not a guest error.
kern::Task& runnable(detail::MachineState* m, int tid) {
  kern::Task& t = m->task(tid);
  if (t.exited) throw std::logic_error("vmlab: process " + std::to_string(t.tgid()) + " has exited");
  if (t.vfork_child != 0) {
    throw std::logic_error("vmlab: process " + std::to_string(t.tgid()) + " waits for its vfork child");
  }
  m->kernel.switch_to(t, t.cpu);
  return t;
}

// The faults and times of every thread of process `pid`, reaped or not.
kern::Usage usage_of(detail::MachineState* m, int pid) {
  const kern::ThreadGroup* g = m->kernel.find_group(pid);
  if (g == nullptr) throw std::out_of_range("vmlab: no process " + std::to_string(pid));
  return m->kernel.usage(*g);
}
}  // namespace

Process::Process(detail::MachineState* m, int tid) : m_(m), tid_(tid) {
  kern::Task& t = m->task(tid);
  pid_ = t.tgid();
  mru_ = &m->mmu.cpu(t.cpu).mru;
  mm_id_ = &t.mm_id;
}

void Process::run_on(unsigned cpu) {
  if (cpu >= m_->mmu.cpu_count()) throw std::out_of_range("vmlab: no CPU " + std::to_string(cpu));
  kern::Task& t = runnable(m_, tid_);
  m_->kernel.switch_to(t, cpu);
  mru_ = &m_->mmu.cpu(cpu).mru;
}

bool Process::alive() const {
  const kern::Task* t = m_->kernel.find_task(tid_);
  return t != nullptr && !t->exited;
}

int Process::exit_status() const {
  const kern::ThreadGroup* g = m_->kernel.find_group(pid_);
  if (g == nullptr) throw std::out_of_range("vmlab: no process " + std::to_string(pid_));
  return g->exit_code;
}

SigInfo Process::access_slow(VirtAddr va, void* buf, std::size_t len, bool write) {
  kern::Task& t = runnable(m_, tid_);
  auto* bytes = static_cast<std::uint8_t*>(buf);
  mru_ = &m_->mmu.cpu(t.cpu).mru;
  const hw::AccessType type = write ? hw::AccessType::write : hw::AccessType::read;
  // A store that faults on a later page writes nothing, as an x86 store instruction
  // crossing a page boundary is checked on both pages before it retires: fault every
  // page in first, then copy.
  if (write && (va & (kPageSize - 1)) + len > kPageSize) {
    for (VirtAddr a = va; a < va + len; a = page_align_down(a) + kPageSize) {
      const kern::FaultIn page = m_->kernel.fault_in(t, a, type);
      if (!page.ok()) return page.sig;
    }
  }
  std::size_t done = 0;
  while (done < len) {
    const VirtAddr a = va + done;
    const std::size_t n = std::min<std::size_t>(len - done, kPageSize - (a & (kPageSize - 1)));
    const kern::FaultIn page = m_->kernel.fault_in(t, a, type);
    if (!page.ok()) return page.sig;
    if (m_->mem.data_contents()) {
      std::uint8_t* frame = m_->mem.frame(page.pfn) + (a & (kPageSize - 1));
      if (write) std::memcpy(frame, bytes + done, n);
      else std::memcpy(bytes + done, frame, n);
    } else if (!write) {
      std::memset(bytes + done, 0, n);
    }
    done += n;
  }
  m_->kernel.run_kthreads();  // back in user mode: kswapd's turn
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
  return m_->kernel.mmap(runnable(m_, tid_), addr, len, prot, flags, fd, offset);
}
Result<void> Process::munmap(VirtAddr addr, std::uint64_t len) { return m_->kernel.munmap(runnable(m_, tid_), addr, len); }
Result<void> Process::mprotect(VirtAddr addr, std::uint64_t len, int prot) {
  return m_->kernel.mprotect(runnable(m_, tid_), addr, len, prot);
}
Result<VirtAddr> Process::mremap(VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                                 VirtAddr new_addr) {
  return m_->kernel.mremap(runnable(m_, tid_), addr, old_len, new_len, flags, new_addr);
}
Result<void> Process::madvise(VirtAddr addr, std::uint64_t len, int advice) {
  return m_->kernel.madvise(runnable(m_, tid_), addr, len, advice);
}
Result<void> Process::msync(VirtAddr addr, std::uint64_t len, int flags) {
  return m_->kernel.msync(runnable(m_, tid_), addr, len, flags);
}
VirtAddr Process::brk(VirtAddr addr) { return m_->kernel.brk(runnable(m_, tid_), addr); }

Result<int> Process::open(std::string_view path, int flags, std::uint32_t mode) {
  return m_->kernel.open(runnable(m_, tid_), path, flags, mode);
}
Result<void> Process::close(int fd) { return m_->kernel.close(runnable(m_, tid_), fd); }
Result<std::uint64_t> Process::read(int fd, VirtAddr buf, std::uint64_t len) {
  return m_->kernel.read(runnable(m_, tid_), fd, buf, len);
}
Result<std::uint64_t> Process::write(int fd, VirtAddr buf, std::uint64_t len) {
  return m_->kernel.write(runnable(m_, tid_), fd, buf, len);
}
Result<std::uint64_t> Process::pread(int fd, VirtAddr buf, std::uint64_t len, std::uint64_t offset) {
  return m_->kernel.pread(runnable(m_, tid_), fd, buf, len, offset);
}
Result<std::uint64_t> Process::pwrite(int fd, VirtAddr buf, std::uint64_t len, std::uint64_t offset) {
  return m_->kernel.pwrite(runnable(m_, tid_), fd, buf, len, offset);
}
Result<std::uint64_t> Process::lseek(int fd, std::int64_t offset, int whence) {
  return m_->kernel.lseek(runnable(m_, tid_), fd, offset, whence);
}
Result<void> Process::ftruncate(int fd, std::uint64_t len) { return m_->kernel.ftruncate(runnable(m_, tid_), fd, len); }
Result<void> Process::fsync(int fd) { return m_->kernel.fsync(runnable(m_, tid_), fd); }
Result<void> Process::unlink(std::string_view path) { return m_->kernel.unlink(runnable(m_, tid_), path); }
Result<void> Process::mkdir(std::string_view path, std::uint32_t mode) {
  return m_->kernel.mkdir(runnable(m_, tid_), path, mode);
}

Result<Process> Process::fork() {
  auto pid = m_->kernel.fork(runnable(m_, tid_));
  if (!pid) return pid.error();
  return Process(m_, *pid);
}
Result<Process> Process::vfork() {
  auto pid = m_->kernel.vfork(runnable(m_, tid_));
  if (!pid) return pid.error();
  return Process(m_, *pid);
}
Result<Process> Process::create_thread() {
  kern::CloneArgs a;
  a.flags = kern::kCloneVm | kern::kCloneFs | kern::kCloneFiles | kern::kCloneSighand | kern::kCloneThread |
            kern::kCloneSysvsem;
  auto tid = m_->kernel.clone(runnable(m_, tid_), a);
  if (!tid) return tid.error();
  return Process(m_, *tid);
}
Result<VirtAddr> Process::execve(std::string_view path, const std::vector<std::string>& argv,
                                 const std::vector<std::string>& envp) {
  return m_->kernel.execve(runnable(m_, tid_), path, argv, envp);
}
void Process::exit(int code) { m_->kernel.exit(runnable(m_, tid_), code); }
void Process::exit_thread(int code) { m_->kernel.exit_thread(runnable(m_, tid_), (code & 0xff) << 8); }
void Process::kill(Signal sig) {
  kern::Task* leader = m_->kernel.find(pid_);
  if (leader == nullptr) throw std::out_of_range("vmlab: no process " + std::to_string(pid_));
  m_->kernel.kill(*leader, sig);
}
void Process::signal(Signal sig) {
  kern::Task* leader = m_->kernel.find(pid_);
  if (leader == nullptr) throw std::out_of_range("vmlab: no process " + std::to_string(pid_));
  kern::KSigInfo info;
  info.signo = static_cast<int>(sig);
  info.code = kern::kSiUser;
  (void)kern::send_signal(m_->kernel, *leader, info, kern::SigTarget::group);  // SI_USER never overflows
  // A thread of the API runs no code between calls: it is always on its way back to
  // user mode, where a signal it can take is taken.
  const std::vector<int> threads = leader->tg->threads;
  for (int tid : threads) {
    if (kern::Task* t = m_->kernel.find_task(tid); t != nullptr && !t->exited) {
      (void)kern::deliver_signals(m_->kernel, *t);  // false: the process died of it, nothing more to do
    }
  }
}
Result<WaitStatus> Process::wait(int child) {
  auto r = m_->kernel.wait(runnable(m_, tid_), child);
  if (!r) return r.error();
  return WaitStatus{r->pid, r->status};
}

std::string Process::proc(std::string_view file) const {
  const kern::Task* self = m_->kernel.find_task(tid_);
  auto r = m_->kernel.proc_text("/proc/" + std::to_string(pid_) + "/" + std::string(file), self);
  if (!r) throw std::invalid_argument("vmlab: no /proc file " + std::string(file));
  return *r;
}
std::uint64_t Process::status_kb(std::string_view field) const { return proc_field(proc("status"), field); }
std::uint64_t Process::minflt() const { return usage_of(m_, pid_).min_flt; }
std::uint64_t Process::majflt() const { return usage_of(m_, pid_).maj_flt; }
std::uint64_t Process::faults(obs::FaultKind kind) const {
  return usage_of(m_, pid_).faults_by_kind[static_cast<unsigned>(kind)];
}

}  // namespace vmlab
