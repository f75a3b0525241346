// swapon(2) and swapoff(2) (mm/swapfile.c), and the swap file `memory.swap` makes at
// boot. The areas themselves are mm/'s (mm/swapfile.h); here are the permission and
// file checks in Linux's order, the header read through the file, and the task list
// swapoff walks.
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "fs/inode.h"
#include "fs/memfs.h"
#include "mm/filemap.h"
#include "fs/swap_file_backing.h"
#include "kernel/kernel.h"
#include "kernel/printk.h"
#include "mm/swapfile.h"

namespace vmlab::kern {

namespace {

// The area for a swap file of `pages` pages whose header is right.
mm::SwapArea::Options area_options(Kernel& k, const std::string& path, std::shared_ptr<fs::Inode> inode,
                                   std::uint64_t pages, unsigned type) {
  mm::SwapArea::Options o;
  o.type = type;
  o.name = path;
  o.is_file = true;
  o.max_pages = pages;
  o.rotational = k.config().swap_device == SwapDevice::hdd;
  o.cpus = k.config().cpus;
  o.backing = std::make_shared<fs::SwapFileBacking>(std::move(inode), k.sys().mem().data_contents());
  return o;
}

// The line swapon logs: the area's usable size, one extent spanning it (a swap
// file on vmlab's disk is contiguous), SS for a solid-state device.
void log_swapon(Kernel& k, const mm::SwapArea& a) {
  const std::uint64_t kb = a.pages() * (kPageSize / 1024);
  printk(k, LogLevel::info, "Adding {}k swap on {}.  Priority:{} extents:1 across:{}k {}\n", kb, a.name(), a.priority(),
         kb, a.rotational() ? "" : "SS");  // across: as a host ext4 swap file shows it, the usable size
}

}  // namespace

void Kernel::make_boot_swapfile() {
  const std::uint64_t pages = config_.swap_bytes >> kPageShift;
  if (pages < 2) return;
  // As `fallocate -l SIZE /swapfile; chmod 600; mkswap; swapon` at boot: root's,
  // every block allocated (zeros until swap writes them), the header on page 0.
  auto inode = rootfs_.create("/swapfile", 0600, true);
  if (!inode) throw std::logic_error("vmlab: cannot make /swapfile");
  fs::Inode& i = **inode;
  i.uid = i.gid = 0;
  i.size = pages << kPageShift;
  i.allocated_pages = pages;
  std::vector<std::uint8_t> header(kPageSize);
  mm::write_swap_header(header.data(), pages);
  i.store[0] = std::move(header);
  i.swapfile = true;
  const unsigned type = *sys_.swap().free_type();
  log_swapon(*this, mm::swap_enable(sys_, area_options(*this, "/swapfile", *inode, pages, type), -1));
  swap_files_[type] = *inode;
}

Result<void> Kernel::swapon(Task& t, std::string_view path, std::uint32_t flags) {
  const auto type = sys_.swap().free_type();
  if ((flags & ~mm::kSwapFlagsValid) || !t.tg->privileged() || !type) {
    throw std::logic_error("swapon() before sys_swapon()'s checks");
  }
  auto w = walk_at(t, kAtFdcwd, path, fs::kWalkFollow);
  if (!w) return w.error();
  const std::shared_ptr<fs::Inode> inode = w->inode;
  if (inode->is_dir()) return Errno::isdir;  // open(O_RDWR) of a directory
  if (inode->type != fs::InodeType::regular || inode->is_shmem() || inode->external) return Errno::inval;
  if (inode->swapfile) return Errno::busy;
  // iomap_swapfile_activate() syncs the file first; the header is read from page 0.
  mm::page_cache_writeback(sys_, *inode, 0, ~0ULL);
  const std::uint64_t file_pages = inode->size >> kPageShift;
  std::vector<std::uint8_t> page0(kPageSize, 0);
  if (auto it = inode->store.find(0); it != inode->store.end()) std::memcpy(page0.data(), it->second.data(), kPageSize);
  auto header = mm::read_swap_header(page0.data(), file_pages);
  if (!header) return header.error();
  const std::uint64_t pages = header->last_page + 1;
  // "swapon: swapfile has holes"
  for (std::uint64_t p = 0; p < pages; ++p) {
    if (!inode->store.contains(p) && p >= inode->allocated_pages) return Errno::inval;
  }
  const int prio = (flags & mm::kSwapFlagPrefer) ? static_cast<int>(flags & mm::kSwapFlagPrioMask) : -1;
  inode->swapfile = true;
  log_swapon(*this, mm::swap_enable(sys_, area_options(*this, w->path, inode, pages, *type), prio));
  swap_files_[*type] = inode;
  return {};
}

Result<void> Kernel::swapoff(Task& t, std::string_view path) {
  if (!t.tg->privileged()) throw std::logic_error("swapoff() before sys_swapoff()'s check");
  auto w = walk_at(t, kAtFdcwd, path, fs::kWalkFollow);
  if (!w) return w.error();
  if (w->inode->is_dir()) return Errno::isdir;
  auto it = swap_files_.begin();
  while (it != swap_files_.end() && it->second != w->inode) ++it;
  if (it == swap_files_.end()) return Errno::inval;
  const unsigned type = it->first;
  mm::SwapArea& area = *sys_.swap().area(type);
  // security_vm_enough_memory_mm(): the area's pages must fit in the commit limit while
  // it still counts there; then no slot is given out from it (del_from_avail_list()).
  const auto pages = static_cast<std::int64_t>(area.pages());
  if (!sys_.vm_enough_memory(pages, t.mm ? t.mm->total_vm : 0, t.tg->privileged())) return Errno::nomem;
  sys_.vm_unacct_memory(pages);
  area.writeok = false;
  std::vector<mm::AddressSpace*> mms;
  for (const auto& [tid, task] : tasks_) {
    if (task->mm && std::find(mms.begin(), mms.end(), task->mm.get()) == mms.end()) mms.push_back(task->mm.get());
  }
  if (auto r = mm::try_to_unuse(sys_, type, mms); !r) {
    area.writeok = true;  // reinsert_swap_info()
    return r.error();
  }
  const int prio = area.priority();
  (void)sys_.swap().remove(type);  // the area's last user: nothing names its slots any more
  sys_.swap().renumber_after_removal(prio);
  it->second->swapfile = false;
  swap_files_.erase(it);
  return {};
}

std::string Kernel::proc_swaps() const { return mm::proc_swaps_text(sys_); }

}  // namespace vmlab::kern
