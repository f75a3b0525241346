// The slots of a swap file: the blocks of the file's disk (its inode's store), slot n
// at file page n, as setup_swap_extents() maps them. Swap I/O goes to the blocks
// directly, around the page cache, as Linux's does; a freed slot keeps its old bytes
// (no discard). Without data contents (metadata-only machines) nothing is stored.
#pragma once

#include <memory>

#include "fs/inode.h"
#include "mm/swap_area.h"

namespace vmlab::fs {

class SwapFileBacking final : public mm::SwapBacking {
 public:
  SwapFileBacking(std::shared_ptr<Inode> inode, bool keep_contents)
      : inode_(std::move(inode)), keep_(keep_contents) {}
  // The last holder of the file only when the machine is going away (swapoff leaves
  // the kernel's reference): the inode then goes without calling back into a memory
  // system being destroyed.
  ~SwapFileBacking() override;
  void read_slot(std::uint64_t offset, std::uint8_t* page) override;
  void write_slot(std::uint64_t offset, const std::uint8_t* page) override;
  void discard_slot(std::uint64_t) override {}

 private:
  std::shared_ptr<Inode> inode_;  // S_SWAPFILE while the area is on
  bool keep_;
};

}  // namespace vmlab::fs
