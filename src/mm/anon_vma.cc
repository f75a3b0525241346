#include "mm/anon_vma.h"

#include <algorithm>

#include "mm/address_space.h"
#include "mm/vm_flags.h"
#include "mm/vma.h"

namespace vmlab::mm {

void AnonVma::link(Vma& vma, AnonVma* av) {
  av->vmas_.push_back(&vma);
  ++av->refs_;
  vma.anon_chain.push_back(av);
}

void AnonVma::clone_chain(Vma& dst, const Vma& src) {
  dst.anon_chain.clear();
  for (AnonVma* av : src.anon_chain) link(dst, av);
  dst.anon_vma = src.anon_vma;
}

void AnonVma::put(AnonVma* av) {
  while (av != nullptr && --av->refs_ == 0) {
    AnonVma* parent = av->parent_;
    delete av;
    av = parent;
  }
}

void AnonVma::unlink_all(Vma& vma) {
  for (AnonVma* av : vma.anon_chain) {
    auto& v = av->vmas_;
    auto it = std::find(v.begin(), v.end(), &vma);
    if (it != v.end()) {
      *it = v.back();
      v.pop_back();
    }
    put(av);
  }
  vma.anon_chain.clear();
  vma.anon_vma = nullptr;
}

namespace {

// anon_vma_compatible(): `a` and `b` could be one VMA but for their protections.
bool anon_vma_compatible(const Vma& a, const Vma& b) {
  return a.end == b.start && a.file == b.file && ((a.flags ^ b.flags) & ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)) == 0 &&
         b.pgoff == a.pgoff + a.pages();
}

// reusable_anon_vma(): `old`'s anon_vma, when `a` and `b` are compatible and `old`
// was never forked (its chain is that one anon_vma).
AnonVma* reusable_anon_vma(const Vma& old, const Vma& a, const Vma& b) {
  if (!anon_vma_compatible(a, b)) return nullptr;
  return old.anon_vma != nullptr && old.anon_chain.size() == 1 ? old.anon_vma : nullptr;
}

}  // namespace

AnonVma* AnonVma::prepare(Vma& vma) {
  if (vma.anon_vma != nullptr) return vma.anon_vma;
  // find_mergeable_anon_vma(): share a neighbour's, the next one first, so that the two
  // VMAs can merge again after an mprotect() split them (is_mergeable_anon_vma()).
  AnonVma* av = nullptr;
  if (vma.mm != nullptr) {
    if (const Vma* next = vma.mm->vmas.next(vma)) av = reusable_anon_vma(*next, vma, *next);
    if (const Vma* prev = vma.mm->vmas.prev(vma); av == nullptr && prev != nullptr) {
      av = reusable_anon_vma(*prev, *prev, vma);
    }
  }
  if (av == nullptr) av = new AnonVma(nullptr);
  link(vma, av);
  vma.anon_vma = av;
  return av;
}

void AnonVma::fork(Vma& child, const Vma& parent) {
  child.anon_chain.clear();
  child.anon_vma = nullptr;
  if (parent.anon_vma == nullptr) return;
  for (AnonVma* av : parent.anon_chain) link(child, av);
  child.anon_vma = new AnonVma(parent.anon_vma);
  link(child, child.anon_vma);
}

}  // namespace vmlab::mm
