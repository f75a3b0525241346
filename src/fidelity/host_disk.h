// A setting of the host's block device that holds a path, from its sysfs queue
// directory (/sys/dev/block/MAJ:MIN/queue/NAME, or the whole disk's for a partition):
// the read-ahead vmlab copies, and whether the disk is rotational (Linux's swap treats
// such a disk differently).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace vmlab::fidelity {

std::optional<std::int64_t> disk_queue_setting(const std::string& path, const std::string& name);

}  // namespace vmlab::fidelity
