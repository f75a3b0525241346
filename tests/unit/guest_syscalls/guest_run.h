// Runs one of the riscv64 test programs on a fresh machine, the way `vmlab run` does
// (sysroot at /lib and /usr/lib, the userland at /bin, the programs at /t, a home
// directory), with its stdout and stderr captured.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "guest/runtime.h"
#include "vmlab/config.h"
#include "vmlab/events.h"

namespace vmlab::test {

struct GuestOutput {
  std::string out, err;   // what the program wrote to descriptors 1 and 2
  std::string warnings;   // vmlab's warning lines
  std::string console;    // what the kernel printed on its console (kernel/kernel_log.h)
  guest::RunResult result;
  int exit_status = -1;   // as a shell shows it: the code, or 128 + signal
  std::uint64_t virtual_ns = 0;
  std::uint64_t minflt = 0;  // every process's, summed
  std::array<std::uint64_t, static_cast<unsigned>(obs::FaultKind::count)> faults{};
  std::vector<std::string> check;  // what the consistency checker found at the end
};

MachineConfig guest_config();
// The program runs as `uid` (its gid the same): 1000, the machine's user, or 0, root.
GuestOutput run_guest(const std::string& name, const std::vector<std::string>& args = {},
                      std::uint64_t quantum = 10000, const MachineConfig& config = guest_config(),
                      std::uint32_t uid = 1000);

}  // namespace vmlab::test
