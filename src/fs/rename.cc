#include "fs/rename.h"

namespace vmlab::fs {

void account_rename(Inode& old_dir, Inode& new_dir, Inode& source, Inode* target, bool exchange, std::int64_t now) {
  // A subdirectory is a link to its parent ("..").
  const auto moves_dir = [&](const Inode& dir, Inode& from, Inode& to) {
    if (dir.is_dir() && &from != &to) {
      --from.nlink;
      ++to.nlink;
    }
  };
  moves_dir(source, old_dir, new_dir);
  if (target != nullptr) {
    if (exchange) {
      moves_dir(*target, new_dir, old_dir);
    } else if (target->is_dir()) {
      target->nlink = 0;  // gone, with its link to new_dir
      --new_dir.nlink;
    } else {
      --target->nlink;
    }
    target->ctime_ns = now;
  }
  source.ctime_ns = now;
  old_dir.mtime_ns = old_dir.ctime_ns = now;
  new_dir.mtime_ns = new_dir.ctime_ns = now;
}

}  // namespace vmlab::fs
