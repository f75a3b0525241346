// filemap: a one-line file mapped MAP_SHARED far beyond its end, read and written
// through memory. Shows demand paging of file pages, the page cache that mapping and
// read() share, write-notify on shared mappings, and SIGBUS past the end of the file.
#include "cli/demos/recorder.h"

namespace vmlab::demos {

namespace {

constexpr std::string_view kPath = "/testfile";
constexpr std::uint64_t kLength = 100 * MiB;

void body(detail::Recorder& r) {
  using detail::must;
  using detail::c_quoted;
  Machine& m = r.machine();

  r.begin("create", "Create /testfile and open it",
          "The shell wrote 6 bytes into /testfile and sync wrote them to disk; they stay in one 4 kB "
          "page of the page cache (Cached in /proc/meminfo). open() makes an open file description and "
          "maps nothing.",
          "maps has one line, the stack; VmRSS is the single stack page.");
  must(m.write_file(kPath, "hello\n"), "echo hello > /testfile");
  m.sync();
  r.event("shell: echo hello > /testfile; sync");
  Process p = m.spawn("filemap");
  const int fd = must(p.open(kPath, kORdwr), "open(/testfile, O_RDWR)");
  r.event(fmt::format("open(\"{}\", O_RDWR) = {}", kPath, fd));
  r.value("file_size_bytes", "size of /testfile", 6, "bytes");
  const ProcessView v0 = r.show(p, "filemap");
  r.end(true);
  const std::uint64_t free0 = r.step().memory.mem_free_kb;

  r.begin("mmap", "mmap() it 100 MiB long, PROT_READ|PROT_WRITE, MAP_SHARED",
          "mmap() only records a VMA: the range, its protection, MAP_SHARED, and the file and offset "
          "behind it. Linux does not compare the length with the file's size and reads nothing now: "
          "pages come in when first touched (demand paging).",
          "The new maps line says rw-s (s: shared), then the offset, the device 08:01 and the inode "
          "of /testfile. VmSize grew by 102400 kB; VmRSS and MemFree did not move.");
  const VirtAddr a = must(p.mmap(0, kLength, kProtRead | kProtWrite, kMapShared, fd, 0), "mmap");
  r.event(fmt::format("mmap(NULL, {}, PROT_READ|PROT_WRITE, MAP_SHARED, {}, 0) = {:#x}", kLength, fd, a));
  const ProcessView v1 = r.show(p, "filemap");
  r.end();
  r.change("vm_size_delta_kb", "VmSize change", static_cast<std::int64_t>(v1.vm_size_kb - v0.vm_size_kb), "kB");
  r.change("vm_rss_delta_kb", "VmRSS change", static_cast<std::int64_t>(v1.vm_rss_kb - v0.vm_rss_kb), "kB");
  r.change("minflt_delta", "minflt change", static_cast<std::int64_t>(v1.minflt - v0.minflt), "faults");
  r.change("memfree_delta_kb", "MemFree change",
           static_cast<std::int64_t>(r.step().memory.mem_free_kb) - static_cast<std::int64_t>(free0), "kB");

  r.begin("read", "Read the first bytes through the mapping",
          "The first load finds an empty page-table entry: a page fault. The VMA says the address is "
          "page 0 of /testfile, which is already in the page cache, so do_read_fault() maps that very "
          "page without reading the disk (fault-around, filemap_map_pages(), maps the cached pages "
          "around the address; here the file has only this one): a minor fault.",
          "minflt +1 and VmRSS +4 kB (RssFile): the page is the page cache's, not a copy. Past the "
          "file's 6 bytes the page reads as zeros.");
  const std::string first = must(p.read_string(a, 5), "load");
  const auto past_eof = must(p.load<std::uint8_t>(a + 4095), "load");
  r.event(fmt::format("load 5 bytes at {:#x}: {}", a, c_quoted(first)));
  r.event(fmt::format("load 1 byte at {:#x} (offset 4095, past the 6 bytes): {}", a + 4095, past_eof));
  const ProcessView v2 = r.show(p, "filemap");
  r.end();
  r.value("read_is_hello", "the bytes read \"hello\" (1 yes, 0 no)", first == "hello", "");
  r.value("byte_4095", "byte at offset 4095", past_eof, "");
  r.change("minflt_delta", "minflt change", static_cast<std::int64_t>(v2.minflt - v1.minflt), "faults");
  r.change("vm_rss_delta_kb", "VmRSS change", static_cast<std::int64_t>(v2.vm_rss_kb - v1.vm_rss_kb), "kB");

  r.begin("write", "Write HELLO through the mapping",
          "A shared writable file mapping first maps pages read-only so that the kernel sees the first "
          "write (write-notify): the store faults, wp_page_shared() marks the page-cache page dirty "
          "and makes the entry writable. The bytes go straight into the page cache; nothing is copied.",
          "One more minor fault, for the write; Dirty in /proc/meminfo is now 4 kB: the page waits "
          "for writeback.");
  must(p.write_string(a, "HELLO"), "store");
  r.event(fmt::format("store 5 bytes at {:#x}: {}", a, c_quoted("HELLO")));
  const ProcessView v3 = r.show(p, "filemap");
  r.end();
  r.change("minflt_delta", "minflt change", static_cast<std::int64_t>(v3.minflt - v2.minflt), "faults");
  r.value("dirty_kb", "Dirty (meminfo)", static_cast<std::int64_t>(r.step().memory.dirty_kb), "kB");
  const std::uint64_t free3 = r.step().memory.mem_free_kb;

  r.begin("sigbus", "Touch the mapping beyond the file's last page",
          "Page 1 and everything after it lie past the end of the file: no file page can back them. "
          "filemap_fault() returns VM_FAULT_SIGBUS and the kernel sends SIGBUS, si_code BUS_ADRERR, "
          "si_addr the faulting address. A program without a handler would die here.",
          "The mapping is 100 MiB long but only its first page is usable. Failed faults count in "
          "pgfault of /proc/vmstat but not in the process's minflt.");
  const std::uint64_t pgfault0 = m.vmstat_value("pgfault");
  const Access<std::uint8_t> at_4k = p.load<std::uint8_t>(a + 4096);
  const Access<bool> at_50m = p.store<std::uint8_t>(a + 50 * MiB, 1);
  const std::uint64_t pgfault1 = m.vmstat_value("pgfault");
  const SigInfo s4k = at_4k ? SigInfo{} : at_4k.error();
  const SigInfo s50m = at_50m ? SigInfo{} : at_50m.error();
  r.event(fmt::format("load  1 byte at {:#x} (offset 4096): {}", a + 4096,
                      at_4k ? fmt::format("{}", *at_4k) : detail::describe(s4k)));
  r.event(fmt::format("store 1 byte at {:#x} (offset 50 MiB): {}", a + 50 * MiB,
                      at_50m ? std::string("ok") : detail::describe(s50m)));
  const ProcessView v4 = r.show(p, "filemap");
  r.end();
  r.value("signo_4096", "signal at offset 4096", static_cast<int>(s4k.signo), "");
  r.value("code_4096", "si_code at offset 4096", s4k.code, "");
  r.value("signo_50m", "signal at offset 50 MiB", static_cast<int>(s50m.signo), "");
  r.value("code_50m", "si_code at offset 50 MiB", s50m.code, "");
  r.change("minflt_delta", "minflt change", static_cast<std::int64_t>(v4.minflt - v3.minflt), "faults");
  r.change("pgfault_delta", "pgfault change (/proc/vmstat)", static_cast<std::int64_t>(pgfault1 - pgfault0),
           "faults");
  r.change("vm_rss_delta_kb", "VmRSS change", detail::delta(v4.vm_rss_kb, v3.vm_rss_kb), "kB");
  r.change("vm_pte_delta_kb", "VmPTE change", detail::delta(v4.vm_pte_kb, v3.vm_pte_kb), "kB");
  r.change("memfree_delta_kb", "MemFree change", detail::delta(r.step().memory.mem_free_kb, free3), "kB");

  r.begin("munmap", "munmap() and close()",
          "munmap() removes the VMA and its page-table entries; close() drops the descriptor. The "
          "dirty page stays in the page cache: it belongs to the file, not to the process.",
          "maps is back to the stack alone and VmSize and VmRSS fall back; Cached and Dirty still "
          "hold the 4 kB page.");
  must(p.munmap(a, kLength), "munmap");
  must(p.close(fd), "close");
  r.event(fmt::format("munmap({:#x}, {}) = 0", a, kLength));
  r.event(fmt::format("close({}) = 0", fd));
  const ProcessView v5 = r.show(p, "filemap");
  r.end(true);
  r.change("vm_size_delta_kb", "VmSize change",
           static_cast<std::int64_t>(v5.vm_size_kb) - static_cast<std::int64_t>(v4.vm_size_kb), "kB");
  r.change("vm_rss_delta_kb", "VmRSS change",
           static_cast<std::int64_t>(v5.vm_rss_kb) - static_cast<std::int64_t>(v4.vm_rss_kb), "kB");
  r.value("dirty_kb", "Dirty (meminfo)", static_cast<std::int64_t>(r.step().memory.dirty_kb), "kB");

  r.begin("read-back", "read() the file from another process, then sync",
          "read() copies from the same page-cache page the mapping wrote into, so any process sees "
          "HELLO at once, before writeback. sync then writes the dirty page to the disk.",
          "read() returns HELLO\\n; Dirty goes back to 0 after sync and the disk holds HELLO\\n.");
  Process cat = m.spawn("cat");
  const int cfd = must(cat.open(kPath, kORdonly), "open(/testfile, O_RDONLY)");
  const VirtAddr buf = must(cat.mmap(0, kPageSize, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0),
                            "mmap of a buffer");
  const std::uint64_t n = must(cat.read(cfd, buf, kPageSize), "read");
  const std::string got = must(cat.read_string(buf, n), "load");
  must(cat.close(cfd), "close");
  r.event(fmt::format("cat: read({}, {:#x}, {}) = {}: {}", cfd, buf, kPageSize, n, c_quoted(got)));
  const std::uint64_t dirty_before_sync = m.meminfo_kb("Dirty");
  m.sync();
  const std::string on_disk = must(m.read_file(kPath), "read_file");
  r.event(fmt::format("shell: sync; then the file on disk holds {}", c_quoted(on_disk)));
  r.show(cat, "cat");
  r.end(true);
  r.value("read_bytes", "bytes read()", static_cast<std::int64_t>(n), "bytes");
  r.value("read_is_HELLO", "read() returned \"HELLO\\n\" (1 yes, 0 no)", got == "HELLO\n", "");
  r.value("dirty_kb_before_sync", "Dirty before sync", static_cast<std::int64_t>(dirty_before_sync), "kB");
  r.value("dirty_kb", "Dirty after sync", static_cast<std::int64_t>(r.step().memory.dirty_kb), "kB");
  r.value("disk_is_HELLO", "the file on disk is \"HELLO\\n\" (1 yes, 0 no)", on_disk == "HELLO\n", "");
}

}  // namespace

Experiment run_filemap(Machine& m) {
  return detail::run_recorded(
      m, "filemap", "A file mapped MAP_SHARED, written through memory",
      "A file holding \"hello\\n\" is mapped MAP_SHARED 100 MiB long, read and overwritten through "
      "memory; read() sees the new bytes, and the mapping past the file's last page raises SIGBUS.",
      body);
}

}  // namespace vmlab::demos
