#include "fs/vfs.h"

#include <algorithm>
#include <deque>
#include <set>

namespace vmlab::fs {

namespace {

// Splits a path into its components, dropping empty ones ("a//b" is "a/b").
void split_into(std::string_view path, std::deque<std::string>& out, bool front) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    std::size_t j = i;
    while (j < path.size() && path[j] != '/') ++j;
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j;
  }
  if (front) out.insert(out.begin(), parts.begin(), parts.end());
  else out.insert(out.end(), parts.begin(), parts.end());
}

std::string_view parent_path(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string_view::npos ? std::string_view("/") : path.substr(0, slash);
}

}  // namespace

void Vfs::mount(Mount m) {
  m.seq = next_seq_++;
  auto p = std::make_shared<Mount>(std::move(m));
  mounts_[p->path] = std::move(p);
}

void Vfs::move_mounts(const PathMove& move) {
  std::map<std::string, std::shared_ptr<Mount>> after;
  for (auto& [path, m] : mounts_) {
    if (auto moved = move.apply(path)) m->path = std::move(*moved);
    after.emplace(m->path, m);
  }
  mounts_ = std::move(after);
}

std::shared_ptr<const Mount> Vfs::mount_at(std::string_view path) const {
  auto it = mounts_.find(std::string(path));
  return it == mounts_.end() ? nullptr : it->second;
}

Result<WalkResult> Vfs::walk(const Caller& who, std::string_view base, std::string_view path, unsigned flags) const {
  // getname(): an empty name is ENOENT, one that does not fit PATH_MAX ENAMETOOLONG.
  if (path.empty()) return Errno::noent;
  if (path.size() >= kPathMax) return Errno::nametoolong;
  auto root_mount = mount_at("/");
  if (!root_mount) return Errno::noent;

  struct Frame {
    std::shared_ptr<const Mount> mount;
    std::shared_ptr<Inode> inode;
    std::string path;  // "" for the root
  };
  std::vector<Frame> stack{{root_mount, root_mount->root, ""}};
  std::deque<std::string> todo;
  split_into(path, todo, false);
  if (path.front() != '/') split_into(base, todo, true);

  WalkResult out;
  out.trailing_slash = path.back() == '/';
  unsigned links = 0;
  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    const bool last = todo.empty();
    const Frame cur = stack.back();
    // link_path_walk(): every component is looked up in a directory the caller may search.
    if (!cur.inode->is_dir()) return Errno::notdir;
    if (auto r = permission(*cur.inode, *cur.mount, kMayExec, who); !r) return r.error();
    out.last_is_dot = last && name == ".";
    out.last_is_dotdot = last && name == "..";
    if (name == ".") continue;
    if (name == "..") {
      // follow_dotdot(): up one directory, across a mount's root, never above "/".
      if (stack.size() > 1) stack.pop_back();
      continue;
    }
    std::string child_path = cur.path + "/" + name;
    if (auto m = mount_at(child_path)) {  // a mount point: continue in the mounted tree
      stack.push_back({m, m->root, std::move(child_path)});
      continue;
    }
    auto r = cur.mount->fs->lookup(*cur.inode, name, who);
    if (!r) {
      if (r.error() == Errno::noent && last && (flags & kWalkCreate)) {
        out.mount = out.dir_mount = cur.mount;
        out.dir = cur.inode;
        out.path = std::move(child_path);
        out.name = std::move(name);
        return out;
      }
      return r.error();
    }
    std::shared_ptr<Inode> child = std::move(*r);
    const bool slash_follows = out.trailing_slash && !(flags & kWalkParent);
    if (child->is_symlink() && (!last || (flags & kWalkFollow) || slash_follows)) {
      // pick_link(): the target is walked from the link's directory, or from the
      // guest's root when absolute; at most 40 links in one walk.
      if (++links > kMaxSymlinks) return Errno::loop;
      auto target = cur.mount->fs->readlink(*child, who);
      if (!target) return target.error();
      if (target->empty()) return Errno::noent;
      if (target->front() == '/') stack.resize(1);
      split_into(*target, todo, true);
      continue;
    }
    stack.push_back({cur.mount, std::move(child), std::move(child_path)});
  }

  const Frame& fin = stack.back();
  if (out.trailing_slash && !(flags & kWalkParent) && !fin.inode->is_dir()) return Errno::notdir;
  out.inode = fin.inode;
  out.mount = fin.mount;
  out.path = fin.path.empty() ? "/" : fin.path;
  out.mount_root = fin.inode == fin.mount->root;
  const Frame& parent = stack.size() >= 2 ? stack[stack.size() - 2] : stack.front();
  out.dir = parent.inode;
  out.dir_mount = parent.mount;
  out.name = fin.path.substr(fin.path.rfind('/') + 1);
  if (fin.path.empty()) out.name.clear();
  return out;
}

Result<std::vector<DirEntry>> Vfs::list(const Caller& who, const Mount& mount, Inode& dir,
                                        std::string_view path) const {
  if (!dir.is_dir()) return Errno::notdir;
  auto own = mount.fs->readdir(dir, who);
  if (!own) return own.error();
  std::uint64_t parent_ino = dir.ino;
  if (path != "/") {
    if (auto up = walk(Caller{}, "/", parent_path(path), kWalkFollow); up) parent_ino = up->inode->ino;
  }
  std::vector<DirEntry> out{{dir.ino, kDtDir, "."}, {parent_ino, kDtDir, ".."}};
  std::set<std::string> names;
  for (DirEntry& e : *own) {
    names.insert(e.name);
    out.push_back(std::move(e));
  }
  // Mount points the directory itself does not hold (vmlab mounts need no mount
  // point), placed before the first name that sorts after them.
  for (const auto& [mpath, m] : mounts_) {
    if (mpath == "/" || parent_path(mpath) != path) continue;
    std::string name = mpath.substr(mpath.rfind('/') + 1);
    if (!names.insert(name).second) continue;
    auto at = std::find_if(out.begin() + 2, out.end(), [&](const DirEntry& e) { return e.name > name; });
    out.insert(at, {m->root->ino, kDtDir, std::move(name)});
  }
  return out;
}

Result<void> permission(const Inode& inode, const Mount& mount, int mask, const Caller& who) {
  if ((mask & kMayWrite) && mount.read_only &&
      (inode.type == InodeType::regular || inode.is_dir() || inode.is_symlink())) {
    return Errno::rofs;
  }
  return generic_permission(inode, mask, who);
}

Result<void> generic_permission(const Inode& inode, int mask, const Caller& who) {
  if (who.uid == 0) {
    // CAP_DAC_OVERRIDE: all but executing a file that nobody may execute.
    if ((mask & kMayExec) && !inode.is_dir() && !(inode.mode & 0111)) return Errno::acces;
    return {};
  }
  std::uint32_t bits = inode.mode;
  if (who.uid == inode.uid) bits >>= 6;
  else if (who.gid == inode.gid) bits >>= 3;
  const std::uint32_t want = static_cast<std::uint32_t>(mask) & 7;
  if ((bits & want) != want) return Errno::acces;
  return {};
}

bool sticky_forbids(const Inode& dir, const Inode& victim, const Caller& who) {
  if (!(dir.mode & 01000) || who.uid == 0) return false;
  return who.uid != victim.uid && who.uid != dir.uid;
}

Result<void> may_delete(const Inode& dir, const Mount& mount, const Inode& victim, bool mounted_on, bool isdir,
                        const Caller& who) {
  if (auto r = permission(dir, mount, kMayWrite | kMayExec, who); !r) return r;
  if (sticky_forbids(dir, victim, who)) return Errno::perm;
  if (isdir) {
    if (!victim.is_dir()) return Errno::notdir;
    if (mounted_on) return Errno::busy;
  } else if (victim.is_dir()) {
    return Errno::isdir;
  }
  return {};
}

}  // namespace vmlab::fs
