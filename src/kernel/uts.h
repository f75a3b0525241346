// What uname(2) reports: the machine vmlab presents to riscv64 guests.
#pragma once

namespace vmlab::kern {

inline constexpr const char* kUtsSysname = "Linux";
inline constexpr const char* kUtsNodename = "vmlab";
inline constexpr const char* kUtsRelease = "6.18.0";
inline constexpr const char* kUtsVersion = "#1 SMP PREEMPT_DYNAMIC vmlab";
inline constexpr const char* kUtsMachine = "riscv64";
inline constexpr const char* kUtsDomainname = "(none)";

}  // namespace vmlab::kern
