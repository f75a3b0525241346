// The kernel log around its ring: how vprintk_store() keeps a message (the newline,
// the 1023-byte limit, continuation lines), the console and its levels, and syslog's
// READ / READ_ALL / CLEAR / SIZE_UNREAD bookkeeping.
#include "kernel/kernel_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernel/printk_format.h"

namespace vmlab::kern {
namespace {

constexpr std::uint64_t kSec = 1000000000;

class KernelLogTest : public ::testing::Test {
 protected:
  KernelLog log{1, kConsoleLoglevelDefault};
  std::string console;
  std::string out;  // what the syslog reads copied
  KernelLog::CopyOut copy = [this](std::string_view b) {
    out.append(b);
    return true;
  };

  void kernel(int level, std::string_view text, std::uint64_t ts = kSec, std::uint32_t caller = 1000) {
    log.store(0, level, text, false, ts, caller);
  }
  const PrintkRecord* at(std::uint64_t seq) { return log.ring().read_valid(seq); }
};

TEST_F(KernelLogTest, BufferSizeFollowsThePossibleCpus) {
  EXPECT_EQ(log_buf_shift(1), 17u);
  EXPECT_EQ(log_buf_shift(17), 17u);  // 16 * 4 KiB is not more than half of 128 KiB
  EXPECT_EQ(log_buf_shift(18), 18u);  // 128 KiB + 68 KiB, rounded up
  EXPECT_EQ(log_buf_shift(64), 19u);
  EXPECT_EQ(log.log_buf_len(), 131072u);
  EXPECT_EQ(KernelLog(64, 7).ring().desc_count(), 16384u);
}

TEST_F(KernelLogTest, NewlineEndsTheRecord) {
  kernel(3, "Out of memory: Killed process 1001 (a.out)\n");
  ASSERT_NE(at(0), nullptr);
  EXPECT_EQ(at(0)->text, "Out of memory: Killed process 1001 (a.out)");
  EXPECT_EQ(at(0)->info.level, 3);
  EXPECT_EQ(at(0)->info.facility, 0);
  EXPECT_EQ(at(0)->info.flags, kLogNewline);
  EXPECT_EQ(at(0)->info.ts_nsec, kSec);
  EXPECT_EQ(at(0)->info.caller_id, 1000u);
  kernel(kLoglevelDefault, "no level\n");
  EXPECT_EQ(at(1)->info.level, kMessageLoglevelDefault);
}

TEST_F(KernelLogTest, LongMessagesKeep1023Bytes) {
  kernel(6, std::string(2000, 'a') + "\n");
  EXPECT_EQ(at(0), nullptr);  // its newline was cut off with the rest: still open
  kernel(6, "next\n");
  ASSERT_NE(at(0), nullptr);
  EXPECT_EQ(at(0)->text, std::string(1023, 'a'));
  EXPECT_EQ(at(0)->info.flags & kLogNewline, 0);
}

TEST_F(KernelLogTest, ContinuationLines) {
  kernel(6, "Mem-Info:");
  log.store(0, kLoglevelDefault, " active_anon:0", true, 2 * kSec, 1000);
  log.store(0, kLoglevelDefault, " free:1\n", true, 3 * kSec, 1000);
  ASSERT_NE(at(0), nullptr);
  EXPECT_EQ(at(0)->text, "Mem-Info: active_anon:0 free:1");
  EXPECT_EQ(at(0)->info.ts_nsec, kSec);  // the first part's time
  EXPECT_EQ(at(0)->info.level, 6);
  // From another task (or after the line ended) a continuation is a record of its own,
  // flagged as a fragment, at the default level.
  kernel(6, "Node 0 DMA:");
  log.store(0, kLoglevelDefault, " 1*4kB\n", true, 4 * kSec, 2000);
  ASSERT_NE(at(2), nullptr);
  EXPECT_EQ(at(1)->text, "Node 0 DMA:");
  EXPECT_EQ(at(2)->text, " 1*4kB");
  EXPECT_EQ(at(2)->info.flags, kLogCont | kLogNewline);
  EXPECT_EQ(at(2)->info.level, kMessageLoglevelDefault);
  EXPECT_EQ(devkmsg_format(*at(2)), "4,2,4000000,c; 1*4kB\n");
}

TEST_F(KernelLogTest, ConsolePrintsLevelsBelowItsOwn) {
  kernel(6, "before the console\n");
  log.set_console([this](std::string_view s) { console.append(s); });
  EXPECT_EQ(console, "[    1.000000] before the console\n");  // replayed
  console.clear();
  kernel(7, "debug\n");
  kernel(0, "emergency\n", 2 * kSec);
  kernel(4, "two\nlines\n", 3 * kSec);
  EXPECT_EQ(console, "[    2.000000] emergency\n[    3.000000] two\n[    3.000000] lines\n");
  console.clear();
  kernel(6, "open");
  EXPECT_EQ(console, "");
  kernel(6, "closed\n");
  EXPECT_EQ(console, "[    1.000000] open\n[    1.000000] closed\n");
  console.clear();
  log.console_level(8);
  kernel(7, "debug shown\n");
  log.console_off();  // only KERN_EMERG now
  kernel(1, "alert hidden\n");
  kernel(0, "emerg shown\n");
  log.console_on();
  kernel(7, "debug shown again\n");
  EXPECT_EQ(console, "[    1.000000] debug shown\n[    1.000000] emerg shown\n[    1.000000] debug shown again\n");
  EXPECT_EQ(log.printk_sysctl(), "8\t4\t1\t7\n");
  log.console_level(-3);
  EXPECT_EQ(log.console_loglevel(), kConsoleLoglevelMin);
  log.set_console(nullptr);
  kernel(0, "nobody prints this\n");
}

TEST_F(KernelLogTest, SyslogReadConsumesAndContinuesACutRecord) {
  EXPECT_EQ(log.syslog_read(100, copy).error(), Errno::again);  // nothing yet: a reader sleeps
  kernel(6, "first\n");
  kernel(3, "second\n", 2 * kSec);
  const std::string first = "<6>[    1.000000] first\n";
  const std::string second = "<3>[    2.000000] second\n";
  EXPECT_EQ(log.syslog_size_unread(false), first.size() + second.size());
  EXPECT_EQ(log.syslog_size_unread(true), 2u);
  EXPECT_EQ(*log.syslog_read(10, copy), 10u);  // part of the first
  EXPECT_EQ(log.syslog_size_unread(false), first.size() + second.size() - 10);
  EXPECT_EQ(*log.syslog_read(first.size() + 5, copy), first.size() - 10);  // its rest; the second does not fit
  EXPECT_EQ(*log.syslog_read(100, copy), second.size());
  EXPECT_EQ(out, first + second);
  EXPECT_EQ(log.syslog_size_unread(false), 0u);
  EXPECT_EQ(log.syslog_read(100, copy).error(), Errno::again);
  // READ_ALL is not consumed by READ.
  out.clear();
  EXPECT_EQ(*log.syslog_read_all(1000, false, copy), first.size() + second.size());
  EXPECT_EQ(out, first + second);
}

TEST_F(KernelLogTest, SyslogReadAllGivesTheNewestThatFitAndClears) {
  kernel(6, "one\n");
  kernel(6, "two\n");
  kernel(6, "three\n");
  const std::size_t line = std::string("<6>[    1.000000] two\n").size();
  EXPECT_EQ(*log.syslog_read_all(2 * line + 2, false, copy), 2 * line + 2);
  EXPECT_EQ(out, "<6>[    1.000000] two\n<6>[    1.000000] three\n");
  out.clear();
  EXPECT_EQ(*log.syslog_read_all(5, true, copy), 0u);  // nothing fits; READ_CLEAR clears anyway
  EXPECT_EQ(log.clear_seq(), 3u);
  kernel(6, "four\n");
  EXPECT_EQ(*log.syslog_read_all(1000, false, copy), line + 1);
  EXPECT_EQ(out, "<6>[    1.000000] four\n");
  log.syslog_clear();
  EXPECT_EQ(log.clear_seq(), 4u);
  EXPECT_EQ(*log.syslog_read_all(1000, false, copy), 0u);  // nothing since
  // A fault fails the whole call.
  kernel(6, "five\n");
  EXPECT_EQ(log.syslog_read_all(1000, false, [](std::string_view) { return false; }).error(), Errno::fault);
}

TEST_F(KernelLogTest, SyslogReadFaultLosesTheRecord) {
  kernel(6, "lost\n");
  kernel(6, "kept\n");
  auto fault = [](std::string_view) { return false; };
  EXPECT_EQ(log.syslog_read(1000, fault).error(), Errno::fault);
  EXPECT_EQ(*log.syslog_read(1000, copy), std::string("<6>[    1.000000] kept\n").size());
}

}  // namespace
}  // namespace vmlab::kern
