#include "fs/proc/stat_format.h"

#include <iterator>

#include <fmt/format.h>

namespace vmlab::proc {

std::string format_stat(const StatInfo& s) {
  // as do_task_stat(): every field after the state preceded by one space.
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{} ({}) {}", s.pid, s.comm, s.state);
  fmt::format_to(it, " {} {} {} {} {} {}", s.ppid, s.pgrp, s.session, s.tty_nr, s.tpgid,
                 s.flags);
  fmt::format_to(it, " {} {} {} {} {} {} {} {}", s.minflt, s.cminflt, s.majflt, s.cmajflt,
                 s.utime, s.stime, s.cutime, s.cstime);
  fmt::format_to(it, " {} {} {} {} {} {} {} {}", s.priority, s.nice, s.num_threads,
                 s.itrealvalue, s.starttime, s.vsize, s.rss, s.rsslim);
  fmt::format_to(it, " {} {} {} {} {}", s.start_code, s.end_code, s.start_stack, s.kstkesp,
                 s.kstkeip);
  // "The signal information here is obsolete": only the low 31 signals.
  constexpr std::uint64_t kObsoleteSigMask = 0x7fffffffULL;
  fmt::format_to(it, " {} {} {} {}", s.signal & kObsoleteSigMask, s.blocked & kObsoleteSigMask,
                 s.sigignore & kObsoleteSigMask, s.sigcatch & kObsoleteSigMask);
  fmt::format_to(it, " {} {} {} {} {} {} {} {} {} {}", s.wchan, s.nswap, s.cnswap,
                 s.exit_signal, s.processor, s.rt_priority, s.policy, s.delayacct_blkio_ticks,
                 s.guest_time, s.cguest_time);
  fmt::format_to(it, " {} {} {} {} {} {} {} {}\n", s.start_data, s.end_data, s.start_brk,
                 s.arg_start, s.arg_end, s.env_start, s.env_end, s.exit_code);
  return out;
}

std::string format_statm(const StatmInfo& s) {
  return fmt::format("{} {} {} {} {} {} {}\n", s.size, s.resident, s.shared, s.text, s.lib,
                     s.data, s.dt);
}

}  // namespace vmlab::proc
