// fs_struct: a task's working directory and umask, shared by the tasks cloned with
// CLONE_FS (the threads glibc makes), copied otherwise.
#pragma once

#include <cstdint>
#include <string>

namespace vmlab::kern {

struct FsStruct {
  std::string cwd = "/";        // canonical: no symlinks, "." or ".."
  std::uint32_t umask = 022;    // applied to the modes of files it creates
};

}  // namespace vmlab::kern
