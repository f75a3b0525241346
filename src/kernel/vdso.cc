// The riscv64 vDSO as far as vmlab has one (arch/riscv/kernel/vdso.c): a page whose
// only code is __vdso_rt_sigreturn (li a7, 139; ecall), where a signal handler
// returns to. It is no ELF image, so exec passes no AT_SYSINFO_EHDR and glibc makes
// real system calls for the clocks; there is no [vvar]. The page is read-only and
// executable, shown as [vdso] in /proc/PID/maps (offset 0, device 00:00, inode 0).
#include <cstring>

#include "fs/inode.h"
#include "mm/filemap.h"
#include "kernel/kernel.h"
#include "mm/mman.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

Result<VirtAddr> Kernel::map_vdso(Task& p) {
  if (vdso_ == nullptr) {
    // In the page cache from the start, clean, as if read before the first program
    // ran: the first touch in each process is a minor fault, as Linux's is.
    auto inode = std::make_shared<fs::Inode>(0, 0, fs::InodeType::regular, fs::Backing::disk);
    inode->on_evict = [this](fs::Inode& i) { sys_.evict_inode(i); };
    inode->mode = 0555;
    std::vector<std::uint8_t> page(kPageSize, 0);
    const std::uint32_t code[2] = {0x08b00893, 0x00000073};
    std::memcpy(page.data(), code, sizeof code);
    inode->store[0] = std::move(page);
    inode->size = kPageSize;
    (void)mm::page_cache_get(sys_, *inode, 0);
    vdso_ = std::move(inode);
  }
  auto file = std::make_shared<fs::OpenFile>(vdso_, "[vdso]", kORdonly);
  // Placed as get_unmapped_area() places a new mapping: below the others.
  mm::MmapArgs args{0, kPageSize, kProtRead | kProtExec, kMapPrivate, file, 0};
  return mm::do_mmap(*p.mm, args, nullptr);
}

}  // namespace vmlab::kern
