#include "guest/rv64/code_cache.h"

#include <cstring>

#include "guest/rv64/decode.h"

namespace vmlab::guest::rv64 {

namespace {
constexpr std::size_t kSparePages = 64;
}

CodeCache::CodeCache(hw::PhysicalMemory& mem, hw::Mmu& mmu, const void* const* handlers)
    : mem_(mem), mmu_(mmu), handlers_(handlers) {}

CodeCache::~CodeCache() = default;

std::shared_ptr<CodeCache> CodeCache::of(hw::PhysicalMemory& mem, hw::Mmu& mmu, const void* const* handlers) {
  // Only this front end installs a hook, so the one installed is a CodeCache.
  if (auto existing = std::static_pointer_cast<CodeCache>(mem.code_cache())) return existing;
  auto cache = std::make_shared<CodeCache>(mem, mmu, handlers);
  mem.set_code_cache(cache);
  return cache;
}

void CodeCache::init_page(DecodedPage& p, Pfn pfn) const {
  p.pfn = pfn;
  Insn blank;
  blank.handler = handler(Op::decode);
  blank.op = Op::decode;
  for (unsigned i = 0; i < kSlots; ++i) {
    blank.off = static_cast<std::uint16_t>(2 * i);
    p.insns[i] = blank;
  }
  Insn& end = p.insns[kSlots];
  end = Insn{};
  end.handler = handler(Op::page_end);
  end.op = Op::page_end;
  end.off = static_cast<std::uint16_t>(kPageSize);
}

DecodedPage* CodeCache::page(Pfn pfn) {
  auto [it, inserted] = pages_.try_emplace(pfn);
  if (!inserted) return it->second.get();
  if (!spare_.empty()) {
    it->second = std::move(spare_.back());
    spare_.pop_back();
  } else {
    it->second = std::make_unique<DecodedPage>();
  }
  init_page(*it->second, pfn);
  mmu_.mark_code_frame(pfn);
  return it->second.get();
}

void CodeCache::decode_block(DecodedPage& p, unsigned index) {
  const std::uint8_t* bytes = mem_.frame(p.pfn);
  chain_.clear();
  unsigned i = index;
  std::uint16_t joined = 0;  // the count of an already decoded entry the run reaches
  while (i < kSlots) {
    Insn& e = p.insns[i];
    if (e.count != 0) {
      joined = e.count;
      break;
    }
    std::uint16_t lo;
    std::memcpy(&lo, bytes + 2 * i, 2);
    if ((lo & 3) != 3) {
      decode16(lo, e);
    } else if (i == kSlots - 1) {
      // The second half is in the next page, which may change independently: the
      // engine fetches and decodes this one each time it runs.
      e.op = Op::cross_page;
      e.stride = kStride4;
    } else {
      std::uint32_t raw;
      std::memcpy(&raw, bytes + 2 * i, 4);
      decode32(raw, e);
    }
    e.off = static_cast<std::uint16_t>(2 * i);
    // A jump whose target is in this page goes straight to the target's entry.
    if (const Op local = local_variant(e.op); local != Op::count) {
      const std::int64_t target = std::int64_t{e.off} + e.imm;
      if (target >= 0 && target < static_cast<std::int64_t>(kPageSize)) to_local(e, local);
    }
    e.handler = handler(e.op);
    chain_.push_back(i);
    if (ends_block(e.op)) break;
    i += e.stride / sizeof(Insn);
  }
  // Counts to the end of the block, from the last entry back.
  std::uint16_t c = joined;
  for (auto it = chain_.rbegin(); it != chain_.rend(); ++it) {
    Insn& e = p.insns[*it];
    c = ends_block(e.op) ? 1 : static_cast<std::uint16_t>(c + 1);
    e.count = c;
  }
}

void CodeCache::drop(std::unordered_map<Pfn, std::unique_ptr<DecodedPage>>::iterator it) {
  DecodedPage* p = it->second.get();
  ++drops_;
  // No instruction TLB shortcut may lead to it any more.
  for (unsigned c = 0; c < mmu_.cpu_count(); ++c) {
    hw::Tlb& itlb = mmu_.cpu(c).l1i;
    hw::SoftTlbEntry* soft = itlb.soft();
    for (unsigned s = 0; s < itlb.sets(); ++s) {
      if (soft[s].code == p) soft[s].code = nullptr;
    }
  }
  if (running_ > 0) retired_.push_back(std::move(it->second));
  else if (spare_.size() < kSparePages) spare_.push_back(std::move(it->second));
  pages_.erase(it);
}

void CodeCache::forget_frame(Pfn pfn) {
  auto it = pages_.find(pfn);
  if (it != pages_.end()) drop(it);
}

void CodeCache::forget_all() {
  std::vector<Pfn> frames;
  frames.reserve(pages_.size());
  for (const auto& [pfn, page] : pages_) frames.push_back(pfn);
  // Through PhysicalMemory, which clears its mark and calls forget_frame().
  for (Pfn pfn : frames) mem_.code_written(pfn);
}

void CodeCache::leave() {
  if (--running_ > 0) return;
  for (auto& p : retired_) {
    if (spare_.size() < kSparePages) spare_.push_back(std::move(p));
  }
  retired_.clear();
}

}  // namespace vmlab::guest::rv64
