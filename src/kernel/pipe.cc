#include "kernel/pipe.h"

#include <algorithm>
#include <cstring>

#include "vmlab/mman.h"

namespace vmlab::kern {

namespace {
// get_pipe_inode(): a FIFO, mode 0600; the guest user's until pipe2() gives it its
// creator (a host stream has none).
std::shared_ptr<fs::Inode> pipe_inode(std::uint64_t ino) {
  auto inode = std::make_shared<fs::Inode>(ino, kPipeFsDev, fs::InodeType::char_device, fs::Backing::shmem);
  inode->mode = 0600;
  inode->uid = 1000;
  inode->gid = 1000;
  return inode;
}
}  // namespace

Pipe::Pipe(std::uint64_t ino, int host_fd) : host_fd(host_fd), inode(pipe_inode(ino)) {
  if (host_fd < 0) buf_.resize(kCapacity);
}

std::size_t Pipe::take(std::uint8_t* out, std::size_t n) {
  n = std::min(n, size_);
  peek(out, n);
  drop(n);
  return n;
}

void Pipe::peek(std::uint8_t* out, std::size_t n) const {
  n = std::min(n, size_);
  const std::size_t first = std::min(n, kCapacity - head_);
  std::memcpy(out, buf_.data() + head_, first);
  std::memcpy(out + first, buf_.data(), n - first);
}

void Pipe::drop(std::size_t n) {
  n = std::min(n, size_);
  head_ = (head_ + n) % kCapacity;
  size_ -= n;
  if (size_ == 0) head_ = 0;
}

std::size_t Pipe::put(const std::uint8_t* in, std::size_t n) {
  n = std::min(n, room());
  const std::size_t tail = (head_ + size_) % kCapacity;
  const std::size_t first = std::min(n, kCapacity - tail);
  std::memcpy(buf_.data() + tail, in, first);
  std::memcpy(buf_.data(), in + first, n - first);
  size_ += n;
  return n;
}

PipeFile::PipeFile(std::shared_ptr<Pipe> p, bool write_end, int flags)
    : fs::OpenFile(p->inode, "", flags), pipe(std::move(p)), write_end(write_end) {
  // d_path() of a pipe: "pipe:[ino]", as /proc/PID/fd shows it.
  path = "pipe:[" + std::to_string(pipe->inode->ino) + "]";
  (write_end ? pipe->writers : pipe->readers)++;
}

PipeFile::~PipeFile() { (write_end ? pipe->writers : pipe->readers)--; }

PipeFile* as_pipe(fs::OpenFile& f) {
  if (f.inode == nullptr || f.inode->dev != kPipeFsDev) return nullptr;
  return static_cast<PipeFile*>(&f);
}

PipeEnds make_pipe(std::uint64_t ino, int flags) {
  auto pipe = std::make_shared<Pipe>(ino, -1);
  const int extra = flags & (04000 | 040000);  // O_NONBLOCK, O_DIRECT
  PipeEnds ends;
  ends.read = std::make_shared<PipeFile>(pipe, false, kORdonly | extra);
  ends.write = std::make_shared<PipeFile>(pipe, true, kOWronly | extra);
  return ends;
}

std::shared_ptr<fs::OpenFile> make_host_stream(std::uint64_t ino, int host_fd, bool write_end) {
  auto pipe = std::make_shared<Pipe>(ino, host_fd);
  // The missing other end counts as present: a host stream never reports EPIPE or
  // end of file by itself.
  (write_end ? pipe->readers : pipe->writers) = 1;
  return std::make_shared<PipeFile>(pipe, write_end, write_end ? kOWronly : kORdonly);
}

std::shared_ptr<fs::OpenFile> make_capture_stream(std::uint64_t ino, std::shared_ptr<std::string> out) {
  auto pipe = std::make_shared<Pipe>(ino, -1);
  pipe->capture = std::move(out);
  pipe->readers = 1;
  return std::make_shared<PipeFile>(pipe, true, kOWronly);
}

}  // namespace vmlab::kern
