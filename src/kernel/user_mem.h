// Reading and writing a guest's memory from system-call handlers: get_user(),
// put_user(), strncpy_from_user() and the argument-vector copies of execve, on top
// of Kernel::copy_from_user/copy_to_user (which take page faults for the process and
// turn what Linux refuses into EFAULT).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "kernel/kernel.h"

namespace vmlab::kern {

template <class T>
Result<T> get_user(Kernel& k, Task& t, VirtAddr addr) {
  std::uint8_t b[sizeof(T)];
  if (auto r = k.copy_from_user(t, b, addr); !r) return r.error();
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}

template <class T>
Result<void> put_user(Kernel& k, Task& t, VirtAddr addr, const T& v) {
  std::uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  return k.copy_to_user(t, addr, b);
}

inline Result<void> put_bytes(Kernel& k, Task& t, VirtAddr addr, std::span<const std::uint8_t> bytes) {
  return k.copy_to_user(t, addr, bytes);
}

// strncpy_from_user() of a NUL-terminated string of at most `max` bytes with its NUL:
// EFAULT when unreadable before the NUL, `too_long` when there is no NUL in `max`.
Result<std::string> get_string(Kernel& k, Task& t, VirtAddr addr, std::size_t max, Errno too_long);
// getname(): a path name, PATH_MAX (4096) bytes with its NUL, else ENAMETOOLONG. An
// empty name is returned as such (most callers then fail with ENOENT).
inline Result<std::string> get_path(Kernel& k, Task& t, VirtAddr addr) {
  return get_string(k, t, addr, 4096, Errno::nametoolong);
}
// copy_strings() for execve: the strings of a NULL-terminated pointer array (a NULL
// array is empty). E2BIG for a string longer than MAX_ARG_STRLEN, EFAULT when unreadable.
Result<std::vector<std::string>> get_string_array(Kernel& k, Task& t, VirtAddr array);

// The struct timespec at `addr`: EFAULT, or EINVAL when tv_nsec is outside
// [0, 999999999] or tv_sec is negative (timespec64_valid()).
struct Timespec {
  std::int64_t sec = 0;
  std::int64_t nsec = 0;
  std::uint64_t ns() const { return static_cast<std::uint64_t>(sec) * 1000000000ULL + static_cast<std::uint64_t>(nsec); }
};
Result<Timespec> get_timespec(Kernel& k, Task& t, VirtAddr addr);
Result<void> put_timespec(Kernel& k, Task& t, VirtAddr addr, std::uint64_t ns);

// The struct rusage getrusage() and wait4() fill (144 bytes): times, peak RSS in kB,
// faults and context switches; the fields Linux leaves 0 stay 0.
Result<void> put_rusage(Kernel& k, Task& t, VirtAddr addr, const Usage& u, std::uint64_t maxrss_kb);

}  // namespace vmlab::kern
