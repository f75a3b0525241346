// A process of the harness inside a pressure case's memory cgroup whose page faults
// make the group's next memory.stat exact.
//
// Linux keeps a group's statistics per CPU and folds them into what memory.stat shows
// only when a read finds enough updates pending (more than 64 per online CPU,
// memcg_vmstats_needs_flush()) or when the periodic flush runs (every 2 s): a read can
// be up to a few hundred page updates behind. Every page fault counts a PGFAULT event
// for the faulting process's group, and 256 of them are always more than enough. These
// faults allocate nothing, so they charge nothing and reclaim nothing: each maps one
// page of a cached file (written by the runner, charged to the parent group) into a
// one-page VMA (no fault-around), and the page table stays, held by a last page that is
// never unmapped (Linux frees a page table MADV_DONTNEED empties, and a new one would be
// charged to the group). The flusher's other memory was touched before it joined the
// group, and it runs on the case's CPU. It is the runner program started afresh
// (`vmlab-native-runner --stats-flusher FILE PROCS`), so that its footprint is small:
// where its oom_score_adj cannot be -1000 (that needs CAP_SYS_RESOURCE), the OOM killer
// still weighs every worker (the same program with all its pages touched) above it.
#pragma once

#include <sys/types.h>

#include <string>

namespace vmlab::fidelity {

inline constexpr const char* kStatsFlusherArg = "--stats-flusher";

// The flusher's program: `vmlab-native-runner --stats-flusher FILE PROCS`, its pipes on
// descriptors 3 and 4. Returns only if it cannot start (its exit code says why).
int stats_flusher_main(const char* file, const char* group_procs);

class StatsFlusher {
 public:
  // Starts the flusher, which prepares its pages in `dir` and moves itself into the
  // group by writing to `group_procs`. Throws std::runtime_error if it cannot.
  StatsFlusher(const std::string& dir, const std::string& group_procs);
  // Kills and reaps it.
  ~StatsFlusher();
  StatsFlusher(const StatsFlusher&) = delete;
  StatsFlusher& operator=(const StatsFlusher&) = delete;

  // One round of 256 faults; the next read of the group's memory.stat is exact.
  void flush();

 private:
  void stop();

  pid_t pid_ = -1;
  int cmd_ = -1, done_ = -1;  // the controller's ends of the two pipes
};

}  // namespace vmlab::fidelity
