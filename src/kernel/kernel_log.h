// The kernel log (kernel/printk/printk.c): the printk ring buffer and what printk.c
// keeps around it: how records are stored (vprintk_store()), the console that prints
// them as they come, the log levels of /proc/sys/kernel/printk, and the position of
// syslog(2)'s reader and of its "clear" (syslog_seq, clear_seq). Permission checks and
// user memory belong to the callers (kernel/syslog.h, kernel/kmsg_file.h); code that
// logs calls kern::printk() (kernel/printk.h).
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "kernel/printk_ringbuffer.h"
#include "vmlab/result.h"

namespace vmlab::kern {

// The log levels (include/linux/kern_levels.h, console_printk[]). Debian's kernels
// set CONFIG_MESSAGE_LOGLEVEL_DEFAULT=4 and keep CONFIG_CONSOLE_LOGLEVEL_DEFAULT=7.
inline constexpr int kLoglevelDefault = -1;         // LOGLEVEL_DEFAULT: "no level given"
inline constexpr int kMessageLoglevelDefault = 4;   // default_message_loglevel (KERN_WARNING)
inline constexpr int kConsoleLoglevelMin = 1;       // minimum_console_loglevel
inline constexpr int kConsoleLoglevelDefault = 7;   // console_loglevel, default_console_loglevel

// PRINTKRB_RECORD_MAX: the most bytes a record reserves (its text is one less).
inline constexpr std::uint32_t kPrintkRecordMax = 1024;

// CONFIG_LOG_BUF_SHIFT=17 as Debian's x86-64 (and riscv64) kernels are built (debian/
// config/config, the Kconfig default too): a 128 KiB log. CONFIG_LOG_CPU_MAX_BUF_SHIFT=12
// adds 4 KiB per possible CPU past the first once that is more than half of it
// (log_buf_add_cpu(): 18 CPUs or more), rounded up to a power of two.
inline constexpr unsigned kLogBufShift = 17;
inline constexpr unsigned kLogCpuMaxBufShift = 12;
// log2 of log_buf_len for a machine with `possible_cpus` CPUs.
unsigned log_buf_shift(unsigned possible_cpus);

class Kernel;

class KernelLog {
 public:
  KernelLog(unsigned possible_cpus, int console_loglevel);

  const PrintkRingbuffer& ring() const { return ring_; }
  // SYSLOG_ACTION_SIZE_BUFFER: the text ring's size in bytes (log_buf_len).
  std::uint64_t log_buf_len() const { return ring_.data_size(); }

  // vprintk_store(): `text` as formatted by its writer. At most 1023 bytes are kept;
  // a trailing newline is removed and finalizes the record, else it stays open.
  // `cont` (KERN_CONT) appends to the newest record when it is open and from the same
  // `caller_id`; otherwise a new record flagged kLogCont is made. `level` is 0 to 7,
  // or kLoglevelDefault for default_message_loglevel; `facility` is stored in 8 bits.
  // Afterwards the console prints what became readable.
  void store(int facility, int level, std::string_view text, bool cont, std::uint64_t ts_nsec,
             std::uint32_t caller_id, const DevPrintkInfo& dev_info = {});

  // The console (a serial console as the kernel prints to it): `write` gets each
  // readable record whose level is below console_loglevel, "[    1.234567] text\n"
  // per line, as soon as it is readable. Records already in the log are printed
  // first, as a console registered at boot replays the buffer (CON_PRINTBUFFER).
  // Null detaches it.
  void set_console(std::function<void(std::string_view)> write);

  // /proc/sys/kernel/printk: "console default minimum default-console\n", tab-separated.
  std::string printk_sysctl() const;
  int console_loglevel() const { return console_loglevel_; }

  // do_syslog()'s actions, after its permission and argument checks (kernel/syslog.h).
  // `copy` appends bytes to the caller's buffer and returns false on a fault.
  using CopyOut = std::function<bool(std::string_view)>;
  // SYSLOG_ACTION_READ (syslog_print()): consumes records from syslog_seq into at
  // most `size` bytes, a record cut at the end continuing at the next read. EAGAIN
  // when there is nothing to read yet (where Linux sleeps until there is).
  Result<std::uint64_t> syslog_read(std::uint64_t size, const CopyOut& copy);
  // SYSLOG_ACTION_READ_ALL and READ_CLEAR (syslog_print_all()): the newest records
  // since the last clear that fit in `size` bytes; `clear` then clears them.
  Result<std::uint64_t> syslog_read_all(std::uint64_t size, bool clear, const CopyOut& copy);
  // SYSLOG_ACTION_CLEAR: READ_ALL starts after the records there are now.
  void syslog_clear() { clear_seq_ = ring_.next_seq(); }
  // SYSLOG_ACTION_CONSOLE_OFF, CONSOLE_ON, CONSOLE_LEVEL (`level` already checked
  // to be 1 to 8).
  void console_off();
  void console_on();
  void console_level(int level);
  // SYSLOG_ACTION_SIZE_UNREAD: the bytes syslog_read() has left to give, or, asked
  // for /proc/kmsg (`records`), how many records.
  std::uint64_t syslog_size_unread(bool records);
  // Where syslog_read() continues: the record a sleeping reader waits for.
  std::uint64_t syslog_seq() const { return syslog_seq_; }
  // The first record READ_ALL may show (clear_seq), where /dev/kmsg's SEEK_DATA goes.
  std::uint64_t clear_seq() const { return clear_seq_; }

  // DO_ONCE_LITE() of a pr_*_once() call site named `site`: true the first time it is
  // asked on this machine (Linux: once per boot).
  bool first_time(std::string_view site) { return once_.insert(std::string(site)).second; }

  // The kernel that logs here, for messages the log's own files write when they are
  // released (the comm of the task closing them); null once the kernel is going away.
  Kernel* kernel() const { return kernel_; }
  void set_kernel(Kernel* k) { kernel_ = k; }

 private:
  // console_flush_all() for the one console: prints every readable record after
  // console_seq_.
  void flush_console();

  PrintkRingbuffer ring_;
  int console_loglevel_;
  int saved_console_loglevel_ = kLoglevelDefault;  // CONSOLE_OFF remembers the level here
  std::uint64_t syslog_seq_ = 0;       // the next record SYSLOG_ACTION_READ gives
  std::uint64_t syslog_partial_ = 0;   // bytes of that record's text already given
  std::uint64_t clear_seq_ = 0;
  std::function<void(std::string_view)> console_;
  std::uint64_t console_seq_ = 0;      // the next record the console prints
  Kernel* kernel_ = nullptr;
  std::set<std::string, std::less<>> once_;  // the pr_*_once() sites that have printed
};

}  // namespace vmlab::kern
