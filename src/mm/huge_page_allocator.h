// An allocator for the large tables the simulator walks in order (the frame table):
// memory of 2 MiB or more is 2 MiB aligned and advised for transparent huge pages, so
// that a walk over it takes one host TLB entry per 2 MiB instead of one per 4 KiB (a
// fork of 1 GiB walks 10 MiB of frame records). Smaller tables come from malloc.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace vmlab::mm {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    void* p = nullptr;
    if (bytes < kHugePage) {
      p = std::malloc(bytes > 0 ? bytes : 1);
    } else {
      const std::size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
      p = std::aligned_alloc(kHugePage, rounded);
      if (p != nullptr) madvise(p, rounded, MADV_HUGEPAGE);  // advisory: fine without THP
    }
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace vmlab::mm
