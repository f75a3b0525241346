// files_struct: a descriptor table, shared by the tasks cloned with CLONE_FILES (the
// threads of a process), copied by fork (dup_fd()). Each slot holds an open file
// description, which dup() and fork share too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace vmlab::fs {
class OpenFile;
}

namespace vmlab::kern {

struct FilesStruct {
  std::vector<std::shared_ptr<fs::OpenFile>> fds;  // by descriptor; null: free
  std::vector<std::uint8_t> cloexec;               // FD_CLOEXEC by descriptor

  bool fd_cloexec(int fd) const {
    return fd >= 0 && static_cast<std::size_t>(fd) < cloexec.size() && cloexec[static_cast<std::size_t>(fd)];
  }
  void set_cloexec(int fd, bool on) {
    if (fd < 0) return;
    if (static_cast<std::size_t>(fd) >= cloexec.size()) cloexec.resize(static_cast<std::size_t>(fd) + 1, 0);
    cloexec[static_cast<std::size_t>(fd)] = on ? 1 : 0;
  }
  // dup_fd(): the child's table holds the same open files, sized for the highest
  // open descriptor.
  std::shared_ptr<FilesStruct> copy() const {
    auto f = std::make_shared<FilesStruct>(*this);
    while (!f->fds.empty() && !f->fds.back()) f->fds.pop_back();
    return f;
  }
};

}  // namespace vmlab::kern
