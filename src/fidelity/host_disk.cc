#include "fidelity/host_disk.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>

namespace vmlab::fidelity {

std::optional<std::int64_t> disk_queue_setting(const std::string& path, const std::string& name) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  const std::string dev =
      "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
  for (const std::string& queue : {dev + "/queue/", dev + "/../queue/"}) {
    std::ifstream f(queue + name);
    std::int64_t v;
    if (f >> v) return v;
  }
  return std::nullopt;
}

}  // namespace vmlab::fidelity
