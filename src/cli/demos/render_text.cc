// The text `vmlab demo` prints: per step the title, what Linux did, what to notice,
// then the observations as a shell session on Linux would show them, byte for byte.
#include <iterator>

#include <fmt/format.h>

#include "cli/demos/demos.h"

namespace vmlab::demos {

namespace {

constexpr std::size_t kWidth = 78;

// `text` broken into lines of at most kWidth columns, each starting with `indent`.
std::string wrap(std::string_view text, std::string_view indent, std::string_view first_indent) {
  std::string out;
  std::string line(first_indent);
  bool empty = true;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    const std::string_view word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    if (!empty && line.size() + 1 + word.size() > kWidth) {
      out += line + '\n';
      line = std::string(indent);
      empty = true;
    }
    if (!empty) line += ' ';
    line += word;
    empty = false;
  }
  if (!empty) out += line + '\n';
  return out;
}

void append_process(std::string& out, const ProcessView& p) {
  auto it = std::back_inserter(out);
  fmt::format_to(it, "$ cat /proc/{}/maps    # {}\n", p.pid, p.label);
  for (const std::string& l : p.maps) out += l + '\n';
  fmt::format_to(it, "$ grep -E '^Vm(Size|RSS):' /proc/{}/status\n", p.pid);
  out += p.vm_size_line + '\n';
  out += p.vm_rss_line + '\n';
  fmt::format_to(it, "minflt: {}\n", p.minflt);
  if (!p.smaps.empty()) {
    fmt::format_to(it, "$ cat /proc/{}/smaps    # that mapping's size lines\n", p.pid);
    for (const std::string& l : p.smaps) out += l + '\n';
  }
}

std::string format_value(const Value& v) {
  std::string n = v.change ? fmt::format("{:+}", v.value) : fmt::format("{}", v.value);
  if (v.unit.empty()) return n;
  // "1 fault", "2 faults": counted units lose their plural at one.
  const bool one = v.value == 1 || v.value == -1;
  if (one && v.unit.size() > 2 && v.unit.back() == 's') return n + " " + v.unit.substr(0, v.unit.size() - 1);
  return n + " " + v.unit;
}

}  // namespace

std::string to_text(const Experiment& e) {
  std::string out;
  auto it = std::back_inserter(out);
  const std::string rule(kWidth, '=');
  fmt::format_to(it, "{}\n{}: {}\n{}\n", rule, e.name, e.title, rule);
  out += wrap(e.summary, "", "");
  unsigned n = 0;
  for (const Step& s : e.steps) {
    ++n;
    fmt::format_to(it, "\n--- [{}/{}] {} ---\n", n, e.steps.size(), s.title);
    out += wrap(s.explanation, "", "");
    if (!s.notice.empty()) out += wrap(s.notice, "        ", "Notice: ");
    out += '\n';
    if (!s.events.empty()) out += "What the program did:\n";
    for (const std::string& ev : s.events) out += "  " + ev + '\n';
    if (!s.events.empty()) out += '\n';
    for (const ProcessView& p : s.processes) append_process(out, p);
    if (s.show_free) out += "$ free\n" + s.memory.free;
    out += "$ sar -r\n" + s.memory.sar_header + '\n' + s.memory.sar_line + '\n';
    if (!s.values.empty()) {
      out += "Measured:\n";
      for (const Value& v : s.values) fmt::format_to(it, "  {}: {}\n", v.label, format_value(v));
    }
  }
  out += '\n';
  if (!e.stopped.empty()) fmt::format_to(it, "Stopped early: {}\n", e.stopped);
  if (e.check_problems.empty()) {
    out += "Consistency check: every counter recounted from the page tables agrees.\n";
  } else {
    out += "Consistency check FAILED:\n";
    for (const std::string& p : e.check_problems) out += "  " + p + '\n';
  }
  return out;
}

}  // namespace vmlab::demos
