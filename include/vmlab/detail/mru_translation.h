// The last data translation a CPU used, exposed so that the C++ API's typed loads and
// stores can take a TLB hit inline: it is the most recently used entry of its L1 dTLB
// set, so a repeated access to the same page is an L1 hit that changes no LRU state.
#pragma once

#include <cstdint>

namespace vmlab::detail {

struct MruTranslation {
  std::uint64_t vpn = ~0ULL;      // virtual page number, ~0 when none
  std::uint32_t pfn = ~0u;
  std::uint8_t* host = nullptr;   // the frame's contents; null in metadata-only mode
  bool writable_dirty = false;    // a store may use it without a walk
  const void* mm = nullptr;       // the address space it belongs to
  std::uint64_t* hits = nullptr;  // the L1 dTLB's hit counter
};

}  // namespace vmlab::detail
