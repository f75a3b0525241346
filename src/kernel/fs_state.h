// The kernel's filesystem state beside the root memfs: the mount table, the /dev
// devtmpfs, procfs, the hostfs filesystems, and the generator behind /dev/urandom.
#pragma once

#include <cstdint>
#include <memory>

#include "fs/hostfs.h"
#include "fs/memfs.h"
#include "fs/proc/proc_fs.h"
#include "fs/vfs.h"

namespace vmlab::kern {

class Kernel;

// /dev/random and /dev/urandom: a deterministic stream (splitmix64) seeded from
// layout.seed, shared by every reader in the order they read, so a run is repeatable.
class RandomDevice {
 public:
  explicit RandomDevice(std::uint64_t seed) : state_(seed ^ 0x6a09e667f3bcc908ULL) {}
  void fill(std::uint8_t* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (avail_ == 0) {
        state_ += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        word_ = z ^ (z >> 31);
        avail_ = 8;
      }
      out[i] = static_cast<std::uint8_t>(word_);
      word_ >>= 8;
      --avail_;
    }
  }

 private:
  std::uint64_t state_;
  std::uint64_t word_ = 0;
  unsigned avail_ = 0;
};

struct FsState {
  FsState(Kernel& kernel, mm::MemorySystem& sys);

  fs::Vfs vfs;
  std::shared_ptr<fs::MemFs> devfs;     // /dev, a devtmpfs on 00:06
  std::shared_ptr<proc::ProcFs> procfs;  // /proc
  fs::HostFsSet hostfs;                 // one filesystem per host device mounted from
  RandomDevice random;

  static constexpr std::uint32_t kDevfsDev = 6;  // 00:06 as on the reference machine
};

}  // namespace vmlab::kern
