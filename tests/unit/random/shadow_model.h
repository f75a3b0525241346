// A shadow of what Linux promises a process about its memory and files, kept without
// looking at vmlab's internals: for every process, every mapped page with its
// protection, what backs it (private or shared anonymous memory, a file mapped shared
// or private) and the bytes it holds; for every file and shared anonymous object, its
// size and pages. The random test drives vmlab and this model with the same operations
// and compares what each predicts.
//
// Byte semantics modelled:
// - private anonymous memory is zero-filled and copied at fork (copy-on-write is
//   invisible at the byte level); MADV_DONTNEED makes it zero again; MADV_FREE keeps it
//   until it is written, when memory is short the page may be discarded and read as
//   zeros instead (see Page::lazyfree);
// - shared anonymous memory is one object shared by every process that inherited it,
//   of the size it was created with (SIGBUS beyond, e.g. after mremap grew it);
// - a shared file page shows the file's bytes; a private file page shows them too until
//   it is written privately, then it is a private copy (dropped by MADV_DONTNEED, and by
//   a truncation that leaves the page wholly beyond EOF);
// - a file page at or beyond DIV_ROUND_UP(size, 4096) raises SIGBUS; the bytes past EOF
//   in the last page read as the page holds them (zero unless stored through a
//   mapping). What happens to bytes stored there when the page is written back or the
//   file grows over them differs between filesystems, so they become "unknown": the
//   first observation fixes them.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vmlab/errno.h"
#include "vmlab/signal.h"

namespace vmlab::shadow {

inline constexpr std::uint64_t kPg = 4096;

struct PageData {
  std::array<std::uint8_t, kPg> bytes{};
  std::bitset<kPg> unknown;  // bytes Linux leaves open until first observed
};
using Data = std::shared_ptr<PageData>;  // null: a page of zeros

enum class Kind : std::uint8_t { anon_private, anon_shared, file_private, file_shared };
const char* kind_name(Kind k);

struct Page {
  int prot = 0;                  // kProtRead | kProtWrite | kProtExec
  Kind kind = Kind::anon_private;
  int obj = -1;                  // the shared anonymous object or the file
  std::uint64_t index = 0;       // page offset in that object
  Data data;                     // anon_private: contents; file_private: the private copy
  bool copied = false;           // file_private: written privately
  // anon_private after MADV_FREE, until written: reclaim may discard the page at any
  // moment (a lazyfree folio), so a read shows its contents or a page of zeros.
  bool lazyfree = false;
  // anon_private: other contents the page may hold besides `data`, when a lazyfree page
  // was written without the model knowing whether reclaim had discarded it first (then
  // it holds zeros plus the writes since). Each is fixed (a written page is no longer
  // discardable); reads that tell them apart drop the ones they rule out.
  std::vector<Data> maybe;
  bool maywrite = true;          // false: MAP_SHARED of a read-only descriptor (no VM_MAYWRITE)
  bool dontfork = false;         // VM_DONTCOPY
  bool wipeonfork = false;       // VM_WIPEONFORK

  bool shared() const { return kind == Kind::anon_shared || kind == Kind::file_shared; }
  bool file() const { return kind == Kind::file_private || kind == Kind::file_shared; }
  // Whether two pages could sit in one VMA (same flags, same object, contiguous
  // offsets when `b` follows `a`). Private anonymous offsets are not compared.
  static bool same_vma_attrs(const Page& a, const Page& b);
};

struct FileObj {
  std::string path;
  std::uint64_t size = 0;
  std::map<std::uint64_t, Data> pages;  // absent: zeros
  std::uint64_t size_pages() const { return (size + kPg - 1) / kPg; }
};

struct ShmObj {
  std::uint64_t size_pages = 0;
  std::map<std::uint64_t, Data> pages;
};

// An open file description: shared by the descriptors fork copies.
struct Ofd {
  int file = -1;
  bool readable = false;
  bool writable = false;
  std::uint64_t pos = 0;
};

struct ProcState {
  int pid = 0;
  int ppid = 1;
  bool alive = true;
  int status = 0;                          // wait status once exited
  std::map<std::uint64_t, Page> pages;     // by page number (address >> 12)
  std::uint64_t start_brk = 0, brk = 0;
  std::map<int, std::shared_ptr<Ofd>> fds;
  std::vector<int> children;               // in fork order (wait reaps the oldest first)
};

// What an access does: nothing (ok), or the signal with its code and address.
struct AccessOutcome {
  Signal sig = Signal::none;
  int code = 0;
  std::uint64_t addr = 0;
  bool ok() const { return sig == Signal::none; }
};

class Model {
 public:
  explicit Model(bool contents) : contents_(contents) {}
  bool contents() const { return contents_; }

  // Files and shared anonymous objects.
  int add_file(std::string path, const std::vector<std::uint8_t>& bytes);
  FileObj& file(int id) { return files_.at(static_cast<std::size_t>(id)); }
  const FileObj& file(int id) const { return files_.at(static_cast<std::size_t>(id)); }
  std::size_t file_count() const { return files_.size(); }
  int add_shm(std::uint64_t pages);
  const ShmObj& shm(int id) const { return shms_.at(id); }

  // Processes.
  ProcState& add_proc(int pid, int ppid, std::uint64_t brk);
  ProcState& proc(int pid) { return procs_.at(pid); }
  bool has_proc(int pid) const { return procs_.count(pid) != 0; }
  std::vector<int> live_pids() const;
  const std::map<int, ProcState>& procs() const { return procs_; }

  // A load (write = false) or store of [va, va + len): ok, or the first page's signal.
  AccessOutcome check_access(const ProcState& p, std::uint64_t va, std::uint64_t len, bool write) const;
  // The bytes a successful load reads, and which of them the model cannot know.
  void expected(const ProcState& p, std::uint64_t va, std::uint64_t len, std::uint8_t* out, bool* unknown) const;
  // Takes the observed values of the unknown bytes of [va, va + len).
  void adopt(ProcState& p, std::uint64_t va, const std::uint8_t* seen, std::uint64_t len);
  // For a page whose contents are one of several (Page::lazyfree, Page::maybe): whether
  // `seen`, `n` bytes read at `va` within one page, matches one of them, dropping the
  // ones it rules out. Nullopt for other pages.
  std::optional<bool> match_either(ProcState& p, std::uint64_t va, const std::uint8_t* seen, std::uint64_t n);
  // MADV_FREE of a private anonymous page.
  void lazy_free(Page& pg);
  // A successful store (or the kernel's copy_to_user).
  void store(ProcState& p, std::uint64_t va, const std::uint8_t* bytes, std::uint64_t len);
  // A store that faults on a later page writes nothing, but the write faults taken on
  // the pages before it (x86 checks the lower page first) broke copy-on-write there: a
  // private file page becomes a private copy of what the file holds now.
  void write_faulted(ProcState& p, std::uint64_t va, std::uint64_t fault_addr);
  // How many bytes from va on the process (or the kernel for it) can access before the
  // first page that would fault.
  std::uint64_t accessible_prefix(const ProcState& p, std::uint64_t va, std::uint64_t len, bool write) const;

  // The mmap family, on page numbers. `proto` is the first page; later pages get
  // consecutive offsets.
  void map(ProcState& p, std::uint64_t first, std::uint64_t count, const Page& proto);
  void unmap(ProcState& p, std::uint64_t first, std::uint64_t count);
  bool any_mapped(const ProcState& p, std::uint64_t first, std::uint64_t count) const;
  bool all_mapped(const ProcState& p, std::uint64_t first, std::uint64_t count) const;
  // MAP_POPULATE of a private writable file mapping: write faults copy every page
  // below EOF (populate_vma_page_range() breaks copy-on-write).
  void populate_private_copies(ProcState& p, std::uint64_t first, std::uint64_t count);
  // MADV_DONTNEED on one page: private contents are dropped.
  void drop_private(Page& pg);
  // mremap's move: pages [from, from + count) go to [to, to + count); with
  // `keep_old` (MREMAP_DONTUNMAP) the old pages stay mapped, emptied.
  void move(ProcState& p, std::uint64_t from, std::uint64_t to, std::uint64_t count, bool keep_old);

  // Files through system calls.
  // read(): the file's bytes [pos, pos + len) clipped at EOF, unknown ones marked.
  std::uint64_t file_read(int file, std::uint64_t pos, std::uint64_t len, std::uint8_t* out, bool* unknown) const;
  void file_adopt(int file, std::uint64_t pos, const std::uint8_t* seen, std::uint64_t len);
  void file_write(int file, std::uint64_t pos, const std::uint8_t* bytes, const bool* unknown, std::uint64_t len);
  // ftruncate(): shrinking zaps every mapping's pages beyond EOF, private copies too
  // (unmap_mapping_range(even_cows)), and zeroes the tail of the new last page.
  void truncate(int file, std::uint64_t size);
  // Writeback (fsync, msync, sync): bytes stored past EOF become unknown.
  void writeback(int file);

  // Processes.
  ProcState& fork(ProcState& parent, int child_pid);
  void exit(ProcState& p, int status);
  // waitpid(-1, WNOHANG): the oldest zombie child, 0 if none yet, ECHILD if no child.
  std::optional<std::pair<int, int>> wait(ProcState& parent, Errno* err);

 private:
  const PageData* view(const Page& pg) const;
  PageData* view_mut(Page& pg);
  PageData& writable_view(Page& pg);
  Data& object_page(Kind kind, int obj, std::uint64_t index);
  void mark_exposed_unknown(FileObj& f, std::uint64_t from, std::uint64_t to);

  bool contents_;
  std::vector<FileObj> files_;
  std::map<int, ShmObj> shms_;
  int next_shm_ = 0;
  std::map<int, ProcState> procs_;
};

}  // namespace vmlab::shadow
