#include "fidelity/procmaps.h"

#include <cstdlib>

namespace vmlab::fidelity {

namespace {
bool is_header(std::string_view line) {
  // "start-end perms offset dev inode name": the first token has a '-' and hex digits.
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return false;
  const std::string_view first = line.substr(0, sp);
  const std::size_t dash = first.find('-');
  if (dash == std::string_view::npos || dash == 0) return false;
  for (char c : first) {
    if (!(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string trim(std::string_view s) {
  std::size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
  return std::string(s.substr(a, b - a));
}
}  // namespace

std::vector<ProcVma> parse_smaps(std::string_view text) {
  std::vector<ProcVma> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    if (is_header(line)) {
      ProcVma v;
      std::string l(line);
      char* end = nullptr;
      v.start = std::strtoull(l.c_str(), &end, 16);
      v.end = std::strtoull(end + 1, &end, 16);
      // perms
      const char* p = end;
      while (*p == ' ') ++p;
      const char* q = p;
      while (*q && *q != ' ') ++q;
      v.perms.assign(p, q);
      v.offset = std::strtoull(q, &end, 16);
      // dev, inode
      p = end;
      for (int field = 0; field < 2; ++field) {
        while (*p == ' ') ++p;
        while (*p && *p != ' ') ++p;
      }
      while (*p == ' ') ++p;
      v.name = p;
      out.push_back(std::move(v));
      continue;
    }
    if (out.empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    out.back().fields[std::string(line.substr(0, colon))] = trim(line.substr(colon + 1));
  }
  return out;
}

}  // namespace vmlab::fidelity
