// Where the guest test programs and their recorded outputs are, and a line-by-line
// comparison that names the first line that differs.
#pragma once

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace vmlab::test {

inline std::string guest_program(const std::string& name) { return std::string(VMLAB_GUEST_TEST_DIR) + "/" + name; }

inline std::string expected_output(const std::string& name) {
  std::ifstream in(std::string(VMLAB_GUEST_EXPECTED_DIR) + "/" + name + ".out", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Empty when equal, else "line N: got ... want ...".
inline std::string first_difference(const std::string& got, const std::string& want) {
  std::istringstream g(got), w(want);
  std::string gl, wl;
  for (int n = 1;; ++n) {
    const bool gok = static_cast<bool>(std::getline(g, gl));
    const bool wok = static_cast<bool>(std::getline(w, wl));
    if (!gok && !wok) return {};
    if (gl != wl || gok != wok) {
      return "line " + std::to_string(n) + ": got '" + (gok ? gl : "<end>") + "' want '" + (wok ? wl : "<end>") + "'";
    }
  }
}

}  // namespace vmlab::test
