#include "kernel/user_mem.h"

#include <algorithm>

#include "kernel/stack_image.h"

namespace vmlab::kern {

Result<std::string> get_string(Kernel& k, Task& t, VirtAddr addr, std::size_t max, Errno too_long) {
  std::string out;
  std::uint8_t chunk[256];
  while (out.size() < max) {
    // Never read past the page the string is on: the next one may be unmapped while
    // the NUL is on this one.
    const std::uint64_t va = addr + out.size();
    const std::size_t n = std::min<std::uint64_t>({sizeof chunk, kPageSize - (va & (kPageSize - 1)), max - out.size()});
    if (auto r = k.copy_from_user(t, std::span<std::uint8_t>(chunk, n), va); !r) return Errno::fault;
    const auto* nul = std::find(chunk, chunk + n, 0);
    out.append(reinterpret_cast<const char*>(chunk), static_cast<std::size_t>(nul - chunk));
    if (nul != chunk + n) return out;
  }
  return too_long;
}

Result<std::vector<std::string>> get_string_array(Kernel& k, Task& t, VirtAddr array) {
  std::vector<std::string> out;
  if (array == 0) return out;
  for (std::uint64_t i = 0;; ++i) {
    auto ptr = get_user<std::uint64_t>(k, t, array + 8 * i);
    if (!ptr) return Errno::fault;
    if (*ptr == 0) break;
    auto s = get_string(k, t, *ptr, kMaxArgStrlen, Errno::toobig);
    if (!s) return s.error();
    out.push_back(std::move(*s));
    if (out.size() > 0x7fffffff) return Errno::toobig;  // MAX_ARG_STRINGS
  }
  return out;
}

Result<Timespec> get_timespec(Kernel& k, Task& t, VirtAddr addr) {
  auto sec = get_user<std::int64_t>(k, t, addr);
  auto nsec = get_user<std::int64_t>(k, t, addr + 8);
  if (!sec || !nsec) return Errno::fault;
  if (*sec < 0 || *nsec < 0 || *nsec >= 1000000000) return Errno::inval;
  return Timespec{*sec, *nsec};
}

Result<void> put_timespec(Kernel& k, Task& t, VirtAddr addr, std::uint64_t ns) {
  const std::int64_t v[2] = {static_cast<std::int64_t>(ns / 1000000000ULL), static_cast<std::int64_t>(ns % 1000000000ULL)};
  return put_user(k, t, addr, v);
}

Result<void> put_rusage(Kernel& k, Task& t, VirtAddr addr, const Usage& u, std::uint64_t maxrss_kb) {
  std::int64_t v[18] = {};
  v[0] = static_cast<std::int64_t>(u.utime_ns / 1000000000ULL);
  v[1] = static_cast<std::int64_t>(u.utime_ns % 1000000000ULL / 1000);
  v[2] = static_cast<std::int64_t>(u.stime_ns / 1000000000ULL);
  v[3] = static_cast<std::int64_t>(u.stime_ns % 1000000000ULL / 1000);
  v[4] = static_cast<std::int64_t>(maxrss_kb);
  v[8] = static_cast<std::int64_t>(u.min_flt);
  v[9] = static_cast<std::int64_t>(u.maj_flt);
  v[16] = static_cast<std::int64_t>(u.nvcsw);
  v[17] = static_cast<std::int64_t>(u.nivcsw);
  return put_user(k, t, addr, v);
}

}  // namespace vmlab::kern
