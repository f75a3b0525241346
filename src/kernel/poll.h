// poll(2) readiness (fs/select.c, each file's ->poll): what an open file is ready for
// now. Pipes are ready as their buffer and ends allow, the kernel log's files when
// there is a record to read (kernel/kmsg_file.h); every other file vmlab has
// (regular files, /proc, /dev/null, /dev/zero, a host stream's read end) never blocks
// and answers DEFAULT_POLLMASK.
#pragma once

#include <cstdint>

namespace vmlab::fs {
class OpenFile;
}

namespace vmlab::kern {

inline constexpr std::uint16_t kPollIn = 0x1, kPollPri = 0x2, kPollOut = 0x4, kPollErr = 0x8, kPollHup = 0x10,
                               kPollNval = 0x20, kPollRdnorm = 0x40, kPollWrnorm = 0x100;

// vfs_poll(): the events `f` has now.
std::uint16_t poll_mask(fs::OpenFile& f);

}  // namespace vmlab::kern
