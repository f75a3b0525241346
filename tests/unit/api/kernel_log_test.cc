// The kernel log through the C++ API: records and their text, the console with its
// level and replay, and /dev/kmsg written and read by a process (as root: the
// machine's user may not).
#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <string>

#include "api/machine_state.h"
#include "kernel/printk.h"
#include "vmlab/machine.h"
#include "vmlab/mman.h"

namespace vmlab {
namespace {

// The text with each "[    1.234567]" time shown as "[T]".
std::string masked(const std::string& text) {
  return std::regex_replace(text, std::regex(R"(\[ *[0-9]+\.[0-9]{6}\])"), "[T]");
}

TEST(KernelLogApi, RecordsTextAndConsole) {
  MachineConfig c;
  c.ram_bytes = 64 * MiB;
  c.console_loglevel = 4;
  Machine m(c);
  EXPECT_EQ(masked(m.kernel_log()), "");  // nothing invented at boot
  kern::Kernel& k = m.state().kernel;
  kern::printk(k, kern::LogLevel::err, "Out of memory: Killed process {} ({})\n", 1000, "a.out");
  kern::printk(k, kern::LogLevel::info, "Adding {}k swap on {}.  Priority:{} extents:{} across:{}k SS\n", 65532,
               "/swapfile", -2, 1, 65532);
  kern::printk(k, kern::LogLevel::warning, "Mem-Info:");
  const std::vector<LogRecord> before = m.kernel_log_records();
  ASSERT_EQ(before.size(), 2u);  // the open record is not read yet
  EXPECT_EQ(before[0].seq, 0u);
  EXPECT_EQ(before[0].level, 3);
  EXPECT_EQ(before[0].facility, 0);
  EXPECT_EQ(before[0].text, "Out of memory: Killed process 1000 (a.out)");
  EXPECT_EQ(before[1].text, "Adding 65532k swap on /swapfile.  Priority:-2 extents:1 across:65532k SS");
  kern::printk_cont(k, " active_anon:{}\n", 0);
  EXPECT_EQ(masked(m.kernel_log()),
            "[T] Out of memory: Killed process 1000 (a.out)\n"
            "[T] Adding 65532k swap on /swapfile.  Priority:-2 extents:1 across:65532k SS\n"
            "[T] Mem-Info: active_anon:0\n");
  // The console replays what is there, below its level (4 here), then follows.
  std::string console;
  m.set_console([&](std::string_view s) { console += s; });
  EXPECT_EQ(masked(console), "[T] Out of memory: Killed process 1000 (a.out)\n");
  kern::printk(k, kern::LogLevel::crit, "two\nlines\n");
  EXPECT_EQ(masked(console), "[T] Out of memory: Killed process 1000 (a.out)\n"
                             "[T] two\n[T] lines\n");
  m.set_console(nullptr);
}

TEST(KernelLogApi, DevKmsgFromAProcess) {
  MachineConfig c;
  c.ram_bytes = 64 * MiB;
  Machine m(c);
  Process p = m.spawn("writer");
  EXPECT_EQ(p.open("/dev/kmsg", kOWronly).error(), Errno::acces);
  m.state().kernel.find(p.pid())->tg->uid = 0;
  auto fd = p.open("/dev/kmsg", kORdwr);
  ASSERT_TRUE(fd.ok());
  auto buf = p.mmap(0, 4096, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0);
  ASSERT_TRUE(buf.ok());
  const char text[] = "<3>vmlab: an error\n";
  ASSERT_TRUE(p.write_bytes(*buf, {reinterpret_cast<const std::uint8_t*>(text), sizeof text - 1}).ok());
  EXPECT_EQ(*p.write(*fd, *buf, sizeof text - 1), sizeof text - 1);
  const std::vector<LogRecord> r = m.kernel_log_records();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].facility, 1);
  EXPECT_EQ(r[0].level, 3);
  EXPECT_EQ(r[0].text, "vmlab: an error");
  auto n = p.read(*fd, *buf, 4096);
  ASSERT_TRUE(n.ok());
  std::string got(*n, '\0');
  ASSERT_TRUE(p.read_bytes(*buf, {reinterpret_cast<std::uint8_t*>(got.data()), got.size()}).ok());
  EXPECT_EQ(got, "11,0," + std::to_string(r[0].time_ns / 1000) + ",-;vmlab: an error\n");
  EXPECT_EQ(p.read(*fd, *buf, 4096).error(), Errno::again);  // the API never sleeps
}

}  // namespace
}  // namespace vmlab
