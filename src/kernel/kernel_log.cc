#include "kernel/kernel_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "kernel/printk_format.h"

namespace vmlab::kern {

namespace {

// printk.time: CONFIG_PRINTK_TIME=y in Debian's kernels, so every syslog(2) and
// console line carries its timestamp.
constexpr bool kPrintkTime = true;
// PRB_AVGBITS: one descriptor per 32 bytes of text.
constexpr unsigned kPrbAvgBits = 5;

}  // namespace

unsigned log_buf_shift(unsigned possible_cpus) {
  const std::uint64_t base = 1ULL << kLogBufShift;
  if (possible_cpus <= 1) return kLogBufShift;
  const std::uint64_t extra = std::uint64_t{possible_cpus - 1} << kLogCpuMaxBufShift;
  if (extra <= base / 2) return kLogBufShift;
  // log_buf_len_update(): roundup_pow_of_two().
  unsigned shift = kLogBufShift;
  while ((1ULL << shift) < base + extra) ++shift;
  return shift;
}

KernelLog::KernelLog(unsigned possible_cpus, int console_loglevel)
    : ring_(log_buf_shift(possible_cpus), log_buf_shift(possible_cpus) - kPrbAvgBits),
      console_loglevel_(console_loglevel) {}

void KernelLog::store(int facility, int level, std::string_view text, bool cont, std::uint64_t ts_nsec,
                      std::uint32_t caller_id, const DevPrintkInfo& dev_info) {
  // vprintk_store(): the reservation is the formatted length and its NUL, capped; the
  // text written into it (printk_sprint()) is one byte less, then loses a final
  // newline, which marks the record complete.
  const auto reserve = static_cast<std::uint32_t>(std::min<std::size_t>(text.size() + 1, kPrintkRecordMax));
  std::string_view kept = text.substr(0, reserve - 1);
  std::uint8_t flags = cont ? kLogCont : 0;
  if (!kept.empty() && kept.back() == '\n') {
    kept.remove_suffix(1);
    flags |= kLogNewline;
  }
  // A dev_printk() record is always complete.
  if (!dev_info.subsystem.empty() || !dev_info.device.empty()) flags |= kLogNewline;
  const bool final = flags & kLogNewline;
  if (cont && ring_.extend_last(caller_id, kept, reserve, kPrintkRecordMax, final)) {
    flush_console();
    return;
  }
  PrintkInfo info;
  info.ts_nsec = ts_nsec;
  info.facility = static_cast<std::uint8_t>(facility);  // a u8 field in printk_info
  info.level = static_cast<std::uint8_t>((level == kLoglevelDefault ? kMessageLoglevelDefault : level) & 7);
  info.flags = flags;
  info.caller_id = caller_id;
  info.dev_info = dev_info;
  // A record of at most PRINTKRB_RECORD_MAX bytes always fits a ring of 4 KiB or more
  // (truncate_msg() is for rings smaller than any log_buf_shift() gives).
  if (!ring_.push(std::move(info), kept, reserve, final)) {
    throw std::logic_error("kernel log: a record of at most 1024 bytes did not fit the ring");
  }
  flush_console();
}

void KernelLog::set_console(std::function<void(std::string_view)> write) {
  console_ = std::move(write);
  console_seq_ = syslog_seq_;  // get_init_console_seq() for CON_PRINTBUFFER
  flush_console();
}

void KernelLog::flush_console() {
  if (!console_) return;
  std::uint64_t dropped = 0;
  // console_emit_next_record(), record after record: the ones above the console's
  // level are skipped; records lost before it could print them are counted on the
  // next line printed.
  for (const PrintkRecord* r; (r = ring_.read_valid(console_seq_)) != nullptr;) {
    dropped += r->info.seq - console_seq_;
    console_seq_ = r->info.seq + 1;
    if (!(r->info.flags & kLogForceCon) && r->info.level >= console_loglevel_) continue;
    std::string out = record_print_text(*r, false, kPrintkTime);
    if (dropped != 0) {
      out = fmt::format("** {} printk messages dropped **\n", dropped) + out;  // console_prepend_dropped()
      dropped = 0;
    }
    console_(out);
  }
}

std::string KernelLog::printk_sysctl() const {
  return fmt::format("{}\t{}\t{}\t{}\n", console_loglevel_, kMessageLoglevelDefault, kConsoleLoglevelMin,
                     kConsoleLoglevelDefault);
}

Result<std::uint64_t> KernelLog::syslog_read(std::uint64_t size, const CopyOut& copy) {
  if (ring_.read_valid(syslog_seq_) == nullptr) return Errno::again;
  std::uint64_t len = 0;
  // syslog_print(): whole records while they fit; the first one may be given in
  // part (syslog_partial), and the next read goes on where it stopped. A record is
  // consumed before it is copied, so a fault loses it.
  do {
    const PrintkRecord* r = ring_.read_valid(syslog_seq_);
    if (r == nullptr) break;
    if (r->info.seq != syslog_seq_) {  // overwritten since: go on from the oldest
      syslog_seq_ = r->info.seq;
      syslog_partial_ = 0;
    }
    const std::string text = record_print_text(*r, true, kPrintkTime);
    const std::uint64_t skip = syslog_partial_;
    std::uint64_t n = text.size();
    if (n - syslog_partial_ <= size) {
      syslog_seq_ = r->info.seq + 1;
      n -= syslog_partial_;
      syslog_partial_ = 0;
    } else if (len == 0) {
      n = size;
      syslog_partial_ += n;
    } else {
      n = 0;
    }
    if (n == 0) break;
    if (!copy(std::string_view(text).substr(skip, n))) {
      if (len == 0) return Errno::fault;
      break;
    }
    len += n;
    size -= n;
  } while (size != 0);
  return len;
}

Result<std::uint64_t> KernelLog::syslog_read_all(std::uint64_t size, bool clear, const CopyOut& copy) {
  // find_first_fitting_seq(): the oldest record since clear_seq from which all the
  // rest fit in `size`.
  std::uint64_t total = 0;
  std::uint64_t seq = clear_seq_;
  for (const PrintkRecord* r; (r = ring_.read_valid(seq)) != nullptr; seq = r->info.seq + 1) {
    total += record_print_text_size(*r, true, kPrintkTime);
  }
  const std::uint64_t max_seq = seq;
  for (seq = clear_seq_;;) {
    const PrintkRecord* r = ring_.read_valid(seq);
    if (r == nullptr || total <= size || r->info.seq >= max_seq) break;
    total -= record_print_text_size(*r, true, kPrintkTime);
    seq = r->info.seq + 1;
  }
  // syslog_print_all(): those records; a fault makes the whole call EFAULT, and
  // READ_CLEAR clears up to where it stopped either way.
  std::uint64_t len = 0;
  bool fault = false;
  for (const PrintkRecord* r; (r = ring_.read_valid(seq)) != nullptr; seq = r->info.seq + 1) {
    const std::string text = record_print_text(*r, true, kPrintkTime);
    if (len + text.size() > size) {
      --seq;
      break;
    }
    if (!copy(text)) {
      fault = true;
      break;
    }
    len += text.size();
  }
  if (clear) clear_seq_ = seq;
  if (fault) return Errno::fault;
  return len;
}

void KernelLog::console_off() {
  if (saved_console_loglevel_ == kLoglevelDefault) saved_console_loglevel_ = console_loglevel_;
  console_loglevel_ = kConsoleLoglevelMin;
}

void KernelLog::console_on() {
  if (saved_console_loglevel_ != kLoglevelDefault) {
    console_loglevel_ = saved_console_loglevel_;
    saved_console_loglevel_ = kLoglevelDefault;
  }
}

void KernelLog::console_level(int level) {
  console_loglevel_ = std::max(level, kConsoleLoglevelMin);
  saved_console_loglevel_ = kLoglevelDefault;  // setting a level turns the console back on
}

std::uint64_t KernelLog::syslog_size_unread(bool records) {
  const PrintkRecord* r = ring_.read_valid(syslog_seq_);
  if (r == nullptr) return 0;
  if (r->info.seq != syslog_seq_) {
    syslog_seq_ = r->info.seq;
    syslog_partial_ = 0;
  }
  // /proc/kmsg's poll only asks whether there is anything: the record count.
  if (records) return ring_.next_seq() - syslog_seq_;
  std::uint64_t total = 0;
  for (std::uint64_t s = syslog_seq_; (r = ring_.read_valid(s)) != nullptr; s = r->info.seq + 1) {
    total += record_print_text_size(*r, true, kPrintkTime);
  }
  return total - syslog_partial_;
}

}  // namespace vmlab::kern
