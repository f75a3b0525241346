// MachineConfig: defaults, the shipped configs, every error message, sizes, overrides
// and the to_toml() round trip.
#include "vmlab/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vmlab {
namespace {

const std::string kConfigs = std::string(VMLAB_SOURCE_DIR) + "/configs/";

// The message of the ConfigError `f` throws.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string toml_error(const std::string& text) {
  MachineConfig c;
  return error_of([&] { c.apply_toml(text, "configs/x.toml"); });
}

std::string override_error(const std::string& assignment) {
  MachineConfig c;
  return error_of([&] { c.apply_override(assignment); });
}

MachineConfig with_toml(const std::string& text) {
  MachineConfig c;
  c.apply_toml(text, "test.toml");
  return c;
}

MachineConfig with_override(const std::string& assignment) {
  MachineConfig c;
  c.apply_override(assignment);
  return c;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Config, DefaultsAreLinuxDefaults) {
  const MachineConfig c;
  EXPECT_EQ(c.ram_bytes, 2 * GiB);
  EXPECT_EQ(c.ram_pages(), 524288u);
  EXPECT_TRUE(c.contents);
  EXPECT_EQ(c.swap_bytes, 0u);
  EXPECT_EQ(c.cpus, 1u);
  EXPECT_EQ(c.l2_tlb.entries, 1536u);
  EXPECT_EQ(c.overcommit_memory, 0);
  EXPECT_EQ(c.overcommit_ratio, 50);
  EXPECT_EQ(c.max_map_count, 65530u);
  EXPECT_EQ(c.swappiness, 60);
  EXPECT_EQ(c.page_cluster, 3);
  EXPECT_EQ(c.fault_around_bytes, 65536u);
  EXPECT_EQ(c.stack_rlimit, 8 * MiB);
  EXPECT_EQ(c.data_rlimit, ~0ULL);
  EXPECT_EQ(c.layout, Layout::x86_64);
  EXPECT_NO_THROW(c.validate());
}

TEST(Config, DefaultTomlHoldsEveryKeyAtItsDefault) {
  const MachineConfig loaded = MachineConfig::from_file(kConfigs + "default.toml");
  EXPECT_EQ(loaded.to_toml(), MachineConfig{}.to_toml());

  // Every line to_toml() writes appears verbatim, so no key is missing from the file.
  std::ifstream file(kConfigs + "default.toml");
  std::stringstream text;
  text << file.rdbuf();
  std::istringstream lines(MachineConfig{}.to_toml());
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) {
      EXPECT_NE(text.str().find("\n" + line + "\n"), std::string::npos) << line;
    }
  }
}

TEST(Config, SmallToml) {
  const MachineConfig small = MachineConfig::from_file(kConfigs + "small.toml");
  EXPECT_EQ(small.ram_bytes, 64 * MiB);
  EXPECT_EQ(small.overcommit_memory, 2);
  MachineConfig expected;
  expected.ram_bytes = 64 * MiB;
  expected.overcommit_memory = 2;
  EXPECT_EQ(small.to_toml(), expected.to_toml());
}

TEST(Config, FileErrors) {
  EXPECT_EQ(error_of([] { MachineConfig::from_file("/nonexistent/x.toml"); }),
            "/nonexistent/x.toml: cannot read: No such file or directory");
  const std::string dir = testing::TempDir();
  EXPECT_EQ(error_of([&] { MachineConfig::from_file(dir); }), dir + ": cannot read: Is a directory");

  // validate() runs after loading, and its message names the file.
  const std::string path = write_temp("tlb.toml", "[cpu.l1d_tlb]\nentries = 96\n");
  EXPECT_EQ(error_of([&] { MachineConfig::from_file(path); }),
            path + ": cpu.l1d_tlb: entries / ways must be a power of two (got 96 / 4 = 24 sets)");
  const std::string bad = write_temp("bad.toml", "[vm]\novercommit_memory = 7\n");
  EXPECT_EQ(error_of([&] { MachineConfig::from_file(bad); }),
            bad + ": vm.overcommit_memory: must be 0, 1 or 2 (got 7)");
}

TEST(Config, SyntaxErrorNamesLineAndColumn) {
  EXPECT_EQ(toml_error("[memory]\nram = \n"),
            "configs/x.toml:2:7: Error while parsing key-value pair: expected value, saw '\\n'");
  EXPECT_EQ(toml_error("[vm]\nswappiness = 1\nswappiness = 2\n"),
            "configs/x.toml:3:14: Error while parsing key-value pair: cannot redefine existing "
            "integer 'swappiness'");
}

TEST(Config, UnknownTablesAndKeys) {
  EXPECT_EQ(toml_error("[foo]\nbar = 1\n"), "configs/x.toml: unknown table foo");
  EXPECT_EQ(toml_error("[vm]\nfoo = 1\n"), "configs/x.toml: unknown key vm.foo");
  EXPECT_EQ(toml_error("ram = 1\n"), "configs/x.toml: unknown key ram");
  EXPECT_EQ(toml_error("[cpu.l3_tlb]\nentries = 1\n"), "configs/x.toml: unknown table cpu.l3_tlb");
  EXPECT_EQ(toml_error("[vm]\n\"page.cluster\" = 1\n"), "configs/x.toml: unknown key vm.page.cluster");
  EXPECT_EQ(toml_error("[vm]\n\"a\\nb\" = 1\n"), "configs/x.toml: unknown key vm.a\\nb");
}

TEST(Config, WrongTypes) {
  EXPECT_EQ(toml_error("cpu = 1\n"), "configs/x.toml: cpu: must be a table (got 1)");
  EXPECT_EQ(toml_error("[[memory]]\n"), "configs/x.toml: memory: must be a table (got an array)");
  EXPECT_EQ(toml_error("[memory.ram]\n"),
            "configs/x.toml: memory.ram: must be bytes or a size such as \"512M\" (got a table)");
  EXPECT_EQ(toml_error("[vm]\nzero_page = 1\n"),
            "configs/x.toml: vm.zero_page: must be true or false (got 1)");
  EXPECT_EQ(toml_error("[cpu]\ncount = \"2\"\n"),
            "configs/x.toml: cpu.count: must be an integer (got \"2\")");
  EXPECT_EQ(toml_error("[vm]\nswappiness = 1.5\n"),
            "configs/x.toml: vm.swappiness: must be an integer (got 1.5)");
  EXPECT_EQ(toml_error("[vm]\nswappiness = 1000.0\n"),
            "configs/x.toml: vm.swappiness: must be an integer (got 1000.0)");
  EXPECT_EQ(toml_error("[cost]\ntlb_walk = 1979-05-27\n"),
            "configs/x.toml: cost.tlb_walk: must be an integer (got a date or time)");
  EXPECT_EQ(toml_error("[layout]\narch = \"arm64\"\n"),
            "configs/x.toml: layout.arch: must be \"x86_64\" or \"riscv64\" (got \"arm64\")");
  EXPECT_EQ(toml_error("[memory]\nram = \"unlimited\"\n"),
            "configs/x.toml: memory.ram: must be bytes or a size such as \"512M\" (got \"unlimited\")");
  EXPECT_EQ(toml_error("[process]\nstack_rlimit = true\n"),
            "configs/x.toml: process.stack_rlimit: must be bytes, a size such as \"512M\", or "
            "\"unlimited\" (got true)");
}

TEST(Config, OutOfRangeValues) {
  EXPECT_EQ(toml_error("[vm]\novercommit_memory = 7\n"),
            "configs/x.toml: vm.overcommit_memory: must be 0, 1 or 2 (got 7)");
  EXPECT_EQ(toml_error("[vm]\novercommit_memory = -1\n"),
            "configs/x.toml: vm.overcommit_memory: must be 0, 1 or 2 (got -1)");
  EXPECT_EQ(toml_error("[cpu]\ncount = 0\n"), "configs/x.toml: cpu.count: must be at least 1 (got 0)");
  EXPECT_EQ(toml_error("[cpu]\ncount = 65\n"), "configs/x.toml: cpu.count: must be at most 64 (got 65)");
  EXPECT_EQ(toml_error("[memory]\nram = \"8M\"\n"),
            "configs/x.toml: memory.ram: must be at least 16M (got 8M)");
  EXPECT_EQ(toml_error("[memory]\nram = \"2T\"\n"),
            "configs/x.toml: memory.ram: must be at most 1T (got 2T)");
  EXPECT_EQ(toml_error("[memory]\nram = 16777217\n"),
            "configs/x.toml: memory.ram: must be a multiple of 4 KiB (got 16777217)");
  EXPECT_EQ(toml_error("[memory]\nswap = -4096\n"),
            "configs/x.toml: memory.swap: must not be negative (got -4096)");
  EXPECT_EQ(toml_error("[memory]\nswap = 1000\n"),
            "configs/x.toml: memory.swap: must be a multiple of 4 KiB (got 1000)");
  EXPECT_EQ(toml_error("[cpu.l1d_tlb]\nways = 0\n"),
            "configs/x.toml: cpu.l1d_tlb.ways: must be at least 1 (got 0)");
  EXPECT_EQ(toml_error("[cpu.l2_tlb]\nentries = 5000000000\n"),
            "configs/x.toml: cpu.l2_tlb.entries: must be at most 4294967295 (got 5000000000)");
  EXPECT_EQ(toml_error("[vm]\novercommit_ratio = -1\n"),
            "configs/x.toml: vm.overcommit_ratio: must not be negative (got -1)");
  EXPECT_EQ(toml_error("[vm]\nadmin_reserve_kbytes = -2\n"),
            "configs/x.toml: vm.admin_reserve_kbytes: must be at least -1 (got -2)");
  EXPECT_EQ(toml_error("[vm]\nmmap_min_addr = 100\n"),
            "configs/x.toml: vm.mmap_min_addr: must be a multiple of 4 KiB (got 100)");
  EXPECT_EQ(toml_error("[vm]\nswappiness = 201\n"),
            "configs/x.toml: vm.swappiness: must be at most 200 (got 201)");
  EXPECT_EQ(toml_error("[vm]\nwatermark_scale_factor = 0\n"),
            "configs/x.toml: vm.watermark_scale_factor: must be at least 1 (got 0)");
  EXPECT_EQ(toml_error("[vm]\npage-cluster = 32\n"),
            "configs/x.toml: vm.page-cluster: must be at most 31 (got 32)");
  EXPECT_EQ(toml_error("[vm]\nfault_around_bytes = 3145728\n"),
            "configs/x.toml: vm.fault_around_bytes: must be at most 2097152 (got 3145728)");
  EXPECT_EQ(toml_error("[process]\nstack_rlimit = \"64K\"\n"),
            "configs/x.toml: process.stack_rlimit: must be at least 128K (got 64K)");
  EXPECT_EQ(toml_error("[cost]\ndisk_read = -5\n"),
            "configs/x.toml: cost.disk_read: must not be negative (got -5)");
  // Inclusive bounds.
  EXPECT_EQ(with_toml("[cpu]\ncount = 64\n[vm]\nswappiness = 200\npage-cluster = 31\n").cpus, 64u);
  EXPECT_EQ(with_toml("[memory]\nram = \"1T\"\n").ram_bytes, 1024 * GiB);
  EXPECT_EQ(with_toml("[memory]\nram = \"16M\"\n").ram_bytes, 16 * MiB);
}

TEST(Config, FailedApplyLeavesConfigUnchanged) {
  MachineConfig c;
  // Keys are applied in name order: swappiness is set before zero_page fails.
  EXPECT_THROW(c.apply_toml("[vm]\nswappiness = 10\nzero_page = 3\n", "x.toml"), ConfigError);
  EXPECT_EQ(c.swappiness, 60);
  EXPECT_EQ(c.to_toml(), MachineConfig{}.to_toml());
}

TEST(Config, FaultAroundBytesRoundsDownAsLinux) {
  EXPECT_EQ(with_toml("[vm]\nfault_around_bytes = 100000\n").fault_around_bytes, 65536u);
  EXPECT_EQ(with_toml("[vm]\nfault_around_bytes = 0\n").fault_around_bytes, 4096u);
  EXPECT_EQ(with_toml("[vm]\nfault_around_bytes = 4096\n").fault_around_bytes, 4096u);
  EXPECT_EQ(with_toml("[vm]\nfault_around_bytes = 2097152\n").fault_around_bytes, 2 * MiB);
  MachineConfig c;
  c.fault_around_bytes = 12288;  // set from C++, bypassing the rounding
  EXPECT_EQ(error_of([&] { c.validate(); }),
            "vm.fault_around_bytes: must be a power of two multiple of 4 KiB (got 12288)");
}

TEST(Config, TlbGeometryIsValidated) {
  MachineConfig c = with_toml("[cpu.l1d_tlb]\nentries = 96\nways = 5\n");
  EXPECT_EQ(error_of([&] { c.validate(); }),
            "cpu.l1d_tlb: entries must be a multiple of ways (got 96 entries, 5 ways)");
  c = with_toml("[cpu.l2_tlb]\nentries = 1536\nways = 4\n");
  EXPECT_EQ(error_of([&] { c.validate(); }),
            "cpu.l2_tlb: entries / ways must be a power of two (got 1536 / 4 = 384 sets)");
  c = with_toml("[cpu.l1i_tlb]\nentries = 96\nways = 6\n");
  EXPECT_NO_THROW(c.validate());
  c = MachineConfig{};
  c.cpus = 0;
  EXPECT_EQ(error_of([&] { c.validate(); }), "cpu.count: must be at least 1 (got 0)");
}

TEST(Config, SizeSuffixes) {
  struct Case {
    const char* text;
    std::uint64_t bytes;
  };
  for (const Case& t : std::vector<Case>{{"\"2G\"", 2 * GiB},
                                         {"\"512M\"", 512 * MiB},
                                         {"\"64K\"", 64 * KiB},
                                         {"\"2GiB\"", 2 * GiB},
                                         {"\"512MiB\"", 512 * MiB},
                                         {"\"64KB\"", 64 * KiB},
                                         {"\"1T\"", 1024 * GiB},
                                         {"\"512m\"", 512 * MiB},
                                         {"\"4096\"", 4096},
                                         {"\"8192B\"", 8192},
                                         {"1048576", 1 * MiB},
                                         {"0", 0}})
    EXPECT_EQ(with_toml(std::string("[memory]\nswap = ") + t.text + "\n").swap_bytes, t.bytes) << t.text;

  for (const char* bad : {"2X", "G", "", "2 G", "2GiBB", "-1G", "1.5G", "2iB", "99999999999T"})
    EXPECT_EQ(toml_error(std::string("[memory]\nswap = \"") + bad + "\"\n"),
              std::string("configs/x.toml: memory.swap: must be bytes or a size such as \"512M\" (got \"") +
                  bad + "\")")
        << bad;

  const MachineConfig c = with_toml("[process]\nstack_rlimit = \"unlimited\"\ndata_rlimit = \"1G\"\n");
  EXPECT_EQ(c.stack_rlimit, ~0ULL);
  EXPECT_EQ(c.data_rlimit, 1 * GiB);
}

TEST(Config, Overrides) {
  EXPECT_FALSE(with_override("vm.zero_page=false").zero_page);
  EXPECT_EQ(with_override("memory.ram=\"512M\"").ram_bytes, 512 * MiB);
  EXPECT_EQ(with_override("memory.ram=512M").ram_bytes, 512 * MiB);
  EXPECT_EQ(with_override("memory.ram=33554432").ram_bytes, 32 * MiB);
  EXPECT_EQ(with_override("layout.arch=riscv64").layout, Layout::riscv64);
  EXPECT_EQ(with_override("layout.arch=\"riscv64\"").layout, Layout::riscv64);
  EXPECT_EQ(with_override("vm.mmap_min_addr=0x10000").mmap_min_addr, 65536u);
  EXPECT_EQ(with_override(" vm.swappiness = 10 ").swappiness, 10);
  EXPECT_EQ(with_override("vm.page-cluster=0").page_cluster, 0);
  EXPECT_EQ(with_override("cpu.l2_tlb.entries=2048").l2_tlb.entries, 2048u);
  EXPECT_EQ(with_override("process.stack_rlimit=unlimited").stack_rlimit, ~0ULL);
  EXPECT_EQ(with_override("vm.admin_reserve_kbytes=-1").admin_reserve_kbytes, -1);

  MachineConfig c;
  c.apply_override("vm.overcommit_memory=2");
  c.apply_override("vm.overcommit_ratio=80");
  EXPECT_EQ(c.overcommit_memory, 2);
  EXPECT_EQ(c.overcommit_ratio, 80);
}

TEST(Config, OverrideErrors) {
  EXPECT_EQ(override_error("foo.bar=1"), "--set foo.bar=1: unknown key foo.bar");
  EXPECT_EQ(override_error("cpu=1"), "--set cpu=1: unknown key cpu");
  EXPECT_EQ(override_error("vm.swappiness"), "--set vm.swappiness: expected key=value");
  EXPECT_EQ(override_error("vm.overcommit_memory=7"),
            "--set vm.overcommit_memory=7: vm.overcommit_memory: must be 0, 1 or 2 (got 7)");
  EXPECT_EQ(override_error("vm.zero_page=yes"),
            "--set vm.zero_page=yes: vm.zero_page: must be true or false (got \"yes\")");
  EXPECT_EQ(override_error("vm.swappiness="),
            "--set vm.swappiness=: vm.swappiness: must be an integer (got \"\")");
  EXPECT_EQ(override_error("memory.ram=lots"),
            "--set memory.ram=lots: memory.ram: must be bytes or a size such as \"512M\" (got \"lots\")");
  // A value is one TOML value: a second line is not read as another key.
  EXPECT_EQ(override_error("cpu.count=2\nvm.swappiness=0"),
            "--set cpu.count=2\\nvm.swappiness=0: cpu.count: must be an integer (got "
            "\"2\\nvm.swappiness=0\")");
}

TEST(Config, RoundTrip) {
  MachineConfig c;
  c.ram_bytes = 3 * GiB + 4096;
  c.contents = false;
  c.swap_bytes = 512 * MiB;
  c.cpus = 4;
  c.l1d_tlb = {32, 8};
  c.l2_tlb = {2048, 16};
  c.overcommit_memory = 2;
  c.overcommit_ratio = 75;
  c.overcommit_kbytes = 12345;
  c.admin_reserve_kbytes = 8192;
  c.min_free_kbytes = 1024;
  c.mmap_min_addr = 65536;
  c.page_cluster = 0;
  c.zero_page = false;
  c.fault_around_bytes = 4096;
  c.stack_rlimit = ~0ULL;
  c.data_rlimit = 100 * MiB;
  c.layout = Layout::riscv64;
  c.aslr = true;
  c.seed = 42;
  c.cost_disk_write_ns = 7;
  ASSERT_NO_THROW(c.validate());

  const std::string text = c.to_toml();
  MachineConfig back;
  back.apply_toml(text, "round-trip");
  EXPECT_EQ(back.to_toml(), text);
  EXPECT_EQ(back.ram_bytes, c.ram_bytes);
  EXPECT_EQ(back.stack_rlimit, ~0ULL);
  EXPECT_EQ(back.layout, Layout::riscv64);
  EXPECT_EQ(back.l2_tlb.ways, 16u);
  EXPECT_FALSE(back.zero_page);

  EXPECT_NE(text.find("[memory]\nram = \"3145732K\"\ncontents = false\nswap = \"512M\"\n"),
            std::string::npos) << text;
  EXPECT_NE(text.find("[cpu.l2_tlb]\nentries = 2048\nways = 16\n"), std::string::npos) << text;
  EXPECT_NE(text.find("stack_rlimit = \"unlimited\"\ndata_rlimit = \"100M\"\n"), std::string::npos);
  EXPECT_NE(text.find("page-cluster = 0\n"), std::string::npos);
}

}  // namespace
}  // namespace vmlab
