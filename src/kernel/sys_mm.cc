// Memory system calls: the riscv64 entries (arch/riscv/kernel/sys_riscv.c: mmap
// takes a byte offset, which must be page aligned) in front of the kernel's mm entry
// points, and mincore.
#include "kernel/sys_handlers.h"
#include "kernel/kernel.h"
#include "kernel/user_mem.h"
#include "mm/mman.h"
#include "mm/swapfile.h"

namespace vmlab::kern {

namespace {
int as_int(std::uint64_t v) { return static_cast<int>(static_cast<std::uint32_t>(v)); }
}  // namespace

// The raw brk returns the new break, or the old one when the request is refused.
std::int64_t sys_brk(SysCtx& c, const SysArgs& a) { return static_cast<std::int64_t>(c.k.brk(c.t, a[0])); }

std::int64_t sys_mmap(SysCtx& c, const SysArgs& a) {
  return ret(c.k.mmap(c.t, a[0], a[1], as_int(a[2]), as_int(a[3]), as_int(a[4]), a[5]));
}

std::int64_t sys_munmap(SysCtx& c, const SysArgs& a) { return ret(c.k.munmap(c.t, a[0], a[1])); }

std::int64_t sys_mprotect(SysCtx& c, const SysArgs& a) { return ret(c.k.mprotect(c.t, a[0], a[1], as_int(a[2]))); }

std::int64_t sys_mremap(SysCtx& c, const SysArgs& a) {
  return ret(c.k.mremap(c.t, a[0], a[1], a[2], as_int(a[3]), a[4]));
}

std::int64_t sys_madvise(SysCtx& c, const SysArgs& a) { return ret(c.k.madvise(c.t, a[0], a[1], as_int(a[2]))); }

std::int64_t sys_msync(SysCtx& c, const SysArgs& a) { return ret(c.k.msync(c.t, a[0], a[1], as_int(a[2]))); }

std::int64_t sys_mincore(SysCtx& c, const SysArgs& a) {
  auto vec = mm::do_mincore(*c.t.mm, a[0], a[1]);
  if (!vec) return err(vec.error());
  return c.k.copy_to_user(c.t, a[2], *vec) ? 0 : err(Errno::fault);
}

// sys_swapon(): the flags, the privilege and a free area come before the name is
// even read.
std::int64_t sys_swapon(SysCtx& c, const SysArgs& a) {
  const auto flags = static_cast<std::uint32_t>(a[1]);
  if (flags & ~mm::kSwapFlagsValid) return err(Errno::inval);
  if (!c.t.tg->privileged()) return err(Errno::perm);
  if (!c.k.sys().swap().free_type()) return err(Errno::perm);
  auto path = get_path(c.k, c.t, a[0]);
  if (!path) return err(path.error());
  return ret(c.k.swapon(c.t, *path, flags));
}

std::int64_t sys_swapoff(SysCtx& c, const SysArgs& a) {
  if (!c.t.tg->privileged()) return err(Errno::perm);
  auto path = get_path(c.k, c.t, a[0]);
  if (!path) return err(path.error());
  return ret(c.k.swapoff(c.t, *path));
}

}  // namespace vmlab::kern
