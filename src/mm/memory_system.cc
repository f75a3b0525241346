#include "mm/memory_system.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "mm/filemap.h"
#include "mm/page_alloc.h"

namespace vmlab::mm {

namespace {
std::uint64_t int_sqrt(std::uint64_t x) {
  auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(x)));
  while (r * r > x) --r;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}
}  // namespace

MemorySystem::MemorySystem(const MachineConfig& config, hw::PhysicalMemory& mem, hw::Mmu& mmu)
    : config_(config),
      mem_(mem),
      mmu_(mmu),
      frames_(mem.pages()),
      buddy_(frames_, mem),
      lru_batches_(config.cpus),
      swap_device_(*hw::device_profile(swap_device_name(config.swap_device))),
      swappiness_(config.swappiness),
      shm_([this](fs::Inode& inode) { evict_inode(inode); }),
      clock_(mmu, config.cost_tlb_walk_ns) {
  // PFN 0 is the shared zero page (the kernel's empty_zero_page); it is reserved, so
  // it is not part of MemTotal, as kernel-image pages are not on Linux.
  zero_pfn_ = 0;
  frames_[zero_pfn_].flags = PG_reserved | PG_uptodate;
  frames_[zero_pfn_].refcount = 1;
  mem_.zero(zero_pfn_);
  buddy_.add_range(1, mem.pages() - 1);
  total_pages_ = mem.pages() - 1;
  memcgs_.resize(kRootMemcg);
  memcgs_.push_back(std::make_unique<MemCgroup>(kRootMemcg, nullptr, "", frames_));

  // init_per_zone_wmark_min(): min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped.
  if (config.min_free_kbytes >= 0) {
    min_free_kbytes_ = static_cast<std::uint64_t>(config.min_free_kbytes);
  } else {
    const std::uint64_t lowmem_kb = total_pages_ * (kPageSize / 1024);
    min_free_kbytes_ = std::clamp<std::uint64_t>(int_sqrt(lowmem_kb * 16), 128, 262144);
  }
  // __setup_per_zone_wmarks() for a single zone.
  wmark_.min = min_free_kbytes_ >> (kPageShift - 10);
  const std::uint64_t scaled = total_pages_ * static_cast<std::uint64_t>(config.watermark_scale_factor) / 10000;
  const std::uint64_t step = std::max(wmark_.min / 4, scaled);
  wmark_.low = wmark_.min + step;
  wmark_.high = wmark_.min + 2 * step;
}

Pfn MemorySystem::alloc_page(Gfp gfp) {
  // get_page_from_freelist() at the low watermark, then, with kswapd woken, at min.
  if (watermark_ok(*this, wmark_.low)) return take_free_page();
  wakeup_kswapd(*this, gfp_zone(gfp));
  if (watermark_ok(*this, wmark_.min)) return take_free_page();
  return alloc_pages_slowpath(*this, gfp);
}

Pfn MemorySystem::take_free_page() {
  const Pfn pfn = buddy_.alloc(0);
  if (pfn == kNoPfn) throw std::logic_error("take_free_page() with no free page");
  ++stat_[obs::VmEvent::pgalloc_normal];
  return pfn;
}

Pfn MemorySystem::alloc_zeroed_page() {
  Pfn pfn = alloc_page();
  if (pfn != kNoPfn) mem_.zero_data(pfn);
  return pfn;
}

Pfn MemorySystem::alloc_table_page() {
  Pfn pfn = alloc_page(Gfp::kernel);
  if (pfn == kNoPfn) return pfn;
  mem_.zero(pfn);  // page tables keep contents even in metadata-only mode
  frames_[pfn].set(PG_table);
  ++stat_[obs::NodeStat::nr_page_table];
  return pfn;
}

void MemorySystem::free_table_page(Pfn pfn) {
  --stat_[obs::NodeStat::nr_page_table];
  frames_[pfn].flags = 0;
  frames_[pfn].refcount = 0;
  buddy_.free(pfn, 0);
  ++stat_[obs::VmEvent::pgfree];
}

std::uint64_t MemorySystem::lru_size(LruList l) const {
  std::uint64_t n = 0;
  for (const auto& m : memcgs_) {
    if (m) n += m->lruvec.size(l);
  }
  return n;
}

std::uint64_t MemorySystem::lru_size(const MemCgroup& cg, LruList l) const {
  std::uint64_t n = 0;
  for (const auto& m : memcgs_) {
    if (m == nullptr) continue;
    for (const MemCgroup* c = m.get(); c != nullptr; c = c->parent) {
      if (c == &cg) {
        n += m->lruvec.size(l);
        break;
      }
    }
  }
  return n;
}

std::uint64_t MemorySystem::swap_headroom(const MemCgroup& cg) const {
  std::uint64_t room = swap_.free_pages();
  for (const MemCgroup* c = &cg; c != nullptr; c = c->parent) {
    if (c->swap_max != kPageCounterMax) room = std::min(room, c->swap_max > c->swap_usage ? c->swap_max - c->swap_usage : 0);
  }
  return room;
}

std::vector<MemCgroup*> MemorySystem::memcg_subtree(MemCgroup& root) {
  std::vector<MemCgroup*> out{&root};
  for (std::size_t i = 0; i < out.size(); ++i) {
    // Depth first: a group's children go right after it, in creation order.
    const auto& kids = out[i]->children;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(i) + 1, kids.begin(), kids.end());
  }
  return out;
}

void MemorySystem::count_allocstall(ZoneIdx z) {
  using obs::VmEvent;
  switch (z) {
    case ZoneIdx::dma: ++stat_[VmEvent::allocstall_dma]; break;
    case ZoneIdx::dma32: ++stat_[VmEvent::allocstall_dma32]; break;
    case ZoneIdx::normal: ++stat_[VmEvent::allocstall_normal]; break;
    default: ++stat_[VmEvent::allocstall_movable]; break;
  }
}

void MemorySystem::put_page(Pfn pfn) {
  Frame& f = frames_[pfn];
  if (--f.refcount > 0) return;
  lruvec(pfn).remove(pfn);
  f = Frame{};
  buddy_.free(pfn, 0);
  ++stat_[obs::VmEvent::pgfree];
}

std::uint64_t MemorySystem::available_pages() const {
  // si_mem_available(): free pages above the reserves, plus the part of the page cache
  // and reclaimable slab that can be reclaimed without thrashing.
  const std::int64_t totalreserve = static_cast<std::int64_t>(wmark_.high);
  std::int64_t available = static_cast<std::int64_t>(buddy_.free_pages()) - totalreserve;
  std::int64_t pagecache = static_cast<std::int64_t>(lru_size(LruList::active_file) + lru_size(LruList::inactive_file));
  pagecache -= std::min(pagecache / 2, static_cast<std::int64_t>(wmark_.low));
  available += pagecache;
  return available < 0 ? 0 : static_cast<std::uint64_t>(available);
}

std::uint64_t MemorySystem::admin_reserve_pages() const {
  // init_admin_reserve(): min(3% of free memory, 8 MiB) at boot.
  if (config_.admin_reserve_kbytes >= 0) return static_cast<std::uint64_t>(config_.admin_reserve_kbytes) >> (kPageShift - 10);
  return std::min<std::uint64_t>(total_pages_ / 32, (8 * MiB) >> kPageShift);
}

std::uint64_t MemorySystem::user_reserve_pages() const {
  // init_user_reserve(): min(3% of free memory, 128 MiB) at boot.
  if (config_.user_reserve_kbytes >= 0) return static_cast<std::uint64_t>(config_.user_reserve_kbytes) >> (kPageShift - 10);
  return std::min<std::uint64_t>(total_pages_ / 32, (128 * MiB) >> kPageShift);
}

std::uint64_t MemorySystem::commit_limit_pages() const {
  // vm_commit_limit(): overcommit_kbytes if set, else RAM * ratio / 100, plus swap.
  const std::uint64_t swap = swap_.total_pages();
  if (config_.overcommit_kbytes != 0) return (config_.overcommit_kbytes >> (kPageShift - 10)) + swap;
  return total_pages_ * static_cast<std::uint64_t>(config_.overcommit_ratio) / 100 + swap;
}

bool MemorySystem::vm_enough_memory(std::int64_t pages, std::uint64_t mm_total_vm, bool cap_sys_admin) {
  // __vm_enough_memory(): the charge is made first and taken back on refusal.
  committed_ += pages;
  switch (config_.overcommit_memory) {
    case 1:  // OVERCOMMIT_ALWAYS
      return true;
    case 0:  // OVERCOMMIT_GUESS: refuse only what could never fit in RAM + swap
      if (pages <= static_cast<std::int64_t>(total_pages_ + swap_.total_pages())) return true;
      break;
    default: {  // OVERCOMMIT_NEVER
      std::int64_t allowed = static_cast<std::int64_t>(commit_limit_pages());
      if (!cap_sys_admin) allowed -= static_cast<std::int64_t>(admin_reserve_pages());
      allowed -= static_cast<std::int64_t>(std::min<std::uint64_t>(mm_total_vm / 32, user_reserve_pages()));
      if (committed_ < allowed) return true;
      break;
    }
  }
  committed_ -= pages;
  return false;
}

}  // namespace vmlab::mm

namespace vmlab::mm {

std::shared_ptr<fs::OpenFile> MemorySystem::shmem_zero_file(std::uint64_t size, bool noreserve,
                                                            std::uint64_t mm_total_vm, bool cap_sys_admin) {
  // shmem_acct_size(): the whole size is charged at setup unless VM_NORESERVE.
  const auto pages = static_cast<std::int64_t>(page_align_up(size) >> kPageShift);
  if (!noreserve && !vm_enough_memory(pages, mm_total_vm, cap_sys_admin)) return nullptr;
  auto file = shm_.zero_file(size);
  if (!noreserve) file->inode->committed_pages = pages;
  return file;
}

void MemorySystem::evict_inode(fs::Inode& inode) {
  mm::page_cache_remove_from(*this, inode, 0);
  vm_unacct_memory(inode.committed_pages);
  inode.committed_pages = 0;
}

}  // namespace vmlab::mm
