// What every experiment needs to write down what it sees: steps, process snapshots
// from /proc, the machine's free and sar figures, and a way to stop cleanly when the
// machine refuses (a small config may not fit 100 MiB).
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "cli/demos/demos.h"

namespace vmlab::demos::detail {

// The experiment cannot go on; the message says which call failed and how.
class Stop : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class T>
T must(Result<T> r, std::string_view what) {
  if (!r) throw Stop(fmt::format("{} failed: {}", what, errno_name(r.error())));
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

// "SIGBUS (BUS_ADRERR) at 0x7ffff1a01000": a signal as a learner reads it.
std::string describe(const SigInfo& s);

template <class T>
T must(Access<T> a, std::string_view what) {
  if (!a) throw Stop(fmt::format("{}: {}", what, describe(a.error())));
  return std::move(*a);
}

// after - before, signed: what a counter did over a step.
inline std::int64_t delta(std::uint64_t after, std::uint64_t before) {
  return static_cast<std::int64_t>(after) - static_cast<std::int64_t>(before);
}

// A C string literal of `bytes`: "HELLO\n", as strace would show it.
std::string c_quoted(std::string_view bytes);

// A store the experiment needs; on a signal the experiment stops, naming the address.
template <class T>
void must_store(Process& p, VirtAddr va, T value) {
  if (Access<bool> a = p.store<T>(va, value); !a) throw Stop(fmt::format("store at {:#x}: {}", va, describe(a.error())));
}

// Field 10 (minflt) of a /proc/PID/stat line.
std::uint64_t stat_minflt(const std::string& stat);
// The line of /proc/PID/status that starts with "Field:", without '\n'.
std::string status_line(const std::string& status, std::string_view field);
std::vector<std::string> split_lines(const std::string& text);
// The /proc/PID/smaps entry of the VMA starting at `start`: its header and the lines
// that tell resident, proportional, shared, private and anonymous memory apart.
std::vector<std::string> smaps_entry(const std::string& smaps, VirtAddr start);
// The number in a "Name:   123 kB" line of an smaps entry; 0 if absent.
std::uint64_t smaps_kb(const std::vector<std::string>& entry, std::string_view field);

ProcessView view_of(Process& p, std::string label, VirtAddr smaps_of = 0);
// The machine as free and sar see it; `sample` numbers the sar timestamp (seconds).
MemoryView memory_of(Machine& m, unsigned sample);

class Recorder {
 public:
  Recorder(Machine& m, Experiment& e) : m_(m), e_(e) {}

  Machine& machine() { return m_; }
  // Starts the next step.
  Step& begin(std::string id, std::string title, std::string explanation, std::string notice);
  Step& step() { return e_.steps.back(); }
  void event(std::string text) { step().events.push_back(std::move(text)); }
  void value(std::string key, std::string label, std::int64_t v, std::string unit = "", bool change = false);
  void change(std::string key, std::string label, std::int64_t v, std::string unit = "") {
    value(std::move(key), std::move(label), v, std::move(unit), true);
  }
  // Shows a process as /proc sees it now; with `smaps_of`, that mapping's smaps entry.
  // Returns a copy of what it recorded, to compare with later steps.
  ProcessView show(Process& p, std::string label, VirtAddr smaps_of = 0);
  // Ends the step with the machine's memory figures.
  void end(bool show_free = false);

 private:
  Machine& m_;
  Experiment& e_;
  bool ended_ = true;
  friend Experiment run_recorded(Machine&, std::string_view, std::string, std::string,
                                 const std::function<void(Recorder&)>&);
};

// Runs `body` and finishes the experiment: a Stop ends it early with its reason, and
// Machine::check() runs at the end either way.
Experiment run_recorded(Machine& m, std::string_view name, std::string title, std::string summary,
                        const std::function<void(Recorder&)>& body);

}  // namespace vmlab::demos::detail
