#include <algorithm>

#include "fs/inode.h"
#include "mm/address_space.h"
#include "mm/anon_vma.h"
#include "mm/fault.h"
#include "mm/memory_system.h"
#include "mm/mman.h"
#include "mm/page_table.h"
#include "mm/vma_ops.h"
#include "vmlab/mman.h"

namespace vmlab::mm {

namespace {

constexpr std::uint64_t kPmdSize = 2 * MiB;

// LEGACY_MAP_MASK on x86-64: the flags MAP_SHARED_VALIDATE accepts (MAP_SYNC is
// accepted only by DAX filesystems, which memfs is not).
constexpr int kLegacyMapMask = kMapShared | kMapPrivate | kMapFixed | kMapAnonymous | 0x40 /* MAP_32BIT */ |
                               0x80 /* MAP_ABOVE4G */ | kMapGrowsdown | kMapDenywrite | kMapExecutable | kMapLocked |
                               kMapNoreserve | kMapPopulate | kMapNonblock | kMapStack | kMapHugetlb |
                               0x4000000 /* MAP_UNINITIALIZED */ | 0x54000000 /* MAP_HUGE_2MB */ |
                               0x78000000 /* MAP_HUGE_1GB */;

// vm_start_gap(): the start of a VMA including the guard gap below a stack.
VirtAddr start_gap(const Vma& v) {
  if (!(v.flags & VM_GROWSDOWN)) return v.start;
  return v.start > kStackGuardGap ? v.start - kStackGuardGap : 0;
}

struct UnmappedAreaInfo {
  std::uint64_t length;
  VirtAddr low_limit;
  VirtAddr high_limit;
  std::uint64_t align_mask = 0;
  std::uint64_t align_offset = 0;
};

// unmapped_area_topdown(): the highest gap that fits, aligned as asked, keeping the
// guard gap below a stack.
Result<VirtAddr> unmapped_area_topdown(const AddressSpace& mm, const UnmappedAreaInfo& info) {
  const std::uint64_t length = info.length + info.align_mask;
  if (length < info.length) return Errno::nomem;
  VirtAddr high = info.high_limit;
  const VirtAddr low = info.low_limit;
  if (high < low || high - low < length) return Errno::nomem;
  // Walk the gaps from the top: each lies between prev->end and next's start gap.
  Vma* next = mm.vmas.find(high);  // the first VMA ending above `high`
  Vma* prev = next ? mm.vmas.prev(*next) : (mm.vmas.empty() ? nullptr : &*std::prev(mm.vmas.end()));
  for (;;) {
    VirtAddr gap_end = next ? std::min(start_gap(*next), high) : high;
    VirtAddr gap_start = prev ? std::max(prev->end, low) : low;
    if (gap_end > gap_start && gap_end - gap_start >= length) {
      VirtAddr addr = gap_end - info.length;
      addr -= (addr - info.align_offset) & info.align_mask;
      return addr;
    }
    if (prev == nullptr || prev->end <= low) return Errno::nomem;
    next = prev;
    prev = mm.vmas.prev(*prev);
  }
}

// arch_get_unmapped_area_topdown() for x86-64 (riscv64 uses the same generic rules).
Result<VirtAddr> arch_get_unmapped_area(const AddressSpace& mm, VirtAddr hint, std::uint64_t length,
                                        std::uint64_t pgoff, int flags) {
  if (length > mm.task_size) return Errno::nomem;
  if (flags & kMapFixed) return hint;
  if (hint != 0) {
    hint = page_align_down(hint);
    if (mm.task_size - length >= hint) {
      Vma* v = mm.vmas.find(hint);
      if (v == nullptr || hint + length <= start_gap(*v)) return hint;
    }
  }
  UnmappedAreaInfo info{length, kPageSize, mm.mmap_base};
  info.align_offset = pgoff << kPageShift;
  return unmapped_area_topdown(mm, info);
}

// __thp_get_unmapped_area(): pads the request by 2 MiB and aligns the result so that
// huge pages can map it. 0 when it does not apply.
VirtAddr thp_aligned_area(const AddressSpace& mm, VirtAddr hint, std::uint64_t length, std::uint64_t pgoff,
                          int flags) {
  const std::uint64_t off = pgoff << kPageShift;
  const std::uint64_t off_end = off + length;
  const std::uint64_t off_align = (off + kPmdSize - 1) & ~(kPmdSize - 1);
  if (off_end <= off_align || off_end - off_align < kPmdSize) return 0;
  const std::uint64_t len_pad = length + kPmdSize;
  if (len_pad < length || off + len_pad < off) return 0;
  auto r = arch_get_unmapped_area(mm, hint, len_pad, pgoff, flags);
  if (!r) return 0;
  VirtAddr ret = *r;
  if (ret == hint) return hint;
  const std::uint64_t off_sub = (off - ret) & (kPmdSize - 1);
  if (off_sub == 0) return ret + kPmdSize;  // top-down: keep the padding below
  return ret + off_sub;
}

}  // namespace

Result<VirtAddr> get_unmapped_area(AddressSpace& mm, const fs::OpenFile* file, VirtAddr hint, std::uint64_t length,
                                   std::uint64_t pgoff, int flags) {
  if (length > mm.task_size) return Errno::nomem;
  VirtAddr addr = 0;
  const bool shared_anon = file == nullptr && (flags & kMapType) == kMapShared;
  if (!file) pgoff = 0;
  // Large anonymous mappings without a hint are THP-aligned (6.7+), and so are file
  // mappings of a disk filesystem whose get_unmapped_area is thp_get_unmapped_area.
  // Shared anonymous memory (shmem, huge=never) is not.
  const bool disk_file = file != nullptr && !file->inode->is_shmem();
  if (!(flags & kMapFixed) && ((!file && !shared_anon && hint == 0 && length % kPmdSize == 0) || disk_file)) {
    addr = thp_aligned_area(mm, hint, length, pgoff, flags);
  }
  if (addr == 0) {
    auto r = arch_get_unmapped_area(mm, hint, length, pgoff, flags);
    if (!r) return r.error();
    addr = *r;
  }
  if (addr > mm.task_size - length) return Errno::nomem;
  if (!page_aligned(addr)) return Errno::inval;
  // security_mmap_addr(): below mmap_min_addr needs CAP_SYS_RAWIO.
  if (addr < mm.sys().config().mmap_min_addr && !mm.cap_sys_admin) return Errno::perm;
  return addr;
}

std::uint64_t prot_to_vm_flags(int prot) {
  std::uint64_t f = 0;
  if (prot & kProtRead) f |= VM_READ;
  if (prot & kProtWrite) f |= VM_WRITE;
  if (prot & kProtExec) f |= VM_EXEC;
  return f;
}

bool accountable(std::uint64_t vm_flags) {
  // accountable_mapping(): private writable memory not marked NORESERVE.
  return (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
}

namespace {

// mmap_region(): replaces whatever is at [addr, addr + len) with a new mapping,
// merged with its neighbours where Linux merges.
Result<VirtAddr> mmap_region(AddressSpace& mm, const MmapArgs& args, VirtAddr addr, std::uint64_t len,
                             std::uint64_t vm_flags, std::uint64_t pgoff,
                             std::shared_ptr<fs::OpenFile> file) {
  MemorySystem& sys = mm.sys();
  const std::uint64_t pages = len >> kPageShift;
  // may_expand_vm(): RLIMIT_DATA for data mappings (RLIMIT_AS is not modelled).
  if ((vm_flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE &&
      (mm.data_vm + pages) << kPageShift > sys.config().data_rlimit) {
    return Errno::nomem;
  }
  // Unmap what is there first (MAP_FIXED).
  if (mm.vmas.find_intersecting(addr, addr + len) != nullptr) {
    auto r = unmap_range(mm, addr, addr + len);
    if (!r) return r.error();
  }
  if (accountable(vm_flags)) {
    if (!sys.vm_enough_memory(static_cast<std::int64_t>(pages), mm.total_vm, mm.cap_sys_admin)) return Errno::nomem;
    vm_flags |= VM_ACCOUNT;
  }
  auto vma = std::make_unique<Vma>();
  vma->start = addr;
  vma->end = addr + len;
  vma->flags = vm_flags;  // no VM_SOFTDIRTY: modelled as CONFIG_MEM_SOFT_DIRTY=n, like the CI kernel
  vma->pgoff = pgoff;
  vma->file = std::move(file);
  // vma_wants_writenotify(): shared writable pages of a disk file start read-only so
  // the first write is seen (page_mkwrite); shmem needs no notification.
  vma->writenotify = (vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE) && vma->file &&
                     !vma->file->inode->is_shmem();
  Vma* v = vma_link(mm, std::move(vma));
  mm.account_vm(vm_flags, static_cast<std::int64_t>(pages));
  if (vm_flags & VM_LOCKED) mm.locked_vm += pages;
  v = vma_try_merge(mm, v);
  (void)args;
  return addr;
}

}  // namespace

Result<VirtAddr> do_mmap(AddressSpace& mm, const MmapArgs& args, FaultTally* tally) {
  MemorySystem& sys = mm.sys();
  VirtAddr addr = args.addr;
  int flags = args.flags;
  std::uint64_t pgoff = args.offset >> kPageShift;
  if (args.length == 0) return Errno::inval;
  if (flags & kMapFixedNoreplace) flags |= kMapFixed;
  // round_hint_to_min(): a hint below mmap_min_addr is raised to it.
  if (!(flags & kMapFixed)) {
    addr &= kPageMask;
    if (addr != 0 && addr < sys.config().mmap_min_addr) addr = page_align_up(sys.config().mmap_min_addr);
  }
  const std::uint64_t len = page_align_up(args.length);
  if (len == 0) return Errno::nomem;
  if (pgoff + (len >> kPageShift) < pgoff) return Errno::overflow;
  if (mm.vmas.size() > sys.config().max_map_count) return Errno::nomem;
  // do_mmap(): the address is chosen (and checked against mmap_min_addr) before the
  // mapping type is looked at (seen on 6.18: MAP_FIXED at 0 with no type is EPERM).
  {
    const fs::OpenFile* area_file = (flags & kMapAnonymous) ? nullptr : args.file.get();
    auto area = get_unmapped_area(mm, area_file, addr, len, pgoff, flags);
    if (!area) return area.error();
    addr = *area;
    if ((flags & kMapFixedNoreplace) && mm.vmas.find_intersecting(addr, addr + len)) return Errno::exist;
  }

  std::uint64_t vm_flags = prot_to_vm_flags(args.prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if (flags & kMapGrowsdown) vm_flags |= VM_GROWSDOWN;
  if (flags & kMapLocked) vm_flags |= VM_LOCKED;
  std::shared_ptr<fs::OpenFile> file = (flags & kMapAnonymous) ? nullptr : args.file;
  const int type = flags & kMapType;
  if (file) {
    const fs::Inode& inode = *file->inode;
    // file_mmap_ok(): the mapping must end within MAX_LFS_FILESIZE (seen on 6.18:
    // offset 0xfffffffffffff000, two pages, EOVERFLOW).
    constexpr std::uint64_t kMaxLfsFilesize = 0x7fffffffffffffffULL;
    if (pgoff > (kMaxLfsFilesize - len) >> kPageShift) return Errno::overflow;
    switch (type) {
      case kMapShared:
      case kMapSharedValidate:
        // MAP_SHARED_VALIDATE refuses flags outside LEGACY_MAP_MASK, MAP_FIXED_NOREPLACE
        // included (seen on 6.18: EOPNOTSUPP); plain MAP_SHARED drops them.
        if (type == kMapSharedValidate && (flags & ~kLegacyMapMask)) return Errno::opnotsupp;
        if ((args.prot & kProtWrite) && !file->writable()) return Errno::acces;
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        if (!file->writable()) vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
        [[fallthrough]];
      case kMapPrivate:
        if (!file->readable()) return Errno::acces;
        if (inode.type != fs::InodeType::regular && inode.type != fs::InodeType::char_device) return Errno::nodev;
        if (vm_flags & VM_GROWSDOWN) return Errno::inval;
        break;
      default:
        return Errno::inval;
    }
  } else {
    // do_mmap(): the anonymous switch knows MAP_SHARED and MAP_PRIVATE only, so
    // MAP_SHARED_VALIDATE | MAP_ANONYMOUS is EINVAL (seen on 6.18).
    switch (type) {
      case kMapShared:
        if (vm_flags & VM_GROWSDOWN) return Errno::inval;
        pgoff = 0;
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        break;
      case kMapPrivate:
        break;
      default:
        return Errno::inval;
    }
  }
  if ((flags & kMapNoreserve) && sys.config().overcommit_memory != 2) vm_flags |= VM_NORESERVE;

  if (!file && type == kMapPrivate) pgoff = addr >> kPageShift;

  if (!file && (vm_flags & VM_SHARED)) {
    // shmem_zero_setup(): shared anonymous memory is a deleted shmem file.
    file = sys.shmem_zero_file(len, (vm_flags & VM_NORESERVE) != 0, mm.total_vm, mm.cap_sys_admin);
    if (!file) return Errno::nomem;
  }
  auto r = mmap_region(mm, args, addr, len, vm_flags, pgoff, file);
  if (!r) return r;
  if ((vm_flags & VM_LOCKED) || (flags & (kMapPopulate | kMapNonblock)) == kMapPopulate) {
    (void)populate_range(mm, addr, addr + len, tally);  // failures are not reported (mm_populate())
  }
  return r;
}

Result<void> do_munmap(AddressSpace& mm, VirtAddr addr, std::uint64_t length) {
  if (!page_aligned(addr) || addr > mm.task_size || length > mm.task_size - addr) return Errno::inval;
  const std::uint64_t len = page_align_up(length);
  if (len == 0) return Errno::inval;
  return unmap_range(mm, addr, addr + len);
}

Result<void> populate_range(AddressSpace& mm, VirtAddr start, VirtAddr end, FaultTally* tally) {
  for (VirtAddr va = start; va < end; va += kPageSize) {
    Vma* vma = mm.vmas.find_containing(va);
    if (vma == nullptr) return Errno::nomem;
    if (!(vma->flags & VM_ACCESS_FLAGS)) continue;
    // populate_vma_page_range(): private writable memory is populated for writing so
    // copy-on-write is broken now rather than later.
    const bool write = (vma->flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
    hw::Pte* pte = pte_lookup(mm, va);
    if (pte && hw::pte_present(*pte) && (!write || hw::pte_write(*pte))) continue;
    FaultResult r = handle_mm_fault(mm, *vma, va, write);
    // __mm_populate() retries a fault that dropped the lock for I/O without
    // FAULT_FLAG_TRIED, so mm_account_fault() counts the retry minor (seen on 6.18:
    // MAP_POPULATE of an uncached file range, minflt only).
    if (r.counts_for_task() && tally) ++tally->minor;
    if (!r.ok()) return r.signal.signo == Signal::sigbus ? Errno::fault : Errno::nomem;
  }
  return {};
}

}  // namespace vmlab::mm
