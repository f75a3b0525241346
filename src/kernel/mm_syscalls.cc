// The memory system calls as a process makes them: the descriptor and offset checks
// of ksys_mmap_pgoff() and the x86-64 mmap entry, then the mm entry points, with the
// faults they take on the process's behalf counted in its minflt and majflt.
#include "fs/inode.h"
#include "kernel/kernel.h"
#include "mm/mman.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

namespace {
void credit(Task& p, const mm::FaultTally& t) {
  p.usage.min_flt += t.minor;
  p.usage.maj_flt += t.major;
}
}  // namespace

Result<VirtAddr> Kernel::mmap(Task& p, VirtAddr addr, std::uint64_t len, int prot, int flags, int fd,
                              std::uint64_t off) {
  if (off & (kPageSize - 1)) return Errno::inval;  // the x86-64 entry checks the byte offset
  mm::MmapArgs args{addr, len, prot, flags, nullptr, off};
  if (!(flags & kMapAnonymous)) {
    auto file = fd_file(p, fd);
    if (!file) return Errno::badf;
    if (flags & kMapHugetlb) return Errno::inval;  // ksys_mmap_pgoff(): memfs is not hugetlbfs
    args.file = *file;
    // /dev/zero: a private mapping is anonymous memory, a shared one shmem.
    if (args.file->inode->type == fs::InodeType::char_device) {
      if (args.file->inode->rdev != kDevZero) return Errno::nodev;
      args.file = nullptr;
      args.flags |= kMapAnonymous;
      // The file branch of do_mmap() accepted MAP_SHARED_VALIDATE for /dev/zero (seen
      // on 6.18); the anonymous branch would refuse it.
      if ((args.flags & kMapType) == kMapSharedValidate) args.flags = (args.flags & ~kMapType) | kMapShared;
    }
  }
  // MAP_HUGETLB anonymous memory comes from the hugetlb pool, which this machine does
  // not have (hugetlb_file_setup() fails with ENOMEM when no huge pages are reserved).
  if ((args.flags & kMapAnonymous) && (flags & kMapHugetlb)) return Errno::nomem;
  mm::FaultTally tally;
  auto r = mm::do_mmap(*p.mm, args, &tally);
  credit(p, tally);
  if (r && sys_.events().active()) sys_.events().emit(obs::MapEvent{obs::MapEvent::Kind::mmap, p.tgid(), *r, *r + len});
  return r;
}

Result<void> Kernel::munmap(Task& p, VirtAddr addr, std::uint64_t len) {
  auto r = mm::do_munmap(*p.mm, addr, len);
  if (r && sys_.events().active()) sys_.events().emit(obs::MapEvent{obs::MapEvent::Kind::munmap, p.tgid(), addr, addr + len});
  return r;
}

Result<void> Kernel::mprotect(Task& p, VirtAddr addr, std::uint64_t len, int prot) {
  return mm::do_mprotect(*p.mm, addr, len, prot);
}

Result<VirtAddr> Kernel::mremap(Task& p, VirtAddr addr, std::uint64_t old_len, std::uint64_t new_len, int flags,
                                VirtAddr new_addr) {
  return mm::do_mremap(*p.mm, addr, old_len, new_len, flags, new_addr);
}

Result<void> Kernel::madvise(Task& p, VirtAddr addr, std::uint64_t len, int advice) {
  mm::FaultTally tally;
  auto r = mm::do_madvise(*p.mm, addr, len, advice, &tally);
  credit(p, tally);
  return r;
}

Result<void> Kernel::msync(Task& p, VirtAddr addr, std::uint64_t len, int flags) {
  return mm::do_msync(*p.mm, addr, len, flags);
}

VirtAddr Kernel::brk(Task& p, VirtAddr addr) { return mm::do_brk(*p.mm, addr); }

}  // namespace vmlab::kern
