// `vmlab run`: a riscv64 Linux program on a simulated machine.
//
//   vmlab run [--config FILE] [--set k=v] [--mount HOST:GUEST[:rw]]... [--sample INTERVAL]
//             [--report FILE] PROGRAM [ARGS...]
//
// The guest sees the memfs root with /tmp, /dev and /proc; the riscv64 sysroot's
// libraries at /lib and /usr/lib (read-only); vmlab's guest userland at /bin; the
// directory holding PROGRAM, read-only, at its own absolute path (or at /run/prog
// when that path is one the guest needs for itself); and each --mount. It starts in
// /home/user (memfs, its own), with the host's stdin, stdout and stderr as
// descriptors 0-2 (seen as pipes) and a fixed environment. At the end a summary goes
// to stderr and vmlab exits with the program's status (128 + N when signal N killed
// it). A file that is not a riscv64 ELF program it can run is a one-line error and
// status 2; a deadlock or the instruction limit, status 1.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "vmlab/config.h"

namespace CLI {
class App;
}

namespace vmlab::cli {

struct RunOptions {
  std::vector<std::string> mounts;   // --mount HOST:GUEST[:rw]
  std::string sample;                // --sample INTERVAL
  std::string report;                // --report FILE
  std::uint64_t quantum = 10000;     // --quantum N
  std::uint64_t max_instructions = 0;  // --max-instructions N
  std::string program;               // PROGRAM
  std::vector<std::string> args;     // ARGS...
};

// Where the arguments of `vmlab [OPTIONS] run [OPTIONS] PROGRAM ARGS...` that belong to
// PROGRAM begin: the index after PROGRAM, or argc when the command is not `run`.
int run_args_start(int argc, char** argv);

// Adds the `run` subcommand to `app`.
CLI::App* add_run_command(CLI::App& app, RunOptions& options);

// Runs it; returns vmlab's exit status.
int run_command(MachineConfig config, const RunOptions& options);

// Where vmlab's guest programs are: $VMLAB_GUEST_DIR, else the build's guest
// directory (a compile definition), else <vmlab's directory>/../../guest.
std::string guest_dir();

}  // namespace vmlab::cli
