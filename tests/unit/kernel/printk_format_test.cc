// The text forms of kernel log records: syslog(2)'s and the console's lines and the
// /dev/kmsg records, with the escaping and the cuts Linux makes. The /dev/kmsg
// expectations are what the 6.18 host printed for the same writes.
#include "kernel/printk_format.h"

#include <gtest/gtest.h>

namespace vmlab::kern {
namespace {

PrintkRecord record(std::string text, std::uint64_t ts_nsec, int facility = 0, int level = 6) {
  PrintkRecord r;
  r.info.seq = 42;
  r.info.ts_nsec = ts_nsec;
  r.info.facility = static_cast<std::uint8_t>(facility);
  r.info.level = static_cast<std::uint8_t>(level);
  r.text = std::move(text);
  return r;
}

TEST(PrintkFormat, Prefixes) {
  const PrintkRecord r = record("x", 1234567891);
  EXPECT_EQ(print_prefix(r.info, true, true), "<6>[    1.234567] ");
  EXPECT_EQ(print_prefix(r.info, false, true), "[    1.234567] ");
  EXPECT_EQ(print_prefix(r.info, true, false), "<6>");
  EXPECT_EQ(print_prefix(record("x", 123456789000000, 1, 4).info, true, true), "<12>[123456.789000] ");
  EXPECT_EQ(print_prefix(record("x", 0, 0, 0).info, false, true), "[    0.000000] ");
}

TEST(PrintkFormat, EveryLineHasItsPrefix) {
  const PrintkRecord r = record("Mem-Info:\nactive_anon:0", 2000000000, 0, 4);
  EXPECT_EQ(record_print_text(r, true, true), "<4>[    2.000000] Mem-Info:\n<4>[    2.000000] active_anon:0\n");
  EXPECT_EQ(record_print_text(r, false, true), "[    2.000000] Mem-Info:\n[    2.000000] active_anon:0\n");
  EXPECT_EQ(record_print_text_size(r, true, true), record_print_text(r, true, true).size());
  // An empty record is a line of its own; a text ending in a newline (its last one
  // was taken off when it was stored) ends with an empty line.
  EXPECT_EQ(record_print_text(record("", 0), true, true), "<6>[    0.000000] \n");
  EXPECT_EQ(record_print_text(record("a\n", 0), false, false), "a\n\n");
  EXPECT_EQ(record_print_text_size(record("a\n", 0), false, false), 3u);
}

TEST(PrintkFormat, LinesThatDoNotFitAreCut) {
  // A 40-byte buffer: 18 bytes of prefix, and room kept for a newline and a NUL.
  const PrintkRecord two = record("abc\ndefghijklmnopqrstuvwxyz", 0);
  EXPECT_EQ(record_print_text(two, true, true, 40), "<6>[    0.000000] abc\n");  // the cut line is dropped
  EXPECT_EQ(record_print_text(record("abcdefghijklmnopqrstuvwxyz", 0), true, true, 40), "");  // not even one
  EXPECT_EQ(record_print_text(record("abcdefghijklmnopqrst", 0), true, true, 40),
            "<6>[    0.000000] abcdefghijklmnopqrst\n");  // exactly fits (39 + NUL)
}

TEST(PrintkFormat, DevKmsgRecords) {
  PrintkRecord r = record("vmlab-printk-probe: default level", 8691811862000, 1, 4);
  r.info.seq = 778;
  EXPECT_EQ(devkmsg_format(r), "12,778,8691811862,-;vmlab-printk-probe: default level\n");
  // Control bytes, backslash, bytes from 127 and an inner newline are escaped.
  PrintkRecord e = record("vmlab\x01tab\tback\\slash\xff\n", 8691812588000, 1, 4);
  e.info.seq = 782;
  EXPECT_EQ(devkmsg_format(e), "12,782,8691812588,-;vmlab\\x01tab\\x09back\\x5cslash\\xff\\x0a\n");
  EXPECT_EQ(devkmsg_format(record("", 5000, 1, 0)), "8,42,5,-;\n");
  // A fragment of a continuation line, and a dev_printk() record's dictionary.
  PrintkRecord c = record(" inactive_anon:0", 0, 0, 4);
  c.info.flags = kLogCont;
  EXPECT_EQ(devkmsg_format(c), "4,42,0,c; inactive_anon:0\n");
  PrintkRecord d = record("Adding swap", 1000, 0, 6);
  d.info.dev_info = {"block", "b8:2"};
  EXPECT_EQ(devkmsg_format(d), "6,42,1,-;Adding swap\n SUBSYSTEM=block\n DEVICE=b8:2\n");
}

TEST(PrintkFormat, DevKmsgRecordsAreCutAt2048Bytes) {
  // 1023 control bytes would need 4092 bytes escaped: the text stops where the
  // buffer does, an escape cut in the middle (scnprintf() keeps a byte for its NUL),
  // and the newline takes that last byte (append_char()).
  const std::string text(1023, '\x01');
  const std::string out = devkmsg_format(record(text, 0));
  EXPECT_EQ(out.size(), kPrintkMessageMax);
  EXPECT_EQ(out.substr(0, 9), "6,42,0,-;");
  EXPECT_EQ(out.substr(out.size() - 7), "\\x01\\x\n");
}

}  // namespace
}  // namespace vmlab::kern
