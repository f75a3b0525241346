#include "hw/physical_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace vmlab::hw {

namespace {
constexpr std::uint64_t kHostHugePage = 2 * MiB;
}

PhysicalMemory::PhysicalMemory(std::uint64_t pages, bool data_contents)
    : pages_(pages), data_contents_(data_contents), host_zero_(pages, true) {
  // Reserve one huge page more than needed so the arena can start 2 MiB aligned: the
  // host then backs it with transparent huge pages and faults 512 frames at once.
  const std::uint64_t bytes = pages << kPageShift;
  reserved_bytes_ = bytes + kHostHugePage;
  void* p = mmap(nullptr, reserved_bytes_, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw std::runtime_error("vmlab: cannot reserve " + std::to_string(bytes >> 20) +
                             " MiB of host address space for physical memory: " +
                             std::strerror(errno));
  }
  reservation_ = p;
  auto addr = reinterpret_cast<std::uintptr_t>(p);
  base_ = reinterpret_cast<std::uint8_t*>((addr + kHostHugePage - 1) & ~(kHostHugePage - 1));
  // Advisory: fine if the host has no THP. Not in metadata-only mode, where only the
  // page-table frames are touched, one every 2 MiB or so: a huge page for each would
  // commit (and zero) the whole arena.
  if (data_contents) madvise(base_, bytes, MADV_HUGEPAGE);
}

PhysicalMemory::~PhysicalMemory() { munmap(reservation_, reserved_bytes_); }

void PhysicalMemory::release(Pfn pfn, std::uint64_t count) {
  madvise(frame(pfn), count << kPageShift, MADV_DONTNEED);
  for (std::uint64_t i = 0; i < count; ++i) host_zero_[pfn + i] = true;
}

void PhysicalMemory::mark_code(Pfn pfn) {
  if (code_.empty()) code_.assign(pages_, 0);
  if (code_[pfn]) return;
  code_[pfn] = 1;
  ++code_frames_;
}

void PhysicalMemory::forget_code(Pfn pfn) {
  code_[pfn] = 0;
  --code_frames_;
  if (code_cache_) code_cache_->forget_frame(pfn);
}

void PhysicalMemory::forget_code_range(Pfn first, std::uint64_t count) {
  for (std::uint64_t i = 0; i < count && code_frames_ != 0; ++i) {
    if (code_[first + i]) forget_code(static_cast<Pfn>(first + i));
  }
}

}  // namespace vmlab::hw
