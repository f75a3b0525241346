// The /proc directory tree (fs/proc/root.c, base.c, generic.c, proc_sysctl.c): the
// machine-wide files, /proc/self, a directory per process, and a few /proc/sys
// settings. Its inodes are made at lookup, as proc_pid_lookup() makes them; the files'
// text is rendered when they are opened (Kernel::proc_text(), seq_file style).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fs/filesystem.h"

namespace vmlab::kern {
class Kernel;
}

namespace vmlab::proc {

class ProcFs : public fs::FileSystem {
 public:
  explicit ProcFs(kern::Kernel& kernel);
  std::string_view type_name() const override { return "proc"; }
  std::uint32_t dev() const override { return kDev; }
  std::shared_ptr<fs::Inode> root() const { return root_; }

  Result<std::shared_ptr<fs::Inode>> lookup(fs::Inode& dir, const std::string& name, const fs::Caller& who) override;
  Result<std::vector<fs::DirEntry>> readdir(fs::Inode& dir, const fs::Caller& who) override;
  Result<std::string> readlink(fs::Inode& link, const fs::Caller& who) override;

  static constexpr std::uint32_t kDev = 21;  // 00:21, an anonymous device as on the reference machine
  // /proc/kmsg's inode number: the file the kernel log reads through (kernel/kmsg_file.h).
  static constexpr std::uint64_t kKmsgIno = 0xF0000002;

 private:
  // The inode of /proc/`rel` ("" for /proc itself), or ENOENT.
  Result<std::shared_ptr<fs::Inode>> make(const std::string& rel, const fs::Caller& who);

  kern::Kernel& kernel_;
  std::shared_ptr<fs::Inode> root_;
};

// /proc/sys/kernel/pid_max as systemd sets it (50-pid-max.conf): procps sizes its PID
// columns by its length.
inline constexpr std::uint64_t kPidMax = 4194304;

}  // namespace vmlab::proc
