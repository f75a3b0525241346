// anon_vma: the reverse-map object of anonymous pages (mm/rmap.c). A page records the
// AnonVma of the VMA it was first faulted in; that AnonVma lists every VMA, in this
// process and in its forked descendants, that may still map the page. A VMA links to
// all AnonVmas it inherited (its chain) and owns one of its own for new pages.
#pragma once

#include <vector>

namespace vmlab::mm {

struct Vma;

class AnonVma {
 public:
  explicit AnonVma(AnonVma* parent) : parent_(parent) {
    if (parent_) ++parent_->refs_;
  }
  const std::vector<Vma*>& vmas() const { return vmas_; }
  // anon_vma->root: the first process's AnonVma, whose list holds every VMA of the
  // fork tree. A page mapped non-exclusively belongs there.
  AnonVma* root() {
    AnonVma* a = this;
    while (a->parent_ != nullptr) a = a->parent_;
    return a;
  }

  // Links `vma` to every AnonVma of `from`'s chain and to `own` (anon_vma_clone()).
  static void link(Vma& vma, AnonVma* av);
  static void clone_chain(Vma& dst, const Vma& src);
  // Removes `vma` from all its AnonVmas and frees those no longer used
  // (unlink_anon_vmas()).
  static void unlink_all(Vma& vma);
  // anon_vma_prepare(): gives `vma` an AnonVma of its own if it has none.
  static AnonVma* prepare(Vma& vma);
  // anon_vma_fork(): the child VMA inherits the parent's chain and gets its own.
  static void fork(Vma& child, const Vma& parent);

 private:
  static void put(AnonVma* av);

  AnonVma* parent_;
  std::vector<Vma*> vmas_;
  int refs_ = 0;  // linked VMAs plus child AnonVmas
};

}  // namespace vmlab::mm
