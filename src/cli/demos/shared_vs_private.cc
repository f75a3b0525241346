// shared-vs-private: one file mapped MAP_SHARED by one process and MAP_PRIVATE by
// another. Shows that both start on the same page-cache pages, that a shared write is
// seen by everyone (the private mapping included, until it writes that page) and
// reaches the file, and that a private write is a copy-on-write of the file page that
// nobody else sees and that never reaches the file.
#include "cli/demos/recorder.h"

namespace vmlab::demos {

namespace {

constexpr std::string_view kPath = "/data";
constexpr std::uint64_t kPages = 4;
constexpr std::uint64_t kLength = kPages * kPageSize;

// The first `n` bytes of page `i` of a whole-file string.
std::string page_head(const std::string& file, std::uint64_t i, std::size_t n) {
  return i * kPageSize < file.size() ? file.substr(i * kPageSize, n) : std::string();
}

void body(detail::Recorder& r) {
  using detail::delta;
  using detail::must;
  using detail::c_quoted;
  Machine& m = r.machine();

  r.begin("create", "Create /data: four pages of a, b, c and d",
          "The file is written and synced: its four pages are clean in the page cache, the same as "
          "on disk.",
          "Cached counts the file's 16 kB; Dirty is 0.");
  std::string contents;
  for (std::uint64_t i = 0; i < kPages; ++i) contents += std::string(kPageSize, static_cast<char>('a' + i));
  must(m.write_file(kPath, contents), "write /data");
  m.sync();
  r.event("shell: write /data (4096 x 'a', 4096 x 'b', 4096 x 'c', 4096 x 'd'); sync");
  r.end(true);

  r.begin("map", "One process maps it MAP_SHARED, another MAP_PRIVATE",
          "Both VMAs stand for the same file pages. MAP_SHARED: stores go into the file's page-cache "
          "pages. MAP_PRIVATE: the process sees the file's pages until it writes one, and then works "
          "on a private copy of that page.",
          "The two maps lines differ only in the fourth flag: rw-s (shared) and rw-p (private).");
  Process sharer = m.spawn("sharer");
  Process priv = m.spawn("private");
  Process cat = m.spawn("cat");
  const int sfd = must(sharer.open(kPath, kORdwr), "open(/data, O_RDWR)");
  const int pfd = must(priv.open(kPath, kORdwr), "open(/data, O_RDWR)");
  const int cfd = must(cat.open(kPath, kORdonly), "open(/data, O_RDONLY)");
  const VirtAddr s = must(sharer.mmap(0, kLength, kProtRead | kProtWrite, kMapShared, sfd, 0), "mmap MAP_SHARED");
  const VirtAddr p = must(priv.mmap(0, kLength, kProtRead | kProtWrite, kMapPrivate, pfd, 0), "mmap MAP_PRIVATE");
  const VirtAddr buf = must(cat.mmap(0, kLength, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous, -1, 0),
                            "mmap of a buffer");
  r.event(fmt::format("sharer:  mmap(NULL, {}, PROT_READ|PROT_WRITE, MAP_SHARED, {}, 0) = {:#x}", kLength, sfd, s));
  r.event(fmt::format("private: mmap(NULL, {}, PROT_READ|PROT_WRITE, MAP_PRIVATE, {}, 0) = {:#x}", kLength, pfd, p));
  r.show(sharer, "sharer");
  r.show(priv, "private");
  r.end();

  // What read() returns for the first `n` bytes of page `i`, as cat would print it.
  auto read_page = [&](std::uint64_t i, std::size_t n) {
    const std::uint64_t got = must(cat.pread(cfd, buf, n, i * kPageSize), "pread");
    return must(cat.read_string(buf, got), "load");
  };

  r.begin("shared-write", "The sharer writes \"SHARED\" at the start of page 0",
          "The store lands in the page-cache page of /data itself: do_shared_fault() marks it dirty and "
          "maps it writable. The private process has not written page 0, so its read fault maps that "
          "same page-cache page, and read() copies from it too: both see SHARED.",
          "Everybody sees a shared write, the private mapping included, as long as it has no copy of "
          "that page.");
  must(sharer.write_string(s, "SHARED"), "store");
  r.event(fmt::format("sharer:  store {} at {:#x} (page 0)", c_quoted("SHARED"), s));
  const std::string priv_p0 = must(priv.read_string(p, 6), "load");
  r.event(fmt::format("private: load 6 bytes at {:#x} (page 0): {}", p, c_quoted(priv_p0)));
  const std::string read_p0 = read_page(0, 6);
  r.event(fmt::format("cat:     pread(page 0, 6 bytes): {}", c_quoted(read_p0)));
  r.show(sharer, "sharer");
  r.show(priv, "private");
  r.end();
  r.value("private_sees_shared_write", "private mapping sees SHARED (1 yes, 0 no)", priv_p0 == "SHARED");
  r.value("read_sees_shared_write", "read() sees SHARED (1 yes, 0 no)", read_p0 == "SHARED");

  r.begin("private-write", "The private process writes \"PRIVATE\" at the start of page 1",
          "Its entry for page 1 is present but read-only (fault-around mapped it with page 0), so the "
          "write faults and do_wp_page() gives this process its own copy of the page (wp_page_copy()); "
          "had the entry been empty, do_cow_fault() would have copied the file page straight away. The "
          "copy is anonymous memory of this process: nobody else sees it, and it never goes back to "
          "the file.",
          "The sharer and read() still see page 1 as bbbb...; the private process sees PRIVATE.");
  // Either copy-on-write path: of a mapped page (cow_copy) or of an unmapped one (file_cow).
  const auto cows = [&] { return priv.faults(obs::FaultKind::cow_copy) + priv.faults(obs::FaultKind::file_cow); };
  const std::uint64_t cow0 = cows();
  must(priv.write_string(p + kPageSize, "PRIVATE"), "store");
  r.event(fmt::format("private: store {} at {:#x} (page 1)", c_quoted("PRIVATE"), p + kPageSize));
  const std::string shar_p1 = must(sharer.read_string(s + kPageSize, 7), "load");
  r.event(fmt::format("sharer:  load 7 bytes at {:#x} (page 1): {}", s + kPageSize, c_quoted(shar_p1)));
  const std::string read_p1 = read_page(1, 7);
  r.event(fmt::format("cat:     pread(page 1, 7 bytes): {}", c_quoted(read_p1)));
  r.show(sharer, "sharer");
  r.show(priv, "private", p);
  r.end();
  r.change("private_cow_faults", "private copy-on-write faults", delta(cows(), cow0),
           "faults");
  r.value("sharer_sees_private_write", "sharer sees PRIVATE (1 yes, 0 no)", shar_p1 == "PRIVATE");
  r.value("read_sees_private_write", "read() sees PRIVATE (1 yes, 0 no)", read_p1 == "PRIVATE");

  r.begin("shared-write-again", "The sharer writes pages 1 and 2",
          "A private mapping follows the file only where it has no copy: its page 2 is still the "
          "page-cache page and shows the sharer's new bytes, while its page 1 is the copy made in the "
          "last step and keeps PRIVATE.",
          "The private process sees SHARED2 in page 2 but still PRIVATE in page 1.");
  must(sharer.write_string(s + kPageSize, "SHARED1"), "store");
  must(sharer.write_string(s + 2 * kPageSize, "SHARED2"), "store");
  r.event(fmt::format("sharer:  store {} at {:#x} (page 1)", c_quoted("SHARED1"), s + kPageSize));
  r.event(fmt::format("sharer:  store {} at {:#x} (page 2)", c_quoted("SHARED2"), s + 2 * kPageSize));
  const std::string priv_p1 = must(priv.read_string(p + kPageSize, 7), "load");
  const std::string priv_p2 = must(priv.read_string(p + 2 * kPageSize, 7), "load");
  r.event(fmt::format("private: load 7 bytes at {:#x} (page 1): {}", p + kPageSize, c_quoted(priv_p1)));
  r.event(fmt::format("private: load 7 bytes at {:#x} (page 2): {}", p + 2 * kPageSize, c_quoted(priv_p2)));
  r.show(sharer, "sharer");
  r.show(priv, "private");
  r.end();
  r.value("private_sees_page2_write", "private mapping sees SHARED2 in page 2 (1 yes, 0 no)", priv_p2 == "SHARED2");
  r.value("private_keeps_copy", "private mapping still sees PRIVATE in page 1 (1 yes, 0 no)", priv_p1 == "PRIVATE");

  r.begin("sync", "msync(MS_SYNC), fsync() and sync: what reaches the file",
          "msync(MS_SYNC) writes the sharer's dirty pages back to the file and write-protects them again "
          "so that the next store is noticed; fsync() and sync find nothing more to write. The private "
          "copy is no part of the file: smaps shows it as Private_Dirty and Anonymous memory of the "
          "private process.",
          "The file has SHARED, SHARED1 and SHARED2 and no PRIVATE. In the private mapping's smaps, the "
          "4 kB copy is Private_Dirty and Anonymous; the other pages are the file's, shared with the "
          "sharer and clean again.");
  must(sharer.msync(s, kLength, kMsSync), "msync");
  must(sharer.fsync(sfd), "fsync");
  m.sync();
  r.event(fmt::format("sharer:  msync({:#x}, {}, MS_SYNC) = 0; fsync({}) = 0", s, kLength, sfd));
  r.event("shell: sync");
  const std::string file = must(m.read_file(kPath), "read_file");
  for (std::uint64_t i = 0; i < kPages; ++i)
    r.event(fmt::format("/data page {} starts with {}", i, c_quoted(page_head(file, i, 8))));
  const ProcessView sv = r.show(sharer, "sharer", s);
  const ProcessView pv = r.show(priv, "private", p);
  r.end(true);
  r.value("file_page0_shared", "page 0 of the file starts with SHARED (1 yes, 0 no)", page_head(file, 0, 6) == "SHARED");
  r.value("file_page1_shared", "page 1 of the file starts with SHARED1 (1 yes, 0 no)",
          page_head(file, 1, 7) == "SHARED1");
  r.value("file_page2_shared", "page 2 of the file starts with SHARED2 (1 yes, 0 no)",
          page_head(file, 2, 7) == "SHARED2");
  r.value("file_has_private_write", "the file contains PRIVATE (1 yes, 0 no)", file.find("PRIVATE") != std::string::npos);
  r.value("dirty_kb", "Dirty (meminfo)", static_cast<std::int64_t>(r.step().memory.dirty_kb), "kB");
  for (const auto& [who, v] : {std::pair{"private", &pv}, std::pair{"sharer", &sv}}) {
    for (const auto& [field, key] :
         {std::pair{"Rss", "rss"}, std::pair{"Shared_Clean", "shared_clean"}, std::pair{"Shared_Dirty", "shared_dirty"},
          std::pair{"Private_Clean", "private_clean"}, std::pair{"Private_Dirty", "private_dirty"},
          std::pair{"Anonymous", "anonymous"}}) {
      r.value(fmt::format("{}_{}_kb", who, key), fmt::format("{} {}", who, field),
              static_cast<std::int64_t>(detail::smaps_kb(v->smaps, field)), "kB");
    }
  }
}

}  // namespace

Experiment run_shared_vs_private(Machine& m) {
  return detail::run_recorded(
      m, "shared-vs-private", "MAP_SHARED and MAP_PRIVATE of one file",
      "One file mapped MAP_SHARED by one process and MAP_PRIVATE by another: who sees whose writes, "
      "and what reaches the file.",
      body);
}

}  // namespace vmlab::demos
