// Resource limits (struct rlimit64) and their numbers (include/uapi/asm-generic/resource.h).
#pragma once

#include <array>
#include <cstdint>

#include "vmlab/config.h"

namespace vmlab::kern {

struct RLimit {
  std::uint64_t cur = ~0ULL;
  std::uint64_t max = ~0ULL;
};
inline constexpr int kRlimitData = 2;
inline constexpr int kRlimitStack = 3;
inline constexpr int kRlimitCore = 4;
inline constexpr int kRlimitNproc = 6;
inline constexpr int kRlimitNofile = 7;
inline constexpr int kRlimitMemlock = 8;
inline constexpr int kRlimitSigpending = 11;
inline constexpr int kRlimitMsgqueue = 12;
inline constexpr int kRlimitNice = 13;
inline constexpr int kRlimitRtprio = 14;
inline constexpr int kRlimits = 16;  // RLIM_NLIMITS
inline constexpr std::uint64_t kRlimInfinity = ~0ULL;

using RLimits = std::array<RLimit, kRlimits>;

// The limits a machine's first process starts with (INIT_RLIMITS, set_max_threads()).
RLimits initial_rlimits(const MachineConfig& c, std::uint64_t total_pages);

}  // namespace vmlab::kern
