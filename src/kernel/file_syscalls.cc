// File system calls: open, read, write and friends on memfs files through the page
// cache, /dev/null and /dev/zero, and /proc files rendered from live state.
#include <algorithm>
#include <vector>

#include "fs/page_cache.h"
#include "fs/path.h"
#include "kernel/kernel.h"
#include "vmlab/mman.h"

namespace vmlab::kern {

namespace {

bool is_proc_path(std::string_view p) { return p == "/proc" || p.starts_with("/proc/"); }

constexpr std::uint64_t kChunk = 64 * KiB;  // bounce buffer for read()/write()

}  // namespace

Result<std::shared_ptr<fs::OpenFile>> Kernel::fd_file(Process& p, int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= p.fds.size() || !p.fds[static_cast<std::size_t>(fd)]) {
    return Errno::badf;
  }
  return p.fds[static_cast<std::size_t>(fd)];
}

Result<std::shared_ptr<fs::Inode>> Kernel::resolve(const Process& p, std::string_view path) {
  if (path.empty()) return Errno::noent;
  return rootfs_.lookup(fs::normalize_path(p.cwd, path));
}

Result<int> Kernel::open(Process& p, std::string_view path, int flags, std::uint32_t mode) {
  if (path.empty()) return Errno::noent;
  const std::string abs = fs::normalize_path(p.cwd, path);
  std::shared_ptr<fs::OpenFile> file;
  if (is_proc_path(abs)) {
    if ((flags & kOAccmode) != kORdonly) return Errno::acces;
    auto text = proc_text(abs, &p);
    if (!text) return text.error();
    auto inode = std::make_shared<fs::Inode>(0, 0, fs::InodeType::regular, fs::Backing::shmem);
    file = std::make_shared<fs::OpenFile>(std::move(inode), abs, flags);
    file->is_proc = true;
    file->proc_text = std::move(*text);
  } else {
    std::shared_ptr<fs::Inode> inode;
    if (flags & kOCreat) {
      auto r = rootfs_.create(abs, mode, (flags & kOExcl) != 0);
      if (!r) return r.error();
      inode = *r;
    } else {
      auto r = rootfs_.lookup(abs);
      if (!r) return r.error();
      inode = *r;
    }
    if ((flags & kODirectory) && !inode->is_dir()) return Errno::notdir;
    if (inode->is_dir() && (flags & kOAccmode) != kORdonly) return Errno::isdir;
    file = std::make_shared<fs::OpenFile>(inode, abs, flags);
    if ((flags & kOTrunc) && file->writable() && inode->type == fs::InodeType::regular) {
      fs::file_truncate(sys_, *inode, 0);
    }
  }
  // The lowest free descriptor.
  std::size_t fd = 0;
  while (fd < p.fds.size() && p.fds[fd]) ++fd;
  if (fd == p.fds.size()) p.fds.emplace_back();
  p.fds[fd] = std::move(file);
  return static_cast<int>(fd);
}

Result<void> Kernel::close(Process& p, int fd) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  p.fds[static_cast<std::size_t>(fd)].reset();
  return {};
}

Result<std::uint64_t> Kernel::rw(Process& p, fs::OpenFile& f, VirtAddr buf, std::uint64_t len, std::uint64_t pos,
                                 bool write) {
  fs::Inode& inode = *f.inode;
  std::vector<std::uint8_t> bounce(std::min(len, kChunk));
  std::uint64_t done = 0;
  while (done < len) {
    // One user page at a time: as generic_perform_write() and filemap_read() do, a copy
    // that faults stops at that page and the call returns the bytes before it.
    const std::uint64_t n = std::min({len - done, kChunk, kPageSize - ((buf + done) & (kPageSize - 1))});
    std::span<std::uint8_t> chunk(bounce.data(), n);
    std::uint64_t moved = 0;
    if (write) {
      if (auto r = copy_from_user(p, chunk, buf + done); !r) return done ? Result<std::uint64_t>(done) : r.error();
      if (inode.type == fs::InodeType::char_device) {
        moved = n;  // /dev/null and /dev/zero swallow writes
      } else {
        auto r = fs::file_write(sys_, inode, pos + done, chunk.data(), n);
        if (!r) return done ? Result<std::uint64_t>(done) : r.error();
        moved = *r;
      }
    } else {
      if (f.is_proc) {
        const std::string& t = f.proc_text;
        moved = pos + done >= t.size() ? 0 : std::min<std::uint64_t>(n, t.size() - (pos + done));
        std::copy_n(t.data() + pos + done, moved, chunk.data());
      } else if (inode.type == fs::InodeType::char_device) {
        moved = inode.rdev == kDevZero ? n : 0;
        std::fill_n(chunk.data(), moved, 0);
      } else {
        auto r = fs::file_read(sys_, inode, pos + done, chunk.data(), n);
        if (!r) return done ? Result<std::uint64_t>(done) : r.error();
        moved = *r;
      }
      if (moved == 0) break;
      if (auto r = copy_to_user(p, buf + done, chunk.first(moved)); !r) {
        return done ? Result<std::uint64_t>(done) : r.error();
      }
    }
    done += moved;
    if (moved < n) break;
  }
  return done;
}

Result<std::uint64_t> Kernel::read(Process& p, int fd, VirtAddr buf, std::uint64_t len) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->readable()) return Errno::badf;
  if ((*f)->inode->is_dir()) return Errno::isdir;
  auto r = rw(p, **f, buf, len, (*f)->pos, false);
  if (r) (*f)->pos += *r;
  return r;
}

Result<std::uint64_t> Kernel::write(Process& p, int fd, VirtAddr buf, std::uint64_t len) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->writable()) return Errno::badf;
  if ((*f)->flags & kOAppend) (*f)->pos = (*f)->inode->size;
  auto r = rw(p, **f, buf, len, (*f)->pos, true);
  if (r) (*f)->pos += *r;
  return r;
}

Result<std::uint64_t> Kernel::pread(Process& p, int fd, VirtAddr buf, std::uint64_t len, std::uint64_t off) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->readable()) return Errno::badf;
  if ((*f)->inode->is_dir()) return Errno::isdir;
  // /dev/null is opened with FMODE_PREAD like any character device without
  // stream_open(): pread() reads end of file there, no ESPIPE (seen on 6.18).
  return rw(p, **f, buf, len, off, false);
}

Result<std::uint64_t> Kernel::pwrite(Process& p, int fd, VirtAddr buf, std::uint64_t len, std::uint64_t off) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if (!(*f)->writable()) return Errno::badf;
  return rw(p, **f, buf, len, off, true);
}

Result<std::uint64_t> Kernel::lseek(Process& p, int fd, std::int64_t off, int whence) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  std::int64_t base = 0;
  switch (whence) {
    case kSeekSet: base = 0; break;
    case kSeekCur: base = static_cast<std::int64_t>((*f)->pos); break;
    case kSeekEnd:
      base = static_cast<std::int64_t>((*f)->is_proc ? (*f)->proc_text.size() : (*f)->inode->size);
      break;
    default: return Errno::inval;
  }
  const std::int64_t pos = base + off;
  if (pos < 0) return Errno::inval;
  (*f)->pos = static_cast<std::uint64_t>(pos);
  return (*f)->pos;
}

Result<void> Kernel::ftruncate(Process& p, int fd, std::uint64_t len) {
  if (static_cast<std::int64_t>(len) < 0) return Errno::inval;  // do_sys_ftruncate(): before the fd
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if ((*f)->inode->type != fs::InodeType::regular || !(*f)->writable() || (*f)->is_proc) return Errno::inval;
  fs::file_truncate(sys_, *(*f)->inode, len);
  return {};
}

Result<void> Kernel::fsync(Process& p, int fd) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  if ((*f)->inode->type == fs::InodeType::regular && !(*f)->is_proc) {
    fs::page_cache_writeback(sys_, *(*f)->inode, 0, ~0ULL);
  }
  return {};
}

void Kernel::sync() {
  // Every disk-backed inode reachable from the root.
  std::vector<std::shared_ptr<fs::Inode>> todo{rootfs_.root()};
  while (!todo.empty()) {
    auto inode = todo.back();
    todo.pop_back();
    if (inode->is_dir()) {
      for (auto& [name, child] : inode->entries) todo.push_back(child);
    } else if (inode->type == fs::InodeType::regular) {
      fs::page_cache_writeback(sys_, *inode, 0, ~0ULL);
    }
  }
  // Unlinked files still open or mapped are written back through their users.
  for (auto& [pid, proc] : procs_) {
    for (auto& f : proc->fds) {
      if (f && f->inode->type == fs::InodeType::regular && !f->is_proc) fs::page_cache_writeback(sys_, *f->inode, 0, ~0ULL);
    }
  }
}

Result<void> Kernel::unlink(Process& p, std::string_view path) {
  if (path.empty()) return Errno::noent;
  const std::string abs = fs::normalize_path(p.cwd, path);
  if (is_proc_path(abs)) return Errno::perm;
  return rootfs_.unlink(abs);  // the inode is evicted when its last user lets go
}

Result<void> Kernel::mkdir(Process& p, std::string_view path, std::uint32_t mode) {
  if (path.empty()) return Errno::noent;
  return rootfs_.mkdir(fs::normalize_path(p.cwd, path), mode);
}

Result<FileStat> Kernel::fstat(Process& p, int fd) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  const fs::Inode& i = *(*f)->inode;
  std::uint32_t type = i.is_dir() ? 0040000 : (i.type == fs::InodeType::char_device ? 0020000 : 0100000);
  const std::uint64_t size = (*f)->is_proc ? 0 : i.size;
  // st_blocks counts 512-byte units of what the file occupies (its written blocks).
  const std::uint64_t blocks = i.store.size() * (kPageSize / 512);
  return FileStat{i.dev, i.ino, size, blocks, type | i.mode, i.nlink, p.uid, p.gid, i.rdev};
}

Result<std::string> Kernel::read_whole_file(std::string_view path) {
  const std::string abs = fs::normalize_path("/", path);
  if (is_proc_path(abs)) return proc_text(abs, nullptr);
  auto inode = rootfs_.lookup(abs);
  if (!inode) return inode.error();
  if ((*inode)->is_dir()) return Errno::isdir;
  std::string out((*inode)->size, '\0');
  auto r = fs::file_read(sys_, **inode, 0, reinterpret_cast<std::uint8_t*>(out.data()), out.size());
  if (!r) return r.error();
  out.resize(*r);
  return out;
}

Result<void> Kernel::write_whole_file(std::string_view path, std::string_view contents) {
  auto inode = rootfs_.create(fs::normalize_path("/", path), 0644, false);
  if (!inode) return inode.error();
  fs::file_truncate(sys_, **inode, 0);
  auto r = fs::file_write(sys_, **inode, 0, reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size());
  if (!r) return r.error();
  return {};
}

}  // namespace vmlab::kern
