// Path names: the absolute, normalised form of a path seen from a working directory
// ("." and ".." resolved lexically, repeated slashes folded). Names cannot climb above
// the root, so nothing outside the filesystem can be reached.
#pragma once

#include <optional>
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

// A rename as path names see it: what was at `from`, and everything below it, is now
// at `to`; with `exchange` (RENAME_EXCHANGE), what was at `to` is now at `from`.
// Both are canonical absolute paths of the same filesystem, neither below the other.
struct PathMove {
  std::string from, to;
  bool exchange = false;

  // The name `path` has after the move, or nullopt when the move does not touch it.
  std::optional<std::string> apply(std::string_view path) const {
    if (auto moved = move_below(path, from, to)) return moved;
    if (exchange) return move_below(path, to, from);
    return std::nullopt;
  }

 private:
  static std::optional<std::string> move_below(std::string_view path, std::string_view a, std::string_view b) {
    if (path == a) return std::string(b);
    if (path.size() > a.size() && path.starts_with(a) && path[a.size()] == '/') {
      return std::string(b) + std::string(path.substr(a.size()));
    }
    return std::nullopt;
  }
};

}  // namespace vmlab::fs
