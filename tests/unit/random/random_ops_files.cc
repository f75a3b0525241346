// Runner: file system calls and file contents against the shadow model.
#include "unit/random/random_runner.h"

namespace vmlab::random_test {

bool Runner::aliases_file(const ProcState& ps, VirtAddr buf, std::uint64_t len, int file, bool file_private_too) {
  for (std::uint64_t pn = buf / kPg; pn <= (buf + len - 1) / kPg; ++pn) {
    auto it = ps.pages.find(pn);
    if (it == ps.pages.end() || it->second.obj != file) continue;
    if (it->second.kind == Kind::file_shared) return true;
    if (file_private_too && it->second.kind == Kind::file_private && !it->second.copied) return true;
  }
  return false;
}

bool Runner::op_file_write(int pid, bool positional) {
  Process& h = handle(pid);
  ProcState& ps = model_.proc(pid);
  auto [fd, ofd] = pick_fd(ps);
  const std::uint64_t len = chance(30) ? u(1, 64) : u(1, 3 * kPg);
  const VirtAddr buf = pick_page(ps) * kPg + (chance(50) ? u(0, kPg - 1) : 0);
  const std::uint64_t pos = positional ? u(0, 60 * kPg) : ofd->pos;
  log(fmt::format("pid {} {}(fd {} /tmp/f{}{}, {:#x}, {:#x}{})", pid, positional ? "pwrite" : "write", fd, ofd->file,
                  ofd->writable ? "" : " O_RDONLY", buf, len, positional ? fmt::format(", {:#x}", pos) : ""));
  if (aliases_file(ps, buf, len, ofd->file, true)) {
    note("(skipped: the buffer maps the file)");
    return true;
  }
  std::optional<Errno> err;
  std::uint64_t n = 0;
  if (!ofd->writable) {
    err = Errno::badf;
  } else {
    // generic_perform_write(): the copy stops at the first source page that faults.
    n = model_.accessible_prefix(ps, buf, len, false);
    if (n == 0) err = Errno::fault;
  }
  Result<std::uint64_t> r = positional ? h.pwrite(fd, buf, len, pos) : h.write(fd, buf, len);
  note("-> " + res_str(r));
  if (err) {
    if (r.ok() || r.error() != *err) return fail(fmt::format("write: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
    return true;
  }
  if (!r.ok() || *r != n) return fail(fmt::format("write: vmlab gave {}, the model expects {:#x}", res_str(r), n));
  std::vector<std::uint8_t> bytes(n);
  std::unique_ptr<bool[]> unknown(new bool[n]);
  model_.expected(ps, buf, n, bytes.data(), unknown.get());
  model_.file_write(ofd->file, pos, bytes.data(), unknown.get(), n);
  if (!positional) ofd->pos += n;
  return true;
}

bool Runner::op_file_read(int pid, bool positional) {
  Process& h = handle(pid);
  ProcState& ps = model_.proc(pid);
  auto [fd, ofd] = pick_fd(ps);
  const std::uint64_t len = chance(30) ? u(1, 64) : u(1, 3 * kPg);
  const VirtAddr buf = pick_page(ps) * kPg + (chance(50) ? u(0, kPg - 1) : 0);
  const std::uint64_t pos = positional ? u(0, 60 * kPg) : ofd->pos;
  log(fmt::format("pid {} {}(fd {} /tmp/f{}, {:#x}, {:#x}{})", pid, positional ? "pread" : "read", fd, ofd->file, buf, len,
                  positional ? fmt::format(", {:#x}", pos) : ""));
  if (aliases_file(ps, buf, len, ofd->file, false)) {
    note("(skipped: the buffer maps the file shared)");
    return true;
  }
  std::vector<std::uint8_t> bytes(len);
  std::unique_ptr<bool[]> unknown(new bool[len]);
  const std::uint64_t avail = model_.file_read(ofd->file, pos, len, bytes.data(), unknown.get());
  std::optional<Errno> err;
  std::uint64_t n = 0;
  if (avail > 0) {
    // filemap_read(): the copy to the user stops at the first page that faults.
    n = model_.accessible_prefix(ps, buf, avail, true);
    if (n == 0) err = Errno::fault;
  }
  Result<std::uint64_t> r = positional ? h.pread(fd, buf, len, pos) : h.read(fd, buf, len);
  note("-> " + res_str(r));
  if (err) {
    if (r.ok() || r.error() != *err) return fail(fmt::format("read: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
    return true;
  }
  if (!r.ok() || *r != n) return fail(fmt::format("read: vmlab gave {}, the model expects {:#x}", res_str(r), n));
  if (n == 0) return true;
  // What landed in memory is the file's bytes: read it back, the unknown ones too.
  std::vector<std::uint8_t> seen(n);
  if (!h.read_bytes(buf, seen).ok()) return fail("read: the buffer cannot be read back");
  if (model_.contents()) {
    for (std::uint64_t i = 0; i < n; ++i) {
      if (!unknown[i] && seen[i] != bytes[i]) {
        return fail(fmt::format("read: byte {} of the buffer is {:#04x}, the file holds {:#04x}", i, seen[i], bytes[i]));
      }
    }
    model_.file_adopt(ofd->file, pos, seen.data(), n);
  } else {
    std::fill(seen.begin(), seen.end(), 0);
  }
  model_.store(ps, buf, seen.data(), n);
  if (!positional) ofd->pos += n;
  return true;
}

bool Runner::op_ftruncate(int pid) {
  ProcState& ps = model_.proc(pid);
  auto [fd, ofd] = pick_fd(ps);
  std::uint64_t size = u(0, 56) * kPg + (chance(70) ? u(0, kPg - 1) : 0);
  log(fmt::format("pid {} ftruncate(fd {} /tmp/f{}{}, {:#x}) [size {:#x}]", pid, fd, ofd->file,
                  ofd->writable ? "" : " O_RDONLY", size, model_.file(ofd->file).size));
  std::optional<Errno> err;
  if (!ofd->writable) err = Errno::inval;
  Result<void> r = handle(pid).ftruncate(fd, size);
  note("-> " + res_str(r));
  if (r.ok() != !err || (err && r.error() != *err)) {
    return fail(fmt::format("ftruncate: vmlab gave {}, the model expects {}", res_str(r), err_str(err)));
  }
  if (!err) model_.truncate(ofd->file, size);
  return true;
}

bool Runner::op_fsync(int pid) {
  ProcState& ps = model_.proc(pid);
  auto [fd, ofd] = pick_fd(ps);
  log(fmt::format("pid {} fsync(fd {} /tmp/f{})", pid, fd, ofd->file));
  Result<void> r = handle(pid).fsync(fd);
  note("-> " + res_str(r));
  if (!r.ok()) return fail("fsync failed");
  model_.writeback(ofd->file);
  return true;
}

bool Runner::op_lseek(int pid) {
  ProcState& ps = model_.proc(pid);
  auto [fd, ofd] = pick_fd(ps);
  const std::uint64_t pos = u(0, 50 * kPg);
  log(fmt::format("pid {} lseek(fd {}, {:#x}, SEEK_SET)", pid, fd, pos));
  Result<std::uint64_t> r = handle(pid).lseek(fd, static_cast<std::int64_t>(pos), kSeekSet);
  note("-> " + res_str(r));
  if (!r.ok() || *r != pos) return fail("lseek");
  ofd->pos = pos;
  return true;
}

bool Runner::verify_file(int f) {
  const shadow::FileObj& fo = model_.file(f);
  Result<std::string> r = m_->read_file(fo.path);
  if (!r.ok()) return fail("read_file " + fo.path);
  if (r->size() != fo.size) return fail(fmt::format("{}: size {:#x}, the model expects {:#x}", fo.path, r->size(), fo.size));
  std::vector<std::uint8_t> want(fo.size);
  std::unique_ptr<bool[]> unknown(new bool[fo.size + 1]);
  model_.file_read(f, 0, fo.size, want.data(), unknown.get());
  const auto* got = reinterpret_cast<const std::uint8_t*>(r->data());
  const bool* unk = unknown.get();
  const bool same = fo.size == 0 || std::memcmp(got, want.data(), fo.size) == 0;
  for (std::uint64_t i = 0; !same && i < fo.size; ++i) {
    if (!unk[i] && got[i] != want[i]) {
      return fail(fmt::format("{}: byte {:#x} is {:#04x}, the model expects {:#04x}", fo.path, i, got[i], want[i]));
    }
  }
  model_.file_adopt(f, 0, got, fo.size);
  return true;
}

bool Runner::op_verify_file() {
  const int f = static_cast<int>(u(0, kFiles - 1));
  log(fmt::format("read_file /tmp/f{}", f));
  return verify_file(f);
}

bool Runner::op_sync() {
  log("sync");
  m_->sync();
  for (int f = 0; f < kFiles; ++f) model_.writeback(f);
  return true;
}

}  // namespace vmlab::random_test
