// A test-only runner for static riscv64 programs: a machine with the riscv64 layout,
// one process that execve's the program, and a loop of Hart::run that serves the few
// system calls the test programs make (write, exit, exit_group, brk, mmap, munmap,
// mprotect; anything else returns -ENOSYS). Not the system-call layer: just enough to
// run ISA tests and benchmarks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/machine_state.h"
#include "guest/rv64/hart.h"
#include "vmlab/config.h"

namespace vmlab::test {

struct RunResult {
  bool exited = false;         // exit or exit_group
  int exit_code = -1;
  guest::rv64::Stop stop;      // the last stop (a signal when not exited)
  std::string out;             // what the program wrote to fds 1 and 2
  std::uint64_t instret = 0;
  std::uint64_t syscalls = 0;
};

class MiniRunner {
 public:
  static MachineConfig riscv_config();
  explicit MiniRunner(const MachineConfig& config = riscv_config());
  ~MiniRunner();

  // Copies the host file into the machine as /prog and execve's it in a new process.
  // Throws std::runtime_error when that fails.
  void load(const std::string& host_path, const std::vector<std::string>& argv = {"prog"});
  // Runs until exit, a signal, or `max_instructions`, `slice` instructions per
  // Hart::run call.
  RunResult run(std::uint64_t max_instructions = 20'000'000'000ull, std::uint64_t slice = 1ull << 40);

  detail::MachineState& machine() { return *m_; }
  kern::Task& process();
  guest::rv64::Hart& hart() { return *hart_; }
  guest::rv64::HartState& state() { return process().regs; }

 private:
  // Serves the ecall at state_.pc; false when the program exited.
  bool syscall(RunResult& r);

  std::unique_ptr<detail::MachineState> m_;
  std::unique_ptr<guest::rv64::Hart> hart_;
  int pid_ = 0;
};

}  // namespace vmlab::test
