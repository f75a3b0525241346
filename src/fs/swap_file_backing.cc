#include "fs/swap_file_backing.h"

#include <algorithm>
#include <cstring>

namespace vmlab::fs {

SwapFileBacking::~SwapFileBacking() {
  if (inode_.use_count() == 1) inode_->on_evict = nullptr;
}

void SwapFileBacking::read_slot(std::uint64_t offset, std::uint8_t* page) {
  auto it = inode_->store.find(offset);
  if (!keep_ || it == inode_->store.end()) {
    std::memset(page, 0, kPageSize);  // a block never written holds zeros
    return;
  }
  std::memcpy(page, it->second.data(), kPageSize);
}

void SwapFileBacking::write_slot(std::uint64_t offset, const std::uint8_t* page) {
  if (!keep_) return;
  std::vector<std::uint8_t>& block = inode_->store[offset];
  block.assign(page, page + kPageSize);
}

}  // namespace vmlab::fs
