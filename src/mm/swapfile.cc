#include "mm/swapfile.h"

#include <fmt/format.h>

#include <cstring>

#include "mm/address_space.h"
#include "mm/fault.h"
#include "mm/memory_system.h"
#include "mm/page_io.h"
#include "mm/page_table.h"
#include "mm/rmap.h"
#include "mm/swap_readahead.h"
#include "mm/swap_state.h"
#include "mm/vma.h"

namespace vmlab::mm {

namespace {

constexpr std::string_view kSwapMagic = "SWAPSPACE2";
constexpr std::size_t kVersionOffset = 1024, kLastPageOffset = 1028, kBadPagesOffset = 1032;

std::uint32_t load_u32(const std::uint8_t* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void store_u32(std::uint8_t* p, std::uint32_t v) { std::memcpy(p, &v, sizeof v); }

// unuse_pte(): the slot's page mapped back, old and not writable (a write reuses it),
// exclusive when the swap entry said so.
void unuse_pte(MemorySystem& sys, Vma& vma, VirtAddr addr, hw::Pte& pte, Pfn pfn) {
  const hw::Pte old = pte;
  const hw::SwapEntry e = hw::pte_swap_entry(old);
  AddressSpace& mm = *vma.mm;
  mm.add_rss(RssKind::swapents, -1);
  mm.add_rss(RssKind::anon, 1);
  sys.get_page(pfn);
  rmap_add_anon_swapin(sys, pfn, vma, addr, hw::pte_swp_exclusive(old));
  pte = hw::pfn_pte(pfn, vm_page_prot(vma.flags, false) & ~hw::kPteAccessed);
  swap_free(sys, e);
}

// unuse_vma(): every entry of `vma` naming a slot of area `type`. ENOMEM if a page could
// not be read back.
Result<void> unuse_vma(MemorySystem& sys, Vma& vma, unsigned type) {
  std::vector<VirtAddr> addrs;  // first collected: reading pages back may reclaim
  for_each_pte(*vma.mm, vma.start, vma.end, [&](VirtAddr va, hw::Pte& pte) {
    if (hw::is_swap_pte(pte) && hw::pte_swap_entry(pte).type == type) addrs.push_back(va);
  });
  for (VirtAddr va : addrs) {
    hw::Pte* pte = pte_lookup(*vma.mm, va);
    if (pte == nullptr || !hw::is_swap_pte(*pte) || hw::pte_swap_entry(*pte).type != type) continue;
    const hw::SwapEntry e = hw::pte_swap_entry(*pte);
    Pfn pfn = swap_cache_get(sys, e);
    if (pfn != kNoPfn) {
      sys.get_page(pfn);
    } else {
      pfn = swapin_readahead(sys, e, vma, va).pfn;
      if (pfn == kNoPfn) {
        if (sys.swap().area(type)->count(e.offset) == 0) continue;  // freed meanwhile
        return Errno::nomem;
      }
    }
    wait_on_page_io(sys, pfn);
    // The read may have reclaimed or killed: map the page only if the entry still names
    // the slot (unuse_pte()'s pte_same()).
    pte = pte_lookup(*vma.mm, va);
    if (pte != nullptr && hw::is_swap_pte(*pte) && hw::pte_swap_entry(*pte) == e) unuse_pte(sys, vma, va, *pte, pfn);
    (void)folio_free_swap(sys, pfn);  // refused while another entry still names the slot
    sys.put_page(pfn);
  }
  return {};
}

}  // namespace

void write_swap_header(std::uint8_t* page, std::uint64_t pages) {
  std::memset(page, 0, kPageSize);
  store_u32(page + kVersionOffset, 1);
  store_u32(page + kLastPageOffset, static_cast<std::uint32_t>(pages - 1));
  store_u32(page + kBadPagesOffset, 0);
  std::memcpy(page + kSwapMagicOffset, kSwapMagic.data(), kSwapMagic.size());
}

Result<SwapHeader> read_swap_header(const std::uint8_t* page, std::uint64_t file_pages) {
  if (std::memcmp(page + kSwapMagicOffset, kSwapMagic.data(), kSwapMagic.size()) != 0) return Errno::inval;
  if (load_u32(page + kVersionOffset) != 1) return Errno::inval;
  SwapHeader h;
  h.last_page = load_u32(page + kLastPageOffset);
  h.nr_badpages = load_u32(page + kBadPagesOffset);
  // "Swap area shorter than signature indicates", or one page: nothing to swap to.
  if (h.last_page == 0 || h.last_page >= file_pages) return Errno::inval;
  if (h.nr_badpages != 0) return Errno::inval;  // a swap file may not list bad pages
  return h;
}

SwapArea& swap_enable(MemorySystem& sys, SwapArea::Options o, int prio) {
  o.priority = prio >= 0 ? prio : sys.swap().next_default_priority();
  auto area = std::make_unique<SwapArea>(o);
  SwapArea& a = *area;
  sys.swap().add(std::move(area));
  return a;
}

Result<void> try_to_unuse(MemorySystem& sys, unsigned type, std::span<AddressSpace* const> mms) {
  SwapArea& area = *sys.swap().area(type);
  for (AddressSpace* mm : mms) {
    for (Vma& vma : mm->vmas) {
      if (vma.anon_vma == nullptr) continue;
      if (auto r = unuse_vma(sys, vma, type); !r) return r.error();
    }
  }
  // Slots only the swap cache still holds: their pages leave it.
  std::vector<Pfn> cached;
  for (const auto& [off, pfn] : area.cache) cached.push_back(pfn);
  for (Pfn pfn : cached) {
    wait_on_page_io(sys, pfn);
    (void)folio_free_swap(sys, pfn);  // refused only while an entry names the slot, which unuse ruled out
  }
  if (area.inuse_pages() != 0) return Errno::nomem;
  return {};
}

std::string proc_swaps_text(const MemorySystem& sys) {
  std::string out = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
  for (const auto& a : sys.swap().areas()) {
    if (a == nullptr) continue;
    std::string name;
    for (char c : a->name()) {  // seq_file_path() escapes these
      if (c == ' ' || c == '\t' || c == '\n' || c == '\\') name += fmt::format("\\{:03o}", static_cast<unsigned char>(c));
      else name += c;
    }
    const std::uint64_t size_kb = a->pages() * (kPageSize / 1024);
    const std::uint64_t used_kb = a->inuse_pages() * (kPageSize / 1024);
    out += name;
    out += std::string(name.size() < 40 ? 40 - name.size() : 1, ' ');
    out += fmt::format("{}\t{}\t{}{}\t{}{}\n", a->is_file() ? "file\t" : "partition", size_kb,
                       size_kb < 10000000 ? "\t" : "", used_kb, used_kb < 10000000 ? "\t" : "", a->priority());
  }
  return out;
}

}  // namespace vmlab::mm
