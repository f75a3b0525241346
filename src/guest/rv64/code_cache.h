// Decoded code, one DecodedPage per physical frame, shared by every hart of a machine
// (PhysicalMemory owns it, as its CodeCacheHook). A frame's decoded copy is dropped
// when the frame is written through the MMU (stores to it never take a fast path),
// when it is freed (the buddy allocator reports it), and on fence.i. Keyed by frame,
// a page stays valid across unmap, fork and exec for as long as its contents do.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "guest/rv64/insn.h"
#include "hw/mmu.h"
#include "hw/physical_memory.h"

namespace vmlab::guest::rv64 {

class CodeCache final : public hw::CodeCacheHook {
 public:
  // `handlers`: the engine's label for each Op.
  CodeCache(hw::PhysicalMemory& mem, hw::Mmu& mmu, const void* const* handlers);
  ~CodeCache() override;

  // The machine's cache, created on first use.
  static std::shared_ptr<CodeCache> of(hw::PhysicalMemory& mem, hw::Mmu& mmu, const void* const* handlers);

  // The decoded page for a frame, created empty (every entry "decode me") if absent.
  DecodedPage* page(Pfn pfn);
  // Decodes the block starting at entry `index`: the straight-line run up to the first
  // instruction that ends a block or the end of the page, and sets every entry's count.
  void decode_block(DecodedPage& page, unsigned index);

  void forget_frame(Pfn pfn) override;
  // fence.i: forget everything.
  void forget_all();

  // Pages dropped while a hart runs may still be in use by it; they are freed when the
  // last running hart leaves.
  void enter() { ++running_; }
  void leave();

  const void* handler(Op op) const { return handlers_[static_cast<unsigned>(op)]; }
  std::uint64_t pages() const { return pages_.size(); }
  // Pages dropped so far: a hart that sees it change must not run on from a page it
  // holds.
  std::uint64_t drops() const { return drops_; }

 private:
  void drop(std::unordered_map<Pfn, std::unique_ptr<DecodedPage>>::iterator it);
  void init_page(DecodedPage& p, Pfn pfn) const;

  hw::PhysicalMemory& mem_;
  hw::Mmu& mmu_;
  const void* const* handlers_;
  std::unordered_map<Pfn, std::unique_ptr<DecodedPage>> pages_;
  std::vector<std::unique_ptr<DecodedPage>> retired_;
  std::vector<std::unique_ptr<DecodedPage>> spare_;  // freed pages kept for reuse
  unsigned running_ = 0;
  std::uint64_t drops_ = 0;
  std::vector<unsigned> chain_;  // decode_block's scratch
};

}  // namespace vmlab::guest::rv64
