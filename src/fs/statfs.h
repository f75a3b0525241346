// What statfs() reports of a filesystem (struct kstatfs), and the magic numbers of the
// filesystems vmlab has (include/uapi/linux/magic.h).
#pragma once

#include <array>
#include <cstdint>

namespace vmlab::fs {

struct StatFs {
  std::uint64_t type = 0;    // the filesystem's magic number
  std::uint64_t bsize = 0;   // the block size counts are in
  std::uint64_t blocks = 0, bfree = 0, bavail = 0;  // bavail: what a non-root user may use
  std::uint64_t files = 0, ffree = 0;               // inodes
  std::array<std::uint32_t, 2> fsid{};
  std::uint64_t namelen = 0;
  std::uint64_t frsize = 0;  // the fragment size: bsize when the filesystem gives none
  std::uint64_t flags = 0;   // ST_*: from the mount (calculate_f_flags())
};

inline constexpr std::uint64_t kExt4SuperMagic = 0xEF53;
inline constexpr std::uint64_t kTmpfsMagic = 0x01021994;
inline constexpr std::uint64_t kProcSuperMagic = 0x9fa0;
inline constexpr std::uint64_t kPipefsMagic = 0x50495045;

// statfs()'s f_flags (ST_*).
inline constexpr std::uint64_t kStRdonly = 0x0001;
inline constexpr std::uint64_t kStNosuid = 0x0002;
inline constexpr std::uint64_t kStNodev = 0x0004;
inline constexpr std::uint64_t kStNoexec = 0x0008;
inline constexpr std::uint64_t kStValid = 0x0020;
inline constexpr std::uint64_t kStRelatime = 0x1000;

}  // namespace vmlab::fs
