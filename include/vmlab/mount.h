// Host directories a machine's guest programs see (hostfs mounts), as
// `vmlab run --mount HOST:GUEST[:rw]` and MachineConfig::mounts describe them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vmlab/result.h"

namespace vmlab {

struct MountSpec {
  std::string host;       // a host directory
  std::string guest;      // where the guest sees it: an absolute path
  bool writable = false;  // ":rw": guest writes reach the host files; read-only otherwise (EROFS)
};

// "HOST:GUEST", "HOST:GUEST:ro" or "HOST:GUEST:rw". The error is one line naming the
// problem. The host directory is not looked at here (mounting it is).
Expected<MountSpec, std::string> parse_mount_spec(std::string_view text);

// The riscv64 sysroot this build found (cmake VMLAB_RISCV_SYSROOT, normally
// /usr/riscv64-linux-gnu).
std::string default_riscv_sysroot();

// The mounts that let dynamically linked riscv64 programs run: the sysroot's lib
// directory, read-only, at /lib (where PT_INTERP /lib/ld-linux-riscv64-lp64d.so.1 and
// the loader's search for libc.so.6 look) and at /usr/lib (the loader's other system
// directory). Both show the same host files, so a library has one inode and one page
// cache whichever path maps it.
std::vector<MountSpec> sysroot_mounts(const std::string& sysroot = default_riscv_sysroot());

}  // namespace vmlab
