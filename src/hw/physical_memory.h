// Frame contents: one host arena of RAM size, reserved without committing host memory.
// The host commits what is touched; free 2 MiB regions beyond what the buddy allocator
// keeps for reuse (an eighth of RAM) are returned to the host (MADV_DONTNEED) and
// remembered as reading zero, so a later zero-fill costs nothing.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "vmlab/units.h"

namespace vmlab::hw {

// What an instruction-set front end that caches decoded instructions per frame is told
// when a frame it decoded changes: written through the MMU, or freed (and so about to
// be reused for something else).
class CodeCacheHook {
 public:
  virtual ~CodeCacheHook() = default;
  virtual void forget_frame(Pfn pfn) = 0;
};

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
  // A data frame the caller is about to overwrite whole (a read from a file or from
  // swap): it no longer holds the host's zeros, so a later zero() must clear it.
  std::uint8_t* frame_to_fill(Pfn pfn) {
    host_zero_[pfn] = false;
    return frame(pfn);
  }
  void copy_data(Pfn dst, Pfn src) {
    if (!data_contents_) return;
    host_zero_[dst] = false;
    std::memcpy(frame(dst), frame(src), kPageSize);
  }
  // Gives `count` frames from `pfn` back to the host; they read zero afterwards.
  void release(Pfn pfn, std::uint64_t count);

  // Frames holding decoded guest code. Writes to them never take a soft-TLB fast path,
  // so each write through the MMU reaches code_written(); the buddy allocator reports
  // every free. Either makes the front end forget the frame.
  bool holds_code(Pfn pfn) const { return code_frames_ != 0 && code_[pfn]; }
  void mark_code(Pfn pfn);
  void code_written(Pfn pfn) {
    if (holds_code(pfn)) forget_code(pfn);
  }
  void frames_freed(Pfn first, std::uint64_t count) {
    if (code_frames_ != 0) forget_code_range(first, count);
  }
  // The front end's cache, owned here so that every hart of the machine shares it.
  const std::shared_ptr<CodeCacheHook>& code_cache() const { return code_cache_; }
  void set_code_cache(std::shared_ptr<CodeCacheHook> c) { code_cache_ = std::move(c); }

 private:
  std::uint64_t pages_;
  bool data_contents_;
  void* reservation_ = nullptr;  // the host mapping; base_ is its first 2 MiB boundary
  std::uint64_t reserved_bytes_ = 0;
  std::uint8_t* base_ = nullptr;
  std::vector<bool> host_zero_;  // frame untouched since the host last zeroed it

  void forget_code(Pfn pfn);
  void forget_code_range(Pfn first, std::uint64_t count);
  std::vector<std::uint8_t> code_;  // per frame: decoded by the front end (allocated on first use)
  std::uint64_t code_frames_ = 0;
  std::shared_ptr<CodeCacheHook> code_cache_;
};

}  // namespace vmlab::hw
