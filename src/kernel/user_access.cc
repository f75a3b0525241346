// The kernel's own accesses to user memory (copy_to_user(), copy_from_user()): through
// the MMU of the CPU the process runs on, like the process's accesses, taking page
// faults for it; where the process would get a signal, the system call gets EFAULT.
#include <algorithm>
#include <cstring>

#include "kernel/kernel.h"

namespace vmlab::kern {

namespace {
// Translates one page for the kernel, faulting as needed. kNoPfn: EFAULT.
Pfn translate_for(Kernel& k, Process& p, VirtAddr va, bool write) {
  hw::Mmu& mmu = k.sys().mmu();
  hw::Cpu& cpu = mmu.cpu(p.cpu);
  k.switch_to(p, p.cpu);
  for (int attempt = 0; attempt < 4; ++attempt) {
    hw::Translation t = mmu.translate_data(cpu, va, write);
    if (t.ok()) return t.pfn;
    SigInfo sig = k.user_fault(p, va, write ? hw::AccessType::write : hw::AccessType::read, t.error_code);
    if (sig.signo != Signal::none) return kNoPfn;
  }
  return kNoPfn;
}
}  // namespace

Result<void> Kernel::copy_to_user(Process& p, VirtAddr dst, std::span<const std::uint8_t> src) {
  std::uint64_t done = 0;
  while (done < src.size()) {
    const VirtAddr va = dst + done;
    const std::uint64_t n = std::min<std::uint64_t>(src.size() - done, kPageSize - (va & (kPageSize - 1)));
    Pfn pfn = translate_for(*this, p, va, true);
    if (pfn == kNoPfn) return Errno::fault;
    if (sys_.mem().data_contents()) std::memcpy(sys_.mem().frame(pfn) + (va & (kPageSize - 1)), src.data() + done, n);
    done += n;
  }
  return {};
}

Result<void> Kernel::copy_from_user(Process& p, std::span<std::uint8_t> dst, VirtAddr src) {
  std::uint64_t done = 0;
  while (done < dst.size()) {
    const VirtAddr va = src + done;
    const std::uint64_t n = std::min<std::uint64_t>(dst.size() - done, kPageSize - (va & (kPageSize - 1)));
    Pfn pfn = translate_for(*this, p, va, false);
    if (pfn == kNoPfn) return Errno::fault;
    if (sys_.mem().data_contents()) std::memcpy(dst.data() + done, sys_.mem().frame(pfn) + (va & (kPageSize - 1)), n);
    else std::memset(dst.data() + done, 0, n);
    done += n;
  }
  return {};
}

}  // namespace vmlab::kern
