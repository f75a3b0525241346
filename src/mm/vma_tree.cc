#include "mm/vma_tree.h"

#include <cassert>

namespace vmlab::mm {

Vma* VmaTree::find(VirtAddr addr) const {
  auto it = map_.upper_bound(addr);
  if (it != map_.begin()) {
    auto p = std::prev(it);
    if (p->second->end > addr) return p->second.get();
  }
  return it == map_.end() ? nullptr : it->second.get();
}

Vma* VmaTree::prev(const Vma& v) const {
  auto it = map_.find(v.start);
  if (it == map_.begin()) return nullptr;
  return std::prev(it)->second.get();
}

Vma* VmaTree::next(const Vma& v) const {
  auto it = map_.find(v.start);
  ++it;
  return it == map_.end() ? nullptr : it->second.get();
}

Vma* VmaTree::insert(std::unique_ptr<Vma> v) {
  VirtAddr key = v->start;
  auto [it, inserted] = map_.emplace(key, std::move(v));
  assert(inserted);
  (void)inserted;
  return it->second.get();
}

std::unique_ptr<Vma> VmaTree::remove(Vma* v) {
  auto node = map_.extract(v->start);
  assert(node && node.mapped().get() == v);
  return std::move(node.mapped());
}

void VmaTree::set_start(Vma* v, VirtAddr new_start) {
  auto node = map_.extract(v->start);
  v->start = new_start;
  node.key() = new_start;
  map_.insert(std::move(node));
}

}  // namespace vmlab::mm
