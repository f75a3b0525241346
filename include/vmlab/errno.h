// Linux errno values. Kernel entry points report failure with these, never by throwing.
// The enumerators are lower-case because <errno.h> defines the upper-case names as macros.
#pragma once

#include <string_view>

namespace vmlab {

enum class Errno : int {
  perm = 1, noent = 2, srch = 3, intr = 4, io = 5, nxio = 6, toobig = 7, noexec = 8,
  badf = 9, child = 10, again = 11, nomem = 12, acces = 13, fault = 14, busy = 16,
  exist = 17, xdev = 18, nodev = 19, notdir = 20, isdir = 21, inval = 22, nfile = 23,
  mfile = 24, notty = 25, txtbsy = 26, fbig = 27, nospc = 28, spipe = 29, rofs = 30,
  mlink = 31, pipe = 32, range = 34, nametoolong = 36, nosys = 38, notempty = 39,
  loop = 40, overflow = 75, opnotsupp = 95, timedout = 110,
};

// "EINVAL" for Errno::inval: the name a Linux user knows.
std::string_view errno_name(Errno e);

// The Linux number, as a syscall returns it negated.
constexpr int errno_value(Errno e) { return static_cast<int>(e); }

}  // namespace vmlab
