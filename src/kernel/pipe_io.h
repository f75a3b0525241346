// read(2) and write(2) on a pipe end (fs/pipe.c pipe_read(), pipe_write()), for one
// user buffer or an iovec array alike, with the blocking rules of pipe.h: a reader
// of an empty pipe sleeps while there are writers, a writer sleeps for room while
// there are readers, and an interrupted writer returns what it wrote.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "kernel/pipe.h"
#include "kernel/syscall_table.h"

namespace vmlab::kern {

// User memory as one byte stream: the segments of a read/write buffer or an iovec.
class UserBuffers {
 public:
  UserBuffers() = default;
  UserBuffers(VirtAddr base, std::uint64_t len) { add(base, len); }
  void add(VirtAddr base, std::uint64_t len) {
    if (len == 0) return;
    segs_.emplace_back(base, len);
    total_ += len;
  }
  std::uint64_t total() const { return total_; }
  const std::vector<std::pair<VirtAddr, std::uint64_t>>& segments() const { return segs_; }
  // Copies between user memory at stream offset `off` and `buf`, a page at a time;
  // returns how many bytes were copied before a fault.
  std::uint64_t gather(Kernel& k, Task& p, std::uint64_t off, std::span<std::uint8_t> buf) const;
  std::uint64_t scatter(Kernel& k, Task& p, std::uint64_t off, std::span<const std::uint8_t> buf) const;

 private:
  template <class Fn>
  std::uint64_t walk(std::uint64_t off, std::uint64_t n, Fn&& fn) const;
  std::vector<std::pair<VirtAddr, std::uint64_t>> segs_;
  std::uint64_t total_ = 0;
};

std::int64_t pipe_read(SysCtx& c, PipeFile& f, const UserBuffers& to);
std::int64_t pipe_write(SysCtx& c, PipeFile& f, const UserBuffers& from);

}  // namespace vmlab::kern
