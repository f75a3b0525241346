// Path names: the absolute, normalised form of a path seen from a working directory
// ("." and ".." resolved lexically, repeated slashes folded). Names cannot climb above
// the root, so nothing outside the filesystem can be reached.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vmlab::fs {

inline std::string normalize_path(std::string_view cwd, std::string_view path) {
  std::string full = path.starts_with('/') ? std::string(path) : std::string(cwd) + "/" + std::string(path);
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < full.size()) {
    while (i < full.size() && full[i] == '/') ++i;
    std::size_t j = i;
    while (j < full.size() && full[j] != '/') ++j;
    std::string part = full.substr(i, j - i);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    i = j;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

}  // namespace vmlab::fs
