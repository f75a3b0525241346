#include "vmlab/mount.h"

#include "fs/path.h"

#ifndef VMLAB_DEFAULT_SYSROOT
#define VMLAB_DEFAULT_SYSROOT "/usr/riscv64-linux-gnu"
#endif

namespace vmlab {

Expected<MountSpec, std::string> parse_mount_spec(std::string_view text) {
  const std::string quoted = "--mount '" + std::string(text) + "'";
  MountSpec spec;
  std::string_view rest = text;
  // The mode suffix first, so that the last remaining colon separates HOST from GUEST
  // (host paths may hold colons; guest paths in practice do not).
  if (rest.ends_with(":rw")) {
    spec.writable = true;
    rest.remove_suffix(3);
  } else if (rest.ends_with(":ro")) {
    rest.remove_suffix(3);
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return quoted + ": expected HOST:GUEST[:rw]";
  spec.host = std::string(rest.substr(0, colon));
  const std::string_view guest = rest.substr(colon + 1);
  if (spec.host.empty()) return quoted + ": the host directory is empty";
  if (guest.empty() || guest.front() != '/') return quoted + ": the guest path must be absolute";
  spec.guest = fs::normalize_path("/", guest);
  return spec;
}

std::string default_riscv_sysroot() { return VMLAB_DEFAULT_SYSROOT; }

std::vector<MountSpec> sysroot_mounts(const std::string& sysroot) {
  return {MountSpec{sysroot + "/lib", "/lib", false}, MountSpec{sysroot + "/lib", "/usr/lib", false}};
}

}  // namespace vmlab
