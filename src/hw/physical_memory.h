// Frame contents: one host arena of RAM size, reserved without committing host memory.
// The host commits what is touched; free 2 MiB regions beyond what the buddy allocator
// keeps for reuse (an eighth of RAM) are returned to the host (MADV_DONTNEED) and
// remembered as reading zero, so a later zero-fill costs nothing.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "vmlab/units.h"

namespace vmlab::hw {

class PhysicalMemory {
 public:
  // `data_contents` false: metadata-only mode. Data frames keep no contents (loads
  // read zero, stores are dropped); page-table frames always keep theirs.
  PhysicalMemory(std::uint64_t pages, bool data_contents);
  ~PhysicalMemory();
  PhysicalMemory(const PhysicalMemory&) = delete;
  PhysicalMemory& operator=(const PhysicalMemory&) = delete;

  std::uint64_t pages() const { return pages_; }
  bool data_contents() const { return data_contents_; }

  std::uint8_t* frame(Pfn pfn) { return base_ + (std::uint64_t{pfn} << kPageShift); }
  const std::uint8_t* frame(Pfn pfn) const { return base_ + (std::uint64_t{pfn} << kPageShift); }
  std::uint8_t* base() { return base_; }

  // Makes a frame read zero. Free when the host already gives zeros for it.
  void zero(Pfn pfn) {
    if (host_zero_[pfn]) {
      host_zero_[pfn] = false;
      return;
    }
    std::memset(frame(pfn), 0, kPageSize);
  }
  // Makes a data frame read zero (nothing to do in metadata-only mode).
  void zero_data(Pfn pfn) {
    if (data_contents_) zero(pfn);
  }
  void copy_data(Pfn dst, Pfn src) {
    if (!data_contents_) return;
    host_zero_[dst] = false;
    std::memcpy(frame(dst), frame(src), kPageSize);
  }
  // Gives `count` frames from `pfn` back to the host; they read zero afterwards.
  void release(Pfn pfn, std::uint64_t count);

 private:
  std::uint64_t pages_;
  bool data_contents_;
  void* reservation_ = nullptr;  // the host mapping; base_ is its first 2 MiB boundary
  std::uint64_t reserved_bytes_ = 0;
  std::uint8_t* base_ = nullptr;
  std::vector<bool> host_zero_;  // frame untouched since the host last zeroed it
};

}  // namespace vmlab::hw
