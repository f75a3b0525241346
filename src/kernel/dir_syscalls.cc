// Reading directories: getdents64() (fs/readdir.c) over the VFS's listing of an open
// directory. The descriptor's position counts entries, and d_off is the position after
// each one, so lseek() back to a d_off resumes there.
#include <cstring>

#include "fs/vfs.h"
#include "kernel/fs_state.h"
#include "kernel/kernel.h"

namespace vmlab::kern {

Result<std::vector<fs::DirEntry>> Kernel::readdir(Task& p, int fd) {
  auto f = fd_file(p, fd);
  if (!f) return f.error();
  fs::OpenFile& file = **f;
  if (!file.inode->is_dir()) return Errno::notdir;
  const fs::Mount& mount = file.mount ? *file.mount : *fs_->vfs.mount_at("/");
  return fs_->vfs.list(p.caller(), mount, *file.inode, file.path);
}

Result<std::uint64_t> Kernel::getdents64(Task& p, int fd, VirtAddr buf, std::uint64_t len) {
  auto entries = readdir(p, fd);
  if (!entries) return entries.error();
  fs::OpenFile& file = **fd_file(p, fd);
  // struct linux_dirent64: d_ino, d_off, d_reclen, d_type, then the name and a NUL,
  // padded to 8 bytes.
  constexpr std::size_t kHeader = 8 + 8 + 2 + 1;
  std::vector<std::uint8_t> out;
  std::uint64_t pos = file.pos;
  for (; pos < entries->size(); ++pos) {
    const fs::DirEntry& e = (*entries)[pos];
    const std::size_t reclen = (kHeader + e.name.size() + 1 + 7) & ~std::size_t{7};
    if (out.size() + reclen > len) {
      if (out.empty()) return Errno::inval;  // "Result buffer is too small"
      break;
    }
    const std::size_t at = out.size();
    out.resize(at + reclen, 0);
    const std::uint64_t off = pos + 1;
    const auto rl = static_cast<std::uint16_t>(reclen);
    std::memcpy(&out[at], &e.ino, 8);
    std::memcpy(&out[at + 8], &off, 8);
    std::memcpy(&out[at + 16], &rl, 2);
    out[at + 18] = e.type;
    std::memcpy(&out[at + kHeader], e.name.data(), e.name.size());
  }
  if (!out.empty()) {
    if (auto r = copy_to_user(p, buf, out); !r) return r.error();
  }
  file.pos = pos;
  return out.size();
}

}  // namespace vmlab::kern
