#include "unit/guest_syscalls/guest_run.h"

#include <memory>

#include "api/machine_state.h"
#include "kernel/checker.h"
#include "kernel/kernel_log.h"
#include "kernel/pipe.h"
#include "vmlab/mount.h"

namespace vmlab::test {

MachineConfig guest_config() {
  MachineConfig c;
  c.layout = Layout::riscv64;
  c.ram_bytes = 256 * MiB;
  c.mounts = sysroot_mounts();
  c.mounts.push_back({std::string(VMLAB_GUEST_DIR) + "/bin", "/bin", false});
  c.mounts.push_back({std::string(VMLAB_GUEST_DIR) + "/guest_syscalls", "/t", false});
  return c;
}

GuestOutput run_guest(const std::string& name, const std::vector<std::string>& args, std::uint64_t quantum,
                      const MachineConfig& config, std::uint32_t uid) {
  detail::MachineState m(config);
  (void)m.kernel.rootfs().mkdir("/home", 0755);
  (void)m.kernel.rootfs().mkdir("/home/user", 0755);
  guest::Runtime rt(m.kernel, guest::RuntimeOptions{quantum, 4'000'000'000ULL});
  GuestOutput g;
  m.kernel.set_warning_sink([&g](std::string_view w) {
    g.warnings += w;
    g.warnings += '\n';
  });
  m.kernel.log().set_console([&g](std::string_view text) { g.console += text; });
  auto out = std::make_shared<std::string>();
  auto err = std::make_shared<std::string>();
  kern::Kernel& k = m.kernel;
  std::vector<std::string> argv{name};
  argv.insert(argv.end(), args.begin(), args.end());
  auto started = rt.start("/t/" + name, argv, {"PATH=/bin", "HOME=/home/user"}, "/home/user",
                          {nullptr, kern::make_capture_stream(k.next_pipe_ino(), out),
                           kern::make_capture_stream(k.next_pipe_ino(), err)});
  if (!started) {
    g.err = "execve: " + std::string(errno_name(started.error()));
    return g;
  }
  if (kern::Task* t = k.find(*started)) t->tg->uid = t->tg->gid = uid;
  g.result = rt.run();
  g.out = *out;
  g.err = *err;
  const int sig = g.result.wait_status & 0x7f;
  g.exit_status = sig ? 128 + sig : (g.result.wait_status >> 8) & 0xff;
  g.virtual_ns = k.sys().clock().latest();
  for (int pid : rt.all_pids()) {
    if (const kern::ThreadGroup* pg = k.find_group(pid)) {
      const kern::Usage u = k.usage(*pg);
      g.minflt += u.min_flt;
      for (std::size_t i = 0; i < g.faults.size(); ++i) g.faults[i] += u.faults_by_kind[i];
    }
  }
  g.check = kern::check_consistency(m.kernel);
  return g;
}

}  // namespace vmlab::test
