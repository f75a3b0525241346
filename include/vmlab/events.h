// Typed events the kernel emits as things happen, and the bus that delivers them.
// With no subscriber, emitting costs one predictable branch.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vmlab::obs {

// How a page fault was resolved (the handler that did the work in mm/memory.c).
enum class FaultKind : std::uint8_t {
  demand_zero,   // a new zeroed page: do_anonymous_page, or wp_page_copy replacing the zero page
  zero_page,     // do_anonymous_page: the shared zero page mapped read-only
  file,          // do_read_fault: a page-cache page mapped (fault-around included)
  file_cow,      // do_cow_fault: a private copy of a file page
  shared_write,  // do_shared_fault / wp_page_shared: a shared file page made writable
  cow_copy,      // do_wp_page -> wp_page_copy of a real page: copy-on-write
  cow_reuse,     // do_wp_page -> wp_page_reuse: the only user keeps the page
  swap_in,       // do_swap_page: the page was read back from swap (major)
  swap_cache,    // do_swap_page: the page was still in the swap cache
  spurious,      // the PTE already allowed it: only young/dirty were set
  sigsegv,       // no VMA, or the VMA forbids the access
  sigbus,        // beyond the end of the file
  oom,           // no memory for the page
  count
};
std::string_view fault_kind_name(FaultKind k);

struct FaultEvent {
  int pid;
  std::uint64_t addr;
  FaultKind kind;
  bool write;
  bool major;
};
struct ProcessEvent {
  enum class Kind : std::uint8_t { spawn, fork, vfork, thread, exec, exit } kind;
  int pid;
  int other;  // the child for fork and vfork, the new tid for thread, the exit status for exit
};
struct MapEvent {
  enum class Kind : std::uint8_t { mmap, munmap, mprotect, mremap, madvise, brk } kind;
  int pid;
  std::uint64_t start;
  std::uint64_t end;
};
struct TlbFlushEvent {
  int cpu;
  std::uint64_t start;
  std::uint64_t end;  // start == end: the whole TLB
};

using Event = std::variant<FaultEvent, ProcessEvent, MapEvent, TlbFlushEvent>;

class EventBus {
 public:
  using Subscriber = std::function<void(const Event&)>;
  void subscribe(Subscriber s) { subscribers_.push_back(std::move(s)); }
  bool active() const { return !subscribers_.empty(); }
  void emit(const Event& e) const {
    for (const auto& s : subscribers_) s(e);
  }

 private:
  std::vector<Subscriber> subscribers_;
};

}  // namespace vmlab::obs
