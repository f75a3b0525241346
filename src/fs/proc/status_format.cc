#include "fs/proc/status_format.h"

#include <iterator>
#include <string_view>

#include <fmt/format.h>

namespace vmlab::proc {
namespace {

bool test_bit(const std::vector<std::uint64_t>& words, unsigned bit) {
  const std::size_t w = bit / 64;
  return w < words.size() && ((words[w] >> (bit % 64)) & 1);
}

// The Vm block of task_mem(): SEQ_PUT_DEC, a tab after the label and width 8.
void put_vm(std::string& out, std::string_view label, std::uint64_t kb) {
  fmt::format_to(std::back_inserter(out), "{}:\t{:>8} kB\n", label, kb);
}

}  // namespace

std::string task_state_name(char state) {
  switch (state) {
    case 'R': return "R (running)";
    case 'S': return "S (sleeping)";
    case 'D': return "D (disk sleep)";
    case 'T': return "T (stopped)";
    case 't': return "t (tracing stop)";
    case 'X': return "X (dead)";
    case 'Z': return "Z (zombie)";
    case 'P': return "P (parked)";
    case 'I': return "I (idle)";
    default: return "? (unknown)";
  }
}

std::string format_bitmap_mask(const std::vector<std::uint64_t>& words, unsigned nbits) {
  // as bitmap_string(): CHUNKSZ 32, zero-padded hex chunks.
  std::string out;
  if (nbits == 0) return out;
  unsigned chunksz = nbits % 32 ? nbits % 32 : 32;
  for (int i = static_cast<int>((nbits + 31) / 32 * 32) - 32; i >= 0; i -= 32) {
    std::uint64_t val = 0;
    for (unsigned b = 0; b < chunksz; ++b)
      if (test_bit(words, static_cast<unsigned>(i) + b)) val |= 1ull << b;
    if (!out.empty()) out.push_back(',');
    fmt::format_to(std::back_inserter(out), "{:0{}x}", val, (chunksz + 3) / 4);
    chunksz = 32;
  }
  return out;
}

std::string format_bitmap_list(const std::vector<std::uint64_t>& words, unsigned nbits) {
  // as bitmap_list_string(): runs of set bits as "a-b", single bits as "a".
  std::string out;
  unsigned bit = 0;
  while (bit < nbits) {
    if (!test_bit(words, bit)) {
      ++bit;
      continue;
    }
    unsigned last = bit;
    while (last + 1 < nbits && test_bit(words, last + 1)) ++last;
    if (!out.empty()) out.push_back(',');
    if (last == bit)
      fmt::format_to(std::back_inserter(out), "{}", bit);
    else
      fmt::format_to(std::back_inserter(out), "{}-{}", bit, last);
    bit = last + 1;
  }
  return out;
}

std::string format_status(const StatusInfo& s) {
  std::string out;
  auto it = std::back_inserter(out);

  // proc_task_name(m, task, true): only '\n' and '\\' are escaped.
  out += "Name:\t";
  for (char c : s.name) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\\')
      out += "\\\\";
    else
      out.push_back(c);
  }
  out.push_back('\n');

  // task_state()
  if (s.has_umask) fmt::format_to(it, "Umask:\t{:04o}\n", s.umask);
  fmt::format_to(it, "State:\t{}\n", task_state_name(s.state));
  fmt::format_to(it, "Tgid:\t{}\nNgid:\t{}\nPid:\t{}\nPPid:\t{}\nTracerPid:\t{}\n", s.tgid,
                 s.ngid, s.pid, s.ppid, s.tracer_pid);
  fmt::format_to(it, "Uid:\t{}\t{}\t{}\t{}\n", s.uid[0], s.uid[1], s.uid[2], s.uid[3]);
  fmt::format_to(it, "Gid:\t{}\t{}\t{}\t{}\n", s.gid[0], s.gid[1], s.gid[2], s.gid[3]);
  fmt::format_to(it, "FDSize:\t{}\n", s.fd_size);
  out += "Groups:\t";
  for (std::size_t g = 0; g < s.groups.size(); ++g)
    fmt::format_to(it, "{}{}", g ? " " : "", s.groups[g]);
  out += " \n";  // "Trailing space shouldn't have been added in the first place."
  fmt::format_to(it, "NStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n", s.tgid, s.pid,
                 s.pgid, s.sid);
  fmt::format_to(it, "Kthread:\t{}\n", s.kthread ? 1 : 0);

  if (s.has_mm) {
    // task_mem()
    put_vm(out, "VmPeak", s.vm_peak);
    put_vm(out, "VmSize", s.vm_size);
    put_vm(out, "VmLck", s.vm_lck);
    put_vm(out, "VmPin", s.vm_pin);
    put_vm(out, "VmHWM", s.vm_hwm);
    put_vm(out, "VmRSS", s.vm_rss);
    put_vm(out, "RssAnon", s.rss_anon);
    put_vm(out, "RssFile", s.rss_file);
    put_vm(out, "RssShmem", s.rss_shmem);
    put_vm(out, "VmData", s.vm_data);
    put_vm(out, "VmStk", s.vm_stk);
    put_vm(out, "VmExe", s.vm_exe);
    put_vm(out, "VmLib", s.vm_lib);
    put_vm(out, "VmPTE", s.vm_pte);
    put_vm(out, "VmSwap", s.vm_swap);
    put_vm(out, "HugetlbPages", s.hugetlb_pages);  // hugetlb_report_usage()
    // task_core_dumping(), task_thp_status(), task_untag_mask()
    fmt::format_to(it, "CoreDumping:\t{}\n", s.core_dumping);
    fmt::format_to(it, "THP_enabled:\t{}\n", s.thp_enabled);
    fmt::format_to(it, "untag_mask:\t{:#x}\n", s.untag_mask);
  }

  // task_sig(): render_sigset_t() prints the 64 signals as 16 hex digits.
  fmt::format_to(it, "Threads:\t{}\n", s.threads);
  fmt::format_to(it, "SigQ:\t{}/{}\n", s.sigq_queued, s.sigq_limit);
  fmt::format_to(it, "SigPnd:\t{:016x}\n", s.sig_pnd);
  fmt::format_to(it, "ShdPnd:\t{:016x}\n", s.shd_pnd);
  fmt::format_to(it, "SigBlk:\t{:016x}\n", s.sig_blk);
  fmt::format_to(it, "SigIgn:\t{:016x}\n", s.sig_ign);
  fmt::format_to(it, "SigCgt:\t{:016x}\n", s.sig_cgt);

  // task_cap()
  fmt::format_to(it, "CapInh:\t{:016x}\n", s.cap_inh);
  fmt::format_to(it, "CapPrm:\t{:016x}\n", s.cap_prm);
  fmt::format_to(it, "CapEff:\t{:016x}\n", s.cap_eff);
  fmt::format_to(it, "CapBnd:\t{:016x}\n", s.cap_bnd);
  fmt::format_to(it, "CapAmb:\t{:016x}\n", s.cap_amb);

  // task_seccomp()
  fmt::format_to(it, "NoNewPrivs:\t{}\n", s.no_new_privs);
  fmt::format_to(it, "Seccomp:\t{}\n", s.seccomp);
  fmt::format_to(it, "Seccomp_filters:\t{}\n", s.seccomp_filters);
  fmt::format_to(it, "Speculation_Store_Bypass:\t{}\n", s.speculation_store_bypass);
  fmt::format_to(it, "SpeculationIndirectBranch:\t{}\n", s.speculation_indirect_branch);

  // task_cpus_allowed(), cpuset_task_status_allowed()
  fmt::format_to(it, "Cpus_allowed:\t{}\n", format_bitmap_mask(s.cpus_allowed, s.nr_cpu_ids));
  fmt::format_to(it, "Cpus_allowed_list:\t{}\n",
                 format_bitmap_list(s.cpus_allowed, s.nr_cpu_ids));
  fmt::format_to(it, "Mems_allowed:\t{}\n", format_bitmap_mask(s.mems_allowed, s.max_numnodes));
  fmt::format_to(it, "Mems_allowed_list:\t{}\n",
                 format_bitmap_list(s.mems_allowed, s.max_numnodes));

  // task_context_switch_counts()
  fmt::format_to(it, "voluntary_ctxt_switches:\t{}\n", s.voluntary_ctxt_switches);
  fmt::format_to(it, "nonvoluntary_ctxt_switches:\t{}\n", s.nonvoluntary_ctxt_switches);
  return out;
}

}  // namespace vmlab::proc
