#include "kernel/pipe_io.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "kernel/signal.h"
#include "kernel/kernel.h"

namespace vmlab::kern {

namespace {

constexpr int kONonblock = 04000;
constexpr std::uint64_t kHostChunk = 65536;

// send_sig(SIGPIPE, current, 0): SI_USER from the task itself, to its process.
void sigpipe(SysCtx& c) {
  KSigInfo info;
  info.signo = 13;
  info.code = kSiUser;
  info.pid = c.t.tgid();
  info.uid = static_cast<int>(c.t.tg->uid);
  (void)send_signal(c.k, c.t, info, SigTarget::group);  // send_sig_info(), PIDTYPE_TGID: SI_USER never overflows
}

std::int64_t host_read(SysCtx& c, Pipe& pp, const UserBuffers& to) {
  if (pp.host_fd < 0) return 0;  // a capture stream
  std::vector<std::uint8_t> buf(std::min(to.total(), kHostChunk));
  ssize_t n;
  do {
    n = ::read(pp.host_fd, buf.data(), buf.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  const std::uint64_t copied = to.scatter(c.k, c.t, 0, std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
  return copied == 0 && n > 0 ? err(Errno::fault) : static_cast<std::int64_t>(copied);
}

std::int64_t host_write(SysCtx& c, Pipe& pp, const UserBuffers& from) {
  std::uint64_t done = 0;
  std::vector<std::uint8_t> buf(std::min(from.total(), kHostChunk));
  while (done < from.total()) {
    const std::uint64_t want = std::min<std::uint64_t>(buf.size(), from.total() - done);
    const std::uint64_t got = from.gather(c.k, c.t, done, std::span<std::uint8_t>(buf.data(), want));
    std::uint64_t off = 0;
    if (pp.capture != nullptr) {
      pp.capture->append(reinterpret_cast<const char*>(buf.data()), got);
      off = got;
    }
    while (off < got) {
      const ssize_t n = ::write(pp.host_fd, buf.data() + off, got - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        if (errno == EPIPE) sigpipe(c);
        const int e = errno;
        return done + off ? static_cast<std::int64_t>(done + off) : -e;
      }
      off += static_cast<std::uint64_t>(n);
    }
    done += got;
    if (got < want) return done ? static_cast<std::int64_t>(done) : err(Errno::fault);
  }
  return static_cast<std::int64_t>(done);
}

}  // namespace

template <class Fn>
std::uint64_t UserBuffers::walk(std::uint64_t off, std::uint64_t n, Fn&& fn) const {
  std::uint64_t moved = 0;
  for (const auto& [base, len] : segs_) {
    if (n == 0) break;
    if (off >= len) {
      off -= len;
      continue;
    }
    VirtAddr va = base + off;
    std::uint64_t left = std::min(len - off, n);
    off = 0;
    while (left > 0) {
      const std::uint64_t piece = std::min(left, kPageSize - (va & (kPageSize - 1)));
      if (!fn(va, moved, piece)) return moved;
      moved += piece;
      va += piece;
      left -= piece;
      n -= piece;
    }
  }
  return moved;
}

std::uint64_t UserBuffers::gather(Kernel& k, Task& p, std::uint64_t off, std::span<std::uint8_t> buf) const {
  return walk(off, buf.size(), [&](VirtAddr va, std::uint64_t at, std::uint64_t n) {
    return k.copy_from_user(p, buf.subspan(at, n), va).ok();
  });
}

std::uint64_t UserBuffers::scatter(Kernel& k, Task& p, std::uint64_t off, std::span<const std::uint8_t> buf) const {
  return walk(off, buf.size(), [&](VirtAddr va, std::uint64_t at, std::uint64_t n) {
    return k.copy_to_user(p, va, buf.subspan(at, n)).ok();
  });
}

std::int64_t pipe_read(SysCtx& c, PipeFile& f, const UserBuffers& to) {
  Pipe& pp = *f.pipe;
  if (to.total() == 0) return 0;
  if (pp.is_stream()) return host_read(c, pp, to);
  if (pp.size() > 0) {
    // What cannot be copied out stays in the pipe.
    std::vector<std::uint8_t> tmp(std::min<std::uint64_t>(to.total(), pp.size()));
    pp.peek(tmp.data(), tmp.size());
    const std::uint64_t copied = to.scatter(c.k, c.t, 0, tmp);
    pp.drop(copied);
    return copied ? static_cast<std::int64_t>(copied) : err(Errno::fault);
  }
  if (pp.writers == 0) return 0;  // end of file
  if (f.flags & kONonblock) return err(Errno::again);
  WaitState w;
  w.kind = WaitKind::pipe_read;
  w.pipe = f.pipe;
  return block(c, std::move(w));
}

std::int64_t pipe_write(SysCtx& c, PipeFile& f, const UserBuffers& from) {
  Pipe& pp = *f.pipe;
  const std::uint64_t total = from.total();
  if (total == 0) return 0;
  if (pp.is_stream()) return host_write(c, pp, from);
  std::uint64_t done = c.resume != nullptr ? c.resume->done : 0;
  auto partial = [&](Errno e) { return done ? static_cast<std::int64_t>(done) : err(e); };
  if (pp.readers == 0) {
    sigpipe(c);
    return partial(Errno::pipe);
  }
  const std::uint64_t left = total - done;
  std::uint64_t need;
  if (done == 0 && left <= Pipe::kPipeBuf) {
    // Small writes are atomic: all at once or not yet.
    if (pp.room() >= left) {
      std::vector<std::uint8_t> tmp(left);
      const std::uint64_t got = from.gather(c.k, c.t, 0, tmp);
      pp.put(tmp.data(), got);
      return got ? static_cast<std::int64_t>(got) : err(Errno::fault);
    }
    need = left;
  } else {
    const std::uint64_t n = std::min<std::uint64_t>(pp.room(), left);
    if (n > 0) {
      std::vector<std::uint8_t> tmp(n);
      const std::uint64_t got = from.gather(c.k, c.t, done, tmp);
      pp.put(tmp.data(), got);
      done += got;
      if (got < n) return partial(Errno::fault);
      if (done == total) return static_cast<std::int64_t>(done);
    }
    need = std::min<std::uint64_t>(total - done, Pipe::kPipeBuf);
  }
  if (f.flags & kONonblock) return partial(Errno::again);
  WaitState w;
  w.kind = WaitKind::pipe_write;
  w.pipe = f.pipe;
  w.need = need;
  w.done = done;
  return block(c, std::move(w));
}

}  // namespace vmlab::kern
