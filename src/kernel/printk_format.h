// The text forms of a kernel log record (kernel/printk/printk.c):
//   syslog(2) and /proc/kmsg   "<6>[    1.234567] text\n", a prefix on every line;
//   the console                "[    1.234567] text\n" (console_msg_format is 0);
//   /dev/kmsg                  "6,42,1234567,-;text\n" then " SUBSYSTEM=...\n" and
//                              " DEVICE=...\n" for a record made by dev_printk().
// The level prefix is (facility << 3) | level. CONFIG_PRINTK_CALLER is off (as in
// Debian's kernels), so no "[T123]" caller field appears.
#pragma once

#include <cstddef>
#include <string>

#include "kernel/printk_ringbuffer.h"

namespace vmlab::kern {

// PRINTK_MESSAGE_MAX: the buffer a record is formatted into for syslog(2), the
// console and /dev/kmsg; what does not fit is cut as record_print_text() and
// msg_add_ext_text() cut it.
inline constexpr std::size_t kPrintkMessageMax = 2048;

// info_print_prefix(): "<N>" when `syslog`, then "[sssss.uuuuuu] " when `time`.
std::string print_prefix(const PrintkInfo& info, bool syslog, bool time);

// record_print_text(): every line of the record's text with the prefix, each ending
// in a newline, in a buffer of `buf_size` bytes (its terminating NUL included): a
// line that does not fit whole is cut, lines after it are dropped.
std::string record_print_text(const PrintkRecord& r, bool syslog, bool time, std::size_t buf_size = kPrintkMessageMax);

// get_record_print_text_size(): what record_print_text() gives for a record whose
// text fits, without formatting it (line count times the prefix, the text, a newline).
std::size_t record_print_text_size(const PrintkRecord& r, bool syslog, bool time);

// info_print_ext_header() and msg_print_ext_body(): the record as one /dev/kmsg read
// returns it, at most kPrintkMessageMax bytes. Bytes below ' ', from 127 and '\' are
// written as "\xNN".
std::string devkmsg_format(const PrintkRecord& r);

}  // namespace vmlab::kern
