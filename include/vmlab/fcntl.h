// Linux's path and file-status ABI values (the same on x86-64 and riscv64): the *at()
// flags, access() modes and the st_mode file-type bits. The O_* open flags are in
// vmlab/mman.h.
#pragma once

#include <cstdint>

namespace vmlab {

inline constexpr int kONofollow = 0400000;
inline constexpr int kOCloexec = 02000000;

inline constexpr int kAtFdcwd = -100;
inline constexpr int kAtSymlinkNofollow = 0x100;
inline constexpr int kAtEaccess = 0x200;    // faccessat()
inline constexpr int kAtRemovedir = 0x200;  // unlinkat()
inline constexpr int kAtSymlinkFollow = 0x400;
inline constexpr int kAtEmptyPath = 0x1000;

// renameat2() flags.
inline constexpr unsigned kRenameNoreplace = 1;
inline constexpr unsigned kRenameExchange = 2;
inline constexpr unsigned kRenameWhiteout = 4;

// access() modes.
inline constexpr int kFOk = 0;
inline constexpr int kXOk = 1;
inline constexpr int kWOk = 2;
inline constexpr int kROk = 4;

// st_mode.
inline constexpr std::uint32_t kSIfmt = 0170000;
inline constexpr std::uint32_t kSIflnk = 0120000;
inline constexpr std::uint32_t kSIfreg = 0100000;
inline constexpr std::uint32_t kSIfdir = 0040000;
inline constexpr std::uint32_t kSIfchr = 0020000;
inline constexpr std::uint32_t kSIsuid = 04000;
inline constexpr std::uint32_t kSIsgid = 02000;
inline constexpr std::uint32_t kSIsvtx = 01000;
inline constexpr std::uint32_t kSIxgrp = 00010;
inline constexpr std::uint32_t kSIallugo = 07777;  // S_IALLUGO: the bits chmod sets

// chown(): an id of -1 leaves the owner or group as it is.
inline constexpr std::uint32_t kNoId = 0xffffffff;

// utimensat(): a tv_nsec that asks for the current time, or leaves the time alone.
inline constexpr std::int64_t kUtimeNow = (1 << 30) - 1;
inline constexpr std::int64_t kUtimeOmit = (1 << 30) - 2;

// The /dev character devices (their Linux device numbers, major << 8 | minor).
inline constexpr std::uint32_t kDevNullRdev = (1 << 8) | 3;
inline constexpr std::uint32_t kDevZeroRdev = (1 << 8) | 5;
inline constexpr std::uint32_t kDevRandomRdev = (1 << 8) | 8;
inline constexpr std::uint32_t kDevUrandomRdev = (1 << 8) | 9;
inline constexpr std::uint32_t kDevKmsgRdev = (1 << 8) | 11;

}  // namespace vmlab
