// The kernel's own accesses to user memory (copy_to_user(), copy_from_user()): through
// the MMU of the CPU the task runs on, like the task's own accesses, taking page faults
// for it (Kernel::fault_in()); where the task would get a signal, the system call
// gets EFAULT.
#include <algorithm>
#include <cstring>

#include "kernel/kernel.h"

namespace vmlab::kern {

Result<void> Kernel::copy_to_user(Task& t, VirtAddr dst, std::span<const std::uint8_t> src) {
  std::uint64_t done = 0;
  while (done < src.size()) {
    const VirtAddr va = dst + done;
    const std::uint64_t n = std::min<std::uint64_t>(src.size() - done, kPageSize - (va & (kPageSize - 1)));
    const FaultIn page = fault_in(t, va, hw::AccessType::write);
    if (!page.ok()) return Errno::fault;
    if (sys_.mem().data_contents()) {
      std::memcpy(sys_.mem().frame(page.pfn) + (va & (kPageSize - 1)), src.data() + done, n);
    }
    done += n;
  }
  return {};
}

Result<void> Kernel::copy_from_user(Task& t, std::span<std::uint8_t> dst, VirtAddr src) {
  std::uint64_t done = 0;
  while (done < dst.size()) {
    const VirtAddr va = src + done;
    const std::uint64_t n = std::min<std::uint64_t>(dst.size() - done, kPageSize - (va & (kPageSize - 1)));
    const FaultIn page = fault_in(t, va, hw::AccessType::read);
    if (!page.ok()) return Errno::fault;
    if (sys_.mem().data_contents()) std::memcpy(dst.data() + done, sys_.mem().frame(page.pfn) + (va & (kPageSize - 1)), n);
    else std::memset(dst.data() + done, 0, n);
    done += n;
  }
  return {};
}

}  // namespace vmlab::kern
