// Pipes (fs/pipe.c): a 64 KiB buffer between a read end and a write end, counted by
// the open file descriptions of each end. A read of an empty pipe waits while there
// are writers and returns 0 (end of file) when there are none; a write waits for room
// while there are readers and fails with EPIPE (and SIGPIPE) when there are none;
// writes of at most PIPE_BUF bytes are never split.
//
// The host's stdin, stdout and stderr reach a guest the same way: an end whose bytes
// come from or go to a host descriptor. Guests see them as pipes (S_IFIFO, not a tty),
// whatever the host descriptor is, so a run does not depend on how vmlab was started.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fs/inode.h"

namespace vmlab::kern {

// pipefs: the anonymous device every pipe inode is on (st_dev 00:0c).
inline constexpr std::uint32_t kPipeFsDev = 12;

class Pipe {
 public:
  static constexpr std::size_t kCapacity = 65536;  // PIPE_DEF_BUFFERS pages
  static constexpr std::size_t kPipeBuf = 4096;    // PIPE_BUF: atomic writes

  // `host_fd` >= 0: a host stream; the buffer is unused.
  Pipe(std::uint64_t ino, int host_fd);

  std::size_t size() const { return size_; }
  std::size_t room() const { return kCapacity - size_; }
  // Moves up to `n` bytes out of (into) the buffer; returns how many.
  std::size_t take(std::uint8_t* out, std::size_t n);
  std::size_t put(const std::uint8_t* in, std::size_t n);
  // Copies the first `n` bytes without consuming them; drop() consumes them.
  void peek(std::uint8_t* out, std::size_t n) const;
  void drop(std::size_t n);

  int readers = 0;
  int writers = 0;
  const int host_fd;
  // A stream whose writes are kept here instead of going to a host descriptor (tests,
  // and runs that capture a guest's output); reads from it see end of file.
  std::shared_ptr<std::string> capture;
  bool is_stream() const { return host_fd >= 0 || capture != nullptr; }
  const std::shared_ptr<fs::Inode> inode;

 private:
  std::vector<std::uint8_t> buf_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

// One end of a pipe: an open file description whose release drops the end's count
// (pipe_release()).
class PipeFile : public fs::OpenFile {
 public:
  PipeFile(std::shared_ptr<Pipe> pipe, bool write_end, int flags);
  ~PipeFile();
  PipeFile(const PipeFile&) = delete;
  PipeFile& operator=(const PipeFile&) = delete;

  const std::shared_ptr<Pipe> pipe;
  const bool write_end;
};

// The pipe end `f` is, or null for any other file. Pipe inodes are made only here,
// on kPipeFsDev, so the device identifies them.
PipeFile* as_pipe(fs::OpenFile& f);

// create_pipe_files(): the read end and the write end of a new pipe. `flags` may hold
// O_NONBLOCK and O_DIRECT, which both ends get.
struct PipeEnds {
  std::shared_ptr<fs::OpenFile> read, write;
};
PipeEnds make_pipe(std::uint64_t ino, int flags);
// A host descriptor as one end of a pipe with nothing at the other end.
std::shared_ptr<fs::OpenFile> make_host_stream(std::uint64_t ino, int host_fd, bool write_end);
// A write end whose bytes are appended to `out`.
std::shared_ptr<fs::OpenFile> make_capture_stream(std::uint64_t ino, std::shared_ptr<std::string> out);

}  // namespace vmlab::kern
