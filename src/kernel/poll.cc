#include "kernel/poll.h"

#include "kernel/kmsg_file.h"
#include "kernel/pipe.h"

namespace vmlab::kern {

std::uint16_t poll_mask(fs::OpenFile& f) {
  if (KmsgFile* k = as_kmsg(f)) return kmsg_poll(*k);
  PipeFile* p = as_pipe(f);
  // DEFAULT_POLLMASK: a file without ->poll is always ready.
  if (p == nullptr || p->pipe->is_stream()) return kPollIn | kPollOut | kPollRdnorm | kPollWrnorm;
  const Pipe& pipe = *p->pipe;
  std::uint16_t mask = 0;
  // pipe_poll(): readable with data, hung up without writers; writable with room,
  // an error without readers.
  if (!p->write_end) {
    if (pipe.size() > 0) mask |= kPollIn | kPollRdnorm;
    if (pipe.writers == 0) mask |= kPollHup;
  } else {
    if (pipe.room() > 0) mask |= kPollOut | kPollWrnorm;
    if (pipe.readers == 0) mask |= kPollErr;
  }
  return mask;
}

}  // namespace vmlab::kern
