// /proc/PID/status, as proc_pid_status() in fs/proc/array.c prints it on Linux 6.18
// x86-64, with task_mem() from fs/proc/task_mmu.c for the Vm block.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vmlab::proc {

// Every value /proc/PID/status shows. Defaults are those of a root process as on
// the reference host (Linux 6.18, 2 CPUs, MAX_NUMNODES 1024): the things vmlab does
// not model (capabilities, seccomp, speculation mitigations) keep these values.
struct StatusInfo {
  std::string name;  // comm; a newline or backslash in it is escaped as Linux does
  unsigned umask = 022;
  bool has_umask = true;  // a zombie has no fs_struct left: no Umask line
  char state = 'R';  // R S D T t X Z P I: the word comes from task_state_name()
  std::int64_t tgid = 1;
  std::int64_t ngid = 0;
  std::int64_t pid = 1;
  std::int64_t ppid = 0;
  std::int64_t tracer_pid = 0;
  std::array<std::uint64_t, 4> uid{0, 0, 0, 0};  // real, effective, saved, fs
  std::array<std::uint64_t, 4> gid{0, 0, 0, 0};
  unsigned fd_size = 64;  // the fd table's size: NR_OPEN_DEFAULT until it grows
  std::vector<std::uint64_t> groups;
  // One pid namespace level: NStgid/NSpid/NSpgid/NSsid.
  std::int64_t pgid = 1;
  std::int64_t sid = 1;
  bool kthread = false;

  // task_mem(), in kB; only printed when the task has an mm (kernel threads do not).
  bool has_mm = true;
  std::uint64_t vm_peak = 0;
  std::uint64_t vm_size = 0;
  std::uint64_t vm_lck = 0;
  std::uint64_t vm_pin = 0;
  std::uint64_t vm_hwm = 0;
  std::uint64_t vm_rss = 0;
  std::uint64_t rss_anon = 0;
  std::uint64_t rss_file = 0;
  std::uint64_t rss_shmem = 0;
  std::uint64_t vm_data = 0;
  std::uint64_t vm_stk = 0;
  std::uint64_t vm_exe = 0;
  std::uint64_t vm_lib = 0;
  std::uint64_t vm_pte = 0;
  std::uint64_t vm_swap = 0;
  std::uint64_t hugetlb_pages = 0;  // hugetlb_report_usage()
  int core_dumping = 0;
  int thp_enabled = 1;
  std::uint64_t untag_mask = 0xffffffffffffffffULL;

  // task_sig()
  unsigned threads = 1;
  std::uint64_t sigq_queued = 0;
  std::uint64_t sigq_limit = 96365;  // RLIMIT_SIGPENDING, scaled by RAM at boot
  std::uint64_t sig_pnd = 0;  // bit (signo - 1), as render_sigset_t() reads them
  std::uint64_t shd_pnd = 0;
  std::uint64_t sig_blk = 0;
  std::uint64_t sig_ign = 0;
  std::uint64_t sig_cgt = 0;

  // task_cap(), task_seccomp(): root on the host (CAP_SYS_RESOURCE dropped there).
  std::uint64_t cap_inh = 0;
  std::uint64_t cap_prm = 0x000001fffeffffffULL;
  std::uint64_t cap_eff = 0x000001fffeffffffULL;
  std::uint64_t cap_bnd = 0x000001fffeffffffULL;
  std::uint64_t cap_amb = 0;
  int no_new_privs = 0;
  int seccomp = 0;
  int seccomp_filters = 0;
  std::string speculation_store_bypass = "vulnerable";
  std::string speculation_indirect_branch = "always enabled";

  // task_cpus_allowed() (nr_cpu_ids bits) and cpuset_task_status_allowed()
  // (MAX_NUMNODES bits); bitmaps in 64-bit words, lowest first.
  unsigned nr_cpu_ids = 2;
  std::vector<std::uint64_t> cpus_allowed{0x3};
  unsigned max_numnodes = 1024;
  std::vector<std::uint64_t> mems_allowed{0x1};

  std::uint64_t voluntary_ctxt_switches = 0;
  std::uint64_t nonvoluntary_ctxt_switches = 0;
};

// get_task_state(): "R (running)", "S (sleeping)", ...; "? (unknown)" otherwise.
std::string task_state_name(char state);

// bitmap_string() behind "%*pb": 32-bit chunks in hex, most significant first,
// comma-separated, the first chunk only as wide as its bits need.
std::string format_bitmap_mask(const std::vector<std::uint64_t>& words, unsigned nbits);
// bitmap_list_string() behind "%*pbl": "0-1", "0,2-5".
std::string format_bitmap_list(const std::vector<std::uint64_t>& words, unsigned nbits);

// The whole file, line for line as proc_pid_status().
std::string format_status(const StatusInfo& s);

}  // namespace vmlab::proc
