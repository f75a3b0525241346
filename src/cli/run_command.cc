#include "cli/run_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "api/machine_state.h"
#include "cli/run_report.h"
#include "guest/runtime.h"
#include "kernel/elf_image.h"
#include "vmlab/machine.h"
#include "vmlab/mount.h"

namespace vmlab::cli {

namespace {

namespace fsys = std::filesystem;

constexpr int kUsageError = 2;
constexpr int kRunError = 1;
constexpr const char* kHome = "/home/user";
constexpr std::uint64_t kRiscvTaskSize = 0x4000000000ULL;  // Sv39 TASK_SIZE

int fail(const std::string& message, int status) {
  std::string line = message;
  for (char& c : line)
    if (c == '\n' || c == '\r') c = ' ';
  std::cerr << "vmlab: " << line << '\n';
  return status;
}

// Guest directories the program's own directory must not cover.
bool reserved_guest_path(const std::string& p) {
  for (const char* r : {"/", "/bin", "/lib", "/usr", "/usr/lib", "/dev", "/proc", "/tmp", "/home", kHome, "/run"}) {
    if (p == r) return true;
  }
  return p.starts_with("/dev/") || p.starts_with("/proc/") || p.starts_with("/lib/") || p.starts_with("/usr/lib/") ||
         p.starts_with("/bin/");
}

}  // namespace

std::string guest_dir() {
  if (const char* env = std::getenv("VMLAB_GUEST_DIR"); env != nullptr && *env) return env;
#ifdef VMLAB_BUILD_GUEST_DIR
  if (fsys::is_directory(VMLAB_BUILD_GUEST_DIR)) return VMLAB_BUILD_GUEST_DIR;
#endif
  std::error_code ec;
  const fsys::path exe = fsys::read_symlink("/proc/self/exe", ec);
  if (!ec) return (exe.parent_path() / ".." / ".." / "guest").lexically_normal().string();
  return "guest";
}

int run_args_start(int argc, char** argv) {
  // Options of vmlab and of `run` that take a value as the next argument.
  auto takes_value = [](std::string_view a) {
    for (std::string_view o : {"--config", "--set", "--mount", "--sample", "--report", "--quantum",
                               "--max-instructions"}) {
      if (a == o) return true;
    }
    return false;
  };
  bool in_run = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--") return in_run && i + 1 < argc ? i + 2 : argc;
    if (a.starts_with("-")) {
      if (takes_value(a)) ++i;
      continue;
    }
    if (!in_run) {
      if (a != "run") return argc;  // another command
      in_run = true;
      continue;
    }
    return i + 1;  // PROGRAM
  }
  return argc;
}

CLI::App* add_run_command(CLI::App& app, RunOptions& o) {
  CLI::App* run = app.add_subcommand("run", "Run a riscv64 Linux program on the simulated machine");
  run->add_option("--mount", o.mounts, "Show a host directory to the guest (read-only unless :rw)")
      ->option_text("HOST:GUEST[:rw]")
      ->expected(1)
      ->allow_extra_args(false)  // one value per occurrence: NAME or PROGRAM may follow
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  run->add_option("--sample", o.sample, "Print sar -r lines on stderr every INTERVAL of virtual time (1s, 100ms)")
      ->option_text("INTERVAL");
  run->add_option("--report", o.report, "Write every counter of the run as JSON to FILE")->option_text("FILE");
  run->add_option("--quantum", o.quantum, "Instructions per time slice (default 10000)")->option_text("N");
  run->add_option("--max-instructions", o.max_instructions, "Stop after N instructions in all (0: no limit)")
      ->option_text("N");
  run->add_option("PROGRAM", o.program, "A riscv64 ELF program on the host")->required();
  run->footer(
      "The guest sees /lib and /usr/lib (the riscv64 sysroot), /bin (vmlab's userland), /dev,\n"
      "/proc, /tmp, PROGRAM's directory read-only at its own path, and each --mount. It runs in\n"
      "/home/user with the host's stdin, stdout and stderr. vmlab exits with the program's\n"
      "status (128+N when killed by signal N) after a summary on stderr.");
  return run;
}

int run_command(MachineConfig config, const RunOptions& o) {
  config.layout = Layout::riscv64;
  // The program: a riscv64 ELF file execve would accept.
  std::error_code ec;
  const fsys::path host_prog = fsys::weakly_canonical(fsys::absolute(o.program, ec), ec);
  std::ifstream in(host_prog, std::ios::binary);
  if (!in || fsys::is_directory(host_prog)) return fail(o.program + ": cannot read: " + std::strerror(errno), kUsageError);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (auto elf = kern::parse_elf(bytes, kern::kEmRiscv, kRiscvTaskSize); !elf) {
    return fail(fmt::format("{}: not a riscv64 program vmlab can run: {}", o.program, elf.error().message),
                kUsageError);
  }
  std::uint64_t interval = 0;
  if (!o.sample.empty() && (interval = parse_interval_ns(o.sample)) == 0) {
    return fail(fmt::format("--sample '{}': expected an interval such as 1s or 100ms", o.sample), kUsageError);
  }

  // What the guest sees: sysroot, userland, the program's directory, --mounts.
  std::vector<MountSpec> mounts = sysroot_mounts();
  const fsys::path bin = fsys::path(guest_dir()) / "bin";
  if (fsys::is_directory(bin)) mounts.push_back({bin.string(), "/bin", false});
  const std::string host_dir = host_prog.parent_path().string();
  const std::string guest_prog_dir = reserved_guest_path(host_dir) ? "/run/prog" : host_dir;
  mounts.push_back({host_dir, guest_prog_dir, false});
  for (const std::string& m : o.mounts) {
    auto spec = parse_mount_spec(m);
    if (!spec) return fail(spec.error(), kUsageError);
    mounts.push_back(*spec);
  }
  config.mounts = std::move(mounts);
  config.validate();
  const std::string guest_prog = (fsys::path(guest_prog_dir) / host_prog.filename()).string();

  Machine machine(config);  // mounts the host directories; a bad one is a ConfigError
  kern::Kernel& kernel = machine.state().kernel;
  (void)kernel.rootfs().mkdir("/home", 0755);
  (void)kernel.rootfs().mkdir(kHome, 0755);

  guest::Runtime rt(kernel, guest::RuntimeOptions{o.quantum, o.max_instructions});
  std::vector<std::string> argv{guest_prog};
  argv.insert(argv.end(), o.args.begin(), o.args.end());
  const std::vector<std::string> envp{"PATH=/bin:/usr/bin", std::string("HOME=") + kHome,
                                      std::string("PWD=") + kHome, "USER=user", "LOGNAME=user"};
  auto started = rt.start(guest_prog, argv, envp, kHome,
                          {kernel.host_stream(STDIN_FILENO, false), kernel.host_stream(STDOUT_FILENO, true),
                           kernel.host_stream(STDERR_FILENO, true)});
  if (!started) {
    return fail(fmt::format("{}: execve failed: {}", o.program, errno_name(started.error())), kUsageError);
  }

  std::unique_ptr<Sampler> sampler;
  if (interval != 0) {
    sampler = std::make_unique<Sampler>(machine.state().sys, interval);
    std::cerr << sampler->header(config.cpus);
    rt.on_time([&](std::uint64_t now) { std::cerr << sampler->advance(now); });
  }
  const guest::RunResult res = rt.run();
  if (sampler) std::cerr << sampler->average();

  const RunStats stats = collect_stats(kernel, rt, res, o.program);
  std::cerr << format_summary(stats);
  if (!o.report.empty()) {
    std::ofstream out(o.report);
    if (!out) return fail(o.report + ": cannot write the report: " + std::strerror(errno), kRunError);
    out << report_json(stats, machine.state().sys, sampler.get()).dump(2) << '\n';
  }
  if (res.end != guest::RunResult::End::exited) return kRunError;
  return stats.exit_status;
}

}  // namespace vmlab::cli
