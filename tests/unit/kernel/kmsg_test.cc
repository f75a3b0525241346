// syslog(2), /dev/kmsg and /proc/kmsg called as system calls, without the
// interpreter: permissions under dmesg_restrict, the record format read back with its
// exact time, the "<N>" prefix, the write rate limit over virtual time, a reader that
// sleeps until printk() stores a record, and /proc/sys/kernel/printk.
#include "unit/kernel/syscall_fixture.h"

#include <array>

#include "kernel/kernel_log.h"
#include "kernel/printk.h"
#include "kernel/sched.h"

namespace vmlab::kern::test {
namespace {

enum : std::uint64_t {
  kOpenat = 56, kClose = 57, kLseek = 62, kRead = 63, kWrite = 64, kWritev = 66, kSyslog = 116
};
constexpr std::uint64_t kAtFdcwd = static_cast<std::uint64_t>(-100);
constexpr int kONonblock = 04000;

class KmsgTest : public SyscallTest {
 protected:
  std::int64_t open(const std::string& path, int flags) { return sys(kOpenat, kAtFdcwd, put_str(0, path), flags); }
  std::int64_t write(std::int64_t fd, const std::string& text) {
    return sys(kWrite, static_cast<std::uint64_t>(fd), put_str(512, text), text.size());
  }
  // One read into the scratch buffer; the bytes read, or "E<errno>".
  std::string read(std::int64_t fd, std::uint64_t len = 4096) {
    const std::int64_t n = sys(kRead, static_cast<std::uint64_t>(fd), buf + 8192, len);
    if (n < 0) return "E" + std::to_string(-n);
    return get_bytes(buf + 8192, static_cast<std::size_t>(n));
  }
  std::string err_text(Errno e) { return "E" + std::to_string(errno_value(e)); }
  const PrintkRecord* at(std::uint64_t seq) { return k().log().ring().read_valid(seq); }
};

TEST_F(KmsgTest, DmesgRestrictNeedsRootForEverySyslogAction) {
  for (int type = -1; type <= 11; ++type) {
    EXPECT_EQ(sys(kSyslog, static_cast<std::uint64_t>(type), buf, 64), e(Errno::perm)) << type;
  }
  EXPECT_EQ(open("/dev/kmsg", 0), e(Errno::perm));          // reading needs what READ_ALL needs
  EXPECT_EQ(open("/dev/kmsg", 1), e(Errno::acces));         // crw-r--r-- root
  EXPECT_EQ(open("/proc/kmsg", 0), e(Errno::acces));        // -r-------- root
  // kernel.dmesg_restrict = 0: reading the whole log and its size are open to all.
  machine().config.dmesg_restrict = 0;
  EXPECT_EQ(sys(kSyslog, 10), 131072);
  EXPECT_EQ(sys(kSyslog, 3, buf, 64), 0);
  EXPECT_EQ(sys(kSyslog, 2, buf, 64), e(Errno::perm));
  EXPECT_EQ(sys(kSyslog, 99), e(Errno::perm));
  EXPECT_GE(open("/dev/kmsg", 0), 0);
  machine().config.dmesg_restrict = 1;
  p->tg->uid = 0;
  EXPECT_EQ(sys(kSyslog, 10), 131072);
  EXPECT_EQ(sys(kSyslog, 99), e(Errno::inval));
  EXPECT_EQ(sys(kSyslog, 8, 0, 9), e(Errno::inval));
  EXPECT_EQ(sys(kSyslog, 2, 0, 10), e(Errno::inval));
  EXPECT_EQ(sys(kSyslog, 3, 0x4000000000ULL - 10, 100), e(Errno::fault));  // past TASK_SIZE
  p->tg->uid = 1000;
}

TEST_F(KmsgTest, WrittenRecordsReadBackInDevKmsgFormat) {
  p->tg->uid = 0;
  const std::int64_t fd = open("/dev/kmsg", 2 | kONonblock);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(read(fd), err_text(Errno::again));
  EXPECT_EQ(write(fd, "<6>hello\n"), 9);
  EXPECT_EQ(write(fd, "<5000>big facility\n"), 19);  // 5000 >> 3 = 625, kept in 8 bits
  EXPECT_EQ(write(fd, "plain\n"), 6);
  ASSERT_NE(at(2), nullptr);
  EXPECT_EQ(at(0)->info.facility, 1);
  EXPECT_EQ(at(1)->info.facility, 625 & 0xff);
  EXPECT_EQ(at(1)->info.level, 0);
  const std::string usec = std::to_string(at(0)->info.ts_nsec / 1000);
  EXPECT_EQ(read(fd), "14,0," + usec + ",-;hello\n");
  EXPECT_EQ(read(fd).substr(0, 6), "904,1,");  // (113 << 3) | 0
  EXPECT_EQ(read(fd, 5), err_text(Errno::inval));  // too small: and the record is gone
  EXPECT_EQ(read(fd), err_text(Errno::again));
  EXPECT_EQ(sys(kLseek, static_cast<std::uint64_t>(fd), 0, 0), 0);
  EXPECT_EQ(read(fd).substr(0, 5), "14,0,");
  EXPECT_EQ(sys(kLseek, static_cast<std::uint64_t>(fd), 1, 0), e(Errno::spipe));
  EXPECT_EQ(sys(kLseek, static_cast<std::uint64_t>(fd), 0, 1), e(Errno::inval));
  EXPECT_EQ(write(fd, std::string(1025, 'x')), e(Errno::inval));
  p->tg->uid = 1000;
}

TEST_F(KmsgTest, AnEmptyWriteIsAnOpenRecordAnEmptyWritevNothing) {
  p->tg->uid = 0;
  const std::int64_t fd = open("/dev/kmsg", 2 | kONonblock);
  ASSERT_GE(fd, 0);
  const VirtAddr iov = put(1024, std::array<std::uint64_t, 2>{buf + 512, 0});
  EXPECT_EQ(sys(kWritev, static_cast<std::uint64_t>(fd), iov, 1), 0);  // vfs_writev(): nothing to do
  EXPECT_EQ(sys(kWrite, static_cast<std::uint64_t>(fd), buf + 512, 0), 0);  // devkmsg_write() of ""
  EXPECT_EQ(read(fd), err_text(Errno::again));  // open: no newline
  EXPECT_EQ(write(fd, "<6>next\n"), 8);
  ASSERT_NE(at(0), nullptr);
  EXPECT_EQ(at(0)->text, "");
  EXPECT_EQ(at(0)->info.flags, 0);
  EXPECT_EQ(read(fd).substr(0, 5), "12,0,");
  EXPECT_EQ(k().log().ring().next_seq(), 2u);
  p->tg->uid = 1000;
}

TEST_F(KmsgTest, WritesBeyondTenInFiveSecondsAreDroppedAndCountedAtClose) {
  const std::int64_t fd = open("/dev/kmsg", 1);
  p->tg->uid = 0;
  const std::int64_t w = open("/dev/kmsg", 1);
  ASSERT_GE(w, 0);
  EXPECT_EQ(fd, e(Errno::acces));  // the user may not write at all
  for (int i = 0; i < 12; ++i) EXPECT_EQ(write(w, "m\n"), 2);
  EXPECT_EQ(k().log().ring().next_seq(), 10u);
  // A new interval starts once five seconds (1250 jiffies of 4 ms) have passed.
  auto& clock = k().sys().clock();
  clock.advance_to(0, clock.now() + 5 * 1000000000ULL);
  EXPECT_EQ(write(w, "m\n"), 2);
  EXPECT_EQ(k().log().ring().next_seq(), 10u);  // the same jiffy as the end of the interval: not past it
  clock.advance_to(0, clock.now() + 4000000);
  EXPECT_EQ(write(w, "m\n"), 2);
  EXPECT_EQ(k().log().ring().next_seq(), 11u);
  EXPECT_EQ(sys(kClose, static_cast<std::uint64_t>(w)), 0);
  ASSERT_NE(at(11), nullptr);
  EXPECT_EQ(at(11)->text, "printk: test: 3 output lines suppressed due to ratelimiting");
  EXPECT_EQ(at(11)->info.level, 4);
  EXPECT_EQ(at(11)->info.facility, 0);
  p->tg->uid = 1000;
}

TEST_F(KmsgTest, ReadersSleepUntilPrintkStoresARecord) {
  p->tg->uid = 0;
  const std::int64_t fd = open("/dev/kmsg", 0);
  ASSERT_GE(fd, 0);
  sys(kRead, static_cast<std::uint64_t>(fd), buf, 4096);  // a0 is left as it was
  EXPECT_EQ(outcome, SysOutcome::blocked);
  EXPECT_EQ(p->wait.kind, WaitKind::log);
  EXPECT_FALSE(wait_is_over(k(), *p));
  printk(k(), LogLevel::err, "Out of memory: Killed process {} ({}) total-vm:{}kB\n", 1000, "a.out", 4096);
  EXPECT_TRUE(wait_is_over(k(), *p));
  p->wait = WaitState{};
  const std::string usec = std::to_string(at(0)->info.ts_nsec / 1000);
  EXPECT_EQ(read(fd), "3,0," + usec + ",-;Out of memory: Killed process 1000 (a.out) total-vm:4096kB\n");
  // syslog's READ sleeps the same way, then gives the record with its prefix.
  EXPECT_EQ(sys(kSyslog, 2, buf, 4096), static_cast<std::int64_t>(std::string("<3>[    0.000000] ").size() + 59));
  sys(kSyslog, 2, buf, 4096);
  EXPECT_EQ(outcome, SysOutcome::blocked);
  EXPECT_EQ(p->wait.log_seq, 1u);
  p->wait = WaitState{};
  p->tg->uid = 1000;
}

TEST_F(KmsgTest, ProcSysKernelPrintkFollowsTheConsoleLevel) {
  EXPECT_EQ(*k().proc_text("/proc/sys/kernel/printk", nullptr), "7\t4\t1\t7\n");
  EXPECT_EQ(*k().proc_text("/proc/sys/kernel/dmesg_restrict", nullptr), "1\n");
  EXPECT_EQ(*k().proc_text("/proc/sys/kernel/printk_devkmsg", nullptr), "ratelimit\n");
  p->tg->uid = 0;
  EXPECT_EQ(sys(kSyslog, 6), 0);  // CONSOLE_OFF
  EXPECT_EQ(*k().proc_text("/proc/sys/kernel/printk", nullptr), "1\t4\t1\t7\n");
  EXPECT_EQ(sys(kSyslog, 8, 0, 3), 0);
  EXPECT_EQ(*k().proc_text("/proc/sys/kernel/printk", nullptr), "3\t4\t1\t7\n");
  p->tg->uid = 1000;
}

}  // namespace
}  // namespace vmlab::kern::test
