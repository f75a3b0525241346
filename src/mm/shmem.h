// The kernel-internal tmpfs mount behind shared anonymous memory (shm_mnt, device
// 00:01): each MAP_SHARED|MAP_ANONYMOUS mapping is a deleted file "/dev/zero" on it.
#pragma once

#include <cstdint>
#include <memory>

#include "fs/inode.h"

namespace vmlab::mm {

class ShmemMount {
 public:
  explicit ShmemMount(std::function<void(fs::Inode&)> evict) : evict_(std::move(evict)) {}

  static constexpr std::uint32_t kDev = 0x01;  // 00:01

  // shmem_zero_setup(): a new shmem file of `size` bytes, opened read-write.
  std::shared_ptr<fs::OpenFile> zero_file(std::uint64_t size) {
    auto inode = std::make_shared<fs::Inode>(next_ino_++, kDev, fs::InodeType::regular, fs::Backing::shmem);
    inode->size = size;
    inode->nlink = 0;
    inode->on_evict = evict_;
    auto file = std::make_shared<fs::OpenFile>(std::move(inode), "/dev/zero", 2);
    file->deleted_name = true;
    return file;
  }

 private:
  std::function<void(fs::Inode&)> evict_;
  std::uint64_t next_ino_ = 1;
};

}  // namespace vmlab::mm
