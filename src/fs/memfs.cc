#include "fs/memfs.h"

#include <algorithm>
#include <cstring>

#include "fs/attr.h"
#include "fs/file_time.h"
#include "mm/filemap.h"
#include "fs/rename.h"
#include "mm/address_space.h"
#include "mm/lru_batch.h"
#include "mm/memory_system.h"
#include "mm/vma.h"
#include "mm/vma_ops.h"
#include "vmlab/fcntl.h"

namespace vmlab::fs {

namespace {
// Splits "/a/b/c" into its components.
std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}
}  // namespace

MemFs::MemFs(std::uint32_t dev, std::function<void(Inode&)> evict, std::string type)
    : dev_(dev), evict_(std::move(evict)), type_(std::move(type)) {
  root_ = std::make_shared<Inode>(next_ino_++, dev_, InodeType::directory, Backing::disk);
  root_->mode = 0755;
  root_->nlink = 2;
  root_->sb = this;
}

std::shared_ptr<Inode> MemFs::new_inode(InodeType type, const Caller& owner) {
  auto inode = std::make_shared<Inode>(next_ino_++, dev_, type, Backing::disk);
  inode->on_evict = evict_;
  inode->sb = this;
  inode->uid = owner.uid;
  inode->gid = owner.gid;
  inode->atime_ns = inode->mtime_ns = inode->ctime_ns = now();
  return inode;
}

std::int64_t MemFs::now() const { return now_ ? static_cast<std::int64_t>(now_()) : 0; }

void MemFs::touch_dir(Inode& dir) { dir.mtime_ns = dir.ctime_ns = now(); }

Result<std::shared_ptr<Inode>> MemFs::lookup(std::string_view path) const {
  std::shared_ptr<Inode> cur = root_;
  for (const std::string& name : components(path)) {
    if (name.size() > kNameMax) return Errno::nametoolong;
    if (!cur->is_dir()) return Errno::notdir;
    auto it = cur->entries.find(name);
    if (it == cur->entries.end()) return Errno::noent;
    cur = it->second;
  }
  return cur;
}

Result<std::pair<std::shared_ptr<Inode>, std::string>> MemFs::parent_of(std::string_view path) const {
  auto parts = components(path);
  if (parts.empty()) return Errno::exist;  // the root itself
  std::string name = parts.back();
  if (name.size() > kNameMax) return Errno::nametoolong;
  std::string dir;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) dir += "/" + parts[i];
  auto parent = lookup(dir);
  if (!parent) return parent.error();
  if (!(*parent)->is_dir()) return Errno::notdir;
  return std::make_pair(*parent, name);
}

Result<std::shared_ptr<Inode>> MemFs::create(std::string_view path, std::uint32_t mode, bool exclusive) {
  auto p = parent_of(path);
  if (!p) return p.error();
  auto& [dir, name] = *p;
  if (auto it = dir->entries.find(name); it != dir->entries.end()) {
    if (exclusive) return Errno::exist;
    if (it->second->is_dir()) return Errno::isdir;
    return it->second;
  }
  return create(*dir, name, mode, owner_);
}

Result<void> MemFs::mkdir(std::string_view path, std::uint32_t mode) {
  auto p = parent_of(path);
  if (!p) return p.error();
  auto& [dir, name] = *p;
  return mkdir(*dir, name, mode, owner_);
}

Result<void> MemFs::unlink(std::string_view path) {
  auto p = parent_of(path);
  if (!p) return p.error();
  auto& [dir, name] = *p;
  return unlink(*dir, name);
}

std::shared_ptr<Inode> MemFs::mknod(std::string_view path, std::uint32_t rdev) {
  auto p = parent_of(path);
  auto inode = new_inode(InodeType::char_device, Caller{});
  inode->rdev = rdev;
  inode->mode = 0666;
  if (p) p->first->entries[p->second] = inode;
  return inode;
}

Result<void> MemFs::symlink(std::string_view path, std::string_view target) {
  auto p = parent_of(path);
  if (!p) return p.error();
  auto& [dir, name] = *p;
  return symlink(*dir, name, std::string(target), owner_);
}

Result<std::shared_ptr<Inode>> MemFs::lookup(Inode& dir, const std::string& name, const Caller&) {
  if (name.size() > kNameMax) return Errno::nametoolong;  // ext4_lookup()
  auto it = dir.entries.find(name);
  if (it == dir.entries.end()) return Errno::noent;
  return it->second;
}

Result<std::vector<DirEntry>> MemFs::readdir(Inode& dir, const Caller&) {
  std::vector<DirEntry> out;
  out.reserve(dir.entries.size());
  for (const auto& [name, inode] : dir.entries) out.push_back({inode->ino, dirent_type(*inode), name});
  return out;
}

Result<std::shared_ptr<Inode>> MemFs::create(Inode& dir, const std::string& name, std::uint32_t mode,
                                             const Caller& who) {
  if (name.size() > kNameMax) return Errno::nametoolong;
  if (dir.entries.count(name)) return Errno::exist;
  auto inode = new_inode(InodeType::regular, who);
  inode->mode = mode & 07777;
  dir.entries.emplace(name, inode);
  touch_dir(dir);
  return inode;
}

Result<void> MemFs::mkdir(Inode& dir, const std::string& name, std::uint32_t mode, const Caller& who) {
  if (name.size() > kNameMax) return Errno::nametoolong;
  if (dir.entries.count(name)) return Errno::exist;
  auto inode = new_inode(InodeType::directory, who);
  inode->mode = mode & 07777;
  inode->nlink = 2;
  inode->sb = this;
  dir.entries.emplace(name, inode);
  ++dir.nlink;
  touch_dir(dir);
  return {};
}

Result<void> MemFs::symlink(Inode& dir, const std::string& name, const std::string& target, const Caller& who) {
  if (name.size() > kNameMax) return Errno::nametoolong;
  if (dir.entries.count(name)) return Errno::exist;
  auto inode = new_inode(InodeType::symlink, who);
  inode->mode = 0777;
  inode->link_target = target;
  inode->size = target.size();
  dir.entries.emplace(name, inode);
  touch_dir(dir);
  return {};
}

Result<void> MemFs::unlink(Inode& dir, const std::string& name) {
  auto it = dir.entries.find(name);
  if (it == dir.entries.end()) return Errno::noent;
  if (it->second->is_dir()) return Errno::isdir;
  --it->second->nlink;
  it->second->ctime_ns = now();
  dir.entries.erase(it);
  touch_dir(dir);
  return {};
}

Result<void> MemFs::rmdir(Inode& dir, const std::string& name) {
  auto it = dir.entries.find(name);
  if (it == dir.entries.end()) return Errno::noent;
  if (!it->second->is_dir()) return Errno::notdir;
  if (!it->second->entries.empty()) return Errno::notempty;
  it->second->nlink = 0;
  dir.entries.erase(it);
  --dir.nlink;
  touch_dir(dir);
  return {};
}

Result<void> MemFs::rename(Inode& old_dir, const std::string& old_name, Inode& new_dir, const std::string& new_name,
                           unsigned flags, const Caller& who) {
  if (new_name.size() > kNameMax) return Errno::nametoolong;
  auto from = old_dir.entries.find(old_name);
  if (from == old_dir.entries.end()) return Errno::noent;
  const std::shared_ptr<Inode> source = from->second;
  auto to = new_dir.entries.find(new_name);
  const std::shared_ptr<Inode> target = to == new_dir.entries.end() ? nullptr : to->second;
  const bool exchange = flags & kRenameExchange;
  // ext4_rename(): a directory replaces only an empty one.
  if (!exchange && target && target->is_dir() && !target->entries.empty()) return Errno::notempty;
  if (exchange) {
    from->second = target;
    to->second = source;
  } else {
    old_dir.entries.erase(from);
    new_dir.entries[new_name] = source;  // the target, if any, lives on while it is used
    if (flags & kRenameWhiteout) {
      // A character device 0:0 with no permissions (WHITEOUT_DEV, WHITEOUT_MODE).
      auto whiteout = new_inode(InodeType::char_device, who);
      whiteout->mode = 0;
      old_dir.entries.emplace(old_name, std::move(whiteout));
    }
  }
  account_rename(old_dir, new_dir, *source, target.get(), exchange, now());
  return {};
}

Result<void> MemFs::setattr(Inode& inode, const AttrChange& change) {
  setattr_copy(inode, change);
  return {};
}

Result<std::uint64_t> file_read(mm::MemorySystem& sys, Inode& inode, std::uint64_t pos, std::uint8_t* buf,
                                std::uint64_t len) {
  if (inode.is_dir()) return Errno::isdir;
  if (pos >= inode.size) return std::uint64_t{0};
  len = std::min(len, inode.size - pos);
  // relatime_need_update(): the access time moves when it is not newer than the last
  // change, or is a day old.
  const auto now = static_cast<std::int64_t>(sys.clock().now());
  constexpr std::int64_t kDayNs = 24 * 60 * 60 * kNsPerSec;
  if (inode.atime_ns <= std::max(inode.mtime_ns, inode.ctime_ns) || now - inode.atime_ns >= kDayNs) {
    inode.atime_ns = now;
  }
  std::uint64_t done = 0;
  while (done < len) {
    const std::uint64_t index = (pos + done) >> kPageShift;
    const std::uint64_t off = (pos + done) & (kPageSize - 1);
    const std::uint64_t n = std::min(len - done, kPageSize - off);
    mm::CacheRead page = mm::page_cache_get(sys, inode, index);
    if (page.pfn == kNoPfn) return done ? Result<std::uint64_t>(done) : Errno::nomem;
    // filemap_read(): a second read activates the page.
    mm::folio_mark_accessed(sys, page.pfn);
    if (sys.mem().data_contents()) std::memcpy(buf + done, sys.mem().frame(page.pfn) + off, n);
    else std::memset(buf + done, 0, n);
    done += n;
  }
  return done;
}

Result<std::uint64_t> file_write(mm::MemorySystem& sys, Inode& inode, std::uint64_t pos, const std::uint8_t* buf,
                                 std::uint64_t len) {
  if (inode.is_dir()) return Errno::isdir;
  if (inode.swapfile) return Errno::txtbsy;  // generic_write_checks_count(): an active swap file
  // ext4 zeroes the rest of the old last block before a write beyond it.
  if (len > 0 && pos > inode.size) mm::page_cache_zero_block_tail(sys, inode, inode.size);
  std::uint64_t done = 0;
  while (done < len) {
    const std::uint64_t index = (pos + done) >> kPageShift;
    const std::uint64_t off = (pos + done) & (kPageSize - 1);
    const std::uint64_t n = std::min(len - done, kPageSize - off);
    Pfn pfn = mm::page_cache_get_for_write(sys, inode, index);
    if (pfn == kNoPfn) return done ? Result<std::uint64_t>(done) : Errno::nospc;
    if (sys.mem().data_contents()) std::memcpy(sys.mem().frame(pfn) + off, buf + done, n);
    mm::page_cache_mark_dirty(sys, inode, pfn);
    done += n;
    inode.size = std::max(inode.size, pos + done);
  }
  if (done > 0) inode.mtime_ns = inode.ctime_ns = static_cast<std::int64_t>(sys.clock().now());  // file_update_time()
  return done;
}

void file_truncate(mm::MemorySystem& sys, Inode& inode, std::uint64_t size) {
  const std::uint64_t old_size = inode.size;
  inode.size = size;
  inode.mtime_ns = inode.ctime_ns = static_cast<std::int64_t>(sys.clock().now());
  if (inode.external) inode.external->truncate(size);  // hostfs: the host file too
  // ext4_setattr(): growing zeroes the rest of the old last block, shrinking
  // (ext4_block_truncate_page()) the rest of the new one.
  if (size > old_size) mm::page_cache_zero_block_tail(sys, inode, old_size);
  if (size >= old_size) return;
  mm::page_cache_zero_block_tail(sys, inode, size);
  // unmap_mapping_range(even_cows): every PTE beyond EOF goes, private copies too.
  const std::uint64_t first_gone = (size + kPageSize - 1) >> kPageShift;
  for (mm::Vma* vma : std::vector<mm::Vma*>(inode.mmaps)) {
    if (vma->pgoff + vma->pages() <= first_gone) continue;
    const VirtAddr from = vma->maps_index(first_gone) ? vma->address_of(first_gone) : vma->start;
    mm::zap_range(*vma->mm, *vma, from, vma->end);
  }
  mm::page_cache_remove_from(sys, inode, first_gone);
}

}  // namespace vmlab::fs
